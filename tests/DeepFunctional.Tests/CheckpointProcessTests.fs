/// A fit in a real process, killed (SIGKILL, no chance to clean up) while it trains and writes
/// checkpoints, then resumed here from what it left on disk: it must end with the bits of the
/// same fit uninterrupted. The child is this test program itself, started with
/// `--checkpoint-child PATH` (see `Main`).
module DeepFunctional.Tests.CheckpointProcessTests

open System
open System.Diagnostics
open System.IO
open System.Threading
open Expecto
open DeepFunctional
open DeepFunctional.Tests.Check

/// The argument that makes the test program run `child` instead of the tests.
let ChildFlag = "--checkpoint-child"

/// Checkpoints are written every this many batches.
let private every = 6

let private options = { FitOptions.defaults with Epochs = 30; EvalEvery = 3; BatchSize = 8; Seed = 12L; EarlyStopping = true }

let private optimizer = Optimizer.sgdMomentum 0.05 0.9 |> Optimizer.withDecay DecayType.Exponential 0.01

/// The data, network and validation set of the fit: the same in parent and child.
let private fitParts () =
    let x = randomTensor<float> 21L [| 56; 5 |]
    let labels = Array.init 56 (fun i -> if (floats x).[i * 5] + (floats x).[i * 5 + 1] > 0.0 then 1 else 0)
    let xv = randomTensor<float> 22L [| 16; 5 |]
    let lv = Array.init 16 (fun i -> if (floats xv).[i * 5] + (floats xv).[i * 5 + 1] > 0.0 then 1 else 0)
    let net: NeuralNetwork<float> =
        NeuralNetwork.create
            [ Layer.Dense (Dense.create 7 Activation.Tanh |> Dense.withDropout DropoutScaling.Inverted 0.9); Layer.Dense (Dense.create 2 Activation.Linear) ]
            Loss.softmaxCrossEntropy 8L
    net, TrainingData.Rows(x, Classification.oneHot<float> 2 labels), Some (xv, Classification.oneHot<float> 2 lv)

/// The child: the fit with checkpoints, printing every completed batch and slowed down to
/// about 3 ms a batch so that the parent can kill it in the middle.
let child (path: string) : int =
    let net, data, validation = fitParts ()
    let monitor: FitMonitor<float> =
        { OnEvent = (function
            | BatchCompleted (epoch, batch, _, _) ->
                Console.Out.WriteLine(sprintf "batch %d %d" epoch batch)
                Console.Out.Flush()
                Thread.Sleep 3
            | _ -> ())
          CheckEvery = 0; CheckLastBatch = false; OnCheck = (fun _ _ _ -> ()); Cancellation = CancellationToken.None }
    Checkpoint.fit { Path = path; Every = every } monitor options optimizer net data validation |> ignore
    Console.Out.WriteLine "done"
    0

/// Starts this test program as the child.
let private startChild (path: string) =
    let exe =
        match Environment.ProcessPath with
        | null -> failtest "the test program's own path is unknown"
        | p -> p
    let info = ProcessStartInfo(exe, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false)
    // Run as `dotnet DeepFunctional.Tests.dll ...` the host is dotnet, and the assembly comes first.
    if String.Equals(Path.GetFileNameWithoutExtension exe, "dotnet", StringComparison.OrdinalIgnoreCase) then
        info.ArgumentList.Add(Reflection.Assembly.GetExecutingAssembly().Location)
    info.ArgumentList.Add ChildFlag
    info.ArgumentList.Add path
    match Process.Start info with
    | null -> failtestf "could not start %s" exe
    | p -> p

let private bits (n: NeuralNetwork<float>) = NeuralNetwork.parameters n |> List.map (fun t -> floats t |> Array.map BitConverter.DoubleToInt64Bits)

[<Tests>]
let tests =
    testList "Checkpoint in a killed process" [
        testCase "a fit killed in another process and resumed here ends with the uninterrupted fit's bits" <| fun () ->
            let dir = Directory.CreateTempSubdirectory("df-killed-").FullName
            try
                let path = Path.Combine(dir, "fit.ckpt")
                let net, data, validation = fitParts ()
                let quiet: FitMonitor<float> = { OnEvent = ignore; CheckEvery = 0; CheckLastBatch = false; OnCheck = (fun _ _ _ -> ()); Cancellation = CancellationToken.None }
                let whole = Trainer.train quiet options optimizer net data validation
                // 7 batches an epoch: kill the child once it reports a batch of epoch 4 (past several
                // checkpoints, long before its end), wherever it then is, writing a checkpoint or not.
                use proc = startChild path
                let mutable killedAt = None
                let deadline = DateTime.UtcNow.AddSeconds 120.0
                while killedAt.IsNone && DateTime.UtcNow < deadline do
                    match proc.StandardOutput.ReadLine() with
                    | null -> failtestf "the child ended before it was killed: %s" (proc.StandardError.ReadToEnd())
                    | line when line.StartsWith "batch 4 " ->
                        proc.Kill true
                        killedAt <- Some line
                    | "done" -> failtest "the child finished before it was killed"
                    | _ -> ()
                Expect.isSome killedAt "the child was killed within two minutes"
                proc.WaitForExit()
                Expect.isTrue (File.Exists path) "the killed child left a checkpoint"
                // The resumed fit must start where the child's last checkpoint stood, not from scratch.
                let mutable first = None
                let watch = { quiet with OnEvent = (function BatchCompleted (e, b, _, _) when first.IsNone -> first <- Some (e, b) | _ -> ()) }
                let resumed = Checkpoint.resume { Path = path; Every = every } watch options optimizer net data validation
                match first with
                | Some (epoch, batch) -> isAtLeast (epoch * 100 + batch) 301 "the resumed fit starts at epoch 3 or later"
                | None -> failtest "the resumed fit trained no batch"
                Expect.equal (bits resumed.Network) (bits whole.Network) "the same final parameters as the uninterrupted fit"
                Expect.equal (resumed.Evaluations |> List.map (fun e -> e.Epoch, BitConverter.DoubleToInt64Bits e.Loss))
                             (whole.Evaluations |> List.map (fun e -> e.Epoch, BitConverter.DoubleToInt64Bits e.Loss)) "the same evaluations"
                Expect.equal resumed.StoppedEarlyAt whole.StoppedEarlyAt "the same early stop"
                Expect.equal resumed.Rng whole.Rng "the same generator"
            finally Directory.Delete(dir, true)
    ]
