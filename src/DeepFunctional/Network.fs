namespace DeepFunctional

open System

/// A layer of a network: its description, without parameters.
[<RequireQualifiedAccess>]
type Layer =
    /// A dense layer: [batch; features] -> [batch; neurons].
    | Dense of DenseSpec
    /// A convolutional layer: [batch; channels; h; w] -> [batch; filters; h'; w'] (or flattened).
    | Conv2D of Conv2DSpec
    /// A transposed convolution (chapter 7's decoder): [batch; channels; h; w] -> [batch; filters; h'; w'].
    | ConvTranspose2D of ConvTranspose2DSpec
    /// Max pooling over kernel×kernel windows moved by stride: [batch; c; h; w] -> [batch; c; h'; w'].
    | MaxPool2D of kernel: int * stride: int
    /// Average pooling over kernel×kernel windows moved by stride: [batch; c; h; w] -> [batch; c; h'; w'].
    | AvgPool2D of kernel: int * stride: int
    /// Reshapes [batch; ...] to [batch; rest].
    | Flatten
    /// Reshapes [batch; ...] to [batch; shape] (as many values per sample).
    | Reshape of shape: int[]
    /// Dropout on its own: each value kept with the probability in training, scaled as given;
    /// any shape -> the same shape.
    | Dropout of keep: float * scaling: DropoutScaling
    /// A recurrent layer (RNN, LSTM, GRU) over [batch; seq; features]: [batch; seq; n], or
    /// [batch; n] for the last step only.
    | Sequence of SequenceLayerSpec
    /// A lookup table of `dimensions` numbers per token id in 0..vocabulary−1:
    /// [batch] -> [batch; dimensions], [batch; seq] -> [batch; seq; dimensions].
    | Embedding of vocabulary: int * dimensions: int

/// The parameters of one layer.
[<RequireQualifiedAccess>]
type LayerParams<'T> =
    /// A dense layer's W and B.
    | Dense of DenseParams<'T>
    /// A convolutional or transposed-convolution layer's kernels and optional bias.
    | Conv2D of Conv2DParams<'T>
    /// A recurrent layer's parameters and the starting state it carries to the next batch.
    | Sequence of SequenceLayer<'T> * SequenceState<'T>
    /// An embedding's table W: [vocabulary; dimensions].
    | Embedding of Tensor<'T>
    /// A layer without parameters (pooling, flatten, dropout).
    | NoParams

/// The parameter gradients of one layer.
[<RequireQualifiedAccess>]
type LayerGrads<'T> =
    /// A dense layer's dW and dB.
    | Dense of DenseGrads<'T>
    /// A convolutional or transposed-convolution layer's dW and optional dB.
    | Conv2D of Conv2DGrads<'T>
    /// A recurrent layer's gradients, summed over the steps.
    | Sequence of SequenceGrads<'T>
    /// An embedding's dW.
    | Embedding of Tensor<'T>
    /// A layer without parameters.
    | NoGrads

/// What one layer's forward pass saw.
[<RequireQualifiedAccess>]
type LayerCache<'T> =
    /// A dense layer's input, affine result and output.
    | Dense of DenseCache<'T>
    /// A convolutional or transposed-convolution layer's input, convolution, activation and output.
    | Conv2D of Conv2DCache<'T>
    /// A recurrent layer's run through time.
    | Sequence of SequenceCache<'T>
    /// A dropout layer's mask (None in inference).
    | Dropout of Tensor<'T> option
    /// The input of a layer that needs nothing else (pooling, flatten, reshape, embedding).
    | Input of Tensor<'T>

/// How layers draw their initial parameters from a network's seed, when the seeding is not
/// `Seeding.PerNetwork`: a strategy supplied from outside the library (the book layer's
/// re-seeding, for one).
[<AbstractClass>]
type SeedingStrategy(name: string) =
    inherit Named(name)
    /// The generator a layer draws its parameters from, given the network's seed, the training
    /// generator at that moment and the generator the previous layer left.
    abstract LayerGenerator: networkSeed: int64 * training: Rng * layers: Rng -> Rng
    /// Whether training goes on from the generator the layer leaves (the layers then draw from
    /// the training stream), rather than keeping its own.
    abstract SharesTrainingStream: bool

/// How layers draw their initial parameters.
[<RequireQualifiedAccess>]
type Seeding =
    /// One generator seeded with the network's seed; layers draw from it in order, so
    /// each layer gets different numbers; the training generator is left alone.
    | PerNetwork
    /// A strategy of the caller's.
    | Strategy of SeedingStrategy

    /// "PerNetwork" or the strategy's name.
    override this.ToString() = match this with PerNetwork -> "PerNetwork" | Strategy s -> s.Name

