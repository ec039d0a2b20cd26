/// Tests of the classification helpers: one-hot targets, argmax, accuracy, the confusion
/// matrix, and the book's standardisation of MNIST-format images (pinned to NumPy 1.24).
module DeepFunctional.Tests.ClassificationTests

open System
open System.IO
open Expecto
open DeepFunctional


/// A matrix of doubles from rows.
let private matrix (rows: float list list) = rows |> List.map List.toArray |> List.toArray |> Tensor.ofRows

/// An image set of `count` images of rows×cols with the given pixels and labels 0..9.
let private imageSet (count: int) (rows: int) (cols: int) (pixels: byte[]) (labels: int[]) =
    { Count = count; Rows = rows; Cols = cols; Classes = 10; Images = pixels; Labels = labels }

/// 13 images of 28x28 (10192 pixels, more than NumPy's 8192-element buffer) from a fixed
/// linear congruential sequence, half of them 0 like the background of MNIST digits.
let private syntheticTrain =
    let pixels = Array.zeroCreate<byte> (13 * 784)
    let mutable x = 1L
    for k in 0 .. pixels.Length - 1 do
        x <- (x * 1103515245L + 12345L) % 2147483648L
        let v = int ((x >>> 16) &&& 255L)
        pixels.[k] <- if v < 128 then 0uy else byte v
    imageSet 13 28 28 pixels (Array.init 13 (fun i -> i % 10))

/// Mean and population standard deviation of an array, in double.
let private meanStd (values: float[]) =
    let m = Array.average values
    m, sqrt (values |> Array.averageBy (fun v -> (v - m) * (v - m)))

/// The folder where Debian's `dataset-fashion-mnist` package puts the data.
let private fashionFolder = "/usr/share/datasets/fashion-mnist"

