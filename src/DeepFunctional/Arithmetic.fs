namespace DeepFunctional

open System
open System.Numerics
open System.Threading.Tasks

/// How a network rounds: which order its sums run in and which exp, log and tanh it uses.
///
/// Floating-point addition is not associative, so two correct implementations of the same
/// formula differ in the last bits. That does not matter for learning, but it matters for a
/// run that must print the same numbers as the book's own code: with momentum, a difference of
/// one unit in the last place grows by a constant factor per batch and shows in the third
/// decimal of the validation loss within a few epochs.
[<RequireQualifiedAccess>]
type Arithmetic =
    /// Ours: blocked matrix products with fused multiply-adds on both cores, vectorised
    /// transcendental functions. The default, and the fast one.
    | Fast
    /// The book's code as it runs on NumPy 1.24 linked to the reference BLAS (Debian's
    /// `libblas3`) on an AVX-512 processor: every matrix product sums its terms in order
    /// without fused multiply-adds, reductions use NumPy's pairwise summation, softmax is
    /// SciPy's `exp(x − logsumexp(x))`, and exp, log, tanh and power return NumPy's own
    /// results (`NumPyExpLog`, `NumPyTanh`, `NumPyPow`; power for the decay factor and MSE's squares).
    /// Double precision and dense layers only. Several times slower than `Fast` on products;
    /// meant for book-identical runs (`--book`).
    | NumPy

