namespace DeepFunctional

open System
open System.Threading

/// When a fit takes copies of the network for early stopping to fall back on, if not the best
/// evaluated one: a strategy supplied from outside the library (the book layer's, for one).
[<AbstractClass>]
type EarlyStoppingStrategy(name: string) =
    inherit Named(name)
    /// Whether to take a copy of the network before the given 1-based epoch (once it has
    /// parameters); when training stops early, the latest copy is kept.
    abstract SnapshotBefore: epoch: int * evalEvery: int -> bool

/// Which model early stopping keeps.
[<RequireQualifiedAccess>]
type EarlyStoppingModel =
    /// The model of the best evaluation so far (our default).
    | Best
    /// The latest copy a strategy asked for.
    | Strategy of EarlyStoppingStrategy

    /// "Best" or the strategy's name.
    override this.ToString() = match this with Best -> "Best" | Strategy s -> s.Name

/// Where a fit's training batches come from.
[<RequireQualifiedAccess>]
type TrainingData<'T> =
    /// Rows of inputs x and targets y (the same number of rows), permuted every epoch with the
    /// fit's generator and cut into batches of `BatchSize` rows (the last one may be shorter):
    /// the book's `Trainer`.
    | Rows of x: Tensor<'T> * y: Tensor<'T>
    /// A fixed number of batches per epoch, each made by a function of the 0-based step of the
    /// whole fit (epoch · batches + batch): the book's `RNNTrainer` windows, for one.
    | Steps of batchesPerEpoch: int * batch: (int -> Tensor<'T> * Tensor<'T>)

/// The settings of `Trainer.fit`, named as in the book.
type FitOptions =
    { /// Passes over the training data.
      Epochs: int
      /// Evaluate on the test data every this many epochs.
      EvalEvery: int
      /// Rows per batch (the last batch of an epoch may be shorter).
      BatchSize: int
      /// The seed of the generator that permutes the training rows.
      Seed: int64
      /// Draw the network's parameters afresh before training.
      Restart: bool
      /// Stop when an evaluation does not improve.
      EarlyStopping: bool
      /// Which model early stopping keeps.
      EarlyStoppingModel: EarlyStoppingModel }

/// Defaults of `FitOptions`.
[<RequireQualifiedAccess>]
module FitOptions =
    /// The book's defaults: 100 epochs, eval every 10, batch 32, seed 1, restart, early stopping
    /// (keeping the best evaluated model).
    let defaults =
        { Epochs = 100; EvalEvery = 10; BatchSize = 32; Seed = 1L; Restart = true; EarlyStopping = true
          EarlyStoppingModel = EarlyStoppingModel.Best }

/// What happens during training, reported as it happens.
type TrainingEvent =
    /// A batch was trained on (1-based epoch and batch numbers; the batch's loss).
    | BatchCompleted of epoch: int * batch: int * batches: int * loss: float
    /// An epoch ended.
    | EpochCompleted of epoch: int * epochs: int
    /// The test loss was computed after an epoch and training goes on; `improved` tells
    /// whether it beat the best so far.
    | Evaluated of epoch: int * loss: float * improved: bool
    /// The test loss after `epoch` did not improve on `bestLoss`, so training stopped and the
    /// model of `bestEpoch` was kept (0 when no evaluation had a finite loss: the last model is kept).
    | EarlyStopped of epoch: int * loss: float * bestLoss: float * bestEpoch: int

/// One evaluation on the test data.
type Evaluation =
    { /// The 1-based epoch after which it was computed.
      Epoch: int
      /// The test loss.
      Loss: float }

/// What `Trainer.fit` returns.
type FitResult<'T> =
    { /// The trained network (the best evaluated one when training stopped early).
      Network: NeuralNetwork<'T>
      /// The network as the last epoch left it, before any early-stopping restore (the book's
      /// caller keeps this one: its `fit` only rebinds the trainer's own reference).
      LastTrained: NeuralNetwork<'T>
      /// The optimizer's state after the last step.
      OptimizerState: OptimizerState<'T>
      /// Every evaluation, in order.
      Evaluations: Evaluation list
      /// The epoch training stopped at early, if it did.
      StoppedEarlyAt: int option
      /// The generator after training (to continue a seeded run).
      Rng: Rng }

