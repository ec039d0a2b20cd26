module DeepFunctional.Book.Tests.NumPyPowTests

open System
open System.Globalization
open System.IO
open Expecto
open DeepFunctional
open DeepFunctional.Book
open DeepFunctional.Tests

/// The vectors NumPy 1.24.2 produced: (x bits, y bits, np.power bits) per row; `#` lines are
/// comments, the first other line names the columns.
let private vectors =
    lazy
        (File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Data", "numpy-pow.tsv"))
         |> Array.filter (fun line -> line.Length > 0 && not (line.StartsWith "#") && not (line.StartsWith "x\t"))
         |> Array.map (fun line ->
             let hex (s: string) = Int64.Parse(s, NumberStyles.HexNumber, CultureInfo.InvariantCulture)
             match line.Split '\t' with
             | [| x; y; z |] -> hex x, hex y, hex z
             | _ -> failwithf "numpy-pow.tsv: not three hex columns: %s" line))

/// Rows where f does not give NumPy's bits, as messages.
let private differences (f: float -> float -> float) =
    vectors.Value
    |> Array.choose (fun (x, y, expected) ->
        let actual = f (Check.ofBits x) (Check.ofBits y)
        if Check.bits actual = expected then None
        else Some(sprintf "%s ^ %s is %s, NumPy gives %s" (Check.showBits (Check.ofBits x)) (Check.showBits (Check.ofBits y)) (Check.showBits actual) (Check.showBits (Check.ofBits expected))))

/// The largest distance in ulps the measurements found between NumPy's power and `Math.Pow` for
/// results that are not NaN: 1, over 16.9 million pairs (13.9 million with x positive and
/// finite, the rest negative x with integer y, special values and random bit patterns).
[<Literal>]
let private UlpBound = 1L

/// Property check: pow agrees with Math.Pow on NaN-ness and is otherwise within UlpBound.
let private closeToMathPow (x: float) (y: float) =
    let p = NumPyPow.pow x y
    let m = Math.Pow(x, y)
    if Double.IsNaN m || Double.IsNaN p then Double.IsNaN m && Double.IsNaN p
    else Check.ulps p m <= UlpBound

/// x in [1e-6, 1e6], log-uniform (the decay factors and MSE's squares live there).
let private powX = Check.Gens.logUniform 1e-6 1e6
/// y in [-10, 10], uniform.
let private powY = Check.Gens.uniform -10.0 10.0

