/// Tests of reading and writing MNIST-format IDX files: round trips raw and gzip'd, every
/// kind of corrupt file, image/label pairs, MNIST folders, and the real Fashion-MNIST files
/// where Debian's `dataset-fashion-mnist` package is installed.
module DeepFunctional.Tests.IdxTests

open System
open System.Diagnostics
open System.IO
open System.IO.Compression
open Expecto
open DeepFunctional


/// Runs f with a fresh folder under the system's temp folder, deleted afterwards.
let private inTempFolder (f: string -> unit) =
    let dir = Path.Combine(Path.GetTempPath(), "deepfunctional-idx-" + Guid.NewGuid().ToString("N"))
    Directory.CreateDirectory dir |> ignore
    try
        f dir
    finally
        Directory.Delete(dir, true)

/// Three images of 2 rows and 4 columns with distinct pixels.
let private sample =
    { Count = 3; Rows = 2; Cols = 4; Pixels = Array.init 24 (fun i -> byte (i * 11)) }

/// One label for each sample image.
let private sampleLabels = [| 3; 0; 9 |]

/// The DataFormatException that parsing `bytes` as an image file raises.
let private imagesError (bytes: byte[]) =
    Check.caught<DataFormatException> (fun () -> Idx.parseImages "test-images" bytes |> ignore)

/// The DataFormatException that parsing `bytes` as a label file of 10 classes raises.
let private labelsError (bytes: byte[]) =
    Check.caught<DataFormatException> (fun () -> Idx.parseLabels 10 "test-labels" bytes |> ignore)

/// Bytes compressed as a gzip stream.
let private gzipped (bytes: byte[]) =
    use buffer = new MemoryStream()
    do
        use gz = new GZipStream(buffer, CompressionLevel.Fastest, true)
        gz.Write(bytes, 0, bytes.Length)
    buffer.ToArray()

/// A big-endian 32-bit integer as 4 bytes.
let private be (v: uint32) = [| byte (v >>> 24); byte (v >>> 16); byte (v >>> 8); byte v |]

/// The folder where Debian's `dataset-fashion-mnist` package puts the data.
let private fashionFolder = "/usr/share/datasets/fashion-mnist"

