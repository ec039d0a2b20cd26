module DeepFunctional.Book.Tests.NumPyArithmeticTests

open System
open System.Globalization
open System.IO
open Expecto
open DeepFunctional
open DeepFunctional.Book
open DeepFunctional.Tests

/// Lines of Data/numpy-arithmetic.txt, written by NumPy 1.24.2 with the reference BLAS:
/// a tag, then numbers (double results as their 64-bit patterns in decimal).
let private lines =
    lazy
        (File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Data", "numpy-arithmetic.txt"))
         |> Array.map (fun line -> line.Split(' ', StringSplitOptions.RemoveEmptyEntries)))

let private parse (s: string) = Int64.Parse(s, CultureInfo.InvariantCulture)

/// The generator the vector file used: exact IEEE operations only, so both sides get the same values.
let private data (n: int) (seed: int) : float[] =
    Array.init n (fun i ->
        float (((int64 i * 7919L + int64 seed * 104729L) % 10007L) - 5003L) / 3.0 / float (1 + (i * 31 + seed) % 13))

let private matrix (rows: int) (cols: int) (seed: int) = Tensor.create [| rows; cols |] (data (rows * cols) seed)

let private expected (tag: string) : float[] =
    lines.Value |> Array.find (fun l -> l.[0] = tag) |> Array.skip 1 |> Array.map (parse >> Check.ofBits)

let private expectBits (what: string) (expected: float[]) (actual: float[]) =
    Expect.equal actual.Length expected.Length (what + ": length")
    for i in 0 .. expected.Length - 1 do
        if Check.bits actual.[i] <> Check.bits expected.[i] then
            failtestf "%s: element %d is %.17g, NumPy gives %.17g" what i actual.[i] expected.[i]

let private sequentialSum (xs: float[]) = Array.fold (+) 0.0 xs

