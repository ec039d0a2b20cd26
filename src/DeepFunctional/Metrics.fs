namespace DeepFunctional

open System

/// Regression metrics over a prediction and a target of the same shape, computed in double
/// whatever the element type.
[<RequireQualifiedAccess>]
module Metrics =

    /// The mean of a function of the elementwise differences prediction − target.
    let private meanOfDifferences (op: string) (f: float -> float) (prediction: Tensor<'T>) (target: Tensor<'T>) =
        Shape.checkSame op "prediction" prediction.Dims "target" target.Dims
        if prediction.Length = 0 then
            raise (InvalidValueException(op, "at least one element", "prediction of shape " + Shape.format prediction.Dims))
        let p = (Tensor.convert<'T, float> prediction).Data
        let t = (Tensor.convert<'T, float> target).Data
        let terms = Array.init p.Length (fun i -> f (p.[i] - t.[i]))
        // np.mean's order, so the book's printed MAE and RMSE come out digit for digit.
        Summation.ofArray terms / float terms.Length

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
