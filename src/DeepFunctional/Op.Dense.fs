namespace DeepFunctional

/// `WeightMultiply`: the matrix product X·W of a dense layer.
[<RequireQualifiedAccess>]
module WeightMultiply =

    /// `forward` through a backend's matrix product.
    let forwardWith (backend: Backend) (x: Tensor<'T>) (w: Tensor<'T>) =
        Shape.checkMatmul "WeightMultiply.forward" x.Dims w.Dims |> ignore
        backend.MatMul(x, w)

    /// x: [batch; inFeatures], w: [inFeatures; outFeatures] -> [batch; outFeatures].
    /// <exception cref="ShapeMismatchException">when x's columns differ from w's rows.</exception>
    let forward (x: Tensor<'T>) (w: Tensor<'T>) = forwardWith Backend.fast x w

    /// Only dx = dy·Wᵀ, through a backend's matrix product.
    let inputGradientWith (backend: Backend) (w: Tensor<'T>) (dy: Tensor<'T>) : Tensor<'T> =
        Shape.checkRank "WeightMultiply.backward" "dy" 2 dy.Dims
        Shape.checkColumns "WeightMultiply.backward" "dy" w.Dims.[1] dy.Dims
        backend.MatMulNT(dy, w)

    let private check (x: Tensor<'T>) (w: Tensor<'T>) (dy: Tensor<'T>) =
        let m, _, n = Shape.checkMatmul "WeightMultiply.backward" x.Dims w.Dims
        Shape.checkSame "WeightMultiply.backward" "output" [| m; n |] "dy" dy.Dims

    /// Only dW = Xᵀ·dy, through a backend, written into `into`'s buffer when given (the
    /// trainer's recycled gradient), else into a fresh tensor.
    let internal weightGradientInto (backend: Backend) (into: TensorBuffer<'T> voption) (x: Tensor<'T>) (w: Tensor<'T>) (dy: Tensor<'T>) : Tensor<'T> =
        check x w dy
        match into with
        | ValueSome b when b.Dims = w.Dims ->
            backend.MatMulTNInto(x, dy, b.Data)
            b.View
        | _ -> backend.MatMulTN(x, dy)

    /// Given what forward saw and dy: [batch; outFeatures], returns
    /// (dx = dy·Wᵀ: [batch; inFeatures], dW = Xᵀ·dy: [inFeatures; outFeatures]).
    /// <exception cref="ShapeMismatchException">when the shapes do not fit each other.</exception>
    let backward (x: Tensor<'T>) (w: Tensor<'T>) (dy: Tensor<'T>) =
        check x w dy
        Backend.fast.MatMulNT(dy, w), Backend.fast.MatMulTN(x, dy)

    /// Only dW = Xᵀ·dy, for a first layer whose input gradient nobody needs.
    /// <exception cref="ShapeMismatchException">when the shapes do not fit each other.</exception>
    let weightGradient (x: Tensor<'T>) (w: Tensor<'T>) (dy: Tensor<'T>) = weightGradientInto Backend.fast ValueNone x w dy

/// `BiasAdd`: adds a 1×n bias row to every row.
[<RequireQualifiedAccess>]
module BiasAdd =

    /// x: [batch; n], b: [1; n] -> [batch; n].
    /// <exception cref="ShapeMismatchException">when b is not a 1×n row for x.</exception>
    let forward (x: Tensor<'T>) (b: Tensor<'T>) =
        Shape.checkRowBroadcast "BiasAdd.forward" x.Dims b.Dims
        Tensor.addRow x b

    /// `backward` through a backend, dB written into `into`'s buffer when given.
    let internal backwardInto (backend: Backend) (into: TensorBuffer<'T> voption) (x: Tensor<'T>) (b: Tensor<'T>) (dy: Tensor<'T>) =
        Shape.checkRowBroadcast "BiasAdd.backward" x.Dims b.Dims
        Shape.checkSame "BiasAdd.backward" "output" x.Dims "dy" dy.Dims
        match into with
        | ValueSome buffer when buffer.Dims = b.Dims ->
            backend.ColumnSumsInto(dy, buffer.Data)
            dy, buffer.View
        | _ ->
            let out = Array.zeroCreate dy.Dims.[1]
            backend.ColumnSumsInto(dy, out)
            dy, Tensor.wrap [| 1; dy.Dims.[1] |] out

    /// Given what forward saw and dy: [batch; n], returns (dx = dy, dB = column sums of dy: [1; n]).
    /// <exception cref="ShapeMismatchException">when the shapes do not fit each other.</exception>
    let backward (x: Tensor<'T>) (b: Tensor<'T>) (dy: Tensor<'T>) = backwardInto Backend.fast ValueNone x b dy
