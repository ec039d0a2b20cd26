namespace DeepFunctional

open System
open System.Numerics

/// `Embedding`: a lookup table of vectors, one row of W per token id. The ids arrive as a
/// tensor of whole numbers in the network's element type (a batch of ids [batch], or of
/// sequences of ids [batch; seq]); each id is replaced by its row of W.
[<RequireQualifiedAccess>]
module Embedding =

    /// The ids of x as integers, checked against the vocabulary size.
    let private ids<'T when 'T :> IFloatingPointIeee754<'T>> (op: string) (vocabulary: int) (x: Tensor<'T>) : int[] =
        x.Data |> Array.mapi (fun i v ->
            let f = Double.CreateTruncating v
            if not (Double.IsFinite f) || Math.Floor f <> f || f < 0.0 || f >= float vocabulary then
                raise (InvalidValueException(op, sprintf "whole token ids in 0..%d" (vocabulary - 1), sprintf "%O at element %d" v i))
            int f)

    /// x: [batch] or [batch; seq] of ids, w: [vocabulary; dimensions] -> [batch; dimensions] or
    /// [batch; seq; dimensions].
    /// <exception cref="ShapeMismatchException">when w is not a matrix or x is not of rank 1 or 2.</exception>
    /// <exception cref="InvalidValueException">when an id is not a whole number in 0..vocabulary−1.</exception>
    let forward<'T when 'T :> IFloatingPointIeee754<'T>> (w: Tensor<'T>) (x: Tensor<'T>) : Tensor<'T> =
        let op = "Embedding.forward"
        Shape.checkRank op "W [vocabulary; dimensions]" 2 w.Dims
        if x.Rank < 1 || x.Rank > 2 then
            raise (ShapeMismatchException(op, "ids of shape [batch] or [batch; seq]", sprintf "ids of shape %s" (Shape.format x.Dims)))
        let v, d = w.Dims.[0], w.Dims.[1]
        let k = ids op v x
        let out = Array.zeroCreate<'T> (Shape.countFor op (Array.append x.Dims [| d |]))
        k |> Array.iteri (fun i id -> Array.blit w.Data (id * d) out (i * d) d)
        Tensor.wrap (Array.append x.Dims [| d |]) out

    /// The gradient of W from the ids x and dy (the output's shape): each row of dy added into
    /// the row of its id. (No gradient flows into the ids.)
    /// <exception cref="ShapeMismatchException">when dy does not have the output's shape.</exception>
    let backward<'T when 'T :> IFloatingPointIeee754<'T>> (w: Tensor<'T>) (x: Tensor<'T>) (dy: Tensor<'T>) : Tensor<'T> =
        let op = "Embedding.backward"
        Shape.checkRank op "W [vocabulary; dimensions]" 2 w.Dims
        let v, d = w.Dims.[0], w.Dims.[1]
        Shape.checkExact op "dy" (Array.append x.Dims [| d |]) dy.Dims
        let k = ids op v x
        let dW = Array.zeroCreate<'T> w.Length
        k |> Array.iteri (fun i id ->
            Tensors.TensorPrimitives.Add(ReadOnlySpan<'T>(dW, id * d, d), ReadOnlySpan<'T>(dy.Data, i * d, d), Span<'T>(dW, id * d, d)))
        Tensor.wrap w.Dims dW
