namespace DeepFunctional

open System
open System.IO
open System.Numerics

/// A character-level language model (the book's `RNNModel`): a stack of sequence layers over
/// one-hot characters, the last layer's outputs the logits of the next character.
type CharModel<'T> =
    { /// The symbols, sorted and distinct; a character's index is its one-hot position.
      Vocabulary: char[]
      /// The sequence layers; the first sees the vocabulary's size, the last outputs it.
      Layers: SequenceLayer<'T> list
      /// The starting state every layer carries to the next batch.
      States: SequenceState<'T> list }

/// How the loss over every time step is scaled.
[<RequireQualifiedAccess>]
type SequenceLossScaling =
    /// The standard mean cross-entropy in nats per predicted character, gradient (p − y)/N.
    | Mean
    /// The total cross-entropy over batch and time, whose gradient p − y is the book's, reported
    /// divided by the number of predictions N, in nats per character like `Mean`. With AdaGrad,
    /// whose update does not depend on the gradient's scale except through its eps, this keeps
    /// eps as small beside the squared gradients as it is in the book.
    | Sum
    /// The book's: the sum over batch and time of its chapter-4 loss value, gradient p − y
    /// (clipped p) not divided by the number of predictions.
    | Book

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
      /// How the loss is scaled.
      LossScaling: SequenceLossScaling }

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
      /// The loss of every iteration, in nats per character (or the book's scale).
      Losses: float[]
      /// The moving average of the last 100 losses after every iteration.
      MovingAverages: float[] }

