/// The book's chapter-3 table, reproduced digit for digit (BOOK.md, "Reproducing chapter 3 exactly").
module DeepFunctional.Tests.Chapter3Tests

open System.Threading
open Expecto
open DeepFunctional

let dense n a = Layer.Dense (Dense.create n a)

/// The three models of chapter 3 with the book's printed results.
let models =
    [ "linear regression", [ dense 1 Activation.Linear ],
      [ "30.293"; "28.469"; "26.293"; "25.541"; "25.087" ], "3.52", "5.01"
      "one hidden layer", [ dense 13 Activation.Sigmoid; dense 1 Activation.Linear ],
      [ "27.435"; "21.839"; "18.918"; "17.195"; "16.215" ], "2.60", "4.03"
      "two hidden layers", [ dense 13 Activation.Sigmoid; dense 13 Activation.Sigmoid; dense 1 Activation.Linear ],
      [ "44.143"; "25.278"; "22.339"; "16.500"; "14.655" ], "2.45", "3.83" ]

let options = { FitOptions.defaults with Epochs = 50; EvalEvery = 10; BatchSize = 32; Seed = 20190501L }

/// Trains one model as the book does; returns the printed lines and the test predictions.
let run<'T when 'T :> System.Numerics.IFloatingPointIeee754<'T>> (layers: Layer list) =
    let data = Datasets.bostonSplit<'T> ()
    let net: NeuralNetwork<'T> =
        NeuralNetwork.create layers Loss.MeanSquaredError 20190501L |> NeuralNetwork.withSeeding Seeding.Book
    let lines = ResizeArray()
    let r = Trainer.fitWith (Trainer.bookLine >> Option.iter lines.Add) CancellationToken.None options (Optimizer.sgd 0.01)
                net data.XTrain data.YTrain data.XTest data.YTest
    let p = NeuralNetwork.forward r.Network data.XTest
    List.ofSeq lines, Metrics.meanAbsoluteError p data.YTest, Metrics.rootMeanSquaredError p data.YTest

[<Tests>]
let tests =
    testList "Chapter 3" [
        for name, layers, losses, mae, rmse in models do
            testCase (sprintf "the %s model prints the book's five validation losses, MAE and RMSE in double precision" name) <| fun () ->
                let lines, m, r = run<float> layers
                let expected = losses |> List.mapi (fun i l -> sprintf "Validation loss after %d epochs is %s" (10 * (i + 1)) l)
                Expect.equal lines expected "the book's lines, digit for digit"
                Expect.equal (sprintf "%.2f" m) mae "mean absolute error"
                Expect.equal (sprintf "%.2f" r) rmse "root mean squared error"

            testCase (sprintf "the %s model trains to within 1%% of the double-precision losses in single precision" name) <| fun () ->
                let lines, m, _ = run<float32> layers
                let value (l: string) = float (l.Substring(l.LastIndexOf ' ' + 1))
                Expect.equal lines.Length 5 "five evaluations, no early stop"
                List.iter2 (fun (l: string) (b: string) ->
                    Expect.floatClose { absolute = 0.0; relative = 0.01 } (value l) (float b) l) lines losses
                Expect.floatClose { absolute = 0.02; relative = 0.0 } m (float mae) "MAE"
    ]
