module DeepFunctional.Book.Tests.NumPyMathTests

open System
open System.Globalization
open System.IO
open Expecto
open DeepFunctional
open DeepFunctional.Book
open DeepFunctional.Tests

// ---------------------------------------------------------------------------
// The vectors file: numpy.exp / numpy.log of float64 arrays, as bit patterns
// ---------------------------------------------------------------------------

/// One row of `Data/numpy-explog.tsv`: an input, NumPy's result and the function, as bits.
type private Vector = { Input: float; Expected: float; Function: string }

let private vectorsPath = Path.Combine(AppContext.BaseDirectory, "Data", "numpy-explog.tsv")

let private ofHex (s: string) =
    BitConverter.UInt64BitsToDouble(UInt64.Parse(s, NumberStyles.HexNumber, CultureInfo.InvariantCulture))

let private vectors =
    lazy
        (File.ReadLines vectorsPath
         |> Seq.filter (fun line -> line <> "" && not (line.StartsWith "#") && not (line.StartsWith "input"))
         |> Seq.map (fun line ->
             match line.Split '\t' with
             | [| input; output; name |] -> { Input = ofHex input; Expected = ofHex output; Function = name }
             | _ -> failwithf "%s: malformed row %s" vectorsPath line)
         |> Seq.toArray)

let private vectorsOf (name: string) = vectors.Force() |> Array.filter (fun v -> v.Function = name)

/// The same double, bit for bit; any NaN matches any NaN (NumPy's sign and payload of a NaN are
/// not part of the contract).
let private same (actual: float) (expected: float) =
    if Double.IsNaN expected then Double.IsNaN actual else Check.bits actual = Check.bits expected

/// Fails naming the first rows (up to five) where f disagrees with NumPy.
let private expectNumPy (name: string) (f: float -> float) (rows: Vector[]) =
    let wrong = rows |> Array.filter (fun v -> not (same (f v.Input) v.Expected))
    if wrong.Length > 0 then
        let lines =
            wrong
            |> Array.truncate 5
            |> Array.map (fun v -> sprintf "  %s(%s) = %s, NumPy gives %s" name (Check.showBits v.Input) (Check.showBits (f v.Input)) (Check.showBits v.Expected))
        failtestf "%d of %d rows differ from NumPy:\n%s" wrong.Length rows.Length (String.Join("\n", lines))

/// Within `limit` ulps of the C library's result (NaN for NaN, the same infinity for infinity).
let private near (limit: int64) (actual: float) (reference: float) =
    if Double.IsNaN reference then Double.IsNaN actual
    elif Double.IsInfinity reference then actual = reference
    else Double.IsFinite actual && Check.ulps actual reference <= limit

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

let private vectorTests =
    testList "NumPy's results" [
        testCase "NumPyExpLog.exp gives NumPy 1.24's exp bit for bit on every vector" <| fun () ->
            expectNumPy "exp" NumPyExpLog.exp (vectorsOf "exp")

        testCase "NumPyExpLog.log gives NumPy 1.24's log bit for bit on every vector" <| fun () ->
            expectNumPy "log" NumPyExpLog.log (vectorsOf "log")

        testCase "The vectors are ones where the C library's exp and log would fail the test" <| fun () ->
            let differ name (f: float -> float) =
                vectorsOf name |> Array.filter (fun v -> not (same (f v.Input) v.Expected)) |> Array.length
            Check.isAbove (differ "exp" Math.Exp) 1000 "rows where Math.Exp is not NumPy's exp"
            Check.isAbove (differ "log" Math.Log) 1000 "rows where Math.Log is not NumPy's log"

        testCase "The special values come out as NumPy gives them" <| fun () ->
            let inf, ninf = Double.PositiveInfinity, Double.NegativeInfinity
            for x, expected in [ 0.0, 1.0; -0.0, 1.0; inf, inf; ninf, 0.0; 709.782712893384, 1.7976931348622732e308
                                 709.7827128933841, inf; -745.1332191019411, 5e-324; -745.1332191019412, 0.0; -800.0, 0.0 ] do
                Expect.equal (Check.bits (NumPyExpLog.exp x)) (Check.bits expected) (sprintf "exp %s" (Check.showBits x))
            for x, expected in [ 0.0, ninf; -0.0, ninf; 1.0, 0.0; inf, inf; 5e-324, -744.4400719213812 ] do
                Expect.equal (Check.bits (NumPyExpLog.log x)) (Check.bits expected) (sprintf "log %s" (Check.showBits x))
            for x in [ -1.0; -5e-324; ninf; nan ] do
                Expect.isTrue (Double.IsNaN(NumPyExpLog.log x)) (sprintf "log %s is NaN" (Check.showBits x))
            Expect.isTrue (Double.IsNaN(NumPyExpLog.exp nan)) "exp NaN is NaN"
    ]

/// The scalar function of a vector's name.
let private scalar (name: string) : float -> float = if name = "exp" then NumPyExpLog.exp else NumPyExpLog.log

/// The span function of a vector's name (spans cannot be arguments of a function value).
let private into (name: string) (x: ReadOnlySpan<float>) (y: Span<float>) =
    if name = "exp" then NumPyExpLog.expInto x y else NumPyExpLog.logInto x y