let private roundTripTests =
    testList "round trips" [
        testCase "Idx.encodeImages writes the big-endian header the format defines, then the pixels" <| fun () ->
            let bytes = Idx.encodeImages IdxCompression.Uncompressed sample
            let header = Array.concat [ be 0x803u; be 3u; be 2u; be 4u ]
            Expect.equal bytes.[0..15] header "magic 0x00000803, count 3, rows 2, columns 4"
            Expect.equal bytes.[16..] sample.Pixels "the pixels as they are"

        testCase "Idx.encodeLabels writes magic 0x00000801 and the count, then one byte per label" <| fun () ->
            let bytes = Idx.encodeLabels IdxCompression.Uncompressed sampleLabels
            Expect.equal bytes (Array.concat [ be 0x801u; be 3u; [| 3uy; 0uy; 9uy |] ]) "header then labels"

        testCase "Idx.encodeImages with IdxCompression.Gzip produces a gzip stream" <| fun () ->
            let bytes = Idx.encodeImages IdxCompression.Gzip sample
            Expect.equal bytes.[0..1] [| 0x1Fuy; 0x8Buy |] "gzip magic"

        testCase "Idx.writeImages then Idx.loadImages gives the same images back, raw and gzip'd" <| fun () ->
            inTempFolder (fun dir ->
                for compression in [ IdxCompression.Uncompressed; IdxCompression.Gzip ] do
                    let path = Path.Combine(dir, sprintf "images-%A" compression)
                    Idx.writeImages compression path sample
                    Expect.equal (Idx.loadImages path) sample (sprintf "%A round trip" compression))

        testCase "Idx.writeLabels then Idx.loadLabels gives the same labels back, raw and gzip'd" <| fun () ->
            inTempFolder (fun dir ->
                for compression in [ IdxCompression.Uncompressed; IdxCompression.Gzip ] do
                    let path = Path.Combine(dir, sprintf "labels-%A" compression)
                    Idx.writeLabels compression path sampleLabels
                    Expect.equal (Idx.loadLabels 10 path) sampleLabels (sprintf "%A round trip" compression))

        testCase "Idx.loadImages recognises gzip by its content, not by the file name" <| fun () ->
            inTempFolder (fun dir ->
                let gzipWithoutSuffix = Path.Combine(dir, "images-idx3-ubyte")
                let rawWithSuffix = Path.Combine(dir, "images-idx3-ubyte.gz")
                Idx.writeImages IdxCompression.Gzip gzipWithoutSuffix sample
                Idx.writeImages IdxCompression.Uncompressed rawWithSuffix sample
                Expect.equal (Idx.loadImages gzipWithoutSuffix) sample "gzip'd file without .gz"
                Expect.equal (Idx.loadImages rawWithSuffix) sample "raw file named .gz")

        testCase "Idx.parseImages reads a file of zero images" <| fun () ->
            let empty = { Count = 0; Rows = 28; Cols = 28; Pixels = [||] }
            Expect.equal (Idx.parseImages "empty" (Idx.encodeImages IdxCompression.Uncompressed empty)) empty "no pixels"

        testCase "Idx.parseLabels accepts every byte value when asked for 256 classes" <| fun () ->
            let labels = [| 0; 255; 128 |]
            Expect.equal (Idx.parseLabels 256 "all" (Idx.encodeLabels IdxCompression.Gzip labels)) labels "bytes as they are"

        testProperty "Idx.parseImages inverts Idx.encodeImages for any small set of images" <| fun (count: byte) (shape: byte) (seed: int) (gzip: bool) ->
            let count, rows, cols = int count % 7, 1 + int shape % 5, 1 + int shape / 51
            let rng = Random(seed)
            let pixels = Array.zeroCreate<byte> (count * rows * cols)
            rng.NextBytes pixels
            let images = { Count = count; Rows = rows; Cols = cols; Pixels = pixels }
            Idx.parseImages "p" (Idx.encodeImages (if gzip then IdxCompression.Gzip else IdxCompression.Uncompressed) images) = images

        testProperty "Idx.parseLabels inverts Idx.encodeLabels for any labels of 0..9" <| fun (labels: byte[]) (gzip: bool) ->
            let labels = labels |> Array.map (fun b -> int b % 10)
            Idx.parseLabels 10 "p" (Idx.encodeLabels (if gzip then IdxCompression.Gzip else IdxCompression.Uncompressed) labels) = labels
    ]

