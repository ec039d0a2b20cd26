namespace DeepFunctional

/// `WeightMultiply`: the matrix product X·W of a dense layer.
[<RequireQualifiedAccess>]
module WeightMultiply =

    /// x: [batch; inFeatures], w: [inFeatures; outFeatures] -> [batch; outFeatures].
    /// <exception cref="ShapeMismatchException">when x's columns differ from w's rows.</exception>
    let forward (x: Tensor<'T>) (w: Tensor<'T>) =
        Shape.checkMatmul "WeightMultiply.forward" x.Dims w.Dims |> ignore
        Tensor.matmul x w

    /// `forward` in the given arithmetic (a network's).
    let internal forwardIn (arithmetic: Arithmetic) (x: Tensor<'T>) (w: Tensor<'T>) =
        match arithmetic with
        | Arithmetic.Fast -> forward x w
        | Arithmetic.NumPy ->
            Shape.checkMatmul "WeightMultiply.forward" x.Dims w.Dims |> ignore
            NumPyArithmetic.matmul x w

    /// Only dx = dy·Wᵀ, in the given arithmetic (a network's).
    let internal inputGradientIn (arithmetic: Arithmetic) (w: Tensor<'T>) (dy: Tensor<'T>) =
        match arithmetic with
        | Arithmetic.Fast -> Tensor.matmulNT dy w
        | Arithmetic.NumPy -> NumPyArithmetic.matmulNT dy w

    /// Given what forward saw and dy: [batch; outFeatures], returns
    /// (dx = dy·Wᵀ: [batch; inFeatures], dW = Xᵀ·dy: [inFeatures; outFeatures]).
    let backward (x: Tensor<'T>) (w: Tensor<'T>) (dy: Tensor<'T>) =
        let m, _, n = Shape.checkMatmul "WeightMultiply.backward" x.Dims w.Dims
        Shape.checkSame "WeightMultiply.backward" "output" [| m; n |] "dy" dy.Dims
        Tensor.matmulNT dy w, Tensor.matmulTN x dy

    /// dW = Xᵀ·dy in the given arithmetic, written into `reuse`'s buffer when given (the
    /// trainer's recycled gradient; NumPy arithmetic allocates).
    let internal weightGradientReusing (arithmetic: Arithmetic) (reuse: Tensor<'T> voption) (x: Tensor<'T>) (w: Tensor<'T>) (dy: Tensor<'T>) =
        let m, _, n = Shape.checkMatmul "WeightMultiply.backward" x.Dims w.Dims
        Shape.checkSame "WeightMultiply.backward" "output" [| m; n |] "dy" dy.Dims
        match arithmetic with
        | Arithmetic.Fast -> Tensor.matmulTNReusing reuse x dy
        | Arithmetic.NumPy -> NumPyArithmetic.matmulTN x dy

    /// Only dW = Xᵀ·dy, for a first layer whose input gradient nobody needs.
    let weightGradient (x: Tensor<'T>) (w: Tensor<'T>) (dy: Tensor<'T>) = weightGradientReusing Arithmetic.Fast ValueNone x w dy

/// `BiasAdd`: adds a 1×n bias row to every row.
[<RequireQualifiedAccess>]
module BiasAdd =

    /// x: [batch; n], b: [1; n] -> [batch; n].
    /// <exception cref="ShapeMismatchException">when b is not a 1×n row for x.</exception>
    let forward (x: Tensor<'T>) (b: Tensor<'T>) =
        Shape.checkRowBroadcast "BiasAdd.forward" x.Dims b.Dims
        Tensor.addRow x b

    /// Given what forward saw and dy: [batch; n], returns (dx = dy, dB = column sums of dy: [1; n]).
    let backward (x: Tensor<'T>) (b: Tensor<'T>) (dy: Tensor<'T>) =
        Shape.checkRowBroadcast "BiasAdd.backward" x.Dims b.Dims
        Shape.checkSame "BiasAdd.backward" "output" x.Dims "dy" dy.Dims
        dy, Tensor.sumRows dy

    /// `backward` with dB written into `reuse`'s buffer when given (the trainer's recycled gradient).
    let internal backwardReusing (reuse: Tensor<'T> voption) (x: Tensor<'T>) (b: Tensor<'T>) (dy: Tensor<'T>) =
        Shape.checkRowBroadcast "BiasAdd.backward" x.Dims b.Dims
        Shape.checkSame "BiasAdd.backward" "output" x.Dims "dy" dy.Dims
        dy, Tensor.sumRowsReusing reuse dy
