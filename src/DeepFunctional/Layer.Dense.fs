namespace DeepFunctional

open System

/// A normal initialisation of a caller's: a name and the standard deviation of the draws for
/// a layer's fan-in, fan-out and receptive field (1 for a dense layer, k² for a k×k kernel).
[<Sealed>]
type ScaledInit(name: string, standardDeviation: int -> int -> int -> float) =
    inherit Named(name)
    /// The standard deviation for (fanIn, fanOut, receptiveField).
    member _.StandardDeviation(fanIn: int, fanOut: int, receptiveField: int) = standardDeviation fanIn fanOut receptiveField

/// How a layer draws its initial weights (W, then B, from the same normal distribution).
[<RequireQualifiedAccess>]
type WeightInit =
    /// W and B from the standard normal distribution (the book's default).
    | StandardNormal
    /// Glorot's normal initialisation: standard deviation √(2/(fanIn + fanOut)/receptiveField).
    | Glorot
    /// Normal draws with a standard deviation of the caller's (see `ScaledInit`).
    | Scaled of ScaledInit

    /// The initialisation's name.
    override this.ToString() =
        match this with
        | StandardNormal -> "StandardNormal"
        | Glorot -> "Glorot"
        | Scaled s -> s.Name

/// The standard deviations of the initialisations.
[<RequireQualifiedAccess>]
module WeightInit =

    /// The standard deviation of a layer's initial draws for its fan-in, fan-out and receptive
    /// field: 1; √(2/((fanIn + fanOut)·receptiveField)); or the caller's.
    let standardDeviation (init: WeightInit) (fanIn: int) (fanOut: int) (receptiveField: int) : float =
        match init with
        | WeightInit.StandardNormal -> 1.0
        | WeightInit.Glorot -> sqrt (2.0 / (float (fanIn + fanOut) * float receptiveField))
        | WeightInit.Scaled s -> s.StandardDeviation(fanIn, fanOut, receptiveField)

/// The description of a dense (fully connected) layer: X·W + B, then an activation.
type DenseSpec =
    { /// The number of output units.
      Neurons: int
      /// The activation after the affine part.
      Activation: Activation
      /// How W and B are drawn.
      WeightInit: WeightInit
      /// The probability of keeping each unit in training; 1 means no dropout.
      KeepProbability: float
      /// How dropout is scaled (used when KeepProbability is below 1).
      DropoutScaling: DropoutScaling }

