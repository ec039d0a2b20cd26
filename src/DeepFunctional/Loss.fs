namespace DeepFunctional

open System
open System.Numerics

/// `MeanSquaredError`: L = Σ(p − y)² / N over an N-row batch (the book's definition:
/// summed over columns, averaged over rows); `perValue` divides by every value instead,
/// L = Σ(p − y)² / (N·k) (PyTorch's `MSELoss`, chapter 7's autoencoder).
[<RequireQualifiedAccess>]
module MeanSquaredError =

    /// What the sum of squares is divided by: the rows, or every value.
    let private divisor (perValue: bool) (prediction: Tensor<'T>) = if perValue then prediction.Length else prediction.Rows

    /// The loss through a backend's sum of squares, divided by the rows or by every value.
    let forwardOverWith<'T when 'T :> IFloatingPointIeee754<'T>> (backend: Backend) (perValue: bool) (prediction: Tensor<'T>) (target: Tensor<'T>) : 'T =
        Shape.checkSame "MeanSquaredError.forward" "prediction" prediction.Dims "target" target.Dims
        let squares: 'T = backend.SumOfSquares(Tensor.sub prediction target)
        squares / Num.ofInt<'T> (divisor perValue prediction)

    /// `forward` through a backend's sum of squares.
    let forwardWith<'T when 'T :> IFloatingPointIeee754<'T>> (backend: Backend) (prediction: Tensor<'T>) (target: Tensor<'T>) : 'T =
        forwardOverWith backend false prediction target

    /// prediction, target: [N; ...] (the same shape) -> the loss.
    /// <exception cref="ShapeMismatchException">when the shapes differ.</exception>
    let forward<'T when 'T :> IFloatingPointIeee754<'T>> (prediction: Tensor<'T>) (target: Tensor<'T>) : 'T =
        forwardWith Backend.fast prediction target

    /// The gradient with respect to the prediction, 2(p − y) divided by the rows or by every
    /// value, of the prediction's shape.
    let backwardOver<'T when 'T :> IFloatingPointIeee754<'T>> (perValue: bool) (prediction: Tensor<'T>) (target: Tensor<'T>) =
        Shape.checkSame "MeanSquaredError.backward" "prediction" prediction.Dims "target" target.Dims
        let out = Array.zeroCreate<'T> prediction.Length
        let o = Span<'T>(out)
        // 2·(p − y) / N, rounded in that order as NumPy does.
        Tensors.TensorPrimitives.Subtract(ReadOnlySpan<'T>(prediction.Data), ReadOnlySpan<'T>(target.Data), o)
        Tensors.TensorPrimitives.Multiply(ReadOnlySpan<'T>(out), 'T.CreateTruncating 2.0, o)
        Tensors.TensorPrimitives.Divide(ReadOnlySpan<'T>(out), 'T.CreateTruncating (divisor perValue prediction), o)
        Tensor.wrap prediction.Dims out

    /// The gradient with respect to the prediction: 2(p − y)/N, of the prediction's shape.
    let backward<'T when 'T :> IFloatingPointIeee754<'T>> (prediction: Tensor<'T>) (target: Tensor<'T>) = backwardOver false prediction target

/// Mean squared error of row-normalised predictions (the book's `MeanSquaredError(normalize=True)`):
/// each prediction row is divided by its sum before the mean squared error. `backward` is the
/// true gradient through the normalisation.
[<RequireQualifiedAccess>]
module NormalizedMeanSquaredError =

    /// Each row divided by its sum (the sums from the backend): [N; k] -> [N; k].
    /// <exception cref="ShapeMismatchException">when the prediction is not a matrix.</exception>
    let normalizeWith<'T when 'T :> IFloatingPointIeee754<'T>> (backend: Backend) (prediction: Tensor<'T>) : Tensor<'T> =
        Shape.checkRank "NormalizedMeanSquaredError.normalize" "prediction" 2 prediction.Dims
        let n, k = prediction.Dims.[0], prediction.Dims.[1]
        let sums = backend.RowSums prediction
        let out = Array.zeroCreate<'T> prediction.Length
        for i in 0 .. n - 1 do
            Tensors.TensorPrimitives.Divide(ReadOnlySpan<'T>(prediction.Data, i * k, k), sums.[i], Span<'T>(out, i * k, k))
        Tensor.wrap prediction.Dims out

    /// Each row divided by its sum: [N; k] -> [N; k].
    /// <exception cref="ShapeMismatchException">when the prediction is not a matrix.</exception>
    let normalize<'T when 'T :> IFloatingPointIeee754<'T>> (prediction: Tensor<'T>) : Tensor<'T> = normalizeWith Backend.fast prediction

    /// `forward` through a backend (its row sums and sum of squares).
    let forwardWith<'T when 'T :> IFloatingPointIeee754<'T>> (backend: Backend) (prediction: Tensor<'T>) (target: Tensor<'T>) : 'T =
        Shape.checkSame "NormalizedMeanSquaredError.forward" "prediction" prediction.Dims "target" target.Dims
        MeanSquaredError.forwardWith backend (normalizeWith backend prediction) target

    /// prediction, target: [N; k] -> Σ(p̂ − y)²/N with p̂ the row-normalised prediction.
    /// <exception cref="ShapeMismatchException">when the shapes differ.</exception>
    let forward<'T when 'T :> IFloatingPointIeee754<'T>> (prediction: Tensor<'T>) (target: Tensor<'T>) : 'T =
        forwardWith Backend.fast prediction target

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
    /// <exception cref="ShapeMismatchException">when x is not a matrix.</exception>
    let forward<'T when 'T :> IFloatingPointIeee754<'T>> (x: Tensor<'T>) : Tensor<'T> = Tensor.softmaxRows x

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

