namespace DeepFunctional

open System
open System.Numerics


/// The primitive kernels every operation of a network calls: the matrix products and their
/// transposed variants, row and column sums, the reductions a loss needs, the transcendental
/// functions, softmax and the scalar power. A network carries one backend value and passes it
/// to its layers, losses and optimizer, so the arithmetic of a whole run is chosen in one place
/// (one virtual call per tensor operation, never one per element).
///
/// `Backend.fast` is the default: our blocked matrix multiply with fused multiply-adds on all
/// cores and vectorised functions. Another backend inherits `FastBackend` and overrides the
/// kernels it computes differently (one that repeats another library's rounding bit for bit,
/// or, later, one that runs on a GPU). Every kernel is generic over the element type; a backend
/// that defines a kernel for one precision only falls back to the base kernel for the other.
[<AbstractClass>]
type Backend(name: string) =

    /// A short name for messages and summaries, e.g. "fast".
    member _.Name = name

    /// a·b: [m; k] · [k; n] -> [m; n].
    abstract MatMul<'T when 'T :> IFloatingPointIeee754<'T>> : a: Tensor<'T> * b: Tensor<'T> -> Tensor<'T>

    /// aᵀ·b: [k; m]ᵀ · [k; n] -> [m; n] (a weight gradient Xᵀ·dY).
    abstract MatMulTN<'T when 'T :> IFloatingPointIeee754<'T>> : a: Tensor<'T> * b: Tensor<'T> -> Tensor<'T>

    /// aᵀ·b written row-major into `destination` (m·n elements; its previous contents are
    /// overwritten): the trainer's recycled gradient buffers.
    abstract MatMulTNInto<'T when 'T :> IFloatingPointIeee754<'T>> : a: Tensor<'T> * b: Tensor<'T> * destination: 'T[] -> unit

    /// a·bᵀ: [m; k] · [n; k]ᵀ -> [m; n] (an input gradient dY·Wᵀ).
    abstract MatMulNT<'T when 'T :> IFloatingPointIeee754<'T>> : a: Tensor<'T> * b: Tensor<'T> -> Tensor<'T>

    /// The column sums of an [m; n] matrix written into `destination` (n elements): the
    /// gradient of a broadcast bias row.
    abstract ColumnSumsInto<'T when 'T :> IFloatingPointIeee754<'T>> : x: Tensor<'T> * destination: 'T[] -> unit

    /// The sum of each row of an [m; n] matrix: m values.
    abstract RowSums<'T when 'T :> IFloatingPointIeee754<'T>> : x: Tensor<'T> -> 'T[]

    /// The sum of all elements.
    abstract Sum<'T when 'T :> IFloatingPointIeee754<'T>> : x: Tensor<'T> -> 'T

    /// The sum of the squares of all elements.
    abstract SumOfSquares<'T when 'T :> IFloatingPointIeee754<'T>> : x: Tensor<'T> -> 'T

    /// e^x elementwise.
    abstract Exp<'T when 'T :> IFloatingPointIeee754<'T>> : x: Tensor<'T> -> Tensor<'T>

    /// The natural logarithm elementwise.
    abstract Log<'T when 'T :> IFloatingPointIeee754<'T>> : x: Tensor<'T> -> Tensor<'T>

    /// tanh elementwise.
    abstract Tanh<'T when 'T :> IFloatingPointIeee754<'T>> : x: Tensor<'T> -> Tensor<'T>

    /// The logistic sigmoid 1/(1 + e^−x) elementwise.
    abstract Sigmoid<'T when 'T :> IFloatingPointIeee754<'T>> : x: Tensor<'T> -> Tensor<'T>

    /// The softmax of each row of an [n; k] matrix.
    abstract Softmax<'T when 'T :> IFloatingPointIeee754<'T>> : x: Tensor<'T> -> Tensor<'T>

    /// x^y of two doubles (a decay factor).
    abstract Pow: x: float * y: float -> float

    /// How many rows a network evaluates at once when it computes the loss or the predictions of
    /// a large set (memory stays bounded; every loss is a mean over rows, so chunks combine).
    abstract EvaluationRows: int

    /// The backend's name.
    override _.ToString() = name

/// The default backend: our matrix multiply (`Gemm`: packed, register-blocked, FMA, both cores,
/// results independent of the thread count) and `TensorPrimitives`' vectorised functions, each
/// result depending only on its input (see `Transcendental`). Inherit it to override some kernels.
type FastBackend(name: string) =
    inherit Backend(name)

    /// The fast backend under its own name, "fast".
    new() = FastBackend("fast")

    override _.MatMul<'T when 'T :> IFloatingPointIeee754<'T>>(a: Tensor<'T>, b: Tensor<'T>) = Tensor.matmul a b
    override _.MatMulTN<'T when 'T :> IFloatingPointIeee754<'T>>(a: Tensor<'T>, b: Tensor<'T>) = Tensor.matmulTN a b
    override _.MatMulTNInto<'T when 'T :> IFloatingPointIeee754<'T>>(a: Tensor<'T>, b: Tensor<'T>, destination: 'T[]) = Tensor.matmulTNInto destination a b
    override _.MatMulNT<'T when 'T :> IFloatingPointIeee754<'T>>(a: Tensor<'T>, b: Tensor<'T>) = Tensor.matmulNT a b
    override _.ColumnSumsInto<'T when 'T :> IFloatingPointIeee754<'T>>(x: Tensor<'T>, destination: 'T[]) = Tensor.sumRowsInto destination x
    override _.RowSums<'T when 'T :> IFloatingPointIeee754<'T>>(x: Tensor<'T>) =
        Shape.checkRank "Backend.RowSums" "input" 2 x.Dims
        let n, k = x.Dims.[0], x.Dims.[1]
        Array.init n (fun i -> Tensors.TensorPrimitives.Sum(ReadOnlySpan<'T>(x.Data, i * k, k)))
    override _.Sum<'T when 'T :> IFloatingPointIeee754<'T>>(x: Tensor<'T>) = Tensor.sum x
    override _.SumOfSquares<'T when 'T :> IFloatingPointIeee754<'T>>(x: Tensor<'T>) = Tensor.sumOfSquares x
    override _.Exp<'T when 'T :> IFloatingPointIeee754<'T>>(x: Tensor<'T>) = Tensor.exp x
    override _.Log<'T when 'T :> IFloatingPointIeee754<'T>>(x: Tensor<'T>) = Tensor.log x
    override _.Tanh<'T when 'T :> IFloatingPointIeee754<'T>>(x: Tensor<'T>) = Tensor.tanh x
    override _.Sigmoid<'T when 'T :> IFloatingPointIeee754<'T>>(x: Tensor<'T>) = Tensor.sigmoid x
    override _.Softmax<'T when 'T :> IFloatingPointIeee754<'T>>(x: Tensor<'T>) = Tensor.softmaxRows x
    override _.Pow(x: float, y: float) = Math.Pow(x, y)
    override _.EvaluationRows = 1000

/// The library's backends.
[<RequireQualifiedAccess>]
module Backend =

    /// The default backend (see `FastBackend`).
    let fast: Backend = FastBackend()

    /// a·b through the backend, after checking the shapes (the operation's name in errors).
    /// <exception cref="ShapeMismatchException">when the inner dimensions differ.</exception>
    let matmul (op: string) (backend: Backend) (a: Tensor<'T>) (b: Tensor<'T>) : Tensor<'T> =
        Shape.checkMatmul op a.Dims b.Dims |> ignore
        backend.MatMul(a, b)