let private labelTests =
    testList "labels and predictions" [
        testCase "Classification.oneHot puts a single 1 in each row, in the label's column" <| fun () ->
            let y = Classification.oneHot<float> 4 [| 2; 0; 3; 2 |]
            let expected = matrix [ [ 0.; 0.; 1.; 0. ]; [ 1.; 0.; 0.; 0. ]; [ 0.; 0.; 0.; 1. ]; [ 0.; 0.; 1.; 0. ] ]
            Expect.equal y.Shape [| 4; 4 |] "[N; classes]"
            Expect.equal (y.ToArray()) (expected.ToArray()) "hand-computed"

        testCase "Classification.oneHot works in single precision and for no labels" <| fun () ->
            Expect.equal ((Classification.oneHot<float32> 3 [| 1 |]).ToArray()) [| 0.0f; 1.0f; 0.0f |] "float32"
            Expect.equal (Classification.oneHot<float> 10 [||]).Shape [| 0; 10 |] "zero rows of 10"

        testCase "Classification.oneHot names a label outside 0..classes-1 and its index" <| fun () ->
            let e = Check.caught<InvalidValueException> (fun () -> Classification.oneHot<float> 10 [| 1; 10 |] |> ignore)
            Expect.stringContains e.Message "labels in 0..9" "expected"
            Expect.stringContains e.Message "10 at index 1" "found"
            Check.caught<InvalidValueException> (fun () -> Classification.oneHot<float> 10 [| -1 |] |> ignore) |> ignore
            Check.caught<InvalidValueException> (fun () -> Classification.oneHot<float> 0 [||] |> ignore) |> ignore

        testCase "Classification.argmax picks the largest column of each row, the first one on ties, as NumPy" <| fun () ->
            let scores = matrix [ [ 0.1; 0.7; 0.2 ]; [ 0.5; 0.5; 0.1 ]; [ -3.0; -1.0; -1.0 ]; [ 2.0; 2.0; 2.0 ] ]
            Expect.equal (Classification.argmax scores) [| 1; 0; 1; 0 |] "first maximum wins"

        testCase "Classification.argmax treats NaN as the largest value, as NumPy" <| fun () ->
            let scores = matrix [ [ 1.0; nan; 5.0; nan ]; [ nan; 9.0; 0.0; 0.0 ] ]
            Expect.equal (Classification.argmax scores) [| 1; 0 |] "the first NaN"

        testCase "Classification.argmax works in single precision and for no rows" <| fun () ->
            let scores = Tensor.create [| 2; 2 |] [| 1.0f; 2.0f; 4.0f; 3.0f |]
            Expect.equal (Classification.argmax scores) [| 1; 0 |] "float32"
            Expect.equal (Classification.argmax (Tensor.zeros<float> [| 0; 10 |])) [||] "no rows"

        testCase "Classification.argmax rejects a vector and a matrix without columns" <| fun () ->
            Check.caught<ShapeMismatchException> (fun () -> Classification.argmax (Tensor.zeros<float> [| 4 |]) |> ignore) |> ignore
            Check.caught<InvalidValueException> (fun () -> Classification.argmax (Tensor.zeros<float> [| 2; 0 |]) |> ignore) |> ignore

        testProperty "Classification.argmax of one-hot rows gives back the labels" <| fun (labels: byte[]) ->
            let labels = labels |> Array.map (fun b -> int b % 7)
            Classification.argmax (Classification.oneHot<float> 7 labels) = labels

        testCase "Classification.accuracy is the fraction of predictions equal to their label" <| fun () ->
            Expect.equal (Classification.accuracy [| 1; 2; 3; 4 |] [| 1; 2; 0; 4 |]) 0.75 "3 of 4"
            Expect.equal (Classification.accuracy [| 5 |] [| 5 |]) 1.0 "all"
            Expect.equal (Classification.accuracy [| 5; 5 |] [| 0; 1 |]) 0.0 "none"

        testCase "Classification.accuracy rejects arrays of different lengths and empty ones" <| fun () ->
            let e = Check.caught<ShapeMismatchException> (fun () -> Classification.accuracy [| 1; 2 |] [| 1; 2; 3 |] |> ignore)
            Expect.stringContains e.Message "Classification.accuracy" "names the function"
            Expect.stringContains e.Message "predictedClasses of shape 2" "names the short array"
            Check.caught<InvalidValueException> (fun () -> Classification.accuracy [||] [||] |> ignore) |> ignore

        testCase "Classification.confusionMatrix counts true classes by row and predicted classes by column" <| fun () ->
            let labels = [| 0; 0; 1; 2; 2; 2 |]
            let predicted = [| 0; 1; 1; 2; 0; 2 |]
            let m = Classification.confusionMatrix 3 predicted labels
            Expect.equal m (array2D [ [ 1; 1; 0 ]; [ 0; 1; 0 ]; [ 1; 0; 2 ] ]) "hand-computed"
            let diagonal = Array.init 3 (fun c -> m.[c, c]) |> Array.sum
            Expect.equal (float diagonal / 6.0) (Classification.accuracy predicted labels) "the diagonal holds the hits"

        testCase "Classification.confusionMatrix names a class outside 0..classes-1 and rejects unequal lengths" <| fun () ->
            let e = Check.caught<InvalidValueException> (fun () -> Classification.confusionMatrix 3 [| 0; 3 |] [| 0; 1 |] |> ignore)
            Expect.stringContains e.Message "predicted classes in 0..2" "names the array"
            Expect.stringContains e.Message "3 at index 1" "and the value"
            Check.caught<InvalidValueException> (fun () -> Classification.confusionMatrix 3 [| 0 |] [| -1 |] |> ignore) |> ignore
            Check.caught<ShapeMismatchException> (fun () -> Classification.confusionMatrix 3 [| 0 |] [| 0; 1 |] |> ignore) |> ignore
            Check.caught<InvalidValueException> (fun () -> Classification.confusionMatrix 0 [||] [||] |> ignore) |> ignore
    ]

