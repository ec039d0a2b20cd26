/// The chapter-5 experiments: their definitions, the runner's accuracy checks on made-up
/// images, and a short book-mode run on a slice of real Fashion-MNIST whose lines are pinned
/// (skipped without the data).
module DeepFunctional.Book.Tests.Chapter5Tests

open System.IO
open System.Threading
open Expecto
open DeepFunctional
open DeepFunctional.Book
open DeepFunctional.Tests
open DeepFunctional.Tests.Check

let folder = "/usr/share/datasets/fashion-mnist"

/// Made-up images for the runner: 8x8 bars (see Synthetic.bars) as classification data.
let barData (trainCount: int) (testCount: int) : ClassificationData<float> =
    let x, y, trainLabels = Synthetic.bars trainCount 11L
    let xt, yt, testLabels = Synthetic.bars testCount 12L
    { Split = { XTrain = x; YTrain = y; XTest = xt; YTest = yt }
      TrainLabels = trainLabels; TestLabels = testLabels; Classes = 2
      Statistics = { Mean = 0.0; Std = 1.0 } }

/// A small experiment for the made-up images: the runner is the subject, not the network.
let tiny: Chapter5.Config =
    { Name = "tiny"; Description = "a test network"
      Layers = (fun _ ->
        [ Layer.Conv2D (Conv2D.create 2 3 Activation.Tanh |> Conv2D.withWeightInit WeightInit.Glorot |> Conv2D.withFlatten true)
          Layer.Dense (Dense.create 2 Activation.Linear |> Dense.withWeightInit WeightInit.Glorot) ])
      Loss = (fun book -> if book then Book.softmaxCrossEntropy else Loss.softmaxCrossEntropy)
      Optimizer = Optimizer.sgdMomentum 0.01 0.9
      Epochs = 1 }

/// The first `count` images of a set.
let firstImages (count: int) (set: ImageSet) : ImageSet =
    { set with
        Count = count
        Images = Array.sub set.Images 0 (count * set.Rows * set.Cols)
        Labels = Array.sub set.Labels 0 count }

