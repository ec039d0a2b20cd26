namespace DeepFunctional

/// The description of a convolutional layer (the book's `Conv2D` layer): a 2-D convolution of
/// [batch; inChannels; h; w] images with `Filters` kernels of KernelSize×KernelSize, an
/// optional bias per output channel, an activation, an optional flatten to [batch; rest], and
/// dropout last.
type Conv2DSpec =
    { /// The number of output channels (kernels).
      Filters: int
      /// The side of the square kernel.
      KernelSize: int
      /// Stride and zero padding; the book's is stride 1 with "same" padding KernelSize/2.
      Geometry: Conv2dGeometry
      /// The activation after the convolution.
      Activation: Activation
      /// How the kernel is drawn.
      WeightInit: WeightInit
      /// Whether a bias per output channel is added (the book's layer has none).
      Bias: bool
      /// Whether the output is flattened to [batch; channels·h'·w'] (to feed a Dense layer).
      Flatten: bool
      /// The probability of keeping each unit in training; 1 means no dropout.
      KeepProbability: float
      /// How dropout is scaled (used when KeepProbability is below 1).
      DropoutScaling: DropoutScaling }

/// The parameters of a convolutional layer.
type Conv2DParams<'T> =
    { /// The kernels: [inChannels; filters; k; k] (the book's layout).
      W: Tensor<'T>
      /// The bias per output channel, [filters], when the layer has one.
      B: Tensor<'T> option }

/// The gradients of a convolutional layer's parameters.
type Conv2DGrads<'T> =
    { /// The gradient of W: [inChannels; filters; k; k].
      dW: Tensor<'T>
      /// The gradient of B: [filters], when the layer has a bias.
      dB: Tensor<'T> option }

/// What a convolutional layer's forward pass saw, for its backward pass.
type Conv2DCache<'T> =
    { /// The input: [batch; inChannels; h; w].
      X: Tensor<'T>
      /// The convolution (plus bias): [batch; filters; h'; w'].
      Z: Tensor<'T>
      /// The activation's output, same shape as Z.
      A: Tensor<'T>
      /// The layer's output (flattened and after dropout when the layer does those).
      Y: Tensor<'T>
      /// The dropout mask drawn in training; None in inference or without dropout.
      Mask: Tensor<'T> option }

/// The convolutional layer: `Conv2d` (Appendix A's im2col), an optional `ChannelBias`, an
/// activation, an optional `Flatten` and dropout.
[<RequireQualifiedAccess>]
module Conv2D =

    /// A layer of `filters` kernels of `kernelSize`×`kernelSize` with the book's geometry
    /// (stride 1, "same" padding), standard-normal kernels, no bias, no flatten, no dropout.
    /// <exception cref="InvalidValueException">when filters is not positive or kernelSize is not odd and positive.</exception>
    let create (filters: int) (kernelSize: int) (activation: Activation) : Conv2DSpec =
        if filters < 1 then
            raise (InvalidValueException("Conv2D.create", "a positive number of filters", string filters))
        if kernelSize < 1 || kernelSize % 2 = 0 then
            raise (InvalidValueException("Conv2D.create", "an odd, positive kernel size (the book's \"same\" padding needs one; use withGeometry for others)", string kernelSize))
        { Filters = filters; KernelSize = kernelSize; Geometry = Conv2dGeometry.same kernelSize; Activation = activation
          WeightInit = WeightInit.StandardNormal; Bias = false; Flatten = false; KeepProbability = 1.0
          DropoutScaling = DropoutScaling.Inverted }

    /// The same layer with the given weight initialisation.
    let withWeightInit (init: WeightInit) (spec: Conv2DSpec) = { spec with WeightInit = init }

    /// The same layer with the given stride and zero padding (any kernel size, odd or even).
    /// <exception cref="InvalidValueException">when stride &lt; 1 or padding &lt; 0.</exception>
    let withGeometry (stride: int) (padding: int) (spec: Conv2DSpec) =
        { spec with Geometry = Conv2dGeometry.create stride padding }

    /// The same layer with (true) or without a bias per output channel (drawn as zeros).
    let withBias (bias: bool) (spec: Conv2DSpec) = { spec with Bias = bias }

    /// The same layer flattening its output to [batch; filters·h'·w'] (the book's `flatten=True`).
    let withFlatten (flatten: bool) (spec: Conv2DSpec) = { spec with Flatten = flatten }

    /// The same layer with dropout after its activation (and flatten): each unit kept with probability `keep`.
    /// <exception cref="InvalidValueException">when keep is outside (0, 1].</exception>
    let withDropout (scaling: DropoutScaling) (keep: float) (spec: Conv2DSpec) =
        Dropout.checkKeep "Conv2D.withDropout" keep
        { spec with KeepProbability = keep; DropoutScaling = scaling }

    /// The standard deviation of the initial kernel for `inChannels` input channels (the
    /// receptive field is k²): 1, Glorot's √(2/((in+out)·k²)), or a caller's.
    let initScale (spec: Conv2DSpec) (inChannels: int) =
        WeightInit.standardDeviation spec.WeightInit inChannels spec.Filters (spec.KernelSize * spec.KernelSize)

    /// Draws W = normal(0, s, [inChannels; filters; k; k]) from the generator (NumPy's
    /// `normal`, as the book's layer does); the bias, if any, starts at zero.
    /// <exception cref="InvalidValueException">when inChannels is not positive.</exception>
    let init (spec: Conv2DSpec) (inChannels: int) (rng: Rng) : Conv2DParams<'T> * Rng =
        if inChannels < 1 then
            raise (InvalidValueException("Conv2D.init", "at least one input channel", string inChannels))
        let k = spec.KernelSize
        let w, rng = Rng.normal 0.0 (initScale spec inChannels) (inChannels * spec.Filters * k * k) rng
        { W = Tensor.ofFloats [| inChannels; spec.Filters; k; k |] w
          B = if spec.Bias then Some (Tensor.zeros [| spec.Filters |]) else None }, rng

    /// The output shape for inputs of shape [batch; inChannels; h; w].
    /// <exception cref="ShapeMismatchException">when the input is not of rank 4.</exception>
    let outputShape (spec: Conv2DSpec) (input: int[]) : int[] =
        Shape.checkRank "Conv2D.forward" "input" 4 input
        let oh = Conv2dGeometry.outputSizeFor "Conv2D.forward" spec.Geometry spec.KernelSize input.[2]
        let ow = Conv2dGeometry.outputSizeFor "Conv2D.forward" spec.Geometry spec.KernelSize input.[3]
        if spec.Flatten then [| input.[0]; spec.Filters * oh * ow |] else [| input.[0]; spec.Filters; oh; ow |]

    let private convolve (op: string) (backend: Backend) (spec: Conv2DSpec) (p: Conv2DParams<'T>) (x: Tensor<'T>) =
        Shape.checkRank op "input" 4 x.Dims
        if x.Dims.[1] <> p.W.Dims.[0] then
            raise (ShapeMismatchException(op, sprintf "input with %d channels (W is %s)" p.W.Dims.[0] (Shape.format p.W.Dims), Shape.format x.Dims))
        let z = Conv2d.forward spec.Geometry p.W x
        let z = match p.B with Some b -> ChannelBias.forward z b | None -> z
        let a = Activation.forwardWith backend spec.Activation z
        z, a, (if spec.Flatten then Flatten.forward a else a)

    /// Inference: x: [batch; inChannels; h; w] -> [batch; filters; h'; w'] (or flattened),
    /// with what backward needs. Dropout, if any, is applied in its inference form.
    /// <exception cref="ShapeMismatchException">when x is not of rank 4 or its channels differ from W's.</exception>
    let forwardWith (backend: Backend) (spec: Conv2DSpec) (p: Conv2DParams<'T>) (x: Tensor<'T>) =
        let z, a, f = convolve "Conv2D.forward" backend spec p x
        let y = if spec.KeepProbability < 1.0 then Dropout.infer spec.DropoutScaling spec.KeepProbability f else f
        y, { X = x; Z = z; A = a; Y = y; Mask = None }

    /// Training: like `forward`, but dropout draws its mask from the generator (after the
    /// activation and flatten, as the book's layer does). Returns the output, the cache and the generator.
    let forwardTrainWith (backend: Backend) (spec: Conv2DSpec) (p: Conv2DParams<'T>) (rng: Rng) (x: Tensor<'T>) =
        let z, a, f = convolve "Conv2D.forward" backend spec p x
        let y, mask, rng = Dropout.train spec.DropoutScaling spec.KeepProbability rng f
        y, { X = x; Z = z; A = a; Y = y; Mask = mask }, rng

    /// Inference through the fast backend (see `forwardWith`): x: [batch; inChannels; h; w] ->
    /// [batch; filters; h'; w'] (or flattened), with what backward needs.
    /// <exception cref="ShapeMismatchException">when x is not of rank 4 or its channels differ from W's.</exception>
    let forward (spec: Conv2DSpec) (p: Conv2DParams<'T>) (x: Tensor<'T>) = forwardWith Backend.fast spec p x

    /// Training through the fast backend (see `forwardTrainWith`).
    let forwardTrain (spec: Conv2DSpec) (p: Conv2DParams<'T>) (rng: Rng) (x: Tensor<'T>) = forwardTrainWith Backend.fast spec p rng x

    /// The gradient at the convolution's output z, from dy.
    let private dz (spec: Conv2DSpec) (cache: Conv2DCache<'T>) (dy: Tensor<'T>) =
        Shape.checkSame "Conv2D.backward" "output" cache.Y.Dims "dy" dy.Dims
        let df = Dropout.gradient spec.DropoutScaling spec.KeepProbability cache.Mask dy
        let da = if spec.Flatten then Flatten.backward cache.A df else df
        Activation.backward spec.Activation cache.Z cache.A da

    let private biasGradient (p: Conv2DParams<'T>) (z: Tensor<'T>) (g: Tensor<'T>) =
        match p.B with
        | Some b -> Some (snd (ChannelBias.backward z b g))
        | None -> None

    /// dy (the output's shape) -> (dx: [batch; inChannels; h; w], the parameter gradients).
    let backward (spec: Conv2DSpec) (p: Conv2DParams<'T>) (cache: Conv2DCache<'T>) (dy: Tensor<'T>) =
        let g = dz spec cache dy
        let dx, dW = Conv2d.backward spec.Geometry p.W cache.X g
        dx, { dW = dW; dB = biasGradient p cache.Z g }

    /// The parameter gradients only, skipping dx (for the first layer of a network).
    let parameterGradients (spec: Conv2DSpec) (p: Conv2DParams<'T>) (cache: Conv2DCache<'T>) (dy: Tensor<'T>) =
        let g = dz spec cache dy
        { dW = Conv2d.weightGradient spec.Geometry p.W cache.X g; dB = biasGradient p cache.Z g }
