/// The book's chapter-4 experiments: their definitions, and a short book-mode run on real
/// Fashion-MNIST that must print what the book's own code prints (skipped without the data).
module DeepFunctional.Book.Tests.Chapter4Tests

open System.IO
open System.Threading
open Expecto
open DeepFunctional
open DeepFunctional.Book
open DeepFunctional.Tests

let folder = "/usr/share/datasets/fashion-mnist"

[<Tests>]
let tests =
    testList "Chapter 4" [
        testCase "the eight experiments are defined with the book's epochs and optimizers" <| fun () ->
            Expect.equal (Chapter4.configs |> List.map (fun c -> c.Name, c.Epochs))
                [ "mse", 50; "mse-normalized", 50; "sce-sgd", 50; "sce-momentum", 50
                  "linear-decay", 25; "exp-decay", 25; "glorot", 25; "deep-dropout", 20 ] "names and epochs"
            let deep = Chapter4.find "deep-dropout"
            match deep.Layers true with
            | [ Layer.Dense a; Layer.Dense b; Layer.Dense c ] ->
                Expect.equal (a.Neurons, b.Neurons, c.Neurons) (178, 46, 10) "widths"
                Expect.equal (a.KeepProbability, a.DropoutScaling, a.WeightInit) (0.8, DropoutScaling.Classic, Book.glorot) "book dropout and glorot"
            | other -> failtestf "unexpected layers %A" other
            match deep.Layers false with
            | Layer.Dense a :: _ -> Expect.equal (a.DropoutScaling, a.WeightInit) (DropoutScaling.Inverted, WeightInit.Glorot) "our defaults"
            | other -> failtestf "unexpected layers %A" other

        testCase "Chapter4.find names the known experiments when given an unknown one" <| fun () ->
            let e = Check.caught<InvalidValueException> (fun () -> Chapter4.find "sce" |> ignore)
            Expect.stringContains e.Message "sce-momentum" "lists the names"

        testCase "in book mode sce-sgd on Fashion-MNIST prints the book code's 1.040 after 5 epochs and 79.06% accuracy" <| fun () ->
            if not (Directory.Exists folder) then skiptest "Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)"
            let sets = Idx.loadMnistFolder folder
            let data = Classification.prepare<float> sets.TrainSet sets.TestSet
            let lines = ResizeArray()
            let config = { Chapter4.find "sce-sgd" with Epochs = 5 }
            let r = Chapter4.run true (Chapter4.bookLine >> Option.iter lines.Add) CancellationToken.None config data
            Expect.equal (List.ofSeq lines) [ "Validation loss after 5 epochs is 1.040" ] "the book's line"
            Expect.equal (Chapter4.accuracyLine r.Accuracy) "The model validation accuracy is: 79.06%" "the book's accuracy line"
    
        testCase "in book mode sce-momentum, deep-dropout and mse-normalized repeat the book code's batch losses bit for bit, across learning-rate decays" <| fun () ->
            if not (Directory.Exists folder) then skiptest "Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)"
            let sets = Idx.loadMnistFolder folder
            let data = (Classification.prepare<float> sets.TrainSet sets.TestSet).Split
            // The book's code (NumPy 1.24.2, reference BLAS, AVX-512), its losses printed with %.17g.
            // Momentum multiplies any one-ulp difference, so after hundreds of batches only the
            // same arithmetic gives the same bits.
            let expected =
                [ "sce-momentum", [ 1, 12.991495164321885; 2, 12.384207831770311; 100, 1.47404122070662
                                    500, 1.3670181395603036; 1000, 1.0136821668529266 ]
                  "deep-dropout", [ 1, 3.2552647855122787; 2, 3.254249033990674; 100, 1.723797214661192
                                    400, 2.014835902230816
                                    // after the second learning-rate decay (np.power's factor)
                                    2003, 1.1886283626408098; 2500, 0.89020677452440622 ]
                  // batch 26 is one where np.power(x, 2) is not x·x in the last bit
                  "mse-normalized", [ 1, 0.96932373791318838; 26, 0.95946034907512057; 1000, 0.65643455022117858 ] ]
            for name, points in expected do
                let config = Chapter4.find name
                let last = points |> List.map fst |> List.max
                let losses = ResizeArray<float>()
                use stop = new CancellationTokenSource()
                let onEvent e =
                    match e with
                    | BatchCompleted (_, _, _, loss) ->
                        losses.Add loss
                        if losses.Count = last then stop.Cancel()
                    | _ -> ()
                try
                    Trainer.fitWith onEvent stop.Token (Chapter4.options true config) config.Optimizer (Chapter4.network true config)
                        data.XTrain data.YTrain data.XTest data.YTest |> ignore
                with :? System.OperationCanceledException -> ()
                for batch, loss in points do
                    Expect.equal (sprintf "%.17g" losses.[batch - 1]) (sprintf "%.17g" loss) (sprintf "%s, batch %d" name batch)

        testCase "in book mode mse-normalized on Fashion-MNIST stops after 10 epochs and reports accuracy as the book code does" <| fun () ->
            if not (Directory.Exists folder) then skiptest "Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)"
            let sets = Idx.loadMnistFolder folder
            let data = Classification.prepare<float> sets.TrainSet sets.TestSet
            let lines = ResizeArray()
            let config = { Chapter4.find "mse-normalized" with Epochs = 10 }
            let r = Chapter4.run true (Chapter4.bookLine >> Option.iter lines.Add) CancellationToken.None config data
            // The book code's output (NumPy 1.24.2): its accuracy comes from the caller's model,
            // which its early stopping does not restore.
            Expect.equal (List.ofSeq lines)
                [ "Validation loss after 5 epochs is 0.744"
                  "\nLoss increased after epoch 10, final loss was 0.744, \nusing the model from epoch 5" ] "the book's lines"
            Expect.equal (Chapter4.accuracyLine r.Accuracy) "The model validation accuracy is: 49.34%" "the book's accuracy line"
    ]