/// Character-level models: vocabulary, one-hot windows, loss over every step, training,
/// sampling, and a versioned file format.
[<RequireQualifiedAccess>]
module CharModel =

    /// The sorted distinct characters of a text.
    /// <exception cref="InvalidValueException">when the text is empty.</exception>
    let vocabulary (text: string) : char[] =
        if String.IsNullOrEmpty text then raise (InvalidValueException("CharModel.vocabulary", "a non-empty text", "an empty text"))
        text.ToCharArray() |> Array.distinct |> Array.sort

    /// The vocabulary index of every character of the text.
    /// <exception cref="InvalidValueException">when a character is not in the vocabulary.</exception>
    let encode (vocabulary: char[]) (text: string) : int[] =
        text.ToCharArray() |> Array.mapi (fun i c ->
            let k = Array.BinarySearch(vocabulary, c)
            if k < 0 then raise (InvalidValueException("CharModel.encode", "characters of the vocabulary", sprintf "%A at position %d" c i))
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

    /// A model over the vocabulary with the layers drawn in order from the generator.
    /// <exception cref="InvalidValueException">when there are no layers or the last one does not output the vocabulary's size.</exception>
    let create<'T when 'T :> IFloatingPointIeee754<'T>> (vocabulary: char[]) (layers: SequenceLayerSpec list) (rng: Rng) : CharModel<'T> * Rng =
        let op = "CharModel.create"
        if layers.IsEmpty then raise (InvalidValueException(op, "at least one layer", "none"))
        let last = List.last layers
        if last.Outputs <> vocabulary.Length then
            raise (InvalidValueException(op, sprintf "a last layer with %d outputs, one per symbol" vocabulary.Length, sprintf "%d outputs" last.Outputs))
        let ls, rng = SequenceStack.init<'T> layers vocabulary.Length rng
        { Vocabulary = vocabulary; Layers = ls; States = SequenceStack.initialStates ls }, rng

    /// The same model with every carried state back at zero.
    let resetStates<'T when 'T :> IFloatingPointIeee754<'T>> (model: CharModel<'T>) : CharModel<'T> =
        { model with States = SequenceStack.initialStates model.Layers }

    /// The loss over every step (in nats per character, except for the book's scaling) and its
    /// gradient with respect to the logits:
    /// logits, targets [batch; seq; V] -> (loss, dlogits [batch; seq; V]).
    /// <exception cref="ShapeMismatchException">when the shapes differ.</exception>
    let loss<'T when 'T :> IFloatingPointIeee754<'T>> (scaling: SequenceLossScaling) (logits: Tensor<'T>) (targets: Tensor<'T>) : float * Tensor<'T> =
        let op = "CharModel.loss"
        Shape.checkRank op "logits [batch; seq; V]" 3 logits.Dims
        Shape.checkSame op "logits" logits.Dims "targets" targets.Dims
        let v = logits.Dims.[2]
        let n = logits.Length / v
        let flat (t: Tensor<'T>) = Tensor.reshape [| n; v |] t
        match scaling with
        | SequenceLossScaling.Mean | SequenceLossScaling.Sum ->
            // One pass: p = softmax per row, loss −Σ y·log p / N, gradient (p − y)/N.
            let p = Softmax.forward (flat logits)
            let eps = SoftmaxCrossEntropy.DefaultEps
            let lo, hi = log eps, log (1.0 - eps)
            let logp = Softmax.logForward (flat logits)
            let mutable s = 0.0
            for i in 0 .. logp.Length - 1 do
                let y = Num.toFloat targets.Data.[i]
                if y <> 0.0 then s <- s - y * (max lo (min hi logp.[i]))
            let out = p.Data
            Tensors.TensorPrimitives.Subtract(ReadOnlySpan<'T>(out), ReadOnlySpan<'T>(targets.Data), Span<'T>(out))
            if scaling = SequenceLossScaling.Mean then
                Tensors.TensorPrimitives.Divide(ReadOnlySpan<'T>(out), 'T.CreateTruncating n, Span<'T>(out))
            s / float n, Tensor.wrap logits.Dims out
        | SequenceLossScaling.Book ->
            let eps = SoftmaxCrossEntropy.DefaultEps
            let value = SoftmaxCrossEntropy.bookForward eps (flat logits) (flat targets) * float n
            let g = SoftmaxCrossEntropy.bookBackward eps (flat logits) (flat targets)
            Tensors.TensorPrimitives.Multiply(ReadOnlySpan<'T>(g.Data), 'T.CreateTruncating n, Span<'T>(g.Data))
            value, Tensor.wrap logits.Dims g.Data

    /// Every parameter tensor of the model, layer by layer.
    let parameters (model: CharModel<'T>) : Tensor<'T> list = model.Layers |> List.collect SequenceLayer.parameters

    /// Generates `length` characters after `start`: each drawn from softmax(logits/temperature)
    /// of the model fed its previous character, the states carried from the model's.
    /// <exception cref="InvalidValueException">when start is not in the vocabulary, length is negative or the temperature not positive.</exception>
    let sample<'T when 'T :> IFloatingPointIeee754<'T>> (model: CharModel<'T>) (start: char) (length: int) (temperature: float) (rng: Rng) : string * Rng =
        let op = "CharModel.sample"
        let v = model.Vocabulary.Length
        let mutable current = Array.BinarySearch(model.Vocabulary, start)
        if current < 0 then raise (InvalidValueException(op, "a start character of the vocabulary", sprintf "%A" start))
        if length < 0 then raise (InvalidValueException(op, "a non-negative length", string length))
        if not (Double.IsFinite temperature) || temperature <= 0.0 then raise (InvalidValueException(op, "a finite, positive temperature", string temperature))
        let text = Text.StringBuilder(length)
        let mutable states = model.States
        let mutable rng = rng
        let probabilities = Array.zeroCreate<float> v
        for _ in 1 .. length do
            let x = Array.zeroCreate<'T> v
            x.[current] <- 'T.One
            let logits, _, s = SequenceStack.forward model.Layers states (Tensor.wrap [| 1; 1; v |] x)
            states <- s
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
        for i in from .. n - 1 do s <- s + losses.[i]
        s / float (n - from)

    /// One training run in progress: the trainer's own copies of the parameters, updated in
    /// place, the carried states, the optimizer state and the position in the text.
    type internal Session<'T when 'T :> IFloatingPointIeee754<'T>>(settings: CharTraining, optimizer: Optimizer, indices: int[], model: CharModel<'T>) =
        let v = model.Vocabulary.Length
        let layers = model.Layers |> List.map (fun l -> SequenceLayer.withParameters l (SequenceLayer.parameters l |> List.map Tensor.copy))
        let parameters = layers |> List.collect SequenceLayer.parameters
        let mutable states = model.States
        let mutable optState: OptimizerState<'T> = Optimizer.init optimizer 1
        let mutable position = 0
        /// The model as it stands (its tensors are the session's: copy before the session goes on).
        member _.Model = { Vocabulary = model.Vocabulary; Layers = layers; States = states }
        /// The vocabulary index of the character at the current position.
        member _.Current = indices.[position % indices.Length]
        /// One iteration; returns its loss.
        member _.Step() : float =
            if position + settings.BatchSize + settings.SequenceLength + 1 > indices.Length then position <- 0
            let x, y = batch<'T> v indices position settings.BatchSize settings.SequenceLength
            let logits, caches, next = SequenceStack.forward layers states x
            let l, dLogits = loss settings.LossScaling logits y
            let grads = SequenceStack.gradients layers caches dLogits
            optState <- Optimizer.stepInPlace optimizer optState parameters (grads |> List.collect SequenceLayer.gradients)
            states <- next
            position <- position + settings.BatchSize
            l

    /// Checks the settings and starts a session on the text.
    let internal session<'T when 'T :> IFloatingPointIeee754<'T>> (settings: CharTraining) (optimizer: Optimizer) (text: string) (model: CharModel<'T>) =
        let op = "CharModel.train"
        if settings.BatchSize < 1 || settings.SequenceLength < 1 || settings.Iterations < 0 || settings.SampleEvery < 0 || settings.SampleLength < 0 then
            raise (InvalidValueException(op, "a positive batch size and sequence length and non-negative counts", sprintf "%A" settings))
        let indices = encode model.Vocabulary text
        if indices.Length < settings.BatchSize + settings.SequenceLength + 1 then
            raise (InvalidValueException(op, sprintf "a text of at least %d characters" (settings.BatchSize + settings.SequenceLength + 1), sprintf "%d characters" indices.Length))
        Session<'T>(settings, optimizer, indices, model)

    /// Trains on the text as the book's `RNNTrainer` does: every iteration takes the batch of
    /// windows starting at consecutive positions from the current position, runs the stack
    /// forward from the carried states, the loss over every step, backpropagation through time
    /// and one optimizer step; the position then moves on by the batch size and goes back to
    /// the start of the text when the next batch would run past its end. Every `SampleEvery`
    /// iterations it samples text starting from the character at the current position.
    /// The model passed in is not changed.
    /// <exception cref="InvalidValueException">when a setting is out of range or the text is too short.</exception>
    let train<'T when 'T :> IFloatingPointIeee754<'T>> (settings: CharTraining) (optimizer: Optimizer) (text: string) (model: CharModel<'T>)
              (onEvent: CharTrainingEvent -> unit) : CharTrainingResult<'T> =
        let run = session settings optimizer text model
        let mutable sampleRng = Rng.seed settings.SampleSeed
        let losses = ResizeArray<float>(settings.Iterations)
        let averages = ResizeArray<float>(settings.Iterations)
        for i in 1 .. settings.Iterations do
            losses.Add(run.Step())
            let average = movingAverage 100 losses
            averages.Add average
            onEvent (CharTrainingEvent.Iteration(i, average))
            if settings.SampleEvery > 0 && i % settings.SampleEvery = 0 then
                let s, r = sample run.Model model.Vocabulary.[run.Current] settings.SampleLength settings.Temperature sampleRng
                sampleRng <- r
                onEvent (CharTrainingEvent.Sample(i, s))
        { Model = run.Model
          Losses = losses.ToArray()
          MovingAverages = averages.ToArray() }

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

    /// Writes the model (vocabulary, layer specs, parameters and carried states) to a file, in
    /// the precision of 'T. It writes a temporary file beside the target and renames it over
    /// the target, so an existing file is replaced whole or not at all.
    let save<'T when 'T :> IFloatingPointIeee754<'T>> (path: string) (model: CharModel<'T>) : unit =
        let single = typeof<'T> = typeof<float32>
        let full = Path.GetFullPath path
        let dir = match Path.GetDirectoryName full with null -> "." | d -> d
        let temp = Path.Combine(dir, sprintf ".%s.%s.tmp" (Path.GetFileName full) (Guid.NewGuid().ToString("N")))
        try
            (use stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write)
             use w = new BinaryWriter(stream)
             w.Write(magic)
             w.Write(FormatVersion)
             w.Write(if single then 4uy else 8uy)
             w.Write(model.Vocabulary.Length)
             for c in model.Vocabulary do w.Write(uint16 c)
             w.Write(model.Layers.Length)
             List.iter2 (fun (l: SequenceLayer<'T>) (s: SequenceState<'T>) ->
                 w.Write(kindCode l.Spec.Kind)
                 w.Write(l.Inputs)
                 w.Write(l.Spec.Hidden)
                 w.Write(l.Spec.Outputs)
                 w.Write(defaultArg l.Spec.WeightScale Double.NaN)
                 let ps = SequenceLayer.parameters l
                 w.Write(ps.Length)
                 for p in ps do writeTensor w single p
                 let st = s.H :: Option.toList s.C
                 w.Write(st.Length)
                 for t in st do writeTensor w single t) model.Layers model.States
             w.Write("END."B)
             stream.Flush(true))
            File.Move(temp, full, true)
        finally
            if File.Exists temp then File.Delete temp

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
                let data =
                    Array.init (Shape.count dims) (fun _ ->
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
                    let spec = { Kind = kind; Hidden = hidden; Outputs = outputs; WeightScale = (if Double.IsNaN scale then None else Some scale) }
                    // A template of the right shapes: parameters drawn and then replaced.
                    let template, _ = SequenceLayer.init<'T> spec inputs (Rng.seed 0L)
                    let shapes = SequenceLayer.parameters template |> List.map (fun t -> t.Shape)
                    let n = r.ReadInt32()
                    if n <> shapes.Length then fail (sprintf "layer %d has %d parameter tensors where its %A cell has %d" li n kind shapes.Length)
                    let ps = shapes |> List.mapi (fun k s -> readTensor (sprintf "layer %d, parameter %d" li k) s)
                    let layer = SequenceLayer.withParameters template ps
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
            { Vocabulary = vocabulary; Layers = layers; States = states }
        with
        | :? EndOfStreamException -> fail "the file ends early (truncated)"