/// A neural network: layers, a loss, a seed, the backend it computes with, and the parameters
/// once initialised.
type NeuralNetwork<'T> =
    { /// The layers, input first.
      Layers: Layer list
      /// The loss it is trained on.
      Loss: Loss
      /// The seed its layers draw their parameters with.
      Seed: int64
      /// How the seed is used.
      Seeding: Seeding
      /// The kernels it computes with (`Backend.fast` unless given).
      Backend: Backend
      /// The parameters of each layer, or None before the first batch.
      Params: LayerParams<'T> list option }

/// What a network's forward pass saw, layer by layer, for its backward pass.
type Trace<'T> =
    { /// One cache per layer, input first.
      Caches: LayerCache<'T> list }

/// What one training batch produces.
type BatchResult<'T> =
    { /// The batch's loss (in training mode, i.e. with dropout masks applied).
      Loss: float
      /// Each layer's parameter gradients, in layer order.
      Gradients: LayerGrads<'T> list
      /// The network, initialised if it was not, its recurrent layers' carried states updated.
      Network: NeuralNetwork<'T>
      /// The generator after the batch's draws (dropout masks; layer setup when the seeding shares the stream).
      Rng: Rng }

/// Buffers the trainer owns and reuses from one step to the next for the largest gradients
/// (a dense layer's dW and dB), one entry per layer.
type internal GradientBuffers<'T> = (struct (TensorBuffer<'T> * TensorBuffer<'T>)) voption list

/// Functions over networks; all pure.
[<RequireQualifiedAccess>]
module NeuralNetwork =

    /// Checks the settings of one layer (those a layer record cannot check when it is built).
    let private checkLayer (op: string) (layer: Layer) =
        match layer with
        | Layer.MaxPool2D (kernel, stride) | Layer.AvgPool2D (kernel, stride) -> PoolGeometry.check op kernel stride
        | Layer.Dropout (keep, _) -> Dropout.checkKeep op keep
        | Layer.Embedding (vocabulary, dimensions) ->
            if vocabulary < 1 || dimensions < 1 then
                raise (InvalidValueException(op, "an embedding of at least 1 token and 1 dimension", sprintf "vocabulary %d, dimensions %d" vocabulary dimensions))
        | Layer.Reshape shape -> Reshape.checkTarget op shape |> ignore
        | Layer.Dense _ | Layer.Conv2D _ | Layer.ConvTranspose2D _ | Layer.Flatten | Layer.Sequence _ -> ()

    /// A network with the given layers, loss and seed; parameters are drawn on the first batch.
    /// <exception cref="InvalidValueException">when there is no layer, a layer's setting is out of range or the seed is outside 0..2³²−1.</exception>
    let create (layers: Layer list) (loss: Loss) (seed: int64) : NeuralNetwork<'T> =
        if List.isEmpty layers then
            raise (InvalidValueException("NeuralNetwork.create", "at least one layer", "none", "layers"))
        if seed < 0L || seed > int64 UInt32.MaxValue then
            raise (InvalidValueException("NeuralNetwork.create", "a seed in 0..4294967295", string seed, "seed"))
        layers |> List.iter (checkLayer "NeuralNetwork.create")
        { Layers = layers; Loss = loss; Seed = seed; Seeding = Seeding.PerNetwork; Backend = Backend.fast; Params = None }

    /// The same network with the given seeding.
    let withSeeding (seeding: Seeding) (net: NeuralNetwork<'T>) = { net with Seeding = seeding }

    /// The same network computing with the given backend.
    let withBackend (backend: Backend) (net: NeuralNetwork<'T>) = { net with Backend = backend }

    /// True once the parameters have been drawn.
    let isInitialised (net: NeuralNetwork<'T>) = net.Params.IsSome

    /// The same network with its parameters dropped (drawn again on the next batch).
    let reset (net: NeuralNetwork<'T>) = { net with Params = None }

    /// The output shape of a layer for an input shape, `op` naming the caller in errors.
    /// <exception cref="ShapeMismatchException">when the layer cannot take that shape.</exception>
    /// <exception cref="InvalidValueException">when a window or kernel does not fit the image.</exception>
    let internal layerOutputShapeFor (op: string) (layer: Layer) (input: int[]) : int[] =
        match layer with
        | Layer.Dense spec ->
            Shape.checkRank op "input of a Dense layer" 2 input
            [| input.[0]; spec.Neurons |]
        | Layer.Conv2D spec -> Conv2D.outputShape spec input
        | Layer.ConvTranspose2D spec -> ConvTranspose2D.outputShape spec input
        | Layer.Reshape shape -> Reshape.outputShapeFor op shape input
        | Layer.MaxPool2D (kernel, stride)
        | Layer.AvgPool2D (kernel, stride) -> PoolGeometry.outputShape op kernel stride input
        | Layer.Flatten ->
            Shape.checkRankAtLeast op "input" 2 input
            [| input.[0]; Shape.countFor op input / max 1 input.[0] |]
        | Layer.Dropout _ -> Array.copy input
        | Layer.Sequence spec -> SequenceLayer.outputShape spec input
        | Layer.Embedding (_, dimensions) ->
            if input.Length < 1 || input.Length > 2 then
                raise (ShapeMismatchException(op, "ids of shape [batch] or [batch; seq] for an Embedding layer", sprintf "input of shape %s" (Shape.format input)))
            Array.append input [| dimensions |]

    /// The output shape of a layer for an input shape (checking that the layer accepts it).
    /// <exception cref="ShapeMismatchException">when the layer cannot take that shape.</exception>
    /// <exception cref="InvalidValueException">when a window or kernel does not fit the image.</exception>
    let layerOutputShape (layer: Layer) (input: int[]) : int[] = layerOutputShapeFor "NeuralNetwork.outputShape" layer input

    /// The output shape of every layer for inputs of the given shape, input first.
    /// <exception cref="ShapeMismatchException">when a layer cannot take the shape that reaches it.</exception>
    let outputShapes (net: NeuralNetwork<'T>) (input: int[]) : int[] list =
        net.Layers |> List.scan (fun shape layer -> layerOutputShape layer shape) input |> List.tail

    /// The names and shapes of a layer's parameter tensors for an input shape, in the order of
    /// `parameters`, from the layer's description alone (nothing is drawn or allocated).
    /// <exception cref="ShapeMismatchException">when the layer cannot take that shape.</exception>
    let layerParameterShapes (layer: Layer) (input: int[]) : (string * int[]) list =
        let op = "NeuralNetwork.parameterShapes"
        match layer with
        | Layer.Dense spec ->
            Shape.checkRank op "input of a Dense layer" 2 input
            [ "W", [| input.[1]; spec.Neurons |]; "B", [| 1; spec.Neurons |] ]
        | Layer.Conv2D spec ->
            Shape.checkRank op "input of a Conv2D layer" 4 input
            let k = spec.KernelSize
            [ "W", [| input.[1]; spec.Filters; k; k |] ] @ (if spec.Bias then [ "B", [| spec.Filters |] ] else [])
        | Layer.ConvTranspose2D spec ->
            Shape.checkRank op "input of a ConvTranspose2D layer" 4 input
            let k = spec.KernelSize
            [ "W", [| input.[1]; spec.Filters; k; k |] ] @ (if spec.Bias then [ "B", [| spec.Filters |] ] else [])
        | Layer.Sequence spec ->
            Shape.checkRank op "input [batch; seq; features] of a recurrent layer" 3 input
            SequenceLayer.parameterShapes spec input.[2]
        | Layer.Embedding (vocabulary, dimensions) -> [ "W", [| vocabulary; dimensions |] ]
        | Layer.MaxPool2D _ | Layer.AvgPool2D _ | Layer.Flatten | Layer.Reshape _ | Layer.Dropout _ -> []

    /// The names and shapes of every layer's parameter tensors for inputs of the given shape.
    /// <exception cref="ShapeMismatchException">when a layer cannot take the shape that reaches it.</exception>
    let parameterShapes (net: NeuralNetwork<'T>) (input: int[]) : (string * int[]) list list =
        let shapes = input :: (net.Layers |> List.scan (fun shape layer -> layerOutputShapeFor "NeuralNetwork.parameterShapes" layer shape) input |> List.tail)
        List.map2 layerParameterShapes net.Layers (List.truncate net.Layers.Length shapes)

    /// The network with parameters made of the given tensors (one list per layer, in the order of
    /// `layerParameterShapes`) for inputs of the given shape, and the recurrent layers' carried
    /// states (one per layer, None for zeros): nothing is drawn.
    /// <exception cref="ShapeMismatchException">when a layer's tensors are not those its shapes say.</exception>
    let ofParameters (input: int[]) (tensors: Tensor<'T> list list) (states: SequenceState<'T> option list) (net: NeuralNetwork<'T>) : NeuralNetwork<'T> =
        let op = "NeuralNetwork.ofParameters"
        let shapes = parameterShapes net input
        if tensors.Length <> net.Layers.Length || states.Length <> net.Layers.Length then
            raise (ShapeMismatchException(op, sprintf "tensors and states for %d layers" net.Layers.Length, sprintf "%d and %d" tensors.Length states.Length, "tensors"))
        let inputs = input :: (net.Layers |> List.scan (fun shape layer -> layerOutputShapeFor op layer shape) input |> List.tail)
        let ps =
            List.zip3 net.Layers (List.zip shapes tensors) (List.zip (List.truncate net.Layers.Length inputs) states)
            |> List.mapi (fun i (layer, (expected, ts), (inShape, state)) ->
                if expected.Length <> ts.Length then
                    raise (ShapeMismatchException(op, sprintf "%d tensors for layer %d" expected.Length i, sprintf "%d" ts.Length, "tensors"))
                List.iter2 (fun (name, shape) (t: Tensor<'T>) -> Shape.checkExact op (sprintf "layer %d's %s" i name) shape t.Dims) expected ts
                match layer, ts with
                | Layer.Dense _, [ w; b ] -> LayerParams.Dense { W = w; B = b }
                | (Layer.Conv2D _ | Layer.ConvTranspose2D _), w :: rest -> LayerParams.Conv2D { W = w; B = List.tryHead rest }
                | Layer.Sequence spec, ts ->
                    let l = SequenceLayer.ofParameters spec inShape.[2] ts
                    let s =
                        match state with
                        | Some s ->
                            let want, got = SequenceLayer.stateShapes spec, s.H :: Option.toList s.C
                            if want.Length <> got.Length then
                                raise (ShapeMismatchException(op, sprintf "%d state tensors for layer %d" want.Length i, sprintf "%d" got.Length, "states"))
                            List.iter2 (fun (name, shape) (t: Tensor<'T>) -> Shape.checkExact op (sprintf "layer %d's state %s" i name) shape t.Dims) want got
                            s
                        | None -> SequenceLayer.initialState l
                    LayerParams.Sequence (l, s)
                | Layer.Embedding _, [ w ] -> LayerParams.Embedding w
                | _, [] -> LayerParams.NoParams
                | _ -> raise (ShapeMismatchException(op, sprintf "the tensors of layer %d" i, sprintf "%d tensors" ts.Length, "tensors")))
        { net with Params = Some ps }

    /// Whether a layer has parameters to draw.
    let private hasParams (layer: Layer) =
        match layer with
        | Layer.Dense _ | Layer.Conv2D _ | Layer.ConvTranspose2D _ | Layer.Sequence _ | Layer.Embedding _ -> true
        | Layer.MaxPool2D _ | Layer.AvgPool2D _ | Layer.Flatten | Layer.Reshape _ | Layer.Dropout _ -> false

    let private initLayer<'T when 'T :> Numerics.IFloatingPointIeee754<'T>> (layer: Layer) (input: int[]) (rng: Rng) : LayerParams<'T> * Rng =
        let op = "NeuralNetwork.initialise"
        match layer with
        | Layer.Dense spec ->
            Shape.checkRank op "input of a Dense layer" 2 input
            let p, rng = Dense.init spec input.[1] rng
            LayerParams.Dense p, rng
        | Layer.Conv2D spec ->
            Shape.checkRank op "input of a Conv2D layer" 4 input
            let p, rng = Conv2D.init spec input.[1] rng
            LayerParams.Conv2D p, rng
        | Layer.ConvTranspose2D spec ->
            Shape.checkRank op "input of a ConvTranspose2D layer" 4 input
            let p, rng = ConvTranspose2D.init spec input.[1] rng
            LayerParams.Conv2D p, rng
        | Layer.Sequence spec ->
            Shape.checkRank op "input [batch; seq; features] of a recurrent layer" 3 input
            let l, rng = SequenceLayer.init<'T> spec input.[2] rng
            LayerParams.Sequence (l, SequenceLayer.initialState l), rng
        | Layer.Embedding (vocabulary, dimensions) ->
            let w, rng = Rng.normal 0.0 1.0 (Shape.countFor op [| vocabulary; dimensions |]) rng
            LayerParams.Embedding (Tensor.ofFloats [| vocabulary; dimensions |] w), rng
        | Layer.MaxPool2D _ | Layer.AvgPool2D _ | Layer.Flatten | Layer.Reshape _ | Layer.Dropout _ -> LayerParams.NoParams, rng

    /// Draws one layer's parameters as the seeding says: returns them, the training generator
    /// and the layers' generator afterwards.
    let private drawLayer (net: NeuralNetwork<'T>) (layer: Layer) (input: int[]) (training: Rng) (layers: Rng) =
        if not (hasParams layer) then LayerParams.NoParams, training, layers
        else
            match net.Seeding with
            | Seeding.PerNetwork ->
                let p, r = initLayer layer input layers
                p, training, r
            | Seeding.Strategy s ->
                let p, r = initLayer layer input (s.LayerGenerator(net.Seed, training, layers))
                if s.SharesTrainingStream then p, r, layers else p, training, r

    /// Draws every layer's parameters for inputs shaped like x ([batch; features], [batch;
    /// channels; h; w], [batch; seq; features] or ids). Returns the network and the generator
    /// that training goes on with (unchanged unless the seeding shares the training stream).
    /// (Training initialises lazily by itself; see `trainBatch`.)
    /// <exception cref="ShapeMismatchException">when a layer cannot take the shape that reaches it.</exception>
    let initialise (x: Tensor<'T>) (rng: Rng) (net: NeuralNetwork<'T>) : NeuralNetwork<'T> * Rng =
        Shape.checkRankAtLeast "NeuralNetwork.initialise" "input" 1 x.Dims
        let mutable shape = x.Shape
        let mutable training = rng
        let mutable layers = Rng.seed net.Seed
        let ps =
            [ for layer in net.Layers do
                let p, t, l = drawLayer net layer shape training layers
                training <- t
                layers <- l
                shape <- layerOutputShapeFor "NeuralNetwork.initialise" layer shape
                yield p ]
        { net with Params = Some ps }, training

    let private paramsOf (op: string) (net: NeuralNetwork<'T>) =
        match net.Params with
        | Some ps -> ps
        | None -> raise (InvalidOperationException(sprintf "%s: the network has no parameters yet; train it or call NeuralNetwork.initialise first" op))

    /// One layer's pass: in training mode (`rng` given) dropout draws its masks; returns the
    /// output, the cache, the layer's parameters (a recurrent layer's with its next state) and the generator.
    let private layerPass (backend: Backend) (train: bool) (layer: Layer) (p: LayerParams<'T>) (rng: Rng) (h: Tensor<'T>)
                          : Tensor<'T> * LayerCache<'T> * LayerParams<'T> * Rng =
        match layer, p with
        | Layer.Dense spec, LayerParams.Dense dp ->
            if train then
                let y, c, rng = Dense.forwardTrainWith backend spec dp rng h
                y, LayerCache.Dense c, p, rng
            else
                let y, c = Dense.forwardWith backend spec dp h
                y, LayerCache.Dense c, p, rng
        | Layer.Conv2D spec, LayerParams.Conv2D cp ->
            if train then
                let y, c, rng = Conv2D.forwardTrainWith backend spec cp rng h
                y, LayerCache.Conv2D c, p, rng
            else
                let y, c = Conv2D.forwardWith backend spec cp h
                y, LayerCache.Conv2D c, p, rng
        | Layer.ConvTranspose2D spec, LayerParams.Conv2D cp ->
            let y, c = ConvTranspose2D.forwardWith backend spec cp h
            y, LayerCache.Conv2D c, p, rng
        | Layer.Sequence _, LayerParams.Sequence (l, state) ->
            let y, c, next = SequenceLayer.forward l state h
            y, LayerCache.Sequence c, LayerParams.Sequence (l, next), rng
        | Layer.Embedding _, LayerParams.Embedding w -> Embedding.forward w h, LayerCache.Input h, p, rng
        | Layer.Dropout (keep, scaling), _ ->
            if train then
                let y, mask, rng = Dropout.train scaling keep rng h
                y, LayerCache.Dropout mask, p, rng
            else Dropout.infer scaling keep h, LayerCache.Dropout None, p, rng
        | Layer.MaxPool2D (kernel, stride), _ -> MaxPool2d.forward kernel stride h, LayerCache.Input h, p, rng
        | Layer.AvgPool2D (kernel, stride), _ -> AvgPool2d.forward kernel stride h, LayerCache.Input h, p, rng
        | Layer.Flatten, _ -> Flatten.forward h, LayerCache.Input h, p, rng
        | Layer.Reshape shape, _ -> Reshape.forward shape h, LayerCache.Input h, p, rng
        | _ -> raise (InvalidOperationException(sprintf "NeuralNetwork: the parameters of layer %A do not belong to it" layer))

    /// Inference: x -> (output, the trace backward needs, the network with its recurrent layers'
    /// next states). The recurrent layers start from the states they carry.
    /// <exception cref="InvalidOperationException">when the network is not initialised.</exception>
    let forwardStateful (net: NeuralNetwork<'T>) (x: Tensor<'T>) : Tensor<'T> * Trace<'T> * NeuralNetwork<'T> =
        let ps = paramsOf "NeuralNetwork.forward" net
        Shape.checkRankAtLeast "NeuralNetwork.forward" "input" 1 x.Dims
        let mutable h = x
        let steps =
            [ for layer, p in List.zip net.Layers ps do
                let y, c, p', _ = layerPass net.Backend false layer p (Rng.seed 0L) h
                h <- y
                yield c, p' ]
        h, { Caches = List.map fst steps }, { net with Params = Some (List.map snd steps) }

    /// x -> (output, the trace backward needs), in inference mode.
    /// <exception cref="InvalidOperationException">when the network is not initialised.</exception>
    let forwardTrace (net: NeuralNetwork<'T>) (x: Tensor<'T>) : Tensor<'T> * Trace<'T> =
        let y, trace, _ = forwardStateful net x
        y, trace

    /// Training forward pass: x -> (output, trace, network, generator). Dropout masks come from
    /// `rng`. An uninitialised network draws each layer's parameters when the data reaches it, as
    /// the book's layers do (see `Seeding`). The recurrent layers carry their states on.
    let forwardTrain (rng: Rng) (net: NeuralNetwork<'T>) (x: Tensor<'T>) : Tensor<'T> * Trace<'T> * NeuralNetwork<'T> * Rng =
        Shape.checkRankAtLeast "NeuralNetwork.forward" "input" 1 x.Dims
        let mutable rng = rng
        let mutable layerRng = Rng.seed net.Seed
        let mutable h = x
        let steps =
            [ for i, layer in List.indexed net.Layers do
                let p =
                    match net.Params with
                    | Some ps -> ps.[i]
                    | None ->
                        let p, t, l = drawLayer net layer h.Dims rng layerRng
                        rng <- t
                        layerRng <- l
                        p
                let y, c, p', r = layerPass net.Backend true layer p rng h
                rng <- r
                h <- y
                yield p', c ]
        h, { Caches = List.map snd steps }, { net with Params = Some (List.map fst steps) }, rng

    /// The network's output for x (inference).
    /// <exception cref="InvalidOperationException">when the network is not initialised.</exception>
    let forward (net: NeuralNetwork<'T>) (x: Tensor<'T>) = forwardTrace net x |> fst

    /// The backward pass, last layer first. The first layer's input gradient, which training
    /// never uses, is computed only when asked for. `buffers`, when given, holds the trainer's
    /// gradient buffers, one entry per layer, which the dense layers write into.
    let private backwardLayers (withInputGradient: bool) (buffers: GradientBuffers<'T> voption) (net: NeuralNetwork<'T>) (trace: Trace<'T>) (dy: Tensor<'T>) =
        let ps = paramsOf "NeuralNetwork.backward" net
        let backend = net.Backend
        let recycled =
            match buffers with
            | ValueSome bs when bs.Length = ps.Length -> bs
            | _ -> List.replicate ps.Length ValueNone
        let mutable g = dy
        let grads =
            List.zip3 net.Layers ps (List.zip trace.Caches recycled)
            |> List.indexed
            |> List.rev
            |> List.map (fun (i, (layer, p, (c, into))) ->
                let first = i = 0 && not withInputGradient
                match layer, p, c with
                | Layer.Dense spec, LayerParams.Dense dp, LayerCache.Dense dc when first ->
                    LayerGrads.Dense (Dense.gradientsInto backend into spec dp dc g |> snd)
                | Layer.Dense spec, LayerParams.Dense dp, LayerCache.Dense dc ->
                    let dx, dg = Dense.backwardInto backend into spec dp dc g
                    g <- dx
                    LayerGrads.Dense dg
                | Layer.Conv2D spec, LayerParams.Conv2D cp, LayerCache.Conv2D cc when first ->
                    LayerGrads.Conv2D (Conv2D.parameterGradients spec cp cc g)
                | Layer.Conv2D spec, LayerParams.Conv2D cp, LayerCache.Conv2D cc ->
                    let dx, dg = Conv2D.backward spec cp cc g
                    g <- dx
                    LayerGrads.Conv2D dg
                | Layer.ConvTranspose2D spec, LayerParams.Conv2D cp, LayerCache.Conv2D cc when first ->
                    LayerGrads.Conv2D (ConvTranspose2D.parameterGradients spec cp cc g)
                | Layer.ConvTranspose2D spec, LayerParams.Conv2D cp, LayerCache.Conv2D cc ->
                    let dx, dg = ConvTranspose2D.backward spec cp cc g
                    g <- dx
                    LayerGrads.Conv2D dg
                | Layer.Sequence _, LayerParams.Sequence (l, _), LayerCache.Sequence sc ->
                    let dx, dg = SequenceLayer.backwardWith (not first) l sc g
                    match dx with Some dx -> g <- dx | None -> ()
                    LayerGrads.Sequence dg
                | Layer.Embedding _, LayerParams.Embedding w, LayerCache.Input ids ->
                    let dW = Embedding.backward w ids g
                    // No gradient flows into token ids: nothing below an embedding can learn.
                    g <- Tensor.zeros ids.Shape
                    LayerGrads.Embedding dW
                | Layer.Dropout (keep, scaling), _, LayerCache.Dropout mask ->
                    if not first then g <- Dropout.gradient scaling keep mask g
                    LayerGrads.NoGrads
                | _, _, LayerCache.Input _ when first -> LayerGrads.NoGrads
                | Layer.MaxPool2D (kernel, stride), _, LayerCache.Input x ->
                    g <- MaxPool2d.backward kernel stride x g
                    LayerGrads.NoGrads
                | Layer.AvgPool2D (kernel, stride), _, LayerCache.Input x ->
                    g <- AvgPool2d.backward kernel stride x g
                    LayerGrads.NoGrads
                | Layer.Flatten, _, LayerCache.Input x ->
                    g <- Flatten.backward x g
                    LayerGrads.NoGrads
                | Layer.Reshape shape, _, LayerCache.Input x ->
                    g <- Reshape.backward shape x g
                    LayerGrads.NoGrads
                | _ -> raise (InvalidOperationException(sprintf "NeuralNetwork.backward: the trace does not belong to layer %A" layer)))
            |> List.rev
        g, grads

    /// From the trace of a forward pass and the loss gradient dy, the input gradient and
    /// each layer's parameter gradients in layer order.
    let backward (net: NeuralNetwork<'T>) (trace: Trace<'T>) (dy: Tensor<'T>) : Tensor<'T> * LayerGrads<'T> list =
        backwardLayers true ValueNone net trace dy

    /// The parameter gradients only: like `backward`, but without the first layer's input gradient.
    let parameterGradients (net: NeuralNetwork<'T>) (trace: Trace<'T>) (dy: Tensor<'T>) : LayerGrads<'T> list =
        backwardLayers false ValueNone net trace dy |> snd

    /// Buffers for the gradients of a step like `grads` (copies of them), for `trainBatchInto`.
    let internal gradientBuffers (grads: LayerGrads<'T> list) : GradientBuffers<'T> =
        grads |> List.map (function
            | LayerGrads.Dense g -> ValueSome (struct (TensorBuffer.Of g.dW, TensorBuffer.Of g.dB))
            | _ -> ValueNone)

    /// `trainBatch` writing the dense layers' gradients into the trainer's buffers, so that a step
    /// does not allocate its largest arrays afresh. Same arithmetic as `trainBatch`.
    let internal trainBatchInto (buffers: GradientBuffers<'T> voption) (rng: Rng) (net: NeuralNetwork<'T>) (x: Tensor<'T>) (y: Tensor<'T>) : BatchResult<'T> =
        Shape.checkSameBatch "NeuralNetwork.trainBatch" "x" x.Dims "y" y.Dims "y"
        let prediction, trace, net, rng = forwardTrain rng net x
        let loss = Loss.forwardWith net.Backend net.Loss prediction y
        let grads = backwardLayers false buffers net trace (Loss.backwardWith net.Backend net.Loss prediction y) |> snd
        { Loss = loss; Gradients = grads; Network = net; Rng = rng }

    /// One training batch: forward (with dropout masks from `rng`, initialising the network if
    /// needed), loss, backward. Pure: returns the loss, the gradients, the network and the generator.
    /// <exception cref="ShapeMismatchException">when x and y differ in rows or y does not fit the output.</exception>
    let trainBatch (rng: Rng) (net: NeuralNetwork<'T>) (x: Tensor<'T>) (y: Tensor<'T>) : BatchResult<'T> =
        trainBatchInto ValueNone rng net x y

    /// The loss of the network's predictions for x against y (inference mode). Sets of more rows
    /// than the backend's `EvaluationRows` are evaluated a chunk at a time, so memory stays
    /// bounded (every loss is a mean over rows, so the chunks' losses weighted by their rows give
    /// the whole set's).
    /// <exception cref="ShapeMismatchException">when x and y differ in rows.</exception>
    let loss (net: NeuralNetwork<'T>) (x: Tensor<'T>) (y: Tensor<'T>) : float =
        Shape.checkSameBatch "NeuralNetwork.loss" "x" x.Dims "y" y.Dims "y"
        let n = x.Dims.[0]
        let chunk = net.Backend.EvaluationRows
        if n <= chunk then Loss.forwardWith net.Backend net.Loss (forward net x) y
        else
            let mutable total = 0.0
            for start in 0 .. chunk .. n - 1 do
                let count = min chunk (n - start)
                let part = Loss.forwardWith net.Backend net.Loss (forward net (Tensor.sliceRows start count x)) (Tensor.sliceRows start count y)
                total <- total + part * float count
            total / float n

    /// The network's output for x, computed `EvaluationRows` rows at a time (inference mode).
    /// <exception cref="InvalidOperationException">when the network is not initialised.</exception>
    let predict (net: NeuralNetwork<'T>) (x: Tensor<'T>) : Tensor<'T> =
        Shape.checkRankAtLeast "NeuralNetwork.predict" "x" 1 x.Dims
        let n = x.Dims.[0]
        let chunk = net.Backend.EvaluationRows
        if n <= chunk then forward net x
        else
            let parts = [ for start in 0 .. chunk .. n - 1 -> forward net (Tensor.sliceRows start (min chunk (n - start)) x) ]
            let shape = Array.copy parts.Head.Dims
            shape.[0] <- n
            Tensor.wrap shape (parts |> List.map (fun t -> t.Data) |> Array.concat)

    let private tensorsOf (p: LayerParams<'T>) : Tensor<'T> list =
        match p with
        | LayerParams.Dense p -> [ p.W; p.B ]
        | LayerParams.Conv2D p -> p.W :: Option.toList p.B
        | LayerParams.Sequence (l, _) -> SequenceLayer.parameters l
        | LayerParams.Embedding w -> [ w ]
        | LayerParams.NoParams -> []

    /// Every parameter tensor in layer order (W then B for a dense or convolutional layer; a
    /// recurrent layer's cell then projection; an embedding's table; nothing for the others).
    /// <exception cref="InvalidOperationException">when the network is not initialised.</exception>
    let parameters (net: NeuralNetwork<'T>) : Tensor<'T> list =
        paramsOf "NeuralNetwork.parameters" net |> List.collect tensorsOf

    /// Every gradient tensor, in the order of `parameters`.
    let gradients (grads: LayerGrads<'T> list) : Tensor<'T> list =
        grads
        |> List.collect (function
            | LayerGrads.Dense g -> [ g.dW; g.dB ]
            | LayerGrads.Conv2D g -> g.dW :: Option.toList g.dB
            | LayerGrads.Sequence g -> SequenceLayer.gradients g
            | LayerGrads.Embedding g -> [ g ]
            | LayerGrads.NoGrads -> [])

    /// The network with new parameter tensors, given in the order of `parameters` (the
    /// recurrent layers keep their carried states).
    /// <exception cref="ShapeMismatchException">when a tensor's shape differs from the one it replaces.</exception>
    let withParameters (tensors: Tensor<'T> list) (net: NeuralNetwork<'T>) : NeuralNetwork<'T> =
        let op = "NeuralNetwork.withParameters"
        let ps = paramsOf op net
        let expected = ps |> List.sumBy (tensorsOf >> List.length)
        if tensors.Length <> expected then
            raise (ShapeMismatchException(op, sprintf "%d tensors" expected, sprintf "%d tensors" tensors.Length, "tensors"))
        let same (name: string) (old: Tensor<'T>) (t: Tensor<'T>) =
            Shape.checkSame op name old.Dims ("new " + name) t.Dims
            t
        let rec rebuild ps (ts: Tensor<'T> list) =
            match ps, ts with
            | [], _ -> []
            | LayerParams.Dense p :: rest, w :: b :: ts ->
                LayerParams.Dense { W = same "W" p.W w; B = same "B" p.B b } :: rebuild rest ts
            | LayerParams.Conv2D ({ B = Some b0 } as p) :: rest, w :: b :: ts ->
                LayerParams.Conv2D { W = same "W" p.W w; B = Some (same "B" b0 b) } :: rebuild rest ts
            | LayerParams.Conv2D ({ B = None } as p) :: rest, w :: ts ->
                LayerParams.Conv2D { W = same "W" p.W w; B = None } :: rebuild rest ts
            | LayerParams.Sequence (l, state) :: rest, ts ->
                let n = (SequenceLayer.parameters l).Length
                LayerParams.Sequence (SequenceLayer.withParameters l (List.take n ts), state) :: rebuild rest (List.skip n ts)
            | LayerParams.Embedding w0 :: rest, w :: ts -> LayerParams.Embedding (same "W" w0 w) :: rebuild rest ts
            | LayerParams.NoParams :: rest, ts -> LayerParams.NoParams :: rebuild rest ts
            | _ -> raise (ShapeMismatchException(op, "one tensor per parameter", "too few", "tensors"))
        { net with Params = Some (rebuild ps tensors) }

    /// The carried starting state of every recurrent layer (None for the other layers).
    /// <exception cref="InvalidOperationException">when the network is not initialised.</exception>
    let states (net: NeuralNetwork<'T>) : SequenceState<'T> option list =
        paramsOf "NeuralNetwork.states" net |> List.map (function LayerParams.Sequence (_, s) -> Some s | _ -> None)

    /// The network with new carried states for its recurrent layers (one entry per layer; None
    /// keeps a layer as it is).
    /// <exception cref="ShapeMismatchException">when the count or a state's shape does not fit.</exception>
    let withStates (states: SequenceState<'T> option list) (net: NeuralNetwork<'T>) : NeuralNetwork<'T> =
        let op = "NeuralNetwork.withStates"
        let ps = paramsOf op net
        if states.Length <> ps.Length then
            raise (ShapeMismatchException(op, sprintf "%d states, one per layer" ps.Length, sprintf "%d" states.Length, "states"))
        let ps =
            List.map2 (fun p s ->
                match p, s with
                | LayerParams.Sequence (l, old), Some (s: SequenceState<'T>) ->
                    Shape.checkSame op "state.H" old.H.Dims "new state.H" s.H.Dims
                    match old.C, s.C with
                    | Some a, Some b -> Shape.checkSame op "state.C" a.Dims "new state.C" b.Dims
                    | None, None -> ()
                    | _ -> raise (ShapeMismatchException(op, "a cell state exactly for an LSTM layer", "a state of another cell", "states"))
                    LayerParams.Sequence (l, s)
                | p, None -> p
                | _, Some _ -> raise (ShapeMismatchException(op, "states only for recurrent layers", "a state for another layer", "states"))) ps states
        { net with Params = Some ps }

    /// The network with every recurrent layer's carried state back at zero.
    let resetStates (net: NeuralNetwork<'T>) : NeuralNetwork<'T> =
        match net.Params with
        | None -> net
        | Some ps ->
            let ps = ps |> List.map (function LayerParams.Sequence (l, _) -> LayerParams.Sequence (l, SequenceLayer.initialState l) | p -> p)
            { net with Params = Some ps }

/// One row of a network's summary.
type LayerSummary =
    { /// The layer's kind and settings, e.g. "Dense(89, tanh)".
      Layer: string
      /// The layer's output shape for one sample (no batch dimension).
      OutputShape: int[]
      /// The number of its parameters (weights and biases; a carried state is not counted).
      Parameters: int64 }

/// A network's summary: what Keras's `model.summary()` prints.
[<RequireQualifiedAccess>]
module Summary =

    let private activation (a: Activation) = (string a).ToLowerInvariant()

    let private dropout (keep: float) = if keep < 1.0 then sprintf ", dropout %g" keep else ""

    /// A layer's kind and settings in one short line.
    let describe (layer: Layer) : string =
        match layer with
        | Layer.Dense s -> sprintf "Dense(%d, %s%s)" s.Neurons (activation s.Activation) (dropout s.KeepProbability)
        | Layer.Conv2D s ->
            sprintf "Conv2D(%d, %dx%d, %s, stride %d, padding %d%s%s)" s.Filters s.KernelSize s.KernelSize (activation s.Activation)
                s.Geometry.Stride s.Geometry.Padding (if s.Flatten then ", flatten" else "") (dropout s.KeepProbability)
        | Layer.ConvTranspose2D s ->
            sprintf "ConvTranspose2D(%d, %dx%d, %s, stride %d, padding %d, output padding %d)" s.Filters s.KernelSize s.KernelSize
                (activation s.Activation) s.Geometry.Conv.Stride s.Geometry.Conv.Padding s.Geometry.OutputPadding
        | Layer.MaxPool2D (k, st) -> sprintf "MaxPool2D(%dx%d, stride %d)" k k st
        | Layer.AvgPool2D (k, st) -> sprintf "AvgPool2D(%dx%d, stride %d)" k k st
        | Layer.Flatten -> "Flatten"
        | Layer.Reshape shape -> sprintf "Reshape(%s)" (Shape.format shape)
        | Layer.Dropout (keep, _) -> sprintf "Dropout(keep %g)" keep
        | Layer.Sequence s ->
            sprintf "%O(%d, %s%s%s)" s.Kind s.Hidden (if s.ReturnSequences then "every step" else "last step")
                (match s.Outputs with Some o -> sprintf ", projection %d" o | None -> "")
                (if s.CarryState then ", carried state" else "")
        | Layer.Embedding (v, d) -> sprintf "Embedding(%d tokens, %d dimensions)" v d

    /// One row per layer for samples of the given shape (no batch dimension), from the layers'
    /// descriptions alone (nothing is drawn or allocated).
    /// <exception cref="ShapeMismatchException">when a layer cannot take the shape that reaches it.</exception>
    let ofNetwork (net: NeuralNetwork<'T>) (inputShape: int[]) : LayerSummary list =
        let input = Array.append [| 1 |] inputShape
        let outputs = NeuralNetwork.outputShapes net input
        let parameters = NeuralNetwork.parameterShapes net input
        List.zip3 net.Layers outputs parameters
        |> List.map (fun (layer, out, ps) ->
            { Layer = describe layer; OutputShape = out.[1..]
              Parameters = ps |> List.sumBy (fun (_, shape) -> shape |> Array.fold (fun n d -> Checked.(*) n (int64 d)) 1L) })

    /// The summary as a table: layer, output shape, parameters, then the total.
    let format (rows: LayerSummary list) : string =
        let cells = [ for r in rows -> r.Layer, Shape.format r.OutputShape, r.Parameters.ToString("N0", Globalization.CultureInfo.InvariantCulture) ]
        let total = (rows |> List.sumBy (fun r -> r.Parameters)).ToString("N0", Globalization.CultureInfo.InvariantCulture)
        let w1 = cells |> List.fold (fun m (a, _, _) -> max m a.Length) "layer".Length
        let w2 = cells |> List.fold (fun m (_, b, _) -> max m b.Length) "output shape".Length
        let w3 = cells |> List.fold (fun m (_, _, c) -> max m c.Length) (max "parameters".Length total.Length)
        let line (a: string) (b: string) (c: string) = a.PadRight w1 + "  " + b.PadRight w2 + "  " + c.PadLeft w3
        let rule = String('-', w1 + w2 + w3 + 4)
        String.Join("\n", [ yield line "layer" "output shape" "parameters"; yield rule
                            for a, b, c in cells -> line a b c
                            yield rule; yield line "total" "" total ])
