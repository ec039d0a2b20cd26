/// The sequence layers of chapter 6 (SequenceLayer, SequenceStack): backpropagation through
/// time checked against central finite differences over several steps for every cell kind and
/// for stacked layers, the carried starting state, and the error paths.
module DeepFunctional.Tests.SequenceLayerTests

open System
open Expecto
open DeepFunctional
open DeepFunctional.Tests.Check

let batch, seq, features = 3, 4, 5

/// Σ y ⊙ r in double.
let dot (a: Tensor<'T>) (b: Tensor<'T>) = Array.fold2 (fun s x y -> s + x * y) 0.0 (floats a) (floats b)

/// A non-zero starting state: the state left by a forward pass over another batch.
let carried<'T when 'T :> Numerics.IFloatingPointIeee754<'T>> (layers: SequenceLayer<'T> list) =
    let _, _, states = SequenceStack.forward layers (SequenceStack.initialStates layers) (randomTensor<'T> 77L [| 2; seq; features |])
    states

/// Checks dL/d(every parameter of every layer) and dL/dx of L = Σ stack(x) ⊙ R against central
/// finite differences.
let gradCheckAt<'T when 'T :> Numerics.IFloatingPointIeee754<'T>> (x: Tensor<'T>) (p: Precision) (specs: SequenceLayerSpec list) () =
    let layers, _ = SequenceStack.init<'T> specs features (Rng.seed 5L)
    let states = carried layers
    let y0, _, _ = SequenceStack.forward layers states x
    let r = randomTensor<'T> 32L y0.Shape
    let lossOf (layers: SequenceLayer<'T> list) (x: Tensor<'T>) =
        let y, _, _ = SequenceStack.forward layers states x
        dot y r
    let _, caches, _ = SequenceStack.forward layers states x
    let dx, grads = SequenceStack.backward layers caches r
    let check name (f: Tensor<'T> -> float) (at: Tensor<'T>) (analytic: Tensor<'T>) =
        Check.gradientClose p.GradTolerance (GradCheck.compare p.Delta f at analytic) name
    check "dx" (lossOf layers) x dx
    List.iteri2 (fun li (layer: SequenceLayer<'T>) (g: SequenceGrads<'T>) ->
        let ps = SequenceLayer.parameters layer
        List.iteri2 (fun k (pk: Tensor<'T>) (gk: Tensor<'T>) ->
            let f (v: Tensor<'T>) =
                let layer' = SequenceLayer.withParameters layer (List.mapi (fun j t -> if j = k then v else t) ps)
                lossOf (List.mapi (fun j l -> if j = li then layer' else l) layers) x
            check (sprintf "layer %d (%A), parameter %d" li layer.Spec.Kind k) f pk gk) ps (SequenceLayer.gradients g))
        layers grads

let gradCheck<'T when 'T :> Numerics.IFloatingPointIeee754<'T>> (p: Precision) (specs: SequenceLayerSpec list) () =
    gradCheckAt (randomTensor<'T> 31L [| batch; seq; features |]) p specs ()

/// One-hot inputs [batch; seq; features], as the character model feeds them.
let oneHotInputs<'T when 'T :> Numerics.IFloatingPointIeee754<'T>> () =
    Tensor.ofFloats<'T> [| batch; seq; features |] [| for b in 0 .. batch - 1 do for t in 0 .. seq - 1 do for f in 0 .. features - 1 -> if f = (3 * b + t) % features then 1.0 else 0.0 |]

let kinds =
    [ "RNN", [ SequenceLayer.rnn 6 4 ]
      "LSTM", [ SequenceLayer.lstm 6 4 ]
      "GRU", [ SequenceLayer.gru 6 4 ]
      "GRU then LSTM", [ SequenceLayer.gru 6 3; SequenceLayer.lstm 5 4 ]
      "LSTM then RNN then GRU", [ SequenceLayer.lstm 4 3; SequenceLayer.rnn 5 6; SequenceLayer.gru 3 2 ]
      "LSTM without a projection, every step", [ SequenceLayer.create CellKind.Lstm 6 true ]
      "GRU without a projection, the last step only", [ SequenceLayer.create CellKind.Gru 6 false ]
      "RNN then LSTM without projections, the last step only", [ SequenceLayer.create CellKind.Rnn 5 true; SequenceLayer.create CellKind.Lstm 4 false ]
      "LSTM with a projection, the last step only", [ SequenceLayer.lstm 6 3 |> SequenceLayer.withReturnSequences false ] ]
    |> List.map (fun (name, specs) -> name, specs |> List.map (SequenceLayer.withWeightScale 0.5))

[<Tests>]
let tests =
    testList "SequenceLayer" [
        for name, specs in kinds do
            testCase (sprintf "%s backpropagates through %d steps as central finite differences say, in double precision" name seq) (gradCheck<float> Check.double specs)
            testCase (sprintf "%s backpropagates through %d steps as central finite differences say, in single precision" name seq) (gradCheck<float32> Check.single specs)

        testCase "an LSTM on one-hot inputs (its row-lookup path) backpropagates as central finite differences say, in double precision" <|
            gradCheckAt (oneHotInputs<float> ()) Check.double [ SequenceLayer.lstm 6 4 |> SequenceLayer.withWeightScale 0.5; SequenceLayer.gru 5 3 |> SequenceLayer.withWeightScale 0.5 ]

        testCase "an LSTM gives the same outputs and gradients on one-hot inputs through the lookup as through the product" <| fun () ->
            let layer, _ = SequenceLayer.init<float> (SequenceLayer.lstm 6 4 |> SequenceLayer.withWeightScale 0.5) features (Rng.seed 3L)
            let state = (carried [ layer ]).Head
            let x = oneHotInputs<float> ()
            // The same values but for one 0 written as 1e-200: no longer one-hot, so the product runs.
            let data = x.ToArray()
            data.[Array.findIndex ((=) 0.0) data] <- 1e-200
            let x' = Tensor.create x.Shape data
            let r = randomTensor<float> 4L [| batch; seq; 4 |]
            let y1, c1, _ = SequenceLayer.forward layer state x
            let y2, c2, _ = SequenceLayer.forward layer state x'
            Check.tensorsClose 1e-12 y1 y2 "outputs"
            let dx1, g1 = SequenceLayer.backward layer c1 r
            let dx2, g2 = SequenceLayer.backward layer c2 r
            Check.tensorsClose 1e-12 dx1 dx2 "dx"
            List.iter2 (fun a b -> Check.tensorsClose 1e-12 a b "gradients") (SequenceLayer.gradients g1) (SequenceLayer.gradients g2)

        testCase "a layer's outputs are its cell's outputs step by step from the broadcast starting state" <| fun () ->
            let layer, _ = SequenceLayer.init<float> (SequenceLayer.lstm 6 4) features (Rng.seed 3L)
            let state = (carried [ layer ]).Head
            let x = randomTensor<float> 8L [| batch; seq; features |]
            let y, _, next = SequenceLayer.forward layer state x
            let xs, ys = x.ToArray(), y.ToArray()
            Expect.equal y.Shape [| batch; seq; 4 |] "[batch; seq; outputs]"
            let p = match layer.Params with CellParams.Lstm p -> p | _ -> failtest "an LSTM layer"
            let rows (t: Tensor<float>) = Tensor.create [| batch; 6 |] (Array.init batch (fun _ -> t.ToArray()) |> Array.concat)
            let mutable h, c = rows state.H, rows (Option.get state.C)
            for t in 0 .. seq - 1 do
                let xt = Tensor.create [| batch; features |] [| for b in 0 .. batch - 1 do for f in 0 .. features - 1 -> xs.[(b * seq + t) * features + f] |]
                let h', c', _ = LstmCell.forward p xt h c
                h <- h'; c <- c'
                let projection = Option.get layer.Projection
                let out = Tensor.addRow (Tensor.matmul h projection.W) projection.B
                for b in 0 .. batch - 1 do
                    for o in 0 .. 3 do
                        Expect.floatClose Accuracy.veryHigh ys.[(b * seq + t) * 4 + o] out.[b, o] (sprintf "y[%d, %d, %d]" b t o)
            let mean (m: Tensor<float>) = Array.init 6 (fun j -> (Array.init batch (fun b -> m.[b, j]) |> Array.sum) / float batch)
            Expect.sequenceEqual (next.H.ToArray() |> Array.map (fun v -> Math.Round(v, 12))) (mean h |> Array.map (fun v -> Math.Round(v, 12))) "next H is the batch mean of h_T"
            Expect.sequenceEqual ((Option.get next.C).ToArray() |> Array.map (fun v -> Math.Round(v, 12))) (mean c |> Array.map (fun v -> Math.Round(v, 12))) "next C is the batch mean of C_T"

        testCase "the carried state changes the next batch's outputs and a reset gives zeros back" <| fun () ->
            let layer, _ = SequenceLayer.init<float> (SequenceLayer.gru 6 4) features (Rng.seed 3L)
            let x = randomTensor<float> 8L [| batch; seq; features |]
            let fresh = SequenceLayer.initialState layer
            let y1, _, s1 = SequenceLayer.forward layer fresh x
            let y2, _, _ = SequenceLayer.forward layer s1 x
            Check.isAbove (Tensor.maxAbsDiff y1 y2) 1e-6 "the state carries over"
            Expect.isTrue (s1.H.ToArray() |> Array.exists (fun v -> v <> 0.0)) "a non-zero state"
            Expect.sequenceEqual ((SequenceLayer.initialState layer).H.ToArray()) (Array.zeroCreate 6) "reset"
            Expect.isNone fresh.C "a GRU has no cell state"

        testCase "a layer without a projection outputs its hidden states, every step's or the last one's" <| fun () ->
            let all, _ = SequenceLayer.init<float> (SequenceLayer.create CellKind.Gru 6 true) features (Rng.seed 3L)
            let last = { all with Spec = { all.Spec with ReturnSequences = false } }
            let x = randomTensor<float> 8L [| batch; seq; features |]
            let fresh = SequenceLayer.initialState all
            let yAll, _, sAll = SequenceLayer.forward all fresh x
            let yLast, _, _ = SequenceLayer.forward last fresh x
            Expect.equal yAll.Shape [| batch; seq; 6 |] "[batch; seq; hidden]"
            Expect.equal yLast.Shape [| batch; 6 |] "[batch; hidden]"
            for b in 0 .. batch - 1 do
                for j in 0 .. 5 do
                    Expect.equal yLast.[b, j] (yAll.ToArray().[(b * seq + seq - 1) * 6 + j]) "the last step's h"
            Expect.equal sAll fresh "a layer that does not carry its state returns the one it was given"
            Expect.isEmpty (SequenceLayer.parameters all |> List.filter (fun t -> t.Shape = [| 6; 6 |])) "no projection among the parameters"

        testCase "the default weight scale is 2/(features + outputs)" <| fun () ->
            let layer, _ = SequenceLayer.init<float> (SequenceLayer.rnn 6 4) features (Rng.seed 9L)
            let explicit, _ = SequenceLayer.init<float> (SequenceLayer.rnn 6 4 |> SequenceLayer.withWeightScale (2.0 / 9.0)) features (Rng.seed 9L)
            List.iter2 (fun (a: Tensor<float>) (b: Tensor<float>) -> Expect.sequenceEqual (a.ToArray()) (b.ToArray()) "same draws")
                (SequenceLayer.parameters layer) (SequenceLayer.parameters explicit)

        testCase "the layers refuse inputs, states and gradients of the wrong shape, naming the function" <| fun () ->
            let layer, _ = SequenceLayer.init<float> (SequenceLayer.lstm 6 4) features (Rng.seed 3L)
            let state = SequenceLayer.initialState layer
            throwsShape "SequenceLayer.forward" (fun () -> SequenceLayer.forward layer state (Tensor.zeros [| batch; seq; features + 1 |]) |> ignore)
            throwsShape "SequenceLayer.forward" (fun () -> SequenceLayer.forward layer state (Tensor.zeros [| batch; features |]) |> ignore)
            throwsShape "SequenceLayer.forward" (fun () -> SequenceLayer.forward layer { state with C = None } (Tensor.zeros [| batch; seq; features |]) |> ignore)
            throwsShape "SequenceLayer.forward" (fun () -> SequenceLayer.forward layer { state with H = Tensor.zeros [| 1; 5 |] } (Tensor.zeros [| batch; seq; features |]) |> ignore)
            let _, cache, _ = SequenceLayer.forward layer state (Tensor.zeros [| batch; seq; features |])
            throwsShape "SequenceLayer.backward" (fun () -> SequenceLayer.backward layer cache (Tensor.zeros [| batch; seq + 1; 4 |]) |> ignore)
            throwsValue "SequenceLayer.create" (fun () -> SequenceLayer.gru 0 4 |> ignore)
            throwsValue "SequenceLayer.withWeightScale" (fun () -> SequenceLayer.rnn 3 4 |> SequenceLayer.withWeightScale 0.0 |> ignore)
    ]
