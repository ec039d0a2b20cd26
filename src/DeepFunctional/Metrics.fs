namespace DeepFunctional

open System

/// Regression metrics over a prediction and a target of the same shape, computed in double
/// whatever the element type.
[<RequireQualifiedAccess>]
module Metrics =

    /// The sum of a span in NumPy's pairwise order (`pairwise_sum` of its `add.reduce` over a
    /// contiguous array): below 8 elements a plain loop, up to 128 eight interleaved partial
    /// sums, beyond that the two halves (split at a multiple of 8) summed recursively. Means
    /// computed with it agree with `np.mean` to the last bit.
    let rec internal pairwiseSum (a: ReadOnlySpan<float>) : float =
        let n = a.Length
        if n < 8 then
            let mutable res = 0.0
            for i in 0 .. n - 1 do
                res <- res + a.[i]
            res
        elif n <= 128 then
            let r = Array.zeroCreate<float> 8
            for j in 0 .. 7 do
                r.[j] <- a.[j]
            let mutable i = 8
            while i < n - n % 8 do
                for j in 0 .. 7 do
                    r.[j] <- r.[j] + a.[i + j]
                i <- i + 8
            let mutable res = ((r.[0] + r.[1]) + (r.[2] + r.[3])) + ((r.[4] + r.[5]) + (r.[6] + r.[7]))
            while i < n do
                res <- res + a.[i]
                i <- i + 1
            res
        else
            let half = n / 2
            let half = half - half % 8
            pairwiseSum (a.Slice(0, half)) + pairwiseSum (a.Slice half)

    /// The mean of a function of the elementwise differences prediction − target.
    let private meanOfDifferences (op: string) (f: float -> float) (prediction: Tensor<'T>) (target: Tensor<'T>) =
        Shape.checkSame op "prediction" prediction.Dims "target" target.Dims
        if prediction.Length = 0 then
            raise (InvalidValueException(op, "at least one element", "prediction of shape " + Shape.format prediction.Dims))
        let p = (Tensor.convert<'T, float> prediction).Data
        let t = (Tensor.convert<'T, float> target).Data
        let terms = Array.init p.Length (fun i -> f (p.[i] - t.[i]))
        pairwiseSum (ReadOnlySpan terms) / float terms.Length

    /// The mean absolute error mean(|prediction − target|) over all elements.
    /// <exception cref="ShapeMismatchException">when the shapes differ.</exception>
    /// <exception cref="InvalidValueException">when the tensors are empty.</exception>
    let meanAbsoluteError (prediction: Tensor<'T>) (target: Tensor<'T>) : float =
        meanOfDifferences "Metrics.meanAbsoluteError" abs prediction target

    /// The mean squared error mean((prediction − target)²) over all elements.
    /// <exception cref="ShapeMismatchException">when the shapes differ.</exception>
    /// <exception cref="InvalidValueException">when the tensors are empty.</exception>
    let meanSquaredError (prediction: Tensor<'T>) (target: Tensor<'T>) : float =
        meanOfDifferences "Metrics.meanSquaredError" (fun d -> d * d) prediction target

    /// The root mean squared error √mean((prediction − target)²) over all elements.
    /// <exception cref="ShapeMismatchException">when the shapes differ.</exception>
    /// <exception cref="InvalidValueException">when the tensors are empty.</exception>
    let rootMeanSquaredError (prediction: Tensor<'T>) (target: Tensor<'T>) : float =
        sqrt (meanOfDifferences "Metrics.rootMeanSquaredError" (fun d -> d * d) prediction target)
