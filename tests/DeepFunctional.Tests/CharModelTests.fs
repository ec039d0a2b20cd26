/// The character model of chapter 6 (CharModel): vocabulary and windows as the book builds
/// them, the loss over every time step, training, sampling, and the model file format.
module DeepFunctional.Tests.CharModelTests

open System
open System.IO
open Expecto
open DeepFunctional
open DeepFunctional.Tests.Check

let settings =
    { BatchSize = 4; SequenceLength = 5; Iterations = 30; SampleEvery = 10; SampleLength = 12
      Temperature = 1.0; SampleSeed = 3L; Loss = CharModel.meanLoss }

let text = String.replicate 20 "the cat sat on the mat. "

let small<'T when 'T :> Numerics.IFloatingPointIeee754<'T>> () =
    let v = CharModel.vocabulary text
    CharModel.create<'T> v [ SequenceLayer.gru 8 6; SequenceLayer.lstm 10 v.Length ] 4L

/// A fresh path in the temporary folder, deleted with its folder afterwards.
let withFolder (f: string -> unit) =
    let dir = Path.Combine(Path.GetTempPath(), "df-charmodel-" + Guid.NewGuid().ToString("N"))
    Directory.CreateDirectory dir |> ignore
    try f dir finally Directory.Delete(dir, true)

/// Asserts that f raises DataFormatException whose problem contains `words`.
let throwsFormat (words: string) (f: unit -> unit) =
    let e = caught<DataFormatException> f
    Expect.stringContains e.Problem words "the problem is named"

let sameModel (a: CharModel<'T>) (b: CharModel<'T>) =
    Expect.sequenceEqual a.Vocabulary b.Vocabulary "vocabulary"
    Expect.equal (CharModel.layers a |> List.map (fun l -> l.Spec, l.Inputs)) (CharModel.layers b |> List.map (fun l -> l.Spec, l.Inputs)) "layer specs"
    List.iter2 (fun (x: Tensor<'T>) (y: Tensor<'T>) -> Expect.sequenceEqual (x.ToArray()) (y.ToArray()) "parameters") (CharModel.parameters a) (CharModel.parameters b)
    List.iter2 (fun (x: SequenceState<'T>) (y: SequenceState<'T>) ->
        Expect.sequenceEqual (x.H.ToArray()) (y.H.ToArray()) "state H"
        Expect.equal (x.C |> Option.map (fun c -> c.ToArray())) (y.C |> Option.map (fun c -> c.ToArray())) "state C") (NeuralNetwork.states a.Network |> List.choose id) (NeuralNetwork.states b.Network |> List.choose id)

