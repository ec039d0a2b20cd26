namespace DeepFunctional

open System

/// How a 2-D convolution slides its kernel over an image: the same stride and the same zero
/// padding along the height and the width.
type Conv2dGeometry =
    { /// The step between neighbouring kernel positions, in pixels (at least 1).
      Stride: int
      /// The number of zero rows and columns added on every side of the image (at least 0).
      Padding: int }

/// Constructors and output sizes of a `Conv2dGeometry`.
[<RequireQualifiedAccess>]
module Conv2dGeometry =

    /// Raises `InvalidValueException` naming `op` unless stride ≥ 1 and padding ≥ 0.
    let internal checkValues (op: string) (g: Conv2dGeometry) =
        if g.Stride < 1 then
            raise (InvalidValueException(op, "a stride of at least 1", sprintf "stride %d" g.Stride))
        if g.Padding < 0 then
            raise (InvalidValueException(op, "a padding of at least 0", sprintf "padding %d" g.Padding))

    /// The book's geometry for an odd kernel size k: stride 1 and "same" zero padding k/2, so the
    /// output keeps the image's height and width.
    /// <exception cref="InvalidValueException">when k is even or less than 1.</exception>
    let same (k: int) : Conv2dGeometry =
        if k < 1 || k % 2 = 0 then
            raise (InvalidValueException("Conv2dGeometry.same", "an odd kernel size of at least 1", sprintf "k = %d" k))
        { Stride = 1; Padding = k / 2 }

    /// A geometry with the given stride and zero padding.
    /// <exception cref="InvalidValueException">when stride &lt; 1 or padding &lt; 0.</exception>
    let create (stride: int) (padding: int) : Conv2dGeometry =
        let g = { Stride = stride; Padding = padding }
        checkValues "Conv2dGeometry.create" g
        g

    /// The output length along one side for a kernel of size k over `size` pixels:
    /// (size + 2·padding − k) / stride + 1, rounded down. Raises `InvalidValueException`
    /// naming `op` when the geometry is invalid or the kernel is larger than the padded side.
    let internal outputSizeFor (op: string) (g: Conv2dGeometry) (k: int) (size: int) : int =
        checkValues op g
        if k < 1 then
            raise (InvalidValueException(op, "a kernel size of at least 1", sprintf "k = %d" k))
        let padded = size + 2 * g.Padding
        if k > padded then
            raise (InvalidValueException(op, sprintf "a kernel no larger than the padded image side (%d + 2·%d = %d)" size g.Padding padded, sprintf "k = %d" k))
        (padded - k) / g.Stride + 1

    /// The output length along one side for a kernel of size k over `size` pixels:
    /// (size + 2·padding − k) / stride + 1, rounded down.
    /// <exception cref="InvalidValueException">when stride &lt; 1, padding &lt; 0, k &lt; 1 or k is larger
    /// than the padded side.</exception>
    let outputSize (g: Conv2dGeometry) (k: int) (size: int) : int = outputSizeFor "Conv2dGeometry.outputSize" g k size

    /// The output length along one side of the transposed convolution (the adjoint) of the
    /// convolution g, for a kernel of size k over `size` pixels, with PyTorch's and ONNX's
    /// semantics: (size − 1)·stride − 2·padding + k + outputPadding, where outputPadding
    /// (0 ≤ outputPadding &lt; stride) adds that many rows or columns at the bottom or right end.
    /// Raises `InvalidValueException` naming `op` when the geometry is invalid, k &lt; 1, size &lt; 1,
    /// outputPadding is outside [0, stride) or the result is below 1 or too large for an int.
    let internal transposedOutputSizeFor (op: string) (g: Conv2dGeometry) (outputPadding: int) (k: int) (size: int) : int =
        checkValues op g
        if k < 1 then
            raise (InvalidValueException(op, "a kernel size of at least 1", sprintf "k = %d" k))
        if outputPadding < 0 || outputPadding >= g.Stride then
            raise (InvalidValueException(op, sprintf "an output padding from 0 to stride − 1 = %d" (g.Stride - 1), sprintf "output padding %d" outputPadding))
        if size < 1 then
            raise (InvalidValueException(op, "an input side of at least 1 pixel", sprintf "side %d" size))
        let out = int64 (size - 1) * int64 g.Stride - 2L * int64 g.Padding + int64 k + int64 outputPadding
        if out < 1L || out > int64 Int32.MaxValue then
            raise (InvalidValueException(op,
                                         sprintf "an output side (%d − 1)·%d − 2·%d + %d + %d from 1 to %d" size g.Stride g.Padding k outputPadding Int32.MaxValue,
                                         sprintf "side %d" out))
        int out

    /// The output length along one side of the transposed convolution of g for a kernel of size k
    /// over `size` pixels: (size − 1)·stride − 2·padding + k + outputPadding (PyTorch's
    /// `ConvTranspose2d` without dilation). `outputSize` maps the result back to `size`.
    /// <exception cref="InvalidValueException">when stride &lt; 1, padding &lt; 0, k &lt; 1, size &lt; 1,
    /// outputPadding is not in [0, stride), or the result is below 1.</exception>
    let transposedOutputSize (g: Conv2dGeometry) (outputPadding: int) (k: int) (size: int) : int =
        transposedOutputSizeFor "Conv2dGeometry.transposedOutputSize" g outputPadding k size

    /// The output padding with which the transposed convolution of g restores `size`, the side a
    /// convolution with geometry g and kernel size k reduced: (size + 2·padding − k) mod stride,
    /// the rows or columns the convolution's rounding down dropped. In [0, stride).
    /// <exception cref="InvalidValueException">when `outputSize g k size` is undefined.</exception>
    let outputPaddingFor (g: Conv2dGeometry) (k: int) (size: int) : int =
        outputSizeFor "Conv2dGeometry.outputPaddingFor" g k size |> ignore
        (size + 2 * g.Padding - k) % g.Stride

