namespace DeepFunctional

open System
open System.Numerics

/// The sizes of one pooling call: a kernel×kernel window moved by `stride` over each channel
/// of [batch; channels; h; w], without padding.
[<NoEquality; NoComparison>]
type internal PoolPlan =
    { N: int; C: int; H: int; W: int; K: int; Stride: int; OH: int; OW: int }

/// The checks shared by the pooling operations.
module internal Pooling =

    /// Checks x: [batch; channels; h; w], kernel ≥ 1, stride ≥ 1 and a window that fits the
    /// image; returns the plan with h' = (h − kernel)/stride + 1 (likewise w').
    let plan (op: string) (kernel: int) (stride: int) (x: int[]) : PoolPlan =
        let out = PoolGeometry.outputShape op kernel stride x
        { N = x.[0]; C = x.[1]; H = x.[2]; W = x.[3]; K = kernel; Stride = stride; OH = out.[2]; OW = out.[3] }

    /// The output shape [batch; channels; h'; w'].
    let outputShape (p: PoolPlan) = [| p.N; p.C; p.OH; p.OW |]

    /// Checks dy against the output shape of the plan.
    let checkDy (op: string) (p: PoolPlan) (dy: int[]) = Shape.checkSame op "output" (outputShape p) "dy" dy

/// `MaxPool2d`: the largest value of each kernel×kernel window, windows `stride` apart, per
/// channel, without padding. Backward routes each output gradient to the first largest
/// element of its window (row-major order), found again from x, so nothing is kept between
/// the passes.
[<RequireQualifiedAccess>]
module MaxPool2d =

    /// The index in x of the first largest element of window (oh, ow) of plane `plane`.
    let inline private argmax<'T when 'T :> IFloatingPointIeee754<'T>> (p: PoolPlan) (x: 'T[]) (plane: int) (oh: int) (ow: int) =
        let top = plane + oh * p.Stride * p.W + ow * p.Stride
        let mutable best = top
        let mutable value = x.[top]
        for u in 0 .. p.K - 1 do
            let row = top + u * p.W
            for v in 0 .. p.K - 1 do
                if 'T.op_GreaterThan(x.[row + v], value) then
                    value <- x.[row + v]
                    best <- row + v
        best

    /// x: [batch; channels; h; w] -> [batch; channels; h'; w'] with h' = (h − kernel)/stride + 1
    /// (likewise w'): the maximum of each window.
    /// <exception cref="ShapeMismatchException">when x is not of rank 4.</exception>
    /// <exception cref="InvalidValueException">when kernel or stride is below 1, or the window is
    /// larger than the image.</exception>
    let forward<'T when 'T :> IFloatingPointIeee754<'T>> (kernel: int) (stride: int) (x: Tensor<'T>) : Tensor<'T> =
        let p = Pooling.plan "MaxPool2d.forward" kernel stride x.Dims
        let xs = x.Data
        let y = Array.zeroCreate<'T> (p.N * p.C * p.OH * p.OW)
        for plane in 0 .. p.N * p.C - 1 do
            let xPlane = plane * p.H * p.W
            let yPlane = plane * p.OH * p.OW
            for oh in 0 .. p.OH - 1 do
                for ow in 0 .. p.OW - 1 do
                    y.[yPlane + oh * p.OW + ow] <- xs.[argmax p xs xPlane oh ow]
        Tensor.wrap (Pooling.outputShape p) y

    /// Given what forward saw (kernel, stride, x) and dy: [batch; channels; h'; w'], returns
    /// dx: [batch; channels; h; w], where each dy element is added at its window's first maximum.
    /// <exception cref="ShapeMismatchException">when x is not of rank 4 or dy is not of the output's shape.</exception>
    /// <exception cref="InvalidValueException">as in `forward`.</exception>
    let backward<'T when 'T :> IFloatingPointIeee754<'T>> (kernel: int) (stride: int) (x: Tensor<'T>) (dy: Tensor<'T>) : Tensor<'T> =
        let p = Pooling.plan "MaxPool2d.backward" kernel stride x.Dims
        Pooling.checkDy "MaxPool2d.backward" p dy.Dims
        let xs = x.Data
        let dys = dy.Data
        let dx = Array.zeroCreate<'T> x.Length
        for plane in 0 .. p.N * p.C - 1 do
            let xPlane = plane * p.H * p.W
            let yPlane = plane * p.OH * p.OW
            for oh in 0 .. p.OH - 1 do
                for ow in 0 .. p.OW - 1 do
                    let at = argmax p xs xPlane oh ow
                    dx.[at] <- dx.[at] + dys.[yPlane + oh * p.OW + ow]
        Tensor.wrap (Array.copy x.Dims) dx

/// `AvgPool2d`: the mean of each kernel×kernel window, windows `stride` apart, per channel,
/// without padding.
[<RequireQualifiedAccess>]
module AvgPool2d =

    /// x: [batch; channels; h; w] -> [batch; channels; h'; w'] with h' = (h − kernel)/stride + 1
    /// (likewise w'): the sum of each window divided by kernel².
    /// <exception cref="ShapeMismatchException">when x is not of rank 4.</exception>
    /// <exception cref="InvalidValueException">when kernel or stride is below 1, or the window is
    /// larger than the image.</exception>
    let forward<'T when 'T :> IFloatingPointIeee754<'T>> (kernel: int) (stride: int) (x: Tensor<'T>) : Tensor<'T> =
        let p = Pooling.plan "AvgPool2d.forward" kernel stride x.Dims
        let xs = x.Data
        let area = 'T.CreateTruncating(p.K * p.K)
        let y = Array.zeroCreate<'T> (p.N * p.C * p.OH * p.OW)
        for plane in 0 .. p.N * p.C - 1 do
            let xPlane = plane * p.H * p.W
            let yPlane = plane * p.OH * p.OW
            for oh in 0 .. p.OH - 1 do
                for ow in 0 .. p.OW - 1 do
                    let top = xPlane + oh * p.Stride * p.W + ow * p.Stride
                    let mutable sum = 'T.Zero
                    for u in 0 .. p.K - 1 do
                        sum <- sum + Tensors.TensorPrimitives.Sum(ReadOnlySpan<'T>(xs, top + u * p.W, p.K))
                    y.[yPlane + oh * p.OW + ow] <- sum / area
        Tensor.wrap (Pooling.outputShape p) y

    /// Given what forward saw (kernel, stride, x) and dy: [batch; channels; h'; w'], returns
    /// dx: [batch; channels; h; w], where each dy element, divided by kernel², is added to every
    /// element of its window.
    /// <exception cref="ShapeMismatchException">when x is not of rank 4 or dy is not of the output's shape.</exception>
    /// <exception cref="InvalidValueException">as in `forward`.</exception>
    let backward<'T when 'T :> IFloatingPointIeee754<'T>> (kernel: int) (stride: int) (x: Tensor<'T>) (dy: Tensor<'T>) : Tensor<'T> =
        let p = Pooling.plan "AvgPool2d.backward" kernel stride x.Dims
        Pooling.checkDy "AvgPool2d.backward" p dy.Dims
        let dys = dy.Data
        let area = 'T.CreateTruncating(p.K * p.K)
        let dx = Array.zeroCreate<'T> x.Length
        for plane in 0 .. p.N * p.C - 1 do
            let xPlane = plane * p.H * p.W
            let yPlane = plane * p.OH * p.OW
            for oh in 0 .. p.OH - 1 do
                for ow in 0 .. p.OW - 1 do
                    let share = dys.[yPlane + oh * p.OW + ow] / area
                    let top = xPlane + oh * p.Stride * p.W + ow * p.Stride
                    for u in 0 .. p.K - 1 do
                        let row = Span<'T>(dx, top + u * p.W, p.K)
                        Tensors.TensorPrimitives.Add(ReadOnlySpan<'T>(dx, top + u * p.W, p.K), share, row)
        Tensor.wrap (Array.copy x.Dims) dx
