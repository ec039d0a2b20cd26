namespace DeepFunctional

open System
open System.Numerics

/// SGD with momentum: v ← momentum·v + lr·grad; param ← param − v (v starts at zero).
[<RequireQualifiedAccess>]
module Momentum =

    /// Zero velocities shaped like the parameters.
    let init (parameters: Tensor<'T> list) : Tensor<'T> list =
        parameters |> List.map (fun p -> Tensor.zeros p.Shape)

    /// One step; returns the new parameters and velocities. Pure.
    /// <exception cref="ShapeMismatchException">when gradients or velocities do not match the parameters.</exception>
    let step<'T when 'T :> IFloatingPointIeee754<'T>> (learningRate: float) (momentum: float)
                (velocities: Tensor<'T> list) (parameters: Tensor<'T> list) (gradients: Tensor<'T> list) : Tensor<'T> list * Tensor<'T> list =
        if parameters.Length <> gradients.Length || parameters.Length <> velocities.Length then
            raise (ShapeMismatchException("Momentum.step", sprintf "%d gradients and velocities, one per parameter" parameters.Length,
                                          sprintf "%d gradients, %d velocities" gradients.Length velocities.Length))
        let lr = 'T.CreateTruncating learningRate
        let m = 'T.CreateTruncating momentum
        List.zip3 parameters gradients velocities
        |> List.map (fun (p, g, v) ->
            Shape.checkSame "Momentum.step" "parameter" p.Dims "gradient" g.Dims
            Shape.checkSame "Momentum.step" "parameter" p.Dims "velocity" v.Dims
            // The book's rounding order: v·momentum, then + lr·grad; then param − v.
            let v' = Tensor.add (Tensor.scale m v) (Tensor.scale lr g)
            Tensor.sub p v', v')
        |> List.unzip