[<Tests>]
let tests =
    testList "NumPyPow" [
        testCase "NumPyPow.pow returns NumPy's bits for every row of the vector file" <| fun () ->
            Check.isAbove vectors.Value.Length 3000 "the vector file has its rows"
            match differences NumPyPow.pow with
            | [||] -> ()
            | bad -> failtestf "%d rows differ, first: %s" bad.Length bad.[0]

        testCase "Math.Pow differs from NumPy on many rows of the vector file, so the file tells the two apart" <| fun () ->
            let bad = differences (fun x y -> Math.Pow(x, y))
            Check.isAbove bad.Length 1500 "rows where the C library's pow is not NumPy's"

        testCase "NumPyPow.pow 0.25 (1/19) is NumPy's 0.9296353550084062, one ulp below Math.Pow" <| fun () ->
            Expect.equal (NumPyPow.pow 0.25 (1.0 / 19.0)) 0.9296353550084062 "np.power(0.25, 1.0/19)"
            Expect.equal (Math.Pow(0.25, 1.0 / 19.0)) 0.9296353550084063 "the C library rounds the other way"

        testCase "NumPyPow.pow gives the book's decay factors for learning rates a/b and 1/(n-1) epochs from the vector file" <| fun () ->
            // The first rows of the file are the book's form (a/b)^(1/(n-1)) for a, b in 0.001..1.
            let decayRows =
                vectors.Value
                |> Array.filter (fun (x, y, _) ->
                    let n = 1.0 / Check.ofBits y + 1.0
                    Check.ofBits x > 0.0 && Check.ofBits x <= 1000.0 && Math.Abs(n - Math.Round n) < 1e-6 && n >= 2.0 && n <= 1001.0)
            Check.isAbove decayRows.Length 900 "decay rows"
            for x, y, expected in decayRows do
                Expect.equal (Check.bits (NumPyPow.pow (Check.ofBits x) (Check.ofBits y))) expected (sprintf "%s ^ %s" (Check.showBits (Check.ofBits x)) (Check.showBits (Check.ofBits y)))

        testCase "NumPyPow.pow follows C99's special cases as NumPy does" <| fun () ->
            let nan = Double.NaN
            let inf = Double.PositiveInfinity
            let same (actual: float) (expected: float) (what: string) = Expect.equal (Check.bits actual) (Check.bits expected) what
            same (NumPyPow.pow nan 0.0) 1.0 "NaN^0 = 1"
            same (NumPyPow.pow 1.0 nan) 1.0 "1^NaN = 1"
            same (NumPyPow.pow -1.0 inf) 1.0 "(-1)^inf = 1"
            same (NumPyPow.pow -1.0 -inf) 1.0 "(-1)^-inf = 1"
            same (NumPyPow.pow 0.0 -1.0) inf "0^-1 = inf"
            same (NumPyPow.pow -0.0 -3.0) -inf "(-0)^-3 = -inf"
            same (NumPyPow.pow -0.0 -2.0) inf "(-0)^-2 = inf"
            same (NumPyPow.pow -0.0 3.0) -0.0 "(-0)^3 = -0"
            same (NumPyPow.pow -0.0 0.5) 0.0 "(-0)^0.5 = +0"
            same (NumPyPow.pow inf -1.0) 0.0 "inf^-1 = 0"
            same (NumPyPow.pow -inf 3.0) -inf "(-inf)^3 = -inf"
            same (NumPyPow.pow -inf -3.0) -0.0 "(-inf)^-3 = -0"
            same (NumPyPow.pow 0.5 inf) 0.0 "0.5^inf = 0"
            same (NumPyPow.pow 0.5 -inf) inf "0.5^-inf = inf"
            same (NumPyPow.pow 2.0 inf) inf "2^inf = inf"
            same (NumPyPow.pow -2.0 3.0) -8.0 "(-2)^3 = -8"
            same (NumPyPow.pow -2.0 4503599627370497.0) -inf "an odd integer y of 2^52 and more still keeps the sign"
            same (NumPyPow.pow 2.0 1024.0) inf "overflow"
            same (NumPyPow.pow 2.0 -1074.0) Double.Epsilon "the smallest subnormal"
            same (NumPyPow.pow 2.0 -1076.0) 0.0 "underflow"
            Expect.equal (Check.bits (NumPyPow.pow -2.0 0.5)) (int64 0xFFF8000000000000UL) "a negative x to a non-integer power is the default NaN, sign bit set"

        testCase "NumPyPow.pow returns a NaN argument quieted, with its sign and payload, x's when both are NaN" <| fun () ->
            let signalling = Check.ofBits 0x7FF0000000000123L
            let negative = Check.ofBits (int64 0xFFF8000000000456UL)
            Expect.equal (Check.bits (NumPyPow.pow signalling 2.0)) 0x7FF8000000000123L "x's payload, made quiet"
            Expect.equal (Check.bits (NumPyPow.pow 2.0 negative)) (Check.bits negative) "y's payload and sign"
            Expect.equal (Check.bits (NumPyPow.pow negative signalling)) (Check.bits negative) "x's when both are NaN"

        testProperty "NumPyPow.pow stays within 1 ulp of Math.Pow for positive finite x and finite y" <|
            Check.Gens.forAll (FsCheck.FSharp.Gen.zip Check.Gens.positiveDouble Check.Gens.anyDouble) (fun (x, y) ->
                not (Double.IsFinite y) || closeToMathPow x y)

        testProperty "NumPyPow.pow stays within 1 ulp of Math.Pow for x in [1e-6, 1e6] and y in [-10, 10]" <|
            Check.Gens.forAll (FsCheck.FSharp.Gen.zip powX powY) (fun (x, y) -> closeToMathPow x y)

        testCase "the x and y generators cover [1e-6, 1e6] (every decade) and [-10, 10] (every unit)" <| fun () ->
            Check.Gens.coverage 2000 12 -6.0 6.0 (powX |> FsCheck.FSharp.Gen.map Math.Log10) "log10 x"
            Check.Gens.coverage 2000 20 -10.0 10.0 powY "y"

        testProperty "NumPyPow.pow is NaN exactly where Math.Pow is and otherwise within 1 ulp of it, for any doubles" <|
            Check.Gens.forAll (FsCheck.FSharp.Gen.zip Check.Gens.anyDouble Check.Gens.anyDouble) (fun (x, y) -> closeToMathPow x y)

        testProperty "NumPyPow.pow of a negative x and an integer y is within 1 ulp of Math.Pow" <|
            Check.Gens.forAll (FsCheck.FSharp.Gen.zip Check.Gens.positiveDouble (FsCheck.FSharp.Gen.choose (-1000, 1000))) (fun (a, n) ->
                closeToMathPow -a (float n))

        testCase "NumPyPow.pow is within 1 ulp of Math.Pow on every row of the vector file" <| fun () ->
            for x, y, _ in vectors.Value do
                Expect.isTrue (closeToMathPow (Check.ofBits x) (Check.ofBits y)) (sprintf "%s ^ %s" (Check.showBits (Check.ofBits x)) (Check.showBits (Check.ofBits y)))
    ]
