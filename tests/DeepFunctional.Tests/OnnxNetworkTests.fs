/// ONNX export of whole networks (`Onnx.ofModel`, `Onnx.export`): every layer kind and every
/// preprocessing, run in ONNX Runtime on raw inputs and compared with our own inference pass.
module DeepFunctional.Tests.OnnxNetworkTests

open System
open System.IO
open Expecto
open Microsoft.ML.OnnxRuntime
open DeepFunctional
open DeepFunctional.Onnx
open DeepFunctional.Tests.Check
open DeepFunctional.Tests.OnnxRuntimeRun
open DeepFunctional.Tests.OnnxTests

/// Whole networks chain many float32 ops, and the graph standardises raw inputs in float32
/// where we do it in double: 1e-4 absolute on outputs of order one.
let private networkTolerance = 1e-4

let private expectWithin (what: string) (ours: Tensor<float32>) (onnx: Tensor<float32>) =
    let d = maxDiff ours onnx
    Check.isAtMost d networkTolerance (sprintf "%s: ONNX Runtime within %g of our forward pass" what networkTolerance)

let private saved (shape: int[]) (preprocessing: Preprocessing) (net: NeuralNetwork<'T>) =
    { ModelFile.ofNetwork shape net with Preprocessing = preprocessing }

/// Our output for raw inputs: the preprocessing, the inference pass, the softmax of a classifier.
let private ours (model: SavedModel<float32>) (raw: Tensor<float32>) =
    let y = NeuralNetwork.predict model.Network (Preprocessing.apply model.Preprocessing raw)
    match Loss.kind model.Network.Loss with
    | Loss.SoftmaxCrossEntropy _ ->
        // Over the last axis, as the graph's Softmax (a sequence's every step).
        let k = y.Shape.[y.Shape.Length - 1]
        let rows = (Array.fold (*) 1 y.Shape) / k
        let p = Softmax.forward (Tensor.create [| rows; k |] (y.ToArray()))
        Tensor.create y.Shape (p.ToArray())
    | _ -> y

let private pixels: PixelStatistics = { Mean = 120.5; Std = 70.25 }

/// The model files' classifier of every image layer (ModelFileTests), fed raw pixels that its
/// pixel standardisation turns into the inputs it was trained on.
let private imageModel () =
    let net, x, shape = ModelFileTests.imageNet<float32> ()
    let raw = Tensor.map (fun v -> v * float32 pixels.Std + float32 pixels.Mean) x
    saved shape (Preprocessing.Pixels pixels) net, raw

/// The model files' network of an embedding, a GRU over every step, a book LSTM with its
/// projection and a carried (non-zero) state, and an RNN's last step.
let private sequenceModel () =
    let net, ids, shape = ModelFileTests.sequenceNet<float32> ()
    saved shape Preprocessing.Identity net, ids

/// A regression network on per-feature standardised rows.
let private denseModel<'T when 'T :> Numerics.IFloatingPointIeee754<'T>> (preprocessing: Preprocessing) =
    let layers = [ Layer.Dense (Dense.create 5 Activation.Sigmoid); Layer.Dense (Dense.create 1 Activation.Linear) ]
    let raw = Tensor.ofFloats<'T> [| 4; 3 |] [| 1.; 200.; -3.; 2.; 180.; 0.5; 0.; 210.; 4.; 3.; 190.; -1. |]
    let net: NeuralNetwork<'T> = NeuralNetwork.create layers Loss.MeanSquaredError 9L
    let r = NeuralNetwork.trainBatch (Rng.seed 1L) net (Preprocessing.apply preprocessing raw) (randomTensor<'T> 2L [| 4; 1 |])
    saved [| 3 |] preprocessing r.Network, raw

let private standardizer: Standardizer = { Means = [| 1.5; 195.0; 0.1 |]; Stds = [| 1.1; 11.2; 2.6 |] }

let private run (model: SavedModel<'T>) (raw: Tensor<float32>) = runOnnx (Onnx.ofModel model) [ "x", raw ] |> List.exactlyOne

[<Tests>]
let tests =
    testList "Onnx networks" [
        testCase "An image classifier of every image layer, fed raw pixels, gives our probabilities" <| fun () ->
            let model, raw = imageModel ()
            let onnx = run model raw
            expectWithin "image classifier" (ours model raw) onnx
            for row in 0 .. raw.Shape.[0] - 1 do
                let sum = [ for c in 0 .. 1 -> float (onnx.ToArray().[row * 2 + c]) ] |> List.sum
                within 1e-6 (abs (sum - 1.0)) "each row of the softmax head sums to 1"

        testCase "A network of an embedding and every recurrent kind, fed token ids, gives our outputs" <| fun () ->
            let model, ids = sequenceModel ()
            Expect.isTrue (NeuralNetwork.states model.Network |> List.exists (fun s -> s |> Option.exists (fun s -> s.H.ToArray() |> Array.exists (fun v -> v <> 0.0f)))) "the carried state is not zero"
            expectWithin "sequence network" (ours model ids) (run model ids)

        testCase "The graph starts a carried-state layer from its state: a zero state would differ" <| fun () ->
            let model, ids = sequenceModel ()
            let reset = { model with Network = NeuralNetwork.resetStates model.Network }
            let d = maxDiff (ours model ids) (run reset ids)
            Check.isAbove d networkTolerance "the export of the reset network differs from ours with the carried state"

        testCase "A decoder of Dense, Reshape and transposed convolutions gives our outputs" <| fun () ->
            let net, x, shape = ModelFileTests.decoderNet<float32> ()
            let model = saved shape Preprocessing.Identity net
            expectWithin "decoder" (ours model x) (run model x)

        testCase "A per-feature standardisation is in the graph: raw rows go in" <| fun () ->
            let model, raw = denseModel<float32> (Preprocessing.Standardize standardizer)
            expectWithin "standardised regression" (ours model raw) (run model raw)

        testCase "An affine preprocessing is in the graph" <| fun () ->
            let model, raw = denseModel<float32> (Preprocessing.Affine (0.01, -1.0))
            expectWithin "affine regression" (ours model raw) (run model raw)

        testCase "A double network exports in single precision, within float32 rounding of its double outputs" <| fun () ->
            let model, raw = denseModel<float> (Preprocessing.Standardize standardizer)
            let expected = NeuralNetwork.predict model.Network (Preprocessing.apply model.Preprocessing raw)
            let onnx = run model (Tensor.convert<float, float32> raw)
            expectWithin "double regression" (Tensor.convert<float, float32> expected) onnx

        testCase "The graph's batch dimension is symbolic: one export serves any number of rows" <| fun () ->
            let model, raw = denseModel<float32> (Preprocessing.Standardize standardizer)
            use session = new InferenceSession(ModelProto.toBytes (Onnx.ofModel model))
            for rows in [ 1; 4 ] do
                let x = Tensor.sliceRows 0 rows raw
                expectWithin (sprintf "%d rows" rows) (ours model x) (runSession session [ "x", x ] |> List.exactlyOne)

        testCase "A trained character model's graph runs whole sequences of any length, from its carried state" <| fun () ->
            let trained = (CharModel.train CharModelTests.settings (Optimizer.adam 0.01) CharModelTests.text (CharModelTests.small<float32> ()) ignore).Model
            let model = ModelFile.ofCharModel trained
            use session = new InferenceSession(ModelProto.toBytes (Onnx.ofModel model))
            let indices = CharModel.encode trained.Vocabulary CharModelTests.text
            for seq in [ 1; 5; 23 ] do
                let x, _ = CharModel.batch<float32> trained.Vocabulary.Length indices 3 2 seq
                let onnx = runSession session [ "x", x ] |> List.exactlyOne
                Expect.equal onnx.Shape [| 2; seq; trained.Vocabulary.Length |] "probabilities for every step"
                expectWithin (sprintf "sequences of %d" seq) (ours model x) onnx

        testCase "Exporting a network without parameters is an InvalidOperationException naming Onnx.export" <| fun () ->
            let net: NeuralNetwork<float32> = NeuralNetwork.create [ Layer.Dense (Dense.create 1 Activation.Linear) ] Loss.MeanSquaredError 1L
            let e = caught<InvalidOperationException> (fun () -> Onnx.ofModel (ModelFile.ofNetwork [| 3 |] net) |> ignore)
            Expect.stringContains e.Message "Onnx.export" "names the operation"

        testCase "Onnx.export writes a file ONNX Runtime loads, and nothing beside it" <| fun () ->
            let dir = Directory.CreateTempSubdirectory("df-onnx-net-").FullName
            try
                let model, raw = imageModel ()
                let path = Path.Combine(dir, "classifier.onnx")
                Onnx.export path model
                use session = new InferenceSession(path)
                expectWithin "from the file" (ours model raw) (runSession session [ "x", raw ] |> List.exactlyOne)
                Expect.equal (Directory.GetFiles dir |> Array.map Path.GetFileName) [| "classifier.onnx" |] "no temporary file left"
            finally Directory.Delete(dir, true)
    ]