[<Tests>]
let tests =
    testList "NumPy arithmetic" [
        test "sum gives np.sum's bits for every length from 0 to 100,000" {
            for l in lines.Value |> Array.filter (fun l -> l.[0] = "sum") do
                let n = int l.[1]
                let actual = NumPyArithmetic.sum (data n n)
                Expect.equal (Check.bits actual) (parse l.[2]) (sprintf "np.sum of %d values" n)
        }

        test "the sum vectors tell pairwise summation from summing in order" {
            let differing =
                lines.Value
                |> Array.filter (fun l -> l.[0] = "sum")
                |> Array.filter (fun l -> Check.bits (sequentialSum (data (int l.[1]) (int l.[1]))) <> parse l.[2])
            Check.isAtLeast differing.Length 3 "at least three lengths where an in-order sum is wrong"
        }

        test "rowSums gives np.sum(x, axis=1) for rows of 10 and 89" {
            for l in lines.Value |> Array.filter (fun l -> l.[0] = "rowsums") do
                let k = int l.[1]
                let actual = NumPyArithmetic.rowSums (matrix 6 k 3)
                expectBits (sprintf "row sums of %d" k) (l |> Array.skip 2 |> Array.map (parse >> Check.ofBits)) actual
        }

        test "matmul, matmulTN and matmulNT give the reference BLAS's bits" {
            let a, b = matrix 7 300 1, matrix 300 37 2
            expectBits "a @ b" (expected "matmul") (NumPyArithmetic.matmul a b).Data
            expectBits "a.T @ b" (expected "matmulTN") (NumPyArithmetic.matmulTN (matrix 300 7 4) b).Data
            expectBits "a @ b.T" (expected "matmulNT") (NumPyArithmetic.matmulNT a (matrix 37 300 5)).Data
        }

        test "the product vectors tell the reference BLAS from our fused blocked product" {
            let fast = (Tensor.matmul (matrix 7 300 1) (matrix 300 37 2)).Data
            let differing = Array.map2 (fun (x: float) y -> Check.bits x <> Check.bits y) fast (expected "matmul") |> Array.filter id
            Expect.isNonEmpty differing "the fast product rounds differently somewhere"
        }

        testProperty "a large product split across tasks equals the same product row by row" <| fun (seed: int) ->
            let s = abs (seed % 1000)
            let a, b = matrix 130 200 s, matrix 200 90 (s + 1)
            let whole = (NumPyArithmetic.matmul a b).Data
            let rows = [| for i in 0 .. 129 do yield! (NumPyArithmetic.matmul (Tensor.sliceRows i 1 a) b).Data |]
            Array.forall2 (fun (x: float) y -> Check.bits x = Check.bits y) whole rows

        test "every product element is the in-order sum of rounded products" {
            let a, b = matrix 5 33 7, matrix 33 19 8
            let c = NumPyArithmetic.matmul a b
            for i in 0 .. 4 do
                for j in 0 .. 18 do
                    let mutable s = 0.0
                    for l in 0 .. 32 do
                        let p = a.Data.[i * 33 + l] * b.Data.[l * 19 + j]
                        s <- s + p
                    Expect.equal (Check.bits c.Data.[i * 19 + j]) (Check.bits s) (sprintf "c[%d, %d]" i j)
        }

        test "products refuse single precision with a typed error that names the operation" {
            let a = Tensor.create [| 2; 2 |] [| 1.0f; 2.0f; 3.0f; 4.0f |]
            Expect.throwsT<NotSupportedException> (fun () -> NumPyArithmetic.matmul a a |> ignore) "float32 elements"
        }

        test "products check their shapes" {
            Expect.throwsT<ShapeMismatchException> (fun () -> NumPyArithmetic.matmul (matrix 2 3 1) (matrix 4 2 1) |> ignore) "inner dimensions"
            Expect.throwsT<ShapeMismatchException> (fun () -> NumPyArithmetic.matmulTN (matrix 3 2 1) (matrix 4 2 1) |> ignore) "shared rows"
            Expect.throwsT<ShapeMismatchException> (fun () -> NumPyArithmetic.matmulNT (matrix 2 3 1) (matrix 2 4 1) |> ignore) "shared columns"
        }

        test "in NumPy arithmetic the exponential decay factor is np.power's, which glibc's pow misses by one ulp" {
            // deep-dropout: 0.2 to 0.05 over 20 epochs; NumPy 1.24.2 gives 0.9296353550084062.
            let optimizer = Optimizer.sgdMomentum 0.2 0.9 |> Optimizer.withDecay DecayType.Exponential 0.05
            let numpy: OptimizerState<float> = Optimizer.initWith Book.numPy optimizer 20
            let fast: OptimizerState<float> = Optimizer.initWith Backend.fast optimizer 20
            Expect.equal (sprintf "%.17g" numpy.DecayPerEpoch) "0.92963535500840622" "np.power(0.25, 1/19)"
            Expect.notEqual numpy.DecayPerEpoch fast.DecayPerEpoch "Math.Pow rounds the other way"
        }

        test "the NumPy backend computes single precision with the fast backend's kernels" {
            let a = Tensor.ofFloats<float32> [| 3; 4 |] [| for i in 0 .. 11 -> float i * 0.37 - 1.1 |]
            let b = Tensor.ofFloats<float32> [| 4; 2 |] [| for i in 0 .. 7 -> 0.5 - float i * 0.21 |]
            Expect.equal (Book.numPy.MatMul(a, b).ToArray()) (Backend.fast.MatMul(a, b).ToArray()) "matmul"
            Expect.equal (Book.numPy.Tanh(a).ToArray()) (Backend.fast.Tanh(a).ToArray()) "tanh"
            Expect.equal (Book.numPy.Softmax(a).ToArray()) (Backend.fast.Softmax(a).ToArray()) "softmax"
        }

        test "the NumPy backend's kernels are NumPy's: products in order, pairwise sums, NumPy's tanh and sigmoid" {
            let a = matrix 130 300 2
            let b = matrix 300 9 6
            Expect.equal (Book.numPy.MatMul(a, b).ToArray()) ((NumPyArithmetic.matmul a b).ToArray()) "matmul"
            Expect.equal (Book.numPy.RowSums a) (NumPyArithmetic.rowSums a) "row sums"
            Expect.equal (Book.numPy.Tanh(a).ToArray()) ((NumPyArithmetic.tanhOf a).ToArray()) "tanh"
            Expect.equal (Book.numPy.Sigmoid(a).ToArray()) ((NumPyArithmetic.sigmoid a).ToArray()) "sigmoid"
            Expect.equal Book.numPy.EvaluationRows System.Int32.MaxValue "whole sets at once, as the book"
        }
    ]
