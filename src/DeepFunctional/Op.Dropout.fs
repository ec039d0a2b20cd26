namespace DeepFunctional

open System
open System.Numerics

/// How dropout keeps the expected activation the same in training and inference.
[<RequireQualifiedAccess>]
type DropoutScaling =
    /// Inverted dropout (the modern default): training divides the kept units by the keep
    /// probability; inference is the identity.
    | Inverted
    /// The original dropout (Srivastava et al., 2014), which the book uses: training multiplies
    /// by the 0/1 mask only; inference multiplies everything by the keep probability.
    | Classic

/// `Dropout`: zeroes each unit with probability 1 − keep during training. The mask is drawn
/// by the caller's generator with NumPy's `binomial(1, keep, shape)` draws and returned, so
/// backward stays pure.
[<RequireQualifiedAccess>]
module Dropout =

    /// Checks a keep probability: in (0, 1].
    let checkKeep (op: string) (keep: float) =
        if not (keep > 0.0 && keep <= 1.0) then
            raise (InvalidValueException(op, "a keep probability in (0, 1]", string keep))

    /// A 0/1 mask of the given shape: `binomial(1, keep)` per element, row-major.
    let mask<'T when 'T :> IFloatingPointIeee754<'T>> (keep: float) (shape: int[]) (rng: Rng) : Tensor<'T> * Rng =
        checkKeep "Dropout.mask" keep
        let draws, rng = Rng.binomial 1 keep (Shape.count shape) rng
        let data = Array.zeroCreate<'T> draws.Length
        for i in 0 .. draws.Length - 1 do
            if draws.[i] = 1 then data.[i] <- 'T.One
        Tensor.wrap (Array.copy shape) data, rng

    /// Training: x ⊙ mask (classic) or x ⊙ mask / keep (inverted). x, mask: the same shape.
    let forward<'T when 'T :> IFloatingPointIeee754<'T>> (scaling: DropoutScaling) (keep: float) (mask: Tensor<'T>) (x: Tensor<'T>) : Tensor<'T> =
        checkKeep "Dropout.forward" keep
        Shape.checkSame "Dropout.forward" "input" x.Dims "mask" mask.Dims
        match scaling with
        | DropoutScaling.Classic -> Tensor.mul x mask
        | DropoutScaling.Inverted -> Tensor.scale ('T.CreateTruncating(1.0 / keep)) (Tensor.mul x mask)

    /// Inference: x ⊙ keep (classic) or x (inverted).
    let infer<'T when 'T :> IFloatingPointIeee754<'T>> (scaling: DropoutScaling) (keep: float) (x: Tensor<'T>) : Tensor<'T> =
        checkKeep "Dropout.infer" keep
        match scaling with
        | DropoutScaling.Classic -> Tensor.scale ('T.CreateTruncating keep) x
        | DropoutScaling.Inverted -> x

    /// dx = dy ⊙ mask (classic) or dy ⊙ mask / keep (inverted).
    let backward<'T when 'T :> IFloatingPointIeee754<'T>> (scaling: DropoutScaling) (keep: float) (mask: Tensor<'T>) (dy: Tensor<'T>) : Tensor<'T> =
        Shape.checkSame "Dropout.backward" "mask" mask.Dims "dy" dy.Dims
        forward scaling keep mask dy

    /// A layer's dropout in training: with keep &lt; 1 draws a mask shaped like x and applies it
    /// (returning the mask for backward), else x itself and no mask. Returns (y, mask, generator).
    let train<'T when 'T :> IFloatingPointIeee754<'T>> (scaling: DropoutScaling) (keep: float) (rng: Rng) (x: Tensor<'T>) : Tensor<'T> * Tensor<'T> option * Rng =
        if keep < 1.0 then
            let m, rng = mask keep x.Shape rng
            forward scaling keep m x, Some m, rng
        else
            x, None, rng

    /// A layer's dropout gradient: through the training mask when there is one, through the
    /// inference scaling when the forward pass ran in inference mode, else dy itself.
    let gradient<'T when 'T :> IFloatingPointIeee754<'T>> (scaling: DropoutScaling) (keep: float) (mask: Tensor<'T> option) (dy: Tensor<'T>) : Tensor<'T> =
        match mask with
        | Some m -> backward scaling keep m dy
        | None when keep < 1.0 -> infer scaling keep dy
        | None -> dy
