namespace DeepFunctional

open System.Numerics

open System

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

/// The loss functions a network can be trained on.
[<RequireQualifiedAccess>]
type Loss =
    /// Mean squared error (chapter 3).
    | MeanSquaredError

/// Dispatch from a `Loss` value to its functions.
[<RequireQualifiedAccess>]
module Loss =

    /// The loss of a prediction against a target, as a double.
    let forward (loss: Loss) (prediction: Tensor<'T>) (target: Tensor<'T>) : float =
        match loss with
        | Loss.MeanSquaredError -> MeanSquaredError.forward prediction target |> Num.toFloat

    /// The gradient of the loss with respect to the prediction.
    let backward (loss: Loss) (prediction: Tensor<'T>) (target: Tensor<'T>) =
        match loss with
        | Loss.MeanSquaredError -> MeanSquaredError.backward prediction target
