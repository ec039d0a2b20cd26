namespace DeepFunctional

open System
open System.Numerics

/// How a 2-D transposed convolution spreads its input over a larger image: the stride and
/// padding of the convolution it transposes, and the output padding that settles the output
/// size (a convolution with stride s maps s different sizes to the same output size).
type ConvTranspose2dGeometry =
    { /// The stride and zero padding of the convolution this is the adjoint of. The output is
      /// cropped by `Conv.Padding` rows and columns on every side; consecutive input pixels land
      /// `Conv.Stride` output pixels apart.
      Conv: Conv2dGeometry
      /// Rows added at the bottom and columns added at the right of the output, from 0 to
      /// stride − 1 (PyTorch's `output_padding`, ONNX's `output_padding`).
      OutputPadding: int }

/// Constructors and output sizes of a `ConvTranspose2dGeometry`.
[<RequireQualifiedAccess>]
module ConvTranspose2dGeometry =

    /// A geometry with the given stride, zero padding and output padding.
    /// <exception cref="InvalidValueException">when stride &lt; 1, padding &lt; 0 or the output
    /// padding is not in [0, stride).</exception>
    let create (stride: int) (padding: int) (outputPadding: int) : ConvTranspose2dGeometry =
        let op = "ConvTranspose2dGeometry.create"
        let conv = { Stride = stride; Padding = padding }
        Conv2dGeometry.checkValues op conv
        if outputPadding < 0 || outputPadding >= stride then
            raise (InvalidValueException(op, sprintf "an output padding from 0 to stride − 1 = %d" (stride - 1), sprintf "output padding %d" outputPadding))
        { Conv = conv; OutputPadding = outputPadding }

    /// The output length along one side for a kernel of size k over `size` pixels:
    /// (size − 1)·stride − 2·padding + k + outputPadding (see `Conv2dGeometry.transposedOutputSize`).
    /// <exception cref="InvalidValueException">when the geometry is invalid, k &lt; 1, size &lt; 1 or the
    /// result is below 1.</exception>
    let outputSize (g: ConvTranspose2dGeometry) (k: int) (size: int) : int =
        Conv2dGeometry.transposedOutputSizeFor "ConvTranspose2dGeometry.outputSize" g.Conv g.OutputPadding k size

    /// The geometry whose transposed convolution undoes the size change of the convolution g with
    /// kernel size k on a side of `size` pixels: g with the output padding
    /// `Conv2dGeometry.outputPaddingFor g k size`, so that `outputSize` of the convolution's output
    /// side is `size` again (a decoder restoring an encoder's image size).
    /// <exception cref="InvalidValueException">when `Conv2dGeometry.outputSize g k size` is undefined.</exception>
    let adjointOf (g: Conv2dGeometry) (k: int) (size: int) : ConvTranspose2dGeometry =
        { Conv = g; OutputPadding = Conv2dGeometry.outputPaddingFor g k size }

