namespace DeepFunctional

open System
open System.Numerics

/// The global pixel statistics of a training set that the book's image preprocessing uses:
/// x' = (x − Mean) / Std for every pixel of the training and the test images.
type PixelStatistics =
    { /// The mean of all training pixels (raw values 0..255).
      Mean: float
      /// The population standard deviation of the mean-subtracted training pixels, as NumPy
      /// computes it (see `Classification.pixelStatistics`).
      Std: float }

/// Images made ready for a classifier: standardised inputs, one-hot targets and the classes.
type ClassificationData<'T> =
    { /// XTrain: [trainCount; rows·cols] standardised pixels; YTrain: [trainCount; classes]
      /// one-hot; XTest: [testCount; rows·cols] standardised with the training statistics;
      /// YTest: [testCount; classes] one-hot.
      Split: TrainTest<'T>
      /// The class of each training image (the row of YTrain that holds a 1 in that column).
      TrainLabels: int[]
      /// The class of each test image.
      TestLabels: int[]
      /// The number of classes (columns of YTrain and YTest).
      Classes: int
      /// The training statistics both sets were standardised with.
      Statistics: PixelStatistics }

/// Classification helpers of chapter 4: one-hot targets, predicted classes, accuracy, the
/// confusion matrix, and the book's preprocessing of MNIST-format images.
[<RequireQualifiedAccess>]
module Classification =

    /// Checks that every class index lies in 0 .. classes − 1; `name` names the array.
    let private checkClassIndices (op: string) (name: string) (classes: int) (values: int[]) =
        match values |> Array.tryFindIndex (fun v -> v < 0 || v >= classes) with
        | Some i -> raise (InvalidValueException(op, sprintf "%s in 0..%d" name (classes - 1), sprintf "%d at index %d" values.[i] i))
        | None -> ()

    /// Checks a number of classes.
    let private checkClassCount (op: string) (classes: int) =
        if classes < 1 then raise (InvalidValueException(op, "at least 1 class", string classes))

    /// One-hot targets: row i has a 1 in column labels[i] and 0 elsewhere.
    /// labels: N class indices -> [N; classes].
    /// <exception cref="InvalidValueException">when `classes` is less than 1 or a label is
    /// outside 0 .. classes − 1 (the message names its index).</exception>
    let oneHot<'T when 'T :> IFloatingPointIeee754<'T>> (classes: int) (labels: int[]) : Tensor<'T> =
        let op = "Classification.oneHot"
        checkClassCount op classes
        checkClassIndices op "labels" classes labels
        let out = Array.zeroCreate<'T> (labels.Length * classes)
        labels |> Array.iteri (fun i l -> out.[i * classes + l] <- 'T.One)
        Tensor.wrap [| labels.Length; classes |] out

    /// The column of the largest element of each row (the predicted class of each row of
    /// scores): [N; classes] -> N indices. On ties the first such column wins and a NaN
    /// counts as the largest value (the first NaN wins), as NumPy's `argmax(axis=1)`.
    /// <exception cref="ShapeMismatchException">when t is not a matrix.</exception>
    /// <exception cref="InvalidValueException">when t has rows but no columns.</exception>
    let argmax<'T when 'T :> IFloatingPointIeee754<'T>> (t: Tensor<'T>) : int[] =
        let op = "Classification.argmax"
        Shape.checkRank op "scores" 2 t.Dims
        let rows, cols = t.Dims.[0], t.Dims.[1]
        if cols = 0 && rows > 0 then
            raise (InvalidValueException(op, "at least one column to choose from", "scores of shape " + Shape.format t.Dims))
        let data = t.Data
        Array.init rows (fun i ->
            let start = i * cols
            let mutable best = 0
            let mutable bestValue: 'T = data.[start]
            let mutable j = 1
            while j < cols && not ('T.IsNaN bestValue) do
                let v: 'T = data.[start + j]
                if 'T.op_GreaterThan(v, bestValue) || 'T.IsNaN v then
                    best <- j
                    bestValue <- v
                j <- j + 1
            best)

    /// The fraction of predictions that equal their label, in 0..1.
    /// <exception cref="ShapeMismatchException">when the arrays differ in length.</exception>
    /// <exception cref="InvalidValueException">when they are empty.</exception>
    let accuracy (predictedClasses: int[]) (labels: int[]) : float =
        let op = "Classification.accuracy"
        Shape.checkSame op "labels" [| labels.Length |] "predictedClasses" [| predictedClasses.Length |]
        if labels.Length = 0 then
            raise (InvalidValueException(op, "at least one prediction", "none"))
        let mutable hits = 0
        for i in 0 .. labels.Length - 1 do
            if predictedClasses.[i] = labels.[i] then hits <- hits + 1
        float hits / float labels.Length

    /// Counts of (true class, predicted class) pairs: entry [t, p] is the number of items of
    /// class t predicted as p, so rows are true classes, columns predicted ones, the diagonal
    /// holds the hits, and row t sums to the number of items of class t.
    /// <exception cref="ShapeMismatchException">when the arrays differ in length.</exception>
    /// <exception cref="InvalidValueException">when `classes` is less than 1 or a value is
    /// outside 0 .. classes − 1 (the message names the array and the index).</exception>
    let confusionMatrix (classes: int) (predicted: int[]) (labels: int[]) : int[,] =
        let op = "Classification.confusionMatrix"
        checkClassCount op classes
        Shape.checkSame op "labels" [| labels.Length |] "predicted" [| predicted.Length |]
        checkClassIndices op "labels" classes labels
        checkClassIndices op "predicted classes" classes predicted
        let m = Array2D.zeroCreate<int> classes classes
        for i in 0 .. labels.Length - 1 do
            m.[labels.[i], predicted.[i]] <- m.[labels.[i], predicted.[i]] + 1
        m

    /// Checks that an image set is consistent: Count·Rows·Cols pixels, one label per image,
    /// labels within its classes.
    let private checkImageSet (op: string) (name: string) (set: ImageSet) =
        if set.Count < 0 || set.Rows < 1 || set.Cols < 1 || set.Classes < 1 then
            raise (InvalidValueException(op, sprintf "%s with Count >= 0, Rows >= 1, Cols >= 1 and Classes >= 1" name, sprintf "Count %d, Rows %d, Cols %d, Classes %d" set.Count set.Rows set.Cols set.Classes))
        let pixels = int64 set.Count * int64 set.Rows * int64 set.Cols
        if int64 set.Images.Length <> pixels then
            raise (ShapeMismatchException(op, sprintf "%s with %d pixels for %d images of %dx%d" name pixels set.Count set.Rows set.Cols, sprintf "%d pixels" set.Images.Length))
        if set.Labels.Length <> set.Count then
            raise (ShapeMismatchException(op, sprintf "%s with one label for each of its %d images" name set.Count, sprintf "%d labels" set.Labels.Length))
        checkClassIndices op (name + " labels") set.Classes set.Labels

    /// The pixels of an image set as numbers 0..255: [Count; Rows·Cols], one image per row.
    /// <exception cref="ShapeMismatchException">when the set does not hold Count·Rows·Cols pixels
    /// and Count labels.</exception>
    /// <exception cref="InvalidValueException">when a label is outside 0 .. Classes − 1.</exception>
    let pixels<'T when 'T :> IFloatingPointIeee754<'T>> (set: ImageSet) : Tensor<'T> =
        checkImageSet "Classification.pixels" "set" set
        let out = Array.zeroCreate<'T> set.Images.Length
        Tensors.TensorPrimitives.ConvertTruncating<byte, 'T>(ReadOnlySpan<byte>(set.Images), Span<'T>(out))
        Tensor.wrap [| set.Count; set.Rows * set.Cols |] out

    /// `np.sum` of the float64 values table[bytes[i]] over all of `bytes` (see `Summation`).
    let private numpySumOf (table: float[]) (bytes: byte[]) : float = Summation.numpy (TableValues(table, bytes)) bytes.Length

    /// The sum of all bytes, exact (at most 255·Int32.MaxValue fits an int64).
    let private byteSum (bytes: byte[]) : int64 =
        let blocks = (bytes.Length + Summation.BlockSize - 1) / Summation.BlockSize
        let sums = Array.zeroCreate<int64> blocks
        Threading.Tasks.Parallel.For(0, blocks, fun b ->
            let start = b * Summation.BlockSize
            let mutable s = 0L
            for i in start .. min (start + Summation.BlockSize) bytes.Length - 1 do
                s <- s + int64 bytes.[i]
            sums.[b] <- s)
        |> ignore
        Array.sum sums

    /// The book's global statistics of a training set, in double, as NumPy 1.24 computes
    /// `m = np.mean(X)` on the raw pixels X, then `np.std(X − m)`:
    /// 1. Mean = (sum of all pixels) / n with n = Count·Rows·Cols. The sum is an exact integer
    ///    (below 2^53), so this equals `np.mean` of the pixels as uint8 or as float64 whatever
    ///    its summation order: one rounding, in the division.
    /// 2. Every centred pixel a = double(p) − Mean (one rounding; one of 256 values).
    /// 3. m2 = sum(a) / n — `np.std` takes the mean of its argument again, which is not
    ///    exactly 0.
    /// 4. Std = sqrt(sum((a − m2)²) / n), the population standard deviation, each step rounded
    ///    as NumPy rounds it (difference, square, sum, division, square root).
    /// Both sums run in NumPy's order for a contiguous float64 array: blocks of 8192 elements
    /// (NumPy's buffer size), each summed pairwise (8 interleaved partial sums up to 128
    /// elements, halves above that), the block sums added in order. Checked against NumPy 1.24
    /// on Fashion-MNIST: Mean and Std agree to the last bit, and so does every standardised
    /// value.
    /// <exception cref="ShapeMismatchException">when the set's pixel or label count is inconsistent.</exception>
    /// <exception cref="InvalidValueException">when the set has no pixels, or all its pixels are
    /// equal (standard deviation 0).</exception>
    let pixelStatistics (train: ImageSet) : PixelStatistics =
        let op = "Classification.pixelStatistics"
        checkImageSet op "train" train
        let bytes = train.Images
        if bytes.Length = 0 then
            raise (InvalidValueException(op, "a training set with at least one pixel", "an empty set"))
        let n = float bytes.Length
        let mean = float (byteSum bytes) / n
        let centred = Array.init 256 (fun p -> float p - mean)
        let m2 = numpySumOf centred bytes / n
        let squares = Array.init 256 (fun p -> let d = centred.[p] - m2 in d * d)
        let std = sqrt (numpySumOf squares bytes / n)
        if not (std > 0.0) then
            raise (InvalidValueException(op, "training pixels that are not all equal (a positive standard deviation)", sprintf "every pixel %d" bytes.[0]))
        { Mean = mean; Std = std }

    /// The pixels of an image set standardised with given statistics: (double(p) − Mean) / Std
    /// computed in double as the book's NumPy code does (a subtraction, then a division), rounded
    /// to `'T` once. [Count; Rows·Cols], one image per row.
    /// <exception cref="ShapeMismatchException">when the set's pixel or label count is inconsistent.</exception>
    /// <exception cref="InvalidValueException">when Std is not positive and finite or Mean not finite.</exception>
    let standardize<'T when 'T :> IFloatingPointIeee754<'T>> (statistics: PixelStatistics) (set: ImageSet) : Tensor<'T> =
        let op = "Classification.standardize"
        checkImageSet op "set" set
        if not (Double.IsFinite statistics.Mean) || not (Double.IsFinite statistics.Std) || not (statistics.Std > 0.0) then
            raise (InvalidValueException(op, "a finite Mean and a positive, finite Std", sprintf "Mean %g, Std %g" statistics.Mean statistics.Std))
        let src = set.Images
        let out = Array.zeroCreate<'T> src.Length
        // (p − Mean) / Std for the pixels src[start .. start + n − 1] into target[at ..], in double.
        let standardizeInto (start: int) (n: int) (target: float[]) (at: int) =
            Tensors.TensorPrimitives.ConvertTruncating<byte, float>(ReadOnlySpan<byte>(src, start, n), Span<float>(target, at, n))
            Tensors.TensorPrimitives.Subtract(ReadOnlySpan<float>(target, at, n), statistics.Mean, Span<float>(target, at, n))
            Tensors.TensorPrimitives.Divide(ReadOnlySpan<float>(target, at, n), statistics.Std, Span<float>(target, at, n))
        match box out with
        | :? (float[]) as doubles -> standardizeInto 0 src.Length doubles 0
        | _ ->
            let chunk = 1 <<< 16
            let work = Array.zeroCreate<float> (min chunk src.Length)
            let mutable start = 0
            while start < src.Length do
                let n = min chunk (src.Length - start)
                standardizeInto start n work 0
                Tensors.TensorPrimitives.ConvertTruncating<float, 'T>(ReadOnlySpan<float>(work, 0, n), Span<'T>(out, start, n))
                start <- start + n
        Tensor.wrap [| set.Count; set.Rows * set.Cols |] out

    /// The book's chapter 4 preparation of MNIST-format images: pixels as `'T` rows of
    /// Rows·Cols values, standardised with the *training* set's global statistics (see
    /// `pixelStatistics`; the test set never contributes to them), and one-hot targets.
    /// Book's NumPy: `X_train, X_test = X_train - np.mean(X_train), X_test - np.mean(X_train)`,
    /// then `X_train, X_test = X_train / np.std(X_train), X_test / np.std(X_train)`.
    /// <exception cref="ShapeMismatchException">when a set is inconsistent, or the test images
    /// differ from the training images in size.</exception>
    /// <exception cref="InvalidValueException">when the sets differ in their number of classes,
    /// or the training set has no pixels or all its pixels are equal.</exception>
    let prepare<'T when 'T :> IFloatingPointIeee754<'T>> (train: ImageSet) (test: ImageSet) : ClassificationData<'T> =
        let op = "Classification.prepare"
        checkImageSet op "train" train
        checkImageSet op "test" test
        Shape.checkSame op "train images" [| train.Rows; train.Cols |] "test images" [| test.Rows; test.Cols |]
        if test.Classes <> train.Classes then
            raise (InvalidValueException(op, sprintf "a test set of %d classes like the training set" train.Classes, sprintf "%d classes" test.Classes))
        let stats = pixelStatistics train
        { Split =
            { XTrain = standardize<'T> stats train
              YTrain = oneHot<'T> train.Classes train.Labels
              XTest = standardize<'T> stats test
              YTest = oneHot<'T> test.Classes test.Labels }
          TrainLabels = Array.copy train.Labels
          TestLabels = Array.copy test.Labels
          Classes = train.Classes
          Statistics = stats }

    /// `prepare`, with the images kept as images for a convolutional network: XTrain and XTest
    /// are [count; 1; rows; cols] (one channel), the same standardised pixels (no copy).
    /// <exception cref="ShapeMismatchException">as `prepare`.</exception>
    /// <exception cref="InvalidValueException">as `prepare`.</exception>
    let prepareImages<'T when 'T :> IFloatingPointIeee754<'T>> (train: ImageSet) (test: ImageSet) : ClassificationData<'T> =
        let data = prepare<'T> train test
        let asImages (set: ImageSet) (t: Tensor<'T>) = Tensor.reshape [| set.Count; 1; set.Rows; set.Cols |] t
        { data with
            Split =
                { data.Split with
                    XTrain = asImages train data.Split.XTrain
                    XTest = asImages test data.Split.XTest } }