/// How a caller watches a fit as it runs (see `Trainer.fitMonitored`).
type FitMonitor<'T> =
    { /// Sees every batch, epoch and evaluation.
      OnEvent: TrainingEvent -> unit
      /// Every this many batches within an epoch (0: never), `OnCheck` is called; not after
      /// an epoch's last batch unless `CheckLastBatch` (the epoch's own evaluation follows it:
      /// the book's `conv_testing` prints after 100, 200, … 900 of 1,000 batches).
      CheckEvery: int
      /// Whether a check falling on an epoch's last batch is made too.
      CheckLastBatch: bool
      /// Called with the 1-based epoch, the number of batches trained in it so far, and a copy
      /// of the network as training has left it (the caller may keep it).
      OnCheck: int -> int -> NeuralNetwork<'T> -> unit
      /// Checked between batches (OperationCanceledException).
      Cancellation: CancellationToken }

/// Where a fit stands between two batches: everything it needs to go on exactly as it would have
/// (a checkpoint holds one; `Trainer.run` resumes from one).
type FitPosition<'T> =
    { /// The 1-based epoch the next batch belongs to.
      Epoch: int
      /// The 0-based index of the next batch in that epoch; 0 when the epoch has not started (its
      /// permutation is not drawn yet).
      Batch: int
      /// The network as training has left it (a copy).
      Network: NeuralNetwork<'T>
      /// The optimizer's state, its moments included.
      OptimizerState: OptimizerState<'T>
      /// The order of the training rows (the composed permutations; the current epoch's once it has started).
      Order: int[]
      /// The training generator.
      Rng: Rng
      /// The best validation loss so far (+∞ before the first evaluation).
      Best: float
      /// The epoch of the best loss (0 before the first evaluation).
      BestEpoch: int
      /// A copy of the best evaluated network, when early stopping keeps it.
      BestNetwork: NeuralNetwork<'T> option
      /// The copy an early-stopping strategy took, if any.
      Snapshot: NeuralNetwork<'T> option
      /// The evaluations so far, in order.
      Evaluations: Evaluation list }

