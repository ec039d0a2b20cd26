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

