namespace DeepFunctional.Book

open System
open DeepFunctional
open System.Numerics
open System.Threading.Tasks

/// NumPy's arithmetic on tensors of doubles: the same values, bit for bit, that NumPy 1.24
/// linked to the reference BLAS (Debian's `libblas3`) computes on an AVX-512 processor for the
/// same expressions. Floating-point addition is not associative, so two correct implementations
/// of a formula differ in the last bits; with momentum, one unit in the last place grows by a
/// constant factor per batch and shows in the third decimal of the validation loss within a few
/// epochs, so a run that must print the book code's numbers must round as NumPy does.
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

    /// `np.sum` of a contiguous array (`Summation.numpy`: pairwise sums of runs of 8192, added in order to zero).
    let sum (values: float[]) : float = Summation.ofArray values

    /// `np.sum(x, axis=1)` of a matrix: each row's pairwise sum. x: [n; k] -> n values.
    let rowSums (x: Tensor<'T>) : float[] =
        Shape.checkRank "NumPyArithmetic.rowSums" "input" 2 x.Dims
        let d = doubles "NumPyArithmetic.rowSums" x
        let n, k = x.Dims.[0], x.Dims.[1]
        Array.init n (fun i -> Summation.numpy (ArrayValues(d, i * k)) k)

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
                let lse = log (sum tmp) + m
                for j in 0 .. k - 1 do out.[i * k + j] <- exp (row.[j] - lse)
        tensor (Array.copy x.Dims) out

    /// `np.sum` of a tensor of doubles (`sum` of its elements).
    let sumOf (x: Tensor<'T>) : float = sum (doubles "NumPyArithmetic.sum" x)

/// The book code's arithmetic as a backend: every matrix product sums its terms in order without
/// fused multiply-adds (the reference BLAS's `dgemm`), reductions use NumPy's pairwise summation,
/// softmax is SciPy's `exp(x − logsumexp(x))`, and exp, log, tanh, the sigmoid and power return
/// NumPy's own results (`NumPyExpLog`, `NumPyTanh`, `NumPyPow`). Defined for double precision:
/// in single precision every kernel is the fast backend's. Several times slower than the fast
/// backend on products; a network evaluates whole sets at once with it, as the book does.
type NumPyBackend() =
    inherit FastBackend("numpy")



    override this.MatMul<'T when 'T :> IFloatingPointIeee754<'T>>(a: Tensor<'T>, b: Tensor<'T>) =
        if typeof<'T> = typeof<float> then NumPyArithmetic.matmul a b else base.MatMul(a, b)
    override this.MatMulTN<'T when 'T :> IFloatingPointIeee754<'T>>(a: Tensor<'T>, b: Tensor<'T>) =
        if typeof<'T> = typeof<float> then NumPyArithmetic.matmulTN a b else base.MatMulTN(a, b)
    override this.MatMulTNInto<'T when 'T :> IFloatingPointIeee754<'T>>(a: Tensor<'T>, b: Tensor<'T>, destination: 'T[]) =
        if typeof<'T> = typeof<float> then
            let c = NumPyArithmetic.matmulTN a b
            if c.Length <> destination.Length then
                raise (ShapeMismatchException("Tensor.matmulTN", sprintf "a destination of %d elements" c.Length, sprintf "%d elements" destination.Length))
            Array.blit c.Data 0 destination 0 c.Length
        else base.MatMulTNInto(a, b, destination)
    override this.MatMulNT<'T when 'T :> IFloatingPointIeee754<'T>>(a: Tensor<'T>, b: Tensor<'T>) =
        if typeof<'T> = typeof<float> then NumPyArithmetic.matmulNT a b else base.MatMulNT(a, b)
    // `np.sum(x, axis=0)` (a bias gradient) adds the rows in order, which the fast backend
    // already does: both share ColumnSumsInto.
    override this.RowSums<'T when 'T :> IFloatingPointIeee754<'T>>(x: Tensor<'T>) =
        if typeof<'T> = typeof<float> then unbox<'T[]> (box (NumPyArithmetic.rowSums x)) else base.RowSums x
    override this.Sum<'T when 'T :> IFloatingPointIeee754<'T>>(x: Tensor<'T>) =
        if typeof<'T> = typeof<float> then 'T.CreateTruncating(NumPyArithmetic.sumOf x) else base.Sum x
    override this.SumOfSquares<'T when 'T :> IFloatingPointIeee754<'T>>(x: Tensor<'T>) =
        if typeof<'T> = typeof<float> then
            // np.sum(np.power(x, 2)): NumPy's power (SVML's), not x·x; the two differ in the last bit.
            let d = Array.map (fun (v: 'T) -> NumPyArithmetic.pow (Double.CreateTruncating v) 2.0) x.Data
            'T.CreateTruncating(NumPyArithmetic.sum d)
        else base.SumOfSquares x
    override this.Exp<'T when 'T :> IFloatingPointIeee754<'T>>(x: Tensor<'T>) =
        if typeof<'T> = typeof<float> then Tensor.map (fun (v: 'T) -> 'T.CreateTruncating(NumPyArithmetic.exp (Double.CreateTruncating v))) x else base.Exp x
    override this.Log<'T when 'T :> IFloatingPointIeee754<'T>>(x: Tensor<'T>) =
        if typeof<'T> = typeof<float> then Tensor.map (fun (v: 'T) -> 'T.CreateTruncating(NumPyArithmetic.log (Double.CreateTruncating v))) x else base.Log x
    override this.Tanh<'T when 'T :> IFloatingPointIeee754<'T>>(x: Tensor<'T>) =
        if typeof<'T> = typeof<float> then NumPyArithmetic.tanhOf x else base.Tanh x
    override this.Sigmoid<'T when 'T :> IFloatingPointIeee754<'T>>(x: Tensor<'T>) =
        if typeof<'T> = typeof<float> then NumPyArithmetic.sigmoid x else base.Sigmoid x
    override this.Softmax<'T when 'T :> IFloatingPointIeee754<'T>>(x: Tensor<'T>) =
        if typeof<'T> = typeof<float> then NumPyArithmetic.softmax x else base.Softmax x
    override _.Pow(x: float, y: float) = NumPyArithmetic.pow x y
    // The book computes a set's loss in one pass; so does this backend (dense networks only).
    override _.EvaluationRows = Int32.MaxValue

/// The backends of the book layer.
[<RequireQualifiedAccess>]
module NumPyBackend =

    /// NumPy's arithmetic (see `NumPyBackend`): one shared value.
    let instance: Backend = NumPyBackend()
