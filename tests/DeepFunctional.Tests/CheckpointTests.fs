/// Checkpoints and resume: a fit cancelled part-way and resumed from its last checkpoint ends with
/// the same bits as the same fit uninterrupted, for every optimizer; cancelling keeps the last
/// completed batch's network; checkpoints of another fit are refused.
module DeepFunctional.Tests.CheckpointTests

open System
open System.IO
open System.Threading
open Expecto
open DeepFunctional
open DeepFunctional.Tests.Check

let private withFolder (f: string -> unit) =
    let dir = Directory.CreateTempSubdirectory("df-checkpoint-").FullName
    try f dir finally Directory.Delete(dir, true)

let private bits (n: NeuralNetwork<'T>) = NeuralNetwork.parameters n |> List.map (fun t -> floats t |> Array.map BitConverter.DoubleToInt64Bits)

let private monitor (cancelAfter: int) (source: CancellationTokenSource) : FitMonitor<'T> =
    let mutable batches = 0
    { OnEvent = (function
        | BatchCompleted _ ->
            batches <- batches + 1
            if batches = cancelAfter then source.Cancel()
        | _ -> ())
      CheckEvery = 0; CheckLastBatch = false; OnCheck = (fun _ _ _ -> ()); Cancellation = source.Token }

let private quiet<'T> : FitMonitor<'T> =
    { OnEvent = ignore; CheckEvery = 0; CheckLastBatch = false; OnCheck = (fun _ _ _ -> ()); Cancellation = CancellationToken.None }

let private data () =
    let x = randomTensor<float> 1L [| 50; 6 |]
    let labels = Array.init 50 (fun i -> if (floats x).[i * 6] > 0.0 then 1 else 0)
    let xv = randomTensor<float> 2L [| 20; 6 |]
    let lv = Array.init 20 (fun i -> if (floats xv).[i * 6] > 0.0 then 1 else 0)
    x, Classification.oneHot<float> 2 labels, xv, Classification.oneHot<float> 2 lv

let private denseNet () : NeuralNetwork<float> =
    NeuralNetwork.create
        [ Layer.Dense (Dense.create 8 Activation.Tanh |> Dense.withDropout DropoutScaling.Inverted 0.8); Layer.Dense (Dense.create 2 Activation.Linear) ]
        Loss.softmaxCrossEntropy 5L

let private optimizers =
    [ "SGD", Optimizer.sgd 0.1
      "momentum with exponential decay", Optimizer.sgdMomentum 0.1 0.9 |> Optimizer.withDecay DecayType.Exponential 0.02
      "AdaGrad clipped", Optimizer.adaGrad 0.05 |> Optimizer.withClipping 0.5
      "Adam with linear decay", Optimizer.adam 0.01 |> Optimizer.withDecay DecayType.Linear 0.001
      "Adam with a per-batch cosine schedule", Optimizer.adam 0.01 |> Optimizer.withSchedule ScheduleUnit.Batch (Schedule.Cosine(9, 0.001))
      "momentum with a per-epoch warm-up then steps", Optimizer.sgdMomentum 0.1 0.9 |> Optimizer.withSchedule ScheduleUnit.Epoch (Schedule.Warmup(2, 0.5, Schedule.Step(2, 0.5))) ]

/// Trains uninterrupted, then cancelled after `stopAfter` batches with checkpoints every `every`
/// and resumed; both must end with the same bits.
let private resumeMatches (options: FitOptions) (optimizer: Optimizer) (net: NeuralNetwork<'T>) (data: TrainingData<'T>) validation (every: int) (stopAfter: int) =
    withFolder (fun dir ->
        let whole = Trainer.train quiet options optimizer net data validation
        let checkpoint = { Path = Path.Combine(dir, "fit.ckpt"); Every = every }
        use source = new CancellationTokenSource()
        let cancelled = caught<FitCancelledException<'T>> (fun () -> Checkpoint.fit checkpoint (monitor stopAfter source) options optimizer net data validation |> ignore)
        isAbove (cancelled.Position.Epoch * 1000 + cancelled.Position.Batch) 1000 "it stopped part-way"
        let resumed = Checkpoint.resume checkpoint quiet options optimizer net data validation
        Expect.equal (bits resumed.Network) (bits whole.Network) "the same final parameters"
        Expect.equal (resumed.Evaluations |> List.map (fun e -> e.Epoch, BitConverter.DoubleToInt64Bits e.Loss)) (whole.Evaluations |> List.map (fun e -> e.Epoch, BitConverter.DoubleToInt64Bits e.Loss)) "the same evaluations"
        Expect.equal resumed.StoppedEarlyAt whole.StoppedEarlyAt "the same early stop"
        Expect.equal resumed.Rng whole.Rng "the same generator"
        List.iter2 (fun (a: Tensor<'T>) (b: Tensor<'T>) -> Expect.equal (floats a) (floats b) "the same optimizer moments") resumed.OptimizerState.Velocities whole.OptimizerState.Velocities
        Expect.equal resumed.OptimizerState.LearningRate whole.OptimizerState.LearningRate "the same learning rate")

[<Tests>]
let tests =
    testList "Checkpoint" [
        for name, optimizer in optimizers do
            testCase (sprintf "a fit with %s cancelled mid-epoch and resumed from its checkpoint ends with the uninterrupted fit's bits" name) <| fun () ->
                let x, y, xv, yv = data ()
                let options = { FitOptions.defaults with Epochs = 6; EvalEvery = 2; BatchSize = 8; Seed = 3L; EarlyStopping = false }
                // 7 batches per epoch: stopping after 17 leaves the fit in epoch 3, checkpoint after 15.
                resumeMatches options optimizer (denseNet ()) (TrainingData.Rows(x, y)) (Some (xv, yv)) 5 17

        testCase "a fit cancelled right after an epoch's end resumes from the epoch checkpoint with the same bits" <| fun () ->
            let x, y, xv, yv = data ()
            let options = { FitOptions.defaults with Epochs = 4; EvalEvery = 1; BatchSize = 10; Seed = 4L; EarlyStopping = false }
            resumeMatches options (Optimizer.sgdMomentum 0.05 0.9) (denseNet ()) (TrainingData.Rows(x, y)) (Some (xv, yv)) 100 10

        testCase "a fit with early stopping and a copying strategy resumes with its best network and copy" <| fun () ->
            let x, y, xv, yv = data ()
            let periodEnd =
                EarlyStoppingModel.Strategy
                    { new EarlyStoppingStrategy("copy before each period's last epoch") with
                        member _.SnapshotBefore(epoch, evalEvery) = epoch % evalEvery = 0 }
            for model in [ EarlyStoppingModel.Best; periodEnd ] do
                let options = { FitOptions.defaults with Epochs = 40; EvalEvery = 2; BatchSize = 8; Seed = 3L; EarlyStopping = true; EarlyStoppingModel = model }
                resumeMatches options (Optimizer.sgd 0.8) (denseNet ()) (TrainingData.Rows(x, y)) (Some (xv, yv)) 3 30

        testCase "a recurrent network carrying its state resumes with the same bits, in single precision" <| fun () ->
            let x = randomTensor<float32> 1L [| 24; 5; 3 |]
            let y = randomTensor<float32> 2L [| 24; 5; 2 |]
            let net: NeuralNetwork<float32> = NeuralNetwork.create [ Layer.Sequence (SequenceLayer.lstm 6 2) ] Loss.MeanSquaredError 9L
            let options = { FitOptions.defaults with Epochs = 3; EvalEvery = 1; BatchSize = 4; Seed = 1L; EarlyStopping = false }
            resumeMatches options (Optimizer.adaGrad 0.05 |> Optimizer.withClipping 2.0) net (TrainingData.Rows(x, y)) None 4 9

        testCase "cancelling keeps the network of the last completed batch and says where the fit stood" <| fun () ->
            let x, y, xv, yv = data ()
            let options = { FitOptions.defaults with Epochs = 3; EvalEvery = 1; BatchSize = 10; Seed = 4L; EarlyStopping = false }
            use source = new CancellationTokenSource()
            let e = caught<FitCancelledException<float>> (fun () -> Trainer.train (monitor 7 source) options (Optimizer.sgd 0.1) (denseNet ()) (TrainingData.Rows(x, y)) (Some (xv, yv)) |> ignore)
            Expect.equal (e.Position.Epoch, e.Position.Batch) (2, 2) "before batch 3 of epoch 2 (5 batches an epoch)"
            Expect.equal (bits e.Result.Network) (bits e.Position.Network) "the result's network is the position's"
            Expect.isTrue (box e :? OperationCanceledException) "an OperationCanceledException"
            // The same two epochs' worth of batches trained without cancelling, then compared.
            let mutable atSeven = None
            let watch =
                let mutable n = 0
                { quiet<float> with
                    OnEvent = (function BatchCompleted _ -> n <- n + 1 | _ -> ())
                    CheckEvery = 1; CheckLastBatch = true
                    OnCheck = fun _ _ net -> if n = 7 then atSeven <- Some net }
            Trainer.train watch options (Optimizer.sgd 0.1) (denseNet ()) (TrainingData.Rows(x, y)) (Some (xv, yv)) |> ignore
            Expect.equal (bits e.Result.Network) (bits atSeven.Value) "the network after the 7th batch"

        testCase "a checkpoint of another network or of other settings is refused" <| fun () ->
            withFolder (fun dir ->
                let x, y, xv, yv = data ()
                let options = { FitOptions.defaults with Epochs = 2; EvalEvery = 1; BatchSize = 10; Seed = 4L; EarlyStopping = false }
                let checkpoint = { Path = Path.Combine(dir, "fit.ckpt"); Every = 2 }
                Checkpoint.fit checkpoint quiet options (Optimizer.sgd 0.1) (denseNet ()) (TrainingData.Rows(x, y)) (Some (xv, yv)) |> ignore
                let other: NeuralNetwork<float> = NeuralNetwork.create [ Layer.Dense (Dense.create 3 Activation.Linear) ] Loss.MeanSquaredError 1L
                let e = caught<DataFormatException> (fun () -> Checkpoint.resume checkpoint quiet options (Optimizer.sgd 0.1) other (TrainingData.Rows(x, y)) None |> ignore)
                Expect.stringContains e.Message "another network" "says why"
                throwsValue "Trainer.resume" (fun () -> Checkpoint.resume checkpoint quiet { options with Epochs = 5 } (Optimizer.sgd 0.1) (denseNet ()) (TrainingData.Rows(x, y)) None |> ignore)
                Expect.throwsT<FileNotFoundException> (fun () -> Checkpoint.read<float> (Path.Combine(dir, "none.ckpt")) options (Optimizer.sgd 0.1) (denseNet ()) |> ignore) "a missing file"
                let plain = Path.Combine(dir, "plain.safetensors")
                let n, _ = NeuralNetwork.initialise (Tensor.zeros<float> [| 1; 6 |]) (Rng.seed 0L) (denseNet ())
                ModelFile.save plain (ModelFile.ofNetwork [| 6 |] n)
                let e = caught<DataFormatException> (fun () -> Checkpoint.read<float> plain options (Optimizer.sgd 0.1) (denseNet ()) |> ignore)
                Expect.stringContains e.Message "without a checkpoint" "a model file is not a checkpoint")

        testCase "a checkpoint path in a missing folder is refused before training starts" <| fun () ->
            let x, y, _, _ = data ()
            let checkpoint = { Path = Path.Combine(Path.GetTempPath(), "df-no-such-folder-" + Guid.NewGuid().ToString("N"), "fit.ckpt"); Every = 2 }
            let mutable trained = false
            let m = { quiet<float> with OnEvent = fun _ -> trained <- true }
            Expect.throwsT<FileWriteException> (fun () -> Checkpoint.fit checkpoint m FitOptions.defaults (Optimizer.sgd 0.1) (denseNet ()) (TrainingData.Rows(x, y)) None |> ignore) "a typed error"
            Expect.isFalse trained "before any batch"
    ]
