namespace DeepFunctional.Onnx

open System
open System.IO
open DeepFunctional

/// Writing models to .onnx files.
[<RequireQualifiedAccess>]
module ModelFile =

    /// Writes bytes to `path` whole or not at all: into a temporary file in the same folder,
    /// flushed to disk, then renamed over the target. The temporary file is deleted when
    /// anything fails. `op` names the operation in errors.
    let internal writeAtomically (op: string) (path: string) (bytes: byte[]) : unit =
        if String.IsNullOrWhiteSpace path then
            raise (InvalidValueException(op, "a file path", sprintf "'%s'" path))
        let full = Path.GetFullPath path
        if Directory.Exists full || String.IsNullOrEmpty(Path.GetFileName full) then
            raise (InvalidValueException(op, "a path to a file, not a folder", sprintf "'%s'" path))
        let dir = match Path.GetDirectoryName full with null -> "." | d -> d
        if not (Directory.Exists dir) then
            raise (InvalidValueException(op, "a file path in an existing folder", sprintf "'%s' (no folder '%s')" path dir))
        let temp = Path.Combine(dir, sprintf ".%s.%s.tmp" (Path.GetFileName full) (Guid.NewGuid().ToString("N")))
        try
            (use stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write)
             stream.Write(bytes, 0, bytes.Length)
             stream.Flush(true))
            File.Move(temp, full, true)
        finally
            if File.Exists temp then File.Delete temp

    /// Writes the model to `path` as a .onnx file (its protobuf bytes), replacing an existing
    /// file whole or not at all (a temporary file in the same folder is written, flushed and
    /// renamed; it is deleted if anything fails).
    /// <exception cref="InvalidValueException">when the path is empty, names a folder, or lies in a
    /// folder that does not exist; nothing is written then.</exception>
    let write (path: string) (model: ModelProto) : unit =
        writeAtomically "ModelFile.write" path (ModelProto.toBytes model)
