/// Tests of the book's chapter 2: hand-written linear regression and one-hidden-layer
/// network on the Boston data, and the closed-form least-squares fit.
module DeepFunctional.Book.Tests.Chapter2Tests

open Expecto
open DeepFunctional
open DeepFunctional.Book
open DeepFunctional.Tests


/// Passes when `actual` rounds to `printed` at 4 decimals (within 5e-5), as the book prints.
let private printedAs (printed: float) (actual: float) (what: string) =
    Check.isAtMost (abs (actual - printed)) 5e-5 (sprintf "%s: %.6f prints as %.4f" what actual printed)

/// The book's split, in double precision.
let private boston = lazy (Datasets.bostonSplit<float> ())

/// A small batch of the Boston training data: the first `rows` rows.
let private batch rows =
    let d = boston.Force()
    Tensor.sliceRows 0 rows d.XTrain, Tensor.sliceRows 0 rows d.YTrain

/// Central finite differences (delta 1e-6) of a scalar function of one tensor.
let private numericGradient (f: Tensor<float> -> float) (t: Tensor<float>) =
    let v = t.ToArray()
    let delta = 1e-6
    Array.init v.Length (fun i ->
        let at d =
            let w = Array.copy v
            w.[i] <- w.[i] + d
            f (Tensor.create t.Shape w)
        (at delta - at -delta) / (2.0 * delta))

/// Expects two gradients to agree within a relative error of 1e-6 of the largest entry.
let private gradientsAgree (analytic: Tensor<float>) (numeric: float[]) (what: string) =
    let a = analytic.ToArray()
    let scale = max 1.0 (Array.map abs numeric |> Array.max)
    Array.iteri (fun i n -> Check.within 1e-6 (abs (a.[i] - n) / scale) (sprintf "%s[%d]" what i)) numeric

/// The mean of a slice of losses.
let private meanOf (xs: float[]) = Array.average xs

let private closedForm =
    testList "closed form" [
        testCase "Chapter2.leastSquares reproduces the book's closed-form MAE 3.5671 and RMSE 5.0476" <| fun () ->
            let r = Chapter2.leastSquares (boston.Force())
            printedAs 3.5671 r.Mae "MAE"
            printedAs 5.0476 r.Rmse "RMSE"
            Expect.equal r.Weights.W.Shape [| 13; 1 |] "13 coefficients"
            Expect.equal r.Weights.B.Shape [| 1; 1 |] "one intercept"

        testCase "Chapter2.leastSquares recovers an exact linear relation to 1e-10" <| fun () ->
            let x = Tensor.ofRows [| for i in 0 .. 19 -> [| float i; float (i * i % 7) |] |]
            let y = Tensor.ofRows [| for i in 0 .. 19 -> [| 3.0 + 2.0 * float i - 0.5 * float (i * i % 7) |] |]
            let r = Chapter2.leastSquares { XTrain = x; YTrain = y; XTest = x; YTest = y }
            Expect.floatClose { absolute = 1e-10; relative = 0.0 } r.Weights.B.[0, 0] 3.0 "intercept"
            Expect.floatClose { absolute = 1e-10; relative = 0.0 } r.Weights.W.[0, 0] 2.0 "first coefficient"
            Expect.floatClose { absolute = 1e-10; relative = 0.0 } r.Weights.W.[1, 0] -0.5 "second coefficient"
            Check.isBelow r.Rmse 1e-10 "no error on its own data"

        testCase "Chapter2.leastSquares refuses fewer rows than coefficients" <| fun () ->
            let x = Tensor.ofRows [| [| 1.0; 2.0 |]; [| 3.0; 4.0 |] |]
            let y = Tensor.ofRows [| [| 1.0 |]; [| 2.0 |] |]
            Check.caught<InvalidValueException> (fun () -> Chapter2.leastSquares { XTrain = x; YTrain = y; XTest = x; YTest = y } |> ignore) |> ignore
    ]

