module DeepFunctional.Tests.TrainerTests

open System
open System.Threading
open Expecto
open DeepFunctional
open DeepFunctional.Tests.Check

/// y = x·w + 0.1·noise on 3 features, 40 training and 20 test rows.
let data () =
    let x = randomTensor<float> 11L [| 60; 3 |]
    let w = Tensor.create [| 3; 1 |] [| 1.5; -2.0; 0.5 |]
    let y = Tensor.add (Tensor.matmul x w) (Tensor.scale 0.1 (randomTensor<float> 12L [| 60; 1 |]))
    Tensor.sliceRows 0 40 x, Tensor.sliceRows 0 40 y, Tensor.sliceRows 40 20 x, Tensor.sliceRows 40 20 y

let linear () : NeuralNetwork<float> =
    NeuralNetwork.create [ Layer.Dense (Dense.create 1 Activation.Linear) ] Loss.MeanSquaredError 5L

let options = { FitOptions.defaults with Epochs = 20; EvalEvery = 5; BatchSize = 8; Seed = 3L }

[<Tests>]
let tests =
    testList "Trainer" [
        testCase "Trainer.fit reports every batch, epoch and evaluation in order" <| fun () ->
            let xtr, ytr, xte, yte = data ()
            let events = Collections.Generic.List<TrainingEvent>()
            Trainer.fitWith events.Add CancellationToken.None options (Optimizer.sgd 0.05) (linear ()) xtr ytr xte yte |> ignore
            let batches = events |> Seq.filter (function BatchCompleted _ -> true | _ -> false) |> Seq.length
            let evals = events |> Seq.choose (function Evaluated (e, _, _) -> Some e | _ -> None) |> List.ofSeq
            Expect.equal batches (20 * 5) "40 rows in batches of 8, 20 epochs"
            Expect.equal evals [ 5; 10; 15; 20 ] "every 5 epochs"

        testCase "Trainer.fit learns a linear relation" <| fun () ->
            let xtr, ytr, xte, yte = data ()
            let r = Trainer.fit options (Optimizer.sgd 0.05) (linear ()) xtr ytr xte yte
            Check.isBelow (List.last r.Evaluations).Loss 0.05 "test loss near the noise level"
            let w = (NeuralNetwork.parameters r.Network).Head.ToArray()
            Expect.floatClose { absolute = 0.1; relative = 0.0 } w.[0] 1.5 "first weight"

        testCase "Trainer.fit is deterministic for a seed" <| fun () ->
            let xtr, ytr, xte, yte = data ()
            let a = Trainer.fit options (Optimizer.sgd 0.05) (linear ()) xtr ytr xte yte
            let b = Trainer.fit options (Optimizer.sgd 0.05) (linear ()) xtr ytr xte yte
            Expect.equal a.Evaluations b.Evaluations "same losses"

        testCase "Trainer.fit with a diverging learning rate stops early and keeps the best evaluated model" <| fun () ->
            let xtr, ytr, xte, yte = data ()
            let events = Collections.Generic.List<TrainingEvent>()
            let r = Trainer.fitWith events.Add CancellationToken.None { options with EvalEvery = 1; Epochs = 50 } (Optimizer.sgd 0.6) (linear ()) xtr ytr xte yte
            let stop = events |> Seq.tryPick (function EarlyStopped (e, l, best, bestEpoch) -> Some(e, l, best, bestEpoch) | _ -> None)
            match stop with
            | None -> failtest "expected early stopping"
            | Some (e, l, best, _) ->
                Expect.equal r.StoppedEarlyAt (Some e) "the result says where it stopped"
                Check.isAtLeast l best "the last loss did not improve"
                Expect.equal (NeuralNetwork.loss r.Network xte yte) best "the kept model is the best evaluated one"
                Expect.equal (NeuralNetwork.loss r.LastTrained xte yte) l "LastTrained is the model that did not improve"

        testCase "with a strategy that copies before the last epoch of each period, early stopping keeps that copy" <| fun () ->
            let xtr, ytr, xte, yte = data ()
            let periodEnd =
                EarlyStoppingModel.Strategy
                    { new EarlyStoppingStrategy("copy before each period's last epoch") with
                        member _.SnapshotBefore(epoch, evalEvery) = epoch % evalEvery = 0 }
            let o = { options with EvalEvery = 2; Epochs = 50; EarlyStoppingModel = periodEnd }
            let r = Trainer.fit o (Optimizer.sgd 0.6) (linear ()) xtr ytr xte yte
            match r.StoppedEarlyAt with
            | None -> failtest "expected early stopping"
            | Some e ->
                let before = Trainer.fit { o with Epochs = e - 1; EarlyStopping = false } (Optimizer.sgd 0.6) (linear ()) xtr ytr xte yte
                let ps n = NeuralNetwork.parameters n |> List.map (fun (t: Tensor<float>) -> t.ToArray())
                Expect.equal (ps r.Network) (ps before.Network) (sprintf "the model after %d epochs" (e - 1))

        testCase "Trainer.fit decays the learning rate after every epoch" <| fun () ->
            let xtr, ytr, xte, yte = data ()
            let o = Optimizer.sgd 0.05 |> Optimizer.withDecay DecayType.Linear 0.01
            let r = Trainer.fit { options with Epochs = 5; EvalEvery = 5 } o (linear ()) xtr ytr xte yte
            // epochs use 0.05, 0.04, 0.03, 0.02, 0.01; the decay after the last epoch leaves 0.0
            Expect.floatClose Accuracy.veryHigh r.OptimizerState.LearningRate 0.0 "five decays of 0.01"

        testCase "a network with dropout trains deterministically from the fit seed" <| fun () ->
            let xtr, ytr, xte, yte = data ()
            let net () : NeuralNetwork<float> =
                NeuralNetwork.create [ Layer.Dense (Dense.create 8 Activation.Tanh |> Dense.withDropout DropoutScaling.Inverted 0.8)
                                       Layer.Dense (Dense.create 1 Activation.Linear) ] Loss.MeanSquaredError 5L
            let a = Trainer.fit options (Optimizer.sgdMomentum 0.01 0.9) (net ()) xtr ytr xte yte
            let b = Trainer.fit options (Optimizer.sgdMomentum 0.01 0.9) (net ()) xtr ytr xte yte
            let c = Trainer.fit { options with Seed = 4L } (Optimizer.sgdMomentum 0.01 0.9) (net ()) xtr ytr xte yte
            Expect.equal a.Evaluations b.Evaluations "same seed, same run"
            Expect.notEqual a.Evaluations c.Evaluations "another seed permutes and masks differently"
            Check.isBelow (List.last a.Evaluations).Loss (List.head a.Evaluations).Loss "it learns"

        testCase "Trainer.fit without early stopping runs every epoch" <| fun () ->
            let xtr, ytr, xte, yte = data ()
            let r = Trainer.fit { options with EvalEvery = 1; Epochs = 10; EarlyStopping = false } (Optimizer.sgd 0.6) (linear ()) xtr ytr xte yte
            Expect.equal r.StoppedEarlyAt None "no early stop"
            Expect.equal r.Evaluations.Length 10 "every epoch evaluated"

        testCase "Trainer.fit with restart false continues from the given parameters" <| fun () ->
            let xtr, ytr, xte, yte = data ()
            let first = Trainer.fit options (Optimizer.sgd 0.05) (linear ()) xtr ytr xte yte
            let more = Trainer.fit { options with Restart = false; Epochs = 5 } (Optimizer.sgd 0.05) first.Network xtr ytr xte yte
            Check.isBelow (List.last more.Evaluations).Loss 0.05 "starts from a trained model"

        testCase "Trainer.fit never writes the parameters of the network it was given" <| fun () ->
            let xtr, ytr, xte, yte = data ()
            let first = Trainer.fit options (Optimizer.sgdMomentum 0.05 0.9) (linear ()) xtr ytr xte yte
            let before = NeuralNetwork.parameters first.Network |> List.map (fun t -> t.ToArray())
            let more = Trainer.fit { options with Restart = false } (Optimizer.sgdMomentum 0.05 0.9) first.Network xtr ytr xte yte
            Expect.equal (NeuralNetwork.parameters first.Network |> List.map (fun t -> t.ToArray())) before "the given network is unchanged"
            Expect.notEqual (NeuralNetwork.parameters more.Network |> List.map (fun t -> t.ToArray())) before "the result moved on"

        testCase "Trainer.fit stops with OperationCanceledException when cancelled" <| fun () ->
            let xtr, ytr, xte, yte = data ()
            use cts = new CancellationTokenSource()
            let onEvent = function BatchCompleted (1, 3, _, _) -> cts.Cancel() | _ -> ()
            let e = Check.caught<OperationCanceledException> (fun () ->
                Trainer.fitWith onEvent cts.Token options (Optimizer.sgd 0.05) (linear ()) xtr ytr xte yte |> ignore)
            Expect.isTrue (e :? FitCancelledException<float>) "a FitCancelledException, which carries the fit as it stood"

        testCase "Trainer.fit refuses out-of-range settings naming the setting" <| fun () ->
            let xtr, ytr, xte, yte = data ()
            for o in [ { options with Epochs = 0 }; { options with BatchSize = 0 }; { options with EvalEvery = -1 }; { options with Seed = -5L } ] do
                throwsValue "Trainer.fit" (fun () -> Trainer.fit o (Optimizer.sgd 0.05) (linear ()) xtr ytr xte yte |> ignore)

        testCase "Trainer.fit refuses NaN in the training data naming where it is" <| fun () ->
            let xtr, ytr, xte, yte = data ()
            let bad = xtr.ToArray()
            bad.[7] <- nan
            let e = Expect.throwsC (fun () -> Trainer.fit options (Optimizer.sgd 0.05) (linear ()) (Tensor.create xtr.Shape bad) ytr xte yte |> ignore) id
            Expect.stringContains e.Message "x_train" "names the argument"
            Expect.stringContains e.Message "row 2, column 1" "names where"

        testCase "Trainer.fit refuses targets with another number of rows and empty test data" <| fun () ->
            let xtr, ytr, xte, yte = data ()
            throwsShape "Trainer.fit" (fun () -> Trainer.fit options (Optimizer.sgd 0.05) (linear ()) xtr (Tensor.sliceRows 0 39 ytr) xte yte |> ignore)
            throwsValue "Trainer.fit" (fun () -> Trainer.fit options (Optimizer.sgd 0.05) (linear ()) xtr ytr (Tensor.sliceRows 0 0 xte) (Tensor.sliceRows 0 0 yte) |> ignore)

        testCase "Optimizer.sgd refuses a learning rate that is not finite and positive" <| fun () ->
            for lr in [ 0.0; -1.0; nan; infinity ] do
                throwsValue "Optimizer.sgd" (fun () -> Optimizer.sgd lr |> ignore)

        testCase "Sgd.step subtracts the learning rate times the gradient" <| fun () ->
            let p = [ Tensor.create [| 2 |] [| 1.0; 2.0 |] ]
            let g = [ Tensor.create [| 2 |] [| 10.0; -10.0 |] ]
            Expect.equal ((Sgd.step 0.01 p g).Head.ToArray()) [| 0.9; 2.1 |] "p - 0.01 g"

        testCase "a divergent run reports an infinite or NaN loss without crashing" <| fun () ->
            let xtr, ytr, xte, yte = data ()
            let r = Trainer.fit { options with Epochs = 30; EvalEvery = 10; EarlyStopping = false } (Optimizer.sgd 50.0) (linear ()) xtr ytr xte yte
            Expect.isFalse (Double.IsFinite (List.last r.Evaluations).Loss) "the loss blew up and was reported"
    ]
