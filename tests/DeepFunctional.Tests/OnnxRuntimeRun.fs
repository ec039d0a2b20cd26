/// Running exported graphs in ONNX Runtime (the real client of an export), shared by the core's
/// and the book layer's suites.
module DeepFunctional.Tests.OnnxRuntimeRun

open System.Collections.Generic
open Microsoft.ML.OnnxRuntime
open DeepFunctional
open DeepFunctional.Onnx

/// A float32 output of ONNX Runtime as one of our tensors (a copy).
let ortTensor (o: OrtValue) : Tensor<float32> =
    let shape = o.GetTensorTypeAndShape().Shape |> Array.map int
    let data = o.GetTensorDataAsSpan<float32>().ToArray()
    Tensor.create shape data

/// Runs a model in ONNX Runtime on the given float32 inputs; returns every output in order.
let runSession (session: InferenceSession) (feeds: (string * Tensor<float32>) list) : Tensor<float32> list =
    let values = feeds |> List.map (fun (_, t) -> OrtValue.CreateTensorValueFromMemory(t.ToArray(), t.Shape |> Array.map int64))
    try
        use options = new RunOptions()
        let names = ResizeArray(feeds |> List.map fst) :> IReadOnlyCollection<string>
        use outputs = session.Run(options, names, ResizeArray values :> IReadOnlyCollection<OrtValue>, session.OutputNames :> IReadOnlyCollection<string>)
        outputs |> Seq.map ortTensor |> List.ofSeq
    finally
        for v in values do v.Dispose()

/// Runs a model (from its bytes) in ONNX Runtime on the given float32 inputs.
let runOnnx (model: ModelProto) (feeds: (string * Tensor<float32>) list) : Tensor<float32> list =
    use session = new InferenceSession(ModelProto.toBytes model)
    runSession session feeds

