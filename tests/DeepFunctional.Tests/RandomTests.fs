module DeepFunctional.Tests.RandomTests

open System
open System.Globalization
open System.IO
open System.Security.Cryptography
open System.Text.Json
open System.Text.RegularExpressions
open Expecto
open DeepFunctional

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// Exact comparison of two double arrays, bit for bit, naming the first difference.
let private expectSameDoubles (actual: float[]) (expected: float[]) (what: string) =
    Expect.equal actual.Length expected.Length (sprintf "%s: length" what)
    for i in 0 .. expected.Length - 1 do
        if BitConverter.DoubleToInt64Bits actual.[i] <> BitConverter.DoubleToInt64Bits expected.[i] then
            failtestf
                "%s: element %d is %s, NumPy gives %s"
                what
                i
                (actual.[i].ToString("R", CultureInfo.InvariantCulture))
                (expected.[i].ToString("R", CultureInfo.InvariantCulture))

let private sha256Hex (bytes: byte[]) =
    Convert.ToHexString(SHA256.HashData bytes).ToLowerInvariant()

/// Little-endian bytes of int64 values (NumPy's `val.view(np.int8)` on a 64-bit long array).
let private int64Bytes (values: int64[]) =
    let bytes = Array.zeroCreate<byte> (values.Length * 8)
    for i in 0 .. values.Length - 1 do
        Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(Span<byte>(bytes, i * 8, 8), values.[i])
    bytes

let private expectInvalid (operation: string) (f: unit -> unit) =
    try
        f ()
        failtestf "%s: expected InvalidValueException, nothing was raised" operation
    with
    | :? InvalidValueException as e -> Expect.equal e.Operation operation "the exception names the operation"

let private isPermutation (n: int) (xs: int[]) =
    xs.Length = n && (Array.sort xs = Array.init n id)

// ---------------------------------------------------------------------------
// The NumPy vectors file: one test per (seed, key)
// ---------------------------------------------------------------------------

let private vectorsPath =
    Path.Combine(AppContext.BaseDirectory, "Data", "numpy_legacy_rng_vectors.json")

let private num (s: string) = Double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture)

/// What a vector key asks for: the name of the operation and the draw it performs.
type private Draw =
    | Doubles of operation: string * draw: (Rng -> float[])
    | Integers of operation: string * draw: (Rng -> int64[]) * prefixOnly: bool

let private (|Key|_|) (pattern: string) (key: string) =
    let m = Regex.Match(key, pattern)
    if m.Success then Some [ for i in 1 .. m.Groups.Count - 1 -> m.Groups.[i].Value ] else None

/// Maps a key of the vectors file (e.g. `binomial_1_p0.8_10`) to the draw it names.
let private drawFor (key: string) : Draw option =
    let ints (xs: int[]) = Array.map int64 xs
    match key with
    | Key @"^random_sample_(\d+)$" [ n ] -> Some(Doubles("Rng.doubles", fun r -> fst (Rng.doubles (int n) r)))
    | Key @"^randn_(\d+)$" [ n ] -> Some(Doubles("Rng.standardNormals", fun r -> fst (Rng.standardNormals (int n) r)))
    | Key @"^randn_(\d+)x(\d+)$" [ rows; cols ] -> Some(Doubles("Rng.randn", fun r -> fst (Rng.randn (int rows) (int cols) r)))
    | Key @"^normal_loc(-?[0-9.eE+-]+)_scale([0-9.eE+-]+)_(\d+)$" [ loc; scale; n ] ->
        Some(Doubles("Rng.normal", fun r -> fst (Rng.normal (num loc) (num scale) (int n) r)))
    | Key @"^permutation_(\d+)$" [ n ] -> Some(Integers("Rng.permutation", (fun r -> ints (fst (Rng.permutation (int n) r))), false))
    | Key @"^permutation_(\d+)_first(\d+)$" [ n; _ ] ->
        Some(Integers("Rng.permutation", (fun r -> ints (fst (Rng.permutation (int n) r))), true))
    | Key @"^randint_(-?\d+)_(-?\d+)_(\d+)$" [ low; high; n ] ->
        Some(Integers("Rng.randint", (fun r -> fst (Rng.randint (int64 low) (int64 high) (int n) r)), false))
    | Key @"^uint32_raw_(\d+)$" [ n ] -> Some(Integers("Rng.uint32s", (fun r -> Array.map int64 (fst (Rng.uint32s (int n) r))), false))
    | Key @"^binomial_(\d+)_p([0-9.eE+-]+)_(\d+)$" [ n; p; count ] ->
        Some(Integers("Rng.binomial", (fun r -> ints (fst (Rng.binomial (int n) (num p) (int count) r))), false))
    | _ -> None