let private linear =
    testList "linear regression" [
        testCase "Chapter2.linearDefaults are the book's: lr 0.001, batches of 23, 1,000 batches, seed 180708" <| fun () ->
            Expect.equal Chapter2.linearDefaults { LearningRate = 0.001; BatchSize = 23; Iterations = 1000; Seed = 180708L } "the book's settings"

        testCase "Chapter2.linearRegression with the book's settings reproduces MAE 3.5644 and RMSE 5.0497" <| fun () ->
            let r = Chapter2.linearRegression Chapter2.linearDefaults (boston.Force())
            printedAs 3.5644 r.Mae "MAE"
            printedAs 5.0497 r.Rmse "RMSE"
            Expect.equal r.Losses.Length 1000 "one loss per batch"
            Check.isAbove (meanOf r.Losses.[0..15]) (10.0 * meanOf r.Losses.[984..999]) "the first epoch's loss is over ten times the last one's"

        testCase "Chapter2.linearRegression is deterministic for a seed" <| fun () ->
            let config = { Chapter2.linearDefaults with Iterations = 50 }
            let a = Chapter2.linearRegression config (boston.Force())
            let b = Chapter2.linearRegression config (boston.Force())
            Expect.equal (a.Weights.W.ToArray()) (b.Weights.W.ToArray()) "same weights, bit for bit"
            Expect.equal a.Losses b.Losses "same losses"

        testCase "Chapter2.initLinear draws W then B as randn(13, 1) and randn(1, 1)" <| fun () ->
            let w, _ = Chapter2.initLinear 13 (Rng.seed 180708L)
            let draws, _ = Rng.standardNormals 14 (Rng.seed 180708L)
            Expect.equal (w.W.ToArray()) draws.[0..12] "W is the first 13 normals"
            Expect.equal (w.B.ToArray()) [| draws.[13] |] "B is the 14th"

        testCase "Chapter2.trainLinear permutes once before the first batch and again when the rows run out" <| fun () ->
            let d = boston.Force()
            let rng0 = Rng.seed 7L
            let _, afterInit = Chapter2.initLinear 13 rng0
            let _, onePerm = Rng.permutation 354 afterInit
            let _, twoPerms = Rng.permutation 354 onePerm
            let config = { Chapter2.linearDefaults with Iterations = 16 }
            let _, losses, rng16 = Chapter2.trainLinear config d.XTrain d.YTrain rng0
            Expect.equal losses.Length 16 "16 batches"
            Expect.equal rng16 onePerm "354 rows in batches of 23 make 16 batches from one permutation"
            let _, _, rng17 = Chapter2.trainLinear { config with Iterations = 17 } d.XTrain d.YTrain rng0
            Expect.equal rng17 twoPerms "the 17th batch starts a second permutation"

        testCase "Chapter2.linearGradients match central finite differences of the batch loss sum (P - Y)^2" <| fun () ->
            let x, y = batch 23
            let w, _ = Chapter2.initLinear 13 (Rng.seed 1L)
            let _, fwd = Chapter2.forwardLinear x y w
            let g = Chapter2.linearGradients fwd w
            let sse (w: Chapter2.LinearWeights) = fst (Chapter2.forwardLinear x y w) * float x.Rows
            gradientsAgree g.dW (numericGradient (fun t -> sse { w with W = t }) w.W) "dW"
            gradientsAgree g.dB (numericGradient (fun t -> sse { w with B = t }) w.B) "dB"

        testCase "Chapter2.forwardLinear keeps N = X.W and P = N + B and returns the mean squared error" <| fun () ->
            let x = Tensor.ofRows [| [| 1.0; 2.0 |]; [| 3.0; 4.0 |] |]
            let y = Tensor.ofRows [| [| 1.0 |]; [| 0.0 |] |]
            let w: Chapter2.LinearWeights = { W = Tensor.ofRows [| [| 0.5 |]; [| -1.0 |] |]; B = Tensor.ofRows [| [| 2.0 |] |] }
            let loss, fwd = Chapter2.forwardLinear x y w
            Expect.equal (fwd.N.ToArray()) [| -1.5; -2.5 |] "N"
            Expect.equal (fwd.P.ToArray()) [| 0.5; -0.5 |] "P"
            Expect.equal loss 0.25 "((1 - 0.5)^2 + (0 + 0.5)^2) / 2, exact"

        testCase "Chapter2.forwardLinear refuses inputs with the wrong number of features" <| fun () ->
            let x, y = batch 5
            let w, _ = Chapter2.initLinear 12 (Rng.seed 1L)
            Check.caught<ShapeMismatchException> (fun () -> Chapter2.forwardLinear x y w |> ignore) |> ignore

        testCase "Chapter2.trainLinear refuses a batch size of 0 and a learning rate that is not finite" <| fun () ->
            let x, y = batch 5
            Check.caught<InvalidValueException> (fun () -> Chapter2.trainLinear { Chapter2.linearDefaults with BatchSize = 0 } x y (Rng.seed 1L) |> ignore) |> ignore
            Check.caught<InvalidValueException> (fun () -> Chapter2.trainLinear { Chapter2.linearDefaults with LearningRate = nan } x y (Rng.seed 1L) |> ignore) |> ignore
    ]

