/// Convolutional networks (chapter 5): the Conv2D layer, pooling and flatten inside a
/// NeuralNetwork, trained by the Trainer.
module DeepFunctional.Tests.ConvNetworkTests

open System
open System.Threading
open Expecto
open DeepFunctional
open DeepFunctional.Tests.Check
open DeepFunctional.Tests.Synthetic

/// Conv(3, 3x3, Tanh, bias) → MaxPool(2, 2) → Conv(2, 3x3, Sigmoid, flatten) → AvgPool is not
/// possible after a flatten, so: → Dense(4, Linear); softmax cross-entropy.
let smallNet<'T when 'T :> Numerics.IFloatingPointIeee754<'T>> (seeding: Seeding) : NeuralNetwork<'T> =
    NeuralNetwork.create
        [ Layer.Conv2D (Conv2D.create 3 3 Activation.Tanh |> Conv2D.withBias true)
          Layer.MaxPool2D (2, 2)
          Layer.Conv2D (Conv2D.create 2 3 Activation.Sigmoid |> Conv2D.withWeightInit WeightInit.Glorot)
          Layer.AvgPool2D (1, 1)
          Layer.Flatten
          Layer.Dense (Dense.create 4 Activation.Linear) ]
        Loss.softmaxCrossEntropy 17L
    |> NeuralNetwork.withSeeding seeding

/// Targets: one-hot rows of 4 classes.
let targets<'T when 'T :> Numerics.IFloatingPointIeee754<'T>> (rows: int) =
    Classification.oneHot<'T> 4 (Array.init rows (fun i -> (i * 3) % 4))