/// The arithmetic of `Arithmetic.NumPy` on tensors of doubles: the same values, bit for bit,
/// that NumPy 1.24 (reference BLAS, AVX-512) computes for the same expressions.
[<RequireQualifiedAccess>]
module NumPyArithmetic =

    /// The elements of a double tensor; anything else is refused (NumPy arithmetic is defined
    /// for float64 only).
    let private doubles (op: string) (t: Tensor<'T>) : float[] =
        match box t.Data with
        | :? (float[]) as d -> d
        | _ -> raise (NotSupportedException(sprintf "%s: NumPy arithmetic is defined for double precision; got %s elements" op typeof<'T>.Name))

    let private tensor (dims: int[]) (data: float[]) : Tensor<'T> = Tensor<'T>(dims, unbox<'T[]> (box data))

    /// Rows per parallel task of a large product (results do not depend on the split: every
    /// element is one sequential sum).
    [<Literal>]
    let private RowsPerTask = 32

    /// c[i, j] = Σₗ a(i, l)·b[l, j] for l = 0 .. k−1 in order, each product rounded before it is
    /// added and the sum started from zero: what the reference BLAS `dgemm` does for every
    /// combination of transposes. a(i, l) is a[i·k + l], or a[l·m + i] when `transA`; b is
    /// [k; n] row-major. Vectorised across j (lanes never mix), so the order per element holds.
    let private sequentialProduct (transA: bool) (m: int) (n: int) (k: int) (a: float[]) (b: float[]) (c: float[]) =
        let w = Vector<float>.Count
        let block = 4 * w
        let rows (i0: int) (i1: int) =
            let bs = ReadOnlySpan<float>(b)
            for i in i0 .. i1 - 1 do
                let inline aAt l = if transA then a.[l * m + i] else a.[i * k + l]
                let mutable j = 0
                while j + block <= n do
                    let mutable s0 = Vector<float>.Zero
                    let mutable s1 = Vector<float>.Zero
                    let mutable s2 = Vector<float>.Zero
                    let mutable s3 = Vector<float>.Zero
                    for l in 0 .. k - 1 do
                        let av = Vector<float>(aAt l)
                        let r = bs.Slice(l * n + j)
                        s0 <- s0 + av * Vector<float>(r)
                        s1 <- s1 + av * Vector<float>(r.Slice(w))
                        s2 <- s2 + av * Vector<float>(r.Slice(2 * w))
                        s3 <- s3 + av * Vector<float>(r.Slice(3 * w))
                    let o = Span<float>(c, i * n + j, block)
                    s0.CopyTo(o)
                    s1.CopyTo(o.Slice(w))
                    s2.CopyTo(o.Slice(2 * w))
                    s3.CopyTo(o.Slice(3 * w))
                    j <- j + block
                while j + w <= n do
                    let mutable s0 = Vector<float>.Zero
                    for l in 0 .. k - 1 do
                        s0 <- s0 + Vector<float>(aAt l) * Vector<float>(bs.Slice(l * n + j))
                    s0.CopyTo(Span<float>(c, i * n + j, w))
                    j <- j + w
                while j < n do
                    let mutable s = 0.0
                    for l in 0 .. k - 1 do
                        let p = aAt l * b.[l * n + j]
                        s <- s + p
                    c.[i * n + j] <- s
                    j <- j + 1
        if int64 m * int64 n * int64 k < 2_000_000L || m < 2 * RowsPerTask then rows 0 m
        else
            let tasks = (m + RowsPerTask - 1) / RowsPerTask
            Parallel.For(0, tasks, fun t -> rows (t * RowsPerTask) (min m ((t + 1) * RowsPerTask))) |> ignore

    /// a·b: [m; k] · [k; n] -> [m; n], as NumPy's `matmul` through the reference BLAS.
    /// <exception cref="ShapeMismatchException">when the inner dimensions differ.</exception>
    let matmul (a: Tensor<'T>) (b: Tensor<'T>) : Tensor<'T> =
        let m, k, n = Shape.checkMatmul "NumPyArithmetic.matmul" a.Dims b.Dims
        let c = Array.zeroCreate<float> (m * n)
        sequentialProduct false m n k (doubles "NumPyArithmetic.matmul" a) (doubles "NumPyArithmetic.matmul" b) c
        tensor [| m; n |] c

    /// aᵀ·b: [k; m]ᵀ · [k; n] -> [m; n] (NumPy's `a.T @ b`).
    /// <exception cref="ShapeMismatchException">when the shared dimensions differ.</exception>
    let matmulTN (a: Tensor<'T>) (b: Tensor<'T>) : Tensor<'T> =
        Shape.checkRank "NumPyArithmetic.matmulTN" "left operand" 2 a.Dims
        let _, k, n = Shape.checkMatmul "NumPyArithmetic.matmulTN" [| a.Dims.[1]; a.Dims.[0] |] b.Dims
        let m = a.Dims.[1]
        let c = Array.zeroCreate<float> (m * n)
        sequentialProduct true m n k (doubles "NumPyArithmetic.matmulTN" a) (doubles "NumPyArithmetic.matmulTN" b) c
        tensor [| m; n |] c

    /// a·bᵀ: [m; k] · [n; k]ᵀ -> [m; n] (NumPy's `a @ b.T`).
    /// <exception cref="ShapeMismatchException">when the shared dimensions differ.</exception>
    let matmulNT (a: Tensor<'T>) (b: Tensor<'T>) : Tensor<'T> =
        Shape.checkRank "NumPyArithmetic.matmulNT" "right operand" 2 b.Dims
        let m, k, _ = Shape.checkMatmul "NumPyArithmetic.matmulNT" a.Dims [| b.Dims.[1]; b.Dims.[0] |]
        let n = b.Dims.[0]
        let bt = Tensor.transpose b
        let c = Array.zeroCreate<float> (m * n)
        sequentialProduct false m n k (doubles "NumPyArithmetic.matmulNT" a) (doubles "NumPyArithmetic.matmulNT" bt) c
        tensor [| m; n |] c

    /// NumPy's pairwise sum of a contiguous run (its `pairwise_sum`): fewer than 8 values are
    /// added in order; up to 128 go into 8 interleaved partial sums combined as a tree, the
    /// rest added in order; longer runs split in two at a multiple of 8 below the middle.
    let rec private pairwise (a: ReadOnlySpan<float>) : float =
        let n = a.Length
        if n < 8 then
            let mutable s = 0.0
            for v in a do s <- s + v
            s
        elif n <= 128 then
            let mutable r0, r1, r2, r3 = a.[0], a.[1], a.[2], a.[3]
            let mutable r4, r5, r6, r7 = a.[4], a.[5], a.[6], a.[7]
            let whole = n - n % 8
            let mutable i = 8
            while i < whole do
                r0 <- r0 + a.[i]; r1 <- r1 + a.[i + 1]; r2 <- r2 + a.[i + 2]; r3 <- r3 + a.[i + 3]
                r4 <- r4 + a.[i + 4]; r5 <- r5 + a.[i + 5]; r6 <- r6 + a.[i + 6]; r7 <- r7 + a.[i + 7]
                i <- i + 8
            let mutable s = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
            while i < n do
                s <- s + a.[i]
                i <- i + 1
            s
        else
            let half = n / 2
            let half = half - half % 8
            pairwise (a.Slice(0, half)) + pairwise (a.Slice half)

    /// NumPy's buffer size: a reduction hands its loop at most this many elements at a time.
    [<Literal>]
    let private ReduceBuffer = 8192

    /// `np.sum` of a contiguous array: pairwise sums of runs of 8192, added in order to zero.
    let sum (values: ReadOnlySpan<float>) : float =
        let mutable s = 0.0
        let mutable start = 0
        while start < values.Length do
            let count = min ReduceBuffer (values.Length - start)
            s <- s + pairwise (values.Slice(start, count))
            start <- start + count
        s

    /// `np.sum(x, axis=1)` of a matrix: each row's pairwise sum. x: [n; k] -> n values.
    let rowSums (x: Tensor<'T>) : float[] =
        Shape.checkRank "NumPyArithmetic.rowSums" "input" 2 x.Dims
        let d = doubles "NumPyArithmetic.rowSums" x
        let n, k = x.Dims.[0], x.Dims.[1]
        Array.init n (fun i -> sum (ReadOnlySpan<float>(d, i * k, k)))

    // `np.sum(x, axis=0)` (a bias gradient) adds the rows in order, which `Tensor.sumRows`
    // already does: both arithmetics share it.

    /// NumPy's `np.exp` of one double (`NumPyExpLog.exp`).
    let exp (x: float) : float = NumPyExpLog.exp x

    /// NumPy's `np.log` of one double (`NumPyExpLog.log`).
    let log (x: float) : float = NumPyExpLog.log x

    /// NumPy's `np.tanh` of one double (`NumPyTanh.tanh`).
    let tanh (x: float) : float = NumPyTanh.tanh x

    /// NumPy's `np.power` of two doubles (`NumPyPow.pow`).
    let pow (x: float) (y: float) : float = NumPyPow.pow x y

    let private map (op: string) (f: float -> float) (x: Tensor<'T>) : Tensor<'T> =
        let d = doubles op x
        let out = GC.AllocateUninitializedArray<float> d.Length
        for i in 0 .. d.Length - 1 do out.[i] <- f d.[i]
        tensor (Array.copy x.Dims) out

    /// The book's sigmoid, `1.0/(1.0+np.exp(-1.0 * x))`, elementwise.
    let sigmoid (x: Tensor<'T>) : Tensor<'T> =
        map "NumPyArithmetic.sigmoid" (fun v -> 1.0 / (1.0 + exp (-1.0 * v))) x

    /// `np.tanh`, elementwise.
    let tanhOf (x: Tensor<'T>) : Tensor<'T> = map "NumPyArithmetic.tanh" tanh x

    /// The book's softmax over each row, `np.exp(x − logsumexp(x, axis=1, keepdims=True))` with
    /// SciPy 1.10's `logsumexp`: m = the row's maximum (0 if it is not finite),
    /// lse = log(Σ exp(x − m)) + m with NumPy's pairwise sum. x: [n; k] -> [n; k].
    let softmax (x: Tensor<'T>) : Tensor<'T> =
        Shape.checkRank "NumPyArithmetic.softmax" "input" 2 x.Dims
        let d = doubles "NumPyArithmetic.softmax" x
        let n, k = x.Dims.[0], x.Dims.[1]
        let out = Array.zeroCreate<float> d.Length
        let tmp = Array.zeroCreate<float> k
        for i in 0 .. n - 1 do
            let row = ReadOnlySpan<float>(d, i * k, k)
            if k > 0 then
                let mutable m = row.[0]
                for v in row do
                    // np.amax propagates NaN.
                    if Double.IsNaN v || v > m then m <- (if Double.IsNaN m then m else v)
                let m = if Double.IsFinite m then m else 0.0
                for j in 0 .. k - 1 do tmp.[j] <- exp (row.[j] - m)
                let lse = log (sum (ReadOnlySpan<float>(tmp))) + m
                for j in 0 .. k - 1 do out.[i * k + j] <- exp (row.[j] - lse)
        tensor (Array.copy x.Dims) out
