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

/// Fails unless `error` is finite and at most `tolerance`. Every tolerance check of the suite
/// goes through this one comparison: Expecto's `isLessThan` fails only when a >= b, which is
/// false for NaN, so a NaN error would pass it.
let within (tolerance: float) (error: float) (message: string) =
    if not (Double.IsFinite error && error <= tolerance) then
        failtestf "%s: error %g, expected a finite error of at most %g" message error tolerance

/// The relative error |a − b| / max(1, |b|) of a value a against a reference b (NaN when
/// either is NaN; infinite or NaN when either is infinite).
let relativeError (a: float) (b: float) = abs (a - b) / max 1.0 (abs b)

/// Fails at the first element of `actual` whose relative error against `expected` is not
/// finite and within `tolerance` (and when the lengths differ).
let allClose (tolerance: float) (actual: float[]) (expected: float[]) (message: string) =
    Expect.equal actual.Length expected.Length (sprintf "%s: as many elements as the reference" message)
    Array.iteri2 (fun i a b -> within tolerance (relativeError a b) (sprintf "%s, element %d: %g against %g" message i a b)) actual expected

/// Fails unless the largest absolute difference between two tensors of the same shape is
/// finite and at most `tolerance` (`Tensor.maxAbsDiff` propagates NaN).
let tensorsClose<'T when 'T :> Numerics.IFloatingPointIeee754<'T>> (tolerance: float) (actual: Tensor<'T>) (expected: Tensor<'T>) (message: string) =
    within tolerance (Num.toFloat (Tensor.maxAbsDiff actual expected)) message

/// Fails unless a gradient check's largest relative error is finite and within `tolerance`.
let gradientClose (tolerance: float) (result: GradCheckResult) (message: string) =
    within tolerance result.MaxRelError
        (sprintf "%s: largest relative error (analytic %A, numeric %A)" message (Array.truncate 4 result.Analytic) (Array.truncate 4 result.Numeric))

/// a < b; fails when either is NaN (Expecto's `isLessThan` lets a NaN through).
let inline isBelow (a: 'a) (b: 'a) (message: string) =
    if not (a < b) then failtestf "%s: expected %A to be below %A" message a b

/// a > b; fails when either is NaN (Expecto's `isGreaterThan` lets a NaN through).
let inline isAbove (a: 'a) (b: 'a) (message: string) =
    if not (a > b) then failtestf "%s: expected %A to be above %A" message a b

/// a <= b; fails when either is NaN.
let inline isAtMost (a: 'a) (b: 'a) (message: string) =
    if not (a <= b) then failtestf "%s: expected %A to be at most %A" message a b

/// a >= b; fails when either is NaN.
let inline isAtLeast (a: 'a) (b: 'a) (message: string) =
    if not (a >= b) then failtestf "%s: expected %A to be at least %A" message a b

/// The synchronous test codes of a test tree with their full names (for tests about tests).
let rec testCodes (t: Test) : (string * (unit -> unit)) list =
    match t with
    | TestLabel (name, inner, _) -> testCodes inner |> List.map (fun (n, f) -> (if n = "" then name else name + "/" + n), f)
    | TestList (tests, _) -> tests |> List.collect testCodes
    | TestCase (Sync f, _) -> [ "", f ]
    | TestCase (_, _) -> failwith "Check.testCodes: only synchronous test cases can be run here"
    | Test.Sequenced (_, inner) -> testCodes inner

/// Runs the test codes of a tree and returns the names of those that failed (raised).
let failingTests (t: Test) : string list =
    [ for name, f in testCodes t do
        let failed =
            try
                f ()
                false
            with _ -> true
        if failed then yield name ]

/// The element of the output or gradient that a poisoned case replaces: the middle one, so
/// that a check reading only the first or last element would miss it.
let private poisoned (value: 'T) (t: Tensor<'T>) : Tensor<'T> =
    let data = t.ToArray()
    if data.Length > 0 then data.[data.Length / 2] <- value
    Tensor.create t.Shape data

/// The checks of one operation without the self-test below.
let private opChecks (p: Precision) (c: OpCase<'T>) =
    [ testCase (sprintf "%s keeps the output shape of its reference and dx has the input's shape" c.Name) <| fun () ->
        let y = c.Forward c.Input
        let dx = c.Backward c.Input (Tensor.fill y.Shape (Num.one<'T>))
        Expect.equal dx.Shape c.Input.Shape "dx has the shape of the input"
        Expect.equal y.Length (c.Reference (floats c.Input)).Length "the output has the reference's element count"

      testCase (sprintf "%s.forward matches a naive reference" c.Name) <| fun () ->
        allClose p.ForwardTolerance (floats (c.Forward c.Input)) (c.Reference (floats c.Input)) "forward against the reference"

      testCase (sprintf "%s.backward matches central finite differences" c.Name) <| fun () ->
        let y = c.Forward c.Input
        let r = randomTensor<'T> 7L y.Shape
        gradientClose p.GradTolerance (GradCheck.checkOperation p.Delta c.Forward c.Backward c.Input r) "backward"

      testCase (sprintf "%s rejects a mis-shaped argument with a typed error naming it" c.Name) <| fun () ->
        throwsShape c.OpName c.BadShape ]

/// The four checks of one operation in one precision, and a fifth that proves the checks can
/// fail: the same case with one element of its forward output, then of its backward result,
/// replaced by NaN and by infinity must fail the forward check, then the gradient check.
let op<'T when 'T :> Numerics.IFloatingPointIeee754<'T>> (p: Precision) (c: OpCase<'T>) =
    testList (sprintf "%s in %s" c.Name p.Name) [
        yield! opChecks p c
        yield testCase (sprintf "%s fails its checks when its forward or backward returns NaN or infinity" c.Name) <| fun () ->
            for bad in [ 'T.NaN; 'T.PositiveInfinity ] do
                let forwardPoisoned = { c with Forward = c.Forward >> poisoned bad }
                let backwardPoisoned = { c with Backward = fun x dy -> c.Backward x dy |> poisoned bad }
                let failed (case: OpCase<'T>) = failingTests (testList "poisoned" (opChecks p case))
                let fw = failed forwardPoisoned
                Expect.isTrue (fw |> List.exists (fun n -> n.Contains ".forward matches")) (sprintf "a forward returning %O fails the forward check (failed: %A)" bad fw)
                let bw = failed backwardPoisoned
                Expect.isTrue (bw |> List.exists (fun n -> n.Contains ".backward matches")) (sprintf "a backward returning %O fails the gradient check (failed: %A)" bad bw)
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

/// Explicit generators for properties that state an input range. FsCheck sizes its integer and
/// float generators (below about 100 with Expecto's default end size), so a property written
/// over a plain `uint32` or `float` and mapped onto a range tries only a corner of it; these
/// draw from the whole range whatever the size, and `Gens.coverage` checks that they do.
module Gens =
    open FsCheck
    open FsCheck.FSharp

    let private unsized<'a when 'a: struct and 'a: comparison and 'a: (new: unit -> 'a) and 'a :> ValueType> : Gen<'a> =
        ArbMap.defaults |> ArbMap.generate<DoNotSize<'a>> |> Gen.map (fun (DoNotSize v) -> v)

    /// Uniform 64-bit patterns, whatever the size.
    let bits64 : Gen<uint64> = unsized<uint64>

    /// A double uniform in [0, 1) from the top 53 bits of a 64-bit pattern.
    let unit : Gen<float> = bits64 |> Gen.map (fun b -> float (b >>> 11) * (1.0 / 9007199254740992.0))

    /// A double uniform in [lo, hi].
    let uniform (lo: float) (hi: float) : Gen<float> = unit |> Gen.map (fun u -> lo + (hi - lo) * u)

    /// A double whose base-10 logarithm is uniform in [log10 lo, log10 hi] (lo > 0).
    let logUniform (lo: float) (hi: float) : Gen<float> =
        uniform (Math.Log10 lo) (Math.Log10 hi) |> Gen.map (fun e -> Math.Pow(10.0, e))

    /// Any double, by a uniform 64-bit pattern: every sign, exponent and mantissa, infinities
    /// and NaNs included.
    let anyDouble : Gen<float> = bits64 |> Gen.map BitConverter.UInt64BitsToDouble

    /// A positive subnormal double: exponent field 0, mantissa uniform in 1 .. 2⁵² − 1.
    let subnormal : Gen<float> =
        bits64 |> Gen.map (fun b -> BitConverter.UInt64BitsToDouble(max 1UL (b &&& 0x000FFFFFFFFFFFFFUL)))

    /// A positive normal finite double: exponent field uniform in 1 .. 2046, mantissa uniform.
    let positiveNormal : Gen<float> =
        Gen.map2 (fun (e: int) (m: uint64) -> BitConverter.UInt64BitsToDouble((uint64 e <<< 52) ||| (m &&& 0x000FFFFFFFFFFFFFUL)))
            (Gen.choose (1, 2046)) bits64

    /// Any positive finite double, half of them subnormal (uniform bit patterns would give a
    /// subnormal one time in 2,048).
    let positiveDouble : Gen<float> = Gen.oneof [ subnormal; positiveNormal ]

    /// A property over the values of a generator.
    let forAll (gen: Gen<'a>) (body: 'a -> bool) = Prop.forAll (Arb.fromGen gen) body

    /// `count` values of a generator at Expecto's largest default size.
    let sample (count: int) (gen: Gen<'a>) : 'a[] = Gen.sampleWithSize 100 count gen

    /// Fails unless `count` samples of `value ∘ gen` fall into every one of `bins` equal bins
    /// of [lo, hi] and none outside it: the generator covers the range a property names.
    let coverage (count: int) (bins: int) (lo: float) (hi: float) (gen: Gen<float>) (message: string) =
        let xs = sample count gen
        let outside = xs |> Array.filter (fun x -> not (x >= lo && x <= hi))
        if outside.Length > 0 then failtestf "%s: %d of %d samples outside [%g, %g], e.g. %g" message outside.Length count lo hi outside.[0]
        let hits = Array.zeroCreate<int> bins
        for x in xs do
            let k = min (bins - 1) (int (float bins * (x - lo) / (hi - lo)))
            hits.[k] <- hits.[k] + 1
        let empty = hits |> Array.indexed |> Array.filter (fun (_, h) -> h = 0) |> Array.map fst
        if empty.Length > 0 then failtestf "%s: no sample in bins %A of %d over [%g, %g]" message empty bins lo hi
