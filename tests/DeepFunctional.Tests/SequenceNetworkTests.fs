/// Networks of every layer kind in one `NeuralNetwork`: embeddings, recurrent layers (the
/// book's and Keras-like), stand-alone dropout, shapes propagated layer by layer, whole networks
/// gradient-checked, and a recurrent classifier that learns.
module DeepFunctional.Tests.SequenceNetworkTests

open System
open Expecto
open DeepFunctional
open DeepFunctional.Tests.Check

/// ids [batch; seq] of a vocabulary of `v`, seeded.
let ids<'T when 'T :> Numerics.IFloatingPointIeee754<'T>> (seed: int64) (v: int) (batch: int) (seq: int) : Tensor<'T> =
    let draws, _ = Rng.randint 0L (int64 v) (batch * seq) (Rng.seed seed)
    Tensor.ofFloats [| batch; seq |] (draws |> Array.map float)

let embeddingW<'T when 'T :> Numerics.IFloatingPointIeee754<'T>> () =
    let x = ids<'T> 4L 6 3 5
    let xs = floats x |> Array.map int
    { Name = "Embedding (table)"; OpName = "Embedding.backward"
      Input = randomTensor<'T> 2L [| 6; 4 |]
      Forward = fun w -> Embedding.forward w x
      Backward = fun w dy -> Embedding.backward w x dy
      Reference = fun w -> [| for id in xs do yield! w.[id * 4 .. id * 4 + 3] |]
      BadShape = fun () -> Embedding.backward (randomTensor<'T> 2L [| 6; 4 |]) x (randomTensor<'T> 3L [| 3; 5; 3 |]) |> ignore }

