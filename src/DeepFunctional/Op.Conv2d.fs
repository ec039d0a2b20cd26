namespace DeepFunctional

open System
open System.Buffers
open System.Numerics
open System.Threading.Tasks

/// The sizes of one convolution call, the layout of its patch matrix, and how its batch is
/// cut into chunks of images whose patch matrices are multiplied at once.
[<NoEquality; NoComparison>]
type internal ConvPlan =
    { N: int; C: int; H: int; W: int; Cout: int; K: int
      Stride: int; Pad: int; OH: int; OW: int
      /// The padded image: H + 2·Pad rows of W + 2·Pad columns.
      Hp: int; Wp: int
      /// Stride 1: the patch matrix is laid out over the padded width (see `Conv2d`).
      Wide: bool
      /// Patch-matrix columns per output row: Wp when Wide, else OW.
      Pitch: int
      /// Patch-matrix columns per image: OH·Pitch.
      Q: int
      /// Rows of the patch matrix: C·K·K.
      Ckk: int
      /// Images per chunk (the last chunk may hold fewer).
      G: int
      /// The number of chunks.
      Chunks: int }

/// `Conv2d`: the book's `Conv2D_Op`, a 2-D convolution (strictly, a cross-correlation) of a
/// batch of multi-channel images with a kernel of shape [inChannels; outChannels; k; k] (the
/// book's layout), computed as a matrix product over image patches (Appendix A, im2col).
///
/// The batch is cut into chunks of a few images. For each chunk the patches are gathered
/// into a [inChannels·k·k; columns] matrix and multiplied by the kernel reshaped to
/// [outChannels; inChannels·k·k], which yields the output channel-major, so it is copied into
/// [batch; outChannels; h'; w'] without a transpose. The weight gradient is patches·dyᵀ
/// summed over chunks in order, and the input gradient scatters Wᵀ·dy back onto the image
/// (col2im). Chunks run in parallel; the chunking depends only on the shapes, so the result is
/// bit-identical whatever the number of threads.
///
/// With stride 1 (the book's case) a patch-matrix row is the zero-padded image read from one
/// kernel offset on, so each row is one contiguous copy (and col2im one contiguous sum) per
/// image instead of one per output row. The price is k − 1 extra columns per output row, which
/// straddle the right edge; forward ignores them and backward feeds them zero gradient. With a
/// larger stride the patches are gathered element by element into exactly h'·w' columns.
[<RequireQualifiedAccess>]
module Conv2d =

    /// A chunk aims at this many patch-matrix columns: wide enough for the matrix kernel to run
    /// at speed, small enough to balance chunks over cores.
    [<Literal>]
    let private ChunkColumns = 1024

    /// Runs the matrix product on `threads` threads at the concrete element type.
    let private gemm (threads: int) (transA: bool) (transB: bool) (m: int) (n: int) (k: int) (a: 'T[]) (b: 'T[]) (c: 'T[]) =
        match box a, box b, box c with
        | (:? (float[]) as a), (:? (float[]) as b), (:? (float[]) as c) -> Gemm.multiplyWithThreads threads transA transB m n k a b c
        | (:? (float32[]) as a), (:? (float32[]) as b), (:? (float32[]) as c) -> Gemm.multiplyWithThreads threads transA transB m n k a b c
        | _ -> raise (NotSupportedException(sprintf "Conv2d: expected float or float32 elements, got %s" typeof<'T>.Name))

    /// C (m×n) = A (m×k) · B (n×k)ᵀ by dot products of rows (no packing) at the concrete element type.
    let private dots (m: int) (n: int) (k: int) (a: 'T[]) (b: 'T[]) (c: 'T[]) =
        match box a, box b, box c with
        | (:? (float[]) as a), (:? (float[]) as b), (:? (float[]) as c) -> Gemm.multiplyDots m n k a b c
        | (:? (float32[]) as a), (:? (float32[]) as b), (:? (float32[]) as c) -> Gemm.multiplyDots m n k a b c
        | _ -> raise (NotSupportedException(sprintf "Conv2d: expected float or float32 elements, got %s" typeof<'T>.Name))

    /// C (m×n) = A (m×k) · B (k×n) for at most 16 rows (see `Gemm.multiplySmallM`) at the concrete element type.
    let private smallM (m: int) (n: int) (k: int) (a: 'T[]) (b: 'T[]) (c: 'T[]) =
        match box a, box b, box c with
        | (:? (float[]) as a), (:? (float[]) as b), (:? (float[]) as c) -> Gemm.multiplySmallM m n k a b c
        | (:? (float32[]) as a), (:? (float32[]) as b), (:? (float32[]) as c) -> Gemm.multiplySmallM m n k a b c
        | _ -> raise (NotSupportedException(sprintf "Conv2d: expected float or float32 elements, got %s" typeof<'T>.Name))

    /// Checks the shapes and the geometry and returns the plan of the call.
    let private plan (op: string) (g: Conv2dGeometry) (w: int[]) (x: int[]) : ConvPlan =
        let n, c, h, wd, cout, k = Shape.checkConv2d op x w
        let oh = Conv2dGeometry.outputSizeFor op g k h
        let ow = Conv2dGeometry.outputSizeFor op g k wd
        let wide = g.Stride = 1
        let wp = wd + 2 * g.Padding
        let pitch = if wide then wp else ow
        let q = oh * pitch
        let chunk = if n = 0 then 1 else max 1 (min n ((ChunkColumns + q - 1) / q))
        { N = n; C = c; H = h; W = wd; Cout = cout; K = k; Stride = g.Stride; Pad = g.Padding
          OH = oh; OW = ow; Hp = h + 2 * g.Padding; Wp = wp; Wide = wide; Pitch = pitch; Q = q
          Ckk = c * k * k; G = chunk; Chunks = (n + chunk - 1) / chunk }

    /// The output shape [batch; outChannels; h'; w'].
    let private outputShape (p: ConvPlan) = [| p.N; p.Cout; p.OH; p.OW |]

    /// Elements of the padded copy of `count` images: [count; C; Hp; Wp] and K − 1 more, which
    /// the last patch row of the last image reads past the end (into ignored columns).
    let private paddedLength (p: ConvPlan) (count: int) = count * p.C * p.Hp * p.Wp + p.K

    /// Stride 1: copies images i0 .. i0+count−1 into `padded` with a zero border.
    let private padImages (p: ConvPlan) (x: 'T[]) (i0: int) (count: int) (padded: 'T[]) =
        let plane = p.Hp * p.Wp
        Span<'T>(padded, 0, paddedLength p count).Clear()
        for g in 0 .. count - 1 do
            for c in 0 .. p.C - 1 do
                let src = ((i0 + g) * p.C + c) * p.H * p.W
                let dst = (g * p.C + c) * plane + p.Pad * p.Wp + p.Pad
                for ih in 0 .. p.H - 1 do
                    ReadOnlySpan<'T>(x, src + ih * p.W, p.W).CopyTo(Span<'T>(padded, dst + ih * p.Wp, p.W))

    /// Stride 1: the patch matrix [C·K·K; count·Q] from the padded images. Row (c·K + ki)·K + kj
    /// over image g is the padded channel c read from row ki, column kj on: column oh·Wp + ow
    /// holds padded[oh + ki, ow + kj], a real patch element for ow &lt; OW.
    let private widePatches (p: ConvPlan) (padded: 'T[]) (count: int) (cols: 'T[]) =
        let plane = p.Hp * p.Wp
        let width = count * p.Q
        for c in 0 .. p.C - 1 do
            for ki in 0 .. p.K - 1 do
                for kj in 0 .. p.K - 1 do
                    let row = ((c * p.K + ki) * p.K + kj) * width
                    for g in 0 .. count - 1 do
                        let src = (g * p.C + c) * plane + ki * p.Wp + kj
                        ReadOnlySpan<'T>(padded, src, p.Q).CopyTo(Span<'T>(cols, row + g * p.Q, p.Q))

    /// Stride 1, the adjoint of `padImages` then `widePatches`: sums every row of dcols
    /// [C·K·K; count·Q] onto the padded images in `padded`, then adds the interior to dx.
    let private wideScatter (p: ConvPlan) (dcols: 'T[]) (i0: int) (count: int) (padded: 'T[]) (dx: 'T[]) =
        let plane = p.Hp * p.Wp
        let width = count * p.Q
        Span<'T>(padded, 0, paddedLength p count).Clear()
        for g in 0 .. count - 1 do
            for c in 0 .. p.C - 1 do
                for ki in 0 .. p.K - 1 do
                    for kj in 0 .. p.K - 1 do
                        let src = ((c * p.K + ki) * p.K + kj) * width + g * p.Q
                        let dst = (g * p.C + c) * plane + ki * p.Wp + kj
                        let target = Span<'T>(padded, dst, p.Q)
                        Tensors.TensorPrimitives.Add(ReadOnlySpan<'T>(padded, dst, p.Q), ReadOnlySpan<'T>(dcols, src, p.Q), target)
                let from = (g * p.C + c) * plane + p.Pad * p.Wp + p.Pad
                let image = ((i0 + g) * p.C + c) * p.H * p.W
                for ih in 0 .. p.H - 1 do
                    ReadOnlySpan<'T>(padded, from + ih * p.Wp, p.W).CopyTo(Span<'T>(dx, image + ih * p.W, p.W))

    /// Stride 1: zeroes the Pitch − OW columns past the end of every output row of the
    /// [C·K·K; count·Q] matrix cols. They are no patch elements but the next row's pixels (or,
    /// after Wᵀ·dy, sums over dy's zeros there), and an infinite value times those zeros is NaN,
    /// which would reach a kernel entry or pixel the infinity does not meet.
    let private clearOverhang (p: ConvPlan) (count: int) (cols: 'T[]) =
        let extra = p.Pitch - p.OW
        if extra > 0 then
            let width = count * p.Q
            for row in 0 .. p.Ckk - 1 do
                for g in 0 .. count - 1 do
                    for oh in 0 .. p.OH - 1 do
                        Span<'T>(cols, row * width + g * p.Q + oh * p.Pitch + p.OW, extra).Clear()

    /// The first output column `ow` whose input column ow·stride + kj − pad is inside the
    /// image, and one past the last (an empty range when none is).
    let inline private validColumns (p: ConvPlan) (kj: int) =
        let first = if p.Pad - kj <= 0 then 0 else (p.Pad - kj + p.Stride - 1) / p.Stride
        let last = p.W - 1 + p.Pad - kj
        let stop = if last < 0 then 0 else min p.OW (last / p.Stride + 1)
        first, max first stop

    /// Stride above 1: gathers the patches of images i0 .. i0+count−1 into cols: [C·K·K; count·Q]
    /// with Q = OH·OW; row (c·K + ki)·K + kj, column g·Q + oh·OW + ow holds
    /// x[i0+g, c, oh·s + ki − pad, ow·s + kj − pad] (zero outside the image).
    let private im2col (p: ConvPlan) (x: 'T[]) (i0: int) (count: int) (cols: 'T[]) =
        let width = count * p.Q
        let hw = p.H * p.W
        let s = p.Stride
        for c in 0 .. p.C - 1 do
            for ki in 0 .. p.K - 1 do
                for kj in 0 .. p.K - 1 do
                    let row = ((c * p.K + ki) * p.K + kj) * width
                    let first, stop = validColumns p kj
                    for g in 0 .. count - 1 do
                        let image = ((i0 + g) * p.C + c) * hw
                        let block = row + g * p.Q
                        for oh in 0 .. p.OH - 1 do
                            let ih = oh * s + ki - p.Pad
                            let d = block + oh * p.OW
                            if ih < 0 || ih >= p.H || stop = first then
                                Span<'T>(cols, d, p.OW).Clear()
                            else
                                if first > 0 then Span<'T>(cols, d, first).Clear()
                                let src = image + ih * p.W + first * s + kj - p.Pad
                                for t in 0 .. stop - first - 1 do
                                    cols.[d + first + t] <- x.[src + t * s]
                                if stop < p.OW then Span<'T>(cols, d + stop, p.OW - stop).Clear()

    /// Stride above 1, the adjoint of `im2col`: adds every entry of dcols [C·K·K; count·Q] to the
    /// input pixel it was gathered from, in dx (zero padding receives nothing).
    let private col2im<'T when 'T :> IFloatingPointIeee754<'T>> (p: ConvPlan) (dcols: 'T[]) (i0: int) (count: int) (dx: 'T[]) =
        let width = count * p.Q
        let hw = p.H * p.W
        let s = p.Stride
        for g in 0 .. count - 1 do
            for c in 0 .. p.C - 1 do
                let image = ((i0 + g) * p.C + c) * hw
                for ki in 0 .. p.K - 1 do
                    for kj in 0 .. p.K - 1 do
                        let block = ((c * p.K + ki) * p.K + kj) * width + g * p.Q
                        let first, stop = validColumns p kj
                        for oh in 0 .. p.OH - 1 do
                            let ih = oh * s + ki - p.Pad
                            if ih >= 0 && ih < p.H then
                                let src = block + oh * p.OW + first
                                let dst = image + ih * p.W + first * s + kj - p.Pad
                                for t in 0 .. stop - first - 1 do
                                    dx.[dst + t * s] <- dx.[dst + t * s] + dcols.[src + t]

    /// The kernel [C; Cout; K; K] as the matrix [Cout; C·K·K] the patches are multiplied by.
    let private kernelMatrix (p: ConvPlan) (w: 'T[]) : 'T[] =
        let kk = p.K * p.K
        let wm = Array.zeroCreate<'T> (p.Cout * p.Ckk)
        for c in 0 .. p.C - 1 do
            for co in 0 .. p.Cout - 1 do
                Array.Copy(w, (c * p.Cout + co) * kk, wm, co * p.Ckk + c * kk, kk)
        wm

    /// Runs `body chunk threads` for every chunk: in parallel with one matrix-multiply thread
    /// each when there are several chunks, else in turn with every thread for the products.
    let private forEachChunk (p: ConvPlan) (body: int -> int -> unit) =
        let cores = Environment.ProcessorCount
        if p.Chunks > 1 && cores > 1 then
            let options = ParallelOptions(MaxDegreeOfParallelism = cores)
            Parallel.For(0, p.Chunks, options, Action<int>(fun chunk -> body chunk 1)) |> ignore
        else
            for chunk in 0 .. p.Chunks - 1 do
                body chunk cores

    /// The patch matrix of images i0 .. i0+count−1 into cols, through `padded` when Wide.
    let private patches (p: ConvPlan) (x: 'T[]) (i0: int) (count: int) (padded: 'T[]) (cols: 'T[]) =
        if p.Wide then
            padImages p x i0 count padded
            widePatches p padded count cols
        else
            im2col p x i0 count cols

    /// The convolution of x with the kernel w under the geometry g:
    /// x: [batch; inChannels; h; w], w: [inChannels; outChannels; k; k] ->
    /// [batch; outChannels; h'; w'] with h' = (h + 2·padding − k)/stride + 1 (likewise w').
    /// Output channel o at (i, j) is Σ over c, u, v of w[c, o, u, v] · x[c, i·stride + u − padding, j·stride + v − padding],
    /// zero outside the image. No bias: see `ChannelBias`.
    /// <exception cref="ShapeMismatchException">when x or w is not of rank 4, the kernel is not
    /// square, or its input channels differ from x's.</exception>
    /// <exception cref="InvalidValueException">when stride &lt; 1, padding &lt; 0 or the kernel is larger
    /// than the padded image.</exception>
    let forward<'T when 'T :> IFloatingPointIeee754<'T>> (g: Conv2dGeometry) (w: Tensor<'T>) (x: Tensor<'T>) : Tensor<'T> =
        let p = plan "Conv2d.forward" g w.Dims x.Dims
        // Every element is written below: no need to zero the (often large) array first.
        let y = GC.AllocateUninitializedArray<'T> (p.N * p.Cout * p.OH * p.OW)
        if p.N > 0 && p.Cout > 0 then
            let wm = kernelMatrix p w.Data
            let xs = x.Data
            let pixels = p.OH * p.OW
            forEachChunk p (fun chunk threads ->
                let i0 = chunk * p.G
                let count = min p.G (p.N - i0)
                let width = count * p.Q
                let padded = ArrayPool<'T>.Shared.Rent(if p.Wide then paddedLength p count else 0)
                let cols = ArrayPool<'T>.Shared.Rent(p.Ckk * width)
                let out = ArrayPool<'T>.Shared.Rent(p.Cout * width)
                try
                    patches p xs i0 count padded cols
                    // Few output channels (the book's 16, 14 and 7): every channel of a column
                    // block summed in registers; the blocked product for more.
                    if p.Cout <= 16 then smallM p.Cout width p.Ckk wm cols out
                    else gemm threads false false p.Cout width p.Ckk wm cols out
                    for gi in 0 .. count - 1 do
                        for co in 0 .. p.Cout - 1 do
                            let src = co * width + gi * p.Q
                            let dst = ((i0 + gi) * p.Cout + co) * pixels
                            if p.Pitch = p.OW then Array.Copy(out, src, y, dst, pixels)
                            else
                                for oh in 0 .. p.OH - 1 do
                                    Array.Copy(out, src + oh * p.Pitch, y, dst + oh * p.OW, p.OW)
                finally
                    ArrayPool<'T>.Shared.Return padded
                    ArrayPool<'T>.Shared.Return cols
                    ArrayPool<'T>.Shared.Return out)
        Tensor.wrap (outputShape p) y

    /// The shared backward pass of a convolution of inputs of shape xDims: dW when asked (else
    /// zeros), dx's elements when asked (else an empty array). xs, x's elements, is read only for dW.
    let private gradients<'T when 'T :> IFloatingPointIeee754<'T>> (op: string) (wantDx: bool) (wantDW: bool) (g: Conv2dGeometry) (w: Tensor<'T>) (xDims: int[]) (xs: 'T[]) (dy: Tensor<'T>) : 'T[] * Tensor<'T> =
        let p = plan op g w.Dims xDims
        Shape.checkSame op "output" (outputShape p) "dy" dy.Dims
        let dx = Array.zeroCreate<'T> (if wantDx then Shape.count xDims else 0)
        let dW = Array.zeroCreate<'T> w.Length
        if p.N > 0 && p.Cout > 0 && p.Ckk > 0 then
            let wm = kernelMatrix p w.Data
            let dys = dy.Data
            let pixels = p.OH * p.OW
            // One partial weight gradient [C·K·K; Cout] per chunk, summed in chunk order afterwards.
            let partials = Array.init (if wantDW then p.Chunks else 0) (fun _ -> Array.zeroCreate<'T> (p.Ckk * p.Cout))
            forEachChunk p (fun chunk threads ->
                let i0 = chunk * p.G
                let count = min p.G (p.N - i0)
                let width = count * p.Q
                let padded = ArrayPool<'T>.Shared.Rent(if p.Wide then paddedLength p count else 0)
                let cols = ArrayPool<'T>.Shared.Rent(p.Ckk * width)
                let dyc = ArrayPool<'T>.Shared.Rent(p.Cout * width)
                try
                    if wantDW then
                        patches p xs i0 count padded cols
                        if p.Wide then clearOverhang p count cols
                    // dy as [Cout; width], zero in the columns past each output row's end.
                    for gi in 0 .. count - 1 do
                        for co in 0 .. p.Cout - 1 do
                            let src = ((i0 + gi) * p.Cout + co) * pixels
                            let dst = co * width + gi * p.Q
                            if p.Pitch = p.OW then Array.Copy(dys, src, dyc, dst, pixels)
                            else
                                for oh in 0 .. p.OH - 1 do
                                    Array.Copy(dys, src + oh * p.OW, dyc, dst + oh * p.Pitch, p.OW)
                                    Span<'T>(dyc, dst + oh * p.Pitch + p.OW, p.Pitch - p.OW).Clear()
                    // dWᵀ (C·K·K × Cout) = patches (C·K·K × width) · dyᵀ: every element a dot
                    // product of two contiguous rows over the chunk's pixels. Packing both for the
                    // blocked product cost more than the multiply (a small result, a long depth).
                    if wantDW then dots p.Ckk p.Cout width cols dyc partials.[chunk]
                    if wantDx then
                        // dcols (C·K·K × width) = Wᵀ · dy, written over the patches no longer needed.
                        gemm threads true false p.Ckk width p.Cout wm dyc cols
                        if p.Wide then
                            clearOverhang p count cols
                            wideScatter p cols i0 count padded dx
                        else col2im p cols i0 count dx
                finally
                    ArrayPool<'T>.Shared.Return padded
                    ArrayPool<'T>.Shared.Return cols
                    ArrayPool<'T>.Shared.Return dyc)
            if wantDW then
                let sum = partials.[0]
                for chunk in 1 .. p.Chunks - 1 do
                    Tensors.TensorPrimitives.Add(ReadOnlySpan<'T>(sum), ReadOnlySpan<'T>(partials.[chunk]), Span<'T>(sum))
                let kk = p.K * p.K
                for c in 0 .. p.C - 1 do
                    for co in 0 .. p.Cout - 1 do
                        for q in 0 .. kk - 1 do
                            dW.[(c * p.Cout + co) * kk + q] <- sum.[(c * kk + q) * p.Cout + co]
        dx, Tensor.wrap (Array.copy w.Dims) dW

    /// Given what forward saw (g, w, x) and dy: [batch; outChannels; h'; w'], returns
    /// (dx: [batch; inChannels; h; w], dW: [inChannels; outChannels; k; k]).
    /// <exception cref="ShapeMismatchException">when the shapes do not fit as in `forward`, or dy
    /// does not have the output's shape.</exception>
    /// <exception cref="InvalidValueException">when the geometry is invalid as in `forward`.</exception>
    let backward<'T when 'T :> IFloatingPointIeee754<'T>> (g: Conv2dGeometry) (w: Tensor<'T>) (x: Tensor<'T>) (dy: Tensor<'T>) : Tensor<'T> * Tensor<'T> =
        let dx, dW = gradients "Conv2d.backward" true true g w x.Dims x.Data dy
        Tensor.wrap (Array.copy x.Dims) dx, dW

    /// Only dW: [inChannels; outChannels; k; k], for a first layer whose input gradient nobody
    /// needs; the same checks as `backward`.
    let weightGradient<'T when 'T :> IFloatingPointIeee754<'T>> (g: Conv2dGeometry) (w: Tensor<'T>) (x: Tensor<'T>) (dy: Tensor<'T>) : Tensor<'T> =
        gradients "Conv2d.weightGradient" false true g w x.Dims x.Data dy |> snd

    /// Only dx: [batch; inChannels; h; w] for an input of shape xDims, whose values dx does not
    /// depend on (the map dy ↦ dx is the transposed convolution, see `ConvTranspose2d`). Skips
    /// the patch matrix and the weight gradient; the checks of `backward`, naming `op`.
    let internal inputGradient<'T when 'T :> IFloatingPointIeee754<'T>> (op: string) (g: Conv2dGeometry) (w: Tensor<'T>) (xDims: int[]) (dy: Tensor<'T>) : Tensor<'T> =
        let dx, _ = gradients op true false g w xDims [||] dy
        Tensor.wrap (Array.copy xDims) dx

/// `ChannelBias`: adds one bias per channel to every pixel of that channel (the bias of a
/// convolution, one per output channel).
[<RequireQualifiedAccess>]
module ChannelBias =

    /// x: [batch; channels; h; w], b: [channels] -> [batch; channels; h; w], x[n, c, i, j] + b[c].
    /// <exception cref="ShapeMismatchException">when x is not of rank 4 or b is not [channels].</exception>
    let forward<'T when 'T :> IFloatingPointIeee754<'T>> (x: Tensor<'T>) (b: Tensor<'T>) : Tensor<'T> =
        Shape.checkChannelBias "ChannelBias.forward" x.Dims b.Dims
        let n, c, hw = x.Dims.[0], x.Dims.[1], x.Dims.[2] * x.Dims.[3]
        let out = Array.zeroCreate<'T> x.Length
        for i in 0 .. n - 1 do
            for ch in 0 .. c - 1 do
                let at = (i * c + ch) * hw
                Tensors.TensorPrimitives.Add(ReadOnlySpan<'T>(x.Data, at, hw), b.Data.[ch], Span<'T>(out, at, hw))
        Tensor.wrap (Array.copy x.Dims) out

    /// Given what forward saw and dy: [batch; channels; h; w], returns (dx = dy, dB: [channels],
    /// the sum of dy over the batch and the pixels of each channel).
    /// <exception cref="ShapeMismatchException">when the shapes do not fit as in `forward`, or dy
    /// does not have x's shape.</exception>
    let backward<'T when 'T :> IFloatingPointIeee754<'T>> (x: Tensor<'T>) (b: Tensor<'T>) (dy: Tensor<'T>) : Tensor<'T> * Tensor<'T> =
        Shape.checkChannelBias "ChannelBias.backward" x.Dims b.Dims
        Shape.checkSame "ChannelBias.backward" "output" x.Dims "dy" dy.Dims
        let n, c, hw = x.Dims.[0], x.Dims.[1], x.Dims.[2] * x.Dims.[3]
        let dB = Array.zeroCreate<'T> c
        for i in 0 .. n - 1 do
            for ch in 0 .. c - 1 do
                dB.[ch] <- dB.[ch] + Tensors.TensorPrimitives.Sum(ReadOnlySpan<'T>(dy.Data, (i * c + ch) * hw, hw))
        dy, Tensor.wrap [| c |] dB
