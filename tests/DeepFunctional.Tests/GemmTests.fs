module DeepFunctional.Tests.GemmTests

open System
open Expecto
open DeepFunctional

// Reference and tolerances
// ------------------------
// The reference is the textbook triple loop, evaluated in double precision on the same
// (already rounded) inputs. A result element c passes when
//     |c - reference| <= tol * sum_p |a_ip| * |b_pj|
// with tol = 1e-5 in single precision (about 80 ulp of 1.0f) and 1e-13 in double precision
// (about 450 ulp of 1.0). Rounding in any summation order stays far below these bounds for
// the depths used here, while a wrong index or a lost block gives errors of order one.

let private singleTolerance = 1e-5
let private doubleTolerance = 1e-13

/// op(A)[i, p] for a row-major A that is m×k, or k×m when transposed.
let private opA (transA: bool) (m: int) (k: int) (a: float[]) (i: int) (p: int) =
    if transA then a.[p * m + i] else a.[i * k + p]

/// op(B)[p, j] for a row-major B that is k×n, or n×k when transposed.
let private opB (transB: bool) (n: int) (k: int) (b: float[]) (p: int) (j: int) =
    if transB then b.[j * k + p] else b.[p * n + j]

/// The naive product and, per element, the sum of |a||b| that scales its tolerance.
let private naive (transA: bool) (transB: bool) (m: int) (n: int) (k: int) (a: float[]) (b: float[]) =
    let c = Array.zeroCreate (m * n)
    let scale = Array.zeroCreate (m * n)
    for i in 0 .. m - 1 do
        for j in 0 .. n - 1 do
            let mutable s = 0.0
            let mutable t = 0.0
            for p in 0 .. k - 1 do
                let x = opA transA m k a i p
                let y = opB transB n k b p j
                s <- s + x * y
                t <- t + abs x * abs y
            c.[i * n + j] <- s
            scale.[i * n + j] <- t
    c, scale

/// Seeded uniform values in [-1, 1).
let private randomArray (seed: int) (count: int) =
    let rng = Random(seed)
    Array.init count (fun _ -> rng.NextDouble() * 2.0 - 1.0)

let private variantName (transA: bool) (transB: bool) =
    match transA, transB with
    | false, false -> "A·B"
    | true, false -> "Aᵀ·B"
    | false, true -> "A·Bᵀ"
    | true, true -> "Aᵀ·Bᵀ"

