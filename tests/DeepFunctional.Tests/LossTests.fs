module DeepFunctional.Tests.LossTests

open System
open Expecto
open DeepFunctional
open DeepFunctional.Tests.Check

let gradCheck (p: Precision) (prediction: Tensor<'T>) (target: Tensor<'T>) =
    let f x = MeanSquaredError.forward x target |> Num.toFloat
    let r = GradCheck.compare p.Delta f prediction (MeanSquaredError.backward prediction target)
    Check.gradientClose p.GradTolerance r "analytic against numeric gradient"

[<Tests>]
let tests =
    testList "Loss" [
        testCase "MeanSquaredError.forward sums squared errors over columns and divides by the rows" <| fun () ->
            let p = Tensor.create [| 2; 2 |] [| 1.0; 2.0; 3.0; 4.0 |]
            let y = Tensor.create [| 2; 2 |] [| 0.0; 0.0; 3.0; 6.0 |]
            Expect.equal (MeanSquaredError.forward p y) ((1.0 + 4.0 + 0.0 + 4.0) / 2.0) "9 / 2"

        testCase "MeanSquaredError.backward is 2(p - y)/N" <| fun () ->
            let p = Tensor.create [| 2; 1 |] [| 1.0; 5.0 |]
            let y = Tensor.create [| 2; 1 |] [| 0.0; 3.0 |]
            Expect.equal ((MeanSquaredError.backward p y).ToArray()) [| 1.0; 2.0 |] "2*1/2 and 2*2/2"

        testCase "MeanSquaredError.backward matches finite differences in double precision" <| fun () ->
            gradCheck Check.double (randomTensor<float> 1L [| 6; 3 |]) (randomTensor<float> 2L [| 6; 3 |])

        testCase "MeanSquaredError.backward matches finite differences in single precision" <| fun () ->
            gradCheck Check.single (randomTensor<float32> 1L [| 6; 3 |]) (randomTensor<float32> 2L [| 6; 3 |])

        testCase "MeanSquaredErrorPerValue is the book's loss divided by the values per row, and its gradient matches finite differences" <| fun () ->
            let x = randomTensor<float> 3L [| 4; 2; 3; 3 |]
            let y = randomTensor<float> 4L [| 4; 2; 3; 3 |]
            let perValue = Loss.forward Loss.MeanSquaredErrorPerValue x y
            within 1e-15 (abs (perValue - Loss.forward Loss.MeanSquaredError x y / 18.0)) "Σ(p − y)²/(N·k), k = 18"
            let g = Loss.backward Loss.MeanSquaredErrorPerValue x y
            Check.gradientClose 1e-6 (GradCheck.compare 1e-6 (fun t -> Loss.forward Loss.MeanSquaredErrorPerValue t y) x g) "against finite differences"

        testCase "MeanSquaredError refuses a target of another shape, naming both" <| fun () ->
            throwsShape "MeanSquaredError.forward" (fun () ->
                MeanSquaredError.forward (Tensor.zeros<float> [| 3; 1 |]) (Tensor.zeros<float> [| 3; 2 |]) |> ignore)
            throwsShape "MeanSquaredError.backward" (fun () ->
                MeanSquaredError.backward (Tensor.zeros<float> [| 3; 1 |]) (Tensor.zeros<float> [| 2; 1 |]) |> ignore)

        testCase "Softmax.forward gives rows that sum to one and survives large logits" <| fun () ->
            let x = Tensor.create [| 2; 3 |] [| 1000.0; 1001.0; 1002.0; -5.0; 0.0; 5.0 |]
            let p = (Softmax.forward x).ToArray()
            Expect.floatClose Accuracy.veryHigh (p.[0] + p.[1] + p.[2]) 1.0 "row 0 sums to 1"
            Expect.isTrue (Array.forall System.Double.IsFinite p) "no overflow"
            Expect.floatClose Accuracy.veryHigh p.[2] (1.0 / (1.0 + exp -1.0 + exp -2.0)) "the largest logit's probability"

        testCase "SoftmaxCrossEntropy.forward is minus the mean log-probability of the true class" <| fun () ->
            let x = Tensor.create [| 2; 2 |] [| 0.0; 0.0; 2.0; 0.0 |]
            let y = Tensor.create [| 2; 2 |] [| 1.0; 0.0; 0.0; 1.0 |]
            let expected = (log 2.0 + (2.0 + log (1.0 + exp -2.0))) / 2.0
            Expect.floatClose Accuracy.veryHigh (SoftmaxCrossEntropy.forward 1e-9 x y) expected "hand-computed"

        testCase "SoftmaxCrossEntropy.backward matches finite differences of the standard loss in double precision" <| fun () ->
            let x = randomTensor<float> 1L [| 5; 4 |]
            let y = Classification.oneHot<float> 4 [| 0; 3; 1; 1; 2 |]
            let r = GradCheck.compare 1e-6 (fun x -> SoftmaxCrossEntropy.forward 1e-9 x y) x (SoftmaxCrossEntropy.backward 1e-9 x y)
            Check.gradientClose 1e-6 r "analytic against numeric"

        testCase "SoftmaxCrossEntropy.backward matches finite differences of the standard loss in single precision" <| fun () ->
            let x = randomTensor<float32> 1L [| 5; 4 |]
            let y = Classification.oneHot<float32> 4 [| 0; 3; 1; 1; 2 |]
            let r = GradCheck.compare 1e-2 (fun x -> SoftmaxCrossEntropy.forward 1e-9 x y) x (SoftmaxCrossEntropy.backward 1e-9 x y)
            Check.gradientClose 2e-2 r "analytic against numeric"

        testCase "SoftmaxCrossEntropy refuses targets of another shape and an eps outside [0, 0.5)" <| fun () ->
            throwsShape "SoftmaxCrossEntropy.forward" (fun () ->
                SoftmaxCrossEntropy.forward 1e-9 (Tensor.zeros<float> [| 3; 2 |]) (Tensor.zeros<float> [| 3; 3 |]) |> ignore)
            throwsValue "SoftmaxCrossEntropy.forward" (fun () ->
                SoftmaxCrossEntropy.forward 0.7 (Tensor.zeros<float> [| 3; 2 |]) (Tensor.zeros<float> [| 3; 2 |]) |> ignore)

        testCase "NormalizedMeanSquaredError.backward is the true gradient through the normalisation" <| fun () ->
            let x = randomTensor<float> 1L [| 4; 3 |] |> Tensor.map (fun v -> abs v + 0.5)
            let y = Classification.oneHot<float> 3 [| 0; 2; 1; 1 |]
            let r = GradCheck.compare 1e-6 (fun p -> NormalizedMeanSquaredError.forward p y) x (NormalizedMeanSquaredError.backward x y)
            Check.gradientClose 1e-6 r "analytic against numeric"

        testCase "SoftmaxCrossEntropy over [batch; seq; classes] is the loss over every step's row, and the summed reduction is N times the mean" <| fun () ->
            let x = randomTensor<float> 3L [| 2; 3; 4 |]
            let labels = [| 0; 3; 1; 2; 2; 0 |]
            let y = Classification.oneHot<float> 4 labels |> Tensor.reshape [| 2; 3; 4 |]
            let flat = SoftmaxCrossEntropy.forward 1e-9 (Tensor.reshape [| 6; 4 |] x) (Tensor.reshape [| 6; 4 |] y)
            Expect.floatClose Accuracy.veryHigh (SoftmaxCrossEntropy.forward 1e-9 x y) flat "the six rows"
            let sum = Loss.SoftmaxCrossEntropy(1e-9, Reduction.Sum)
            Expect.floatClose Accuracy.veryHigh (Loss.forward sum x y) (6.0 * flat) "the sum over the rows"
            let gMean = Loss.backward Loss.softmaxCrossEntropy x y
            let gSum = Loss.backward sum x y
            Expect.equal gSum.Shape [| 2; 3; 4 |] "the logits' shape"
            Check.tensorsClose 1e-15 gSum (Tensor.scale 6.0 gMean) "the summed gradient is p - y, N times the mean's"
            Check.gradientClose 1e-6 (GradCheck.compare 1e-6 (fun t -> Loss.forward sum t y) x gSum) "against finite differences"

        testCase "a custom loss is called with the network's backend, and compares by name" <| fun () ->
            let seen = Collections.Generic.List<string>()
            let custom name =
                Loss.Custom
                    { new CustomLoss(name, Loss.MeanSquaredError) with
                        member _.Forward<'T when 'T :> Numerics.IFloatingPointIeee754<'T>>(backend: Backend, p: Tensor<'T>, t: Tensor<'T>) =
                            seen.Add backend.Name
                            Loss.forward Loss.MeanSquaredError p t
                        member _.Backward<'T when 'T :> Numerics.IFloatingPointIeee754<'T>>(backend: Backend, p: Tensor<'T>, t: Tensor<'T>) =
                            seen.Add backend.Name
                            Loss.backward Loss.MeanSquaredError p t }
            let p = Tensor.create [| 1; 2 |] [| 1.0; 3.0 |]
            let t = Tensor.create [| 1; 2 |] [| 0.0; 1.0 |]
            Expect.equal (Loss.forwardWith Backend.fast (custom "a") p t) 5.0 "1 + 4"
            Expect.equal ((Loss.backwardWith Backend.fast (custom "a") p t).ToArray()) [| 2.0; 4.0 |] "2(p - y)"
            Expect.equal (List.ofSeq seen) [ "fast"; "fast" ] "both with the backend"
            Expect.equal (custom "a") (custom "a") "the same name"
            Expect.notEqual (custom "a") (custom "b") "another name"
            Expect.equal (Loss.kind (custom "a")) Loss.MeanSquaredError "its kind"

        testCase "Loss.forward reports the loss as a double in both precisions" <| fun () ->
            let p = Tensor.create [| 1; 1 |] [| 1.5f |]
            let y = Tensor.create [| 1; 1 |] [| 0.5f |]
            Expect.equal (Loss.forward Loss.MeanSquaredError p y) 1.0 "(1.5 - 0.5)^2"
    ]