let private vectorTests () : Test list =
    if not (File.Exists vectorsPath) then
        [ testCase "The NumPy vectors file is copied next to the tests" <| fun () ->
              failtestf "missing %s" vectorsPath ]
    else
        use doc = JsonDocument.Parse(File.ReadAllText vectorsPath)
        let vectors = doc.RootElement.GetProperty("vectors")
        [ for seedProp in vectors.EnumerateObject() do
              let seed = Int64.Parse(seedProp.Name, CultureInfo.InvariantCulture)
              for keyProp in seedProp.Value.EnumerateObject() do
                  let key = keyProp.Name
                  let values = [| for v in keyProp.Value.EnumerateArray() -> v.Clone() |]
                  match drawFor key with
                  | Some(Doubles(operation, draw)) ->
                      let expected = values |> Array.map (fun v -> v.GetDouble())
                      yield testCase (sprintf "%s matches NumPy for seed %d (%s)" operation seed key) <| fun () ->
                          expectSameDoubles (draw (Rng.seed seed)) expected (sprintf "seed %d, %s" seed key)
                  | Some(Integers(operation, draw, prefixOnly)) ->
                      let expected = values |> Array.map (fun v -> v.GetInt64())
                      yield testCase (sprintf "%s matches NumPy for seed %d (%s)" operation seed key) <| fun () ->
                          let actual = draw (Rng.seed seed)
                          let actual = if prefixOnly then Array.truncate expected.Length actual else actual
                          Expect.sequenceEqual actual expected (sprintf "seed %d, %s" seed key)
                  | None ->
                      yield testCase (sprintf "The vector key %s (seed %d) is understood by the tests" key seed) <| fun () ->
                          failtestf "no draw is known for the key %s" key ]

// ---------------------------------------------------------------------------
// Values published in NumPy's own test suite (test_randomstate.py, legacy RandomState)
// ---------------------------------------------------------------------------

let private numpySuiteTests =
    let seed = 1234567890L
    testList "NumPy's RandomState test suite" [
        testCase "Rng.doubles gives NumPy's rand(3, 2) for seed 1234567890" <| fun () ->
            let actual, _ = Rng.doubles 6 (Rng.seed seed)
            expectSameDoubles
                actual
                [| 0.61879477158567997; 0.59162362775974664; 0.88868358904449662
                   0.89165480011560816; 0.4575674820298663; 0.7781880808593471 |]
                "rand(3, 2)"

        testCase "Rng.randn gives NumPy's randn(3, 2) for seed 1234567890" <| fun () ->
            let actual, _ = Rng.randn 3 2 (Rng.seed seed)
            expectSameDoubles
                actual
                [| 1.34016345771863121; 1.73759122771936081; 1.498988344300628
                   -0.2286433324536169; 2.031033998682787; 2.17032494605655257 |]
                "randn(3, 2)"

        testCase "Rng.normal gives NumPy's normal(0.123456789, 2.0) for seed 1234567890" <| fun () ->
            let actual, _ = Rng.normal 0.123456789 2.0 6 (Rng.seed seed)
            expectSameDoubles
                actual
                [| 2.80378370443726244; 3.59863924443872163; 3.121433477601256
                   -0.33382987590723379; 4.18552478636557357; 4.46410668111310471 |]
                "normal(0.123456789, 2.0, (3, 2))"

        testCase "Rng.randint gives NumPy's randint(-99, 99) for seed 1234567890" <| fun () ->
            let actual, _ = Rng.randint -99L 99L 6 (Rng.seed seed)
            Expect.sequenceEqual actual [| 31L; 3L; -52L; 41L; -48L; -66L |] "randint(-99, 99, (3, 2))"

        testCase "Rng.permutation gives NumPy's permutation(10) for seed 1234567890" <| fun () ->
            let actual, _ = Rng.permutation 10 (Rng.seed seed)
            Expect.sequenceEqual actual [| 9; 0; 8; 5; 1; 3; 4; 7; 6; 2 |] "permutation(10)"

        testCase "Rng.binomial (BTPE, p < 0.5) gives NumPy's binomial(100, 0.456) for seed 1234567890" <| fun () ->
            let actual, _ = Rng.binomial 100 0.456 6 (Rng.seed seed)
            Expect.sequenceEqual actual [| 37; 43; 42; 48; 46; 45 |] "binomial(100, 0.456, (3, 2))"

        testCase "Rng.randint gives NumPy's first randint(1000) for the smallest and largest seeds" <| fun () ->
            Expect.equal (fst (Rng.randint 0L 1000L 1 (Rng.seed 0L))) [| 684L |] "seed 0"
            Expect.equal (fst (Rng.randint 0L 1000L 1 (Rng.seed 4294967295L))) [| 419L |] "seed 2^32 - 1"

        testCase "Rng.randint hashes like NumPy's randint(0, 6, 1000) int64 for seed 1234" <| fun () ->
            let actual, _ = Rng.randint 0L 6L 1000 (Rng.seed 1234L)
            Expect.equal
                (sha256Hex (int64Bytes actual))
                "0fbead0b06759df2cfb55e43148822d4a1ff953c7eb19a5b08445a63bb64fa9e"
                "sha256 of the little-endian int64 values"

        testCase "Rng.binomial (BTPE, p > 0.5) hashes like NumPy's binomial(100, 0.6, 10^6) for seed 123456789" <| fun () ->
            let actual, _ = Rng.binomial 100 0.6 1000000 (Rng.seed 123456789L)
            Expect.equal
                (sha256Hex (int64Bytes (Array.map int64 actual)))
                "8626dd9d052cb608e93d8868de0a7b347258b199493871a1dc56e2a26cacb112"
                "sha256 of the little-endian int64 values"
    ]

