// Chapter 4 of "Deep Learning from Scratch", in F#, on DeepFunctional: classifying 28x28
// images into 10 classes with softmax cross-entropy, momentum, learning-rate decay, Glorot
// initialisation and dropout.
//
// It needs MNIST-format data: Debian's `apt-get install dataset-fashion-mnist` puts
// Fashion-MNIST in /usr/share/datasets/fashion-mnist (any MNIST folder works the same way).
// Build the library once, then run from the repository root:
//     dotnet build -c Release src/DeepFunctional
//     dotnet fsi examples/ch4_fashion.fsx [config] [book|ours] [epochs] [data folder]
// e.g. `dotnet fsi examples/ch4_fashion.fsx sce-sgd book 15` prints the book code's losses
// 1.040, 0.948 and 0.893 on Fashion-MNIST (book mode computes in NumPy's arithmetic, so every
// configuration prints what the book's code prints). Configurations: mse, mse-normalized, sce-sgd,
// sce-momentum, linear-decay, exp-decay, glorot, deep-dropout.
#r "../src/DeepFunctional/bin/Release/net10.0/System.Numerics.Tensors.dll"
#r "../src/DeepFunctional/bin/Release/net10.0/MathNet.Numerics.dll"
#r "../src/DeepFunctional/bin/Release/net10.0/DeepFunctional.dll"

open System
open System.IO
open System.Threading
open DeepFunctional

let arg i fallback = if fsi.CommandLineArgs.Length > i then fsi.CommandLineArgs.[i] else fallback
let configName = arg 1 "sce-momentum"
let book = arg 2 "ours" = "book"
let folder = arg 4 "/usr/share/datasets/fashion-mnist"

if not (Directory.Exists folder) then
    eprintfn "No MNIST-format data in %s: apt-get install dataset-fashion-mnist, or pass a folder." folder
    exit 1

// The book's preparation: pixels standardised with the training set's global mean and
// standard deviation, one-hot targets.
let sets = Idx.loadMnistFolder folder
let data = Classification.prepare<float> sets.TrainSet sets.TestSet

let config =
    let c = Chapter4.find configName
    match fsi.CommandLineArgs |> Array.tryItem 3 with
    | Some epochs -> { c with Epochs = int epochs }
    | None -> c

printfn "%s (%s), %s mode, %d epochs" config.Name config.Description (if book then "book" else "our") config.Epochs
let clock = Diagnostics.Stopwatch.StartNew()
let onEvent event =
    Chapter4.bookLine event |> Option.iter (printfn "%s")
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