let private corruptionTests =
    testList "corrupt files" [
        testCase "Idx.loadImages names the expected magic number when given a label file" <| fun () ->
            inTempFolder (fun dir ->
                let path = Path.Combine(dir, "train-labels-idx1-ubyte")
                Idx.writeLabels IdxCompression.Uncompressed path sampleLabels
                let e = Check.caught<DataFormatException> (fun () -> Idx.loadImages path |> ignore)
                Expect.stringContains e.Message path "names the file"
                Expect.stringContains e.Problem "found magic number 0x00000801" "says what it found"
                Expect.stringContains e.Problem "expected 0x00000803 (idx3 image file)" "says what it expected"
                Expect.stringContains e.Problem "that of an idx1 label file: this looks like a label file given in place of an image file" "recognises the other kind of file")

        testCase "Idx.loadLabels names the expected magic number when given an image file" <| fun () ->
            inTempFolder (fun dir ->
                let path = Path.Combine(dir, "t10k-images-idx3-ubyte.gz")
                Idx.writeImages IdxCompression.Gzip path sample
                let e = Check.caught<DataFormatException> (fun () -> Idx.loadLabels 10 path |> ignore)
                Expect.stringContains e.Message path "names the file"
                Expect.stringContains e.Problem "found magic number 0x00000803" "says what it found"
                Expect.stringContains e.Problem "expected 0x00000801 (idx1 label file)" "says what it expected"
                Expect.stringContains e.Problem "this looks like an image file given in place of a label file" "recognises the other kind of file")

        testCase "Idx.parseImages calls bytes that do not start with two zero bytes not an IDX file" <| fun () ->
            let e = imagesError (Text.Encoding.ASCII.GetBytes "<!DOCTYPE html><html>not found</html>")
            Expect.stringContains e.Problem "found magic number 0x3C21444F" "the first four bytes"
            Expect.stringContains e.Problem "not an IDX file: an IDX magic number starts with two zero bytes" "what they mean"

        testCase "Idx.parseImages names the element type of an IDX file of floats" <| fun () ->
            let e = imagesError (Array.concat [ be 0xD03u; be 1u; be 1u; be 1u; Array.zeroCreate 4 ])
            Expect.stringContains e.Problem "an IDX file of 32-bit floats in 3 dimension(s), where an idx3 image file holds unsigned bytes in 3" "decodes the magic number"
            Expect.stringContains e.Problem "expected 0x00000803" "says what it expected"

        testCase "Idx.parseImages reports a header cut short with the expected and found byte counts" <| fun () ->
            let bytes = Idx.encodeImages IdxCompression.Uncompressed sample
            let e = imagesError bytes.[0..9]
            Expect.stringContains e.Problem "the header is truncated: expected 16 bytes, found 10" "expected vs found"
            Expect.equal (e.Line, e.Column) (0, 0) "no line or column in a binary file"

        testCase "Idx.parseLabels reports a file too short to hold a magic number" <| fun () ->
            let e = labelsError [| 0uy; 0uy |]
            Expect.stringContains e.Problem "found only 2 byte(s), expected the 8-byte header of an idx1 label file, starting with magic number 0x00000801" "found vs expected"

        testCase "Idx.parseImages reports truncated pixel data with the expected and found byte counts" <| fun () ->
            let bytes = Idx.encodeImages IdxCompression.Uncompressed sample
            let e = imagesError bytes.[0 .. bytes.Length - 2]
            Expect.stringContains e.Problem "the data is truncated" "what is wrong"
            Expect.stringContains e.Problem "3 images of 2x4, expected 24 bytes from byte offset 16, found 23" "expected vs found"

        testCase "Idx.parseLabels reports truncated label data inside a gzip stream" <| fun () ->
            let raw = Idx.encodeLabels IdxCompression.Uncompressed sampleLabels
            let e = labelsError (gzipped raw.[0 .. raw.Length - 2])
            Expect.stringContains e.Problem "3 labels, expected 3 bytes from byte offset 8, found 2" "expected vs found"
            Expect.stringContains e.Problem "; byte offsets count the gzip-decompressed data" "offsets count decompressed bytes"

        testCase "Idx.parseImages reports a cut raw file without allocating the pixels its header declares" <| fun () ->
            let before = GC.GetAllocatedBytesForCurrentThread()
            let e = imagesError (Array.concat [ be 0x803u; be 2000000u; be 28u; be 28u; Array.zeroCreate 100 ])
            let allocated = GC.GetAllocatedBytesForCurrentThread() - before
            Expect.stringContains e.Problem "2000000 images of 28x28, expected 1568000000 bytes from byte offset 16, found 100" "expected vs found"
            Check.isBelow allocated 10_000_000L "far less than the 1.5 GB declared"

        testCase "Idx.parseImages rejects data after the last image the header declares" <| fun () ->
            let bytes = Array.append (Idx.encodeImages IdxCompression.Uncompressed sample) [| 1uy; 2uy |]
            let e = imagesError bytes
            Expect.stringContains e.Problem "found 2 byte(s) after the 3 images of 2x4 the header declares (from byte offset 40)" "says where the extra data starts"

        testCase "Idx.parseImages reports a gzip stream cut short" <| fun () ->
            let bytes = Idx.encodeImages IdxCompression.Gzip { Count = 40; Rows = 28; Cols = 28; Pixels = Array.init (40 * 784) (fun i -> byte (i * 7919 % 251)) }
            let e = imagesError bytes.[0 .. bytes.Length / 2]
            Expect.isTrue (e.Problem.Contains "truncated" || e.Problem.Contains "corrupt gzip") (sprintf "a truncation or a corrupt stream, got: %s" e.Problem)

        testCase "Idx.parseImages reports a corrupt gzip stream" <| fun () ->
            let e = imagesError [| 0x1Fuy; 0x8Buy; 8uy; 0uy; 0uy; 0uy; 0uy; 0uy; 0uy; 3uy; 0xFFuy; 0xFFuy; 0xFFuy; 0xFFuy; 0xFFuy |]
            Expect.stringContains e.Problem "corrupt gzip stream" "what is wrong"

        testCase "Idx.parseImages rejects a header that declares images without rows" <| fun () ->
            let e = imagesError (Array.concat [ be 0x803u; be 5u; be 0u; be 28u ])
            Expect.stringContains e.Problem "found images of 0x28 pixels" "names the sizes"

        testCase "Idx.parseImages rejects a dimension size above Int32.MaxValue with its byte offset" <| fun () ->
            let e = imagesError (Array.concat [ be 0x803u; be 0xFFFFFFFFu; be 28u; be 28u ])
            Expect.stringContains e.Problem "found dimension size 4294967295 at byte offset 4" "names the value and where"

        testCase "Idx.parseImages rejects a header declaring more pixels than one array holds" <| fun () ->
            let e = imagesError (Array.concat [ be 0x803u; be 0x7FFFFFFFu; be 28u; be 28u ])
            Expect.stringContains e.Problem "expected at most" "names the limit"

        testCase "Idx.parseLabels names the first label outside 0..9 with its index and byte offset" <| fun () ->
            let bytes = Idx.encodeLabels IdxCompression.Uncompressed [| 1; 2; 12; 3; 200 |]
            let e = labelsError bytes
            Expect.stringContains e.Problem "found label 12 at index 2 (byte offset 10), expected a class in 0..9" "found vs expected"

        testCase "Idx.parseLabels rejects a number of classes outside 1..256" <| fun () ->
            let bytes = Idx.encodeLabels IdxCompression.Uncompressed sampleLabels
            Check.caught<InvalidValueException> (fun () -> Idx.parseLabels 0 "l" bytes |> ignore) |> ignore
            Check.caught<InvalidValueException> (fun () -> Idx.parseLabels 257 "l" bytes |> ignore) |> ignore
    ]

