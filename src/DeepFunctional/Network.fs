namespace DeepFunctional

open System

/// A layer of a network: its description, without parameters.
[<RequireQualifiedAccess>]
type Layer =
    /// A dense layer: [batch; features] -> [batch; neurons].
    | Dense of DenseSpec
    /// A convolutional layer: [batch; channels; h; w] -> [batch; filters; h'; w'] (or flattened).
    | Conv2D of Conv2DSpec
    /// Max pooling over kernel×kernel windows moved by stride: [batch; c; h; w] -> [batch; c; h'; w'].
    | MaxPool2D of kernel: int * stride: int
    /// Average pooling over kernel×kernel windows moved by stride: [batch; c; h; w] -> [batch; c; h'; w'].
    | AvgPool2D of kernel: int * stride: int
    /// Reshapes [batch; ...] to [batch; rest].
    | Flatten

/// The parameters of one layer.
[<RequireQualifiedAccess>]
type LayerParams<'T> =
    /// A dense layer's W and B.
    | Dense of DenseParams<'T>
    /// A convolutional layer's kernels and optional bias.
    | Conv2D of Conv2DParams<'T>
    /// A layer without parameters (pooling, flatten).
    | NoParams

/// The parameter gradients of one layer.
[<RequireQualifiedAccess>]
type LayerGrads<'T> =
    /// A dense layer's dW and dB.
    | Dense of DenseGrads<'T>
    /// A convolutional layer's dW and optional dB.
    | Conv2D of Conv2DGrads<'T>
    /// A layer without parameters.
    | NoGrads

/// What one layer's forward pass saw.
[<RequireQualifiedAccess>]
type LayerCache<'T> =
    /// A dense layer's input, affine result and output.
    | Dense of DenseCache<'T>
    /// A convolutional layer's input, convolution, activation and output.
    | Conv2D of Conv2DCache<'T>
    /// The input of a layer without parameters.
    | Input of Tensor<'T>

/// How layers draw their initial parameters.
[<RequireQualifiedAccess>]
type Seeding =
    /// One generator seeded with the network's seed; layers draw from it in order, so
    /// each layer gets different numbers; the training generator is left alone.
    | PerNetwork
    /// The book's order: every layer re-seeds the generator with the network's seed when
    /// it first sees data, and training goes on from the stream after the last layer.
    | Book

/// A neural network: layers, a loss, a seed, and the parameters once initialised.
type NeuralNetwork<'T> =
    { /// The layers, input first.
      Layers: Layer list
      /// The loss it is trained on.
      Loss: Loss
      /// The seed its layers draw their parameters with.
      Seed: int64
      /// How the seed is used.
      Seeding: Seeding
      /// How it rounds: ours, or NumPy's (for book-identical runs).
      Arithmetic: Arithmetic
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
      /// The network, initialised if it was not.
      Network: NeuralNetwork<'T>
      /// The generator after the batch's draws (dropout masks; in book seeding, layer setup).
      Rng: Rng }

