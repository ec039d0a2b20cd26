namespace DeepFunctional

open System.Numerics

open System

/// The outcome of comparing an analytic gradient with central finite differences.
type GradCheckResult =
    { /// The gradient the backward pass returned, as doubles.
      Analytic: float[]
      /// The central-difference estimate, as doubles.
      Numeric: float[]
      /// The largest |analytic − numeric|; NaN when any element's error is NaN (a NaN or an
      /// infinity on either side), so that no check reading it can pass.
      MaxAbsError: float
      /// The largest |analytic − numeric| / max(1, |analytic|, |numeric|); NaN like `MaxAbsError`.
      MaxRelError: float }

/// Gradient checking (the book's chapter 1): derivatives by central finite differences,
/// to test any backward pass, the library's or your own.
[<RequireQualifiedAccess>]
module GradCheck =

    /// The derivative of a scalar function at x by the central difference (f(x+δ) − f(x−δ)) / 2δ.
    let derivative (delta: float) (f: float -> float) (x: float) = (f (x + delta) - f (x - delta)) / (2.0 * delta)

    /// The gradient of a scalar function of a tensor by central differences, one element at a
    /// time, perturbing in the tensor's own precision.
    /// <exception cref="InvalidValueException">when delta is not finite and positive.</exception>
    let numericGradient<'T when 'T :> IFloatingPointIeee754<'T>> (delta: float) (f: Tensor<'T> -> float) (x: Tensor<'T>) : float[] =
        if not (Double.IsFinite delta) || delta <= 0.0 then
            raise (InvalidValueException("GradCheck.numericGradient", "a finite, positive delta", string delta))
        let data = x.ToArray()
        Array.init data.Length (fun i ->
            let v = data.[i]
            let up = v + Num.ofFloat delta
            let down = v - Num.ofFloat delta
            let at (value: 'T) =
                let copy = Array.copy data
                copy.[i] <- value
                f (Tensor.wrap x.Dims copy)
            // Divide by the step actually taken, which rounding may have changed.
            (at up - at down) / Num.toFloat (up - down))

    /// The largest element, or NaN when any element is NaN (`Array.max` skips a NaN that is not
    /// first), or 0 for none.
    let private largest (errors: float[]) =
        if errors.Length = 0 then 0.0
        elif Array.exists Double.IsNaN errors then Double.NaN
        else Array.max errors

    /// Compares an analytic gradient with central differences of the scalar function f.
    let compare (delta: float) (f: Tensor<'T> -> float) (x: Tensor<'T>) (analytic: Tensor<'T>) : GradCheckResult =
        Shape.checkSame "GradCheck.compare" "x" x.Dims "analytic gradient" analytic.Dims
        let numeric = numericGradient delta f x
        let a = analytic.ToArray() |> Array.map Num.toFloat
        let absErr = Array.map2 (fun a n -> abs (a - n)) a numeric
        let relErr = Array.map3 (fun e a n -> e / max 1.0 (max (abs a) (abs n))) absErr a numeric
        { Analytic = a
          Numeric = numeric
          MaxAbsError = largest absErr
          MaxRelError = largest relErr }

    /// Checks the backward pass of an operation y = forward x. The scalar L = Σ y ⊙ r for a fixed
    /// tensor r (of y's shape) has gradient backward(x, r) with respect to x; this compares it
    /// with central differences of L.
    let checkOperation (delta: float) (forward: Tensor<'T> -> Tensor<'T>) (backward: Tensor<'T> -> Tensor<'T> -> Tensor<'T>)
                       (x: Tensor<'T>) (r: Tensor<'T>) : GradCheckResult =
        let loss (x: Tensor<'T>) =
            let y = forward x
            Shape.checkSame "GradCheck.checkOperation" "output" y.Dims "r" r.Dims
            Array.fold2 (fun acc (a: 'T) (b: 'T) -> acc + Num.toFloat a * Num.toFloat b) 0.0 y.Data r.Data
        compare delta loss x (backward x r)
