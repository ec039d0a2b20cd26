namespace DeepFunctional

open System
open System.Numerics

/// `MeanSquaredError`: L = Σ(p − y)² / N over an N-row batch (the book's definition:
/// summed over columns, averaged over rows).
[<RequireQualifiedAccess>]
module MeanSquaredError =

    /// prediction, target: [N; k] -> the loss.
    /// <exception cref="ShapeMismatchException">when the shapes differ.</exception>
    let forward<'T when 'T :> IFloatingPointIeee754<'T>> (prediction: Tensor<'T>) (target: Tensor<'T>) : 'T =
        Shape.checkSame "MeanSquaredError.forward" "prediction" prediction.Dims "target" target.Dims
        let d = Tensor.sub prediction target
        let squares: 'T = Tensor.sumOfSquares d
        squares / Num.ofInt<'T> prediction.Rows

    /// `forward` as the book's NumPy code computes it, `np.sum(np.power(p − y, 2)) / N`
    /// (NumPy's pairwise sum; see `Arithmetic.NumPy`). Double precision.
    let numPyForward (prediction: Tensor<'T>) (target: Tensor<'T>) : float =
        Shape.checkSame "MeanSquaredError.forward" "prediction" prediction.Dims "target" target.Dims
        let d = (Tensor.convert<'T, float> (Tensor.sub prediction target)).Data
        // np.power(x, 2) is NumPy's power (SVML's), not x·x: the two differ in the last bit.
        for i in 0 .. d.Length - 1 do d.[i] <- NumPyArithmetic.pow d.[i] 2.0
        NumPyArithmetic.sum (ReadOnlySpan<float>(d)) / float prediction.Rows

    /// The gradient with respect to the prediction: 2(p − y)/N, of the prediction's shape.
    let backward<'T when 'T :> IFloatingPointIeee754<'T>> (prediction: Tensor<'T>) (target: Tensor<'T>) =
        Shape.checkSame "MeanSquaredError.backward" "prediction" prediction.Dims "target" target.Dims
        let out = Array.zeroCreate<'T> prediction.Length
        let o = Span<'T>(out)
        // 2·(p − y) / N, rounded in that order as NumPy does.
        Tensors.TensorPrimitives.Subtract(ReadOnlySpan<'T>(prediction.Data), ReadOnlySpan<'T>(target.Data), o)
        Tensors.TensorPrimitives.Multiply(ReadOnlySpan<'T>(out), 'T.CreateTruncating 2.0, o)
        Tensors.TensorPrimitives.Divide(ReadOnlySpan<'T>(out), 'T.CreateTruncating prediction.Rows, o)
        Tensor.wrap prediction.Dims out

/// The book's `MeanSquaredError(normalize=True)`: each prediction row is divided by its sum
/// before the mean squared error. The book passes back 2(p̂ − y)/N, the gradient with respect
/// to the *normalised* predictions, as if it were the gradient for the raw ones; `backward`
/// here is the true gradient through the normalisation and `bookBackward` the book's.
[<RequireQualifiedAccess>]
module NormalizedMeanSquaredError =

    /// Each row divided by its sum: [N; k] -> [N; k].
    let normalize<'T when 'T :> IFloatingPointIeee754<'T>> (prediction: Tensor<'T>) : Tensor<'T> =
        Shape.checkRank "NormalizedMeanSquaredError.normalize" "prediction" 2 prediction.Dims
        let n, k = prediction.Dims.[0], prediction.Dims.[1]
        let out = Array.zeroCreate<'T> prediction.Length
        for i in 0 .. n - 1 do
            let row = ReadOnlySpan<'T>(prediction.Data, i * k, k)
            let s: 'T = Tensors.TensorPrimitives.Sum(row)
            Tensors.TensorPrimitives.Divide(row, s, Span<'T>(out, i * k, k))
        Tensor.wrap prediction.Dims out

    /// `normalize` as the book's NumPy code computes it, `p / p.sum(axis=1, keepdims=True)`
    /// (NumPy's pairwise row sums). Double precision.
    let numPyNormalize (prediction: Tensor<'T>) : Tensor<'T> =
        Shape.checkRank "NormalizedMeanSquaredError.normalize" "prediction" 2 prediction.Dims
        let sums = NumPyArithmetic.rowSums prediction
        let k = prediction.Dims.[1]
        let d = (Tensor.convert<'T, float> prediction).Data
        for i in 0 .. d.Length - 1 do d.[i] <- d.[i] / sums.[i / k]
        Tensor.convert<float, 'T> (Tensor.wrap prediction.Dims d)

    /// prediction, target: [N; k] -> Σ(p̂ − y)²/N with p̂ the row-normalised prediction.
    let forward<'T when 'T :> IFloatingPointIeee754<'T>> (prediction: Tensor<'T>) (target: Tensor<'T>) : 'T =
        Shape.checkSame "NormalizedMeanSquaredError.forward" "prediction" prediction.Dims "target" target.Dims
        MeanSquaredError.forward (normalize prediction) target

    /// The book's gradient: 2(p̂ − y)/N, of the prediction's shape.
    let bookBackward<'T when 'T :> IFloatingPointIeee754<'T>> (prediction: Tensor<'T>) (target: Tensor<'T>) : Tensor<'T> =
        Shape.checkSame "NormalizedMeanSquaredError.backward" "prediction" prediction.Dims "target" target.Dims
        MeanSquaredError.backward (normalize prediction) target

    /// `forward` in NumPy's arithmetic (`numPyNormalize`, then `MeanSquaredError.numPyForward`).
    let numPyForward (prediction: Tensor<'T>) (target: Tensor<'T>) : float =
        Shape.checkSame "NormalizedMeanSquaredError.forward" "prediction" prediction.Dims "target" target.Dims
        MeanSquaredError.numPyForward (numPyNormalize prediction) target

    /// `bookBackward` in NumPy's arithmetic.
    let numPyBookBackward<'T when 'T :> IFloatingPointIeee754<'T>> (prediction: Tensor<'T>) (target: Tensor<'T>) : Tensor<'T> =
        Shape.checkSame "NormalizedMeanSquaredError.backward" "prediction" prediction.Dims "target" target.Dims
        MeanSquaredError.backward (numPyNormalize prediction) target

    /// The true gradient with respect to the raw prediction: (g − Σₖ gₖ p̂ₖ)/s per row, where
    /// g = 2(p̂ − y)/N and s is the row's sum.
    let backward<'T when 'T :> IFloatingPointIeee754<'T>> (prediction: Tensor<'T>) (target: Tensor<'T>) : Tensor<'T> =
        Shape.checkSame "NormalizedMeanSquaredError.backward" "prediction" prediction.Dims "target" target.Dims
        let normalized = normalize prediction
        let g = MeanSquaredError.backward normalized target
        let n, k = prediction.Dims.[0], prediction.Dims.[1]
        let out = Array.zeroCreate<'T> prediction.Length
        for i in 0 .. n - 1 do
            let gi = ReadOnlySpan<'T>(g.Data, i * k, k)
            let s: 'T = Tensors.TensorPrimitives.Sum(ReadOnlySpan<'T>(prediction.Data, i * k, k))
            let dot: 'T = Tensors.TensorPrimitives.Dot(gi, ReadOnlySpan<'T>(normalized.Data, i * k, k))
            let o = Span<'T>(out, i * k, k)
            Tensors.TensorPrimitives.Subtract(gi, dot, o)
            Tensors.TensorPrimitives.Divide(ReadOnlySpan<'T>(out, i * k, k), s, o)
        Tensor.wrap prediction.Dims out

/// `Softmax`: row-wise e^x / Σ e^x, computed stably (the row maximum is subtracted first).
[<RequireQualifiedAccess>]
module Softmax =

    /// x: [N; k] -> [N; k], each row non-negative and summing to 1.
    let forward<'T when 'T :> IFloatingPointIeee754<'T>> (x: Tensor<'T>) : Tensor<'T> =
        Shape.checkRank "Softmax.forward" "input" 2 x.Dims
        let n, k = x.Dims.[0], x.Dims.[1]
        let out = Array.zeroCreate<'T> x.Length
        if k > 0 then
            for i in 0 .. n - 1 do
                let row = ReadOnlySpan<'T>(x.Data, i * k, k)
                let m: 'T = Tensors.TensorPrimitives.Max(row)
                Tensors.TensorPrimitives.Subtract(row, m, Span<'T>(out, i * k, k))
            // One call for the whole matrix (each element's e^x does not depend on its
            // neighbours; see Transcendental): per row, the call's checks cost more than the exps.
            Transcendental.into Transcendental.Exp (ReadOnlySpan<'T>(out)) (Span<'T>(out))
            for i in 0 .. n - 1 do
                let o = Span<'T>(out, i * k, k)
                let s: 'T = Tensors.TensorPrimitives.Sum(ReadOnlySpan<'T>(out, i * k, k))
                Tensors.TensorPrimitives.Divide(ReadOnlySpan<'T>(out, i * k, k), s, o)
        Tensor.wrap x.Dims out

    /// Row-wise log-softmax x − max − log Σ e^(x − max), in double: [N; k] -> values row-major.
    let logForward (x: Tensor<'T>) : float[] =
        Shape.checkRank "Softmax.logForward" "input" 2 x.Dims
        let n, k = x.Dims.[0], x.Dims.[1]
        let v = x.Data |> Array.map Num.toFloat
        let out = Array.zeroCreate<float> v.Length
        for i in 0 .. n - 1 do
            let row = ReadOnlySpan<float>(v, i * k, k)
            let m = if k = 0 then 0.0 else Tensors.TensorPrimitives.Max(row)
            let mutable s = 0.0
            for j in 0 .. k - 1 do s <- s + exp (v.[i * k + j] - m)
            let lse = m + log s
            for j in 0 .. k - 1 do out.[i * k + j] <- v.[i * k + j] - lse
        out

/// `SoftmaxCrossEntropy`: softmax over each row of the logits, then cross-entropy against
/// one-hot (or probability) targets, averaged over the N rows, with probabilities clipped to
/// [eps, 1 − eps] as the book does (eps = 1e-9 by default).
[<RequireQualifiedAccess>]
module SoftmaxCrossEntropy =

    /// The book's clipping constant.
    [<Literal>]
    let DefaultEps = 1e-9

    let private check (op: string) (eps: float) (prediction: Tensor<'T>) (target: Tensor<'T>) =
        Shape.checkRank op "prediction" 2 prediction.Dims
        Shape.checkSame op "prediction" prediction.Dims "target" target.Dims
        if not (eps >= 0.0 && eps < 0.5) then
            raise (InvalidValueException(op, "eps in [0, 0.5)", string eps))

    /// The standard loss −Σ y·log p / N, with log p from a stable log-softmax and clamped to
    /// [log eps, log(1 − eps)]. logits, target: [N; k].
    let forward (eps: float) (logits: Tensor<'T>) (target: Tensor<'T>) : float =
        check "SoftmaxCrossEntropy.forward" eps logits target
        let logp = Softmax.logForward logits
        let lo, hi = log eps, log (1.0 - eps)
        let mutable s = 0.0
        for i in 0 .. logp.Length - 1 do
            let y = Num.toFloat target.Data.[i]
            if y <> 0.0 then s <- s - y * (max lo (min hi logp.[i]))
        s / float logits.Rows

    /// The book's loss value: Σ(−y·log p − (1 − y)·log(1 − p)) / N with p = clip(softmax, eps, 1 − eps)
    /// (a sum of binary cross-entropies, which is not the loss whose gradient the book uses).
    let bookForward (eps: float) (logits: Tensor<'T>) (target: Tensor<'T>) : float =
        check "SoftmaxCrossEntropy.bookForward" eps logits target
        let p = (Softmax.forward logits).Data
        let mutable s = 0.0
        for i in 0 .. p.Length - 1 do
            let pi = min (1.0 - eps) (max eps (Num.toFloat p.[i]))
            let y = Num.toFloat target.Data.[i]
            s <- s + (-y * log pi - (1.0 - y) * log (1.0 - pi))
        s / float logits.Rows

    /// The book's clipped softmax clip(softmax(x), eps, 1 − eps) in NumPy's arithmetic.
    let private numPyClipped (eps: float) (logits: Tensor<'T>) : float[] =
        let p = unbox<float[]> (box (NumPyArithmetic.softmax logits).Data)
        for i in 0 .. p.Length - 1 do p.[i] <- min (1.0 - eps) (max eps p.[i])
        p

    /// `bookForward` as the book's NumPy code computes it: SciPy's softmax, NumPy's log and
    /// pairwise sum (see `Arithmetic.NumPy`). Double precision.
    let numPyBookForward (eps: float) (logits: Tensor<'T>) (target: Tensor<'T>) : float =
        check "SoftmaxCrossEntropy.bookForward" eps logits target
        let p = numPyClipped eps logits
        let y = (Tensor.convert<'T, float> target).Data
        let terms = Array.zeroCreate<float> p.Length
        for i in 0 .. p.Length - 1 do
            // -1.0 * target * np.log(p) - (1.0 - target) * np.log(1 - p), left to right.
            terms.[i] <- -1.0 * y.[i] * NumPyArithmetic.log p.[i] - (1.0 - y.[i]) * NumPyArithmetic.log (1.0 - p.[i])
        NumPyArithmetic.sum (ReadOnlySpan<float>(terms)) / float logits.Rows

    /// `bookBackward` as the book's NumPy code computes it, (clip(softmax) − y)/N.
    let numPyBookBackward<'T when 'T :> IFloatingPointIeee754<'T>> (eps: float) (logits: Tensor<'T>) (target: Tensor<'T>) : Tensor<'T> =
        check "SoftmaxCrossEntropy.backward" eps logits target
        let p = numPyClipped eps logits
        let y = (Tensor.convert<'T, float> target).Data
        let n = float logits.Rows
        for i in 0 .. p.Length - 1 do p.[i] <- (p.[i] - y.[i]) / n
        Tensor.convert<float, 'T> (Tensor.wrap logits.Dims p)

    /// The gradient of `forward` with respect to the logits: (softmax − y)/N.
    let backward<'T when 'T :> IFloatingPointIeee754<'T>> (eps: float) (logits: Tensor<'T>) (target: Tensor<'T>) : Tensor<'T> =
        check "SoftmaxCrossEntropy.backward" eps logits target
        let p = Softmax.forward logits
        let out = Array.zeroCreate<'T> p.Length
        let o = Span<'T>(out)
        Tensors.TensorPrimitives.Subtract(ReadOnlySpan<'T>(p.Data), ReadOnlySpan<'T>(target.Data), o)
        Tensors.TensorPrimitives.Divide(ReadOnlySpan<'T>(out), 'T.CreateTruncating logits.Rows, o)
        Tensor.wrap logits.Dims out

    /// The book's gradient: (clip(softmax, eps, 1 − eps) − y)/N.
    let bookBackward<'T when 'T :> IFloatingPointIeee754<'T>> (eps: float) (logits: Tensor<'T>) (target: Tensor<'T>) : Tensor<'T> =
        check "SoftmaxCrossEntropy.backward" eps logits target
        let p = Softmax.forward logits
        let out = Array.zeroCreate<'T> p.Length
        let o = Span<'T>(out)
        Tensors.TensorPrimitives.Max(ReadOnlySpan<'T>(p.Data), 'T.CreateTruncating eps, o)
        Tensors.TensorPrimitives.Min(ReadOnlySpan<'T>(out), 'T.CreateTruncating (1.0 - eps), o)
        Tensors.TensorPrimitives.Subtract(ReadOnlySpan<'T>(out), ReadOnlySpan<'T>(target.Data), o)
        Tensors.TensorPrimitives.Divide(ReadOnlySpan<'T>(out), 'T.CreateTruncating logits.Rows, o)
        Tensor.wrap logits.Dims out

/// The loss functions a network can be trained on.
[<RequireQualifiedAccess>]
type Loss =
    /// Mean squared error (chapter 3).
    | MeanSquaredError
    /// Mean squared error of row-normalised predictions (chapter 4's `normalize=True`); with
    /// `book` the book's gradient, else the true one.
    | NormalizedMeanSquaredError of book: bool
    /// Softmax cross-entropy on logits with clipping constant eps (chapter 4); with `book` the
    /// book's loss value and clipped gradient, else the standard loss whose gradient it is.
    | SoftmaxCrossEntropy of eps: float * book: bool

/// Dispatch from a `Loss` value to its functions.
[<RequireQualifiedAccess>]
module Loss =

    /// The standard softmax cross-entropy with the book's eps.
    let softmaxCrossEntropy = Loss.SoftmaxCrossEntropy(SoftmaxCrossEntropy.DefaultEps, false)

    /// The book's softmax cross-entropy (its loss value and clipped gradient).
    let bookSoftmaxCrossEntropy = Loss.SoftmaxCrossEntropy(SoftmaxCrossEntropy.DefaultEps, true)

    /// The loss of a prediction against a target, as a double.
    let forward (loss: Loss) (prediction: Tensor<'T>) (target: Tensor<'T>) : float =
        match loss with
        | Loss.MeanSquaredError -> MeanSquaredError.forward prediction target |> Num.toFloat
        | Loss.NormalizedMeanSquaredError _ -> NormalizedMeanSquaredError.forward prediction target |> Num.toFloat
        | Loss.SoftmaxCrossEntropy (eps, false) -> SoftmaxCrossEntropy.forward eps prediction target
        | Loss.SoftmaxCrossEntropy (eps, true) -> SoftmaxCrossEntropy.bookForward eps prediction target

    /// `forward` in the given arithmetic: `Arithmetic.NumPy` computes the book's losses (mean
    /// squared error, its normalised form, the book's softmax cross-entropy) as the book's NumPy
    /// code does; the standard softmax cross-entropy, which the book does not have, stays as it is.
    let forwardIn (arithmetic: Arithmetic) (loss: Loss) (prediction: Tensor<'T>) (target: Tensor<'T>) : float =
        match arithmetic, loss with
        | Arithmetic.NumPy, Loss.MeanSquaredError -> MeanSquaredError.numPyForward prediction target
        | Arithmetic.NumPy, Loss.NormalizedMeanSquaredError _ -> NormalizedMeanSquaredError.numPyForward prediction target
        | Arithmetic.NumPy, Loss.SoftmaxCrossEntropy (eps, true) -> SoftmaxCrossEntropy.numPyBookForward eps prediction target
        | _ -> forward loss prediction target

    /// The gradient of the loss with respect to the prediction.
    let backward (loss: Loss) (prediction: Tensor<'T>) (target: Tensor<'T>) =
        match loss with
        | Loss.MeanSquaredError -> MeanSquaredError.backward prediction target
        | Loss.NormalizedMeanSquaredError false -> NormalizedMeanSquaredError.backward prediction target
        | Loss.NormalizedMeanSquaredError true -> NormalizedMeanSquaredError.bookBackward prediction target
        | Loss.SoftmaxCrossEntropy (eps, false) -> SoftmaxCrossEntropy.backward eps prediction target
        | Loss.SoftmaxCrossEntropy (eps, true) -> SoftmaxCrossEntropy.bookBackward eps prediction target

    /// `backward` in the given arithmetic (see `forwardIn`).
    let backwardIn (arithmetic: Arithmetic) (loss: Loss) (prediction: Tensor<'T>) (target: Tensor<'T>) =
        match arithmetic, loss with
        | Arithmetic.NumPy, Loss.NormalizedMeanSquaredError true -> NormalizedMeanSquaredError.numPyBookBackward prediction target
        | Arithmetic.NumPy, Loss.SoftmaxCrossEntropy (eps, true) -> SoftmaxCrossEntropy.numPyBookBackward eps prediction target
        | _ -> backward loss prediction target