let private preprocessingTests =
    testList "preprocessing" [
        testCase "Classification.pixels lays each image out as one row of raw values" <| fun () ->
            let set = imageSet 2 1 3 [| 0uy; 128uy; 255uy; 1uy; 2uy; 3uy |] [| 4; 5 |]
            let x = Classification.pixels<float32> set
            Expect.equal x.Shape [| 2; 3 |] "[Count; Rows·Cols]"
            Expect.equal (x.ToArray()) [| 0.0f; 128.0f; 255.0f; 1.0f; 2.0f; 3.0f |] "values 0..255"

        testCase "Classification.pixelStatistics gives the mean and population standard deviation of all pixels" <| fun () ->
            let s = Classification.pixelStatistics (imageSet 2 1 2 [| 0uy; 2uy; 4uy; 6uy |] [| 0; 1 |])
            Expect.equal s.Mean 3.0 "(0+2+4+6)/4"
            Expect.equal s.Std (sqrt 5.0) "sqrt((9+1+1+9)/4), exactly"

        testCase "Classification.pixelStatistics matches NumPy 1.24 to the last bit beyond one 8192-element buffer" <| fun () ->
            // NumPy: m = np.mean(X); np.std(X - m) with X the 13x784 uint8 pixels.
            let s = Classification.pixelStatistics syntheticTrain
            Expect.equal s.Mean 96.22233124018838 "np.mean"
            Expect.equal s.Std 99.25055221574571 "np.std in blocks of 8192 (one pairwise sum over all pixels gives ...73)"

        testCase "Classification.prepare standardises the test set with the training statistics, bit for bit as NumPy" <| fun () ->
            // NumPy: X_train, X_test = X_train - np.mean(X_train), X_test - np.mean(X_train), then
            // X_train, X_test = X_train / np.std(X_train), X_test / np.std(X_train).
            let testPixels = Array.append [| 0uy; 128uy; 255uy; 7uy |] (Array.zeroCreate (784 - 4))
            let data = Classification.prepare<float> syntheticTrain (imageSet 1 28 28 testPixels [| 3 |])
            let expected = [| -0.9694891271841517; 0.32017624134458184; 1.5997660991816844; -0.8989605523427365 |]
            Expect.equal (data.Split.XTest.ToArray()).[0..3] expected "np: X_test[0, :4]"
            Expect.equal data.Statistics (Classification.pixelStatistics syntheticTrain) "the training statistics"

        testCase "Classification.prepare in single precision rounds the double-precision values once" <| fun () ->
            let testPixels = Array.append [| 0uy; 128uy; 255uy; 7uy |] (Array.zeroCreate (784 - 4))
            let data = Classification.prepare<float32> syntheticTrain (imageSet 1 28 28 testPixels [| 3 |])
            let expected = [| -0.9694891271841517; 0.32017624134458184; 1.5997660991816844; -0.8989605523427365 |] |> Array.map float32
            Expect.equal (data.Split.XTest.ToArray()).[0..3] expected "float32 of NumPy's float64 values"

        testCase "Classification.prepare gives the training inputs mean 0 and standard deviation 1, and not the test inputs" <| fun () ->
            let test = imageSet 2 28 28 (Array.create (2 * 784) 200uy) [| 1; 2 |]
            let data = Classification.prepare<float> syntheticTrain test
            let m, sd = meanStd (data.Split.XTrain.ToArray())
            Expect.floatClose { absolute = 1e-12; relative = 0.0 } m 0.0 "training mean 0 (1e-12)"
            Expect.floatClose { absolute = 1e-12; relative = 0.0 } sd 1.0 "training standard deviation 1 (1e-12)"
            let s = data.Statistics
            Expect.equal (data.Split.XTest.ToArray() |> Array.distinct) [| (200.0 - s.Mean) / s.Std |] "test pixels use the training statistics, not their own"

        testCase "Classification.prepare returns one-hot targets, the labels and the shapes of the book" <| fun () ->
            let test = imageSet 2 28 28 (Array.create (2 * 784) 9uy) [| 7; 0 |]
            let data = Classification.prepare<float> syntheticTrain test
            Expect.equal data.Split.XTrain.Shape [| 13; 784 |] "XTrain: [13; 784]"
            Expect.equal data.Split.XTest.Shape [| 2; 784 |] "XTest: [2; 784]"
            Expect.equal (data.Split.YTrain.ToArray()) ((Classification.oneHot<float> 10 syntheticTrain.Labels).ToArray()) "YTrain one-hot"
            Expect.equal (Classification.argmax data.Split.YTest) [| 7; 0 |] "YTest one-hot"
            Expect.equal (data.TrainLabels, data.TestLabels, data.Classes) (syntheticTrain.Labels, [| 7; 0 |], 10) "labels and classes"
            Expect.isFalse (Object.ReferenceEquals(data.TrainLabels, syntheticTrain.Labels)) "the labels are a copy"

        testCase "Classification.prepare rejects test images of another size" <| fun () ->
            let test = imageSet 1 32 32 (Array.zeroCreate 1024) [| 0 |]
            let e = Check.caught<ShapeMismatchException> (fun () -> Classification.prepare<float> syntheticTrain test |> ignore)
            Expect.stringContains e.Message "28x28" "the training size"
            Expect.stringContains e.Message "32x32" "the test size"

        testCase "Classification.prepare rejects inconsistent image sets with the set named" <| fun () ->
            let short = { syntheticTrain with Images = Array.zeroCreate 100 }
            let e = Check.caught<ShapeMismatchException> (fun () -> Classification.prepare<float> short syntheticTrain |> ignore)
            Expect.stringContains e.Message "train with 10192 pixels for 13 images of 28x28" "expected"
            Expect.stringContains e.Message "100 pixels" "found"
            let fewLabels = { syntheticTrain with Labels = [| 1 |] }
            Check.caught<ShapeMismatchException> (fun () -> Classification.prepare<float> syntheticTrain fewLabels |> ignore) |> ignore
            let badLabel = { syntheticTrain with Labels = Array.create 13 10 }
            Check.caught<InvalidValueException> (fun () -> Classification.prepare<float> syntheticTrain badLabel |> ignore) |> ignore
            let otherClasses = { syntheticTrain with Classes = 12 }
            Check.caught<InvalidValueException> (fun () -> Classification.prepare<float> syntheticTrain otherClasses |> ignore) |> ignore

        testCase "Classification.prepare rejects a training set whose pixels are all equal or that is empty" <| fun () ->
            let flat = imageSet 2 2 2 (Array.create 8 17uy) [| 0; 1 |]
            let e = Check.caught<InvalidValueException> (fun () -> Classification.prepare<float> flat flat |> ignore)
            Expect.stringContains e.Message "every pixel 17" "says why"
            let empty = imageSet 0 2 2 [||] [||]
            Check.caught<InvalidValueException> (fun () -> Classification.prepare<float> empty flat |> ignore) |> ignore

        testCase "Classification.standardize rejects statistics without a positive finite standard deviation" <| fun () ->
            let set = imageSet 1 1 2 [| 1uy; 2uy |] [| 0 |]
            Check.caught<InvalidValueException> (fun () -> Classification.standardize<float> { Mean = 1.0; Std = 0.0 } set |> ignore) |> ignore
            Check.caught<InvalidValueException> (fun () -> Classification.standardize<float> { Mean = nan; Std = 1.0 } set |> ignore) |> ignore
    ]