/// Every parameter gradient of a network against finite differences of its loss on x and y.
let networkGradCheck<'T when 'T :> Numerics.IFloatingPointIeee754<'T>> (p: Precision) (net: NeuralNetwork<'T>) (x: Tensor<'T>) (y: Tensor<'T>) (tensors: int) =
    let n, _ = NeuralNetwork.initialise x (Rng.seed 0L) net
    let ps = NeuralNetwork.parameters n
    // A bias that starts at zero would hide a wrong bias gradient less well than a random one.
    let ps = ps |> List.mapi (fun i q -> if q.Rank = 1 || (q.Rank = 2 && q.Shape.[0] = 1) then randomTensor<'T> (int64 (40 + i)) q.Shape else q)
    let n = NeuralNetwork.withParameters ps n
    let gs = NeuralNetwork.gradients (NeuralNetwork.trainBatch (Rng.seed 0L) n x y).Gradients
    Expect.equal gs.Length tensors "one gradient per parameter tensor"
    ps |> List.iteri (fun i param ->
        let f (t: Tensor<'T>) =
            let replaced = ps |> List.mapi (fun j q -> if i = j then t else q)
            NeuralNetwork.loss (NeuralNetwork.withParameters replaced n) x y
        let r = GradCheck.compare p.Delta f param gs.[i]
        Check.gradientClose p.GradTolerance r (sprintf "parameter %d of shape %A" i param.Shape))

/// Every parameter gradient of `smallNet` (conv W and B, conv W, dense W and B).
let convNetworkGradCheck<'T when 'T :> Numerics.IFloatingPointIeee754<'T>> (p: Precision) =
    networkGradCheck<'T> p (smallNet<'T> Seeding.PerNetwork) (randomTensor<'T> 3L [| 2; 2; 6; 6 |]) (targets<'T> 2) 5

/// A decoder: Dense(32, tanh) → Reshape [2; 4; 4] → ConvTranspose2D(3, 3x3, stride 2, padding
/// 1, output padding 1, tanh, bias) to 8x8 → ConvTranspose2D(1, 3x3, "same", linear); MSE.
let decoderNet<'T when 'T :> Numerics.IFloatingPointIeee754<'T>> () : NeuralNetwork<'T> =
    NeuralNetwork.create
        [ Layer.Dense (Dense.create 32 Activation.Tanh)
          Layer.Reshape [| 2; 4; 4 |]
          Layer.ConvTranspose2D (ConvTranspose2D.create 3 3 Activation.Tanh |> ConvTranspose2D.withGeometry 2 1 1 |> ConvTranspose2D.withBias true)
          Layer.ConvTranspose2D (ConvTranspose2D.create 1 3 Activation.Linear |> ConvTranspose2D.withWeightInit WeightInit.Glorot) ]
        Loss.MeanSquaredError 23L

/// A transposed convolution as the first layer (only its kernel gradient is computed there):
/// ConvTranspose2D(2, 3x3, stride 2, no padding, output padding 1, sigmoid) → Flatten → Dense(4).
let firstTransposedNet<'T when 'T :> Numerics.IFloatingPointIeee754<'T>> () : NeuralNetwork<'T> =
    NeuralNetwork.create
        [ Layer.ConvTranspose2D (ConvTranspose2D.create 2 3 Activation.Sigmoid |> ConvTranspose2D.withGeometry 2 0 1)
          Layer.Flatten
          Layer.Dense (Dense.create 4 Activation.Linear) ]
        Loss.softmaxCrossEntropy 29L

[<Tests>]
let tests =
    testList "Convolutional networks" [
        testCase "NeuralNetwork.initialise draws a Conv2D kernel of shape [inChannels; filters; k; k] and nothing for pooling" <| fun () ->
            let n, _ = NeuralNetwork.initialise (randomTensor<float> 1L [| 2; 2; 6; 6 |]) (Rng.seed 0L) (smallNet<float> Seeding.PerNetwork)
            let shapes = NeuralNetwork.parameters n |> List.map (fun t -> t.Shape)
            Expect.equal shapes [ [| 2; 3; 3; 3 |]; [| 3 |]; [| 3; 2; 3; 3 |]; [| 18; 4 |]; [| 1; 4 |] ] "W, B, W, dense W, dense B"

        testCase "a Conv2D layer with a scaled initialisation draws its kernel with the standard deviation it gives" <| fun () ->
            let init = WeightInit.Scaled(ScaledInit("2/(in+out)", fun fanIn fanOut _ -> 2.0 / float (fanIn + fanOut)))
            let spec = Conv2D.create 16 5 Activation.Tanh |> Conv2D.withWeightInit init
            let p, _ = Conv2D.init spec 1 (Rng.seed 3L)
            let expected, _ = Rng.normal 0.0 (2.0 / 17.0) (16 * 25) (Rng.seed 3L)
            Expect.sequenceEqual (p.W.ToArray()) expected "NumPy's normal(0, 2/17, (1, 16, 5, 5)) from the same seed"

        testCase "the forward pass gives [batch; classes] and inference equals the training pass without dropout" <| fun () ->
            let x = randomTensor<float> 2L [| 3; 2; 6; 6 |]
            let y, _, n, _ = NeuralNetwork.forwardTrain (Rng.seed 1L) (smallNet<float> Seeding.PerNetwork) x
            Expect.equal y.Shape [| 3; 4 |] "three rows of four scores"
            Expect.sequenceEqual ((NeuralNetwork.forward n x).ToArray()) (y.ToArray()) "no dropout: same numbers"

        testCase "the whole convolutional network's gradients match finite differences in double precision" <| fun () ->
            convNetworkGradCheck<float> Check.double

        testCase "the whole convolutional network's gradients match finite differences in single precision" <| fun () ->
            convNetworkGradCheck<float32> Check.single

        testCase "a decoder of Dense, Reshape and transposed convolutions has the shapes of their rules" <| fun () ->
            let shapes = NeuralNetwork.outputShapes (decoderNet<float> ()) [| 5; 12 |]
            Expect.equal shapes [ [| 5; 32 |]; [| 5; 2; 4; 4 |]; [| 5; 3; 8; 8 |]; [| 5; 1; 8; 8 |] ] "(4 − 1)·2 − 2 + 3 + 1 = 8, then \"same\""
            Expect.equal (NeuralNetwork.outputShapes (firstTransposedNet<float> ()) [| 1; 1; 4; 4 |]) [ [| 1; 2; 10; 10 |]; [| 1; 200 |]; [| 1; 4 |] ] "(4 − 1)·2 + 3 + 1 = 10"

        testCase "the decoder's gradients through Reshape and two transposed convolutions match finite differences in double precision" <| fun () ->
            networkGradCheck<float> Check.double (decoderNet<float> ()) (randomTensor<float> 5L [| 2; 12 |]) (randomTensor<float> 6L [| 2; 1; 8; 8 |]) 5

        testCase "the decoder's gradients match finite differences in single precision" <| fun () ->
            networkGradCheck<float32> Check.single (decoderNet<float32> ()) (randomTensor<float32> 5L [| 2; 12 |]) (randomTensor<float32> 6L [| 2; 1; 8; 8 |]) 5

        testCase "a transposed convolution as the first layer gets its kernel gradient right" <| fun () ->
            networkGradCheck<float> Check.double (firstTransposedNet<float> ()) (randomTensor<float> 7L [| 3; 1; 4; 4 |]) (targets<float> 3) 3

        testCase "a Reshape to another number of values per sample is refused naming both shapes" <| fun () ->
            let net: NeuralNetwork<float> = NeuralNetwork.create [ Layer.Dense (Dense.create 30 Activation.Tanh); Layer.Reshape [| 2; 4; 4 |] ] Loss.MeanSquaredError 1L
            let e = caught<ShapeMismatchException> (fun () -> NeuralNetwork.outputShapes net [| 3; 5 |] |> ignore)
            Expect.stringContains e.Message "32 values" "the expected count"
            Expect.stringContains e.Message "3x30" "the actual shape"
            caught<InvalidValueException> (fun () -> (NeuralNetwork.create [ Layer.Reshape [| 4; 0 |] ] Loss.MeanSquaredError 1L: NeuralNetwork<float>) |> ignore) |> ignore

        testCase "a transposed convolution whose output padding is not below its stride is refused" <| fun () ->
            caught<InvalidValueException> (fun () -> ConvTranspose2D.create 2 3 Activation.Tanh |> ConvTranspose2D.withGeometry 2 1 2 |> ignore) |> ignore
            caught<InvalidValueException> (fun () -> ConvTranspose2D.create 0 3 Activation.Tanh |> ignore) |> ignore

        testCase "a Conv2D layer with flatten and dropout keeps the mask's shape flat and scales in inference" <| fun () ->
            let spec = Conv2D.create 2 3 Activation.Linear |> Conv2D.withFlatten true |> Conv2D.withDropout DropoutScaling.Inverted 0.5
            let x = randomTensor<float> 4L [| 2; 1; 4; 4 |]
            let p, _ = Conv2D.init spec 1 (Rng.seed 2L)
            let y, cache, _ = Conv2D.forwardTrain spec p (Rng.seed 9L) x
            Expect.equal y.Shape [| 2; 32 |] "flattened to 2·4·4"
            Expect.equal (cache.Mask |> Option.map (fun m -> m.Shape)) (Some [| 2; 32 |]) "the mask is drawn on the flat output"
            let kept = cache.Mask.Value.ToArray() |> Array.sum
            Check.isAbove kept 0.0 "some units kept"
            Check.isBelow kept 64.0 "some units dropped"
            let inferred, _ = Conv2D.forward spec p x
            let plain, _ = Conv2D.forward (Conv2D.withDropout DropoutScaling.Inverted 1.0 spec) p x
            Expect.sequenceEqual (inferred.ToArray()) (plain.ToArray()) "inverted dropout is the identity in inference"

        testCase "a Dense layer straight after a Conv2D without flatten is refused with a typed error" <| fun () ->
            let net: NeuralNetwork<float> =
                NeuralNetwork.create [ Layer.Conv2D (Conv2D.create 2 3 Activation.Tanh); Layer.Dense (Dense.create 2 Activation.Linear) ] Loss.softmaxCrossEntropy 1L
            let e = Expect.throwsC (fun () -> NeuralNetwork.initialise (randomTensor<float> 1L [| 1; 1; 5; 5 |]) (Rng.seed 0L) net |> ignore) id
            match e with
            | :? ShapeMismatchException as e -> Expect.stringContains e.Message "Dense" "names the layer that cannot take it"
            | other -> failtestf "expected ShapeMismatchException, got %s" (other.GetType().Name)

        testCase "a Conv2D layer refuses a matrix input and an input with other channels than its kernel" <| fun () ->
            let spec = Conv2D.create 2 3 Activation.Tanh
            let p: Conv2DParams<float> = fst (Conv2D.init spec 3 (Rng.seed 0L))
            throwsShape "Conv2D.forward" (fun () -> Conv2D.forward spec p (randomTensor<float> 1L [| 2; 9 |]) |> ignore)
            throwsShape "Conv2D.forward" (fun () -> Conv2D.forward spec p (randomTensor<float> 1L [| 2; 2; 5; 5 |]) |> ignore)

        testCase "Conv2D.create refuses no filters and an even kernel, and pooling a kernel larger than the image" <| fun () ->
            throwsValue "Conv2D.create" (fun () -> Conv2D.create 0 3 Activation.Tanh |> ignore)
            throwsValue "Conv2D.create" (fun () -> Conv2D.create 4 4 Activation.Tanh |> ignore)
            let net: NeuralNetwork<float> = NeuralNetwork.create [ Layer.MaxPool2D (7, 1); Layer.Flatten ] Loss.MeanSquaredError 1L
            throwsValue "NeuralNetwork.initialise" (fun () -> NeuralNetwork.initialise (randomTensor<float> 1L [| 1; 1; 5; 5 |]) (Rng.seed 0L) net |> ignore)

        testCase "NeuralNetwork.loss over more rows than one chunk equals the loss of the whole set at once" <| fun () ->
            let rows = Backend.fast.EvaluationRows * 2 + 345
            let x = randomTensor<float> 21L [| rows; 1; 4; 4 |]
            let y = targets<float> rows
            let net: NeuralNetwork<float> =
                NeuralNetwork.create [ Layer.Conv2D (Conv2D.create 2 3 Activation.Tanh |> Conv2D.withFlatten true); Layer.Dense (Dense.create 4 Activation.Linear) ] Loss.softmaxCrossEntropy 5L
            let n, _ = NeuralNetwork.initialise x (Rng.seed 0L) net
            let whole = Loss.forward n.Loss (NeuralNetwork.forward n x) y
            let chunked = NeuralNetwork.loss n x y
            Expect.floatClose { absolute = 0.0; relative = 1e-12 } chunked whole "the same mean over three chunks"
            Expect.notEqual (NeuralNetwork.loss n (Tensor.sliceRows 0 1000 x) (Tensor.sliceRows 0 1000 y)) chunked "the test uses every chunk"

        testCase "Classification.prepareImages keeps the standardised pixels as [count; 1; rows; cols]" <| fun () ->
            let set (count: int) : ImageSet =
                { Count = count; Rows = 3; Cols = 2; Classes = 2; Images = Array.init (count * 6) byte; Labels = Array.init count (fun i -> i % 2) }
            let flat = Classification.prepare<float> (set 4) (set 2)
            let images = Classification.prepareImages<float> (set 4) (set 2)
            Expect.equal images.Split.XTrain.Shape [| 4; 1; 3; 2 |] "training images"
            Expect.equal images.Split.XTest.Shape [| 2; 1; 3; 2 |] "test images"
            Expect.sequenceEqual (images.Split.XTrain.ToArray()) (flat.Split.XTrain.ToArray()) "the same pixels"

        testCase "the trainer learns to tell vertical from horizontal bars with a small convolutional network" <| fun () ->
            let x, y, _ = bars 200 5L
            let xt, yt, labels = bars 100 6L
            let net: NeuralNetwork<float> =
                NeuralNetwork.create
                    [ Layer.Conv2D (Conv2D.create 4 3 Activation.Tanh |> Conv2D.withWeightInit WeightInit.Glorot)
                      Layer.MaxPool2D (2, 2)
                      Layer.Flatten
                      Layer.Dense (Dense.create 2 Activation.Linear |> Dense.withWeightInit WeightInit.Glorot) ]
                    Loss.softmaxCrossEntropy 3L
            let before = NeuralNetwork.loss (fst (NeuralNetwork.initialise x (Rng.seed 0L) net)) xt yt
            let options = { FitOptions.defaults with Epochs = 30; EvalEvery = 10; BatchSize = 20; Seed = 4L; EarlyStopping = false }
            let r = Trainer.fit options (Optimizer.sgdMomentum 0.1 0.9) net x y xt yt
            let after = NeuralNetwork.loss r.Network xt yt
            Check.isBelow after (before / 4.0) (sprintf "test loss %g -> %g" before after)
            let accuracy = Classification.accuracy (Classification.argmax (NeuralNetwork.forward r.Network xt)) labels
            Check.isAbove accuracy 0.95 "more than 95% of the bars told apart"

        testCase "Trainer.fitMonitored checks every N batches within an epoch, with a copy of the network" <| fun () ->
            let x, y, _ = bars 100 7L
            let checks = Collections.Generic.List<int * int * float>()
            let mutable kept = None
            let monitor =
                { OnEvent = ignore; CheckEvery = 3; CheckLastBatch = false; Cancellation = CancellationToken.None
                  OnCheck = fun epoch batch (n: NeuralNetwork<float>) ->
                      checks.Add((epoch, batch, NeuralNetwork.loss n x y))
                      if kept.IsNone then kept <- Some (n, NeuralNetwork.loss n x y) }
            let options = { FitOptions.defaults with Epochs = 2; EvalEvery = 1; BatchSize = 10; Seed = 4L; EarlyStopping = false }
            let net: NeuralNetwork<float> =
                NeuralNetwork.create [ Layer.Conv2D (Conv2D.create 2 3 Activation.Tanh |> Conv2D.withFlatten true); Layer.Dense (Dense.create 2 Activation.Linear) ] Loss.softmaxCrossEntropy 3L
            Trainer.fitMonitored monitor options (Optimizer.sgd 0.05) net x y x y |> ignore
            Expect.equal [ for e, b, _ in checks -> e, b ] [ 1, 3; 1, 6; 1, 9; 2, 3; 2, 6; 2, 9 ] "after 3, 6 and 9 of 10 batches, each epoch"
            let n, loss = kept.Value
            Expect.equal (NeuralNetwork.loss n x y) loss "the network handed out is not changed by later training"
            throwsValue "Trainer.fit" (fun () -> Trainer.fitMonitored { monitor with CheckEvery = -1 } options (Optimizer.sgd 0.05) net x y x y |> ignore)
    ]