// ---------------------------------------------------------------------------
// Immutability, splitting and the Gaussian cache
// ---------------------------------------------------------------------------

let private streamTests =
    testList "streams" [
        testCase "Drawing from the same Rng value twice gives the same numbers" <| fun () ->
            let rng = Rng.seed 20190501L
            let a, nextA = Rng.standardNormals 5 rng
            let b, nextB = Rng.standardNormals 5 rng
            expectSameDoubles a b "two draws from one value"
            Expect.equal nextA nextB "the same next state"
            let c, _ = Rng.doubles 3 rng
            let d, _ = Rng.doubles 3 rng
            expectSameDoubles c d "doubles after the Gaussian draws"
            Expect.equal rng (Rng.seed 20190501L) "the value drawn from is unchanged"

        testCase "Splitting doubles into two calls gives the same stream as one call" <| fun () ->
            let whole, wholeNext = Rng.doubles 1000 (Rng.seed 1L)
            let first, next = Rng.doubles 377 (Rng.seed 1L)
            let second, secondNext = Rng.doubles 623 next
            expectSameDoubles (Array.append first second) whole "377 + 623 doubles"
            Expect.equal secondNext wholeNext "the same final state"

        testCase "Splitting Gaussians into two calls keeps the cached second value" <| fun () ->
            let whole, _ = Rng.standardNormals 7 (Rng.seed 0L)
            let first, next = Rng.standardNormals 3 (Rng.seed 0L)
            let second, _ = Rng.standardNormals 4 next
            expectSameDoubles (Array.append first second) whole "3 + 4 Gaussians"
            let one, next1 = Rng.standardNormals 1 (Rng.seed 0L)
            let rest, _ = Rng.normal 0.0 1.0 6 next1
            expectSameDoubles (Array.append one rest) whole "1 standard + 6 normal(0, 1)"

        testCase "The cached Gaussian survives other draws, as in NumPy" <| fun () ->
            let pair, _ = Rng.standardNormals 2 (Rng.seed 80718L)
            let first, next = Rng.standardNormals 1 (Rng.seed 80718L)
            let _, afterDoubles = Rng.doubles 5 next
            let _, afterInts = Rng.randint 0L 10L 5 afterDoubles
            let second, _ = Rng.standardNormals 1 afterInts
            expectSameDoubles (Array.append first second) pair "the cached value comes out next"

        testCase "Rng.randn fills rows then columns from the Gaussian stream" <| fun () ->
            let grid, gridNext = Rng.randn 784 89 (Rng.seed 1L)
            let flat, flatNext = Rng.standardNormals (784 * 89) (Rng.seed 1L)
            expectSameDoubles grid flat "784 x 89"
            Expect.equal gridNext flatNext "the same final state"

        testCase "Rng.uint32s splits across the 624-word twist boundary" <| fun () ->
            let whole, _ = Rng.uint32s 2000 (Rng.seed 5L)
            let a, n1 = Rng.uint32s 624 (Rng.seed 5L)
            let b, n2 = Rng.uint32s 1 n1
            let c, _ = Rng.uint32s 1375 n2
            Expect.sequenceEqual (Array.concat [ a; b; c ]) whole "624 + 1 + 1375 words"

        testCase "Rng.randint over the full 32-bit range is the raw output" <| fun () ->
            let raw, _ = Rng.uint32s 50 (Rng.seed 7L)
            let ints, _ = Rng.randint 0L 4294967296L 50 (Rng.seed 7L)
            Expect.sequenceEqual ints (Array.map int64 raw) "randint(0, 2^32)"

        testCase "Rng.randint past 32 bits masks 64-bit draws made of two outputs, high word first" <| fun () ->
            let raw, _ = Rng.uint32s 20 (Rng.seed 11L)
            let ints, _ = Rng.randint 5L (5L + (1L <<< 40)) 10 (Rng.seed 11L)
            let expected =
                Array.init 10 (fun i ->
                    let word = (uint64 raw.[2 * i] <<< 32) ||| uint64 raw.[2 * i + 1]
                    5L + int64 (word &&& ((1UL <<< 40) - 1UL)))
            Expect.sequenceEqual ints expected "randint(5, 5 + 2^40)"

        testCase "Rng.randint handles the whole int64 span without overflow" <| fun () ->
            let xs, _ = Rng.randint Int64.MinValue Int64.MaxValue 1000 (Rng.seed 3L)
            Expect.all xs (fun x -> x < Int64.MaxValue) "below high"
            Expect.isTrue (Array.exists (fun x -> x < 0L) xs && Array.exists (fun x -> x > 0L) xs) "both signs"

        testCase "Rng.randint with a one-value range draws nothing" <| fun () ->
            let rng = Rng.seed 9L
            let xs, next = Rng.randint 42L 43L 5 rng
            Expect.sequenceEqual xs (Array.create 5 42L) "all low"
            Expect.equal next rng "no state consumed"

        testCase "Rng.binomial with n = 0 or p = 0 draws nothing and p = 1 gives n" <| fun () ->
            let rng = Rng.seed 9L
            let zeros, next = Rng.binomial 0 0.3 4 rng
            Expect.sequenceEqual zeros [| 0; 0; 0; 0 |] "n = 0"
            Expect.equal next rng "n = 0 consumes nothing"
            let zeros2, next2 = Rng.binomial 10 0.0 4 rng
            Expect.sequenceEqual zeros2 [| 0; 0; 0; 0 |] "p = 0"
            Expect.equal next2 rng "p = 0 consumes nothing"
            let all, next3 = Rng.binomial 10 1.0 4 rng
            Expect.sequenceEqual all [| 10; 10; 10; 10 |] "p = 1"
            Expect.equal next3 (snd (Rng.doubles 4 rng)) "p = 1 still draws one double each, as NumPy"

        testCase "Rng.binomial with large n (BTPE squeeze and Stirling steps) has the right mean and variance" <| fun () ->
            for n, p in [ 1000, 0.3; 1000, 0.7; 100000, 0.02; 5000, 0.5 ] do
                let xs, _ = Rng.binomial n p 20000 (Rng.seed 4L)
                let mean = xs |> Array.averageBy float
                let var = xs |> Array.averageBy (fun x -> (float x - mean) ** 2.0)
                let mu = float n * p
                let sigma2 = mu * (1.0 - p)
                Expect.all xs (fun x -> x >= 0 && x <= n) "within [0, n]"
                Check.isBelow (abs (mean - mu)) (5.0 * sqrt (sigma2 / 20000.0)) (sprintf "mean for n=%d p=%g" n p)
                Check.isBelow (abs (var / sigma2 - 1.0)) 0.1 (sprintf "variance for n=%d p=%g" n p)

        testCase "Rng.permutation of 60000 is a permutation" <| fun () ->
            let xs, _ = Rng.permutation 60000 (Rng.seed 20190501L)
            Expect.isTrue (isPermutation 60000 xs) "every index once"

        testCase "Zero-count draws return empty arrays and the same generator" <| fun () ->
            let rng = Rng.seed 12L
            Expect.equal (Rng.doubles 0 rng) ([||], rng) "doubles"
            Expect.equal (Rng.standardNormals 0 rng) ([||], rng) "standardNormals"
            Expect.equal (Rng.permutation 0 rng) ([||], rng) "permutation"
            Expect.equal (Rng.binomial 5 0.5 0 rng) ([||], rng) "binomial"
            Expect.equal (Rng.randint 0L 9L 0 rng) ([||], rng) "randint"
    ]

