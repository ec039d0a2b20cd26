namespace DeepFunctional

open System
open System.Numerics


/// `Sigmoid`: y = 1/(1+e^−x), elementwise.
[<RequireQualifiedAccess>]
module Sigmoid =

    /// x: any shape -> the same shape.
    let forward (x: Tensor<'T>) = Tensor.sigmoid x

    /// dx = dy·y·(1−y), from forward's output y.
    let backward<'T when 'T :> IFloatingPointIeee754<'T>> (y: Tensor<'T>) (dy: Tensor<'T>) =
        Shape.checkSame "Sigmoid.backward" "output" y.Dims "dy" dy.Dims
        let out = GC.AllocateUninitializedArray<'T> y.Length
        let ys = ReadOnlySpan<'T>(y.Data)
        // y·(1−y) first, then times dy: the book's order of rounding.
        Tensors.TensorPrimitives.Subtract('T.One, ys, Span<'T>(out))
        Tensors.TensorPrimitives.Multiply(ys, ReadOnlySpan<'T>(out), Span<'T>(out))
        Tensors.TensorPrimitives.Multiply(ReadOnlySpan<'T>(out), ReadOnlySpan<'T>(dy.Data), Span<'T>(out))
        Tensor.wrap y.Dims out

/// `Linear`: the identity activation.
[<RequireQualifiedAccess>]
module Linear =

    /// x: any shape -> x.
    let forward (x: Tensor<'T>) = x

    /// dx = dy.
    let backward (y: Tensor<'T>) (dy: Tensor<'T>) =
        Shape.checkSame "Linear.backward" "output" y.Dims "dy" dy.Dims
        dy

/// `Tanh`: y = tanh x, elementwise.
[<RequireQualifiedAccess>]
module Tanh =

    /// x: any shape -> the same shape.
    let forward (x: Tensor<'T>) = Tensor.tanh x

    /// dx = dy·(1−y²), from forward's output y.
    let backward<'T when 'T :> IFloatingPointIeee754<'T>> (y: Tensor<'T>) (dy: Tensor<'T>) =
        Shape.checkSame "Tanh.backward" "output" y.Dims "dy" dy.Dims
        let out = GC.AllocateUninitializedArray<'T> y.Length
        let ys = ReadOnlySpan<'T>(y.Data)
        Tensors.TensorPrimitives.Multiply(ys, ys, Span<'T>(out))
        Tensors.TensorPrimitives.Subtract('T.One, ReadOnlySpan<'T>(out), Span<'T>(out))
        Tensors.TensorPrimitives.Multiply(ReadOnlySpan<'T>(dy.Data), ReadOnlySpan<'T>(out), Span<'T>(out))
        Tensor.wrap y.Dims out

/// `ReLU`: y = max(x, 0), elementwise. Its gradient passes only where the input was
/// positive (the book's code lets every gradient through; this one does not).
[<RequireQualifiedAccess>]
module ReLU =

    /// x: any shape -> the same shape.
    let forward (x: Tensor<'T>) = Tensor.relu x

    /// dx = dy where x > 0, else 0.
    let backward<'T when 'T :> IFloatingPointIeee754<'T>> (x: Tensor<'T>) (dy: Tensor<'T>) =
        Shape.checkSame "ReLU.backward" "input" x.Dims "dy" dy.Dims
        let n = x.Length
        let out = Array.zeroCreate<'T> n
        let xs, gs = x.Data, dy.Data
        for i in 0 .. n - 1 do
            if 'T.IsPositive xs.[i] && not ('T.IsZero xs.[i]) then out.[i] <- gs.[i]
        Tensor.wrap x.Dims out

/// The activation functions a layer can apply after its affine part.
[<RequireQualifiedAccess>]
type Activation =
    /// The identity.
    | Linear
    /// The logistic sigmoid.
    | Sigmoid
    /// The hyperbolic tangent.
    | Tanh
    /// The rectified linear unit.
    | ReLU

    /// The activation's name as the book writes it.
    override a.ToString() =
        match a with
        | Linear -> "Linear"
        | Sigmoid -> "Sigmoid"
        | Tanh -> "Tanh"
        | ReLU -> "ReLU"

/// Dispatch from an `Activation` value to its operation.
[<RequireQualifiedAccess>]
module Activation =

    /// Applies the activation: any shape -> the same shape.
    let forward (a: Activation) (x: Tensor<'T>) =
        match a with
        | Activation.Linear -> Linear.forward x
        | Activation.Sigmoid -> Sigmoid.forward x
        | Activation.Tanh -> Tanh.forward x
        | Activation.ReLU -> ReLU.forward x

    /// `forward` through a backend's sigmoid and tanh.
    let forwardWith (backend: Backend) (a: Activation) (x: Tensor<'T>) : Tensor<'T> =
        match a with
        | Activation.Linear -> x
        | Activation.Sigmoid -> backend.Sigmoid x
        | Activation.Tanh -> backend.Tanh x
        | Activation.ReLU -> ReLU.forward x

    /// The input gradient, from forward's input x, its output y and dy.
    let backward (a: Activation) (x: Tensor<'T>) (y: Tensor<'T>) (dy: Tensor<'T>) =
        match a with
        | Activation.Linear -> Linear.backward y dy
        | Activation.Sigmoid -> Sigmoid.backward y dy
        | Activation.Tanh -> Tanh.backward y dy
        | Activation.ReLU -> ReLU.backward x dy
