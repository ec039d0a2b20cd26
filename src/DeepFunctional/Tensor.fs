namespace DeepFunctional

open System
open System.Numerics
open System.Numerics.Tensors

/// Conversions between the element type and plain numbers, so that generic code can name
/// constants without spelling out its constraints.
[<RequireQualifiedAccess>]
module Num =
    /// A double as `'T`, rounded to nearest.
    let ofFloat<'T when 'T :> IFloatingPointIeee754<'T>> (x: float) : 'T = 'T.CreateTruncating x
    /// An integer as `'T`.
    let ofInt<'T when 'T :> IFloatingPointIeee754<'T>> (x: int) : 'T = 'T.CreateTruncating x
    /// A `'T` as a double.
    let toFloat<'T when 'T :> IFloatingPointIeee754<'T>> (x: 'T) : float = Double.CreateTruncating x
    /// One.
    let one<'T when 'T :> IFloatingPointIeee754<'T>> : 'T = 'T.One

/// An immutable n-dimensional array of `'T` (`float` or `float32`) in contiguous,
/// row-major storage. Its buffer is private and never written after construction:
/// every operation returns a new tensor.
[<Sealed>]
type Tensor<'T> internal (shape: int[], data: 'T[]) =
    /// The dimensions, outermost first (a fresh copy on each call).
    member _.Shape: int[] = Array.copy shape
    /// The dimensions without a copy, for the library's own use.
    member internal _.Dims: int[] = shape
    /// The element buffer without a copy, for the library's own use. Never written.
    member internal _.Data: 'T[] = data
    /// The number of dimensions.
    member _.Rank = shape.Length
    /// The number of elements.
    member _.Length = data.Length
    /// The first dimension (the batch or row count); 1 for a scalar.
    member _.Rows = if shape.Length = 0 then 1 else shape.[0]
    /// The number of elements per row (the product of all dimensions but the first).
    member _.Cols = if shape.Length = 0 then 1 elif shape.[0] = 0 then 0 else data.Length / shape.[0]
    /// The element at row i and column j of a matrix.
    member _.Item
        with get (i: int, j: int): 'T =
            if shape.Length <> 2 then
                raise (ShapeMismatchException("Tensor.Item", "a matrix (rank 2)", sprintf "shape %s" (Shape.format shape)))
            if i < 0 || i >= shape.[0] || j < 0 || j >= shape.[1] then
                raise (InvalidValueException("Tensor.Item", sprintf "an index within %s" (Shape.format shape), sprintf "(%d, %d)" i j))
            data.[i * shape.[1] + j]
    /// A read-only view of the elements in row-major order.
    member _.AsSpan() = ReadOnlySpan<'T>(data)
    /// A copy of the elements in row-major order.
    member _.ToArray() = Array.copy data
    /// A short description: shape and the first few elements.
    override _.ToString() =
        let shown = data |> Seq.truncate 6 |> Seq.map string |> String.concat "; "
        sprintf "Tensor %s [%s%s]" (Shape.format shape) shown (if data.Length > 6 then "; ..." else "")