/// What `Trainer.run` does beside training: resume from a position, hand out positions to save.
type FitControl<'T> =
    { /// The position to resume from (None: start afresh).
      Resume: FitPosition<'T> option
      /// Hand a position to `OnCheckpoint` every this many batches (0: never) and at the end of
      /// every epoch (after its evaluation), and when the fit is cancelled.
      CheckpointEvery: int
      /// Saves a position (e.g. `Checkpoint.write`).
      OnCheckpoint: FitPosition<'T> -> unit }

/// Raised when a fit's cancellation token is cancelled between two batches: an
/// `OperationCanceledException` that carries the fit as it stood, its network that of the last
/// completed batch.
type FitCancelledException<'T>(result: FitResult<'T>, position: FitPosition<'T>, token: CancellationToken) =
    inherit OperationCanceledException(sprintf "Trainer.fit: cancelled before batch %d of epoch %d" (position.Batch + 1) position.Epoch, token)
    /// The fit as it stood: its `Network` and `LastTrained` are the network after the last
    /// completed batch.
    member _.Result = result
    /// Where the fit stood (to resume from).
    member _.Position = position

/// The training loop (the book's `Trainer.fit`, for any layers and any training data), as a
/// pure function with an event callback.
[<RequireQualifiedAccess>]
module Trainer =

    let private checkOptions (op: string) (o: FitOptions) =
        let positive name v =
            if v < 1 then raise (InvalidValueException(op, sprintf "%s of at least 1" name, string v, name))
        positive "epochs" o.Epochs
        positive "eval_every" o.EvalEvery
        positive "batch_size" o.BatchSize
        if o.Seed < 0L || o.Seed > int64 UInt32.MaxValue then
            raise (InvalidValueException(op, "a seed in 0..4294967295", string o.Seed, "seed"))

    let private validate (o: FitOptions) (net: NeuralNetwork<'T>) (data: TrainingData<'T>) (validation: (Tensor<'T> * Tensor<'T>) option) =
        let op = "Trainer.fit"
        checkOptions op o
        // A set of rows: inputs and targets of the same length, at least one row, finite.
        let checkSet (what: string) (xName: string) (x: Tensor<'T>) (yName: string) (y: Tensor<'T>) (param: string) =
            Shape.checkSameBatch op xName x.Dims yName y.Dims param
            if x.Dims.[0] = 0 then raise (InvalidValueException(op, sprintf "at least one %s row" what, "none", param))
            Tensor.checkFinite op xName x |> ignore
            Tensor.checkFinite op yName y |> ignore
        match data with
        | TrainingData.Rows (xTrain, yTrain) ->
            checkSet "training" "x_train" xTrain "y_train" yTrain "yTrain"
            match validation with
            | Some (xTest, yTest) ->
                Shape.checkSameSample op "x_train" xTrain.Dims "x_test" xTest.Dims
                Shape.checkSameSample op "y_train" yTrain.Dims "y_test" yTest.Dims
            | None -> ()
        | TrainingData.Steps (batches, _) ->
            if batches < 1 then raise (InvalidValueException(op, "at least one batch per epoch", string batches, "batchesPerEpoch"))
        match validation with
        | Some (xTest, yTest) -> checkSet "test" "x_test" xTest "y_test" yTest "yTest"
        | None -> ()
        if not o.Restart then
            match net.Params, data with
            | Some _, TrainingData.Rows (xTrain, _) -> NeuralNetwork.forward net (Tensor.sliceRows 0 1 xTrain) |> ignore // fails early on a feature mismatch
            | _ -> ()

    /// A copy of a network's parameters (the trainer hands out nothing it will write).
    let private own (n: NeuralNetwork<'T>) =
        if NeuralNetwork.isInitialised n then NeuralNetwork.withParameters (NeuralNetwork.parameters n |> List.map Tensor.copy) n else n

    /// Trains `net` as the book's `Trainer.fit` does, on any training data: seeds the generator;
    /// every epoch (for rows) permutes the training rows, composing with the previous order;
    /// trains batch by batch with one optimizer step each (dropout masks drawn from the same
    /// generator); every `EvalEvery` epochs computes the validation loss in inference mode, when
    /// there is a validation set; and at the end of each epoch decays the learning rate if the
    /// optimizer has a decay. With early stopping, the first evaluation that does not improve
    /// ends training and the model chosen by `EarlyStoppingModel` is kept. The monitor's
    /// `OnEvent` sees every batch, epoch and evaluation, its `OnCheck` a copy of the network every
    /// `CheckEvery` batches; its cancellation token is checked between batches
    /// (`FitCancelledException`, carrying the fit as it stood). The control resumes from a
    /// position and hands out positions to save; a fit resumed from the position of an
    /// interrupted one ends with the same bits as the uninterrupted fit. The network passed in
    /// is never written: the trainer keeps its parameters and optimizer state in buffers of its
    /// own, updated in place.
    let run (control: FitControl<'T>) (monitor: FitMonitor<'T>) (options: FitOptions) (optimizer: Optimizer) (net: NeuralNetwork<'T>)
            (data: TrainingData<'T>) (validation: (Tensor<'T> * Tensor<'T>) option) : FitResult<'T> =
        let op = "Trainer.fit"
        if monitor.CheckEvery < 0 then
            raise (InvalidValueException(op, "a check interval of 0 (never) or more batches", string monitor.CheckEvery, "checkEvery"))
        if control.CheckpointEvery < 0 then
            raise (InvalidValueException(op, "a checkpoint interval of 0 (never) or more batches", string control.CheckpointEvery, "every"))
        let onEvent = monitor.OnEvent
        let cancellation = monitor.Cancellation
        validate options net data validation
        let batches, rows =
            match data with
            | TrainingData.Rows (x, _) -> (x.Dims.[0] + options.BatchSize - 1) / options.BatchSize, x.Dims.[0]
            | TrainingData.Steps (b, _) -> b, 0
        let resume = control.Resume
        match resume with
        | Some p ->
            if p.Epoch < 1 || p.Epoch > options.Epochs + 1 || p.Batch < 0 || p.Batch >= batches || (p.Epoch > options.Epochs && p.Batch > 0) then
                raise (InvalidValueException(op, sprintf "a position within %d epochs of %d batches" options.Epochs batches, sprintf "epoch %d, batch %d" p.Epoch p.Batch, "resume"))
            if p.Order.Length <> rows then
                raise (InvalidValueException(op, sprintf "a row order of the %d training rows" rows, sprintf "%d rows" p.Order.Length, "resume"))
            if not (NeuralNetwork.isInitialised p.Network) then
                raise (InvalidValueException(op, "a position with a trained network", "a network without parameters", "resume"))
        | None -> ()
        let mutable rng = match resume with Some p -> p.Rng | None -> Rng.seed options.Seed
        let mutable net =
            match resume with
            | Some p -> p.Network
            | None -> if options.Restart then NeuralNetwork.reset net else net
        let mutable state = match resume with Some p -> p.OptimizerState | None -> Optimizer.initWith net.Backend optimizer options.Epochs
        // The parameters live in the work's buffers; `net` holds views of them while it trains.
        let mutable work: Optimizer.Work<'T> voption = ValueNone
        let adopt (n: NeuralNetwork<'T>) =
            let w = Optimizer.work state (NeuralNetwork.parameters n)
            work <- ValueSome w
            NeuralNetwork.withParameters (w.Parameters |> List.map (fun b -> b.View)) n
        if NeuralNetwork.isInitialised net then net <- adopt net
        let mutable gradients: GradientBuffers<'T> voption = ValueNone
        let batchBuffers =
            match data with
            | TrainingData.Rows (x, y) ->
                let take = min options.BatchSize rows
                let shape (t: Tensor<'T>) = let s = Array.copy t.Dims in s.[0] <- take; s
                ValueSome (TensorBuffer<'T>.Zeros (shape x), TensorBuffer<'T>.Zeros (shape y))
            | TrainingData.Steps _ -> ValueNone
        let mutable order = match resume with Some p -> Array.copy p.Order | None -> Array.init rows id
        let mutable best = match resume with Some p -> p.Best | None -> Double.PositiveInfinity
        let mutable bestNet = match resume with Some { BestNetwork = Some b } -> b | _ -> net
        let mutable bestEpoch = match resume with Some p -> p.BestEpoch | None -> 0
        let mutable snapshot = match resume with Some p -> p.Snapshot | None -> None
        let mutable lastTrained = None
        let mutable evaluations = match resume with Some p -> List.rev p.Evaluations | None -> []
        let mutable stoppedAt = None
        let mutable kept = None
        let mutable epoch = match resume with Some p -> p.Epoch | None -> 1
        let mutable startBatch = match resume with Some p -> p.Batch | None -> 0
        let position (e: int) (b: int) : FitPosition<'T> =
            { Epoch = e; Batch = b; Network = own net
              OptimizerState = (match work with ValueSome w -> Optimizer.snapshot state w | ValueNone -> state)
              Order = Array.copy order; Rng = rng; Best = best; BestEpoch = bestEpoch
              BestNetwork = (if options.EarlyStopping && bestEpoch > 0 then Some bestNet else None)
              Snapshot = snapshot; Evaluations = List.rev evaluations }
        let result () =
            let final = own net
            { Network = defaultArg kept final
              LastTrained = defaultArg lastTrained final
              OptimizerState = (match work with ValueSome w -> Optimizer.snapshot state w | ValueNone -> state)
              Evaluations = List.rev evaluations
              StoppedEarlyAt = stoppedAt
              Rng = rng }
        let mutable step = ((epoch - 1) * batches) + startBatch
        // Cancellation is looked at before every batch; before an epoch's first batch, before its
        // permutation is drawn, so that the position handed out is the epoch's start.
        let stopIfCancelled (b: int) =
            if cancellation.IsCancellationRequested then
                let p = position epoch b
                if control.CheckpointEvery > 0 && NeuralNetwork.isInitialised net then control.OnCheckpoint p
                raise (FitCancelledException<'T>(result (), p, cancellation))
        while epoch <= options.Epochs && stoppedAt.IsNone do
            if startBatch = 0 then
                stopIfCancelled 0
                match options.EarlyStoppingModel with
                | EarlyStoppingModel.Strategy s when NeuralNetwork.isInitialised net && s.SnapshotBefore(epoch, options.EvalEvery) ->
                    snapshot <- Some (own net)
                | _ -> ()
                match data with
                | TrainingData.Rows _ ->
                    let perm, r = Rng.permutation rows rng
                    rng <- r
                    order <- Array.map (fun i -> order.[i]) perm
                | TrainingData.Steps _ -> ()
            for b in startBatch .. batches - 1 do
                if b > 0 then stopIfCancelled b
                let xb, yb =
                    match data, batchBuffers with
                    | TrainingData.Rows (x, y), ValueSome (xBuffer, yBuffer) ->
                        let start = b * options.BatchSize
                        let picked = Array.sub order start (min options.BatchSize (rows - start))
                        Tensor.gatherRowsInto xBuffer.Data picked x, Tensor.gatherRowsInto yBuffer.Data picked y
                    | TrainingData.Steps (_, make), _ -> make ((epoch - 1) * batches + b)
                    | _ -> raise (InvalidOperationException "Trainer.fit: batches without their buffers")
                // The gradients of the previous step were used up by its update: their buffers
                // take this step's gradients.
                let r = NeuralNetwork.trainBatchInto gradients rng net xb yb
                rng <- r.Rng
                net <- r.Network
                if work.IsNone then net <- adopt net
                if gradients.IsNone then gradients <- ValueSome (NeuralNetwork.gradientBuffers r.Gradients)
                state <- Optimizer.stepInPlace optimizer state work.Value (NeuralNetwork.gradients r.Gradients)
                step <- step + 1
                onEvent (BatchCompleted(epoch, b + 1, batches, r.Loss))
                if monitor.CheckEvery > 0 && (b + 1) % monitor.CheckEvery = 0 && (b + 1 < batches || monitor.CheckLastBatch) then
                    monitor.OnCheck epoch (b + 1) (own net)
                // Mid-epoch checkpoints; the one after an epoch's last batch waits for its end.
                if control.CheckpointEvery > 0 && step % control.CheckpointEvery = 0 && b + 1 < batches then
                    control.OnCheckpoint (position epoch (b + 1))
            startBatch <- 0
            onEvent (EpochCompleted(epoch, options.Epochs))
            match validation with
            | Some (xTest, yTest) when epoch % options.EvalEvery = 0 ->
                let loss = NeuralNetwork.loss net xTest yTest
                let improved = loss < best
                evaluations <- { Epoch = epoch; Loss = loss } :: evaluations
                if improved || not options.EarlyStopping then
                    onEvent (Evaluated(epoch, loss, improved))
                if improved then
                    best <- loss
                    if options.EarlyStopping then bestNet <- own net
                    bestEpoch <- epoch
                elif options.EarlyStopping then
                    onEvent (EarlyStopped(epoch, loss, best, bestEpoch))
                    lastTrained <- Some (own net)
                    kept <-
                        match options.EarlyStoppingModel, snapshot with
                        | EarlyStoppingModel.Strategy _, Some copy -> Some copy
                        | _ when bestEpoch > 0 -> Some bestNet
                        | _ -> None
                    stoppedAt <- Some epoch
            | _ -> ()
            if stoppedAt.IsNone then
                state <- Optimizer.endEpoch optimizer epoch state
            epoch <- epoch + 1
            if control.CheckpointEvery > 0 && stoppedAt.IsNone then control.OnCheckpoint (position epoch 0)
        result ()

    /// No resume and no checkpoints.
    let noControl<'T> : FitControl<'T> = { Resume = None; CheckpointEvery = 0; OnCheckpoint = ignore }

    /// `run` without resume or checkpoints.
    let train (monitor: FitMonitor<'T>) (options: FitOptions) (optimizer: Optimizer) (net: NeuralNetwork<'T>)
              (data: TrainingData<'T>) (validation: (Tensor<'T> * Tensor<'T>) option) : FitResult<'T> =
        run noControl monitor options optimizer net data validation

    /// `train` on rows of x and y with a test set for the evaluations (the book's `fit`).
    /// Inputs may be of any rank ([rows; features] for dense networks, [rows; channels; h; w]
    /// for convolutional ones, [rows; seq; features] for recurrent ones); targets likewise.
    let fitMonitored (monitor: FitMonitor<'T>) (options: FitOptions) (optimizer: Optimizer)
                     (net: NeuralNetwork<'T>) (xTrain: Tensor<'T>) (yTrain: Tensor<'T>) (xTest: Tensor<'T>) (yTest: Tensor<'T>) : FitResult<'T> =
        train monitor options optimizer net (TrainingData.Rows(xTrain, yTrain)) (Some (xTest, yTest))

    /// `fitMonitored` with an event callback and a cancellation token, and no checks.
    let fitWith (onEvent: TrainingEvent -> unit) (cancellation: CancellationToken) (options: FitOptions) (optimizer: Optimizer)
                (net: NeuralNetwork<'T>) (xTrain: Tensor<'T>) (yTrain: Tensor<'T>) (xTest: Tensor<'T>) (yTest: Tensor<'T>) : FitResult<'T> =
        let monitor = { OnEvent = onEvent; CheckEvery = 0; CheckLastBatch = false; OnCheck = (fun _ _ _ -> ()); Cancellation = cancellation }
        fitMonitored monitor options optimizer net xTrain yTrain xTest yTest

    /// `fitWith` without events or cancellation.
    let fit (options: FitOptions) (optimizer: Optimizer) (net: NeuralNetwork<'T>) (xTrain: Tensor<'T>) (yTrain: Tensor<'T>) (xTest: Tensor<'T>) (yTest: Tensor<'T>) =
        fitWith ignore CancellationToken.None options optimizer net xTrain yTrain xTest yTest