/// Multiplies with `Gemm.multiply` in the element type given by `ofFloat`/`toFloat` and
/// checks every element against the naive product.
let private checkAgainstNaive (ofFloat: float -> 'T) (toFloat: 'T -> float) (tol: float) (seed: int)
                              (transA: bool) (transB: bool) (m: int) (n: int) (k: int) (multiply: bool -> bool -> int -> int -> int -> 'T[] -> 'T[] -> 'T[] -> unit) =
    let a = randomArray seed (m * k) |> Array.map ofFloat
    let b = randomArray (seed + 1) (k * n) |> Array.map ofFloat
    let c = Array.create (m * n) (ofFloat nan)
    multiply transA transB m n k a b c
    let expected, scale = naive transA transB m n k (Array.map toFloat a) (Array.map toFloat b)
    for index in 0 .. m * n - 1 do
        let got = toFloat c.[index]
        let err = abs (got - expected.[index])
        if not (err <= tol * scale.[index]) then
            failtestf "%s %dx%dx%d: C[%d, %d] = %g, naive %g, error %g exceeds %g x %g"
                (variantName transA transB) m n k (index / max n 1) (index % max n 1) got expected.[index] err tol scale.[index]

let private checkSingle (seed: int) transA transB m n k =
    checkAgainstNaive float32 float singleTolerance seed transA transB m n k Gemm.multiply<float32>

let private checkDouble (seed: int) transA transB m n k =
    checkAgainstNaive id id doubleTolerance seed transA transB m n k Gemm.multiply<float>

let private variants = [ false, false; true, false; false, true; true, true ]

/// Shapes (m, n, k, words) that stress the edges of the blocking: single rows and columns,
/// sizes that are not multiples of the 12-row tile, the 16/32-column tile or the vector
/// width, depths longer than one depth block, and the chapter 4 MLP products.
let private shapes =
    [ 1, 1, 1, "a 1x1 matrix"
      1, 50, 30, "a single row (1xN)"
      50, 1, 30, "a single column (Nx1)"
      2, 3, 4, "a 2x3 product of depth 4"
      17, 33, 65, "17x33x65, no multiple of any block"
      129, 257, 63, "129x257x63"
      13, 40, 1100, "a depth of 1100 (several depth blocks)"
      300, 301, 299, "300x301x299"
      60, 89, 784, "the MLP forward shape 60x89x784" ]

let private naiveTests =
    [ for (m, n, k, words) in shapes do
          for (transA, transB) in variants do
              for precision in [ "single"; "double" ] do
                  let name =
                      sprintf "Gemm.multiply matches the naive product for %s on %s in %s precision"
                          (variantName transA transB) words precision
                  test name {
                      let seed = m * 7919 + n * 104729 + k
                      if precision = "single" then checkSingle seed transA transB m n k
                      else checkDouble seed transA transB m n k
                  } ]

/// Results of `Gemm.multiplyWithThreads` for the given thread count.
let private withThreads (threads: int) (ofFloat: float -> 'T) transA transB m n k =
    let a = randomArray 11 (m * k) |> Array.map ofFloat
    let b = randomArray 12 (k * n) |> Array.map ofFloat
    let c = Array.zeroCreate<'T> (m * n)
    Gemm.multiplyWithThreads threads transA transB m n k a b c
    c

let private bitsSingle (c: float32[]) = c |> Array.map (BitConverter.SingleToInt32Bits >> int64)
let private bitsDouble (c: float[]) = c |> Array.map BitConverter.DoubleToInt64Bits

/// Fails at the first element whose bits differ (a short message, even for large arrays).
let private expectSameBits (got: int64[]) (expected: int64[]) (what: string) =
    Expect.equal got.Length expected.Length (what + ": length")
    match Array.tryFindIndex id (Array.map2 (<>) got expected) with
    | Some index -> failtestf "%s: element %d differs (bits %x against %x)" what index got.[index] expected.[index]
    | None -> ()

let private determinismShapes =
    [ false, false, 150, 161, 299
      false, false, 60, 89, 784
      true, false, 784, 89, 60
      false, true, 60, 784, 89
      true, true, 129, 257, 1100 ]

let private determinismTests =
    [ for (transA, transB, m, n, k) in determinismShapes do
          let shape = sprintf "%s %dx%dx%d" (variantName transA transB) m n k
          test (sprintf "Gemm.multiplyWithThreads gives bit-identical single-precision results for 1, 2, 3 and 4 threads on %s" shape) {
              let reference = withThreads 1 float32 transA transB m n k |> bitsSingle
              for threads in [ 2; 3; 4 ] do
                  let bits = withThreads threads float32 transA transB m n k |> bitsSingle
                  expectSameBits bits reference (sprintf "%d threads against 1 thread" threads)
          }
          test (sprintf "Gemm.multiplyWithThreads gives bit-identical double-precision results for 1, 2, 3 and 4 threads on %s" shape) {
              let reference = withThreads 1 id transA transB m n k |> bitsDouble
              for threads in [ 2; 3; 4 ] do
                  let bits = withThreads threads id transA transB m n k |> bitsDouble
                  expectSameBits bits reference (sprintf "%d threads against 1 thread" threads)
          }
      test "Gemm.multiply gives the same bits when many threads call it at once" {
          // Each call has its own buffers and job; pool threads busy with other calls must not
          // delay or disturb any of them.
          let reference = withThreads 1 float32 false true 60 784 89 |> bitsSingle
          let results =
              Array.Parallel.init 16 (fun _ ->
                  [| for _ in 1 .. 4 -> withThreads 2 float32 false true 60 784 89 |> bitsSingle |])
          for perCaller in results do
              for bits in perCaller do
                  expectSameBits bits reference "a concurrent call against a lone call"
      }
      test "Gemm.multiplyWithThreads accepts far more threads than cores and still gives the same bits" {
          let reference = withThreads 1 id false false 150 161 299 |> bitsDouble
          for threads in [ 64; Int32.MaxValue ] do
              let bits = withThreads threads id false false 150 161 299 |> bitsDouble
              expectSameBits bits reference (sprintf "%d threads against 1 thread" threads)
      } ]

/// Runs `action`, expecting it to raise 'E, and returns the exception.
let private raises<'E when 'E :> exn> (what: string) (action: unit -> unit) : 'E =
    let outcome =
        try
            action ()
            None
        with
        | :? 'E as error -> Some error
    match outcome with
    | Some error -> error
    | None -> failtestf "%s: expected %s, but nothing was raised" what typeof<'E>.Name

let private errorTests =
    let a = Array.zeroCreate<float> 12
    let b = Array.zeroCreate<float> 20
    let c = Array.zeroCreate<float> 15
    [ test "Gemm.multiply raises ShapeMismatchException naming Gemm.multiply when A is shorter than m·k" {
          let error = raises<ShapeMismatchException> "A with 11 elements for 3x4" (fun () -> Gemm.multiply false false 3 5 4 (Array.zeroCreate 11) b c)
          Expect.equal error.Operation "Gemm.multiply" "operation"
      }
      test "Gemm.multiply raises ShapeMismatchException when B is shorter than k·n" {
          raises<ShapeMismatchException> "B with 19 elements for 5x4" (fun () -> Gemm.multiply false true 3 5 4 a (Array.zeroCreate 19) c)
          |> ignore
      }
      test "Gemm.multiply raises ShapeMismatchException when C is shorter than m·n" {
          raises<ShapeMismatchException> "C with 14 elements for 3x5" (fun () -> Gemm.multiply true false 3 5 4 a b (Array.zeroCreate 14))
          |> ignore
      }
      test "Gemm.multiply raises InvalidValueException naming Gemm.multiply for a negative size" {
          for (m, n, k) in [ -1, 5, 4; 3, -1, 4; 3, 5, -1 ] do
              let error = raises<InvalidValueException> (sprintf "m=%d n=%d k=%d" m n k) (fun () -> Gemm.multiply false false m n k a b c)
              Expect.equal error.Operation "Gemm.multiply" "operation"
      }
      test "Gemm.multiplyWithThreads raises InvalidValueException for fewer than one thread" {
          for threads in [ 0; -3 ] do
              raises<InvalidValueException> (sprintf "%d threads" threads) (fun () -> Gemm.multiplyWithThreads threads false false 3 5 4 a b c)
              |> ignore
      }
      test "Gemm.multiply raises InvalidValueException when C is the same array as A" {
          let shared = Array.zeroCreate<float> 16
          raises<InvalidValueException> "C aliasing A" (fun () -> Gemm.multiply false false 4 4 4 shared b shared)
          |> ignore
      }
      test "Gemm.multiply accepts arrays longer than the shapes need and leaves the rest of C alone" {
          let a = Array.init 20 float
          let b = Array.init 30 float
          let c = Array.create 25 -7.0
          Gemm.multiply false false 2 3 2 a b c
          // [[0 1] [2 3]] · [[0 1 2] [3 4 5]]
          Expect.equal c.[0..5] [| 3.0; 4.0; 5.0; 9.0; 14.0; 19.0 |] "the product"
          Expect.isTrue (c.[6..] |> Array.forall (fun x -> x = -7.0)) "the rest of C"
      } ]

let private edgeTests =
    [ test "Gemm.multiply writes zeros when the inner dimension k is 0" {
          for (transA, transB) in variants do
              let c = Array.create 12 nan
              Gemm.multiply transA transB 3 4 0 [||] [||] c
              Expect.equal c (Array.zeroCreate 12) (variantName transA transB)
          let c32 = Array.create 6 nanf
          Gemm.multiply false false 2 3 0 [||] [||] c32
          Expect.equal c32 (Array.zeroCreate 6) "single precision"
      }
      test "Gemm.multiply does nothing when m or n is 0" {
          let c = Array.create 4 5.0
          Gemm.multiply false false 0 4 3 [||] (Array.zeroCreate 12) c
          Gemm.multiply false false 4 0 3 (Array.zeroCreate 12) [||] c
          Expect.equal c (Array.create 4 5.0) "C untouched"
      }
      test "Gemm.multiply keeps an infinity in the row and column it belongs to" {
          // 13x45 output: a partial tile in rows and columns, where padding must not leak.
          let m, n, k = 13, 45, 20
          let a = randomArray 3 (m * k)
          let b = randomArray 4 (k * n)
          a.[12 * k + 5] <- infinity
          b.[5 * n + 44] <- -infinity
          let c = Array.zeroCreate (m * n)
          Gemm.multiply false false m n k a b c
          for i in 0 .. m - 1 do
              for j in 0 .. n - 1 do
                  let x = c.[i * n + j]
                  if i = 12 || j = 44 then
                      Expect.isFalse (Double.IsFinite x) (sprintf "C[%d, %d] should be infinite or NaN" i j)
                  else
                      Expect.isTrue (Double.IsFinite x) (sprintf "C[%d, %d] should be finite" i j)
      }
      test "Gemm.multiply matches the naive product when the depth is so long that C is done in several super-blocks" {
          // 2^21 elements bound a packed copy, so k = 140000 cuts C into 12-row and 16- or
          // 32-column pieces.
          checkSingle 5 false false 13 33 140000
          checkDouble 6 true true 13 17 140000
      }
      test "Gemm.multiply falls back to the plain loop for other element types such as Half" {
          let a = [| 1.0; 2.0; 3.0; 4.0; 5.0; 6.0 |] |> Array.map Half.CreateChecked
          let b = [| 1.0; 0.0; -1.0; 2.0; 0.5; 1.0 |] |> Array.map Half.CreateChecked
          let c = Array.zeroCreate<Half> 4
          Gemm.multiply false false 2 2 3 a b c
          // [[1 2 3] [4 5 6]] · [[1 0] [-1 2] [0.5 1]]
          Expect.equal (c |> Array.map float) [| 0.5; 7.0; 2.0; 16.0 |] "the product"
      } ]

/// `Gemm.multiplyDots` (C = A·Bᵀ by dot products of rows) against the naive product, on
/// shapes with edge blocks in both dimensions and depths with and without a vector tail.
let private dotsTests =
    [ for m, n, k in [ 1, 1, 1; 25, 16, 1792; 7, 5, 33; 4, 4, 16; 3, 9, 1000; 16, 25, 47 ] do
          test (sprintf "Gemm.multiplyDots matches the naive A·Bᵀ for %dx%d over a depth of %d in both precisions" m n k) {
              let dots32 (_: bool) (_: bool) m n k (a: float32[]) (b: float32[]) (c: float32[]) = Gemm.multiplyDots m n k a b c
              let dots64 (_: bool) (_: bool) m n k (a: float[]) (b: float[]) (c: float[]) = Gemm.multiplyDots m n k a b c
              checkAgainstNaive float32 float singleTolerance 11 false true m n k dots32
              checkAgainstNaive id id doubleTolerance 12 false true m n k dots64
          }
      for m, n, k in [ 1, 1, 1; 16, 1792, 25; 7, 33, 350; 3, 16, 2; 16, 15, 9; 17, 40, 5 ] do
          test (sprintf "Gemm.multiplySmallM matches the naive A·B for %dx%d over a depth of %d in both precisions" m n k) {
              let small32 (_: bool) (_: bool) m n k (a: float32[]) (b: float32[]) (c: float32[]) = Gemm.multiplySmallM m n k a b c
              let small64 (_: bool) (_: bool) m n k (a: float[]) (b: float[]) (c: float[]) = Gemm.multiplySmallM m n k a b c
              checkAgainstNaive float32 float singleTolerance 13 false false m n k small32
              checkAgainstNaive id id doubleTolerance 14 false false m n k small64
          }
      test "Gemm.multiplySmallM refuses arrays shorter than the shapes need, naming itself" {
          let e = raises<ShapeMismatchException> "B too short" (fun () -> Gemm.multiplySmallM 2 2 3 (Array.zeroCreate<float> 6) (Array.zeroCreate 5) (Array.zeroCreate 4))
          Expect.equal e.Operation "Gemm.multiplySmallM" "operation"
      }
      test "Gemm.multiplyDots refuses arrays shorter than the shapes need, naming itself" {
          let e = raises<ShapeMismatchException> "A too short" (fun () -> Gemm.multiplyDots 2 2 3 (Array.zeroCreate<float> 5) (Array.zeroCreate 6) (Array.zeroCreate 4))
          Expect.equal e.Operation "Gemm.multiplyDots" "operation"
      } ]

[<Tests>]
let tests =
    testList "Gemm" (naiveTests @ determinismTests @ errorTests @ edgeTests @ dotsTests)
