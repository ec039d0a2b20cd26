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
