/// The shared checker every operation's test goes through: shape, forward against a naive
/// double-precision reference, backward against central finite differences, and the
/// shape-error path. Each op's test is then one line per precision.
module DeepFunctional.Tests.Check

open System
open Expecto
open DeepFunctional

/// Tolerances of one precision.
type Precision =
    { Name: string
      /// Finite-difference step.
      Delta: float
      /// Largest accepted relative gradient error.
      GradTolerance: float
      /// Largest accepted relative forward error against the double reference.
      ForwardTolerance: float }

/// Double precision: delta 1e-6, gradients to 1e-6, forward to 1e-12.
let double = { Name = "double precision"; Delta = 1e-6; GradTolerance = 1e-6; ForwardTolerance = 1e-12 }
/// Single precision: delta 1e-2, gradients to 2e-2, forward to 1e-5.
let single = { Name = "single precision"; Delta = 1e-2; GradTolerance = 2e-2; ForwardTolerance = 1e-5 }

/// A tensor of standard normal values from a seeded generator, in any precision.
let randomTensor<'T when 'T :> Numerics.IFloatingPointIeee754<'T>> (seed: int64) (shape: int[]) : Tensor<'T> =
    let values, _ = Rng.standardNormals (Array.fold (*) 1 shape) (Rng.seed seed)
    Tensor.ofFloats shape values

/// Values of a tensor as doubles.
let floats (t: Tensor<'T>) = t.ToArray() |> Array.map Num.toFloat

/// Runs f and returns the exception of type 'E it raises; fails the test otherwise.
let caught<'E when 'E :> exn> (f: unit -> unit) : 'E =
    let outcome =
        try
            f ()
            None
        with
        | :? 'E as e -> Some e
    match outcome with
    | Some e -> e
    | None -> failtestf "expected %s, but nothing was raised" typeof<'E>.Name

/// Asserts that f raises ShapeMismatchException whose message and Operation name `opName`.
let throwsShape (opName: string) (f: unit -> unit) =
    let e = Expect.throwsC f id
    match e with
    | :? ShapeMismatchException as e ->
        Expect.stringContains e.Message opName "the message names the operation"
        Expect.equal e.Operation opName "the exception carries the operation"
    | other -> failtestf "expected ShapeMismatchException from %s, got %s: %s" opName (other.GetType().Name) other.Message

/// Asserts that f raises InvalidValueException whose Operation is `opName`.
let throwsValue (opName: string) (f: unit -> unit) =
    let e = Expect.throwsC f id
    match e with
    | :? InvalidValueException as e -> Expect.equal e.Operation opName "the exception carries the operation"
    | other -> failtestf "expected InvalidValueException from %s, got %s: %s" opName (other.GetType().Name) other.Message

/// An operation with respect to one of its inputs (the others held fixed).
type OpCase<'T> =
    { /// The operation and the input, e.g. "WeightMultiply (input)".
      Name: string
      /// The input the gradient is taken for.
      Input: Tensor<'T>
      /// The operation as a function of that input.
      Forward: Tensor<'T> -> Tensor<'T>
      /// The input gradient from the input and dy.
      Backward: Tensor<'T> -> Tensor<'T> -> Tensor<'T>
      /// A naive double-precision reference of the forward pass: input values -> output values.
      Reference: float[] -> float[]
      /// A call with a mis-shaped argument; it must raise ShapeMismatchException naming the operation.
      BadShape: unit -> unit
      /// The operation's name as it must appear in the error message.
      OpName: string }

/// The four checks of one operation in one precision.
let op (p: Precision) (c: OpCase<'T>) =
    testList (sprintf "%s in %s" c.Name p.Name) [
        testCase (sprintf "%s keeps the output shape of its reference and dx has the input's shape" c.Name) <| fun () ->
            let y = c.Forward c.Input
            let dx = c.Backward c.Input (Tensor.fill y.Shape (Num.one<'T>))
            Expect.equal dx.Shape c.Input.Shape "dx has the shape of the input"
            Expect.equal y.Length (c.Reference (floats c.Input)).Length "the output has the reference's element count"

        testCase (sprintf "%s.forward matches a naive reference" c.Name) <| fun () ->
            let y = floats (c.Forward c.Input)
            let r = c.Reference (floats c.Input)
            Array.iteri2 (fun i a b ->
                let err = abs (a - b) / max 1.0 (abs b)
                if err > p.ForwardTolerance then failtestf "element %d: %g against the reference %g (relative error %g)" i a b err) y r

        testCase (sprintf "%s.backward matches central finite differences" c.Name) <| fun () ->
            let y = c.Forward c.Input
            let r = randomTensor<'T> 7L y.Shape
            let result = GradCheck.checkOperation p.Delta c.Forward c.Backward c.Input r
            Expect.isLessThan result.MaxRelError p.GradTolerance
                (sprintf "largest relative error (analytic %A, numeric %A)" (Array.truncate 4 result.Analytic) (Array.truncate 4 result.Numeric))

        testCase (sprintf "%s rejects a mis-shaped argument with a typed error naming it" c.Name) <| fun () ->
            throwsShape c.OpName c.BadShape
    ]

/// A double's 64-bit pattern (for bit-for-bit comparisons with NumPy).
let bits (x: float) = BitConverter.DoubleToInt64Bits x

/// The double with that 64-bit pattern.
let ofBits (b: int64) = BitConverter.Int64BitsToDouble b

/// A double and its bit pattern, for failure messages.
let showBits (x: float) =
    sprintf "%s (0x%016x)" (x.ToString("R", Globalization.CultureInfo.InvariantCulture)) (bits x)

/// Distance in units in the last place: how many doubles lie between a and b (±0 count as one).
let ulps (a: float) (b: float) =
    let ordered (x: float) =
        let i = bits x
        if i < 0L then Int64.MinValue - i else i
    abs (ordered a - ordered b)
