module DeepFunctional.Book.Tests.NumPyTanhTests

open System
open System.Globalization
open System.IO
open Expecto
open DeepFunctional
open DeepFunctional.Book
open DeepFunctional.Tests

/// The vectors NumPy 1.24.2 produced: (input bits, np.tanh bits) per row; `#` lines are comments.
let private vectors =
    lazy
        (File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Data", "numpy-tanh.tsv"))
         |> Array.filter (fun line -> line.Length > 0 && not (line.StartsWith "#"))
         |> Array.map (fun line ->
             match line.Split '\t' with
             | [| x; y |] ->
                 Int64.Parse(x, NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                 Int64.Parse(y, NumberStyles.HexNumber, CultureInfo.InvariantCulture)
             | _ -> failwithf "numpy-tanh.tsv: not two hex columns: %s" line))

/// Fails naming the first row where f does not give NumPy's bits; returns nothing otherwise.
let private expectNumPyBits (name: string) (f: float -> float) =
    for x, expected in vectors.Value do
        let actual = f (Check.ofBits x)
        if Check.bits actual <> expected then
            failtestf "%s of %s is %s, NumPy gives %s" name (Check.showBits (Check.ofBits x)) (Check.showBits actual) (Check.showBits (Check.ofBits expected))

/// x uniform in [-20, 20].
let private tanhRange = Check.Gens.uniform -20.0 20.0

[<Tests>]
let tests =
    testList "NumPyTanh" [
        testCase "NumPyTanh.tanh returns NumPy's bits for every row of the vector file" <| fun () ->
            Check.isAbove vectors.Value.Length 3000 "the vector file has its rows"
            expectNumPyBits "NumPyTanh.tanh" NumPyTanh.tanh

        testCase "Math.Tanh differs from NumPy on most rows of the vector file, so the file tells the two apart" <| fun () ->
            let differing =
                vectors.Value
                |> Array.filter (fun (x, y) ->
                    let m = Math.Tanh(Check.ofBits x)
                    not (Double.IsNaN m) && Check.bits m <> y)
                |> Array.length
            Check.isAbove differing 2000 "rows where the C library's tanh is not NumPy's"

        testCase "NumPyTanh.tanh keeps the sign of zero, passes subnormals through and saturates at plus or minus one" <| fun () ->
            Expect.equal (Check.bits (NumPyTanh.tanh 0.0)) 0L "+0 stays +0"
            Expect.equal (Check.bits (NumPyTanh.tanh -0.0)) (Check.bits -0.0) "-0 stays -0"
            Expect.equal (NumPyTanh.tanh Double.Epsilon) Double.Epsilon "the smallest subnormal is its own tanh"
            Expect.equal (NumPyTanh.tanh -Double.Epsilon) -Double.Epsilon "and so is its negative"
            Expect.equal (NumPyTanh.tanh 1e-300) 1e-300 "tiny values are their own tanh"
            Expect.equal (NumPyTanh.tanh Double.PositiveInfinity) 1.0 "tanh(+inf) = 1"
            Expect.equal (NumPyTanh.tanh Double.NegativeInfinity) -1.0 "tanh(-inf) = -1"
            Expect.equal (NumPyTanh.tanh Double.MaxValue) 1.0 "the largest double gives 1"
            Expect.equal (NumPyTanh.tanh -Double.MaxValue) -1.0 "and its negative -1"
            Expect.equal (NumPyTanh.tanh 24.0) 1.0 "24 is in the saturated interval"

        testCase "NumPyTanh.tanh maps every NaN, whatever its sign or payload, to the positive default NaN" <| fun () ->
            for nan in [ 0x7ff8000000000000L; 0xfff8000000000000L; 0x7ff0000000000001L; 0xfff4000000000123L; -1L ] do
                Expect.equal (Check.bits (NumPyTanh.tanh (Check.ofBits nan))) 0x7ff8000000000000L (sprintf "NaN 0x%016x" nan)

        testCase "NumPyTanh.tanhInto gives NumPy's bits for the whole vector file at once" <| fun () ->
            let xs = vectors.Value |> Array.map (fst >> Check.ofBits)
            let ys = Array.zeroCreate xs.Length
            NumPyTanh.tanhInto (ReadOnlySpan xs) (Span ys)
            Array.iteri2 (fun i y (_, expected) -> Expect.equal (Check.bits y) expected (sprintf "row %d" i)) ys vectors.Value

        testCase "NumPyTanh.tanhInto gives an element the same bits whatever its position and the span's length" <| fun () ->
            let rows = vectors.Value
            let xs = rows |> Array.map (fst >> Check.ofBits)
            for length in 0 .. 17 do
                for start in [ 0; 1; 5; 7; 8; 13; rows.Length - length ] do
                    let ys = Array.zeroCreate length
                    NumPyTanh.tanhInto (ReadOnlySpan(xs, start, length)) (Span ys)
                    for j in 0 .. length - 1 do
                        Expect.equal (Check.bits ys.[j]) (snd rows.[start + j]) (sprintf "element %d of %d from row %d" j length start)

        testCase "NumPyTanh.tanhInto works in place" <| fun () ->
            let xs = vectors.Value |> Array.map (fst >> Check.ofBits)
            NumPyTanh.tanhInto (ReadOnlySpan xs) (Span xs)
            Array.iteri2 (fun i x (_, expected) -> Expect.equal (Check.bits x) expected (sprintf "row %d" i)) xs vectors.Value

        testCase "NumPyTanh.tanhInto refuses an output of another length" <| fun () ->
            Check.throwsShape "NumPyTanh.tanhInto" (fun () ->
                NumPyTanh.tanhInto (ReadOnlySpan [| 1.0; 2.0 |]) (Span(Array.zeroCreate<float> 3)))

        // NumPy's polynomial is within about 1.2 ulp of the true tanh and glibc's within about 2.1,
        // so the two can be 3 ulp apart (the vector file's first rows are such inputs).
        testProperty "NumPyTanh.tanh stays within 3 ulp of Math.Tanh for any non-NaN input" <|
            Check.Gens.forAll Check.Gens.anyDouble (fun x -> Double.IsNaN x || Check.ulps (NumPyTanh.tanh x) (Math.Tanh x) <= 3L)

        testProperty "NumPyTanh.tanh stays within 3 ulp of Math.Tanh over [-20, 20], where a tanh layer works" <|
            Check.Gens.forAll tanhRange (fun x -> Check.ulps (NumPyTanh.tanh x) (Math.Tanh x) <= 3L)

        testCase "the [-20, 20] generator covers its range (every unit of it)" <| fun () ->
            Check.Gens.coverage 2000 40 -20.0 20.0 tanhRange "tanh's inputs"

        testCase "NumPyTanh.tanh is within 3 ulp of Math.Tanh on every row of the vector file, its 3-ulp rows included" <| fun () ->
            for x, _ in vectors.Value do
                let x = Check.ofBits x
                if not (Double.IsNaN x) then
                    Check.isAtMost (Check.ulps (NumPyTanh.tanh x) (Math.Tanh x)) 3L (sprintf "tanh of %s" (Check.showBits x))
    ]
