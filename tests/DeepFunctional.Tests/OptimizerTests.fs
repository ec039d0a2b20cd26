module DeepFunctional.Tests.OptimizerTests

open Expecto
open DeepFunctional
open DeepFunctional.Tests.Check

let t (values: float list) = Tensor.create [| values.Length |] (Array.ofList values)

/// Runs `epochs` epochs of end-of-epoch decay and returns the learning rate of every epoch.
let schedule (optimizer: Optimizer) (epochs: int) =
    let mutable s: OptimizerState<float> = Optimizer.init optimizer epochs
    [ for e in 1 .. epochs do
        yield s.LearningRate
        s <- Optimizer.endEpoch optimizer e s ]

/// The learning rate of each of `steps` steps of a per-batch schedule (each step's rate is the
/// one it used), through the pure step on a dummy parameter.
let batchRates (optimizer: Optimizer) (steps: int) =
    let mutable s: OptimizerState<float> = Optimizer.init optimizer 1
    let mutable p = [ t [ 1.0 ] ]
    [ for _ in 1 .. steps do
        yield s.LearningRate
        let p', s' = Optimizer.step optimizer s p [ t [ 0.5 ] ]
        p <- p'
        s <- s' ]

let private close (actual: float list) (expected: float list) (what: string) =
    allClose 1e-15 (Array.ofList actual) (Array.ofList expected) what

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

        testCase "a step schedule per epoch multiplies the rate by gamma every `every` epochs (PyTorch's StepLR)" <| fun () ->
            let lrs = schedule (Optimizer.sgd 0.1 |> Optimizer.withSchedule ScheduleUnit.Epoch (Schedule.Step(3, 0.5))) 8
            close lrs [ 0.1; 0.1; 0.1; 0.05; 0.05; 0.05; 0.025; 0.025 ] "0.1 · 0.5^⌊t/3⌋"

        testCase "cosine annealing starts at lr, is halfway at period/2, reaches the minimum at the period and rises after it" <| fun () ->
            let o = Optimizer.sgd 0.1 |> Optimizer.withSchedule ScheduleUnit.Epoch (Schedule.Cosine(10, 0.001))
            let lrs = schedule o 13
            close [ lrs.[0]; lrs.[5]; lrs.[10] ] [ 0.1; (0.1 + 0.001) / 2.0; 0.001 ] "η_max, the mean, η_min"
            isAbove lrs.[12] lrs.[10] "the closed form rises after the period"
            // PyTorch documents the recursion η_{t+1} = η_min + (η_t − η_min)(1 + cos(π(t+1)/T))/(1 + cos(πt/T)).
            for t in 0 .. 8 do
                let next = 0.001 + (lrs.[t] - 0.001) * (1.0 + cos (System.Math.PI * float (t + 1) / 10.0)) / (1.0 + cos (System.Math.PI * float t / 10.0))
                within 1e-15 (abs (lrs.[t + 1] - next)) (sprintf "the recursion at t = %d" t)

        testCase "a linear warm-up per batch rises from lr·start to lr over its steps, then follows the next schedule" <| fun () ->
            let o = Optimizer.sgd 0.2 |> Optimizer.withSchedule ScheduleUnit.Batch (Schedule.Warmup(4, 0.25, Schedule.Step(2, 0.1)))
            close (batchRates o 8) [ 0.05; 0.0875; 0.125; 0.1625; 0.2; 0.2; 0.02; 0.02 ] "LinearLR(0.25 → 1, 4 steps), then StepLR(2, 0.1)"

        testCase "a per-batch schedule is applied by the trainer's in-place step as by the pure step" <| fun () ->
            let o = Optimizer.adam 0.01 |> Optimizer.withSchedule ScheduleUnit.Batch (Schedule.Cosine(5, 0.0))
            let x = randomTensor<float> 1L [| 12; 3 |]
            let y = randomTensor<float> 2L [| 12; 1 |]
            let net: NeuralNetwork<float> = NeuralNetwork.create [ Layer.Dense (Dense.create 1 Activation.Linear) ] Loss.MeanSquaredError 3L
            let options = { FitOptions.defaults with Epochs = 2; EvalEvery = 1; BatchSize = 4; EarlyStopping = false }
            let fit = Trainer.fit options o net x y x y
            Expect.equal fit.OptimizerState.Steps 6 "two epochs of three batches"
            within 1e-15 (abs (fit.OptimizerState.LearningRate - Schedule.rate 0.01 (Schedule.Cosine(5, 0.0)) 6)) "the rate after six steps"
            let perEpoch = Optimizer.sgd 0.1 |> Optimizer.withSchedule ScheduleUnit.Epoch (Schedule.Step(1, 0.5))
            let fit = Trainer.fit options perEpoch net x y x y
            within 1e-15 (abs (fit.OptimizerState.LearningRate - 0.025)) "0.1 halved after each of two epochs"

        testCase "schedules with settings out of range, and the book's decay per batch, are refused naming Optimizer.withSchedule" <| fun () ->
            let o = Optimizer.sgd 0.1
            for bad in [ Schedule.Step(0, 0.5); Schedule.Step(2, 0.0); Schedule.Cosine(0, 0.0); Schedule.Cosine(5, -1.0)
                         Schedule.Warmup(0, 0.5, Schedule.Constant); Schedule.Warmup(3, 0.0, Schedule.Constant); Schedule.Warmup(3, 0.5, Schedule.Decay(0.01, DecayType.Linear)) ] do
                let e = caught<InvalidValueException> (fun () -> Optimizer.withSchedule ScheduleUnit.Epoch bad o |> ignore)
                Expect.stringContains e.Message "Optimizer.withSchedule" (sprintf "%A names the function" bad)
            caught<InvalidValueException> (fun () -> Optimizer.withSchedule ScheduleUnit.Batch (Schedule.Decay(0.01, DecayType.Linear)) o |> ignore) |> ignore

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
