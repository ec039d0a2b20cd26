/// The book's networks exported to ONNX: chapter 3's three models, chapter 4's deepest
/// configuration and chapter 5's two convolutional networks, each in book mode and ours, run
/// in ONNX Runtime on raw inputs and compared with our inference pass.
module DeepFunctional.Book.Tests.OnnxBookTests

open Expecto
open DeepFunctional
open DeepFunctional.Book
open DeepFunctional.Onnx
open DeepFunctional.Tests.Check
open DeepFunctional.Tests.OnnxRuntimeRun

/// Whole networks chain many float32 ops, and the graph standardises raw inputs in float32
/// where we do it in double: 1e-4 absolute on outputs of order one (chapter 5's book network
/// has logits in the hundreds, so its softmax is compared, as the graph outputs it).
let private tolerance = 1e-4

/// Trains a network one batch on preprocessed random raw inputs, exports it and compares.
let private agrees (name: string) (net: NeuralNetwork<float32>) (shape: int[]) (preprocessing: Preprocessing) (raw: Tensor<float32>) (classes: int) =
    testCase (sprintf "%s gives our outputs through ONNX Runtime fed raw inputs" name) <| fun () ->
        let x = Preprocessing.apply preprocessing raw
        let rows = raw.Shape.[0]
        let y =
            match Loss.kind net.Loss with
            | Loss.SoftmaxCrossEntropy _ -> Classification.oneHot<float32> classes (Array.init rows (fun i -> i % classes))
            | _ -> randomTensor<float32> 3L [| rows; classes |]
        let trained = (NeuralNetwork.trainBatch (Rng.seed 1L) net x y).Network
        let model = { ModelFile.ofNetwork shape trained with Preprocessing = preprocessing }
        let ours =
            let p = NeuralNetwork.predict trained x
            match Loss.kind trained.Loss with
            | Loss.SoftmaxCrossEntropy _ -> Softmax.forward p
            | _ -> p
        let onnx = runOnnx (Onnx.ofModel model) [ "x", raw ] |> List.exactlyOne
        Expect.equal onnx.Shape ours.Shape "the same shape"
        isAtMost (float (Tensor.maxAbsDiff ours onnx)) tolerance (sprintf "%s: largest difference" name)

/// Raw 0..255 pixels of `rows` images of the given shape.
let private rawPixels (rows: int) (shape: int[]) =
    let count = rows * Array.fold (*) 1 shape
    let draws, _ = Rng.randint 0L 256L count (Rng.seed 7L)
    Tensor.ofFloats<float32> (Array.append [| rows |] shape) (draws |> Array.map float)

let private pixels = Preprocessing.Pixels { Mean = 72.9; Std = 90.0 }

[<Tests>]
let tests =
    testList "ONNX export of the book's networks" [
        let boston = Datasets.bostonSplit<float32> ()
        let standardizer: Standardizer = { Means = Array.init 13 (fun i -> float i); Stds = Array.init 13 (fun i -> 1.0 + float i) }
        // Raw rows that the standardisation turns back into the book's standardised features.
        let rawRows =
            let x = floats (Tensor.sliceRows 0 8 boston.XTrain)
            Tensor.ofFloats<float32> [| 8; 13 |] (x |> Array.mapi (fun i v -> v * standardizer.Stds.[i % 13] + standardizer.Means.[i % 13]))
        for model in Chapter3.models do
            agrees (sprintf "chapter 3's %s" model.Name) (Chapter3.network<float32> Chapter3.Seed model) [| 13 |] (Preprocessing.Standardize standardizer) rawRows 1
        let deep = Chapter4.find "deep-dropout"
        for book in [ true; false ] do
            agrees (sprintf "chapter 4's deep-dropout network (%s)" (if book then "book mode" else "ours")) (Chapter4.network<float32> book deep) [| 784 |] pixels (rawPixels 6 [| 784 |]) 10
        for config in Chapter5.configs do
            for book in [ true; false ] do
                agrees (sprintf "chapter 5's %s network (%s)" config.Name (if book then "book mode" else "ours")) (Chapter5.network<float32> book config) [| 1; 28; 28 |] pixels (rawPixels 4 [| 1; 28; 28 |]) 10
    ]
