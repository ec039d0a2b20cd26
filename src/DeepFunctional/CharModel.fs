namespace DeepFunctional

open System
open System.IO
open System.Numerics
open System.Threading

/// A character-level language model (the book's `RNNModel`): a network of recurrent layers
/// over one-hot characters, the last layer's outputs the logits of the next character at every
/// step, with the vocabulary that maps characters to one-hot positions.
type CharModel<'T> =
    { /// The symbols, sorted and distinct; a character's index is its one-hot position.
      Vocabulary: char[]
      /// The network: [batch; seq; V] one-hot characters -> [batch; seq; V] logits, its
      /// recurrent layers carrying their starting states from batch to batch.
      Network: NeuralNetwork<'T> }

/// The settings of `CharModel.train` (the book's `RNNTrainer`).
type CharTraining =
    { /// Windows per batch.
      BatchSize: int
      /// Characters per window (time steps).
      SequenceLength: int
      /// Optimizer steps to take.
      Iterations: int
      /// Draw a sample of generated text every this many iterations (0 for never).
      SampleEvery: int
      /// Characters per sample.
      SampleLength: int
      /// Softmax temperature of the samples (1 samples the model's own distribution).
      Temperature: float
      /// The seed of the generator that draws the samples.
      SampleSeed: int64
      /// The loss over every step. `CharModel.sumLoss` (the default) has the book's gradient
      /// p − y and is reported divided by the number of predictions, in nats per character;
      /// `CharModel.meanLoss` divides the gradient too. With AdaGrad, whose update does not depend
      /// on the gradient's scale except through its eps, the sum keeps eps as small beside the
      /// squared gradients as it is in the book.
      Loss: Loss }

/// What `CharModel.train` reports as it goes.
[<RequireQualifiedAccess>]
type CharTrainingEvent =
    /// After every iteration (1-based): the mean loss of the last 100 iterations (fewer at first).
    | Iteration of iteration: int * movingAverageLoss: float
    /// Generated text after the given iteration.
    | Sample of iteration: int * text: string

/// What `CharModel.train` returns.
type CharTrainingResult<'T> =
    { /// The trained model, its carried states those after the last batch.
      Model: CharModel<'T>
      /// The loss of every iteration, in nats per character (or the custom loss's scale).
      Losses: float[]
      /// The moving average of the last 100 losses after every iteration.
      MovingAverages: float[] }

/// Character-level models: vocabulary, one-hot windows, training through the common `Trainer`
/// with the book's window batches, sampling, and a versioned file format.
[<RequireQualifiedAccess>]
module CharModel =

    /// The cross-entropy over every step summed (gradient p − y, the book's scale), reported per character.
    let sumLoss = Loss.SoftmaxCrossEntropy(SoftmaxCrossEntropy.DefaultEps, Reduction.Sum)

    /// The mean cross-entropy over every step (gradient (p − y)/N).
    let meanLoss = Loss.softmaxCrossEntropy

    /// The sorted distinct characters of a text.
    /// <exception cref="InvalidValueException">when the text is empty.</exception>
    let vocabulary (text: string) : char[] =
        if String.IsNullOrEmpty text then raise (InvalidValueException("CharModel.vocabulary", "a non-empty text", "an empty text", "text"))
        text.ToCharArray() |> Array.distinct |> Array.sort

    /// The vocabulary index of every character of the text.
    /// <exception cref="InvalidValueException">when a character is not in the vocabulary.</exception>
    let encode (vocabulary: char[]) (text: string) : int[] =
        text.ToCharArray() |> Array.mapi (fun i c ->
            let k = Array.BinarySearch(vocabulary, c)
            if k < 0 then raise (InvalidValueException("CharModel.encode", "characters of the vocabulary", sprintf "%A at position %d" c i, "text"))
            k)

    /// The book's batch: `batch` windows of `seq` characters starting at the consecutive positions
    /// start, start+1, …; x one-hot [batch; seq; V] and y the next characters one-hot [batch; seq; V].
    /// <exception cref="InvalidValueException">when the windows run past the end of the text.</exception>
    let batch<'T when 'T :> IFloatingPointIeee754<'T>> (vocabularySize: int) (indices: int[]) (start: int) (batchSize: int) (seq: int) : Tensor<'T> * Tensor<'T> =
        if start < 0 || batchSize < 1 || seq < 1 || start + batchSize + seq > indices.Length then
            raise (InvalidValueException("CharModel.batch", sprintf "windows within a text of %d characters" indices.Length,
                                         sprintf "start %d, batch %d, sequence %d" start batchSize seq))
        let x = Array.zeroCreate<'T> (batchSize * seq * vocabularySize)
        let y = Array.zeroCreate<'T> (batchSize * seq * vocabularySize)
        for b in 0 .. batchSize - 1 do
            for t in 0 .. seq - 1 do
                let row = (b * seq + t) * vocabularySize
                x.[row + indices.[start + b + t]] <- 'T.One
                y.[row + indices.[start + b + t + 1]] <- 'T.One
        Tensor.wrap [| batchSize; seq; vocabularySize |] x, Tensor.wrap [| batchSize; seq; vocabularySize |] y

    /// The first position of the window batch of a 0-based step: batches start at 0, B, 2B, …
    /// and go back to 0 when the next batch would run past the end of the text (the book's
    /// `RNNTrainer`).
    let windowStart (textLength: int) (batchSize: int) (seq: int) (step: int) =
        let perCycle = (textLength - batchSize - seq - 1) / batchSize + 1
        (step % perCycle) * batchSize

    /// A model over the vocabulary: the layers drawn in order from a generator seeded with
    /// `seed`, every carried state zero.
    /// <exception cref="InvalidValueException">when there are no layers, the last one does not output the vocabulary's size, or the seed is outside 0..2³²−1.</exception>
    let create<'T when 'T :> IFloatingPointIeee754<'T>> (vocabulary: char[]) (layers: SequenceLayerSpec list) (seed: int64) : CharModel<'T> =
        let op = "CharModel.create"
        if layers.IsEmpty then raise (InvalidValueException(op, "at least one layer", "none", "layers"))
        let last = List.last layers
        if SequenceLayer.outputSize last <> vocabulary.Length || not last.ReturnSequences then
            raise (InvalidValueException(op, sprintf "a last layer with %d outputs at every step, one per symbol" vocabulary.Length,
                                         sprintf "%d outputs%s" (SequenceLayer.outputSize last) (if last.ReturnSequences then "" else " at the last step only"), "layers"))
        let net: NeuralNetwork<'T> = NeuralNetwork.create (layers |> List.map Layer.Sequence) sumLoss seed
        let net, _ = NeuralNetwork.initialise (Tensor.zeros<'T> [| 1; 1; vocabulary.Length |]) (Rng.seed 0L) net
        { Vocabulary = vocabulary; Network = net }

    /// The recurrent layers of the model with their parameters.
    let layers (model: CharModel<'T>) : SequenceLayer<'T> list =
        match model.Network.Params with
        | Some ps -> ps |> List.choose (function LayerParams.Sequence (l, _) -> Some l | _ -> None)
        | None -> []

    /// The same model with every carried state back at zero.
    let resetStates<'T when 'T :> IFloatingPointIeee754<'T>> (model: CharModel<'T>) : CharModel<'T> =
        { model with Network = NeuralNetwork.resetStates model.Network }

    /// Every parameter tensor of the model, layer by layer.
    let parameters (model: CharModel<'T>) : Tensor<'T> list = NeuralNetwork.parameters model.Network

    /// A loss value as the model reports it: per predicted character for a summed cross-entropy.
    let private perCharacter (loss: Loss) (predictions: int) (value: float) =
        match loss with
        | Loss.SoftmaxCrossEntropy (_, Reduction.Sum) -> value / float predictions
        | _ -> value

    /// The loss over every step as training reports it (in nats per character for the library's
    /// cross-entropies) and its gradient with respect to the logits:
    /// logits, targets [batch; seq; V] -> (loss, dlogits [batch; seq; V]).
    /// <exception cref="ShapeMismatchException">when the shapes differ.</exception>
    let loss<'T when 'T :> IFloatingPointIeee754<'T>> (lossFunction: Loss) (logits: Tensor<'T>) (targets: Tensor<'T>) : float * Tensor<'T> =
        Shape.checkRank "CharModel.loss" "logits [batch; seq; V]" 3 logits.Dims
        let n = logits.Length / logits.Dims.[2]
        perCharacter lossFunction n (Loss.forward lossFunction logits targets), Loss.backward lossFunction logits targets

    /// Generates `length` characters after `start`: each drawn from softmax(logits/temperature)
    /// of the model fed its previous character, the states carried from the model's.
    /// <exception cref="InvalidValueException">when start is not in the vocabulary, length is negative or the temperature not positive.</exception>
    let sample<'T when 'T :> IFloatingPointIeee754<'T>> (model: CharModel<'T>) (start: char) (length: int) (temperature: float) (rng: Rng) : string * Rng =
        let op = "CharModel.sample"
        let v = model.Vocabulary.Length
        let mutable current = Array.BinarySearch(model.Vocabulary, start)
        if current < 0 then raise (InvalidValueException(op, "a start character of the vocabulary", sprintf "%A" start, "start"))
        if length < 0 then raise (InvalidValueException(op, "a non-negative length", string length, "length"))
        if not (Double.IsFinite temperature) || temperature <= 0.0 then raise (InvalidValueException(op, "a finite, positive temperature", string temperature, "temperature"))
        let text = Text.StringBuilder(min length 65536)
        let mutable net = model.Network
        let mutable rng = rng
        let probabilities = Array.zeroCreate<float> v
        for _ in 1 .. length do
            let x = Array.zeroCreate<'T> v
            x.[current] <- 'T.One
            let logits, _, next = NeuralNetwork.forwardStateful net (Tensor.wrap [| 1; 1; v |] x)
            net <- next
            let l = logits.Data |> Array.map (fun z -> Num.toFloat z / temperature)
            let m = Array.max l
            let mutable total = 0.0
            for k in 0 .. v - 1 do
                probabilities.[k] <- exp (l.[k] - m)
                total <- total + probabilities.[k]
            let u, r = Rng.doubles 1 rng
            rng <- r
            let target = u.[0] * total
            let mutable acc = 0.0
            let mutable k = 0
            let mutable chosen = v - 1
            while k < v do
                acc <- acc + probabilities.[k]
                if target < acc then
                    chosen <- k
                    k <- v
                else k <- k + 1
            current <- chosen
            text.Append(model.Vocabulary.[chosen]) |> ignore
        text.ToString(), rng

    /// The iterations' losses averaged over the last `window` (fewer at first).
    let private movingAverage (window: int) (losses: ResizeArray<float>) =
        let n = losses.Count
        let from = max 0 (n - window)
        let mutable s = 0.0
        for i in from .. n - 1 do s <- s + losses[i]
        s / float (n - from)

    /// Trains on the text as the book's `RNNTrainer` does, through the common `Trainer`: every
    /// iteration takes the batch of windows starting at consecutive positions from the current
    /// position, runs the network forward from the carried states, the loss over every step,
    /// backpropagation through time and one optimizer step; the position then moves on by the
    /// batch size and goes back to the start of the text when the next batch would run past its
    /// end (`windowStart`). Every `SampleEvery` iterations it samples text starting from the
    /// character at the current position. The model passed in is not changed.
    /// <exception cref="InvalidValueException">when a setting is out of range or the text is too short.</exception>
    let trainWith<'T when 'T :> IFloatingPointIeee754<'T>> (cancellation: CancellationToken) (settings: CharTraining) (optimizer: Optimizer) (text: string) (model: CharModel<'T>)
                  (onEvent: CharTrainingEvent -> unit) : CharTrainingResult<'T> =
        let op = "CharModel.train"
        if settings.BatchSize < 1 || settings.SequenceLength < 1 || settings.Iterations < 0 || settings.SampleEvery < 0 || settings.SampleLength < 0 then
            raise (InvalidValueException(op, "a positive batch size and sequence length and non-negative counts", sprintf "%A" settings, "settings"))
        let indices = encode model.Vocabulary text
        let b, s = settings.BatchSize, settings.SequenceLength
        if indices.Length < b + s + 1 then
            raise (InvalidValueException(op, sprintf "a text of at least %d characters" (b + s + 1), sprintf "%d characters" indices.Length, "text"))
        let v = model.Vocabulary.Length
        let predictions = b * s
        let losses = ResizeArray<float>(settings.Iterations)
        let averages = ResizeArray<float>(settings.Iterations)
        if settings.Iterations = 0 then { Model = model; Losses = [||]; MovingAverages = [||] }
        else
            let net = { model.Network with Loss = settings.Loss }
            let start step = windowStart indices.Length b s step
            let mutable sampleRng = Rng.seed settings.SampleSeed
            let monitor =
                { OnEvent = (function
                    | BatchCompleted (_, i, _, l) ->
                        losses.Add(perCharacter settings.Loss predictions l)
                        let average = movingAverage 100 losses
                        averages.Add average
                        onEvent (CharTrainingEvent.Iteration(i, average))
                    | _ -> ())
                  CheckEvery = settings.SampleEvery
                  CheckLastBatch = true
                  OnCheck = (fun _ i n ->
                      // The character at the position after iteration i.
                      let current = model.Vocabulary.[indices.[(start (i - 1) + b) % indices.Length]]
                      let sampled, r = sample { model with Network = n } current settings.SampleLength settings.Temperature sampleRng
                      sampleRng <- r
                      onEvent (CharTrainingEvent.Sample(i, sampled)))
                  Cancellation = cancellation }
            let options =
                { FitOptions.defaults with
                    Epochs = 1; EvalEvery = 1; BatchSize = b; Restart = false; EarlyStopping = false }
            let data = TrainingData.Steps(settings.Iterations, fun step -> batch<'T> v indices (start step) b s)
            let result = Trainer.train monitor options optimizer net data None
            { Model = { model with Network = { result.Network with Loss = model.Network.Loss } }
              Losses = losses.ToArray()
              MovingAverages = averages.ToArray() }

    /// `trainWith` without cancellation.
    /// <exception cref="InvalidValueException">when a setting is out of range or the text is too short.</exception>
    let train<'T when 'T :> IFloatingPointIeee754<'T>> (settings: CharTraining) (optimizer: Optimizer) (text: string) (model: CharModel<'T>)
              (onEvent: CharTrainingEvent -> unit) : CharTrainingResult<'T> =
        trainWith CancellationToken.None settings optimizer text model onEvent

    // --- the file format ------------------------------------------------------------------

    /// The first bytes of a model file.
    let private magic = "DFCHARMODEL"B

    /// The version of the format `save` writes and `load` reads.
    [<Literal>]
    let FormatVersion = 1

    let private kindCode (k: CellKind) = match k with CellKind.Rnn -> 0uy | CellKind.Lstm -> 1uy | CellKind.Gru -> 2uy

    let private writeTensor<'T when 'T :> IFloatingPointIeee754<'T>> (w: BinaryWriter) (single: bool) (t: Tensor<'T>) =
        w.Write(t.Rank)
        for d in t.Dims do w.Write(d)
        for x in t.Data do
            if single then w.Write(float32 (Num.toFloat x)) else w.Write(Num.toFloat x)

    /// Writes the model (vocabulary, layer specs, parameters and carried states) to a file in
    /// format version 1, in the precision of 'T, atomically (`AtomicFile`).
    let save<'T when 'T :> IFloatingPointIeee754<'T>> (path: string) (model: CharModel<'T>) : unit =
        let single = typeof<'T> = typeof<float32>
        let layers = layers model
        let states = NeuralNetwork.states model.Network |> List.choose id
        for l in layers do
            if l.Spec.Outputs.IsNone || not l.Spec.ReturnSequences || not l.Spec.CarryState then
                raise (InvalidValueException("CharModel.save", "the book's recurrent layers (a projection, every step, the state carried) for format version 1",
                                             SequenceLayer.describe l.Spec, "model"))
        AtomicFile.write path (fun stream ->
             use w = new BinaryWriter(stream, Text.Encoding.UTF8, true)
             w.Write(magic)
             w.Write(FormatVersion)
             w.Write(if single then 4uy else 8uy)
             w.Write(model.Vocabulary.Length)
             for c in model.Vocabulary do w.Write(uint16 c)
             w.Write(layers.Length)
             List.iter2 (fun (l: SequenceLayer<'T>) (s: SequenceState<'T>) ->
                 w.Write(kindCode l.Spec.Kind)
                 w.Write(l.Inputs)
                 w.Write(l.Spec.Hidden)
                 w.Write(SequenceLayer.outputSize l.Spec)
                 w.Write(defaultArg l.Spec.WeightScale Double.NaN)
                 let ps = SequenceLayer.parameters l
                 w.Write(ps.Length)
                 for p in ps do writeTensor w single p
                 let st = s.H :: Option.toList s.C
                 w.Write(st.Length)
                 for t in st do writeTensor w single t) layers states
             w.Write("END."B)
             w.Flush())

    /// Reads a model written by `save`, converting its numbers to 'T.
    /// <exception cref="DataFormatException">when the file is not a model file of a known
    /// version, is cut short, or its contents do not fit together; the message names the problem.</exception>
    let load<'T when 'T :> IFloatingPointIeee754<'T>> (path: string) : CharModel<'T> =
        let fail (problem: string) : 'a = raise (DataFormatException(path, 0, 0, problem))
        use stream = File.OpenRead path
        use r = new BinaryReader(stream)
        try
            let head = r.ReadBytes magic.Length
            if head <> magic then fail "not a DeepFunctional character model (the file does not start with DFCHARMODEL)"
            let version = r.ReadInt32()
            if version <> FormatVersion then fail (sprintf "format version %d, but this library reads version %d" version FormatVersion)
            let single =
                match r.ReadByte() with
                | 4uy -> true
                | 8uy -> false
                | b -> fail (sprintf "a precision byte of %d where 4 (single) or 8 (double) belongs" b)
            let count (what: string) (limit: int) =
                let n = r.ReadInt32()
                if n < 1 || n > limit then fail (sprintf "%s of %d, outside 1..%d" what n limit)
                n
            let v = count "a vocabulary size" 65536
            let vocabulary = Array.init v (fun _ -> char (r.ReadUInt16()))
            for k in 1 .. v - 1 do
                if vocabulary.[k] <= vocabulary.[k - 1] then fail (sprintf "a vocabulary that is not sorted and distinct at symbol %d" k)
            let layerCount = count "a layer count" 1024
            let readTensor (name: string) (expected: int[]) : Tensor<'T> =
                let rank = r.ReadInt32()
                if rank <> expected.Length then fail (sprintf "%s of rank %d where rank %d belongs" name rank expected.Length)
                let dims = Array.init rank (fun _ -> r.ReadInt32())
                if dims <> expected then fail (sprintf "%s of shape %s where %s belongs" name (Shape.format dims) (Shape.format expected))
                // No size read from the file may allocate before the file's length bounds it.
                let count = dims |> Array.fold (fun acc d -> acc * int64 d) 1L
                if count * (if single then 4L else 8L) > stream.Length - stream.Position then fail (sprintf "the file ends early (truncated) inside %s" name)
                let data =
                    Array.init (int count) (fun _ ->
                        let x = if single then float (r.ReadSingle()) else r.ReadDouble()
                        if not (Double.IsFinite x) then fail (sprintf "%s holds a value that is not finite" name)
                        'T.CreateTruncating x)
                Tensor.wrap dims data
            let mutable features = v
            let layers, states =
                [ for li in 0 .. layerCount - 1 do
                    let kind =
                        match r.ReadByte() with
                        | 0uy -> CellKind.Rnn
                        | 1uy -> CellKind.Lstm
                        | 2uy -> CellKind.Gru
                        | b -> fail (sprintf "layer %d has cell kind %d, not 0 (RNN), 1 (LSTM) or 2 (GRU)" li b)
                    let inputs = r.ReadInt32()
                    if inputs <> features then fail (sprintf "layer %d takes %d inputs but the layer below gives %d" li inputs features)
                    let hidden = count (sprintf "layer %d: a hidden size" li) 1000000
                    let outputs = count (sprintf "layer %d: an output size" li) 1000000
                    let scale = r.ReadDouble()
                    let spec = { Kind = kind; Hidden = hidden; Outputs = Some outputs; ReturnSequences = true; CarryState = true
                                 WeightScale = (if Double.IsNaN scale then None else Some scale) }
                    let shapes = SequenceLayer.parameterShapes spec inputs
                    let n = r.ReadInt32()
                    if n <> shapes.Length then fail (sprintf "layer %d has %d parameter tensors where its %A cell has %d" li n kind shapes.Length)
                    let ps = shapes |> List.mapi (fun k (_, s) -> readTensor (sprintf "layer %d, parameter %d" li k) s)
                    let layer = SequenceLayer.ofParameters spec inputs ps
                    let stateCount = r.ReadInt32()
                    let expectedStates = if kind = CellKind.Lstm then 2 else 1
                    if stateCount <> expectedStates then fail (sprintf "layer %d has %d state tensors where its %A cell has %d" li stateCount kind expectedStates)
                    let h = readTensor (sprintf "layer %d, state H" li) [| 1; hidden |]
                    let c = if expectedStates = 2 then Some (readTensor (sprintf "layer %d, state C" li) [| 1; hidden |]) else None
                    features <- outputs
                    yield layer, { H = h; C = c } ]
                |> List.unzip
            if features <> v then fail (sprintf "the last layer gives %d outputs but the vocabulary has %d symbols" features v)
            if r.ReadBytes 4 <> "END."B then fail "no END. marker after the last layer"
            if stream.Position <> stream.Length then fail (sprintf "%d bytes after the END. marker" (stream.Length - stream.Position))
            let net: NeuralNetwork<'T> = NeuralNetwork.create (layers |> List.map (fun (l: SequenceLayer<'T>) -> Layer.Sequence l.Spec)) sumLoss 1L
            let ps = List.map2 (fun l st -> LayerParams.Sequence (l, st)) layers states
            { Vocabulary = vocabulary; Network = { net with Params = Some ps } }
        with
        | :? EndOfStreamException -> fail "the file ends early (truncated)"
