// Chapter 4 of "Deep Learning from Scratch", in F#, on DeepFunctional: classifying 28x28
// images into 10 classes with softmax cross-entropy, momentum, learning-rate decay, Glorot
// initialisation and dropout.
//
// It needs MNIST-format data: Debian's `apt-get install dataset-fashion-mnist` puts
// Fashion-MNIST in /usr/share/datasets/fashion-mnist (any MNIST folder works the same way).
// Build the library once, then run from the repository root:
//     dotnet build -c Release src/DeepFunctional.Book
//     dotnet fsi examples/ch4_fashion.fsx [config] [book|ours] [epochs] [data folder]
// e.g. `dotnet fsi examples/ch4_fashion.fsx sce-sgd book 15` prints the book code's losses
// 1.040, 0.948 and 0.893 on Fashion-MNIST (book mode computes in NumPy's arithmetic, so every
// configuration prints what the book's code prints). Configurations: mse, mse-normalized, sce-sgd,
// sce-momentum, linear-decay, exp-decay, glorot, deep-dropout.
#load "fashion_data.fsx"

open System
open System.Threading
open DeepFunctional
open DeepFunctional.Book
open Fashion_data

let configName = arg 1 "sce-momentum"

// The book's preparation: pixels standardised with the training set's global mean and
// standard deviation, one-hot targets.
let data = Classification.prepare<float> sets.TrainSet sets.TestSet

let config =
    let c = Chapter4.find configName
    match epochs with
    | Some n -> { c with Epochs = n }
    | None -> c

printfn "%s (%s), %s mode, %d epochs" config.Name config.Description (if book then "book" else "our") config.Epochs
let clock = Diagnostics.Stopwatch.StartNew()
let onEvent event =
    Book.chapter4Line event |> Option.iter (printfn "%s")
    match event with
    | EpochCompleted (e, n) -> eprintfn "  epoch %d/%d done after %.1f s" e n clock.Elapsed.TotalSeconds
    | _ -> ()

let result = Chapter4.run book onEvent CancellationToken.None config data
printfn "%s" (Chapter4.accuracyLine result.Accuracy)

// Which classes get confused: rows are true classes, columns predictions.
let confusion = Classification.confusionMatrix 10 result.Predictions data.TestLabels
printfn "\nconfusion matrix (rows: true class, columns: predicted)"
for i in 0 .. 9 do
    printfn "%s" (String.Join(" ", [| for j in 0 .. 9 -> sprintf "%4d" confusion.[i, j] |]))
