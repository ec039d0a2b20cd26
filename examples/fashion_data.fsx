// What the chapter 4 and 5 examples share: the library, their command line
// `[name] [book|ours] [epochs] [data folder]`, and the MNIST-format data they train on.
// Not run on its own: `#load "fashion_data.fsx"` and `open Fashion_data`.
#r "../src/DeepFunctional.Book/bin/Release/net10.0/System.Numerics.Tensors.dll"
#r "../src/DeepFunctional.Book/bin/Release/net10.0/MathNet.Numerics.dll"
#r "../src/DeepFunctional.Book/bin/Release/net10.0/DeepFunctional.dll"
#r "../src/DeepFunctional.Book/bin/Release/net10.0/DeepFunctional.Book.dll"

open System.IO
open DeepFunctional

/// The i-th command-line argument, or the fallback when it is not given.
let arg i fallback = if fsi.CommandLineArgs.Length > i then fsi.CommandLineArgs.[i] else fallback

/// Book mode: the second argument is `book`.
let book = arg 2 "ours" = "book"

/// The epochs asked for as the third argument, if any.
let epochs = fsi.CommandLineArgs |> Array.tryItem 3 |> Option.map int

/// The training and test sets of the folder given as the fourth argument (Debian's Fashion-MNIST
/// by default); exits with a message saying how to get the data when the folder is missing.
let sets =
    let folder = arg 4 "/usr/share/datasets/fashion-mnist"
    if not (Directory.Exists folder) then
        eprintfn "No MNIST-format data in %s: apt-get install dataset-fashion-mnist, or pass a folder." folder
        exit 1
    Idx.loadMnistFolder folder