// ---------------------------------------------------------------------------
// Argument errors
// ---------------------------------------------------------------------------

let private errorTests =
    let rng = Rng.seed 1L
    testList "argument errors" [
        testCase "Rng.seed refuses seeds outside [0, 2^32 - 1]" <| fun () ->
            expectInvalid "Rng.seed" (fun () -> Rng.seed -1L |> ignore)
            expectInvalid "Rng.seed" (fun () -> Rng.seed 4294967296L |> ignore)

        testCase "Negative counts raise InvalidValueException" <| fun () ->
            expectInvalid "Rng.uint32s" (fun () -> Rng.uint32s -1 rng |> ignore)
            expectInvalid "Rng.doubles" (fun () -> Rng.doubles -1 rng |> ignore)
            expectInvalid "Rng.standardNormals" (fun () -> Rng.standardNormals -1 rng |> ignore)
            expectInvalid "Rng.normal" (fun () -> Rng.normal 0.0 1.0 -1 rng |> ignore)
            expectInvalid "Rng.randint" (fun () -> Rng.randint 0L 5L -1 rng |> ignore)
            expectInvalid "Rng.binomial" (fun () -> Rng.binomial 5 0.5 -1 rng |> ignore)
            expectInvalid "Rng.permutation" (fun () -> Rng.permutation -1 rng |> ignore)
            expectInvalid "Rng.randn" (fun () -> Rng.randn -1 3 rng |> ignore)

        testCase "Rng.binomial refuses p outside [0, 1], NaN p and negative n" <| fun () ->
            for p in [ -0.1; 1.1; nan; infinity ] do
                expectInvalid "Rng.binomial" (fun () -> Rng.binomial 5 p 3 rng |> ignore)
            expectInvalid "Rng.binomial" (fun () -> Rng.binomial -1 0.5 3 rng |> ignore)

        testCase "Rng.randint refuses high <= low" <| fun () ->
            expectInvalid "Rng.randint" (fun () -> Rng.randint 5L 5L 3 rng |> ignore)
            expectInvalid "Rng.randint" (fun () -> Rng.randint 5L 4L 3 rng |> ignore)

        testCase "Rng.normal refuses a negative or non-finite scale and a non-finite loc" <| fun () ->
            for scale in [ -1.0; nan; infinity ] do
                expectInvalid "Rng.normal" (fun () -> Rng.normal 0.0 scale 3 rng |> ignore)
            expectInvalid "Rng.normal" (fun () -> Rng.normal nan 1.0 3 rng |> ignore)

        testCase "InvalidValueException is an ArgumentOutOfRangeException" <| fun () ->
            let caught =
                try
                    Rng.binomial 1 2.0 1 rng |> ignore
                    None
                with :? ArgumentOutOfRangeException as e -> Some e
            Expect.isSome caught "p = 2 raises an ArgumentOutOfRangeException"
    ]

