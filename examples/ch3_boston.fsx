// Chapter 3 of "Deep Learning from Scratch", in F#, on DeepFunctional.
// Build the library once, then run the script from the repository root:
//     dotnet build src/DeepFunctional
//     dotnet fsi examples/ch3_boston.fsx
// It trains the book's three Boston-housing models with the book's split, seed and seeding
// order and prints the book's lines, then a table of ours against the book's printed numbers.
#r "../src/DeepFunctional/bin/Debug/net10.0/System.Numerics.Tensors.dll"
#r "../src/DeepFunctional/bin/Debug/net10.0/MathNet.Numerics.dll"
#r "../src/DeepFunctional/bin/Debug/net10.0/DeepFunctional.dll"

open System.Threading
open DeepFunctional

// The book's data: 13 standardised features, MEDV as target, its 354/152 split.
let data = Datasets.bostonSplit<float> ()

let dense neurons activation = Layer.Dense (Dense.create neurons activation)

let models =
    [ "Linear regression", [ dense 1 Activation.Linear ]
      "Neural network (one hidden layer)", [ dense 13 Activation.Sigmoid; dense 1 Activation.Linear ]
      "Deep neural network (two hidden layers)", [ dense 13 Activation.Sigmoid; dense 13 Activation.Sigmoid; dense 1 Activation.Linear ] ]

// What the book's code prints (BOOK.md: NumPy 1.24 on the same data): five losses, MAE, RMSE.
let book =
    [ [ 30.293; 28.469; 26.293; 25.541; 25.087; 3.52; 5.01 ]
      [ 27.435; 21.839; 18.918; 17.195; 16.215; 2.60; 4.03 ]
      [ 44.143; 25.278; 22.339; 16.500; 14.655; 2.45; 3.83 ] ]

let options = { FitOptions.defaults with Epochs = 50; EvalEvery = 10; BatchSize = 32; Seed = 20190501L }

let ours =
    [ for name, layers in models ->
        printfn "\n%s" name
        let net: NeuralNetwork<float> =
            NeuralNetwork.create layers Loss.MeanSquaredError 20190501L
            |> NeuralNetwork.withSeeding Seeding.Book   // every layer re-seeds, as the book's Dense does
        let mutable losses = []
        let onEvent event =
            Trainer.bookLine event |> Option.iter (printfn "%s")
            match event with
            | Evaluated (_, loss, _) -> losses <- losses @ [ loss ]
            | _ -> ()
        let result =
            Trainer.fitWith onEvent CancellationToken.None options (Optimizer.sgd 0.01)
                net data.XTrain data.YTrain data.XTest data.YTest
        let predictions = NeuralNetwork.forward result.Network data.XTest
        let mae = Metrics.meanAbsoluteError predictions data.YTest
        let rmse = Metrics.rootMeanSquaredError predictions data.YTest
        printfn "Mean absolute error: %.2f\n\nRoot mean squared error %.2f" mae rmse
        losses @ [ mae; rmse ] ]

printfn "\n%-8s %-10s %10s %10s  %s" "model" "figure" "ours" "book" "equal"
let labels = [ "10 ep."; "20 ep."; "30 ep."; "40 ep."; "50 ep."; "MAE"; "RMSE" ]
let mutable equal = 0
for m, (o, b) in List.indexed (List.zip ours book) do
    for label, ov, bv in List.zip3 labels o b do
        let digits = if label.EndsWith "ep." then 3 else 2
        let os, bs = ov.ToString("F" + string digits), bv.ToString("F" + string digits)
        if os = bs then equal <- equal + 1
        printfn "%-8d %-10s %10s %10s  %s" (m + 1) label os bs (if os = bs then "yes" else "NO")
printfn "\n%d of 21 numbers equal the book's" equal
