namespace DeepFunctional

open System

/// Stochastic gradient descent: param ← param − lr·grad.
[<RequireQualifiedAccess>]
module Sgd =

    /// One step over parameters and gradients in the same order; pure.
    /// <exception cref="ShapeMismatchException">when a gradient's shape differs from its parameter's.</exception>
    let step (learningRate: float) (parameters: Tensor<'T> list) (gradients: Tensor<'T> list) : Tensor<'T> list =
        if parameters.Length <> gradients.Length then
            raise (ShapeMismatchException("Sgd.step", sprintf "%d gradients, one per parameter" parameters.Length, sprintf "%d" gradients.Length))
        let s = Num.ofFloat (-learningRate)
        List.map2 (fun (p: Tensor<'T>) (g: Tensor<'T>) ->
            Shape.checkSame "Sgd.step" "parameter" p.Dims "gradient" g.Dims
            Tensor.axpy s g p) parameters gradients

/// An optimizer's settings.
[<RequireQualifiedAccess>]
type Optimizer =
    /// Plain SGD with a fixed learning rate.
    | SGD of learningRate: float

/// What an optimizer carries from one step to the next.
type OptimizerState =
    { /// The learning rate of the next step.
      LearningRate: float
      /// The number of steps taken.
      Steps: int }

/// Functions over optimizers; all pure.
[<RequireQualifiedAccess>]
module Optimizer =

    /// SGD with the given learning rate.
    /// <exception cref="InvalidValueException">when the rate is not finite and positive.</exception>
    let sgd (learningRate: float) =
        if not (Double.IsFinite learningRate) || learningRate <= 0.0 then
            raise (InvalidValueException("Optimizer.sgd", "a finite, positive learning rate", string learningRate))
        Optimizer.SGD learningRate

    /// The state before the first step.
    let init (optimizer: Optimizer) : OptimizerState =
        match optimizer with
        | Optimizer.SGD lr -> { LearningRate = lr; Steps = 0 }

    /// One update of the parameters with their gradients.
    let step (optimizer: Optimizer) (state: OptimizerState) (parameters: Tensor<'T> list) (gradients: Tensor<'T> list) =
        match optimizer with
        | Optimizer.SGD _ -> Sgd.step state.LearningRate parameters gradients, { state with Steps = state.Steps + 1 }
