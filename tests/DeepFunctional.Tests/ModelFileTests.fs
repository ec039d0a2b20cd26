/// The one model file: every layer kind saved and loaded back predicting bit for bit in both
/// precisions, what it records beside the weights, and every corruption caught as a
/// `DataFormatException` naming the file.
module DeepFunctional.Tests.ModelFileTests

open System
open System.IO
open Expecto
open DeepFunctional
open DeepFunctional.Tests.Check

let private withFolder (f: string -> unit) =
    let dir = Directory.CreateTempSubdirectory("df-modelfile-").FullName
    try f dir finally Directory.Delete(dir, true)

/// A network of every kind of layer that takes [batch; 1; 8; 8] images, trained one step so its
/// parameters are not the initial draws.
let imageNet<'T when 'T :> Numerics.IFloatingPointIeee754<'T>> () =
    let layers =
        [ Layer.Conv2D (Conv2D.create 3 3 Activation.Tanh |> Conv2D.withBias true)
          Layer.MaxPool2D (2, 2)
          Layer.Conv2D (Conv2D.create 2 3 Activation.ReLU |> Conv2D.withGeometry 1 0 |> Conv2D.withDropout DropoutScaling.Classic 0.9)
          Layer.AvgPool2D (2, 1)
          Layer.Flatten
          Layer.Dropout (0.8, DropoutScaling.Inverted)
          Layer.Dense (Dense.create 4 Activation.Sigmoid |> Dense.withWeightInit WeightInit.Glorot)
          Layer.Dense (Dense.create 2 Activation.Linear) ]
    let x = randomTensor<'T> 1L [| 5; 1; 8; 8 |]
    let net: NeuralNetwork<'T> = NeuralNetwork.create layers Loss.softmaxCrossEntropy 11L
    let r = NeuralNetwork.trainBatch (Rng.seed 2L) net x (Classification.oneHot<'T> 2 [| 0; 1; 1; 0; 1 |])
    r.Network, x, [| 1; 8; 8 |]

/// A network of an embedding, a Keras-like GRU over every step, a book LSTM with its projection
/// and carried state, and a Keras-like RNN's last step.
let sequenceNet<'T when 'T :> Numerics.IFloatingPointIeee754<'T>> () =
    let layers =
        [ Layer.Embedding (7, 4)
          Layer.Sequence (SequenceLayer.create CellKind.Gru 5 true)
          Layer.Sequence (SequenceLayer.lstm 6 3 |> SequenceLayer.withWeightScale 0.3)
          Layer.Sequence (SequenceLayer.create CellKind.Rnn 4 false)
          Layer.Dense (Dense.create 2 Activation.Linear) ]
    let draws, _ = Rng.randint 0L 7L 18 (Rng.seed 3L)
    let x = Tensor.ofFloats<'T> [| 3; 6 |] (draws |> Array.map float)
    let net: NeuralNetwork<'T> = NeuralNetwork.create layers Loss.MeanSquaredError 4L
    let r = NeuralNetwork.trainBatch (Rng.seed 2L) net x (randomTensor<'T> 5L [| 3; 2 |])
    r.Network, x, [| 6 |]

/// The transposed-convolution decoder of ConvNetworkTests (Dense, Reshape, two
/// ConvTranspose2D), trained one step.
let decoderNet<'T when 'T :> Numerics.IFloatingPointIeee754<'T>> () =
    let x = randomTensor<'T> 8L [| 3; 12 |]
    let r = NeuralNetwork.trainBatch (Rng.seed 2L) (ConvNetworkTests.decoderNet<'T> ()) x (randomTensor<'T> 9L [| 3; 1; 8; 8 |])
    r.Network, x, [| 12 |]

let private bits (t: Tensor<'T>) = floats t |> Array.map BitConverter.DoubleToInt64Bits

let private roundTrip<'T when 'T :> Numerics.IFloatingPointIeee754<'T>> (name: string) (make: unit -> NeuralNetwork<'T> * Tensor<'T> * int[]) =
    testCase (sprintf "a %s network saved and loaded predicts bit for bit in %s precision" name (if typeof<'T> = typeof<float32> then "single" else "double")) <| fun () ->
        withFolder (fun dir ->
            let net, x, shape = make ()
            let path = Path.Combine(dir, "m.safetensors")
            ModelFile.save path (ModelFile.ofNetwork shape net)
            let loaded = ModelFile.load<'T> path
            Expect.equal loaded.Network.Layers net.Layers "the same layers"
            Expect.equal loaded.Network.Loss net.Loss "the same loss"
            Expect.equal loaded.InputShape shape "the input shape"
            Expect.equal (bits (NeuralNetwork.forward loaded.Network x)) (bits (NeuralNetwork.forward net x)) "the same predictions"
            List.iter2 (fun (a: Tensor<'T>) (b: Tensor<'T>) -> Expect.equal (bits a) (bits b) "parameters") (NeuralNetwork.parameters loaded.Network) (NeuralNetwork.parameters net)
            List.iter2 (fun (a: SequenceState<'T> option) (b: SequenceState<'T> option) ->
                Expect.equal (a |> Option.map (fun s -> bits s.H)) (b |> Option.map (fun s -> bits s.H)) "carried states") (NeuralNetwork.states loaded.Network) (NeuralNetwork.states net)
            Expect.equal (Directory.GetFiles dir |> Array.map Path.GetFileName) [| "m.safetensors" |] "no temporary file left")

let private throwsFormat (path: string) (words: string) (f: unit -> unit) =
    let e = caught<DataFormatException> f
    Expect.equal e.SourceName path "names the file"
    Expect.stringContains e.Message words "says what is wrong"

/// A valid model file's metadata and entries, to corrupt before writing them again (with valid
/// container checksums, so that the model layer's own checks are what is tested).
let private parts () =
    let net, _, shape = imageNet<float32> ()
    ModelFile.contents (ModelFile.ofNetwork shape net)

let private rewrite (dir: string) (metadata: Map<string, string>) (entries: TensorEntry list) =
    let path = Path.Combine(dir, "bad.safetensors")
    SafeTensors.write path metadata entries
    path

[<Tests>]
let tests =
    testList "ModelFile" [
        roundTrip<float> "convolutional" imageNet<float>
        roundTrip<float32> "convolutional" imageNet<float32>
        roundTrip<float> "recurrent" sequenceNet<float>
        roundTrip<float> "transposed-convolution" decoderNet<float>
        roundTrip<float32> "transposed-convolution" decoderNet<float32>
        roundTrip<float32> "recurrent" sequenceNet<float32>

        testCase "the preprocessing, class names, vocabulary and provenance come back as they were saved" <| fun () ->
            withFolder (fun dir ->
                let net, _, shape = imageNet<float> ()
                let model =
                    { ModelFile.ofNetwork shape net with
                        Preprocessing = Preprocessing.Pixels { Mean = 72.94; Std = 90.02 }
                        Classes = Some [| "T-shirt/top"; "Trouser \"ü\"" |]
                        Provenance = { LibraryVersion = "9.9"; Seed = Some 190119L; Epochs = Some 3; FinalLosses = [ "training", 0.25; "validation", nan ] } }
                let path = Path.Combine(dir, "m.safetensors")
                ModelFile.save path model
                let loaded = ModelFile.load<float> path
                Expect.equal loaded.Preprocessing model.Preprocessing "preprocessing"
                Expect.equal loaded.Classes model.Classes "classes"
                Expect.equal loaded.Provenance.Seed (Some 190119L) "seed"
                Expect.equal loaded.Provenance.Epochs (Some 3) "epochs"
                Expect.equal (loaded.Provenance.FinalLosses |> List.map fst) [ "training"; "validation" ] "loss names"
                Expect.equal (snd loaded.Provenance.FinalLosses.Head) 0.25 "training loss"
                Expect.isTrue (Double.IsNaN (snd loaded.Provenance.FinalLosses.[1])) "an unknown loss stays unknown"
                let standardized = { model with Preprocessing = Preprocessing.Standardize { Means = Array.init 64 float; Stds = Array.create 64 2.0 } }
                ModelFile.save path standardized
                Expect.equal (ModelFile.load<float> path).Preprocessing standardized.Preprocessing "per-feature standardisation")

        testCase "a character model comes back with its vocabulary and carried states and samples the same text" <| fun () ->
            withFolder (fun dir ->
                let text = String.replicate 10 "to be or not to be. "
                let v = CharModel.vocabulary text
                let settings = { BatchSize = 4; SequenceLength = 5; Iterations = 5; SampleEvery = 0; SampleLength = 0; Temperature = 1.0; SampleSeed = 1L; Loss = CharModel.sumLoss }
                let trained = (CharModel.train settings (Optimizer.adaGrad 0.05) text (CharModel.create<float32> v [ SequenceLayer.gru 6 5; SequenceLayer.lstm 7 v.Length ] 2L) ignore).Model
                let path = Path.Combine(dir, "c.safetensors")
                ModelFile.save path (ModelFile.ofCharModel trained)
                let loaded = ModelFile.toCharModel path (ModelFile.load<float32> path)
                Expect.equal loaded.Vocabulary v "vocabulary"
                Expect.equal (fst (CharModel.sample loaded 't' 40 1.0 (Rng.seed 3L))) (fst (CharModel.sample trained 't' 40 1.0 (Rng.seed 3L))) "the same sample")

        testCase "a model of the other precision is refused, naming both" <| fun () ->
            withFolder (fun dir ->
                let net, _, shape = imageNet<float32> ()
                let path = Path.Combine(dir, "m.safetensors")
                ModelFile.save path (ModelFile.ofNetwork shape net)
                Expect.equal (ModelFile.precision path) "float32" "the file says"
                throwsFormat path "a float32 model where a float64 one was asked for" (fun () -> ModelFile.load<float> path |> ignore))

        testCase "every flipped byte and every truncation of a model file is a DataFormatException naming it" <| fun () ->
            withFolder (fun dir ->
                let net, _, _ = sequenceNet<float32> ()
                let small: NeuralNetwork<float32> = NeuralNetwork.create [ Layer.Dense (Dense.create 2 Activation.Tanh); Layer.Dense (Dense.create 1 Activation.Linear) ] Loss.MeanSquaredError 1L
                let small, _ = NeuralNetwork.initialise (Tensor.zeros<float32> [| 1; 3 |]) (Rng.seed 0L) small
                ignore net
                let path = Path.Combine(dir, "m.safetensors")
                ModelFile.save path (ModelFile.ofNetwork [| 3 |] small)
                let good = File.ReadAllBytes path
                let bad = Path.Combine(dir, "bad.safetensors")
                let refused (bytes: byte[]) (what: string) =
                    File.WriteAllBytes(bad, bytes)
                    match (try ModelFile.load<float32> bad |> ignore; None with e -> Some e) with
                    | Some (:? DataFormatException as e) -> Expect.equal e.SourceName bad (sprintf "%s: names the file" what)
                    | Some e -> failtestf "%s: %s instead of a DataFormatException: %s" what (e.GetType().Name) e.Message
                    | None -> failtestf "%s: loaded" what
                for i in 0 .. good.Length - 1 do
                    let b = Array.copy good
                    b.[i] <- b.[i] ^^^ 0xFFuy
                    refused b (sprintf "byte %d flipped" i)
                for n in 0 .. good.Length - 1 do
                    refused good.[.. n - 1] (sprintf "cut to %d bytes" n))

        testCase "a file that is not a model, of another version, of an unknown layer kind or with too large sizes is refused before anything is allocated" <| fun () ->
            withFolder (fun dir ->
                let metadata, entries = parts ()
                let arch = metadata.["architecture"]
                let cases =
                    [ "another format", metadata |> Map.add "format" "other", "not a DeepFunctional model"
                      "no format", metadata |> Map.remove "format", "without the metadata"
                      "version 2", metadata |> Map.add "format_version" "2", "format version 2"
                      "an unknown layer", metadata |> Map.add "architecture" (arch.Replace("\"MaxPool2D\"", "\"Attention\"")), "unknown kind 'Attention'"
                      "an unknown activation", metadata |> Map.add "architecture" (arch.Replace("\"Tanh\"", "\"Swish\"")), "unknown activation 'Swish'"
                      "an unknown precision", metadata |> Map.add "architecture" (arch.Replace("\"float32\"", "\"float16\"")), "unknown precision"
                      "a huge layer", metadata |> Map.add "architecture" (arch.Replace("\"neurons\":4", "\"neurons\":2000000000")), "outside 1..16777216"
                      "a layer of another size", metadata |> Map.add "architecture" (arch.Replace("\"neurons\":4", "\"neurons\":5")), "of shape"
                      "an image too small for its kernels", metadata |> Map.add "architecture" (arch.Replace("\"input_shape\":[1,8,8]", "\"input_shape\":[1,2,2]")), "do not fit its input shape"
                      "no architecture", metadata |> Map.remove "architecture", "no architecture"
                      "broken JSON", metadata |> Map.add "architecture" "{\"precision\":", "not valid JSON"
                      "a keep probability of 0", metadata |> Map.add "architecture" (arch.Replace("\"keep\":0.8", "\"keep\":0")), "outside (0, 1]" ]
                for what, m, words in cases do
                    let path = rewrite dir m entries
                    let clock = Diagnostics.Stopwatch.StartNew()
                    throwsFormat path words (fun () -> ModelFile.load<float32> path |> ignore)
                    isBelow clock.Elapsed.TotalSeconds 5.0 (sprintf "%s: refused at once" what))

        testCase "missing, extra, mis-shaped or non-finite tensors are refused naming the tensor" <| fun () ->
            withFolder (fun dir ->
                let metadata, entries = parts ()
                let first = List.head entries
                let rest = List.tail entries
                throwsFormat (rewrite dir metadata rest) (sprintf "no tensor %s" first.Name) (fun () -> ModelFile.load<float32> (Path.Combine(dir, "bad.safetensors")) |> ignore)
                let extra = SafeTensors.ofArray "layers.99.W" [| 1 |] [| 1.0f |]
                throwsFormat (rewrite dir metadata (extra :: entries)) "layers.99.W" (fun () -> ModelFile.load<float32> (Path.Combine(dir, "bad.safetensors")) |> ignore)
                let reshaped = SafeTensors.entry first.Name first.DType [| first.Count |] (first.ToArray())
                throwsFormat (rewrite dir metadata (reshaped :: rest)) (sprintf "tensor %s of shape" first.Name) (fun () -> ModelFile.load<float32> (Path.Combine(dir, "bad.safetensors")) |> ignore)
                let values = SafeTensors.toArray<float32> first
                values.[0] <- nanf
                let poisoned = SafeTensors.ofArray first.Name first.Shape values
                throwsFormat (rewrite dir metadata (poisoned :: rest)) "not finite" (fun () -> ModelFile.load<float32> (Path.Combine(dir, "bad.safetensors")) |> ignore)
                let asDouble = SafeTensors.ofArray first.Name first.Shape (values |> Array.map (fun _ -> 0.5: float))
                throwsFormat (rewrite dir metadata (asDouble :: rest)) "F64 where F32 belongs" (fun () -> ModelFile.load<float32> (Path.Combine(dir, "bad.safetensors")) |> ignore))

        testCase "a custom loss is kept by name when the loader knows it and becomes its kind otherwise" <| fun () ->
            withFolder (fun dir ->
                let custom =
                    { new CustomLoss("doubled MSE", Loss.MeanSquaredError) with
                        member _.Forward<'T when 'T :> Numerics.IFloatingPointIeee754<'T>>(b: Backend, p: Tensor<'T>, t: Tensor<'T>) = 2.0 * Loss.forward Loss.MeanSquaredError p t
                        member _.Backward<'T when 'T :> Numerics.IFloatingPointIeee754<'T>>(b: Backend, p: Tensor<'T>, t: Tensor<'T>) = Tensor.scale (Num.ofFloat 2.0) (Loss.backward Loss.MeanSquaredError p t) }
                let net: NeuralNetwork<float> = NeuralNetwork.create [ Layer.Dense (Dense.create 1 Activation.Linear) ] (Loss.Custom custom) 1L
                let net, _ = NeuralNetwork.initialise (Tensor.zeros<float> [| 1; 2 |]) (Rng.seed 0L) net
                let path = Path.Combine(dir, "m.safetensors")
                ModelFile.save path (ModelFile.ofNetwork [| 2 |] net)
                Expect.equal (ModelFile.load<float> path).Network.Loss Loss.MeanSquaredError "its kind"
                Expect.equal (ModelFile.loadWith<float> { ModelFile.noResolver with Losses = [ custom ] } path).Network.Loss (Loss.Custom custom) "by name")

        testCase "saving refuses a network without parameters and an input shape its layers cannot take" <| fun () ->
            let net: NeuralNetwork<float> = NeuralNetwork.create [ Layer.Dense (Dense.create 1 Activation.Linear) ] Loss.MeanSquaredError 1L
            Expect.throwsT<InvalidOperationException> (fun () -> ModelFile.save "unused.safetensors" (ModelFile.ofNetwork [| 2 |] net)) "no parameters"
            let net, _ = NeuralNetwork.initialise (Tensor.zeros<float> [| 1; 2 |]) (Rng.seed 0L) net
            throwsShape "ModelFile.save" (fun () -> ModelFile.save "unused.safetensors" (ModelFile.ofNetwork [| 3 |] net))
    ]
