// Chapter 3 of "Deep Learning from Scratch", in F#, on DeepFunctional.
// Build the library once, then run the script from the repository root:
//     dotnet build src/DeepFunctional.Book
//     dotnet fsi examples/ch3_boston.fsx
// It trains the book's three Boston-housing models (`Chapter3.models`, the book layer's one
// definition of them and of the numbers the book's code prints) with the book's split, seed and
// seeding order, prints the book's lines, then a table of ours against the book's numbers.
#r "../src/DeepFunctional.Book/bin/Debug/net10.0/System.Numerics.Tensors.dll"
#r "../src/DeepFunctional.Book/bin/Debug/net10.0/MathNet.Numerics.dll"
#r "../src/DeepFunctional.Book/bin/Debug/net10.0/DeepFunctional.dll"
#r "../src/DeepFunctional.Book/bin/Debug/net10.0/DeepFunctional.Book.dll"

open System.Threading
open DeepFunctional
open DeepFunctional.Book

// The book's data: 13 standardised features, MEDV as target, its 354/152 split.
let data = Datasets.bostonSplit<float> ()

let rows =
    [ for model in Chapter3.models do
        printfn "\n%s: %A" model.Name model.Layers
        let mutable losses = []
        let onEvent event =
            Book.line event |> Option.iter (printfn "%s")
            match event with
            | Evaluated (_, loss, _) -> losses <- losses @ [ sprintf "%.3f" loss ]
            | _ -> ()
        // The book's network (mean squared error, every layer re-seeding as the book's Dense does)
        // trained as the book's `fit`: 50 epochs, evaluation every 10, batches of 32, SGD 0.01.
        let r = Chapter3.run onEvent CancellationToken.None model data
        printfn "Mean absolute error: %.2f\n\nRoot mean squared error %.2f" r.Mae r.Rmse
        let labels = [ for e in Chapter3.bookEpochs -> sprintf "%d ep." e ] @ [ "MAE"; "RMSE" ]
        let ours = losses @ [ sprintf "%.2f" r.Mae; sprintf "%.2f" r.Rmse ]
        let book = model.Losses @ [ model.Mae; model.Rmse ]
        yield! List.zip3 (List.replicate 7 model.Name) labels (List.zip ours book) ]

printfn "\n%-18s %-7s %8s %8s  %s" "model" "figure" "ours" "book" "equal"
for name, label, (o, b) in rows do
    printfn "%-18s %-7s %8s %8s  %s" name label o b (if o = b then "yes" else "NO")
printfn "\n%d of %d numbers equal the book's" (rows |> List.filter (fun (_, _, (o, b)) -> o = b) |> List.length) rows.Length