/// The output sizes of pooling windows (max and average pooling have no padding): the one
/// place the rule (size − kernel)/stride + 1 is written.
[<RequireQualifiedAccess>]
module PoolGeometry =

    /// Raises `InvalidValueException` naming `op` unless kernel ≥ 1 and stride ≥ 1.
    let check (op: string) (kernel: int) (stride: int) =
        if kernel < 1 then
            raise (InvalidValueException(op, "a pooling window of at least 1", sprintf "kernel %d" kernel, "kernel"))
        if stride < 1 then
            raise (InvalidValueException(op, "a stride of at least 1", sprintf "stride %d" stride, "stride"))

    /// The output length along one side: (size − kernel)/stride + 1, rounded down.
    /// <exception cref="InvalidValueException">when kernel or stride is below 1 or the window
    /// is larger than the side.</exception>
    let outputSize (op: string) (kernel: int) (stride: int) (size: int) : int =
        check op kernel stride
        if kernel > size then
            raise (InvalidValueException(op, sprintf "a window no larger than the image side (%d)" size, sprintf "kernel %d" kernel, "kernel"))
        (size - kernel) / stride + 1

    /// The output shape [batch; channels; h'; w'] for an input [batch; channels; h; w].
    /// <exception cref="ShapeMismatchException">when the input is not of rank 4.</exception>
    /// <exception cref="InvalidValueException">when kernel or stride is below 1 or the window is
    /// larger than the image.</exception>
    let outputShape (op: string) (kernel: int) (stride: int) (input: int[]) : int[] =
        Shape.checkRank op "input [batch; channels; h; w]" 4 input
        check op kernel stride
        if kernel > input.[2] || kernel > input.[3] then
            raise (InvalidValueException(op, sprintf "a window no larger than the image (%dx%d)" input.[2] input.[3], sprintf "kernel %d" kernel, "kernel"))
        [| input.[0]; input.[1]; (input.[2] - kernel) / stride + 1; (input.[3] - kernel) / stride + 1 |]
