/// The book's chapter-6 experiment as data (the 1,000-iteration figures are pinned through the
/// command line in the CLI's tests).
module DeepFunctional.Book.Tests.Chapter6Tests

open Expecto
open DeepFunctional
open DeepFunctional.Book

[<Tests>]
let tests =
    testList "Chapter 6" [
        testCase "the experiment is one LSTM of 256 over windows of 25, batches of 32, AdaGrad 0.01 clipped to [-2, 2]" <| fun () ->
            Expect.equal (Chapter6.layers 62) [ SequenceLayer.lstm 256 62 ] "one LSTM projecting to a logit per symbol"
            let t = Chapter6.training 1000
            Expect.equal (t.BatchSize, t.SequenceLength, t.Iterations, t.SampleEvery) (32, 25, 1000, 100) "settings"
            Expect.equal t.Loss CharModel.sumLoss "the book's gradient scale, reported per character"
            Expect.equal Chapter6.optimizer (Optimizer.adaGrad 0.01 |> Optimizer.withClipping 2.0) "AdaGrad"
    ]