let private setTests =
    testList "image sets and folders" [
        testCase "Idx.loadImageSet keeps the images and their labels together" <| fun () ->
            inTempFolder (fun dir ->
                let images, labels = Path.Combine(dir, "i.gz"), Path.Combine(dir, "l")
                Idx.writeImages IdxCompression.Gzip images sample
                Idx.writeLabels IdxCompression.Uncompressed labels sampleLabels
                let set = Idx.loadImageSet images labels
                Expect.equal (set.Count, set.Rows, set.Cols, set.Classes) (3, 2, 4, 10) "sizes and 10 classes"
                Expect.equal set.Images sample.Pixels "pixels"
                Expect.equal set.Labels sampleLabels "labels")

        testCase "Idx.loadImageSet names both files and counts when images and labels differ in number" <| fun () ->
            inTempFolder (fun dir ->
                let images, labels = Path.Combine(dir, "images"), Path.Combine(dir, "labels")
                Idx.writeImages IdxCompression.Uncompressed images sample
                Idx.writeLabels IdxCompression.Uncompressed labels [| 1; 2 |]
                let e = Check.caught<DataFormatException> (fun () -> Idx.loadImageSet images labels |> ignore)
                Expect.stringContains e.Message labels "names the label file"
                Expect.stringContains e.Problem (sprintf "found 2 labels, expected one for each of the 3 images in '%s'" images) "counts and the image file")

        testCase "Idx.loadImageSetWith checks labels against its number of classes" <| fun () ->
            inTempFolder (fun dir ->
                let images, labels = Path.Combine(dir, "images"), Path.Combine(dir, "labels")
                Idx.writeImages IdxCompression.Uncompressed images sample
                Idx.writeLabels IdxCompression.Uncompressed labels sampleLabels
                Expect.equal (Idx.loadImageSetWith 12 images labels).Classes 12 "12 classes"
                let e = Check.caught<DataFormatException> (fun () -> Idx.loadImageSetWith 5 images labels |> ignore)
                Expect.stringContains e.Problem "found label 9 at index 2" "the first label of 5 or more")

        testCase "Idx.loadImages names the path of a missing file" <| fun () ->
            inTempFolder (fun dir ->
                let path = Path.Combine(dir, "nothing-here-idx3-ubyte")
                let e = Check.caught<FileNotFoundException> (fun () -> Idx.loadImages path |> ignore)
                Expect.stringContains e.Message path "names the path"
                Expect.equal e.FileName path "and carries it")

        testCase "Idx.loadMnistFolder reads the four MNIST files, raw or gzip'd, as training and test sets" <| fun () ->
            inTempFolder (fun dir ->
                let file name = Path.Combine(dir, name)
                let test = { Count = 1; Rows = 2; Cols = 4; Pixels = Array.create 8 7uy }
                Idx.writeImages IdxCompression.Uncompressed (file "train-images-idx3-ubyte") sample
                Idx.writeLabels IdxCompression.Gzip (file "train-labels-idx1-ubyte.gz") sampleLabels
                Idx.writeImages IdxCompression.Gzip (file "t10k-images-idx3-ubyte.gz") test
                Idx.writeLabels IdxCompression.Uncompressed (file "t10k-labels-idx1-ubyte") [| 4 |]
                let data = Idx.loadMnistFolder dir
                Expect.equal (data.TrainSet.Images, data.TrainSet.Labels) (sample.Pixels, sampleLabels) "training set"
                Expect.equal (data.TestSet.Images, data.TestSet.Labels) (test.Pixels, [| 4 |]) "test set")

        testCase "Idx.loadMnistFolder prefers the file without .gz when both exist" <| fun () ->
            inTempFolder (fun dir ->
                let file name = Path.Combine(dir, name)
                Idx.writeImages IdxCompression.Uncompressed (file "train-images-idx3-ubyte") sample
                File.WriteAllBytes(file "train-images-idx3-ubyte.gz", [| 1uy; 2uy |])
                Idx.writeLabels IdxCompression.Uncompressed (file "train-labels-idx1-ubyte") sampleLabels
                Idx.writeImages IdxCompression.Uncompressed (file "t10k-images-idx3-ubyte") sample
                Idx.writeLabels IdxCompression.Uncompressed (file "t10k-labels-idx1-ubyte") sampleLabels
                Expect.equal (Idx.loadMnistFolder dir).TrainSet.Count 3 "the broken .gz is not read")

        testCase "Idx.loadMnistFolder names every missing file and the folder" <| fun () ->
            inTempFolder (fun dir ->
                Idx.writeImages IdxCompression.Gzip (Path.Combine(dir, "train-images-idx3-ubyte.gz")) sample
                Idx.writeLabels IdxCompression.Gzip (Path.Combine(dir, "train-labels-idx1-ubyte.gz")) sampleLabels
                let e = Check.caught<FileNotFoundException> (fun () -> Idx.loadMnistFolder dir |> ignore)
                Expect.stringContains e.Message "found no t10k-images-idx3-ubyte(.gz), t10k-labels-idx1-ubyte(.gz)" "both missing test files"
                Expect.stringContains e.Message dir "the folder"
                Expect.isFalse (e.Message.Contains "train-") "not the files that are there")

        testCase "Idx.loadMnistFolder names a folder that does not exist" <| fun () ->
            let dir = Path.Combine(Path.GetTempPath(), "deepfunctional-idx-missing-" + Guid.NewGuid().ToString("N"))
            let e = Check.caught<DirectoryNotFoundException> (fun () -> Idx.loadMnistFolder dir |> ignore)
            Expect.stringContains e.Message dir "names the folder"

        testCase "Idx.imageSet puts consistent images and labels together and rejects the rest" <| fun () ->
            let set = Idx.imageSet 10 sample sampleLabels
            Expect.equal (set.Count, set.Images, set.Labels) (3, sample.Pixels, sampleLabels) "kept together"
            Check.caught<ShapeMismatchException> (fun () -> Idx.imageSet 10 sample [| 1; 2 |] |> ignore) |> ignore
            Check.caught<ShapeMismatchException> (fun () -> Idx.imageSet 10 { sample with Count = 4 } [| 1; 2; 3; 4 |] |> ignore) |> ignore
            let e = Check.caught<InvalidValueException> (fun () -> Idx.imageSet 5 sample sampleLabels |> ignore)
            Expect.stringContains e.Message "label 9 at index 2" "names the label and its index"

        testCase "Idx.encodeImages rejects pixels that do not fill Count x Rows x Cols" <| fun () ->
            let e = Check.caught<ShapeMismatchException> (fun () -> Idx.encodeImages IdxCompression.Uncompressed { sample with Rows = 3 } |> ignore)
            Expect.stringContains e.Message "36 pixels for 3 images of 3x4" "expected"
            Expect.stringContains e.Message "24 pixels" "found"

        testCase "Idx.encodeLabels rejects a label that does not fit in a byte" <| fun () ->
            let e = Check.caught<InvalidValueException> (fun () -> Idx.encodeLabels IdxCompression.Uncompressed [| 1; 256 |] |> ignore)
            Expect.stringContains e.Message "label 256 at index 1" "names the label and its index"
    ]