let private network =
    testList "network" [
        testCase "Chapter2.networkDefaults are the book's: 13 hidden units, lr 0.001, batches of 23, 10,000 batches, seed 180807" <| fun () ->
            let c = Chapter2.networkDefaults
            Expect.equal c.HiddenSize 13 "13 hidden units"
            Expect.equal c.Training { LearningRate = 0.001; BatchSize = 23; Iterations = 10000; Seed = 180807L } "the book's settings"
            Expect.isFalse c.BookBiasGradient "the correct bias gradient by default"

        testCase "Chapter2.neuralNetwork with 1,000 batches lowers the loss and gives its pinned MAE 2.516948 and RMSE 3.795118" <| fun () ->
            let config = { Chapter2.networkDefaults with Training = { Chapter2.networkDefaults.Training with Iterations = 1000 } }
            let r = Chapter2.neuralNetwork config (boston.Force())
            Check.isAbove (meanOf r.Losses.[0..15]) (5.0 * meanOf r.Losses.[984..999]) "the first epoch's loss is over five times the last one's"
            // Pinned to 12 digits: any change to the data, the draws or the arithmetic moves them.
            Expect.floatClose { absolute = 0.0; relative = 1e-12 } r.Mae 2.5169475745288641 "MAE"
            Expect.floatClose { absolute = 0.0; relative = 1e-12 } r.Rmse 3.7951182791886202 "RMSE"

        testCase "Chapter2.initNetwork draws W1, B1, W2, B2 in that order from one stream" <| fun () ->
            let w, _ = Chapter2.initNetwork 13 13 (Rng.seed 180807L)
            let draws, _ = Rng.standardNormals (169 + 13 + 13 + 1) (Rng.seed 180807L)
            Expect.equal (w.W1.ToArray()) draws.[0..168] "W1 row-major"
            Expect.equal (w.B1.ToArray()) draws.[169..181] "B1"
            Expect.equal (w.W2.ToArray()) draws.[182..194] "W2"
            Expect.equal (w.B2.ToArray()) [| draws.[195] |] "B2"

        testCase "Chapter2.networkGradients match central finite differences of half the batch loss sum (P - Y)^2" <| fun () ->
            let x, y = batch 23
            let w, _ = Chapter2.initNetwork 13 5 (Rng.seed 3L)
            let _, fwd = Chapter2.forwardNetwork x y w
            let g = Chapter2.networkGradients fwd w
            let halfSse (w: Chapter2.NetworkWeights) = 0.5 * fst (Chapter2.forwardNetwork x y w) * float x.Rows
            gradientsAgree g.dW1 (numericGradient (fun t -> halfSse { w with W1 = t }) w.W1) "dW1"
            gradientsAgree g.dB1 (numericGradient (fun t -> halfSse { w with B1 = t }) w.B1) "dB1"
            gradientsAgree g.dW2 (numericGradient (fun t -> halfSse { w with W2 = t }) w.W2) "dW2"
            gradientsAgree g.dB2 (numericGradient (fun t -> halfSse { w with B2 = t }) w.B2) "dB2"

        testCase "Chapter2.trainNetwork with BookBiasGradient moves every hidden bias by the same amount" <| fun () ->
            let x, y = batch 23
            let config = { Chapter2.networkDefaults with Training = { Chapter2.networkDefaults.Training with Iterations = 1 }; BookBiasGradient = true }
            let start, _ = Chapter2.initNetwork 13 13 (Rng.seed 5L)
            let book, _, _ = Chapter2.trainNetwork config x y (Rng.seed 5L)
            let moves = Array.map2 (-) (book.B1.ToArray()) (start.B1.ToArray())
            Expect.isTrue (moves |> Array.forall (fun m -> abs (m - moves.[0]) < 1e-12)) "one shared step (within 1e-12)"
            let own, _, _ = Chapter2.trainNetwork { config with BookBiasGradient = false } x y (Rng.seed 5L)
            let ownMoves = Array.map2 (-) (own.B1.ToArray()) (start.B1.ToArray())
            Expect.isFalse (ownMoves |> Array.forall (fun m -> abs (m - ownMoves.[0]) < 1e-12)) "per-unit steps by default"

        testCase "Chapter2.predictNetwork refuses weights that do not fit the inputs" <| fun () ->
            let x, _ = batch 3
            let w, _ = Chapter2.initNetwork 12 4 (Rng.seed 1L)
            Check.caught<ShapeMismatchException> (fun () -> Chapter2.predictNetwork w x |> ignore) |> ignore
    ]

/// The chapter 2 tests.
[<Tests>]
let tests = testList "Chapter2" [ closedForm; linear; network ]
