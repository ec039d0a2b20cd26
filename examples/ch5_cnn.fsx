// Chapter 5 of "Deep Learning from Scratch", in F#, on DeepFunctional: a convolutional network
// classifying 28x28 images, trained for one epoch, with the test accuracy every 100 batches.
//
// It needs MNIST-format data: Debian's `apt-get install dataset-fashion-mnist` puts
// Fashion-MNIST in /usr/share/datasets/fashion-mnist (any MNIST folder works the same way).
// Build the library once, then run from the repository root:
//     dotnet build -c Release src/DeepFunctional.Book
//     dotnet fsi examples/ch5_cnn.fsx [book|ch7] [book|ours] [epochs] [data folder]
// `book` is the book's network: 16 kernels of 5x5 with tanh, flattened, dropout 0.8, then 10
// linear outputs, softmax cross-entropy and SGD with momentum 0.1; `ch7` is the deeper network of
// chapter 7. One epoch is 1,000 batches of 60 images and takes a minute or two on two cores.
#load "fashion_data.fsx"

open System
open System.Threading
open DeepFunctional
open DeepFunctional.Book
open Fashion_data

let netName = arg 1 "book"

// The book's preparation, with the images kept as images: [count; 1; 28; 28], standardised with
// the training set's global mean and standard deviation, and one-hot targets.
let data = Classification.prepareImages<float> sets.TrainSet sets.TestSet

let config =
    let c = Chapter5.find netName
    match epochs with
    | Some n -> { c with Epochs = n }
    | None -> c

printfn "%s (%s), %s mode, %d epoch(s)" config.Name config.Description (if book then "book" else "our") config.Epochs
for layer in config.Layers book do
    printfn "  %A" layer

let clock = Diagnostics.Stopwatch.StartNew()
// The book's lines: the test loss after every epoch comes from the trainer's events, the
// accuracy every 100 batches from the runner's checks.
let onEvent event = Book.chapter4Line event |> Option.iter (printfn "%s")
let onCheck check = printfn "%s  (%.0f s)" (Chapter5.checkLine check) clock.Elapsed.TotalSeconds
let result = Chapter5.run book onEvent onCheck CancellationToken.None config data
printfn "%s" (Chapter5.accuracyLine result.Accuracy)
printfn "trained in %.1f s" clock.Elapsed.TotalSeconds

// The first kernels the network learned, as numbers: each is a 5x5 filter over the image.
match result.Fit.Network.Params with
| Some (LayerParams.Conv2D p :: _) ->
    let w = p.W.ToArray()
    printfn "\nthe first of %d kernels (W is %A):" p.W.Shape.[1] p.W.Shape
    for r in 0 .. 4 do
        printfn "%s" (String.Join(" ", [| for c in 0 .. 4 -> sprintf "%6.2f" w.[r * 5 + c] |]))
| _ -> ()

// Which classes get confused: rows are true classes, columns predictions.
let confusion = Classification.confusionMatrix 10 result.Predictions data.TestLabels
printfn "\nconfusion matrix (rows: true class, columns: predicted)"
for i in 0 .. 9 do
    printfn "%s" (String.Join(" ", [| for j in 0 .. 9 -> sprintf "%4d" confusion.[i, j] |]))