/// A mutable array of a tensor's shape, owned by one computation: the one kind of memory the
/// library writes after it is created. The trainer keeps the parameters, gradients and optimizer
/// state it updates in place in buffers. `View` lends the buffer's current contents as a tensor
/// for the passes of one step (no copy): it is the only tensor whose contents change later, and
/// it never leaves the code that owns the buffer; `Snapshot` copies the contents into a tensor
/// anyone may keep.
[<Sealed>]
type internal TensorBuffer<'T>(shape: int[], data: 'T[]) =
    let view = Tensor<'T>(shape, data)
    /// The dimensions (not a copy; never changed).
    member _.Dims = shape
    /// The elements, written in place by their owner.
    member _.Data = data
    /// The current contents as a tensor sharing the buffer's array (see the type's summary).
    member _.View = view
    /// A copy of the current contents.
    member _.Snapshot() = Tensor<'T>(shape, Array.copy data)
    /// A buffer holding a copy of a tensor's elements.
    static member Of(t: Tensor<'T>) = TensorBuffer<'T>(t.Dims, Array.copy t.Data)
    /// A buffer of zeros of the given shape.
    static member Zeros(shape: int[]) = TensorBuffer<'T>(Array.copy shape, Array.zeroCreate (Shape.countFor "TensorBuffer.Zeros" shape))

/// The transcendental functions of `TensorPrimitives` that the library uses.
[<RequireQualifiedAccess>]
type internal Transcendental =
    | Exp
    | Log
    | Tanh
    | Sigmoid

/// `TensorPrimitives`' transcendental functions, evaluated so that each result depends only on
/// its input value.
///
/// `TensorPrimitives` evaluates a whole vector in scalar code when one of its lanes holds an
/// extreme input (e^x beyond ±708 in double or ±87 in single precision, which tanh and the
/// sigmoid reach at half or the same argument; for the logarithm anything but a positive normal
/// number), and the scalar code's last bit can differ from the vector code's. Which elements
/// share a vector with an extreme input depends on the vector width the code runs with (it
/// changes when the JIT recompiles hot code) and on the alignment of the destination, so a
/// seeded run whose activations or logits grow large (chapter 5's CNN, whose logits reach
/// hundreds) did not repeat itself from run to run. Here extreme inputs are evaluated on their
/// own, in scalar code, and every vector `TensorPrimitives` sees holds ordinary inputs only.
[<RequireQualifiedAccess>]
module internal Transcendental =

    /// Elements per block of the slow path.
    [<Literal>]
    let Block = 4096

    let private vector<'T when 'T :> IFloatingPointIeee754<'T>> (f: Transcendental) (x: ReadOnlySpan<'T>) (y: Span<'T>) =
        match f with
        | Transcendental.Exp -> TensorPrimitives.Exp(x, y)
        | Transcendental.Log -> TensorPrimitives.Log(x, y)
        | Transcendental.Tanh -> TensorPrimitives.Tanh(x, y)
        | Transcendental.Sigmoid -> TensorPrimitives.Sigmoid(x, y)

    let private scalar<'T when 'T :> IFloatingPointIeee754<'T>> (f: Transcendental) (x: 'T) : 'T =
        match f with
        | Transcendental.Exp -> 'T.Exp x
        | Transcendental.Log -> 'T.Log x
        | Transcendental.Tanh -> 'T.Tanh x
        | Transcendental.Sigmoid -> 'T.One / ('T.One + 'T.Exp(-x))

    /// The largest |x| that is ordinary for f, with a margin below `TensorPrimitives`' limits.
    let private limit<'T when 'T :> IFloatingPointIeee754<'T>> (f: Transcendental) : 'T =
        let single = typeof<'T> = typeof<float32>
        match f with
        | Transcendental.Tanh -> 'T.CreateTruncating(if single then 40.0 else 350.0)
        | _ -> 'T.CreateTruncating(if single then 80.0 else 700.0)

    let inline private ordinary<'T when 'T :> IFloatingPointIeee754<'T>> (f: Transcendental) (lim: 'T) (x: 'T) =
        match f with
        | Transcendental.Log -> 'T.IsNormal x && 'T.IsPositive x && 'T.IsFinite x
        | _ -> 'T.op_LessThanOrEqual('T.Abs x, lim)

    /// y = f(x) elementwise; x and y have the same length and may be the same span.
    let into<'T when 'T :> IFloatingPointIeee754<'T>> (f: Transcendental) (x: ReadOnlySpan<'T>) (y: Span<'T>) : unit =
        if x.Length <> y.Length then
            raise (ShapeMismatchException("Transcendental.into", sprintf "an output of %d elements" x.Length, sprintf "%d elements" y.Length))
        let lim = limit<'T> f
        let allOrdinary =
            x.Length = 0
            || (match f with
                | Transcendental.Log ->
                    let mutable ok = true
                    for v in x do ok <- ok && ordinary f lim v
                    ok
                | _ -> 'T.op_LessThanOrEqual('T.Abs(TensorPrimitives.MaxMagnitude x), lim))
        if allOrdinary then
            vector f x y
        else
            let scratch = Buffers.ArrayPool<'T>.Shared.Rent(min x.Length Block)
            try
                let mutable start = 0
                while start < x.Length do
                    let n = min Block (x.Length - start)
                    let src = x.Slice(start, n)
                    let s = Span<'T>(scratch, 0, n)
                    src.CopyTo(s)
                    // The test is written out per kind so these loops stay plain comparisons (a
                    // saturated sigmoid layer takes this path on every batch).
                    if f = Transcendental.Log then
                        for i in 0 .. n - 1 do
                            if not (ordinary f lim s.[i]) then s.[i] <- 'T.Zero
                    else
                        for i in 0 .. n - 1 do
                            if not ('T.op_LessThanOrEqual('T.Abs s.[i], lim)) then s.[i] <- 'T.Zero
                    vector f (ReadOnlySpan<'T>(scratch, 0, n)) s
                    if f = Transcendental.Log then
                        for i in 0 .. n - 1 do
                            if not (ordinary f lim src.[i]) then s.[i] <- scalar f src.[i]
                    else
                        for i in 0 .. n - 1 do
                            let v = src.[i]
                            if not ('T.op_LessThanOrEqual('T.Abs v, lim)) then s.[i] <- scalar f v
                    s.CopyTo(y.Slice(start, n))
                    start <- start + n
            finally
                Buffers.ArrayPool<'T>.Shared.Return scratch

