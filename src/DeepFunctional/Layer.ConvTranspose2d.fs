namespace DeepFunctional

/// The description of a transposed-convolution layer (chapter 7's decoder): `ConvTranspose2d`
/// of [batch; inChannels; h; w] images to `Filters` channels with KernelSize×KernelSize kernels,
/// an optional bias per output channel and an activation.
type ConvTranspose2DSpec =
    { /// The number of output channels.
      Filters: int
      /// The side of the square kernel.
      KernelSize: int
      /// Stride, padding and output padding (the output side is
      /// (h − 1)·stride − 2·padding + k + outputPadding).
      Geometry: ConvTranspose2dGeometry
      /// The activation after the transposed convolution.
      Activation: Activation
      /// How the kernel is drawn (its fan-in is inChannels·k², its fan-out filters·k², as for Conv2D).
      WeightInit: WeightInit
      /// Whether a bias per output channel is added.
      Bias: bool }

/// The transposed-convolution layer: `ConvTranspose2d`, an optional `ChannelBias` and an
/// activation. Its parameters, gradients and cache have the convolutional layer's types
/// (W: [inChannels; filters; k; k], as `ConvTranspose2d` and PyTorch's `ConvTranspose2d` lay
/// their kernels out).
[<RequireQualifiedAccess>]
module ConvTranspose2D =

    /// A layer of `filters` output channels with k×k kernels that keeps the image size (stride 1,
    /// padding k/2, the adjoint of a "same" convolution), standard-normal kernels, no bias.
    /// <exception cref="InvalidValueException">when filters is not positive or kernelSize is not odd and positive.</exception>
    let create (filters: int) (kernelSize: int) (activation: Activation) : ConvTranspose2DSpec =
        let op = "ConvTranspose2D.create"
        if filters < 1 then
            raise (InvalidValueException(op, "a positive number of filters", string filters, "filters"))
        if kernelSize < 1 || kernelSize % 2 = 0 then
            raise (InvalidValueException(op, "an odd, positive kernel size (\"same\" padding needs one; use withGeometry for others)", string kernelSize, "kernelSize"))
        let same = Conv2dGeometry.same kernelSize
        { Filters = filters; KernelSize = kernelSize; Geometry = ConvTranspose2dGeometry.create same.Stride same.Padding 0
          Activation = activation; WeightInit = WeightInit.StandardNormal; Bias = false }

    /// The same layer with the given stride, padding and output padding (any kernel size).
    /// <exception cref="InvalidValueException">when stride &lt; 1, padding &lt; 0 or the output padding is not in [0, stride).</exception>
    let withGeometry (stride: int) (padding: int) (outputPadding: int) (spec: ConvTranspose2DSpec) =
        { spec with Geometry = ConvTranspose2dGeometry.create stride padding outputPadding }

    /// The same layer with the given weight initialisation.
    let withWeightInit (init: WeightInit) (spec: ConvTranspose2DSpec) = { spec with WeightInit = init }

    /// The same layer with (true) or without a bias per output channel (drawn as zeros).
    let withBias (bias: bool) (spec: ConvTranspose2DSpec) = { spec with Bias = bias }

    /// Draws W = normal(0, s, [inChannels; filters; k; k]); the bias, if any, starts at zero.
    /// <exception cref="InvalidValueException">when inChannels is not positive.</exception>
    let init (spec: ConvTranspose2DSpec) (inChannels: int) (rng: Rng) : Conv2DParams<'T> * Rng =
        if inChannels < 1 then
            raise (InvalidValueException("ConvTranspose2D.init", "at least one input channel", string inChannels))
        let k = spec.KernelSize
        let scale = WeightInit.standardDeviation spec.WeightInit inChannels spec.Filters (k * k)
        let w, rng = Rng.normal 0.0 scale (Shape.countFor "ConvTranspose2D.init" [| inChannels; spec.Filters; k; k |]) rng
        { W = Tensor.ofFloats [| inChannels; spec.Filters; k; k |] w
          B = if spec.Bias then Some (Tensor.zeros [| spec.Filters |]) else None }, rng

    /// The output shape for inputs of shape [batch; inChannels; h; w].
    /// <exception cref="ShapeMismatchException">when the input is not of rank 4.</exception>
    /// <exception cref="InvalidValueException">when an output side would be below 1.</exception>
    let outputShape (spec: ConvTranspose2DSpec) (input: int[]) : int[] =
        let op = "ConvTranspose2D.forward"
        Shape.checkRank op "input" 4 input
        let side s = Conv2dGeometry.transposedOutputSizeFor op spec.Geometry.Conv spec.Geometry.OutputPadding spec.KernelSize s
        [| input.[0]; spec.Filters; side input.[2]; side input.[3] |]

    /// x: [batch; inChannels; h; w] -> [batch; filters; h'; w'], with what backward needs.
    /// <exception cref="ShapeMismatchException">when x is not of rank 4 or its channels differ from W's.</exception>
    let forwardWith (backend: Backend) (spec: ConvTranspose2DSpec) (p: Conv2DParams<'T>) (x: Tensor<'T>) =
        let z = ConvTranspose2d.forward spec.Geometry p.W x
        let z = match p.B with Some b -> ChannelBias.forward z b | None -> z
        let a = Activation.forwardWith backend spec.Activation z
        a, ({ X = x; Z = z; A = a; Y = a; Mask = None }: Conv2DCache<'T>)

    /// `forwardWith` through the fast backend.
    let forward (spec: ConvTranspose2DSpec) (p: Conv2DParams<'T>) (x: Tensor<'T>) = forwardWith Backend.fast spec p x

    let private dz (spec: ConvTranspose2DSpec) (cache: Conv2DCache<'T>) (dy: Tensor<'T>) =
        Shape.checkSame "ConvTranspose2D.backward" "output" cache.Y.Dims "dy" dy.Dims
        Activation.backward spec.Activation cache.Z cache.A dy

    let private biasGradient (p: Conv2DParams<'T>) (z: Tensor<'T>) (g: Tensor<'T>) =
        p.B |> Option.map (fun b -> snd (ChannelBias.backward z b g))

    /// dy: [batch; filters; h'; w'] -> (dx: [batch; inChannels; h; w], the parameter gradients).
    let backward (spec: ConvTranspose2DSpec) (p: Conv2DParams<'T>) (cache: Conv2DCache<'T>) (dy: Tensor<'T>) =
        let g = dz spec cache dy
        let dx, dW = ConvTranspose2d.backward spec.Geometry p.W cache.X g
        dx, ({ dW = dW; dB = biasGradient p cache.Z g }: Conv2DGrads<'T>)

    /// The parameter gradients only, skipping dx (for the first layer of a network).
    let parameterGradients (spec: ConvTranspose2DSpec) (p: Conv2DParams<'T>) (cache: Conv2DCache<'T>) (dy: Tensor<'T>) =
        let g = dz spec cache dy
        ({ dW = ConvTranspose2d.weightGradient spec.Geometry p.W cache.X g; dB = biasGradient p cache.Z g }: Conv2DGrads<'T>)
