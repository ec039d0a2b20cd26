/// The book's behaviour as values of the book layer: its loss values, "glorot", seeding, early
/// stopping and printed lines, each against a hand-computed case or the book's rule.
module DeepFunctional.Book.Tests.BookTests

open System
open Expecto
open DeepFunctional
open DeepFunctional.Book
open DeepFunctional.Tests
open DeepFunctional.Tests.Check

let private twoLayers =
    [ Layer.Dense (Dense.create 4 Activation.Sigmoid); Layer.Dense (Dense.create 2 Activation.Linear) ]

[<Tests>]
let tests =
    testList "Book" [
        testCase "the book's softmax cross-entropy value is a sum of binary cross-entropies" <| fun () ->
            let x = Tensor.create [| 1; 2 |] [| 0.0; 0.0 |]
            let y = Tensor.create [| 1; 2 |] [| 1.0; 0.0 |]
            Expect.floatClose Accuracy.veryHigh (Loss.forward Book.softmaxCrossEntropy x y) (2.0 * log 2.0) "-log 0.5 - log 0.5"
            Expect.floatClose Accuracy.veryHigh (Loss.forwardWith Book.numPy Book.softmaxCrossEntropy x y) (2.0 * log 2.0) "the same through NumPy's arithmetic"

        testCase "the book's clipped gradient is the standard loss's gradient, not its own loss value's" <| fun () ->
            let x = randomTensor<float> 1L [| 5; 4 |]
            let y = Classification.oneHot<float> 4 [| 0; 3; 1; 1; 2 |]
            let g = Loss.backward Book.softmaxCrossEntropy x y
            let standard = GradCheck.compare 1e-6 (fun x -> SoftmaxCrossEntropy.forward 1e-9 x y) x g
            let own = GradCheck.compare 1e-6 (fun x -> Loss.forward Book.softmaxCrossEntropy x y) x g
            gradientClose 1e-6 standard "matches the standard loss"
            isAbove own.MaxAbsError 1e-3 "does not match the book's value"
            Expect.equal (Loss.kind Book.softmaxCrossEntropy) Loss.softmaxCrossEntropy "a softmax cross-entropy in kind"

        testCase "the book's normalised mean squared error passes back 2(p-hat - y)/N" <| fun () ->
            let x = Tensor.create [| 1; 2 |] [| 1.0; 3.0 |]
            let y = Tensor.create [| 1; 2 |] [| 0.0; 1.0 |]
            Expect.equal ((Loss.backward Book.normalizedMeanSquaredError x y).ToArray()) [| 0.5; -0.5 |] "2 * (0.25, -0.25)"
            Expect.equal (Loss.forward Book.normalizedMeanSquaredError x y) (Loss.forward Loss.NormalizedMeanSquaredError x y) "the same value as the library's"

        testCase "the book's sequence loss is N times its chapter-4 value, with the gradient p - y not divided" <| fun () ->
            let logits = randomTensor<float> 1L [| 2; 3; 5 |]
            let targets = Classification.oneHot<float> 5 [| 0; 4; 2; 1; 3; 0 |] |> Tensor.reshape [| 2; 3; 5 |]
            let flat (t: Tensor<float>) = Tensor.reshape [| 6; 5 |] t
            Expect.floatClose Accuracy.veryHigh (Loss.forward Book.sequenceLoss logits targets) (6.0 * Loss.forward Book.softmaxCrossEntropy (flat logits) (flat targets)) "the sum"
            tensorsClose 1e-15 (Loss.backward Book.sequenceLoss logits targets) (Tensor.scale 6.0 (Loss.backward Book.softmaxCrossEntropy (flat logits) (flat targets)) |> Tensor.reshape [| 2; 3; 5 |]) "p - y"

        testCase "the book's glorot draws with standard deviation 2/(in+out), in dense and convolutional layers" <| fun () ->
            let dense = Dense.create 10 Activation.Linear |> Dense.withWeightInit Book.glorot
            Expect.equal (Dense.initScale dense 30) (2.0 / 40.0) "dense: 2/(30 + 10)"
            let spec = Conv2D.create 16 5 Activation.Tanh |> Conv2D.withWeightInit Book.glorot
            let p, _ = Conv2D.init spec 1 (Rng.seed 3L)
            let expected, _ = Rng.normal 0.0 (2.0 / 17.0) (16 * 25) (Rng.seed 3L)
            Expect.sequenceEqual (p.W.ToArray()) expected "NumPy's normal(0, 2/17, (1, 16, 5, 5)) from the same seed"

        testCase "in the book's seeding every layer starts from the network seed's stream and training continues after the last draws" <| fun () ->
            let net: NeuralNetwork<float> = NeuralNetwork.create twoLayers Loss.MeanSquaredError 42L |> NeuralNetwork.withSeeding Book.seeding
            let n, rng = NeuralNetwork.initialise (Tensor.zeros<float> [| 5; 3 |]) (Rng.seed 1L) net
            let expected, _ = Rng.standardNormals 12 (Rng.seed 42L)
            let ps = NeuralNetwork.parameters n
            Expect.equal (ps.[0].ToArray()) expected "W1 = randn(3, 4) after seed(42)"
            Expect.equal (ps.[2].ToArray()) (Array.truncate 8 expected) "W2 = randn(4, 2) after seed(42) again"
            let _, after = Rng.standardNormals (8 + 2) (Rng.seed 42L)
            Expect.equal rng after "the generator after randn(4, 2) and randn(1, 2)"

        testCase "the book's early stopping copies the network before the last epoch of every evaluation period" <| fun () ->
            match Book.earlyStopping with
            | EarlyStoppingModel.Strategy s ->
                Expect.equal [ for e in 1 .. 10 do if s.SnapshotBefore(e, 5) then yield e ] [ 5; 10 ] "epochs 5 and 10 of eval_every 5"
            | other -> failtestf "expected a strategy, got %O" other

        testCase "the book's lines: chapter 3's and chapter 4's early-stopping messages" <| fun () ->
            Expect.equal (Book.line (Evaluated(10, 30.2934, true))) (Some "Validation loss after 10 epochs is 30.293") "evaluation"
            Expect.equal (Book.line (EarlyStopped(20, 31.0, 30.2934, 10))) (Some "Loss increased after epoch 20, final loss was 30.293, using the model from epoch 10") "chapter 3"
            Expect.equal (Book.chapter4Line (EarlyStopped(20, 31.0, 30.2934, 10))) (Some "\nLoss increased after epoch 20, final loss was 30.293, \nusing the model from epoch 10") "chapter 4"
            Expect.isNone (Book.line (BatchCompleted(1, 1, 10, 0.5))) "nothing for a batch"
    ]
