/// The book's chapter-3 table, reproduced digit for digit (BOOK.md, "Reproducing chapter 3 exactly"),
/// from the one definition of the models and their printed numbers in `Chapter3`.
module DeepFunctional.Book.Tests.Chapter3Tests

open System.Threading
open Expecto
open DeepFunctional
open DeepFunctional.Book
open DeepFunctional.Tests

/// Trains one model as the book does; returns the printed lines, MAE and RMSE.
let run<'T when 'T :> System.Numerics.IFloatingPointIeee754<'T>> (model: Chapter3.Model) =
    let lines = ResizeArray()
    let r = Chapter3.run (Book.line >> Option.iter lines.Add) CancellationToken.None model (Datasets.bostonSplit<'T> ())
    List.ofSeq lines, r.Mae, r.Rmse

[<Tests>]
let tests =
    testList "Chapter 3" [
        testCase "the chapter's settings are the book's: 50 epochs, evaluation every 10, batches of 32, SGD 0.01, seed 20190501" <| fun () ->
            Expect.equal (Chapter3.options.Epochs, Chapter3.options.EvalEvery, Chapter3.options.BatchSize, Chapter3.options.Seed) (50, 10, 32, 20190501L) "fit"
            Expect.equal Chapter3.LearningRate 0.01 "SGD"
            Expect.equal (Chapter3.models |> List.map (fun m -> m.Name)) [ "linear regression"; "one hidden layer"; "two hidden layers" ] "three models"
            Expect.equal (Chapter3.models |> List.sumBy (fun m -> m.Losses.Length + 2)) 21 "21 printed numbers"

        for model in Chapter3.models do
            testCase (sprintf "the %s model prints the book's five validation losses, MAE and RMSE in double precision" model.Name) <| fun () ->
                let lines, m, r = run<float> model
                let expected = model.Losses |> List.mapi (fun i l -> sprintf "Validation loss after %d epochs is %s" Chapter3.bookEpochs.[i] l)
                Expect.equal lines expected "the book's lines, digit for digit"
                Expect.equal (sprintf "%.2f" m) model.Mae "mean absolute error"
                Expect.equal (sprintf "%.2f" r) model.Rmse "root mean squared error"

            testCase (sprintf "the %s model trains to within 1%% of the double-precision losses in single precision" model.Name) <| fun () ->
                let lines, m, _ = run<float32> model
                let value (l: string) = float (l.Substring(l.LastIndexOf ' ' + 1))
                Expect.equal lines.Length 5 "five evaluations, no early stop"
                List.iter2 (fun (l: string) (b: string) ->
                    Expect.floatClose { absolute = 0.0; relative = 0.01 } (value l) (float b) l) lines model.Losses
                Expect.floatClose { absolute = 0.02; relative = 0.0 } m (float model.Mae) "MAE"
    ]