/// Functions over networks; all pure.
[<RequireQualifiedAccess>]
module NeuralNetwork =

    /// A network with the given layers, loss and seed; parameters are drawn on the first batch.
    /// <exception cref="InvalidValueException">when there is no layer or the seed is outside 0..2³²−1.</exception>
    let create (layers: Layer list) (loss: Loss) (seed: int64) : NeuralNetwork<'T> =
        if List.isEmpty layers then
            raise (InvalidValueException("NeuralNetwork.create", "at least one layer", "none"))
        if seed < 0L || seed > int64 UInt32.MaxValue then
            raise (InvalidValueException("NeuralNetwork.create", "a seed in 0..4294967295", string seed))
        { Layers = layers; Loss = loss; Seed = seed; Seeding = Seeding.PerNetwork; Arithmetic = Arithmetic.Fast; Params = None }

    /// The same network with the given seeding.
    let withSeeding (seeding: Seeding) (net: NeuralNetwork<'T>) = { net with Seeding = seeding }

    /// The same network computing in the given arithmetic. `Arithmetic.NumPy` is defined for
    /// double precision and networks of dense layers.
    /// <exception cref="InvalidValueException">when NumPy arithmetic is asked of single precision or of a network with other layers.</exception>
    let withArithmetic (arithmetic: Arithmetic) (net: NeuralNetwork<'T>) : NeuralNetwork<'T> =
        if arithmetic = Arithmetic.NumPy then
            if typeof<'T> <> typeof<float> then
                raise (InvalidValueException("NeuralNetwork.withArithmetic", "double precision for NumPy arithmetic", typeof<'T>.Name))
            match net.Layers |> List.tryFind (function Layer.Dense _ -> false | _ -> true) with
            | Some other -> raise (InvalidValueException("NeuralNetwork.withArithmetic", "only Dense layers for NumPy arithmetic", sprintf "%A" other))
            | None -> ()
        { net with Arithmetic = arithmetic }

    /// True once the parameters have been drawn.
    let isInitialised (net: NeuralNetwork<'T>) = net.Params.IsSome

    /// The same network with its parameters dropped (drawn again on the next batch).
    let reset (net: NeuralNetwork<'T>) = { net with Params = None }

    let private checkPool (op: string) (kernel: int) (stride: int) =
        if kernel < 1 then raise (InvalidValueException(op, "a pooling kernel of at least 1", string kernel))
        if stride < 1 then raise (InvalidValueException(op, "a pooling stride of at least 1", string stride))

    /// The output shape of a layer for an input shape (checking that the layer accepts it).
    let private outputShape (op: string) (layer: Layer) (input: int[]) : int[] =
        match layer with
        | Layer.Dense spec ->
            Shape.checkRank op "input of a Dense layer" 2 input
            [| input.[0]; spec.Neurons |]
        | Layer.Conv2D spec -> Conv2D.outputShape spec input
        | Layer.MaxPool2D (kernel, stride)
        | Layer.AvgPool2D (kernel, stride) ->
            checkPool op kernel stride
            Shape.checkRank op "input of a pooling layer" 4 input
            if kernel > input.[2] || kernel > input.[3] then
                raise (InvalidValueException(op, sprintf "a pooling kernel no larger than the image (%dx%d)" input.[2] input.[3], string kernel))
            [| input.[0]; input.[1]; (input.[2] - kernel) / stride + 1; (input.[3] - kernel) / stride + 1 |]
        | Layer.Flatten ->
            Shape.checkRankAtLeast op "input" 2 input
            [| input.[0]; Shape.count input / max 1 input.[0] |]

    let private initLayer (layer: Layer) (input: int[]) (rng: Rng) : LayerParams<'T> * Rng =
        match layer with
        | Layer.Dense spec ->
            Shape.checkRank "NeuralNetwork.initialise" "input of a Dense layer" 2 input
            let p, rng = Dense.init spec input.[1] rng
            LayerParams.Dense p, rng
        | Layer.Conv2D spec ->
            Shape.checkRank "NeuralNetwork.initialise" "input of a Conv2D layer" 4 input
            let p, rng = Conv2D.init spec input.[1] rng
            LayerParams.Conv2D p, rng
        | Layer.MaxPool2D _ | Layer.AvgPool2D _ | Layer.Flatten -> LayerParams.NoParams, rng

    /// Draws every layer's parameters for inputs shaped like x ([batch; features], or
    /// [batch; channels; h; w] for a convolutional first layer). Returns the network and the
    /// generator that training goes on with (unchanged, except in book seeding).
    /// (Training initialises lazily by itself; see `trainBatch`.)
    /// <exception cref="ShapeMismatchException">when a layer cannot take the shape that reaches it.</exception>
    let initialise (x: Tensor<'T>) (rng: Rng) (net: NeuralNetwork<'T>) : NeuralNetwork<'T> * Rng =
        Shape.checkRankAtLeast "NeuralNetwork.initialise" "input" 2 x.Dims
        let mutable shape = x.Shape
        let mutable layerRng = Rng.seed net.Seed
        let ps =
            [ for layer in net.Layers do
                if net.Seeding = Seeding.Book then layerRng <- Rng.seed net.Seed
                let p, r = initLayer layer shape layerRng
                layerRng <- r
                shape <- outputShape "NeuralNetwork.initialise" layer shape
                yield p ]
        { net with Params = Some ps }, (if net.Seeding = Seeding.Book then layerRng else rng)

    let private paramsOf (op: string) (net: NeuralNetwork<'T>) =
        match net.Params with
        | Some ps -> ps
        | None -> raise (InvalidOperationException(sprintf "%s: the network has no parameters yet; train it or call NeuralNetwork.initialise first" op))

    /// One layer's inference pass.
    let private layerForward (arithmetic: Arithmetic) (layer: Layer) (p: LayerParams<'T>) (h: Tensor<'T>) : Tensor<'T> * LayerCache<'T> =
        match layer, p with
        | Layer.Dense spec, LayerParams.Dense dp ->
            let y, c = Dense.forwardIn arithmetic spec dp h
            y, LayerCache.Dense c
        | Layer.Conv2D spec, LayerParams.Conv2D cp ->
            let y, c = Conv2D.forward spec cp h
            y, LayerCache.Conv2D c
        | Layer.MaxPool2D (kernel, stride), _ -> MaxPool2d.forward kernel stride h, LayerCache.Input h
        | Layer.AvgPool2D (kernel, stride), _ -> AvgPool2d.forward kernel stride h, LayerCache.Input h
        | Layer.Flatten, _ -> Flatten.forward h, LayerCache.Input h
        | _ -> raise (InvalidOperationException(sprintf "NeuralNetwork: the parameters of layer %A do not belong to it" layer))

    /// One layer's training pass (dropout masks from the generator).
    let private layerForwardTrain (arithmetic: Arithmetic) (layer: Layer) (p: LayerParams<'T>) (rng: Rng) (h: Tensor<'T>) : Tensor<'T> * LayerCache<'T> * Rng =
        match layer, p with
        | Layer.Dense spec, LayerParams.Dense dp ->
            let y, c, rng = Dense.forwardTrainIn arithmetic spec dp rng h
            y, LayerCache.Dense c, rng
        | Layer.Conv2D spec, LayerParams.Conv2D cp ->
            let y, c, rng = Conv2D.forwardTrain spec cp rng h
            y, LayerCache.Conv2D c, rng
        | _ ->
            let y, c = layerForward arithmetic layer p h
            y, c, rng

    /// x: [batch; ...] -> (output, the trace backward needs).
    /// <exception cref="InvalidOperationException">when the network is not initialised.</exception>
    let forwardTrace (net: NeuralNetwork<'T>) (x: Tensor<'T>) : Tensor<'T> * Trace<'T> =
        let ps = paramsOf "NeuralNetwork.forward" net
        Shape.checkRankAtLeast "NeuralNetwork.forward" "input" 2 x.Dims
        let mutable h = x
        let caches =
            [ for layer, p in List.zip net.Layers ps do
                let y, c = layerForward net.Arithmetic layer p h
                h <- y
                yield c ]
        h, { Caches = caches }

    /// Training forward pass: x: [batch; features] -> (output, trace, network, generator).
    /// Dropout masks come from `rng`. An uninitialised network draws each layer's parameters
    /// when the data reaches it, as the book's layers do: in book seeding a layer re-seeds the
    /// generator with the network seed, draws W and B, and the masks and later draws continue
    /// from that stream; otherwise layers draw from their own generator seeded once.
    let forwardTrain (rng: Rng) (net: NeuralNetwork<'T>) (x: Tensor<'T>) : Tensor<'T> * Trace<'T> * NeuralNetwork<'T> * Rng =
        Shape.checkRankAtLeast "NeuralNetwork.forward" "input" 2 x.Dims
        let mutable rng = rng
        let mutable layerRng = Rng.seed net.Seed
        let mutable h = x
        let steps =
            [ for i, layer in List.indexed net.Layers do
                let p =
                    match net.Params with
                    | Some ps -> ps.[i]
                    | None when net.Seeding = Seeding.Book ->
                        // Layers without parameters draw nothing and leave the stream alone.
                        match layer with
                        | Layer.Dense _ | Layer.Conv2D _ ->
                            let p, r = initLayer layer h.Dims (Rng.seed net.Seed)
                            rng <- r
                            p
                        | _ -> LayerParams.NoParams
                    | None ->
                        let p, r = initLayer layer h.Dims layerRng
                        layerRng <- r
                        p
                let y, c, r = layerForwardTrain net.Arithmetic layer p rng h
                rng <- r
                h <- y
                yield p, c ]
        h, { Caches = List.map snd steps }, { net with Params = Some (List.map fst steps) }, rng

    /// x: [batch; ...] -> the network's output (inference).
    let forward (net: NeuralNetwork<'T>) (x: Tensor<'T>) = forwardTrace net x |> fst

    /// The backward pass, last layer first. The first layer's input gradient, which training
    /// never uses, is computed only when asked for (otherwise dy comes back in its place).
    /// `reuse`, when given, holds gradients of the same network whose buffers may be
    /// overwritten (the trainer's previous step).
    let private backwardLayers (withInputGradient: bool) (reuse: LayerGrads<'T> list voption) (net: NeuralNetwork<'T>) (trace: Trace<'T>) (dy: Tensor<'T>) =
        let ps = paramsOf "NeuralNetwork.backward" net
        let recycled =
            match reuse with
            | ValueSome gs when gs.Length = ps.Length -> gs |> List.map (function LayerGrads.Dense g -> ValueSome g | _ -> ValueNone)
            | _ -> List.replicate ps.Length ValueNone
        let mutable g = dy
        let grads =
            List.zip3 net.Layers ps (List.zip trace.Caches recycled)
            |> List.indexed
            |> List.rev
            |> List.map (fun (i, (layer, p, (c, old))) ->
                let first = i = 0 && not withInputGradient
                match layer, p, c with
                | Layer.Dense spec, LayerParams.Dense dp, LayerCache.Dense dc when first ->
                    LayerGrads.Dense (Dense.gradientsReusing net.Arithmetic old spec dp dc g |> snd)
                | Layer.Dense spec, LayerParams.Dense dp, LayerCache.Dense dc ->
                    let dx, dg = Dense.backwardReusing net.Arithmetic old spec dp dc g
                    g <- dx
                    LayerGrads.Dense dg
                | Layer.Conv2D spec, LayerParams.Conv2D cp, LayerCache.Conv2D cc when first ->
                    LayerGrads.Conv2D (Conv2D.parameterGradients spec cp cc g)
                | Layer.Conv2D spec, LayerParams.Conv2D cp, LayerCache.Conv2D cc ->
                    let dx, dg = Conv2D.backward spec cp cc g
                    g <- dx
                    LayerGrads.Conv2D dg
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

    /// `trainBatch` writing the gradients into the buffers of `reuse` (gradients of the same
    /// network that nobody else holds: the trainer's previous step), so that a step does not
    /// allocate its largest arrays afresh. Same arithmetic as `trainBatch`.
    let internal trainBatchReusing (reuse: LayerGrads<'T> list voption) (rng: Rng) (net: NeuralNetwork<'T>) (x: Tensor<'T>) (y: Tensor<'T>) : BatchResult<'T> =
        Shape.checkSameRows "NeuralNetwork.trainBatch" "x" x.Dims "y" y.Dims
        let prediction, trace, net, rng = forwardTrain rng net x
        let loss = Loss.forwardIn net.Arithmetic net.Loss prediction y
        let grads = backwardLayers false reuse net trace (Loss.backwardIn net.Arithmetic net.Loss prediction y) |> snd
        { Loss = loss; Gradients = grads; Network = net; Rng = rng }

    /// One training batch: forward (with dropout masks from `rng`, initialising the network if
    /// needed), loss, backward. Pure: returns the loss, the gradients, the network and the generator.
    /// <exception cref="ShapeMismatchException">when x and y differ in rows or y does not fit the output.</exception>
    let trainBatch (rng: Rng) (net: NeuralNetwork<'T>) (x: Tensor<'T>) (y: Tensor<'T>) : BatchResult<'T> =
        trainBatchReusing ValueNone rng net x y

    /// Rows per forward pass when `loss` evaluates a large set.
    [<Literal>]
    let LossChunkRows = 1000

    /// The loss of the network's predictions for x against y (inference mode). Sets of more than
    /// `LossChunkRows` rows are evaluated a chunk at a time, so memory stays bounded.
    let loss (net: NeuralNetwork<'T>) (x: Tensor<'T>) (y: Tensor<'T>) : float =
        Shape.checkSameRows "NeuralNetwork.loss" "x" x.Dims "y" y.Dims
        let n = x.Dims.[0]
        // NumPy arithmetic sums the whole set's loss at once, as the book does (dense layers
        // only, so the activations are small).
        if n <= LossChunkRows || net.Arithmetic = Arithmetic.NumPy then Loss.forwardIn net.Arithmetic net.Loss (forward net x) y
        else
            // Every loss is a mean over rows, so the chunks' losses weighted by their rows give
            // the whole set's; a forward pass over 10,000 images at once held gigabytes of
            // activations (chapter 5's convolutions).
            let mutable total = 0.0
            for start in 0 .. LossChunkRows .. n - 1 do
                let count = min LossChunkRows (n - start)
                let chunk = Loss.forward net.Loss (forward net (Tensor.sliceRows start count x)) (Tensor.sliceRows start count y)
                total <- total + chunk * float count
            total / float n

    let private tensorsOf (p: LayerParams<'T>) : Tensor<'T> list =
        match p with
        | LayerParams.Dense p -> [ p.W; p.B ]
        | LayerParams.Conv2D p -> p.W :: Option.toList p.B
        | LayerParams.NoParams -> []

    /// Every parameter tensor in layer order (W then B for a dense or convolutional layer;
    /// nothing for pooling and flatten).
    let parameters (net: NeuralNetwork<'T>) : Tensor<'T> list =
        paramsOf "NeuralNetwork.parameters" net |> List.collect tensorsOf

    /// Every gradient tensor, in the order of `parameters`.
    let gradients (grads: LayerGrads<'T> list) : Tensor<'T> list =
        grads
        |> List.collect (function
            | LayerGrads.Dense g -> [ g.dW; g.dB ]
            | LayerGrads.Conv2D g -> g.dW :: Option.toList g.dB
            | LayerGrads.NoGrads -> [])

    /// The network with new parameter tensors, given in the order of `parameters`.
    /// <exception cref="ShapeMismatchException">when a tensor's shape differs from the one it replaces.</exception>
    let withParameters (tensors: Tensor<'T> list) (net: NeuralNetwork<'T>) : NeuralNetwork<'T> =
        let op = "NeuralNetwork.withParameters"
        let ps = paramsOf op net
        let expected = ps |> List.sumBy (tensorsOf >> List.length)
        if tensors.Length <> expected then
            raise (ShapeMismatchException(op, sprintf "%d tensors" expected, sprintf "%d tensors" tensors.Length))
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
            | LayerParams.NoParams :: rest, ts -> LayerParams.NoParams :: rebuild rest ts
            | _ -> raise (ShapeMismatchException(op, "one tensor per parameter", "too few"))
        { net with Params = Some (rebuild ps tensors) }
