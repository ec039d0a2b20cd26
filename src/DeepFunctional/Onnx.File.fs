namespace DeepFunctional.Onnx

open DeepFunctional

/// Writing models to .onnx files.
[<RequireQualifiedAccess>]
module OnnxFile =

    /// Writes the model to `path` as a .onnx file (its protobuf bytes), replacing an existing
    /// file whole or not at all (`AtomicFile`).
    /// <exception cref="FileWriteException">when the path is a folder, lies in a folder that does
    /// not exist or cannot be written; nothing is left behind.</exception>
    let write (path: string) (model: ModelProto) : unit =
        AtomicFile.writeBytes path (ModelProto.toBytes model)
