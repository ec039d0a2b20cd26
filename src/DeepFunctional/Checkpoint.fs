namespace DeepFunctional

open System
open System.Numerics
open System.Text.Json

/// How a fit writes checkpoints.
type CheckpointOptions =
    { /// The checkpoint file (written atomically; each checkpoint replaces the previous one).
      Path: string
      /// Write one every this many batches (at least 1), and at the end of every epoch.
      Every: int }

/// Checkpoints: a model file (`ModelFile`) that also holds the optimizer's state (velocities,
/// moments, sums of squares, the learning rate and its schedule's position, the step count) and
/// the trainer's position (epoch and batch, the training generator's state, the row order, the
/// best loss so far and its network, an early-stopping copy, the evaluations), so that a fit
/// killed and resumed from its last checkpoint ends with the same bits as the same fit
/// uninterrupted. Extra tensors: `optimizer.velocities.{k}`, `optimizer.square_sums.{k}`,
/// `trainer.order` (I32), `trainer.rng_key` (U32[624]), `best.layers...`, `snapshot.layers...`.
[<RequireQualifiedAccess>]
module Checkpoint =

    /// The metadata key of the trainer's position.
    [<Literal>]
    let Key = "checkpoint"

    let private json (write: Utf8JsonWriter -> unit) =
        use stream = new IO.MemoryStream()
        (use w = new Utf8JsonWriter(stream)
         write w)
        Text.Encoding.UTF8.GetString(stream.ToArray())

    let private entryOf<'T> (name: string) (t: Tensor<'T>) : TensorEntry =
        match box t with
        | :? Tensor<float32> as f -> SafeTensors.ofTensor name f
        | :? Tensor<float> as d -> SafeTensors.ofTensor name d
        | _ -> raise (NotSupportedException(sprintf "Checkpoint: expected float or float32 elements, got %s" typeof<'T>.Name))

    let private renamed (prefix: string) (e: TensorEntry) = SafeTensors.entry (prefix + e.Name) e.DType e.Shape (e.ToArray())

    /// The settings a resumed fit must share with the one that wrote the checkpoint.
    let private settings (options: FitOptions) (optimizer: Optimizer) =
        sprintf "epochs %d, eval_every %d, batch_size %d, seed %d, early stopping %b (%O), optimizer %A"
            options.Epochs options.EvalEvery options.BatchSize options.Seed options.EarlyStopping options.EarlyStoppingModel optimizer

    /// Writes a fit's position to a checkpoint file atomically.
    /// <exception cref="FileWriteException">when the file cannot be written there.</exception>
    let write (path: string) (inputShape: int[]) (options: FitOptions) (optimizer: Optimizer) (p: FitPosition<'T>) : unit =
        let metadata, entries = ModelFile.contents (ModelFile.ofNetwork inputShape p.Network)
        let extra (prefix: string) (net: NeuralNetwork<'T> option) =
            match net with
            | Some n -> ModelFile.contents (ModelFile.ofNetwork inputShape n) |> snd |> List.map (renamed prefix)
            | None -> []
        let state = p.OptimizerState
        let rngState = p.Rng.State
        let position =
            json (fun w ->
                w.WriteStartObject()
                w.WriteNumber("epoch", p.Epoch)
                w.WriteNumber("batch", p.Batch)
                if Double.IsFinite p.Best then w.WriteNumber("best", p.Best) else w.WriteNull("best")
                w.WriteNumber("best_epoch", p.BestEpoch)
                w.WriteBoolean("has_best_network", p.BestNetwork.IsSome)
                w.WriteBoolean("has_snapshot", p.Snapshot.IsSome)
                w.WritePropertyName("evaluations")
                w.WriteStartArray()
                for e in p.Evaluations do
                    w.WriteStartObject()
                    w.WriteNumber("epoch", e.Epoch)
                    if Double.IsFinite e.Loss then w.WriteNumber("loss", e.Loss) else w.WriteNull("loss")
                    w.WriteEndObject()
                w.WriteEndArray()
                w.WriteNumber("learning_rate", state.LearningRate)
                w.WriteNumber("decay_per_epoch", state.DecayPerEpoch)
                w.WriteNumber("steps", state.Steps)
                w.WriteNumber("velocities", state.Velocities.Length)
                w.WriteNumber("square_sums", state.SquareSums.Length)
                w.WriteNumber("rng_position", rngState.Position)
                w.WriteBoolean("rng_has_gauss", rngState.HasGauss)
                w.WriteNumber("rng_gauss", rngState.Gauss)
                w.WriteString("settings", settings options optimizer)
                w.WriteEndObject())
        let entries =
            entries
            @ (state.Velocities |> List.mapi (fun k v -> entryOf (sprintf "optimizer.velocities.%d" k) v))
            @ (state.SquareSums |> List.mapi (fun k v -> entryOf (sprintf "optimizer.square_sums.%d" k) v))
            @ [ SafeTensors.ofArray "trainer.order" [| p.Order.Length |] p.Order
                SafeTensors.ofArray "trainer.rng_key" [| rngState.Key.Length |] rngState.Key ]
            @ extra "best." p.BestNetwork
            @ extra "snapshot." p.Snapshot
        SafeTensors.write path (metadata |> Map.add Key position) entries

    /// A writer for `FitControl.OnCheckpoint`.
    let writer (path: string) (inputShape: int[]) (options: FitOptions) (optimizer: Optimizer) : FitPosition<'T> -> unit =
        write path inputShape options optimizer

    /// Reads the position of a checkpoint written for `net` (whose layers it must have; its loss,
    /// seeding and backend are the ones resumed with) and the fit of these options and optimizer.
    /// <exception cref="DataFormatException">when the file is not a valid checkpoint, or one of another network.</exception>
    /// <exception cref="InvalidValueException">when the checkpoint was written by a fit of other settings.</exception>
    let read<'T when 'T :> IFloatingPointIeee754<'T>> (path: string) (options: FitOptions) (optimizer: Optimizer) (net: NeuralNetwork<'T>) : FitPosition<'T> =
        let file = SafeTensors.read path
        let fail (problem: string) : 'a = raise (DataFormatException(file.Source, 0, 0, problem))
        let position =
            match Map.tryFind Key file.Metadata with
            | Some p -> (try JsonDocument.Parse(p, JsonDocumentOptions(MaxDepth = 8)) with :? JsonException -> fail "its checkpoint metadata is not valid JSON")
            | None -> fail "a model file without a checkpoint (no \"checkpoint\" metadata)"
        use position = position
        let e = position.RootElement
        let prop (name: string) =
            match e.ValueKind, (if e.ValueKind = JsonValueKind.Object then e.TryGetProperty name else (false, Unchecked.defaultof<_>)) with
            | JsonValueKind.Object, (true, v) -> v
            | _ -> fail (sprintf "its checkpoint has no \"%s\"" name)
        let int' (name: string) (lo: int) (hi: int) =
            match (prop name).TryGetInt32() with
            | true, v when v >= lo && v <= hi -> v
            | _ -> fail (sprintf "its checkpoint's \"%s\" is not a whole number in %d..%d" name lo hi)
        let number (name: string) =
            let v = prop name
            if v.ValueKind = JsonValueKind.Number && Double.IsFinite(v.GetDouble()) then v.GetDouble()
            else fail (sprintf "its checkpoint's \"%s\" is not a finite number" name)
        let bool' (name: string) =
            match (prop name).ValueKind with
            | JsonValueKind.True -> true
            | JsonValueKind.False -> false
            | _ -> fail (sprintf "its checkpoint's \"%s\" is not true or false" name)
        let written = (prop "settings").GetString()
        if written <> settings options optimizer then
            raise (InvalidValueException("Trainer.resume", sprintf "the settings the checkpoint was written with (%s)" written, settings options optimizer, "options"))
        let resolver =
            { ModelFile.noResolver with
                Losses = (match net.Loss with Loss.Custom c -> [ c ] | _ -> [])
                Seedings = (match net.Seeding with Seeding.Strategy s -> [ s ] | _ -> [])
                Backends = [ net.Backend ] }
        let isExtra (name: string) =
            [ "optimizer."; "trainer."; "best."; "snapshot." ] |> List.exists (fun prefix -> name.StartsWith(prefix, StringComparison.Ordinal))
        let model = ModelFile.loadFrom<'T> resolver isExtra file
        if model.Network.Layers <> net.Layers then
            fail (sprintf "a checkpoint of another network (%A, not %A)" model.Network.Layers net.Layers)
        let withStrategies (n: NeuralNetwork<'T>) = { n with Loss = net.Loss; Seeding = net.Seeding; Backend = net.Backend }
        let tensor (name: string) (shape: int[]) : Tensor<'T> =
            match SafeTensors.tryFind name file with
            | Some entry when entry.Shape = shape ->
                match box Unchecked.defaultof<'T> with
                | :? float32 when entry.DType = DType.F32 -> unbox<Tensor<'T>> (box (SafeTensors.toTensor<float32> entry))
                | :? float when entry.DType = DType.F64 -> unbox<Tensor<'T>> (box (SafeTensors.toTensor<float> entry))
                | _ -> fail (sprintf "tensor %s of type %s does not fit the model's precision" name (DType.name entry.DType))
            | Some entry -> fail (sprintf "tensor %s of shape %s where %s belongs" name (Shape.format entry.Shape) (Shape.format shape))
            | None -> fail (sprintf "no tensor %s" name)
        let parameterShapes = NeuralNetwork.parameters model.Network |> List.map (fun t -> t.Shape)
        let moments (name: string) (count: int) =
            if count <> 0 && count <> parameterShapes.Length then fail (sprintf "%d %s where the network has %d parameter tensors" count name parameterShapes.Length)
            if count = 0 then [] else parameterShapes |> List.mapi (fun k s -> tensor (sprintf "optimizer.%s.%d" name k) s)
        let velocities = moments "velocities" (int' "velocities" 0 100000)
        let squareSums = moments "square_sums" (int' "square_sums" 0 100000)
        let order =
            match SafeTensors.tryFind "trainer.order" file with
            | Some entry when entry.DType = DType.I32 && entry.Shape.Length = 1 -> SafeTensors.toArray<int> entry
            | _ -> fail "no row order (trainer.order, I32 of one dimension)"
        let sorted = Array.sort order
        if sorted |> Array.mapi (fun i v -> i = v) |> Array.forall id |> not then fail "its row order is not a permutation of the training rows"
        let key =
            match SafeTensors.tryFind "trainer.rng_key" file with
            | Some entry when entry.DType = DType.U32 && entry.Shape = [| 624 |] -> SafeTensors.toArray<uint32> entry
            | _ -> fail "no generator state (trainer.rng_key, U32[624])"
        let rng =
            try Rng.OfState { Key = key; Position = int' "rng_position" 0 624; HasGauss = bool' "rng_has_gauss"; Gauss = number "rng_gauss" }
            with :? InvalidValueException as ex -> fail (sprintf "its generator state is out of range (%s)" ex.Message)
        let prefixed (prefix: string) (present: bool) =
            if not present then None
            else
                let layerShapes = NeuralNetwork.parameterShapes model.Network (Array.append [| 1 |] model.InputShape)
                let tensors = layerShapes |> List.mapi (fun i ss -> [ for n, s in ss -> tensor (sprintf "%slayers.%d.%s" prefix i n) s ])
                let states =
                    model.Network.Layers |> List.mapi (fun i layer ->
                        match layer with
                        | Layer.Sequence spec ->
                            match SequenceLayer.stateShapes spec |> List.map (fun (n, s) -> tensor (sprintf "%slayers.%d.state.%s" prefix i n) s) with
                            | [ h ] -> Some { H = h; C = None }
                            | [ h; c ] -> Some { H = h; C = Some c }
                            | _ -> None
                        | _ -> None)
                Some (withStrategies (NeuralNetwork.ofParameters (Array.append [| 1 |] model.InputShape) tensors states model.Network))
        let evaluations =
            let v = prop "evaluations"
            if v.ValueKind <> JsonValueKind.Array then fail "its checkpoint's evaluations are not an array"
            [ for x in v.EnumerateArray() ->
                match x.TryGetProperty "epoch", x.TryGetProperty "loss" with
                | (true, ep), (true, l) when ep.ValueKind = JsonValueKind.Number ->
                    { Epoch = ep.GetInt32(); Loss = (if l.ValueKind = JsonValueKind.Number then l.GetDouble() else nan) }
                | _ -> fail "its checkpoint holds an evaluation without an epoch and a loss" ]
        let best = match (prop "best").ValueKind with JsonValueKind.Null -> Double.PositiveInfinity | _ -> number "best"
        { Epoch = int' "epoch" 1 Int32.MaxValue
          Batch = int' "batch" 0 Int32.MaxValue
          Network = withStrategies model.Network
          OptimizerState =
            { LearningRate = number "learning_rate"; DecayPerEpoch = number "decay_per_epoch"; Steps = int' "steps" 0 Int32.MaxValue
              Velocities = velocities; SquareSums = squareSums }
          Order = order
          Rng = rng
          Best = best
          BestEpoch = int' "best_epoch" 0 Int32.MaxValue
          BestNetwork = prefixed "best." (bool' "has_best_network")
          Snapshot = prefixed "snapshot." (bool' "has_snapshot")
          Evaluations = evaluations }

    /// The sample shape of the training data (what the model file records as its input shape).
    let private inputShape (data: TrainingData<'T>) =
        match data with
        | TrainingData.Rows (x, _) -> x.Dims.[1..]
        | TrainingData.Steps (_, make) -> (fst (make 0)).Dims.[1..]

    /// `Trainer.run` writing a checkpoint as the options say.
    /// <exception cref="InvalidValueException">when `Every` is below 1.</exception>
    /// <exception cref="FileWriteException">when the checkpoint cannot be written (checked before training starts).</exception>
    let fit (checkpoint: CheckpointOptions) (monitor: FitMonitor<'T>) (options: FitOptions) (optimizer: Optimizer) (net: NeuralNetwork<'T>)
            (data: TrainingData<'T>) (validation: (Tensor<'T> * Tensor<'T>) option) : FitResult<'T> =
        if checkpoint.Every < 1 then
            raise (InvalidValueException("Trainer.fit", "a checkpoint every 1 or more batches", string checkpoint.Every, "Every"))
        SafeTensors.checkWritable checkpoint.Path
        let control = { Resume = None; CheckpointEvery = checkpoint.Every; OnCheckpoint = writer checkpoint.Path (inputShape data) options optimizer }
        Trainer.run control monitor options optimizer net data validation

    /// Resumes the fit whose last checkpoint is in `checkpoint.Path` (the same options,
    /// optimizer, network and data), writing further checkpoints there.
    /// <exception cref="DataFormatException">when the checkpoint is not valid or of another network.</exception>
    /// <exception cref="InvalidValueException">when it was written by a fit of other settings.</exception>
    let resume (checkpoint: CheckpointOptions) (monitor: FitMonitor<'T>) (options: FitOptions) (optimizer: Optimizer) (net: NeuralNetwork<'T>)
               (data: TrainingData<'T>) (validation: (Tensor<'T> * Tensor<'T>) option) : FitResult<'T> =
        if checkpoint.Every < 1 then
            raise (InvalidValueException("Trainer.resume", "a checkpoint every 1 or more batches", string checkpoint.Every, "Every"))
        let position = read checkpoint.Path options optimizer net
        let control = { Resume = Some position; CheckpointEvery = checkpoint.Every; OnCheckpoint = writer checkpoint.Path (inputShape data) options optimizer }
        Trainer.run control monitor options optimizer net data validation