// ---------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------

let private seedOf (s: uint32) = Rng.seed (int64 s)

let private propertyTests =
    testList "properties" [
        testProperty "Rng.permutation is a permutation of 0 .. n - 1" <| fun (s: uint32) (n: int) ->
            let n = abs (n % 3000)
            isPermutation n (fst (Rng.permutation n (seedOf s)))

        testProperty "Rng.randint stays in [low, high)" <| fun (s: uint32) (low: int64) (width: uint32) ->
            let width = int64 width + 1L
            let low = if low > Int64.MaxValue - width then Int64.MaxValue - width else low
            let xs, _ = Rng.randint low (low + width) 50 (seedOf s)
            xs |> Array.forall (fun x -> x >= low && x < low + width)

        testProperty "Rng.binomial stays in [0, n]" <| fun (s: uint32) (n: uint16) (p: float) ->
            let p = if Double.IsFinite p then abs p % 1.0 else 0.5
            let xs, _ = Rng.binomial (int n) p 30 (seedOf s)
            xs |> Array.forall (fun x -> x >= 0 && x <= int n)

        testProperty "Rng.doubles lie in [0, 1)" <| fun (s: uint32) ->
            fst (Rng.doubles 100 (seedOf s)) |> Array.forall (fun x -> x >= 0.0 && x < 1.0)

        testProperty "Two calls give the same stream as one for any split" <| fun (s: uint32) (a: byte) (b: byte) ->
            let whole, wholeNext = Rng.standardNormals (int a + int b) (seedOf s)
            let first, next = Rng.standardNormals (int a) (seedOf s)
            let second, secondNext = Rng.standardNormals (int b) next
            Array.append first second = whole && secondNext = wholeNext
    ]

/// The generator's tests: NumPy's vectors, NumPy's published values, stream laws, errors, properties.
[<Tests>]
let tests =
    testList "Rng" [
        testList "NumPy vectors" (vectorTests ())
        numpySuiteTests
        streamTests
        errorTests
        propertyTests
    ]
