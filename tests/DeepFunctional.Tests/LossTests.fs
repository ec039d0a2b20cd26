module DeepFunctional.Tests.LossTests

open Expecto
open DeepFunctional
open DeepFunctional.Tests.Check

let gradCheck (p: Precision) (prediction: Tensor<'T>) (target: Tensor<'T>) =
    let f x = MeanSquaredError.forward x target |> Num.toFloat
    let r = GradCheck.compare p.Delta f prediction (MeanSquaredError.backward prediction target)
    Expect.isLessThan r.MaxRelError p.GradTolerance "analytic against numeric gradient"

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

        testCase "MeanSquaredError refuses a target of another shape, naming both" <| fun () ->
            throwsShape "MeanSquaredError.forward" (fun () ->
                MeanSquaredError.forward (Tensor.zeros<float> [| 3; 1 |]) (Tensor.zeros<float> [| 3; 2 |]) |> ignore)
            throwsShape "MeanSquaredError.backward" (fun () ->
                MeanSquaredError.backward (Tensor.zeros<float> [| 3; 1 |]) (Tensor.zeros<float> [| 2; 1 |]) |> ignore)

        testCase "Loss.forward reports the loss as a double in both precisions" <| fun () ->
            let p = Tensor.create [| 1; 1 |] [| 1.5f |]
            let y = Tensor.create [| 1; 1 |] [| 0.5f |]
            Expect.equal (Loss.forward Loss.MeanSquaredError p y) 1.0 "(1.5 - 0.5)^2"
    ]