/// The parameters of a dense layer.
type DenseParams<'T> =
    { /// Weights: [inFeatures; neurons].
      W: Tensor<'T>
      /// Bias row: [1; neurons].
      B: Tensor<'T> }

/// The gradients of a dense layer's parameters.
type DenseGrads<'T> =
    { /// The gradient of W: [inFeatures; neurons].
      dW: Tensor<'T>
      /// The gradient of B: [1; neurons].
      dB: Tensor<'T> }

/// What a dense layer's forward pass saw, for its backward pass.
type DenseCache<'T> =
    { /// The input: [batch; inFeatures].
      X: Tensor<'T>
      /// The affine result X·W + B: [batch; neurons].
      Z: Tensor<'T>
      /// The activation's output: [batch; neurons].
      A: Tensor<'T>
      /// The layer's output after dropout (A itself without dropout): [batch; neurons].
      Y: Tensor<'T>
      /// The dropout mask drawn in training; None in inference or without dropout.
      Mask: Tensor<'T> option }

/// The dense layer: `WeightMultiply`, `BiasAdd` and an activation.
[<RequireQualifiedAccess>]
module Dense =

    /// A dense layer of `neurons` units with the given activation and standard-normal weights.
    /// <exception cref="InvalidValueException">when neurons is not positive.</exception>
    let create (neurons: int) (activation: Activation) =
        if neurons < 1 then
            raise (InvalidValueException("Dense.create", "a positive number of neurons", string neurons))
        { Neurons = neurons; Activation = activation; WeightInit = WeightInit.StandardNormal
          KeepProbability = 1.0; DropoutScaling = DropoutScaling.Inverted }

    /// The same layer with the given weight initialisation.
    let withWeightInit (init: WeightInit) (spec: DenseSpec) = { spec with WeightInit = init }

    /// The same layer with dropout after its activation: each unit kept with probability `keep`.
    /// <exception cref="InvalidValueException">when keep is outside (0, 1].</exception>
    let withDropout (scaling: DropoutScaling) (keep: float) (spec: DenseSpec) =
        Dropout.checkKeep "Dense.withDropout" keep
        { spec with KeepProbability = keep; DropoutScaling = scaling }

    /// The standard deviation of the initial weights for `inputs` inputs.
    let initScale (spec: DenseSpec) (inputs: int) = WeightInit.standardDeviation spec.WeightInit inputs spec.Neurons 1

    /// Draws W = normal(0, s, [inputs; neurons]) then B = normal(0, s, [1; neurons]) from the
    /// generator, in that order (NumPy's `normal`, which for s = 1 equals `randn`).
    let init (spec: DenseSpec) (inputs: int) (rng: Rng) : DenseParams<'T> * Rng =
        if inputs < 1 then
            raise (InvalidValueException("Dense.init", "at least one input feature", string inputs))
        let s = initScale spec inputs
        let w, rng = Rng.normal 0.0 s (inputs * spec.Neurons) rng
        let b, rng = Rng.normal 0.0 s spec.Neurons rng
        { W = Tensor.ofFloats [| inputs; spec.Neurons |] w
          B = Tensor.ofFloats [| 1; spec.Neurons |] b }, rng

    let private affine (op: string) (backend: Backend) (spec: DenseSpec) (p: DenseParams<'T>) (x: Tensor<'T>) =
        Shape.checkRank op "input" 2 x.Dims
        Shape.checkColumns op (sprintf "input (W is %s)" (Shape.format p.W.Dims)) p.W.Dims.[0] x.Dims
        let z = BiasAdd.forward (WeightMultiply.forwardWith backend x p.W) p.B
        z, Activation.forwardWith backend spec.Activation z

    /// `forward` through a backend (the network's).
    let forwardWith (backend: Backend) (spec: DenseSpec) (p: DenseParams<'T>) (x: Tensor<'T>) =
        let z, a = affine "Dense.forward" backend spec p x
        let y = if spec.KeepProbability < 1.0 then Dropout.infer spec.DropoutScaling spec.KeepProbability a else a
        y, { X = x; Z = z; A = a; Y = y; Mask = None }

    /// Inference: x: [batch; inFeatures] -> y: [batch; neurons], with what backward needs.
    /// Dropout, if any, is applied in its inference form (no randomness).
    /// <exception cref="ShapeMismatchException">when x's columns differ from W's rows.</exception>
    let forward (spec: DenseSpec) (p: DenseParams<'T>) (x: Tensor<'T>) = forwardWith Backend.fast spec p x

    /// `forwardTrain` through a backend (the network's).
    let forwardTrainWith (backend: Backend) (spec: DenseSpec) (p: DenseParams<'T>) (rng: Rng) (x: Tensor<'T>) =
        let z, a = affine "Dense.forward" backend spec p x
        let y, mask, rng = Dropout.train spec.DropoutScaling spec.KeepProbability rng a
        y, { X = x; Z = z; A = a; Y = y; Mask = mask }, rng

    /// Training: like `forward`, but dropout draws its mask from the generator (after the
    /// activation, as the book's Dense does). Returns the output, the cache and the generator.
    let forwardTrain (spec: DenseSpec) (p: DenseParams<'T>) (rng: Rng) (x: Tensor<'T>) = forwardTrainWith Backend.fast spec p rng x

    /// The gradient at the affine result z = X·W + B, from dy.
    let private dz (spec: DenseSpec) (cache: DenseCache<'T>) (dy: Tensor<'T>) =
        Shape.checkSame "Dense.backward" "output" cache.Y.Dims "dy" dy.Dims
        let da = Dropout.gradient spec.DropoutScaling spec.KeepProbability cache.Mask dy
        Activation.backward spec.Activation cache.Z cache.A da

    /// The parameter gradients through a backend, written into the buffers `into` (dW, dB) when
    /// given: the trainer's, recycled from one step to the next. Returns (dz, gradients).
    let internal gradientsInto (backend: Backend) (into: struct (TensorBuffer<'T> * TensorBuffer<'T>) voption) (spec: DenseSpec) (p: DenseParams<'T>) (cache: DenseCache<'T>) (dy: Tensor<'T>) =
        let dW, dB = match into with ValueSome (struct (w, b)) -> ValueSome w, ValueSome b | ValueNone -> ValueNone, ValueNone
        let dxw, dB = BiasAdd.backwardInto backend dB cache.Z p.B (dz spec cache dy)
        dxw, { dW = WeightMultiply.weightGradientInto backend dW cache.X p.W dxw; dB = dB }

    /// dy: [batch; neurons] -> (dx: [batch; inFeatures], the parameter gradients).
    /// <exception cref="ShapeMismatchException">when dy does not fit the forward pass.</exception>
    let backward (spec: DenseSpec) (p: DenseParams<'T>) (cache: DenseCache<'T>) (dy: Tensor<'T>) =
        let dxw, grads = gradientsInto Backend.fast ValueNone spec p cache dy
        WeightMultiply.inputGradientWith Backend.fast p.W dxw, grads

    /// `backward` through a backend, the parameter gradients written into `into` when given.
    let internal backwardInto (backend: Backend) (into: struct (TensorBuffer<'T> * TensorBuffer<'T>) voption) (spec: DenseSpec) (p: DenseParams<'T>) (cache: DenseCache<'T>) (dy: Tensor<'T>) =
        let dxw, grads = gradientsInto backend into spec p cache dy
        WeightMultiply.inputGradientWith backend p.W dxw, grads

    /// The parameter gradients only, skipping dx (for the first layer of a network).
    let parameterGradients (spec: DenseSpec) (p: DenseParams<'T>) (cache: DenseCache<'T>) (dy: Tensor<'T>) =
        gradientsInto Backend.fast ValueNone spec p cache dy |> snd
