module DeepFunctional.Tests.OptimizerTests

open Expecto
open DeepFunctional
open DeepFunctional.Tests.Check

let t (values: float list) = Tensor.create [| values.Length |] (Array.ofList values)

/// Runs `epochs` epochs of end-of-epoch decay and returns the learning rate of every epoch.
let schedule (optimizer: Optimizer) (epochs: int) =
    let mutable s: OptimizerState<float> = Optimizer.init optimizer epochs
    [ for _ in 1 .. epochs do
        yield s.LearningRate
        s <- Optimizer.endEpoch optimizer s ]

[<Tests>]
let tests =
    testList "Optimizer" [
        testCase "SGD takes param - lr * grad" <| fun () ->
            let o = Optimizer.sgd 0.5
            let ps, s = Optimizer.step o (Optimizer.init o 1) [ t [ 1.0; 2.0 ] ] [ t [ 2.0; -4.0 ] ]
            Expect.equal (ps.Head.ToArray()) [| 0.0; 4.0 |] "1 - 0.5*2, 2 + 0.5*4"
            Expect.equal s.Steps 1 "one step"

        testCase "SGD with momentum matches two hand-computed steps" <| fun () ->
            let o = Optimizer.sgdMomentum 0.1 0.9
            let s0: OptimizerState<float> = Optimizer.init o 1
            let p1, s1 = Optimizer.step o s0 [ t [ 1.0 ] ] [ t [ 2.0 ] ]
            // v1 = 0.9*0 + 0.1*2 = 0.2; p1 = 1 - 0.2 = 0.8
            Expect.floatClose Accuracy.veryHigh (p1.Head.ToArray().[0]) 0.8 "first step"
            let p2, s2 = Optimizer.step o s1 p1 [ t [ 1.0 ] ]
            // v2 = 0.9*0.2 + 0.1*1 = 0.28; p2 = 0.8 - 0.28 = 0.52
            Expect.floatClose Accuracy.veryHigh (s2.Velocities.Head.ToArray().[0]) 0.28 "velocity"
            Expect.floatClose Accuracy.veryHigh (p2.Head.ToArray().[0]) 0.52 "second step"

        testCase "linear decay starts at lr and reaches final_lr in the last epoch" <| fun () ->
            let lrs = schedule (Optimizer.sgd 0.15 |> Optimizer.withDecay DecayType.Linear 0.05) 25
            Expect.equal lrs.Head 0.15 "first epoch"
            Expect.floatClose Accuracy.veryHigh (List.last lrs) 0.05 "last epoch"
            Expect.floatClose Accuracy.veryHigh (lrs.[1] - lrs.[0]) (-0.1 / 24.0) "equal steps"

        testCase "exponential decay starts at lr and reaches final_lr in the last epoch" <| fun () ->
            let lrs = schedule (Optimizer.sgdMomentum 0.2 0.9 |> Optimizer.withDecay DecayType.Exponential 0.05) 25
            Expect.equal lrs.Head 0.2 "first epoch"
            Expect.floatClose Accuracy.veryHigh (List.last lrs) 0.05 "last epoch"
            Expect.floatClose Accuracy.veryHigh (lrs.[1] / lrs.[0]) (0.25 ** (1.0 / 24.0)) "equal ratios"

        testCase "without decay the learning rate stays put" <| fun () ->
            Expect.equal (schedule (Optimizer.sgd 0.1) 5) [ 0.1; 0.1; 0.1; 0.1; 0.1 ] "constant"

        testCase "optimizer constructors refuse out-of-range settings naming the function" <| fun () ->
            throwsValue "Optimizer.sgdMomentum" (fun () -> Optimizer.sgdMomentum 0.1 1.0 |> ignore)
            throwsValue "Optimizer.sgdMomentum" (fun () -> Optimizer.sgdMomentum -0.1 0.9 |> ignore)
            throwsValue "Optimizer.withDecay" (fun () -> Optimizer.sgd 0.1 |> Optimizer.withDecay DecayType.Linear 0.0 |> ignore)

        testCase "the trainer's in-place update gives the same bits as the pure step, for both rules and precisions" <| fun () ->
            // Lengths cover an empty vector body, a body with a tail, and a long tensor.
            let shapes = [ [| 3 |]; [| 1; 37 |]; [| 29; 11 |] ]
            let check (name: string) (rule: Optimizer) (toT: float[] -> Tensor<'T>) =
                let ps = shapes |> List.mapi (fun i s -> toT ((randomTensor<float> (int64 i) s).ToArray()) |> Tensor.reshape s)
                let mutable reference, refState = ps, (Optimizer.init rule 1: OptimizerState<'T>)
                let mutable inPlaceState = Optimizer.init rule 1
                let work = Optimizer.work inPlaceState ps
                let owned () = work.Parameters |> List.map (fun b -> b.Snapshot())
                for step in 1 .. 4 do
                    let gs = shapes |> List.mapi (fun i s -> toT ((randomTensor<float> (int64 (10 * step + i)) s).ToArray()) |> Tensor.reshape s)
                    let p, st = Optimizer.step rule refState reference gs
                    reference <- p
                    refState <- st
                    inPlaceState <- Optimizer.stepInPlace rule inPlaceState work gs
                    List.iter2 (fun (a: Tensor<'T>) (b: Tensor<'T>) ->
                        Expect.sequenceEqual (a.ToArray()) (b.ToArray()) (sprintf "%s: parameters after step %d" name step)) reference (owned ())
                    List.iter2 (fun (a: Tensor<'T>) (b: Tensor<'T>) ->
                        Expect.sequenceEqual (a.ToArray()) (b.ToArray()) (sprintf "%s: velocities after step %d" name step)) refState.Velocities (Optimizer.snapshot inPlaceState work).Velocities
                    List.iter2 (fun (a: Tensor<'T>) (b: Tensor<'T>) ->
                        Expect.sequenceEqual (a.ToArray()) (b.ToArray()) (sprintf "%s: sums of squares after step %d" name step)) refState.SquareSums (Optimizer.snapshot inPlaceState work).SquareSums
            for rule in [ Optimizer.sgd 0.1; Optimizer.sgdMomentum 0.1 0.9; Optimizer.sgdMomentum 0.3 0.5
                          Optimizer.adaGrad 0.1; Optimizer.adam 0.01
                          Optimizer.sgd 0.1 |> Optimizer.withClipping 0.5; Optimizer.sgdMomentum 0.1 0.9 |> Optimizer.withClipping 1.0
                          Optimizer.adaGrad 0.1 |> Optimizer.withClipping 0.5; Optimizer.adam 0.01 |> Optimizer.withClipping 0.5 ] do
                check (sprintf "%A clip %A double" rule.Rule rule.Clip) rule (fun a -> Tensor.create [| a.Length |] a)
                check (sprintf "%A clip %A single" rule.Rule rule.Clip) rule (fun a -> Tensor.create [| a.Length |] (Array.map float32 a))

        testCase "AdaGrad matches two hand-computed steps: s += eps + g², p -= lr/sqrt(s)·g" <| fun () ->
            let o = Optimizer.adaGrad 0.1
            let p1, s1 = Optimizer.step o (Optimizer.init o 1) [ t [ 1.0 ] ] [ t [ 2.0 ] ]
            // s1 = 1e-7 + 4; p1 = 1 - 0.1/sqrt(s1)·2
            Expect.floatClose Accuracy.veryHigh (s1.SquareSums.Head.ToArray().[0]) 4.0000001 "sum of squares"
            Expect.floatClose Accuracy.veryHigh (p1.Head.ToArray().[0]) 0.90000000125 "first step"
            let p2, _ = Optimizer.step o s1 p1 [ t [ -1.0 ] ]
            // s2 = s1 + 1e-7 + 1; p2 = p1 + 0.1/sqrt(s2)
            Expect.floatClose Accuracy.veryHigh (p2.Head.ToArray().[0]) 0.9447213599055686 "second step"

        testCase "Adam matches two hand-computed steps with bias correction" <| fun () ->
            let o = Optimizer.adam 0.1
            let p1, s1 = Optimizer.step o (Optimizer.init o 1) [ t [ 1.0 ] ] [ t [ 2.0 ] ]
            // m = 0.2, v = 0.004; m̂ = 2, v̂ = 4; p1 = 1 - 0.1·2/(2 + 1e-8)
            Expect.floatClose Accuracy.veryHigh (p1.Head.ToArray().[0]) 0.9000000005 "first step"
            let p2, s2 = Optimizer.step o s1 p1 [ t [ -1.0 ] ]
            // m = 0.08, v = 0.004996; p2 = p1 - 0.1·(m/0.19)/(sqrt(v/(1 - 0.999²)) + 1e-8)
            Expect.floatClose Accuracy.veryHigh (s2.Velocities.Head.ToArray().[0]) 0.08 "first moment"
            Expect.floatClose Accuracy.veryHigh (s2.SquareSums.Head.ToArray().[0]) 0.004996 "second moment"
            Expect.floatClose Accuracy.veryHigh (p2.Head.ToArray().[0]) 0.8733662967024315 "second step"
            Expect.equal s2.Steps 2 "two steps"

        testCase "clipping limits every gradient element to [-c, c] before the update, for SGD and momentum" <| fun () ->
            let o = Optimizer.sgd 0.5 |> Optimizer.withClipping 2.0
            let ps, _ = Optimizer.step o (Optimizer.init o 1) [ t [ 0.0; 0.0; 0.0 ] ] [ t [ 5.0; -3.0; 1.0 ] ]
            Expect.equal (ps.Head.ToArray()) [| -1.0; 1.0; -0.5 |] "gradients 2, -2, 1"
            let m = Optimizer.sgdMomentum 0.5 0.9 |> Optimizer.withClipping 2.0
            let ps, s = Optimizer.step m (Optimizer.init m 1) [ t [ 0.0; 0.0 ] ] [ t [ -7.0; 0.5 ] ]
            Expect.equal (ps.Head.ToArray()) [| 1.0; -0.25 |] "gradients -2, 0.5"
            Expect.equal (s.Velocities.Head.ToArray()) [| -1.0; 0.25 |] "velocity from clipped gradients"

        testCase "clipped AdaGrad matches a hand-computed step with the clipped gradient" <| fun () ->
            let o = Optimizer.adaGrad 0.1 |> Optimizer.withClipping 2.0
            let p1, s1 = Optimizer.step o (Optimizer.init o 1) [ t [ 1.0 ] ] [ t [ 9.0 ] ]
            Expect.floatClose Accuracy.veryHigh (s1.SquareSums.Head.ToArray().[0]) 4.0000001 "g clipped to 2"
            Expect.floatClose Accuracy.veryHigh (p1.Head.ToArray().[0]) 0.90000000125 "as with g = 2"

        testCase "the new constructors refuse out-of-range settings naming the function" <| fun () ->
            throwsValue "Optimizer.adaGrad" (fun () -> Optimizer.adaGrad 0.0 |> ignore)
            throwsValue "Optimizer.adam" (fun () -> Optimizer.adamWith 0.1 1.0 0.999 1e-8 |> ignore)
            throwsValue "Optimizer.adam" (fun () -> Optimizer.adamWith 0.1 0.9 0.999 0.0 |> ignore)
            throwsValue "Optimizer.withClipping" (fun () -> Optimizer.sgd 0.1 |> Optimizer.withClipping -2.0 |> ignore)

        testCase "Momentum.step refuses a gradient of another shape" <| fun () ->
            throwsShape "Momentum.step" (fun () -> Momentum.step 0.1 0.9 [ t [ 0.0 ] ] [ t [ 1.0 ] ] [ t [ 1.0; 2.0 ] ] |> ignore)
    ]
