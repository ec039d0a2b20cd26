module DeepFunctional.Tests.NetworkTests

open System
open Expecto
open DeepFunctional
open DeepFunctional.Tests.Check

/// A seeding strategy of a caller's that re-seeds the generator with the network's seed for
/// every layer and lets training go on from the stream the layers leave (the book layer supplies
/// one like it).
let reseeding =
    Seeding.Strategy
        { new SeedingStrategy("re-seed every layer") with
            member _.LayerGenerator(seed, _, _) = Rng.seed seed
            member _.SharesTrainingStream = true }

let twoLayers =
    [ Layer.Dense (Dense.create 4 Activation.Sigmoid); Layer.Dense (Dense.create 2 Activation.Linear) ]

let net<'T when 'T :> Numerics.IFloatingPointIeee754<'T>> seeding : NeuralNetwork<'T> =
    NeuralNetwork.create twoLayers Loss.MeanSquaredError 42L |> NeuralNetwork.withSeeding seeding

/// The whole network's parameter gradients against finite differences of its loss.
let wholeNetworkGradCheck<'T when 'T :> Numerics.IFloatingPointIeee754<'T>> (p: Precision) =
    let x = randomTensor<'T> 1L [| 6; 3 |]
    let y = randomTensor<'T> 2L [| 6; 2 |]
    let n, _ = NeuralNetwork.initialise x (Rng.seed 0L) (net<'T> Seeding.PerNetwork)
    let grads = (NeuralNetwork.trainBatch (Rng.seed 0L) n x y).Gradients
    let ps = NeuralNetwork.parameters n
    let gs = NeuralNetwork.gradients grads
    ps |> List.iteri (fun i param ->
        let f (t: Tensor<'T>) =
            let replaced = ps |> List.mapi (fun j q -> if i = j then t else q)
            NeuralNetwork.loss (NeuralNetwork.withParameters replaced n) x y
        let r = GradCheck.compare p.Delta f param gs.[i]
        Check.gradientClose p.GradTolerance r (sprintf "parameter %d" i))

[<Tests>]
let tests =
    testList "NeuralNetwork" [

        testCase "a summary gives every layer's output shape and parameter count, and the total" <| fun () ->
            let net: NeuralNetwork<float32> =
                NeuralNetwork.create
                    [ Layer.Conv2D (Conv2D.create 16 5 Activation.Tanh |> Conv2D.withFlatten true)
                      Layer.Dense (Dense.create 10 Activation.Linear) ]
                    Loss.softmaxCrossEntropy 1L
            let rows = Summary.ofNetwork net [| 1; 28; 28 |]
            Expect.equal (rows |> List.map (fun r -> r.OutputShape, r.Parameters)) [ [| 12544 |], 400L; [| 10 |], 125450L ] "16·25 kernels; 12,544·10 + 10"
            let text = Summary.format rows
            Expect.stringContains text "Conv2D(16, 5x5, tanh, stride 1, padding 2, flatten)" "the layer's settings"
            Expect.stringContains text "125,850" "the total"
            let lstm: NeuralNetwork<float32> = NeuralNetwork.create [ Layer.Sequence (SequenceLayer.lstm 256 62) ] Loss.softmaxCrossEntropy 1L
            let row = Summary.ofNetwork lstm [| 25; 62 |] |> List.exactlyOne
            Expect.equal (row.OutputShape, row.Parameters) ([| 25; 62 |], 318L * 1024L + 1024L + 256L * 62L + 62L) "gates over [x, h], bias, projection"
        testCase "NeuralNetwork.initialise draws W then B for each layer with the right shapes" <| fun () ->
            let n, _ = NeuralNetwork.initialise (Tensor.zeros<float> [| 5; 3 |]) (Rng.seed 1L) (net Seeding.PerNetwork)
            Expect.equal (NeuralNetwork.parameters n |> List.map (fun t -> t.Shape)) [ [| 3; 4 |]; [| 1; 4 |]; [| 4; 2 |]; [| 1; 2 |] ] "W1, B1, W2, B2"

        testCase "with a re-seeding strategy, every layer starts from the network seed's stream" <| fun () ->
            let n, _ = NeuralNetwork.initialise (Tensor.zeros<float> [| 5; 3 |]) (Rng.seed 1L) (net reseeding)
            let expected, _ = Rng.standardNormals 12 (Rng.seed 42L)
            let ps = NeuralNetwork.parameters n
            Expect.equal (ps.[0].ToArray()) expected "W1 = randn(3, 4) after seed(42)"
            Expect.equal (ps.[2].ToArray()) (Array.truncate 8 expected) "W2 = randn(4, 2) after seed(42) again"

        testCase "with a re-seeding strategy, training continues from the stream after the last layer's draws" <| fun () ->
            let _, rng = NeuralNetwork.initialise (Tensor.zeros<float> [| 5; 3 |]) (Rng.seed 1L) (net reseeding)
            let _, expected = Rng.standardNormals (8 + 2) (Rng.seed 42L)
            Expect.equal rng expected "the generator after randn(4, 2) and randn(1, 2)"

        testCase "with a re-seeding strategy, a dropout mask is drawn right after its layer's parameters, before the next layer re-seeds" <| fun () ->
            let layers =
                [ Layer.Dense (Dense.create 4 Activation.Sigmoid |> Dense.withDropout DropoutScaling.Classic 0.8)
                  Layer.Dense (Dense.create 2 Activation.Linear) ]
            let n: NeuralNetwork<float> = NeuralNetwork.create layers Loss.MeanSquaredError 42L |> NeuralNetwork.withSeeding reseeding
            let x = randomTensor<float> 1L [| 5; 3 |]
            let _, trace, _, rng = NeuralNetwork.forwardTrain (Rng.seed 1L) n x
            // seed(42); W1 = randn(3, 4); B1 = randn(1, 4); mask1 = binomial(1, 0.8, (5, 4))
            let _, afterB1 = Rng.standardNormals 16 (Rng.seed 42L)
            let expectedMask, _ = Rng.binomial 1 0.8 20 afterB1
            match trace.Caches.Head with
            | LayerCache.Dense c -> Expect.equal (c.Mask.Value.ToArray()) (Array.map float expectedMask) "mask after W1 and B1"
            | other -> failtestf "expected a dense layer's cache, got %A" other
            // then seed(42) again for layer 2: W2 = randn(4, 2), B2 = randn(1, 2); training goes on from there
            let _, afterLayer2 = Rng.standardNormals 10 (Rng.seed 42L)
            Expect.equal rng afterLayer2 "the stream after the last layer's draws"

        testCase "in per-network seeding layers draw different numbers and training's generator is untouched" <| fun () ->
            let start = Rng.seed 1L
            let n, rng = NeuralNetwork.initialise (Tensor.zeros<float> [| 5; 3 |]) start (net Seeding.PerNetwork)
            let ps = NeuralNetwork.parameters n
            Expect.notEqual (ps.[2].ToArray()) (Array.truncate 8 (ps.[0].ToArray())) "layers differ"
            Expect.equal rng start "training's generator is unchanged"

        testCase "NeuralNetwork.forward before initialisation raises InvalidOperationException naming the operation" <| fun () ->
            let e = Expect.throwsC (fun () -> NeuralNetwork.forward (net<float> Seeding.PerNetwork) (Tensor.zeros [| 1; 3 |]) |> ignore) id
            Expect.isTrue (e :? InvalidOperationException) "typed"
            Expect.stringContains e.Message "NeuralNetwork.forward" "names the operation"

        testCase "NeuralNetwork.forward refuses inputs with the wrong number of features" <| fun () ->
            let n, _ = NeuralNetwork.initialise (Tensor.zeros<float> [| 5; 3 |]) (Rng.seed 1L) (net Seeding.PerNetwork)
            throwsShape "Dense.forward" (fun () -> NeuralNetwork.forward n (Tensor.zeros [| 2; 4 |]) |> ignore)

        testCase "NeuralNetwork.withParameters refuses a tensor of another shape" <| fun () ->
            let n, _ = NeuralNetwork.initialise (Tensor.zeros<float> [| 5; 3 |]) (Rng.seed 1L) (net Seeding.PerNetwork)
            let ps = NeuralNetwork.parameters n
            throwsShape "NeuralNetwork.withParameters" (fun () -> NeuralNetwork.withParameters (Tensor.zeros [| 2; 2 |] :: ps.Tail) n |> ignore)
            throwsShape "NeuralNetwork.withParameters" (fun () -> NeuralNetwork.withParameters ps.Tail n |> ignore)

        testCase "NeuralNetwork.create refuses an empty layer list and an out-of-range seed" <| fun () ->
            throwsValue "NeuralNetwork.create" (fun () -> (NeuralNetwork.create [] Loss.MeanSquaredError 1L : NeuralNetwork<float>) |> ignore)
            throwsValue "NeuralNetwork.create" (fun () -> (NeuralNetwork.create twoLayers Loss.MeanSquaredError -1L : NeuralNetwork<float>) |> ignore)

        testCase "Dense.create refuses zero neurons" <| fun () ->
            throwsValue "Dense.create" (fun () -> Dense.create 0 Activation.Linear |> ignore)

        testCase "Dense.init with Glorot draws weights with standard deviation sqrt(2/(in+out))" <| fun () ->
            let spec = { Dense.create 200 Activation.Tanh with WeightInit = WeightInit.Glorot }
            let (p: DenseParams<float>), _ = Dense.init spec 300 (Rng.seed 3L)
            let v = p.W.ToArray()
            let sd = sqrt (Array.averageBy (fun x -> x * x) v)
            Expect.floatClose { absolute = 0.002; relative = 0.0 } sd (sqrt (2.0 / 500.0)) "sample standard deviation"

        testCase "the whole network's gradients match finite differences in double precision" <| fun () ->
            wholeNetworkGradCheck<float> Check.double

        testCase "the whole network's gradients match finite differences in single precision" <| fun () ->
            wholeNetworkGradCheck<float32> Check.single

        testCase "NeuralNetwork.trainBatch refuses targets with a different number of rows" <| fun () ->
            let n, _ = NeuralNetwork.initialise (Tensor.zeros<float> [| 5; 3 |]) (Rng.seed 1L) (net Seeding.PerNetwork)
            throwsShape "NeuralNetwork.trainBatch" (fun () -> NeuralNetwork.trainBatch (Rng.seed 0L) n (Tensor.zeros [| 5; 3 |]) (Tensor.zeros [| 4; 2 |]) |> ignore)
    ]