let private realDataTests =
    testList "Fashion-MNIST" [
        testCase "Classification.prepare on Fashion-MNIST matches NumPy 1.24 to the last bit" <| fun () ->
            if not (Directory.Exists fashionFolder) then
                skiptest (sprintf "%s does not exist (Debian package dataset-fashion-mnist)" fashionFolder)
            let sets = Idx.loadMnistFolder fashionFolder
            let data = Classification.prepare<float> sets.TrainSet sets.TestSet
            Expect.equal data.Statistics.Mean 72.94035223214286 "np.mean(X_train)"
            Expect.equal data.Statistics.Std 90.02118235130519 "np.std(X_train - np.mean(X_train))"
            Expect.equal data.Split.XTrain.Shape [| 60000; 784 |] "XTrain"
            Expect.equal data.Split.YTrain.Shape [| 60000; 10 |] "YTrain"
            Expect.equal data.Split.XTest.Shape [| 10000; 784 |] "XTest"
            Expect.equal data.Split.YTest.Shape [| 10000; 10 |] "YTest"
            // Pixel 0 of the first training image is background (0); NumPy gives these values.
            Expect.equal data.Split.XTrain.[0, 0] -0.8102576563313192 "np: (0 - mean) / std"
            let white = Array.IndexOf(sets.TrainSet.Images, 255uy)
            Expect.equal data.Split.XTrain.[white / 784, white % 784] 2.0224089821146136 "np: (255 - mean) / std"
            let gray = Array.IndexOf(sets.TestSet.Images, 128uy)
            Expect.equal data.Split.XTest.[gray / 784, gray % 784] ((128.0 - 72.94035223214286) / 90.02118235130519) "test pixels with the training statistics"
    ]

/// Every test of the classification helpers.
[<Tests>]
let tests = testList "Classification" [ labelTests; preprocessingTests; realDataTests ]
