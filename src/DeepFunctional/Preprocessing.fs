namespace DeepFunctional

open System
open System.Numerics

/// What a network's inputs went through before they reached it: the transformation a caller
/// must apply to raw values (or that an exported graph applies itself) to use the network.
[<RequireQualifiedAccess>]
type Preprocessing =
    /// Raw values go in as they are.
    | Identity
    /// (x − mean)/std per feature (the chapter-3 standardisation; `Data.standardize`).
    | Standardize of Standardizer
    /// (x − mean)/std with one mean and one standard deviation for every pixel (the book's
    /// image standardisation; `Classification.pixelStatistics`), on raw 0..255 pixels.
    | Pixels of PixelStatistics
    /// x·scale + offset for every value (pixels scaled to [−1, 1], for one).
    | Affine of scale: float * offset: float

/// Functions over preprocessings.
[<RequireQualifiedAccess>]
module Preprocessing =

    /// Raises `InvalidValueException` unless every number is finite and every divisor or scale
    /// non-zero.
    let check (op: string) (p: Preprocessing) =
        let finite name (v: float) =
            if not (Double.IsFinite v) then raise (InvalidValueException(op, sprintf "a finite %s" name, string v, "preprocessing"))
        match p with
        | Preprocessing.Identity -> ()
        | Preprocessing.Standardize s ->
            if s.Means.Length <> s.Stds.Length || s.Means.Length = 0 then
                raise (InvalidValueException(op, "as many means as standard deviations, at least one", sprintf "%d means, %d deviations" s.Means.Length s.Stds.Length, "preprocessing"))
            for m in s.Means do finite "mean" m
            for d in s.Stds do
                finite "standard deviation" d
                if d = 0.0 then raise (InvalidValueException(op, "non-zero standard deviations", "0", "preprocessing"))
        | Preprocessing.Pixels s ->
            finite "mean" s.Mean
            finite "standard deviation" s.Std
            if s.Std = 0.0 then raise (InvalidValueException(op, "a non-zero standard deviation", "0", "preprocessing"))
        | Preprocessing.Affine (scale, offset) ->
            finite "scale" scale
            finite "offset" offset
            if scale = 0.0 then raise (InvalidValueException(op, "a non-zero scale", "0", "preprocessing"))

    /// Raw inputs [rows; ...] as the network takes them, computed in double and rounded to 'T
    /// once (per-feature standardisation needs rows of as many features as it has means).
    /// <exception cref="ShapeMismatchException">when a per-feature standardisation does not fit the rows.</exception>
    let apply<'T when 'T :> IFloatingPointIeee754<'T>> (p: Preprocessing) (x: Tensor<'T>) : Tensor<'T> =
        let op = "Preprocessing.apply"
        check op p
        match p with
        | Preprocessing.Identity -> x
        | _ ->
            let v = (Tensor.convert<'T, float> x).Data
            match p with
            | Preprocessing.Standardize s ->
                let k = s.Means.Length
                if x.Rank < 1 || x.Cols <> k then
                    raise (ShapeMismatchException(op, sprintf "rows of %d features for the standardisation" k, sprintf "x of shape %s" (Shape.format x.Dims), "x"))
                for i in 0 .. v.Length - 1 do v.[i] <- (v.[i] - s.Means.[i % k]) / s.Stds.[i % k]
            | Preprocessing.Pixels s ->
                for i in 0 .. v.Length - 1 do v.[i] <- (v.[i] - s.Mean) / s.Std
            | Preprocessing.Affine (scale, offset) ->
                for i in 0 .. v.Length - 1 do v.[i] <- v.[i] * scale + offset
            | Preprocessing.Identity -> ()
            Tensor.convert<float, 'T> (Tensor.wrap x.Dims v)