/// Every length from 0 to 33 and a long array, at a moving offset into the inputs.
let private spanCases (inputs: float[]) =
    [ for length in [ 0 .. 33 ] @ [ inputs.Length / 2 ] -> (length * 7) % (inputs.Length - length + 1), length ]

let private spanTests =
    testList "spans" [
        testCase "NumPyExpLog.expInto and logInto equal the scalar functions at every length and offset, tails included" <| fun () ->
            for name in [ "exp"; "log" ] do
                let f = scalar name
                let inputs = vectorsOf name |> Array.map (fun v -> v.Input)
                for start, length in spanCases inputs do
                    let x = ReadOnlySpan<float>(inputs, start, length)
                    let y = Array.create length 12345.0
                    into name x (Span<float> y)
                    for i in 0 .. length - 1 do
                        if not (same y.[i] (f inputs.[start + i])) then
                            failtestf "%sInto: element %d of %d at offset %d is %s, the scalar function gives %s"
                                name i length start (Check.showBits y.[i]) (Check.showBits (f inputs.[start + i]))

        testCase "NumPyExpLog.expInto and logInto work in place" <| fun () ->
            for name in [ "exp"; "log" ] do
                let inputs = vectorsOf name |> Array.map (fun v -> v.Input)
                let buffer = Array.copy inputs
                into name (ReadOnlySpan<float> buffer) (Span<float> buffer)
                Expect.isTrue (Array.forall2 same buffer (Array.map (scalar name) inputs)) (sprintf "%sInto in place" name)

        testCase "NumPyExpLog.expInto and logInto refuse an output of another length" <| fun () ->
            Check.throwsShape "NumPyExpLog.expInto" (fun () -> NumPyExpLog.expInto (ReadOnlySpan<float>(Array.zeroCreate 3)) (Span<float>(Array.zeroCreate 2)))
            Check.throwsShape "NumPyExpLog.logInto" (fun () -> NumPyExpLog.logInto (ReadOnlySpan<float>(Array.zeroCreate 3)) (Span<float>(Array.zeroCreate 4)))
    ]

/// SVML's kernels are not correctly rounded: about a fifth of their results are 1 ulp from the
/// C library's and a few in ten thousand (exp: a few in a million) 2 ulps; none more in 20
/// million inputs measured against NumPy.
let private propertyTests =
    let expRange = Check.Gens.uniform -750.0 710.0
    testList "properties" [
        testProperty "NumPyExpLog.exp stays within 2 ulps of Math.Exp over [-750, 710]" <|
            Check.Gens.forAll expRange (fun x -> near 2L (NumPyExpLog.exp x) (Math.Exp x))

        testCase "the [-750, 710] generator covers its range (every twentieth of it)" <| fun () ->
            Check.Gens.coverage 2000 20 -750.0 710.0 expRange "exp's inputs"

        testProperty "NumPyExpLog.exp stays within 2 ulps of Math.Exp on any double, specials included" <|
            Check.Gens.forAll Check.Gens.anyDouble (fun x -> near 2L (NumPyExpLog.exp x) (Math.Exp x))

        testProperty "NumPyExpLog.log stays within 2 ulps of Math.Log on any positive double, subnormals included" <|
            Check.Gens.forAll Check.Gens.positiveDouble (fun x -> near 2L (NumPyExpLog.log x) (Math.Log x))

        testCase "the positive-double generator gives subnormals and normals of every binary order of magnitude" <| fun () ->
            let xs = Check.Gens.sample 4000 Check.Gens.positiveDouble
            Expect.isTrue (xs |> Array.forall (fun x -> x > 0.0 && Double.IsFinite x)) "only positive finite doubles"
            Expect.isTrue (xs |> Array.exists Double.IsSubnormal) "subnormals"
            // log2 of a positive finite double lies in [-1075, 1024]: every 100-wide bin is hit.
            Check.Gens.coverage 4000 21 -1075.0 1024.0 (Check.Gens.positiveDouble |> FsCheck.FSharp.Gen.map Math.Log2) "log2 of the inputs"

        testProperty "NumPyExpLog.log stays within 2 ulps of Math.Log on any double, specials included" <|
            Check.Gens.forAll Check.Gens.anyDouble (fun x -> near 2L (NumPyExpLog.log x) (Math.Log x))

        testCase "the any-double generator gives both signs, tiny and huge magnitudes" <| fun () ->
            let xs = Check.Gens.sample 4000 Check.Gens.anyDouble |> Array.filter Double.IsFinite
            Expect.isTrue (xs |> Array.exists (fun x -> x < 0.0)) "negative values"
            Check.Gens.coverage xs.Length 21 -1075.0 1024.0 (FsCheck.FSharp.Gen.elements xs |> FsCheck.FSharp.Gen.map (fun x -> Math.Log2(abs x + 1e-320))) "log2 |x|"
    ]

/// NumPy's float64 exp and log (SVML on AVX-512) reproduced bit for bit for the book mode.
[<Tests>]
let tests = testList "NumPy exp and log" [ vectorTests; spanTests; propertyTests ]
