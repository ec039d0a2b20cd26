namespace DeepFunctional

open System

/// Every shape check of the library, in one place. Each check raises
/// `ShapeMismatchException` naming the operation and both shapes.
[<RequireQualifiedAccess>]
module Shape =

    /// Formats a shape as `3x4` (or `[]` for a scalar).
    let format (shape: int[]) =
        if shape.Length = 0 then "[]" else shape |> Array.map string |> String.concat "x"

    /// The number of elements a tensor of this shape holds, computed with checked arithmetic.
    /// `op` names the operation in the error.
    /// <exception cref="ShapeMismatchException">when a dimension is negative.</exception>
    /// <exception cref="InvalidValueException">when the count exceeds Int32.MaxValue, the most
    /// elements one .NET array can be asked for.</exception>
    let countFor (op: string) (shape: int[]) : int =
        if shape |> Array.exists (fun d -> d < 0) then
            raise (ShapeMismatchException(op, "non-negative dimensions", format shape))
        if shape |> Array.contains 0 then 0
        else
            // Every factor is at most Int32.MaxValue and the product stops growing once it
            // passes Int32.MaxValue, so the int64 product cannot overflow.
            let mutable n = 1L
            for d in shape do
                if n <= int64 Int32.MaxValue then n <- n * int64 d
            if n > int64 Int32.MaxValue then
                raise (InvalidValueException(op, sprintf "a shape of at most %d elements" Int32.MaxValue,
                                             sprintf "shape %s, %O elements" (format shape) (shape |> Array.fold (fun acc d -> acc * Numerics.BigInteger d) Numerics.BigInteger.One)))
            int n

    /// The number of elements a tensor of this shape holds (checked: see `countFor`).
    /// <exception cref="ShapeMismatchException">when a dimension is negative.</exception>
    /// <exception cref="InvalidValueException">when the count exceeds Int32.MaxValue.</exception>
    let count (shape: int[]) = countFor "Shape.count" shape

    /// Checks that no dimension is negative (zero is allowed: empty tensors exist).
    let checkValid (op: string) (shape: int[]) =
        if shape |> Array.exists (fun d -> d < 0) then
            raise (ShapeMismatchException(op, "non-negative dimensions", format shape))

    /// Checks that a shape has the given rank.
    let checkRank (op: string) (name: string) (rank: int) (shape: int[]) =
        if shape.Length <> rank then
            raise (ShapeMismatchException(op, sprintf "%s of rank %d" name rank, sprintf "%s of shape %s" name (format shape)))

    /// Checks that two shapes are equal (elementwise operations, gradients against outputs).
    let checkSame (op: string) (nameA: string) (a: int[]) (nameB: string) (b: int[]) =
        if a <> b then
            raise (ShapeMismatchException(op, sprintf "%s with the shape of %s (%s)" nameB nameA (format a), sprintf "%s of shape %s" nameB (format b)))

    /// Checks that `a · b` is defined for matrices: a is m×k, b is k×n. Returns (m, k, n).
    let checkMatmul (op: string) (a: int[]) (b: int[]) =
        checkRank op "left operand" 2 a
        checkRank op "right operand" 2 b
        if a.[1] <> b.[0] then
            raise (ShapeMismatchException(op, sprintf "right operand with %d rows to match the left operand %s" a.[1] (format a), sprintf "right operand %s" (format b)))
        a.[0], a.[1], b.[1]

    /// Checks that a row vector (1×n) can be broadcast over the rows of an m×n matrix.
    let checkRowBroadcast (op: string) (x: int[]) (row: int[]) =
        checkRank op "input" 2 x
        checkRank op "bias" 2 row
        if row.[0] <> 1 || row.[1] <> x.[1] then
            raise (ShapeMismatchException(op, sprintf "bias of shape 1x%d for input %s" x.[1] (format x), sprintf "bias %s" (format row)))

    /// Checks that two tensors of rank 2 or more have the same number of rows (samples: inputs
    /// against targets).
    let checkSameRows (op: string) (nameA: string) (a: int[]) (nameB: string) (b: int[]) =
        for name, s in [ nameA, a; nameB, b ] do
            if s.Length < 2 then
                raise (ShapeMismatchException(op, sprintf "%s of rank 2 or more" name, sprintf "%s of shape %s" name (format s)))
        if a.[0] <> b.[0] then
            raise (ShapeMismatchException(op, sprintf "%s with %d rows like %s (%s)" nameB a.[0] nameA (format a), sprintf "%s of shape %s" nameB (format b)))

    /// Checks that two tensors of rank 1 or more hold the same number of samples (their first
    /// dimension: inputs against targets of any kind, ids or images or sequences). `paramName`
    /// is the caller's parameter that holds b.
    let checkSameBatch (op: string) (nameA: string) (a: int[]) (nameB: string) (b: int[]) (paramName: string) =
        for name, s in [ nameA, a; nameB, b ] do
            if s.Length < 1 then
                raise (ShapeMismatchException(op, sprintf "%s of rank 1 or more" name, sprintf "%s of shape %s" name (format s), paramName))
        if a.[0] <> b.[0] then
            raise (ShapeMismatchException(op, sprintf "%s with %d rows like %s (%s)" nameB a.[0] nameA (format a), sprintf "%s of shape %s" nameB (format b), paramName))

    /// Checks that a matrix has the given number of columns.
    let checkColumns (op: string) (name: string) (cols: int) (shape: int[]) =
        checkRank op name 2 shape
        if shape.[1] <> cols then
            raise (ShapeMismatchException(op, sprintf "%s with %d columns" name cols, sprintf "%s of shape %s" name (format shape)))

    /// Checks that b has the same dimensions as a after the first (rows of samples of the same shape).
    let checkSameSample (op: string) (nameA: string) (a: int[]) (nameB: string) (b: int[]) =
        if a.Length <> b.Length || a.Length = 0 || Array.sub a 1 (a.Length - 1) <> Array.sub b 1 (b.Length - 1) then
            let sample (s: int[]) = if s.Length = 0 then "a scalar" else "samples of " + format (Array.sub s 1 (s.Length - 1))
            raise (ShapeMismatchException(op, sprintf "%s with %s like %s (%s)" nameB (sample a) nameA (format a), sprintf "%s" (format b)))

    /// Checks that a shape has at least the given rank.
    let checkRankAtLeast (op: string) (name: string) (rank: int) (shape: int[]) =
        if shape.Length < rank then
            raise (ShapeMismatchException(op, sprintf "%s of rank %d or more" name rank, sprintf "%s of shape %s" name (format shape)))

    /// Checks a 2-D convolution's input x: [batch; inChannels; h; w] against its kernel
    /// w: [inChannels; outChannels; k; k] (square). Returns (batch, inChannels, h, w, outChannels, k).
    let checkConv2d (op: string) (x: int[]) (kernel: int[]) =
        checkRank op "input [batch; inChannels; h; w]" 4 x
        checkRank op "kernel [inChannels; outChannels; k; k]" 4 kernel
        if kernel.[2] <> kernel.[3] then
            raise (ShapeMismatchException(op, "a square kernel [inChannels; outChannels; k; k]", sprintf "kernel of shape %s" (format kernel)))
        if kernel.[0] <> x.[1] then
            raise (ShapeMismatchException(op, sprintf "kernel with %d input channels for input %s" x.[1] (format x), sprintf "kernel of shape %s" (format kernel)))
        x.[0], x.[1], x.[2], x.[3], kernel.[1], kernel.[2]

    /// Checks a per-channel bias b: [channels] for x: [batch; channels; h; w].
    let checkChannelBias (op: string) (x: int[]) (bias: int[]) =
        checkRank op "input [batch; channels; h; w]" 4 x
        checkRank op "bias [channels]" 1 bias
        if bias.[0] <> x.[1] then
            raise (ShapeMismatchException(op, sprintf "bias of shape %d for input %s" x.[1] (format x), sprintf "bias of shape %s" (format bias)))

    /// Checks that a shape is exactly the expected one (a recurrent state against its cell,
    /// a parameter against its layout).
    let checkExact (op: string) (name: string) (expected: int[]) (actual: int[]) =
        if expected <> actual then
            raise (ShapeMismatchException(op, sprintf "%s of shape %s" name (format expected), sprintf "%s of shape %s" name (format actual)))

    /// Checks that a shape holds exactly one element (a scalar, of any rank).
    let checkScalar (op: string) (name: string) (shape: int[]) =
        if count shape <> 1 then
            raise (ShapeMismatchException(op, sprintf "%s with a single element" name, sprintf "%s of shape %s" name (format shape)))

    /// Checks that two shapes agree in every dimension but the first (tensors stacked along
    /// their rows).
    let checkSameTrailing (op: string) (nameA: string) (a: int[]) (nameB: string) (b: int[]) =
        checkRankAtLeast op nameA 1 a
        if b.Length <> a.Length || b.[1..] <> a.[1..] then
            let trailing = if a.Length <= 1 then "no further dimensions" else format a.[1..]
            raise (ShapeMismatchException(op, sprintf "%s with the trailing dimensions of %s (%s)" nameB nameA trailing, sprintf "%s of shape %s" nameB (format b)))