let private realDataTests =
    testList "Fashion-MNIST" [
        testCase "Idx.loadMnistFolder reads Fashion-MNIST: 60000 and 10000 images of 28x28, 6000 and 1000 of each class" <| fun () ->
            if not (Directory.Exists fashionFolder) then
                skiptest (sprintf "%s does not exist (Debian package dataset-fashion-mnist)" fashionFolder)
            let watch = Stopwatch.StartNew()
            let data = Idx.loadMnistFolder fashionFolder
            watch.Stop()
            eprintfn "Idx: loaded Fashion-MNIST (%d + %d images) in %d ms" data.TrainSet.Count data.TestSet.Count watch.ElapsedMilliseconds
            let check (name: string) (set: ImageSet) (count: int) (perClass: int) =
                Expect.equal (set.Count, set.Rows, set.Cols, set.Classes) (count, 28, 28, 10) (name + " sizes")
                Expect.equal set.Images.Length (count * 784) (name + " pixels")
                Expect.equal (Array.countBy id set.Labels |> Array.sort) (Array.init 10 (fun c -> c, perClass)) (name + " labels: every class 0..9 equally often")
            check "train" data.TrainSet 60000 6000
            check "test" data.TestSet 10000 1000
            Expect.equal data.TrainSet.Labels.[0..9] [| 9; 0; 0; 3; 0; 2; 7; 2; 5; 5 |] "the first training labels"
            Expect.equal data.TestSet.Labels.[0..9] [| 9; 2; 1; 1; 6; 1; 4; 6; 5; 7 |] "the first test labels"
            Expect.equal (data.TrainSet.Images |> Array.sumBy int64) 3431114169L "the training pixels' sum"
            Expect.equal (data.TestSet.Images |> Array.sumBy int64) 573469082L "the test pixels' sum"
    ]

/// Every test of the IDX reader and writer.
[<Tests>]
let tests = testList "Idx" [ roundTripTests; corruptionTests; setTests; realDataTests ]
