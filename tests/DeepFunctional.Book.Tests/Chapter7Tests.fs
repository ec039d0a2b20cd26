/// Chapter 7's autoencoder: its shapes, its pixel scaling, that it learns on made-up images,
/// and a pinned short run on a slice of real Fashion-MNIST (skipped without the data).
module DeepFunctional.Book.Tests.Chapter7Tests

open System.IO
open System.Threading
open Expecto
open DeepFunctional
open DeepFunctional.Book
open DeepFunctional.Tests.Check

let private folder = "/usr/share/datasets/fashion-mnist"

/// Made-up 28x28 images: a bright square of a random size at a random place on a dark,
/// noisy background.
let private squares (count: int) (seed: int64) : ImageSet =
    let draws, rng = Rng.randint 0L 14L (3 * count) (Rng.seed seed)
    let noise, _ = Rng.randint 0L 40L (count * 784) rng
    let pixels = noise |> Array.map byte
    for i in 0 .. count - 1 do
        let r, c, side = int draws.[3 * i], int draws.[3 * i + 1], 6 + int draws.[3 * i + 2] / 2
        for y in r .. min 27 (r + side) do
            for x in c .. min 27 (c + side) do
                pixels.[i * 784 + y * 28 + x] <- 230uy
    { Count = count; Rows = 28; Cols = 28; Classes = 1; Images = pixels; Labels = Array.zeroCreate count }

let private slice (set: ImageSet) (count: int) =
    { set with Count = count; Images = Array.sub set.Images 0 (count * 784); Labels = Array.sub set.Labels 0 count }

[<Tests>]
let tests =
    testList "Chapter 7" [
        testCase "the book's autoencoder codes an image in 28 numbers and reconstructs it at 28x28" <| fun () ->
            let shapes (config: Chapter7.Config) = NeuralNetwork.outputShapes (Chapter7.network<float32> config) [| 1; 1; 28; 28 |]
            Expect.equal (shapes Chapter7.book)
                [ [| 1; 14; 28; 28 |]; [| 1; 7 * 28 * 28 |]; [| 1; 28 |]; [| 1; 5488 |]; [| 1; 7; 28; 28 |]; [| 1; 14; 28; 28 |]; [| 1; 1; 28; 28 |] ] "the book's"
            Expect.equal (shapes { Chapter7.book with Decoder = Chapter7.Decoder.Deconv }) (shapes Chapter7.book) "the transposed decoder keeps every shape"
            Expect.equal (shapes { Chapter7.book with Net = Chapter7.Net.Strided })
                [ [| 1; 14; 14; 14 |]; [| 1; 7 * 7 * 7 |]; [| 1; 28 |]; [| 1; 343 |]; [| 1; 7; 7; 7 |]; [| 1; 14; 14; 14 |]; [| 1; 1; 28; 28 |] ] "the strided one halves and doubles"

        testCase "pixels are scaled to [-1, 1] by the training set's smallest and largest value" <| fun () ->
            let set = { squares 4 1L with Images = Array.init (4 * 784) (fun i -> byte (10 + i % 201)) }
            match Chapter7.scaling set with
            | Preprocessing.Affine (scale, offset) ->
                within 1e-15 (abs (10.0 * scale + offset + 1.0)) "the smallest pixel goes to -1"
                within 1e-15 (abs (210.0 * scale + offset - 1.0)) "the largest goes to 1"
            | other -> failtestf "an affine scaling, got %A" other
            let flat = { set with Images = Array.create (4 * 784) 7uy }
            caught<InvalidValueException> (fun () -> Chapter7.scaling flat |> ignore) |> ignore

        testCase "the autoencoder learns made-up images: its test error falls below the untrained network's" <| fun () ->
            let train, test = squares 240 2L, squares 60 3L
            // Adam learns the made-up squares in a few batches; the book's momentum needs hundreds.
            let config = { Chapter7.book with Epochs = 2; Optimizer = Optimizer.adam 0.003 }
            let r: Chapter7.Result<float32> = Chapter7.run ignore CancellationToken.None config train test
            let xTest = Preprocessing.apply r.Preprocessing (Chapter7.images<float32> test)
            let untrained, _ = NeuralNetwork.initialise xTest (Rng.seed 0L) (Chapter7.network<float32> config)
            let before = NeuralNetwork.loss untrained xTest xTest
            isBelow r.TestMse (before * 0.5) "less than half the untrained network's error"
            Expect.equal r.Codes.Shape [| 60; 28 |] "one code of 28 numbers per test image"
            Expect.isTrue (r.Codes.ToArray() |> Array.forall (fun v -> v >= -1.0f && v <= 1.0f)) "codes are tanh outputs"

        testCase "a run of 6,000 Fashion-MNIST images gives the pinned test error" <| fun () ->
            if not (Directory.Exists folder) then skiptest (sprintf "%s does not exist (Debian package dataset-fashion-mnist)" folder)
            let data = Idx.loadMnistFolder folder
            let r: Chapter7.Result<float32> = Chapter7.run ignore CancellationToken.None Chapter7.book (slice data.TrainSet 6000) (slice data.TestSet 1000)
            Expect.equal (sprintf "%.6f" r.TestMse) "0.230341" "the test mean squared error"
    ]