/// Functions over tensors. Elementwise work goes through `TensorPrimitives` (SIMD);
/// matrix products through `Gemm`.
[<RequireQualifiedAccess>]
module Tensor =

    /// Wraps an array the caller gives up (no copy). Library use only.
    let internal wrap (shape: int[]) (data: 'T[]) = Tensor<'T>(shape, data)

    /// A tensor of the given shape with a copy of `data` (row-major).
    /// <exception cref="ShapeMismatchException">when the element count does not match the shape.</exception>
    let create (shape: int[]) (data: 'T[]) =
        Shape.checkValid "Tensor.create" shape
        let n = Shape.countFor "Tensor.create" shape
        if n <> data.Length then
            raise (ShapeMismatchException("Tensor.create", sprintf "%d elements for shape %s" n (Shape.format shape), sprintf "%d elements" data.Length))
        Tensor<'T>(Array.copy shape, Array.copy data)

    /// A copy with its own buffer.
    let internal copy (t: Tensor<'T>) = Tensor<'T>(t.Dims, Array.copy t.Data)

    /// A tensor of zeros.
    let zeros<'T> (shape: int[]) : Tensor<'T> =
        Shape.checkValid "Tensor.zeros" shape
        Tensor<'T>(Array.copy shape, Array.zeroCreate (Shape.countFor "Tensor.zeros" shape))

    /// A tensor filled with one value.
    let fill (shape: int[]) (value: 'T) =
        Shape.checkValid "Tensor.fill" shape
        Tensor<'T>(Array.copy shape, Array.create (Shape.countFor "Tensor.fill" shape) value)

    /// A matrix from a .NET 2-D array.
    let ofArray2D (a: 'T[,]) =
        let r, c = Array2D.length1 a, Array2D.length2 a
        let data = Array.zeroCreate (r * c)
        for i in 0 .. r - 1 do
            for j in 0 .. c - 1 do
                data.[i * c + j] <- a.[i, j]
        Tensor<'T>([| r; c |], data)

    /// A matrix from rows of equal length.
    /// <exception cref="ShapeMismatchException">when the rows differ in length.</exception>
    let ofRows (rows: 'T[][]) =
        let c = if rows.Length = 0 then 0 else rows.[0].Length
        rows |> Array.iteri (fun i row ->
            if row.Length <> c then
                raise (ShapeMismatchException("Tensor.ofRows", sprintf "every row with %d elements like row 0" c, sprintf "row %d with %d" i row.Length)))
        Tensor<'T>([| rows.Length; c |], Array.concat rows)

    /// A matrix as a .NET 2-D array.
    let toArray2D (t: Tensor<'T>) : 'T[,] =
        Shape.checkRank "Tensor.toArray2D" "tensor" 2 t.Dims
        let r, c = t.Dims.[0], t.Dims.[1]
        Array2D.init r c (fun i j -> t.Data.[i * c + j])

    /// The same elements under another shape with the same element count.
    let reshape (shape: int[]) (t: Tensor<'T>) =
        Shape.checkValid "Tensor.reshape" shape
        if Shape.countFor "Tensor.reshape" shape <> t.Length then
            raise (ShapeMismatchException("Tensor.reshape", sprintf "a shape of %d elements" t.Length, Shape.format shape))
        Tensor<'T>(Array.copy shape, t.Data)

    /// Applies a function to every element (scalar code; prefer the named operations).
    let map (f: 'T -> 'U) (t: Tensor<'T>) = Tensor<'U>(t.Dims, Array.map f t.Data)

    /// Applies a function to pairs of elements of two tensors of the same shape.
    let map2 (f: 'T -> 'T -> 'U) (a: Tensor<'T>) (b: Tensor<'T>) =
        Shape.checkSame "Tensor.map2" "a" a.Dims "b" b.Dims
        Tensor<'U>(a.Dims, Array.map2 f a.Data b.Data)

    /// Elementwise a + b.
    let add (a: Tensor<'T>) (b: Tensor<'T>) =
        Shape.checkSame "Tensor.add" "a" a.Dims "b" b.Dims
        let out = GC.AllocateUninitializedArray<'T> a.Length
        TensorPrimitives.Add(ReadOnlySpan<'T>(a.Data), ReadOnlySpan<'T>(b.Data), Span<'T>(out))
        Tensor<'T>(a.Dims, out)

    /// Elementwise a − b.
    let sub (a: Tensor<'T>) (b: Tensor<'T>) =
        Shape.checkSame "Tensor.sub" "a" a.Dims "b" b.Dims
        let out = GC.AllocateUninitializedArray<'T> a.Length
        TensorPrimitives.Subtract(ReadOnlySpan<'T>(a.Data), ReadOnlySpan<'T>(b.Data), Span<'T>(out))
        Tensor<'T>(a.Dims, out)

    /// Elementwise (Hadamard) product a ⊙ b.
    let mul (a: Tensor<'T>) (b: Tensor<'T>) =
        Shape.checkSame "Tensor.mul" "a" a.Dims "b" b.Dims
        let out = GC.AllocateUninitializedArray<'T> a.Length
        TensorPrimitives.Multiply(ReadOnlySpan<'T>(a.Data), ReadOnlySpan<'T>(b.Data), Span<'T>(out))
        Tensor<'T>(a.Dims, out)

    /// Every element times a scalar.
    let scale (s: 'T) (t: Tensor<'T>) =
        let out = GC.AllocateUninitializedArray<'T> t.Length
        TensorPrimitives.Multiply(ReadOnlySpan<'T>(t.Data), s, Span<'T>(out))
        Tensor<'T>(t.Dims, out)

    /// x·s + y elementwise, rounded as a product then a sum (not fused), as NumPy does:
    /// `axpy (−lr) grad param` is the SGD step `param − lr·grad`.
    let axpy (s: 'T) (x: Tensor<'T>) (y: Tensor<'T>) =
        Shape.checkSame "Tensor.axpy" "y" y.Dims "x" x.Dims
        let out = GC.AllocateUninitializedArray<'T> x.Length
        TensorPrimitives.MultiplyAdd(ReadOnlySpan<'T>(x.Data), s, ReadOnlySpan<'T>(y.Data), Span<'T>(out))
        Tensor<'T>(x.Dims, out)

    /// Elementwise logistic sigmoid 1/(1+e^−x).
    let sigmoid<'T when 'T :> IFloatingPointIeee754<'T>> (t: Tensor<'T>) =
        let out = GC.AllocateUninitializedArray<'T> t.Length
        Transcendental.into Transcendental.Sigmoid (ReadOnlySpan<'T>(t.Data)) (Span<'T>(out))
        Tensor<'T>(t.Dims, out)

    /// Elementwise hyperbolic tangent.
    let tanh<'T when 'T :> IFloatingPointIeee754<'T>> (t: Tensor<'T>) =
        let out = GC.AllocateUninitializedArray<'T> t.Length
        Transcendental.into Transcendental.Tanh (ReadOnlySpan<'T>(t.Data)) (Span<'T>(out))
        Tensor<'T>(t.Dims, out)

    /// Elementwise max(x, 0).
    let relu<'T when 'T :> IFloatingPointIeee754<'T>> (t: Tensor<'T>) =
        let out = GC.AllocateUninitializedArray<'T> t.Length
        TensorPrimitives.Max<'T>(ReadOnlySpan<'T>(t.Data), 'T.Zero, Span<'T>(out))
        Tensor<'T>(t.Dims, out)

    /// Elementwise e^x.
    let exp<'T when 'T :> IFloatingPointIeee754<'T>> (t: Tensor<'T>) =
        let out = GC.AllocateUninitializedArray<'T> t.Length
        Transcendental.into Transcendental.Exp (ReadOnlySpan<'T>(t.Data)) (Span<'T>(out))
        Tensor<'T>(t.Dims, out)

    /// Elementwise natural logarithm.
    let log<'T when 'T :> IFloatingPointIeee754<'T>> (t: Tensor<'T>) =
        let out = GC.AllocateUninitializedArray<'T> t.Length
        Transcendental.into Transcendental.Log (ReadOnlySpan<'T>(t.Data)) (Span<'T>(out))
        Tensor<'T>(t.Dims, out)

    /// Row-wise e^x / Σ e^x of an [n; k] matrix, computed stably (the row maximum is subtracted
    /// first), each row non-negative and summing to 1.
    /// <exception cref="ShapeMismatchException">when x is not a matrix.</exception>
    let softmaxRows<'T when 'T :> IFloatingPointIeee754<'T>> (x: Tensor<'T>) : Tensor<'T> =
        Shape.checkRank "Softmax.forward" "input" 2 x.Dims
        let n, k = x.Dims.[0], x.Dims.[1]
        let out = Array.zeroCreate<'T> x.Length
        if k > 0 then
            for i in 0 .. n - 1 do
                let row = ReadOnlySpan<'T>(x.Data, i * k, k)
                let m: 'T = TensorPrimitives.Max(row)
                TensorPrimitives.Subtract(row, m, Span<'T>(out, i * k, k))
            // One call for the whole matrix (each element's e^x does not depend on its
            // neighbours; see Transcendental): per row, the call's checks cost more than the exps.
            Transcendental.into Transcendental.Exp (ReadOnlySpan<'T>(out)) (Span<'T>(out))
            for i in 0 .. n - 1 do
                let o = Span<'T>(out, i * k, k)
                let s: 'T = TensorPrimitives.Sum(ReadOnlySpan<'T>(out, i * k, k))
                TensorPrimitives.Divide(ReadOnlySpan<'T>(out, i * k, k), s, o)
        Tensor<'T>(x.Dims, out)

    /// The sum of all elements.
    let sum (t: Tensor<'T>) : 'T = TensorPrimitives.Sum(ReadOnlySpan<'T>(t.Data))

    /// The sum of squares of all elements.
    let sumOfSquares (t: Tensor<'T>) : 'T = TensorPrimitives.SumOfSquares(ReadOnlySpan<'T>(t.Data))

    /// The mean of all elements (NaN for an empty tensor).
    let mean<'T when 'T :> IFloatingPointIeee754<'T>> (t: Tensor<'T>) : 'T =
        let s: 'T = sum t
        s / 'T.CreateTruncating t.Length

    /// Runs the matrix-multiply kernel at the concrete element type, so that the kernel's
    /// SIMD constraints do not spread to every generic caller.
    let private gemm (transA: bool) (transB: bool) (m: int) (n: int) (k: int) (a: 'T[]) (b: 'T[]) (c: 'T[]) =
        match box a, box b, box c with
        | (:? (float[]) as a), (:? (float[]) as b), (:? (float[]) as c) -> Gemm.multiply transA transB m n k a b c
        | (:? (float32[]) as a), (:? (float32[]) as b), (:? (float32[]) as c) -> Gemm.multiply transA transB m n k a b c
        | _ -> raise (NotSupportedException(sprintf "Tensor.matmul: expected float or float32 elements, got %s" typeof<'T>.Name))

    /// The matrix product a·b: [m; k] · [k; n] -> [m; n].
    /// <exception cref="ShapeMismatchException">when the inner dimensions differ.</exception>
    let matmul (a: Tensor<'T>) (b: Tensor<'T>) =
        let m, k, n = Shape.checkMatmul "Tensor.matmul" a.Dims b.Dims
        let c = GC.AllocateUninitializedArray<'T> (m * n)
        gemm false false m n k a.Data b.Data c
        Tensor<'T>([| m; n |], c)

    /// aᵀ·b without forming aᵀ: [k; m]ᵀ · [k; n] -> [m; n] (a weight gradient Xᵀ·dY).
    let matmulTN (a: Tensor<'T>) (b: Tensor<'T>) =
        Shape.checkRank "Tensor.matmulTN" "left operand" 2 a.Dims
        let _, k, n = Shape.checkMatmul "Tensor.matmulTN" [| a.Dims.[1]; a.Dims.[0] |] b.Dims
        let m = a.Dims.[1]
        let c = GC.AllocateUninitializedArray<'T> (m * n)
        gemm true false m n k a.Data b.Data c
        Tensor<'T>([| m; n |], c)

    /// `matmulTN` written row-major into `destination` (m·n elements, overwritten): for the
    /// trainer's gradient buffers (`TensorBuffer`), which it reuses from one step to the next.
    /// <exception cref="ShapeMismatchException">when the shapes do not fit or the destination has another length.</exception>
    let internal matmulTNInto (destination: 'T[]) (a: Tensor<'T>) (b: Tensor<'T>) =
        Shape.checkRank "Tensor.matmulTN" "left operand" 2 a.Dims
        let _, k, n = Shape.checkMatmul "Tensor.matmulTN" [| a.Dims.[1]; a.Dims.[0] |] b.Dims
        let m = a.Dims.[1]
        if destination.Length <> m * n then
            raise (ShapeMismatchException("Tensor.matmulTN", sprintf "a destination of %d elements" (m * n), sprintf "%d elements" destination.Length))
        gemm true false m n k a.Data b.Data destination

    /// The column sums of an m×n matrix written into `destination` (n elements, overwritten),
    /// the rows added in order (see `sumRows`).
    /// <exception cref="ShapeMismatchException">when x is not a matrix or the destination has another length.</exception>
    let internal sumRowsInto (destination: 'T[]) (x: Tensor<'T>) =
        Shape.checkRank "Tensor.sumRows" "input" 2 x.Dims
        let m, n = x.Dims.[0], x.Dims.[1]
        if destination.Length <> n then
            raise (ShapeMismatchException("Tensor.sumRows", sprintf "a destination of %d elements" n, sprintf "%d elements" destination.Length))
        Array.Clear destination
        for i in 0 .. m - 1 do
            TensorPrimitives.Add(ReadOnlySpan<'T>(destination), ReadOnlySpan<'T>(x.Data, i * n, n), Span<'T>(destination))

    /// a·bᵀ without forming bᵀ: [m; k] · [n; k]ᵀ -> [m; n] (an input gradient dY·Wᵀ).
    let matmulNT (a: Tensor<'T>) (b: Tensor<'T>) =
        Shape.checkRank "Tensor.matmulNT" "right operand" 2 b.Dims
        let m, k, _ = Shape.checkMatmul "Tensor.matmulNT" a.Dims [| b.Dims.[1]; b.Dims.[0] |]
        let n = b.Dims.[0]
        let c = GC.AllocateUninitializedArray<'T> (m * n)
        gemm false true m n k a.Data b.Data c
        Tensor<'T>([| m; n |], c)

    /// The transpose of a matrix.
    let transpose (t: Tensor<'T>) =
        Shape.checkRank "Tensor.transpose" "tensor" 2 t.Dims
        let r, c = t.Dims.[0], t.Dims.[1]
        let out = GC.AllocateUninitializedArray<'T> t.Length
        for i in 0 .. r - 1 do
            for j in 0 .. c - 1 do
                out.[j * r + i] <- t.Data.[i * c + j]
        Tensor<'T>([| c; r |], out)

    /// Adds a 1×n row to every row of an m×n matrix (broadcast).
    let addRow (x: Tensor<'T>) (row: Tensor<'T>) =
        Shape.checkRowBroadcast "Tensor.addRow" x.Dims row.Dims
        let m, n = x.Dims.[0], x.Dims.[1]
        let out = GC.AllocateUninitializedArray<'T> x.Length
        let r = ReadOnlySpan<'T>(row.Data)
        for i in 0 .. m - 1 do
            TensorPrimitives.Add(ReadOnlySpan<'T>(x.Data, i * n, n), r, Span<'T>(out, i * n, n))
        Tensor<'T>(x.Dims, out)

    /// The column sums of an m×n matrix as a 1×n row (the gradient of a broadcast row).
    let sumRows (x: Tensor<'T>) =
        Shape.checkRank "Tensor.sumRows" "input" 2 x.Dims
        let m, n = x.Dims.[0], x.Dims.[1]
        let out = Array.zeroCreate n
        for i in 0 .. m - 1 do
            TensorPrimitives.Add(ReadOnlySpan<'T>(out), ReadOnlySpan<'T>(x.Data, i * n, n), Span<'T>(out))
        Tensor<'T>([| 1; n |], out)

    /// The rows `start .. start+count−1` (the leading dimension) of a tensor.
    let sliceRows (start: int) (count: int) (t: Tensor<'T>) =
        if t.Rank = 0 then raise (ShapeMismatchException("Tensor.sliceRows", "a tensor of rank 1 or more", "a scalar"))
        if start < 0 || count < 0 || start + count > t.Dims.[0] then
            raise (InvalidValueException("Tensor.sliceRows", sprintf "rows within 0..%d" (t.Dims.[0] - 1), sprintf "start %d, count %d" start count))
        let w = t.Cols
        let shape = Array.copy t.Dims
        shape.[0] <- count
        Tensor<'T>(shape, Array.sub t.Data (start * w) (count * w))

    /// The rows named by `indices`, in that order (a NumPy `x[indices]`).
    let gatherRows (indices: int[]) (t: Tensor<'T>) =
        if t.Rank = 0 then raise (ShapeMismatchException("Tensor.gatherRows", "a tensor of rank 1 or more", "a scalar"))
        let rows, w = t.Dims.[0], t.Cols
        let out = Array.zeroCreate (indices.Length * w)
        indices |> Array.iteri (fun k i ->
            if i < 0 || i >= rows then
                raise (InvalidValueException("Tensor.gatherRows", sprintf "row indices within 0..%d" (rows - 1), string i))
            Array.blit t.Data (i * w) out (k * w) w)
        let shape = Array.copy t.Dims
        shape.[0] <- indices.Length
        Tensor<'T>(shape, out)

    /// `gatherRows` into a buffer the caller owns and reuses (at least indices.Length rows long);
    /// the returned tensor wraps the buffer. For the trainer's batches only.
    let internal gatherRowsInto (buffer: 'T[]) (indices: int[]) (t: Tensor<'T>) =
        let w = t.Cols
        for k in 0 .. indices.Length - 1 do
            Array.blit t.Data (indices.[k] * w) buffer (k * w) w
        let shape = Array.copy t.Dims
        shape.[0] <- indices.Length
        if buffer.Length = indices.Length * w then Tensor<'T>(shape, buffer)
        else Tensor<'T>(shape, Array.sub buffer 0 (indices.Length * w))

    /// Converts the elements to another floating-point type (`float` ↔ `float32`).
    let convert<'T, 'U when 'T :> INumberBase<'T> and 'U :> INumberBase<'U>> (t: Tensor<'T>) : Tensor<'U> =
        let out = Array.zeroCreate<'U> t.Length
        TensorPrimitives.ConvertTruncating<'T, 'U>(ReadOnlySpan<'T>(t.Data), Span<'U>(out))
        Tensor<'U>(t.Dims, out)

    /// A tensor of doubles converted to `'T`.
    let ofFloats<'T when 'T :> INumberBase<'T>> (shape: int[]) (data: float[]) : Tensor<'T> =
        create shape data |> convert<float, 'T>

    /// True when every element is finite (no NaN, no infinity).
    let isFinite<'T when 'T :> IFloatingPointIeee754<'T>> (t: Tensor<'T>) =
        TensorPrimitives.IsFiniteAll(ReadOnlySpan<'T>(t.Data))

    /// Raises `InvalidValueException` naming the operation and the first bad element when a
    /// tensor holds NaN or infinity; returns the tensor otherwise.
    let checkFinite<'T when 'T :> IFloatingPointIeee754<'T>> (op: string) (name: string) (t: Tensor<'T>) =
        // The vectorised scan runs on every fit over the whole training set; the first bad
        // element is looked for only once one is known to exist.
        if TensorPrimitives.IsFiniteAll(ReadOnlySpan<'T>(t.Data)) then t
        else
            let i = t.Data |> Array.findIndex (fun v -> not ('T.IsFinite v))
            let w = max 1 t.Cols
            raise (InvalidValueException(op, sprintf "finite values in %s" name, sprintf "%O at row %d, column %d" t.Data.[i] (i / w) (i % w)))

    /// The largest absolute difference between two tensors of the same shape: NaN when any
    /// difference is NaN (a NaN on either side, or infinities of the same sign), infinity when
    /// one side is infinite and the other finite, 0 for empty tensors.
    let maxAbsDiff<'T when 'T :> IFloatingPointIeee754<'T>> (a: Tensor<'T>) (b: Tensor<'T>) : 'T =
        Shape.checkSame "Tensor.maxAbsDiff" "a" a.Dims "b" b.Dims
        if a.Length = 0 then 'T.Zero
        else
            let d = Array.zeroCreate a.Length
            TensorPrimitives.Subtract(ReadOnlySpan<'T>(a.Data), ReadOnlySpan<'T>(b.Data), Span<'T>(d))
            if TensorPrimitives.IsNaNAny(ReadOnlySpan<'T>(d)) then 'T.NaN
            else TensorPrimitives.MaxMagnitude(ReadOnlySpan<'T>(d)) |> 'T.Abs