[<Tests>]
let tests =
    testList "Chapter 5" [
        testCase "the book's experiment is Conv2D(16, 5x5, tanh, glorot, flatten, keep 0.8) then Dense(10, linear), momentum 0.1, one epoch" <| fun () ->
            let c = Chapter5.find "book"
            Expect.equal (c.Epochs, c.Optimizer) (1, Optimizer.sgdMomentum 0.1 0.9) "one epoch of SGD with momentum (0.1, 0.9)"
            match c.Layers true with
            | [ Layer.Conv2D conv; Layer.Dense dense ] ->
                Expect.equal (conv.Filters, conv.KernelSize, conv.Activation, conv.Geometry) (16, 5, Activation.Tanh, { Stride = 1; Padding = 2 }) "16 kernels of 5x5, same padding"
                Expect.equal (conv.WeightInit, conv.Flatten, conv.KeepProbability, conv.DropoutScaling, conv.Bias)
                    (Book.glorot, true, 0.8, DropoutScaling.Classic, false) "the book's glorot and dropout, flattened, no bias"
                Expect.equal (dense.Neurons, dense.Activation, dense.WeightInit, dense.KeepProbability) (10, Activation.Linear, WeightInit.StandardNormal, 1.0) "ten linear outputs"
            | other -> failtestf "unexpected layers %A" other
            match c.Layers false with
            | [ Layer.Conv2D conv; Layer.Dense _ ] ->
                Expect.equal (conv.WeightInit, conv.DropoutScaling) (WeightInit.Glorot, DropoutScaling.Inverted) "our defaults"
            | other -> failtestf "unexpected layers %A" other
            Expect.equal (c.Loss true, c.Loss false) (Book.softmaxCrossEntropy, Loss.softmaxCrossEntropy) "the book's loss value in book mode"

        testCase "the chapter-7 experiment is two tanh convolutions, Dense(32, tanh, keep 0.8) and Dense(10), momentum 0.01" <| fun () ->
            let c = Chapter5.find "ch7"
            Expect.equal (c.Epochs, c.Optimizer) (1, Optimizer.sgdMomentum 0.01 0.9) "one epoch of SGD with momentum (0.01, 0.9)"
            match c.Layers false with
            | [ Layer.Conv2D a; Layer.Conv2D b; Layer.Dense h; Layer.Dense o ] ->
                Expect.equal (a.Filters, a.KernelSize, a.Activation, a.Flatten) (14, 5, Activation.Tanh, false) "1 -> 14 channels"
                Expect.equal (b.Filters, b.KernelSize, b.Activation, b.Flatten) (7, 5, Activation.Tanh, true) "14 -> 7 channels, flattened"
                Expect.equal (h.Neurons, h.Activation, h.KeepProbability, h.DropoutScaling) (32, Activation.Tanh, 0.8, DropoutScaling.Inverted) "32 tanh units with dropout"
                Expect.equal (o.Neurons, o.Activation, o.KeepProbability) (10, Activation.Linear, 1.0) "ten linear outputs"
                Expect.allEqual [ a.WeightInit; b.WeightInit; h.WeightInit; o.WeightInit ] WeightInit.Glorot "Glorot everywhere"
            | other -> failtestf "unexpected layers %A" other
            match c.Layers true with
            | [ Layer.Conv2D a; _; Layer.Dense h; _ ] ->
                Expect.equal (a.WeightInit, h.WeightInit, h.DropoutScaling) (Book.glorot, Book.glorot, DropoutScaling.Classic) "book mode"
            | other -> failtestf "unexpected layers %A" other

        testCase "Chapter5.find names the known experiments when given an unknown one" <| fun () ->
            let e = caught<InvalidValueException> (fun () -> Chapter5.find "lenet" |> ignore)
            Expect.stringContains e.Message "book, ch7" "lists the names"
            Expect.stringContains e.Message "Chapter5.find" "names the operation"

        testCase "the book's lines for a check and for the accuracy" <| fun () ->
            Expect.equal (Chapter5.checkLine { Epoch = 1; Batches = 100; Accuracy = 0.79654 }) "Validation accuracy after 100 batches is 79.65%" "check"
            Expect.equal (Chapter5.accuracyLine 0.9) "The model validation accuracy is: 90.00%" "accuracy"

        testCase "Chapter5.run refuses rows of features with a typed error naming it" <| fun () ->
            let data = barData 60 20
            let flat = { data with Split = { data.Split with XTrain = Tensor.reshape [| 60; 64 |] data.Split.XTrain } }
            throwsShape "Chapter5.run" (fun () -> Chapter5.run false ignore ignore CancellationToken.None tiny flat |> ignore)

        testCase "Chapter5.run checks the accuracy every 100 batches of every epoch, never after an epoch's last batch" <| fun () ->
            let data = barData 12_600 2_500
            let seen = ResizeArray()
            let r = Chapter5.run false ignore seen.Add CancellationToken.None { tiny with Epochs = 2 } data
            Expect.equal [ for c in r.Checks -> c.Epoch, c.Batches ] [ 1, 100; 1, 200; 2, 100; 2, 200 ] "210 batches per epoch"
            Expect.equal (List.ofSeq seen) r.Checks "every check is handed to onCheck as it happens"
            Expect.equal (r.Fit.Evaluations |> List.map (fun e -> e.Epoch)) [ 1; 2 ] "the test loss after every epoch"
            Expect.equal r.ValidationLoss (NeuralNetwork.loss r.Fit.Network data.Split.XTest data.Split.YTest) "the final network's test loss"
            Check.isAbove (List.last r.Checks).Accuracy 0.9 "bars told apart after 300 batches"

        testCase "Chapter5.run's accuracy, measured 1,000 images at a time, is that of the whole test set at once" <| fun () ->
            let data = barData 600 2_500
            let r = Chapter5.run false ignore ignore CancellationToken.None tiny data
            let atOnce = Classification.argmax (NeuralNetwork.forward r.Fit.Network data.Split.XTest)
            Expect.sequenceEqual r.Predictions atOnce "2,500 predictions in chunks of 1,000, 1,000 and 500"
            Expect.equal r.Accuracy (Classification.accuracy atOnce data.TestLabels) "the same accuracy"
            Expect.isEmpty r.Checks "ten batches: no check"

        testCase "the same run twice gives the same checks and accuracy, in double and single precision" <| fun () ->
            let data = barData 6_060 500
            let twice (d: ClassificationData<'T>) =
                let a = Chapter5.run true ignore ignore CancellationToken.None tiny d
                let b = Chapter5.run true ignore ignore CancellationToken.None tiny d
                Expect.equal (a.Checks, a.Accuracy) (b.Checks, b.Accuracy) "reproducible"
                Expect.equal (a.Checks |> List.map (fun c -> c.Batches)) [ 100 ] "101 batches: one check"
            twice data
            let single (t: Tensor<float>) = Tensor.convert<float, float32> t
            twice { Split = { XTrain = single data.Split.XTrain; YTrain = single data.Split.YTrain; XTest = single data.Split.XTest; YTest = single data.Split.YTest }
                    TrainLabels = data.TrainLabels; TestLabels = data.TestLabels; Classes = 2; Statistics = data.Statistics }

        testCase "in book mode the book's network on 12,000 Fashion-MNIST images prints the same lines on every run" <| fun () ->
            if not (Directory.Exists folder) then skiptest "Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)"
            let sets = Idx.loadMnistFolder folder
            let data = Classification.prepareImages<float> (firstImages 12_000 sets.TrainSet) (firstImages 2_000 sets.TestSet)
            let lines = ResizeArray()
            let r =
                Chapter5.run true (Chapter4.bookLine >> Option.iter lines.Add) (Chapter5.checkLine >> lines.Add)
                    CancellationToken.None (Chapter5.find "book") data
            lines.Add(Chapter5.accuracyLine r.Accuracy)
            Expect.equal (List.ofSeq lines)
                [ "Validation accuracy after 100 batches is 71.70%"
                  "Validation loss after 1 epochs is 8.165"
                  "The model validation accuracy is: 78.35%" ] "the lines of this run, pinned with the current convolution kernels (no book numbers exist for Fashion-MNIST)"
    ]
