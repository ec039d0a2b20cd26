namespace DeepFunctional

/// `Flatten`: the book's flattening of each sample into one row, between the convolutional
/// layers and a dense layer. It only changes the shape; the elements keep their row-major order.
[<RequireQualifiedAccess>]
module Flatten =

    /// The shape [batch; d1·…·dr] of x: [batch; d1; …; dr].
    let private flatShape (x: int[]) = [| x.[0]; Shape.count x.[1..] |]

    /// x: [batch; d1; …; dr] -> [batch; d1·…·dr] (a rank-1 x: [batch] gives [batch; 1]).
    /// <exception cref="ShapeMismatchException">when x is a scalar (rank 0).</exception>
    let forward (x: Tensor<'T>) : Tensor<'T> =
        Shape.checkRankAtLeast "Flatten.forward" "input" 1 x.Dims
        Tensor.wrap (flatShape x.Dims) x.Data

    /// Given what forward saw (x) and dy: [batch; d1·…·dr], returns dx = dy reshaped to x's
    /// shape [batch; d1; …; dr].
    /// <exception cref="ShapeMismatchException">when x is a scalar or dy is not of the output's shape.</exception>
    let backward (x: Tensor<'T>) (dy: Tensor<'T>) : Tensor<'T> =
        Shape.checkRankAtLeast "Flatten.backward" "input" 1 x.Dims
        Shape.checkSame "Flatten.backward" "output" (flatShape x.Dims) "dy" dy.Dims
        Tensor.wrap (Array.copy x.Dims) dy.Data

/// `Reshape`: each sample's values read in row-major order into another shape of as many
/// values (chapter 7's Dense 5,488 → [7; 28; 28]). Only the shape changes.
[<RequireQualifiedAccess>]
module Reshape =

    /// Checks a per-sample target shape (every side at least 1); its count, with checked arithmetic.
    let internal checkTarget (op: string) (target: int[]) =
        if target.Length < 1 || target |> Array.exists (fun d -> d < 1) then
            raise (InvalidValueException(op, "a per-sample shape of sides at least 1", Shape.format target, "shape"))
        Shape.countFor op target

    /// The output shape [batch; target] for an input shape [batch; ...] of as many values per sample.
    /// <exception cref="ShapeMismatchException">when a sample does not hold the target's number of values.</exception>
    let outputShapeFor (op: string) (target: int[]) (input: int[]) : int[] =
        let count = checkTarget op target
        Shape.checkRankAtLeast op "input" 1 input
        let per = Shape.countFor op input.[1..]
        if per <> count then
            raise (ShapeMismatchException(op, sprintf "samples of %d values for the shape %s" count (Shape.format target), sprintf "input of shape %s" (Shape.format input), "x"))
        Array.append [| input.[0] |] target

    /// x: [batch; ...] -> [batch; target].
    /// <exception cref="ShapeMismatchException">when a sample does not hold the target's number of values.</exception>
    let forward (target: int[]) (x: Tensor<'T>) : Tensor<'T> =
        Tensor.wrap (outputShapeFor "Reshape.forward" target x.Dims) x.Data

    /// Given what forward saw (x) and dy: [batch; target], returns dx = dy in x's shape.
    /// <exception cref="ShapeMismatchException">when dy is not of the output's shape.</exception>
    let backward (target: int[]) (x: Tensor<'T>) (dy: Tensor<'T>) : Tensor<'T> =
        Shape.checkSame "Reshape.backward" "output" (outputShapeFor "Reshape.backward" target x.Dims) "dy" dy.Dims
        Tensor.wrap (Array.copy x.Dims) dy.Data
