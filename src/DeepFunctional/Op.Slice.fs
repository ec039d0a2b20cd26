namespace DeepFunctional

/// Matrices joined side by side and column blocks cut out of them: the [x_t, h_{t−1}] of the
/// recurrent cells and the gate blocks of their one-matmul gate products. `embed` is the
/// backward pass of `slice`, and `slice` of each block the backward pass of `concat`.
[<RequireQualifiedAccess>]
module Columns =

    /// [m; n₁], [m; n₂], … -> [m; n₁ + n₂ + …], the parts side by side in order.
    /// <exception cref="ShapeMismatchException">when a part is not a matrix or its row count
    /// differs from the first part's.</exception>
    /// <exception cref="InvalidValueException">when there are no parts.</exception>
    let concat (parts: Tensor<'T> list) : Tensor<'T> =
        let parts = Array.ofList parts
        if parts.Length = 0 then
            raise (InvalidValueException("Columns.concat", "at least one part", "none"))
        Shape.checkRank "Columns.concat" "part 0" 2 parts.[0].Dims
        for i in 1 .. parts.Length - 1 do
            Shape.checkSameRows "Columns.concat" "part 0" parts.[0].Dims (sprintf "part %d" i) parts.[i].Dims
        let m = parts.[0].Dims.[0]
        let n = parts |> Array.sumBy (fun p -> p.Dims.[1])
        let out = Array.zeroCreate<'T> (m * n)
        let mutable offset = 0
        for p in parts do
            let w = p.Dims.[1]
            for i in 0 .. m - 1 do
                Array.blit p.Data (i * w) out (i * n + offset) w
            offset <- offset + w
        Tensor.wrap [| m; n |] out

    /// The columns start .. start+count−1: [m; n] -> [m; count].
    /// <exception cref="ShapeMismatchException">when x is not a matrix.</exception>
    /// <exception cref="InvalidValueException">when the columns are not within x.</exception>
    let slice (start: int) (count: int) (x: Tensor<'T>) : Tensor<'T> =
        Shape.checkRank "Columns.slice" "input" 2 x.Dims
        let m, n = x.Dims.[0], x.Dims.[1]
        if start < 0 || count < 0 || start + count > n then
            raise (InvalidValueException("Columns.slice", sprintf "columns within 0..%d" (n - 1), sprintf "start %d, count %d" start count))
        let out = Array.zeroCreate<'T> (m * count)
        if count > 0 then
            for i in 0 .. m - 1 do
                Array.blit x.Data (i * n + start) out (i * count) count
        Tensor.wrap [| m; count |] out

    /// x: [m; count] placed at column `start` of an m×total matrix of zeros (the gradient of
    /// `slice start count` with respect to its input).
    /// <exception cref="ShapeMismatchException">when x is not a matrix.</exception>
    /// <exception cref="InvalidValueException">when the block does not fit in `total` columns.</exception>
    let embed (start: int) (total: int) (x: Tensor<'T>) : Tensor<'T> =
        Shape.checkRank "Columns.embed" "input" 2 x.Dims
        let m, count = x.Dims.[0], x.Dims.[1]
        if start < 0 || start + count > total then
            raise (InvalidValueException("Columns.embed", sprintf "a block of %d columns within %d columns" count total, sprintf "start %d" start))
        let out = Array.zeroCreate<'T> (m * total)
        if count > 0 then
            for i in 0 .. m - 1 do
                Array.blit x.Data (i * count) out (i * total + start) count
        Tensor.wrap [| m; total |] out

/// Tensors stacked along their first dimension and row blocks cut out of them (any rank: a
/// "row" is everything under one index of the first dimension). `embed` is the backward pass
/// of `Tensor.sliceRows`, and `Tensor.sliceRows` of each block the backward pass of `concat`.
[<RequireQualifiedAccess>]
module Rows =

    /// [m₁; …], [m₂; …], … -> [m₁ + m₂ + …; …], the parts one under the other in order.
    /// <exception cref="ShapeMismatchException">when the parts differ in any dimension but the first.</exception>
    /// <exception cref="InvalidValueException">when there are no parts.</exception>
    let concat (parts: Tensor<'T> list) : Tensor<'T> =
        let parts = Array.ofList parts
        if parts.Length = 0 then
            raise (InvalidValueException("Rows.concat", "at least one part", "none"))
        Shape.checkRankAtLeast "Rows.concat" "part 0" 1 parts.[0].Dims
        for i in 1 .. parts.Length - 1 do
            Shape.checkSameTrailing "Rows.concat" "part 0" parts.[0].Dims (sprintf "part %d" i) parts.[i].Dims
        let shape = Array.copy parts.[0].Dims
        shape.[0] <- parts |> Array.sumBy (fun p -> p.Dims.[0])
        Tensor.wrap shape (parts |> Array.map (fun p -> p.Data) |> Array.concat)

    /// x: [count; …] placed at row `start` of a tensor of zeros with `total` rows (the gradient
    /// of `Tensor.sliceRows start count` with respect to its input).
    /// <exception cref="ShapeMismatchException">when x is a scalar.</exception>
    /// <exception cref="InvalidValueException">when the block does not fit in `total` rows.</exception>
    let embed (start: int) (total: int) (x: Tensor<'T>) : Tensor<'T> =
        Shape.checkRankAtLeast "Rows.embed" "input" 1 x.Dims
        let count = x.Dims.[0]
        if start < 0 || start + count > total then
            raise (InvalidValueException("Rows.embed", sprintf "a block of %d rows within %d rows" count total, sprintf "start %d" start))
        let w = Shape.count x.Dims.[1..]
        let shape = Array.copy x.Dims
        shape.[0] <- total
        let out = Array.zeroCreate<'T> (total * w)
        Array.blit x.Data 0 out (start * w) x.Length
        Tensor.wrap shape out
