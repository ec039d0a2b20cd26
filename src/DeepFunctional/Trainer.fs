namespace DeepFunctional

open System
open System.Threading

/// Which model early stopping keeps.
[<RequireQualifiedAccess>]
type EarlyStoppingModel =
    /// The model of the best evaluation so far (our default).
    | Best
    /// The book's: a copy taken at the start of the last epoch of the evaluation period that
    /// did not improve (its message still names the previous evaluation's epoch).
    | Book

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
      /// an epoch's last batch, which the epoch's own evaluation follows (the book's
      /// `conv_testing` prints after 100, 200, … 900 of 1,000 batches).
      CheckEvery: int
      /// Called with the 1-based epoch, the number of batches trained in it so far, and a copy
      /// of the network as training has left it (the caller may keep it).
      OnCheck: int -> int -> NeuralNetwork<'T> -> unit
      /// Checked between batches (OperationCanceledException).
      Cancellation: CancellationToken }

/// The training loop of the book's `Trainer`, as a pure function with an event callback.
[<RequireQualifiedAccess>]
module Trainer =

    /// The line the book prints for an event, if it prints one.
    let bookLine (event: TrainingEvent) : string option =
        match event with
        | Evaluated (e, loss, _) -> Some(sprintf "Validation loss after %d epochs is %.3f" e loss)
        | EarlyStopped (e, _, best, bestEpoch) ->
            Some(sprintf "Loss increased after epoch %d, final loss was %.3f, using the model from epoch %d" e best bestEpoch)
        | _ -> None

    let private validate (o: FitOptions) (net: NeuralNetwork<'T>) (xTrain: Tensor<'T>) (yTrain: Tensor<'T>) (xTest: Tensor<'T>) (yTest: Tensor<'T>) =
        let op = "Trainer.fit"
        let positive name v =
            if v < 1 then raise (InvalidValueException(op, sprintf "%s of at least 1" name, string v))
        positive "epochs" o.Epochs
        positive "eval_every" o.EvalEvery
        positive "batch_size" o.BatchSize
        if o.Seed < 0L || o.Seed > int64 UInt32.MaxValue then
            raise (InvalidValueException(op, "a seed in 0..4294967295", string o.Seed))
        Shape.checkSameRows op "x_train" xTrain.Dims "y_train" yTrain.Dims
        Shape.checkSameRows op "x_test" xTest.Dims "y_test" yTest.Dims
        Shape.checkRankAtLeast op "x_train" 2 xTrain.Dims
        Shape.checkRankAtLeast op "y_train" 2 yTrain.Dims
        Shape.checkSameSample op "x_train" xTrain.Dims "x_test" xTest.Dims
        Shape.checkSameSample op "y_train" yTrain.Dims "y_test" yTest.Dims
        if xTrain.Dims.[0] = 0 then raise (InvalidValueException(op, "at least one training row", "none"))
        if xTest.Dims.[0] = 0 then raise (InvalidValueException(op, "at least one test row", "none"))
        for name, t in [ "x_train", xTrain; "y_train", yTrain; "x_test", xTest; "y_test", yTest ] do
            Tensor.checkFinite op name t |> ignore
        if not o.Restart then
            match net.Params with
            | Some _ -> NeuralNetwork.forward net (Tensor.sliceRows 0 1 xTrain) |> ignore // fails early on a feature mismatch
            | None -> ()

    /// Trains `net` as the book's `Trainer.fit` does: seeds the generator, then every epoch
    /// permutes the training rows (composing with the previous order), trains batch by batch
    /// with one optimizer step each (dropout masks drawn from the same generator), every
    /// `EvalEvery` epochs computes the test loss in inference mode, and at the end of each epoch
    /// decays the learning rate if the optimizer has a decay; with early stopping, the first
    /// evaluation that does not improve ends training and the model chosen by
    /// `EarlyStoppingModel` is kept. The monitor's `OnEvent` sees every batch, epoch and
    /// evaluation, its `OnCheck` a copy of the network every `CheckEvery` batches, and its
    /// cancellation token is checked between batches (OperationCanceledException).
    /// Inputs may be of any rank ([rows; features] for dense networks, [rows; channels; h; w]
    /// for convolutional ones); targets are [rows; outputs].
    let fitMonitored (monitor: FitMonitor<'T>) (options: FitOptions) (optimizer: Optimizer)
                     (net: NeuralNetwork<'T>) (xTrain: Tensor<'T>) (yTrain: Tensor<'T>) (xTest: Tensor<'T>) (yTest: Tensor<'T>) : FitResult<'T> =
        if monitor.CheckEvery < 0 then
            raise (InvalidValueException("Trainer.fit", "a check interval of 0 (never) or more batches", string monitor.CheckEvery))
        let onEvent = monitor.OnEvent
        let cancellation = monitor.Cancellation
        validate options net xTrain yTrain xTest yTest
        let n = xTrain.Dims.[0]
        let batches = (n + options.BatchSize - 1) / options.BatchSize
        // The trainer updates parameters and velocities in place, on copies it owns: the caller's
        // network is never written, and every network it hands out (best, snapshot, result) is
        // a copy nobody else writes either.
        let own (n: NeuralNetwork<'T>) =
            if NeuralNetwork.isInitialised n then NeuralNetwork.withParameters (NeuralNetwork.parameters n |> List.map Tensor.copy) n else n
        let mutable rng = Rng.seed options.Seed
        let mutable net = if options.Restart then NeuralNetwork.reset net else own net
        let xBuffer = Array.zeroCreate (min options.BatchSize n * xTrain.Cols)
        let yBuffer = Array.zeroCreate (min options.BatchSize n * yTrain.Cols)
        let mutable state = Optimizer.initIn net.Arithmetic optimizer options.Epochs
        let mutable order = Array.init n id
        let mutable gradients = ValueNone
        let mutable best = Double.PositiveInfinity
        let mutable bestNet = net
        let mutable bestEpoch = 0
        let mutable snapshot = None
        let mutable lastTrained = net
        let mutable evaluations = []
        let mutable stoppedAt = None
        let mutable epoch = 1
        while epoch <= options.Epochs && stoppedAt.IsNone do
            if epoch % options.EvalEvery = 0 && NeuralNetwork.isInitialised net && options.EarlyStoppingModel = EarlyStoppingModel.Book then
                snapshot <- Some (own net)
            let perm, r = Rng.permutation n rng
            rng <- r
            order <- Array.map (fun i -> order.[i]) perm
            for b in 0 .. batches - 1 do
                cancellation.ThrowIfCancellationRequested()
                let start = b * options.BatchSize
                let rows = Array.sub order start (min options.BatchSize (n - start))
                let xb = Tensor.gatherRowsInto xBuffer rows xTrain
                let yb = Tensor.gatherRowsInto yBuffer rows yTrain
                // The gradients of the previous step were used up by its update: their buffers
                // take this step's gradients.
                let r = NeuralNetwork.trainBatchReusing gradients rng net xb yb
                rng <- r.Rng
                net <- r.Network
                gradients <- ValueSome r.Gradients
                state <- Optimizer.stepInPlace optimizer state (NeuralNetwork.parameters net) (NeuralNetwork.gradients r.Gradients)
                onEvent (BatchCompleted(epoch, b + 1, batches, r.Loss))
                if monitor.CheckEvery > 0 && (b + 1) % monitor.CheckEvery = 0 && b + 1 < batches then
                    monitor.OnCheck epoch (b + 1) (own net)
            onEvent (EpochCompleted(epoch, options.Epochs))
            if epoch % options.EvalEvery = 0 then
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
                    lastTrained <- net
                    match options.EarlyStoppingModel, snapshot with
                    | EarlyStoppingModel.Book, Some copy -> net <- copy
                    | _ when bestEpoch > 0 -> net <- bestNet
                    | _ -> ()
                    stoppedAt <- Some epoch
            if stoppedAt.IsNone then
                state <- Optimizer.endEpoch optimizer state
                lastTrained <- net
            epoch <- epoch + 1
        { Network = net
          LastTrained = lastTrained
          OptimizerState = state
          Evaluations = List.rev evaluations
          StoppedEarlyAt = stoppedAt
          Rng = rng }

    /// `fitMonitored` with an event callback and a cancellation token, and no checks.
    let fitWith (onEvent: TrainingEvent -> unit) (cancellation: CancellationToken) (options: FitOptions) (optimizer: Optimizer)
                (net: NeuralNetwork<'T>) (xTrain: Tensor<'T>) (yTrain: Tensor<'T>) (xTest: Tensor<'T>) (yTest: Tensor<'T>) : FitResult<'T> =
        let monitor = { OnEvent = onEvent; CheckEvery = 0; OnCheck = (fun _ _ _ -> ()); Cancellation = cancellation }
        fitMonitored monitor options optimizer net xTrain yTrain xTest yTest

    /// `fitWith` without events or cancellation.
    let fit (options: FitOptions) (optimizer: Optimizer) (net: NeuralNetwork<'T>) (xTrain: Tensor<'T>) (yTrain: Tensor<'T>) (xTest: Tensor<'T>) (yTest: Tensor<'T>) =
        fitWith ignore CancellationToken.None options optimizer net xTrain yTrain xTest yTest
