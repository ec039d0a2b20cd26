namespace DeepFunctional

open System

/// A layer of a network: its description, without parameters.
[<RequireQualifiedAccess>]
type Layer =
    /// A dense layer.
    | Dense of DenseSpec

/// The parameters of one layer.
[<RequireQualifiedAccess>]
type LayerParams<'T> =
    /// A dense layer's W and B.
    | Dense of DenseParams<'T>

/// The parameter gradients of one layer.
[<RequireQualifiedAccess>]
type LayerGrads<'T> =
    /// A dense layer's dW and dB.
    | Dense of DenseGrads<'T>

/// What one layer's forward pass saw.
[<RequireQualifiedAccess>]
type LayerCache<'T> =
    /// A dense layer's input, affine result and output.
    | Dense of DenseCache<'T>

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
        { Layers = layers; Loss = loss; Seed = seed; Seeding = Seeding.PerNetwork; Params = None }

    /// The same network with the given seeding.
    let withSeeding (seeding: Seeding) (net: NeuralNetwork<'T>) = { net with Seeding = seeding }

    /// True once the parameters have been drawn.
    let isInitialised (net: NeuralNetwork<'T>) = net.Params.IsSome

    /// The same network with its parameters dropped (drawn again on the next batch).
    let reset (net: NeuralNetwork<'T>) = { net with Params = None }

    let private outputsOf (layer: Layer) =
        match layer with
        | Layer.Dense spec -> spec.Neurons

    let private initLayer (layer: Layer) (inputs: int) (rng: Rng) : LayerParams<'T> * Rng =
        match layer with
        | Layer.Dense spec ->
            let p, rng = Dense.init spec inputs rng
            LayerParams.Dense p, rng

    /// Draws every layer's parameters for inputs shaped like x ([batch; features]). Returns the
    /// network and the generator that training goes on with (unchanged, except in book seeding).
    /// (Training initialises lazily by itself; see `trainBatch`.)
    let initialise (x: Tensor<'T>) (rng: Rng) (net: NeuralNetwork<'T>) : NeuralNetwork<'T> * Rng =
        Shape.checkRank "NeuralNetwork.initialise" "input" 2 x.Dims
        let mutable inputs = x.Dims.[1]
        let mutable layerRng = Rng.seed net.Seed
        let ps =
            [ for layer in net.Layers do
                if net.Seeding = Seeding.Book then layerRng <- Rng.seed net.Seed
                let p, r = initLayer layer inputs layerRng
                layerRng <- r
                inputs <- outputsOf layer
                yield p ]
        { net with Params = Some ps }, (if net.Seeding = Seeding.Book then layerRng else rng)

    let private paramsOf (op: string) (net: NeuralNetwork<'T>) =
        match net.Params with
        | Some ps -> ps
        | None -> raise (InvalidOperationException(sprintf "%s: the network has no parameters yet; train it or call NeuralNetwork.initialise first" op))

    /// x: [batch; features] -> (output: [batch; outputs], the trace backward needs).
    /// <exception cref="InvalidOperationException">when the network is not initialised.</exception>
    let forwardTrace (net: NeuralNetwork<'T>) (x: Tensor<'T>) : Tensor<'T> * Trace<'T> =
        let ps = paramsOf "NeuralNetwork.forward" net
        let mutable h = x
        let caches =
            [ for layer, p in List.zip net.Layers ps do
                match layer, p with
                | Layer.Dense spec, LayerParams.Dense dp ->
                    let y, c = Dense.forward spec dp h
                    h <- y
                    yield LayerCache.Dense c ]
        h, { Caches = caches }

    /// Training forward pass: x: [batch; features] -> (output, trace, network, generator).
    /// Dropout masks come from `rng`. An uninitialised network draws each layer's parameters
    /// when the data reaches it, as the book's layers do: in book seeding a layer re-seeds the
    /// generator with the network seed, draws W and B, and the masks and later draws continue
    /// from that stream; otherwise layers draw from their own generator seeded once.
    let forwardTrain (rng: Rng) (net: NeuralNetwork<'T>) (x: Tensor<'T>) : Tensor<'T> * Trace<'T> * NeuralNetwork<'T> * Rng =
        Shape.checkRank "NeuralNetwork.forward" "input" 2 x.Dims
        let mutable rng = rng
        let mutable layerRng = Rng.seed net.Seed
        let mutable h = x
        let steps =
            [ for i, layer in List.indexed net.Layers do
                let p =
                    match net.Params with
                    | Some ps -> ps.[i]
                    | None when net.Seeding = Seeding.Book ->
                        let p, r = initLayer layer h.Dims.[1] (Rng.seed net.Seed)
                        rng <- r
                        p
                    | None ->
                        let p, r = initLayer layer h.Dims.[1] layerRng
                        layerRng <- r
                        p
                match layer, p with
                | Layer.Dense spec, LayerParams.Dense dp ->
                    let y, c, r = Dense.forwardTrain spec dp rng h
                    rng <- r
                    h <- y
                    yield p, LayerCache.Dense c ]
        h, { Caches = List.map snd steps }, { net with Params = Some (List.map fst steps) }, rng

    /// x: [batch; features] -> [batch; outputs] (inference).
    let forward (net: NeuralNetwork<'T>) (x: Tensor<'T>) = forwardTrace net x |> fst

    /// The backward pass, last layer first. The first layer's input gradient, which training
    /// never uses, is computed only when asked for (otherwise dy comes back in its place).
    /// `reuse`, when given, holds gradients of the same network whose buffers may be
    /// overwritten (the trainer's previous step).
    let private backwardLayers (withInputGradient: bool) (reuse: LayerGrads<'T> list voption) (net: NeuralNetwork<'T>) (trace: Trace<'T>) (dy: Tensor<'T>) =
        let ps = paramsOf "NeuralNetwork.backward" net
        let recycled =
            match reuse with
            | ValueSome gs when gs.Length = ps.Length -> gs |> List.map (function LayerGrads.Dense g -> ValueSome g)
            | _ -> List.replicate ps.Length ValueNone
        let mutable g = dy
        let grads =
            List.zip3 net.Layers ps (List.zip trace.Caches recycled)
            |> List.indexed
            |> List.rev
            |> List.map (fun (i, (layer, p, (c, old))) ->
                match layer, p, c with
                | Layer.Dense spec, LayerParams.Dense dp, LayerCache.Dense dc when i = 0 && not withInputGradient ->
                    LayerGrads.Dense (Dense.gradientsReusing old spec dp dc g |> snd)
                | Layer.Dense spec, LayerParams.Dense dp, LayerCache.Dense dc ->
                    let dx, dg = Dense.backwardReusing old spec dp dc g
                    g <- dx
                    LayerGrads.Dense dg)
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
        let loss = Loss.forward net.Loss prediction y
        let grads = backwardLayers false reuse net trace (Loss.backward net.Loss prediction y) |> snd
        { Loss = loss; Gradients = grads; Network = net; Rng = rng }

    /// One training batch: forward (with dropout masks from `rng`, initialising the network if
    /// needed), loss, backward. Pure: returns the loss, the gradients, the network and the generator.
    /// <exception cref="ShapeMismatchException">when x and y differ in rows or y does not fit the output.</exception>
    let trainBatch (rng: Rng) (net: NeuralNetwork<'T>) (x: Tensor<'T>) (y: Tensor<'T>) : BatchResult<'T> =
        trainBatchReusing ValueNone rng net x y

    /// The loss of the network's predictions for x against y.
    let loss (net: NeuralNetwork<'T>) (x: Tensor<'T>) (y: Tensor<'T>) : float =
        Shape.checkSameRows "NeuralNetwork.loss" "x" x.Dims "y" y.Dims
        Loss.forward net.Loss (forward net x) y

    /// Every parameter tensor in layer order (W then B for a dense layer).
    let parameters (net: NeuralNetwork<'T>) : Tensor<'T> list =
        paramsOf "NeuralNetwork.parameters" net
        |> List.collect (function LayerParams.Dense p -> [ p.W; p.B ])

    /// Every gradient tensor, in the order of `parameters`.
    let gradients (grads: LayerGrads<'T> list) : Tensor<'T> list =
        grads |> List.collect (function LayerGrads.Dense g -> [ g.dW; g.dB ])

    /// The network with new parameter tensors, given in the order of `parameters`.
    /// <exception cref="ShapeMismatchException">when a tensor's shape differs from the one it replaces.</exception>
    let withParameters (tensors: Tensor<'T> list) (net: NeuralNetwork<'T>) : NeuralNetwork<'T> =
        let ps = paramsOf "NeuralNetwork.withParameters" net
        let expected = List.sumBy (function LayerParams.Dense _ -> 2) ps
        if tensors.Length <> expected then
            raise (ShapeMismatchException("NeuralNetwork.withParameters", sprintf "%d tensors" expected, sprintf "%d tensors" tensors.Length))
        let rec rebuild ps ts =
            match ps, ts with
            | [], _ -> []
            | LayerParams.Dense p :: rest, w :: b :: ts ->
                Shape.checkSame "NeuralNetwork.withParameters" "W" p.W.Dims "new W" (w: Tensor<'T>).Dims
                Shape.checkSame "NeuralNetwork.withParameters" "B" p.B.Dims "new B" (b: Tensor<'T>).Dims
                LayerParams.Dense { W = w; B = b } :: rebuild rest ts
            | _ -> raise (ShapeMismatchException("NeuralNetwork.withParameters", "one tensor per parameter", "too few"))
        { net with Params = Some (rebuild ps tensors) }