/// The whole network's parameter gradients against finite differences of its loss.
let networkGradCheck<'T when 'T :> Numerics.IFloatingPointIeee754<'T>> (p: Precision) (net: NeuralNetwork<'T>) (x: Tensor<'T>) (y: Tensor<'T>) =
    let n, _ = NeuralNetwork.initialise x (Rng.seed 0L) net
    let grads = (NeuralNetwork.trainBatch (Rng.seed 0L) n x y).Gradients
    let ps = NeuralNetwork.parameters n
    let gs = NeuralNetwork.gradients grads
    Expect.equal gs.Length ps.Length "one gradient per parameter"
    ps |> List.iteri (fun i param ->
        let f (t: Tensor<'T>) =
            let replaced = ps |> List.mapi (fun j q -> if i = j then t else q)
            NeuralNetwork.loss (NeuralNetwork.withParameters replaced n) x y
        gradientClose p.GradTolerance (GradCheck.compare p.Delta f param gs.[i]) (sprintf "parameter %d of shape %A" i param.Shape))

let lstm hidden last = Layer.Sequence (SequenceLayer.create CellKind.Lstm hidden (not last) |> SequenceLayer.withWeightScale 0.5)
let gru hidden last = Layer.Sequence (SequenceLayer.create CellKind.Gru hidden (not last) |> SequenceLayer.withWeightScale 0.5)

/// Sequences of 6 steps of one value each, rising (class 0) or falling (class 1) with noise.
let trends (count: int) (seed: int64) =
    let noise, rng = Rng.normal 0.0 0.1 (count * 6) (Rng.seed seed)
    let slopes, _ = Rng.doubles count rng
    let labels = Array.init count (fun i -> i % 2)
    let x = Array.init (count * 6) (fun k ->
        let i, t = k / 6, k % 6
        let slope = 0.2 + slopes.[i] * 0.3
        (if labels.[i] = 0 then slope else -slope) * float t + noise.[k])
    Tensor.ofFloats<float32> [| count; 6; 1 |] x, Classification.oneHot<float32> 2 labels, labels

[<Tests>]
let tests =
    testList "Sequence networks" [
        testList "Embedding in double precision" [ Check.op Check.double (embeddingW<float> ()) ]
        testList "Embedding in single precision" [ Check.op Check.single (embeddingW<float32> ()) ]

        testCase "Embedding.forward picks rows and backward adds each row's gradient into its id's row" <| fun () ->
            let w = Tensor.create [| 3; 2 |] [| 1.0; 2.0; 3.0; 4.0; 5.0; 6.0 |]
            let x = Tensor.create [| 1; 3 |] [| 2.0; 0.0; 2.0 |]
            Expect.equal ((Embedding.forward w x).ToArray()) [| 5.0; 6.0; 1.0; 2.0; 5.0; 6.0 |] "rows 2, 0, 2"
            Expect.equal (Embedding.forward w x).Shape [| 1; 3; 2 |] "[batch; seq; dimensions]"
            let dy = Tensor.create [| 1; 3; 2 |] [| 1.0; 1.0; 10.0; 10.0; 100.0; 100.0 |]
            Expect.equal ((Embedding.backward w x dy).ToArray()) [| 10.0; 10.0; 0.0; 0.0; 101.0; 101.0 |] "id 2 twice"

        testCase "Embedding refuses ids that are not whole numbers of the vocabulary, naming the element" <| fun () ->
            let w = Tensor.zeros<float> [| 3; 2 |]
            for bad in [ 3.0; -1.0; 1.5; nan; infinity ] do
                let e = caught<InvalidValueException> (fun () -> Embedding.forward w (Tensor.create [| 1; 2 |] [| 0.0; bad |]) |> ignore)
                Expect.stringContains e.Message "element 1" (sprintf "%g is named" bad)
            throwsShape "Embedding.forward" (fun () -> Embedding.forward w (Tensor.zeros<float> [| 1; 2; 3 |]) |> ignore)

        testCase "a network of an embedding, an LSTM over its vectors and a dense head has the gradients finite differences give" <| fun () ->
            let net: NeuralNetwork<float> = NeuralNetwork.create [ Layer.Embedding (6, 4); lstm 5 true; Layer.Dense (Dense.create 3 Activation.Linear) ] Loss.softmaxCrossEntropy 3L
            networkGradCheck Check.double net (ids<float> 9L 6 4 5) (Classification.oneHot<float> 3 [| 0; 2; 1; 1 |])

        testCase "a network of a GRU over every step then an LSTM's last step has the gradients finite differences give, in both precisions" <| fun () ->
            let layers = [ gru 4 false; lstm 3 true; Layer.Dense (Dense.create 2 Activation.Tanh) ]
            networkGradCheck Check.double (NeuralNetwork.create layers Loss.MeanSquaredError 5L) (randomTensor<float> 1L [| 3; 4; 2 |]) (randomTensor<float> 2L [| 3; 2 |])
            networkGradCheck Check.single (NeuralNetwork.create layers Loss.MeanSquaredError 5L) (randomTensor<float32> 1L [| 3; 4; 2 |]) (randomTensor<float32> 2L [| 3; 2 |])

        testCase "the book's recurrent layers with their projections in a network of two have the gradients finite differences give" <| fun () ->
            let layers = [ Layer.Sequence (SequenceLayer.gru 4 3 |> SequenceLayer.withWeightScale 0.5); Layer.Sequence (SequenceLayer.lstm 5 3 |> SequenceLayer.withWeightScale 0.5) ]
            let x = randomTensor<float> 1L [| 2; 4; 3 |]
            let y = Classification.oneHot<float> 3 [| 0; 1; 2; 0; 1; 2; 2; 1 |] |> Tensor.reshape [| 2; 4; 3 |]
            networkGradCheck Check.double (NeuralNetwork.create layers Loss.softmaxCrossEntropy 2L) x y

        testCase "an LSTM's last step and a dense head learn to tell rising sequences from falling ones" <| fun () ->
            let x, y, _ = trends 400 1L
            let xt, _, labels = trends 200 2L
            let net: NeuralNetwork<float32> =
                NeuralNetwork.create [ Layer.Sequence (SequenceLayer.create CellKind.Lstm 8 false); Layer.Dense (Dense.create 2 Activation.Linear |> Dense.withWeightInit WeightInit.Glorot) ]
                    Loss.softmaxCrossEntropy 7L
            let options = { FitOptions.defaults with Epochs = 15; BatchSize = 20; EarlyStopping = false; Seed = 3L }
            let monitor = { OnEvent = ignore; CheckEvery = 0; CheckLastBatch = false; OnCheck = (fun _ _ _ -> ()); Cancellation = Threading.CancellationToken.None }
            let r = Trainer.train monitor options (Optimizer.adam 0.01) net (TrainingData.Rows(x, y)) None
            Expect.isEmpty r.Evaluations "no validation set, no evaluation"
            let accuracy = Classification.accuracy (Classification.argmax (NeuralNetwork.predict r.Network xt)) labels
            isAbove accuracy 0.95 "test accuracy"

        testCase "a dense layer after a recurrent layer that returns every step is refused with a typed error" <| fun () ->
            let net: NeuralNetwork<float> = NeuralNetwork.create [ lstm 4 false; Layer.Dense (Dense.create 2 Activation.Linear) ] Loss.MeanSquaredError 1L
            throwsShape "NeuralNetwork.initialise" (fun () -> NeuralNetwork.initialise (Tensor.zeros [| 2; 3; 5 |]) (Rng.seed 0L) net |> ignore)
            Expect.equal (NeuralNetwork.layerOutputShape net.Layers.Head [| 2; 3; 5 |]) [| 2; 3; 4 |] "the LSTM gives [batch; seq; hidden]"
            throwsShape "NeuralNetwork.outputShape" (fun () -> NeuralNetwork.outputShapes net [| 2; 3; 5 |] |> ignore)

        testCase "a stand-alone dropout layer masks in training and is the identity in inference (inverted)" <| fun () ->
            let net: NeuralNetwork<float> =
                NeuralNetwork.create [ Layer.Dense (Dense.create 50 Activation.Tanh); Layer.Dropout (0.5, DropoutScaling.Inverted); Layer.Dense (Dense.create 2 Activation.Linear) ] Loss.MeanSquaredError 1L
            let x = randomTensor<float> 1L [| 4; 3 |]
            let n, _ = NeuralNetwork.initialise x (Rng.seed 0L) net
            let _, trace, _, _ = NeuralNetwork.forwardTrain (Rng.seed 5L) n x
            match trace.Caches.[1] with
            | LayerCache.Dropout (Some mask) ->
                let kept = floats mask |> Array.sum
                isAbove kept 50.0 "some kept"
                isBelow kept 150.0 "some dropped"
            | other -> failtestf "expected a dropout mask, got %A" other
            let inference = NeuralNetwork.forward n x
            let without = NeuralNetwork.forward { n with Layers = [ n.Layers.[0]; Layer.Dropout (1.0, DropoutScaling.Inverted); n.Layers.[2] ] } x
            Expect.equal (inference.ToArray()) (without.ToArray()) "inference does not drop"
            throwsValue "NeuralNetwork.create" (fun () -> (NeuralNetwork.create [ Layer.Dropout (0.0, DropoutScaling.Inverted) ] Loss.MeanSquaredError 1L: NeuralNetwork<float>) |> ignore)

        testCase "a book recurrent layer carries its state from one training batch to the next; a Keras-like one starts from zeros" <| fun () ->
            let x = randomTensor<float> 1L [| 2; 3; 4 |]
            let y = randomTensor<float> 2L [| 2; 3; 5 |]
            let carry: NeuralNetwork<float> = NeuralNetwork.create [ Layer.Sequence (SequenceLayer.rnn 5 5) ] Loss.MeanSquaredError 1L
            let r1 = NeuralNetwork.trainBatch (Rng.seed 0L) carry x y
            let s1 = NeuralNetwork.states r1.Network |> List.head |> Option.get
            isAbove (floats s1.H |> Array.map abs |> Array.max) 0.0 "a non-zero carried state"
            let fresh: NeuralNetwork<float> = NeuralNetwork.create [ Layer.Sequence (SequenceLayer.create CellKind.Rnn 5 true) ] Loss.MeanSquaredError 1L
            let r2 = NeuralNetwork.trainBatch (Rng.seed 0L) fresh x y
            let s2 = NeuralNetwork.states r2.Network |> List.head |> Option.get
            Expect.equal (floats s2.H) (Array.zeroCreate 5) "the state stays zero"
            let reset = NeuralNetwork.resetStates r1.Network
            Expect.equal (floats (NeuralNetwork.states reset |> List.head |> Option.get).H) (Array.zeroCreate 5) "resetStates"
    ]