/// `ConvTranspose2d`: the 2-D transposed convolution ("deconvolution", fractionally strided
/// convolution) of a batch of multi-channel images, as PyTorch's `ConvTranspose2d` and ONNX's
/// `ConvTranspose` define it, without dilation, groups or bias (see `ChannelBias`). Every input
/// pixel x[c, i, j] adds x[c, i, j] · w[c, o, u, v] to output pixel (i·stride + u − padding,
/// j·stride + v − padding) of every output channel o; contributions that fall outside the output
/// are dropped.
///
/// Kernel layout: [inChannels; outChannels; k; k], where inChannels are the channels of this
/// op's own input, as in ONNX `ConvTranspose` ([C; M/group; kH; kW] with one group) and PyTorch
/// `ConvTranspose2d.weight`. Our `Conv2d` uses the book's layout, also [inChannels; outChannels;
/// k; k] of its own input and output, so one tensor read by both ops is not an adjoint pair: the
/// adjoint of `Conv2d.forward g w` (from c to o channels) is `forward` with the kernel
/// `adjointKernel w`, the same numbers with the two channel axes swapped ([o; c; k; k]):
///
///     ⟨Conv2d.forward g w x, y⟩ = ⟨x, ConvTranspose2d.forward (ConvTranspose2dGeometry.adjointOf g k h) (adjointKernel w) y⟩
///
/// for every x: [n; c; h; w'] and y of the convolution's output shape. (In PyTorch, whose Conv2d
/// kernel is [out; in; k; k], the same tensor serves both ops; our Conv2d layout is the transpose
/// of PyTorch's, so here it takes `adjointKernel`.)
///
/// Computation: no loops of its own. The forward pass is the input gradient of that adjoint
/// convolution (Wᵀ·x by the matrix product, scattered back onto the output by col2im), the
/// input gradient is that convolution's forward pass (im2col and the matrix product), and the
/// kernel gradient is its weight gradient with input and output swapped — all through `Conv2d`,
/// so both precisions share one generic path and the results do not depend on the thread count.
[<RequireQualifiedAccess>]
module ConvTranspose2d =

    /// w: [a; b; k; k] -> [b; a; k; k] with the same [k; k] planes (no checks).
    let private swapChannels (w: Tensor<'T>) : Tensor<'T> =
        let a, b = w.Dims.[0], w.Dims.[1]
        let plane = w.Dims.[2] * w.Dims.[3]
        let out = Array.zeroCreate<'T> w.Length
        for i in 0 .. a - 1 do
            for j in 0 .. b - 1 do
                Array.Copy(w.Data, (i * b + j) * plane, out, (j * a + i) * plane, plane)
        Tensor.wrap [| b; a; w.Dims.[2]; w.Dims.[3] |] out

    /// The kernel with its two channel axes swapped: w: [a; b; k; k] -> [b; a; k; k], the entry
    /// [j, i, u, v] being w[i, j, u, v]. For a `Conv2d` kernel [inChannels; outChannels; k; k] it is
    /// the `ConvTranspose2d` kernel of the adjoint map (and back: it is its own inverse).
    /// <exception cref="ShapeMismatchException">when w is not of rank 4.</exception>
    let adjointKernel (w: Tensor<'T>) : Tensor<'T> =
        Shape.checkRank "ConvTranspose2d.adjointKernel" "kernel [a; b; k; k]" 4 w.Dims
        swapChannels w

    /// Checks the shapes and the geometry; returns the output shape [batch; outChannels; h'; w'].
    let private outputShape (op: string) (g: ConvTranspose2dGeometry) (w: int[]) (x: int[]) : int[] =
        // The layouts agree with Conv2d's: x [batch; inChannels; h; w], w [inChannels; outChannels; k; k].
        let n, _, h, wd, cout, k = Shape.checkConv2d op x w
        let oh = Conv2dGeometry.transposedOutputSizeFor op g.Conv g.OutputPadding k h
        let ow = Conv2dGeometry.transposedOutputSizeFor op g.Conv g.OutputPadding k wd
        [| n; cout; oh; ow |]

    /// The transposed convolution of x with the kernel w under the geometry g:
    /// x: [batch; inChannels; h; w], w: [inChannels; outChannels; k; k] ->
    /// [batch; outChannels; h'; w'] with h' = (h − 1)·stride − 2·padding + k + outputPadding
    /// (likewise w'). Output channel o at (r, t) is Σ over c, i, j, u, v with
    /// i·stride + u − padding = r and j·stride + v − padding = t of x[c, i, j] · w[c, o, u, v].
    /// <exception cref="ShapeMismatchException">when x or w is not of rank 4, the kernel is not
    /// square, or its input channels differ from x's.</exception>
    /// <exception cref="InvalidValueException">when stride &lt; 1, padding &lt; 0, the output padding is
    /// not in [0, stride), an image side is 0 or an output side would be below 1.</exception>
    let forward<'T when 'T :> IFloatingPointIeee754<'T>> (g: ConvTranspose2dGeometry) (w: Tensor<'T>) (x: Tensor<'T>) : Tensor<'T> =
        let op = "ConvTranspose2d.forward"
        let yDims = outputShape op g w.Dims x.Dims
        // y is the convolution of [outChannels] to [inChannels] channels, applied backwards to x.
        Conv2d.inputGradient op g.Conv (swapChannels w) yDims x

    /// Checks what backward receives; returns the kernel of the adjoint convolution.
    let private adjointFor (op: string) (g: ConvTranspose2dGeometry) (w: Tensor<'T>) (x: Tensor<'T>) (dy: Tensor<'T>) : Tensor<'T> =
        let yDims = outputShape op g w.Dims x.Dims
        Shape.checkSame op "output" yDims "dy" dy.Dims
        swapChannels w

    /// Given what forward saw (g, w, x) and dy: [batch; outChannels; h'; w'], returns
    /// (dx: [batch; inChannels; h; w], dW: [inChannels; outChannels; k; k]). dx is the convolution
    /// of dy with `adjointKernel w` under g's stride and padding.
    /// <exception cref="ShapeMismatchException">when the shapes do not fit as in `forward`, or dy
    /// does not have the output's shape.</exception>
    /// <exception cref="InvalidValueException">when the geometry is invalid as in `forward`.</exception>
    let backward<'T when 'T :> IFloatingPointIeee754<'T>> (g: ConvTranspose2dGeometry) (w: Tensor<'T>) (x: Tensor<'T>) (dy: Tensor<'T>) : Tensor<'T> * Tensor<'T> =
        let v = adjointFor "ConvTranspose2d.backward" g w x dy
        let dx = Conv2d.forward g.Conv v dy
        // The adjoint convolution maps dy to dx; its kernel gradient for that input and the
        // output gradient x is dW with the channel axes swapped.
        let dV = Conv2d.weightGradient g.Conv v dy x
        dx, swapChannels dV

    /// Only dW: [inChannels; outChannels; k; k], for a first layer whose input gradient nobody
    /// needs; the same checks as `backward`.
    let weightGradient<'T when 'T :> IFloatingPointIeee754<'T>> (g: ConvTranspose2dGeometry) (w: Tensor<'T>) (x: Tensor<'T>) (dy: Tensor<'T>) : Tensor<'T> =
        let v = adjointFor "ConvTranspose2d.weightGradient" g w x dy
        swapChannels (Conv2d.weightGradient g.Conv v dy x)