/// How a loss over many rows (predictions) is combined.
[<RequireQualifiedAccess>]
type Reduction =
    /// The mean over the rows: the value and the gradient divided by their number N.
    | Mean
    /// The sum over the rows: neither divided by N. (A character model reports the sum divided
    /// by N, in nats per character, while its gradient keeps the book's scale p − y.)
    | Sum

/// `SoftmaxCrossEntropy`: softmax over the last axis of the logits, then cross-entropy against
/// one-hot (or probability) targets of the same shape, over the N rows (every index but the
/// last: a batch of [batch; classes], or every step of [batch; seq; classes]), with log
/// probabilities clamped to [log eps, log(1 − eps)] (eps = 1e-9 by default, the book's).
[<RequireQualifiedAccess>]
module SoftmaxCrossEntropy =

    /// The book's clipping constant.
    [<Literal>]
    let DefaultEps = 1e-9

    /// Checks logits and targets (the same shape, rank 2 or more) and eps; returns (N, classes).
    let check (op: string) (eps: float) (logits: Tensor<'T>) (target: Tensor<'T>) =
        Shape.checkRankAtLeast op "logits" 2 logits.Dims
        Shape.checkSame op "logits" logits.Dims "target" target.Dims
        if not (eps >= 0.0 && eps < 0.5) then
            raise (InvalidValueException(op, "eps in [0, 0.5)", string eps, "eps"))
        let k = logits.Dims.[logits.Rank - 1]
        (if k = 0 then 0 else logits.Length / k), k

    /// The logits as the matrix [N; classes] (no copy).
    let rows (logits: Tensor<'T>) =
        let k = logits.Dims.[logits.Rank - 1]
        Tensor.wrap [| (if k = 0 then 0 else logits.Length / k); k |] logits.Data

    /// The loss −Σ y·log p, divided by N for `Reduction.Mean`, with log p from a stable
    /// log-softmax (in double) clamped to [log eps, log(1 − eps)]. logits, target: [...; classes].
    /// <exception cref="ShapeMismatchException">when the shapes differ or are of rank below 2.</exception>
    /// <exception cref="InvalidValueException">when eps is outside [0, 0.5).</exception>
    let forwardReduced (reduction: Reduction) (eps: float) (logits: Tensor<'T>) (target: Tensor<'T>) : float =
        let n, _ = check "SoftmaxCrossEntropy.forward" eps logits target
        let logp = Softmax.logForward (rows logits)
        let lo, hi = log eps, log (1.0 - eps)
        let mutable s = 0.0
        for i in 0 .. logp.Length - 1 do
            let y = Num.toFloat target.Data.[i]
            if y <> 0.0 then s <- s - y * (max lo (min hi logp.[i]))
        match reduction with
        | Reduction.Mean -> s / float n
        | Reduction.Sum -> s

    /// `forwardReduced Reduction.Mean`: the standard mean cross-entropy.
    let forward (eps: float) (logits: Tensor<'T>) (target: Tensor<'T>) : float = forwardReduced Reduction.Mean eps logits target

    /// The gradient of `forwardReduced` with respect to the logits: softmax − y, divided by N
    /// for `Reduction.Mean`, with the softmax from the backend.
    let backwardWith<'T when 'T :> IFloatingPointIeee754<'T>> (backend: Backend) (reduction: Reduction) (eps: float) (logits: Tensor<'T>) (target: Tensor<'T>) : Tensor<'T> =
        let n, _ = check "SoftmaxCrossEntropy.backward" eps logits target
        let p = backend.Softmax(rows logits)
        let out = Array.zeroCreate<'T> p.Length
        let o = Span<'T>(out)
        Tensors.TensorPrimitives.Subtract(ReadOnlySpan<'T>(p.Data), ReadOnlySpan<'T>(target.Data), o)
        if reduction = Reduction.Mean then
            Tensors.TensorPrimitives.Divide(ReadOnlySpan<'T>(out), 'T.CreateTruncating n, o)
        Tensor.wrap logits.Dims out

    /// The gradient of `forward` with respect to the logits: (softmax − y)/N.
    let backward<'T when 'T :> IFloatingPointIeee754<'T>> (eps: float) (logits: Tensor<'T>) (target: Tensor<'T>) : Tensor<'T> =
        backwardWith Backend.fast Reduction.Mean eps logits target

/// The loss functions a network can be trained on.
[<RequireQualifiedAccess>]
type Loss =
    /// Mean squared error Σ(p − y)²/N (chapter 3), on predictions of any shape.
    | MeanSquaredError
    /// Mean squared error over every value, Σ(p − y)²/(N·k) (PyTorch's `MSELoss`, Keras's
    /// "mse"; chapter 7's autoencoder).
    | MeanSquaredErrorPerValue
    /// Mean squared error of row-normalised predictions (chapter 4's `normalize=True`), with the
    /// true gradient through the normalisation.
    | NormalizedMeanSquaredError
    /// Softmax cross-entropy on logits over the last axis with clipping constant eps (chapter 4),
    /// reduced over the rows by mean or sum.
    | SoftmaxCrossEntropy of eps: float * reduction: Reduction
    /// A loss defined outside the library (the book's loss values, for instance).
    | Custom of CustomLoss

    /// The loss as the book and summaries name it.
    override this.ToString() =
        match this with
        | MeanSquaredError -> "MeanSquaredError"
        | MeanSquaredErrorPerValue -> "MeanSquaredErrorPerValue"
        | NormalizedMeanSquaredError -> "NormalizedMeanSquaredError"
        | SoftmaxCrossEntropy (_, Reduction.Mean) -> "SoftmaxCrossEntropy"
        | SoftmaxCrossEntropy (_, Reduction.Sum) -> "SoftmaxCrossEntropy(sum)"
        | Custom c -> c.Name

/// A loss function supplied by a caller: a value and a gradient for any precision, computed with
/// the network's backend. `Kind` is the library loss it stands in for where only the kind of
/// loss matters (a classifier's softmax head when it is exported; a summary).
and [<AbstractClass>] CustomLoss(name: string, kind: Loss) =
    inherit Named(name)
    /// The library loss of the same kind (the predictions it trains mean the same).
    member _.Kind = kind
    /// The loss of the prediction against the target, as a double.
    abstract Forward<'T when 'T :> IFloatingPointIeee754<'T>> : backend: Backend * prediction: Tensor<'T> * target: Tensor<'T> -> float
    /// The gradient with respect to the prediction (the prediction's shape).
    abstract Backward<'T when 'T :> IFloatingPointIeee754<'T>> : backend: Backend * prediction: Tensor<'T> * target: Tensor<'T> -> Tensor<'T>

/// Dispatch from a `Loss` value to its functions.
[<RequireQualifiedAccess>]
module Loss =

    /// The standard mean softmax cross-entropy with the book's eps.
    let softmaxCrossEntropy = Loss.SoftmaxCrossEntropy(SoftmaxCrossEntropy.DefaultEps, Reduction.Mean)

    /// The library loss a loss stands for (itself, or a custom loss's `Kind`).
    let rec kind (loss: Loss) = match loss with Loss.Custom c -> kind c.Kind | l -> l

    /// The loss of a prediction against a target, as a double, computed with the backend.
    /// <exception cref="ShapeMismatchException">when the shapes do not fit the loss.</exception>
    let forwardWith<'T when 'T :> IFloatingPointIeee754<'T>> (backend: Backend) (loss: Loss) (prediction: Tensor<'T>) (target: Tensor<'T>) : float =
        match loss with
        | Loss.MeanSquaredError -> MeanSquaredError.forwardWith backend prediction target |> Num.toFloat
        | Loss.MeanSquaredErrorPerValue -> MeanSquaredError.forwardOverWith backend true prediction target |> Num.toFloat
        | Loss.NormalizedMeanSquaredError -> NormalizedMeanSquaredError.forwardWith backend prediction target |> Num.toFloat
        | Loss.SoftmaxCrossEntropy (eps, reduction) -> SoftmaxCrossEntropy.forwardReduced reduction eps prediction target
        | Loss.Custom c -> c.Forward(backend, prediction, target)

    /// The loss of a prediction against a target, as a double.
    /// <exception cref="ShapeMismatchException">when the shapes do not fit the loss.</exception>
    let forward<'T when 'T :> IFloatingPointIeee754<'T>> (loss: Loss) (prediction: Tensor<'T>) (target: Tensor<'T>) : float =
        forwardWith Backend.fast loss prediction target

    /// The gradient of the loss with respect to the prediction, computed with the backend.
    /// <exception cref="ShapeMismatchException">when the shapes do not fit the loss.</exception>
    let backwardWith<'T when 'T :> IFloatingPointIeee754<'T>> (backend: Backend) (loss: Loss) (prediction: Tensor<'T>) (target: Tensor<'T>) : Tensor<'T> =
        match loss with
        | Loss.MeanSquaredError -> MeanSquaredError.backward prediction target
        | Loss.MeanSquaredErrorPerValue -> MeanSquaredError.backwardOver true prediction target
        | Loss.NormalizedMeanSquaredError -> NormalizedMeanSquaredError.backward prediction target
        | Loss.SoftmaxCrossEntropy (eps, reduction) -> SoftmaxCrossEntropy.backwardWith backend reduction eps prediction target
        | Loss.Custom c -> c.Backward(backend, prediction, target)

    /// The gradient of the loss with respect to the prediction.
    /// <exception cref="ShapeMismatchException">when the shapes do not fit the loss.</exception>
    let backward<'T when 'T :> IFloatingPointIeee754<'T>> (loss: Loss) (prediction: Tensor<'T>) (target: Tensor<'T>) : Tensor<'T> =
        backwardWith Backend.fast loss prediction target