[<Tests>]
let tests =
    testList "CharModel" [
        testCase "the vocabulary is the sorted distinct characters and encode gives their positions" <| fun () ->
            let v = CharModel.vocabulary "banana!"
            Expect.equal v [| '!'; 'a'; 'b'; 'n' |] "sorted, distinct"
            Expect.equal (CharModel.encode v "nab!") [| 3; 1; 2; 0 |] "indices"
            throwsValue "CharModel.encode" (fun () -> CharModel.encode v "x" |> ignore)

        testCase "the Shakespeare text is embedded with the book's 62 symbols" <| fun () ->
            let t = Datasets.shakespeare ()
            Expect.equal t.Length 99993 "characters"
            Expect.equal (CharModel.vocabulary t).Length 62 "symbols"

        testCase "a batch holds windows at consecutive positions and the next characters as targets" <| fun () ->
            let indices = [| 0; 1; 2; 3; 0; 1; 2; 3 |]
            let x, y = CharModel.batch<float> 4 indices 1 2 3
            Expect.equal x.Shape [| 2; 3; 4 |] "[batch; seq; V]"
            let argmax (t: Tensor<float>) = t.ToArray() |> Array.chunkBySize 4 |> Array.map (Array.findIndex ((=) 1.0))
            Expect.equal (argmax x) [| 1; 2; 3; 2; 3; 0 |] "windows from 1 and 2"
            Expect.equal (argmax y) [| 2; 3; 0; 3; 0; 1 |] "shifted by one"
            throwsValue "CharModel.batch" (fun () -> CharModel.batch<float> 4 indices 4 2 3 |> ignore)

        testCase "the mean loss is the cross-entropy per character and its gradient matches finite differences" <| fun () ->
            let logits = randomTensor<float> 1L [| 2; 3; 5 |]
            let targets, _ = CharModel.batch<float> 5 [| 0; 4; 2; 1; 3; 0; 2 |] 0 2 3
            let l, g = CharModel.loss CharModel.meanLoss logits targets
            let expected = SoftmaxCrossEntropy.forward SoftmaxCrossEntropy.DefaultEps (Tensor.reshape [| 6; 5 |] logits) (Tensor.reshape [| 6; 5 |] targets)
            Expect.floatClose Accuracy.veryHigh l expected "mean over the 6 predictions"
            let result = GradCheck.compare 1e-6 (fun z -> fst (CharModel.loss CharModel.meanLoss z targets)) logits g
            Check.gradientClose 1e-6 result "gradient"
            let ls, gs = CharModel.loss CharModel.sumLoss logits targets
            Expect.equal ls l "the sum is reported per character"
            Expect.floatClose Accuracy.veryHigh (Num.toFloat (Tensor.maxAbsDiff gs (Tensor.scale 6.0 g))) 0.0 "its gradient p − y is N times the mean's"

        testCase "training is deterministic, reports moving averages of the last 100 losses and samples every N iterations" <| fun () ->
            let events = ResizeArray<CharTrainingEvent>()
            let model = small<float> ()
            let r1 = CharModel.train { settings with Iterations = 120 } (Optimizer.adaGrad 0.05 |> Optimizer.withClipping 2.0) text model events.Add
            let r2 = CharModel.train { settings with Iterations = 120 } (Optimizer.adaGrad 0.05 |> Optimizer.withClipping 2.0) text model ignore
            Expect.sequenceEqual r1.Losses r2.Losses "same losses"
            Expect.floatClose Accuracy.veryHigh r1.MovingAverages.[119] (Array.average r1.Losses.[20..119]) "the last 100"
            Expect.floatClose Accuracy.veryHigh r1.MovingAverages.[4] (Array.average r1.Losses.[0..4]) "fewer at first"
            let samples = events |> Seq.choose (function CharTrainingEvent.Sample (i, s) -> Some (i, s) | _ -> None) |> List.ofSeq
            Expect.equal (samples |> List.map fst) [ 10 .. 10 .. 120 ] "every 10 iterations"
            Expect.isTrue (samples |> List.forall (fun (_, s) -> s.Length = 12 && s |> Seq.forall (fun c -> Array.contains c model.Vocabulary))) "12 symbols of the vocabulary"
            Expect.equal (events |> Seq.filter (function CharTrainingEvent.Iteration _ -> true | _ -> false) |> Seq.length) 120 "one event per iteration"
            Check.isBelow r1.MovingAverages.[119] (r1.MovingAverages.[9] - 0.5) "the loss falls on a repetitive text"
            sameModel model (small<float> ())

        testCase "Adam and clipped SGD also lower the loss of the repetitive text" <| fun () ->
            // Plain SGD is slow to leave the plateau of the symbol frequencies (about 2.15 nats here).
            for name, o, gain in [ "Adam", Optimizer.adam 0.01, 0.3; "SGD", Optimizer.sgd 0.5 |> Optimizer.withClipping 2.0, 0.1 ] do
                let r = CharModel.train { settings with Iterations = 150; SampleEvery = 0 } o text (small<float> ()) ignore
                Check.isBelow r.MovingAverages.[149] (r.MovingAverages.[9] - gain) name

        testCase "sampling with the same seed repeats itself and a cold temperature picks the most likely symbol" <| fun () ->
            let model = small<float> ()
            let a, _ = CharModel.sample model 't' 20 1.0 (Rng.seed 9L)
            let b, _ = CharModel.sample model 't' 20 1.0 (Rng.seed 9L)
            Expect.equal a b "same seed"
            let cold1, _ = CharModel.sample model 't' 20 1e-6 (Rng.seed 1L)
            let cold2, _ = CharModel.sample model 't' 20 1e-6 (Rng.seed 2L)
            Expect.equal cold1 cold2 "argmax, whatever the draws"
            throwsValue "CharModel.sample" (fun () -> CharModel.sample model 'Z' 3 1.0 (Rng.seed 1L) |> ignore)
            throwsValue "CharModel.sample" (fun () -> CharModel.sample model 't' 3 0.0 (Rng.seed 1L) |> ignore)

        testCase "a saved model loads back with the same vocabulary, layers, parameters and states, in both precisions" <| fun () ->
            withFolder (fun dir ->
                let trained = (CharModel.train { settings with Iterations = 3; SampleEvery = 0 } (Optimizer.adam 0.01) text (small<float> ()) ignore).Model
                let path = Path.Combine(dir, "m.dfcm")
                CharModel.save path trained
                sameModel trained (CharModel.load<float> path)
                let single = (CharModel.train { settings with Iterations = 3; SampleEvery = 0 } (Optimizer.adam 0.01) text (small<float32> ()) ignore).Model
                CharModel.save path single
                sameModel single (CharModel.load<float32> path)
                Expect.equal (Directory.GetFiles dir |> Array.map Path.GetFileName) [| "m.dfcm" |] "no temporary file left")

        testCase "a failed save leaves the existing file whole" <| fun () ->
            withFolder (fun dir ->
                let path = Path.Combine(dir, "m.dfcm")
                let model = small<float> ()
                CharModel.save path model
                let before = File.ReadAllBytes path
                let keras = CharModel.create<float> model.Vocabulary [ SequenceLayer.create CellKind.Lstm 4 true; SequenceLayer.lstm 5 model.Vocabulary.Length ] 1L
                Expect.throws (fun () -> CharModel.save path keras) "format version 1 holds only the book's layers"
                Expect.sequenceEqual (File.ReadAllBytes path) before "unchanged"
                Expect.equal (Directory.GetFiles dir).Length 1 "no temporary file left")

        testCase "malformed model files raise DataFormatException naming the problem" <| fun () ->
            withFolder (fun dir ->
                let path = Path.Combine(dir, "m.dfcm")
                CharModel.save path (small<float> ())
                let good = File.ReadAllBytes path
                let bad (name: string) (bytes: byte[]) =
                    let p = Path.Combine(dir, name)
                    File.WriteAllBytes(p, bytes)
                    p
                throwsFormat "does not start with DFCHARMODEL" (fun () -> CharModel.load<float> (bad "magic" (Array.append "NOTAMODEL!!"B good.[11..])) |> ignore)
                let version = Array.copy good
                version.[11] <- 9uy
                throwsFormat "format version 9" (fun () -> CharModel.load<float> (bad "version" version) |> ignore)
                throwsFormat "truncated" (fun () -> CharModel.load<float> (bad "short" good.[.. good.Length / 2]) |> ignore)
                throwsFormat "bytes after the END. marker" (fun () -> CharModel.load<float> (bad "long" (Array.append good [| 0uy |])) |> ignore)
                let precision = Array.copy good
                precision.[15] <- 5uy
                throwsFormat "precision byte of 5" (fun () -> CharModel.load<float> (bad "precision" precision) |> ignore)
                // The first layer's input count sits after the header, the vocabulary and the layer count.
                let v = (CharModel.vocabulary text).Length
                let at = 16 + 4 + 2 * v + 4 + 1
                let inputs = Array.copy good
                inputs.[at] <- inputs.[at] + 1uy
                throwsFormat "takes" (fun () -> CharModel.load<float> (bad "inputs" inputs) |> ignore))

        testCase "a scaled-down book experiment (LSTM of 32, 300 iterations, double) reaches its pinned loss, below the mean-gradient run" <| fun () ->
            // The default experiment (LSTM of 256, 1,000 iterations) reaches 2.536 nats in single precision
            // (ch6 --iterations 1000); this is the same training, small enough for the test suite.
            let shakespeare = Datasets.shakespeare ()
            let v = CharModel.vocabulary shakespeare
            let book = { BatchSize = 32; SequenceLength = 25; Iterations = 300; SampleEvery = 0; SampleLength = 0
                         Temperature = 1.0; SampleSeed = 3L; Loss = CharModel.sumLoss }
            let adaGrad = Optimizer.adaGrad 0.01 |> Optimizer.withClipping 2.0
            let model () = CharModel.create<float> v [ SequenceLayer.lstm 32 v.Length ] 1L
            let r = CharModel.train book adaGrad shakespeare (model ()) ignore
            Expect.floatClose { absolute = 1e-3; relative = 0.0 } r.Losses.[0] 4.13393 "the first loss: near ln 62 = 4.127, the untrained guess"
            Expect.floatClose { absolute = 5e-3; relative = 0.0 } r.MovingAverages.[299] 3.22759 "the moving average after 300 iterations"
            let mean = CharModel.train { book with Loss = CharModel.meanLoss } adaGrad shakespeare (model ()) ignore
            Check.isBelow r.MovingAverages.[299] (mean.MovingAverages.[299] - 0.01) "the book's gradient scale trains faster with AdaGrad"

        testCase "CharModel.create refuses a last layer that does not output the vocabulary" <| fun () ->
            throwsValue "CharModel.create" (fun () -> CharModel.create<float> [| 'a'; 'b' |] [ SequenceLayer.rnn 3 3 ] 1L |> ignore)
    ]
