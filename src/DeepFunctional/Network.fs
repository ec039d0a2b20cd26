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

    /// Draws every layer's parameters for inputs shaped like x ([batch; features]). Returns the
    /// network and the generator that training goes on with (unchanged, except in book seeding).
    let initialise (x: Tensor<'T>) (rng: Rng) (net: NeuralNetwork<'T>) : NeuralNetwork<'T> * Rng =
        Shape.checkRank "NeuralNetwork.initialise" "input" 2 x.Dims
        let mutable inputs = x.Dims.[1]
        let mutable layerRng = Rng.seed net.Seed
        let ps =
            [ for layer in net.Layers do
                match layer with
                | Layer.Dense spec ->
                    if net.Seeding = Seeding.Book then layerRng <- Rng.seed net.Seed
                    let p, r = Dense.init spec inputs layerRng
                    layerRng <- r
                    inputs <- spec.Neurons
                    yield LayerParams.Dense p ]
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

    /// x: [batch; features] -> [batch; outputs] (inference).
    let forward (net: NeuralNetwork<'T>) (x: Tensor<'T>) = forwardTrace net x |> fst

    /// From the trace of a forward pass and the loss gradient dy, the input gradient and
    /// each layer's parameter gradients in layer order.
    let backward (net: NeuralNetwork<'T>) (trace: Trace<'T>) (dy: Tensor<'T>) : Tensor<'T> * LayerGrads<'T> list =
        let ps = paramsOf "NeuralNetwork.backward" net
        let mutable g = dy
        let grads =
            List.zip3 net.Layers ps trace.Caches
            |> List.rev
            |> List.map (fun (layer, p, c) ->
                match layer, p, c with
                | Layer.Dense spec, LayerParams.Dense dp, LayerCache.Dense dc ->
                    let dx, dg = Dense.backward spec dp dc g
                    g <- dx
                    LayerGrads.Dense dg)
            |> List.rev
        g, grads

    /// One batch: forward, loss, backward. Returns the loss and the parameter gradients.
    /// <exception cref="ShapeMismatchException">when x and y differ in rows or y does not fit the output.</exception>
    let trainBatch (net: NeuralNetwork<'T>) (x: Tensor<'T>) (y: Tensor<'T>) : float * LayerGrads<'T> list =
        Shape.checkSameRows "NeuralNetwork.trainBatch" "x" x.Dims "y" y.Dims
        let prediction, trace = forwardTrace net x
        let loss = Loss.forward net.Loss prediction y
        let _, grads = backward net trace (Loss.backward net.Loss prediction y)
        loss, grads

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
