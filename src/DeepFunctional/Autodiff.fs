namespace DeepFunctional

open System
open System.Collections.Generic
open System.Numerics

/// A value in a differentiable computation: a tensor together with the values it was
/// computed from and how a gradient flows back to them (the book's `NumberWithGrad`, for
/// tensors). A `Var` is immutable and knows only its own parents: the graph of one
/// computation is the set of values reachable from its result, and no global tape exists.
/// Make them with the functions of `Autodiff`; differentiate with `Autodiff.gradients` or
/// `Autodiff.vjp`.
[<Sealed>]
type Var<'T> internal (value: Tensor<'T>, parents: Var<'T>[], backward: Tensor<'T> -> int -> Tensor<'T>, tracked: bool) =
    /// The tensor this value holds.
    member _.Value = value
    /// The shape of the value (a fresh copy on each call).
    member _.Shape = value.Shape
    /// The values this one was computed from (empty for an input or a constant).
    member internal _.Parents = parents
    /// Given the gradient at this value and a parent's index, that parent's share of the gradient.
    member internal _.Backward = backward
    /// True when this value depends on an input being differentiated (gradients flow only there).
    member internal _.Tracked = tracked
    /// A short description: the value's shape and whether it depends on an input.
    override _.ToString() =
        sprintf "Var %s%s" (Shape.format value.Dims) (if tracked then "" else " (constant)")

/// Reverse-mode automatic differentiation over tensors. A function from `Var` inputs to a
/// `Var` result, written with the primitives below, is differentiated by `gradients` (for a
/// scalar result) or `vjp` (a vector-Jacobian product for any result). The backward pass
/// visits each value once, in reverse topological order, and a value used several times
/// receives the sum of the gradients of its uses.
///
/// Example: `Autodiff.gradients (fun ps -> Autodiff.addRow (Autodiff.matmul (Autodiff.constant x) ps.[0]) ps.[1]
/// |> Autodiff.softmaxCrossEntropy y) [ w; b ]` returns the loss of a linear layer and [dW; dB].
[<RequireQualifiedAccess>]
module Autodiff =

    let private noBackward (_: Tensor<'T>) (_: int) : Tensor<'T> =
        raise (InvalidOperationException("Autodiff: a value without parents has no backward step"))

    /// A value computed from `parents`, tracked when any of them is.
    let private node (value: Tensor<'T>) (parents: Var<'T>[]) (backward: Tensor<'T> -> int -> Tensor<'T>) =
        Var<'T>(value, parents, backward, parents |> Array.exists (fun p -> p.Tracked))

    /// The single element of a scalar tensor.
    let private scalarOf (s: Tensor<'T>) : 'T = s.Data.[0]

    /// A scalar tensor (rank 0, one element).
    let private scalar (v: 'T) = Tensor.wrap [||] [| v |]

    /// A constant: a tensor the result may depend on, but which is not differentiated.
    let constant (t: Tensor<'T>) : Var<'T> = Var<'T>(t, [||], noBackward, false)

    /// An input being differentiated.
    let private input (t: Tensor<'T>) : Var<'T> = Var<'T>(t, [||], noBackward, true)

    /// The tensor a value holds.
    let value (v: Var<'T>) : Tensor<'T> = v.Value

    /// Elementwise a + b (same shapes).
    /// <exception cref="ShapeMismatchException">when the shapes differ.</exception>
    let add<'T when 'T :> IFloatingPointIeee754<'T>> (a: Var<'T>) (b: Var<'T>) : Var<'T> =
        Shape.checkSame "Autodiff.add" "a" a.Value.Dims "b" b.Value.Dims
        node (Tensor.add a.Value b.Value) [| a; b |] (fun dy _ -> dy)

    /// Elementwise a − b (same shapes).
    /// <exception cref="ShapeMismatchException">when the shapes differ.</exception>
    let sub<'T when 'T :> IFloatingPointIeee754<'T>> (a: Var<'T>) (b: Var<'T>) : Var<'T> =
        Shape.checkSame "Autodiff.sub" "a" a.Value.Dims "b" b.Value.Dims
        node (Tensor.sub a.Value b.Value) [| a; b |] (fun dy i -> if i = 0 then dy else Tensor.scale 'T.NegativeOne dy)

    /// Elementwise (Hadamard) product a ⊙ b (same shapes).
    /// <exception cref="ShapeMismatchException">when the shapes differ.</exception>
    let mul<'T when 'T :> IFloatingPointIeee754<'T>> (a: Var<'T>) (b: Var<'T>) : Var<'T> =
        Shape.checkSame "Autodiff.mul" "a" a.Value.Dims "b" b.Value.Dims
        node (Tensor.mul a.Value b.Value) [| a; b |] (fun dy i -> if i = 0 then Tensor.mul dy b.Value else Tensor.mul dy a.Value)

    /// Every element times the constant s.
    let scale<'T when 'T :> IFloatingPointIeee754<'T>> (s: 'T) (x: Var<'T>) : Var<'T> =
        node (Tensor.scale s x.Value) [| x |] (fun dy _ -> Tensor.scale s dy)

    /// The matrix product a·b: [m; k] · [k; n] -> [m; n].
    /// <exception cref="ShapeMismatchException">when the inner dimensions differ.</exception>
    let matmul<'T when 'T :> IFloatingPointIeee754<'T>> (a: Var<'T>) (b: Var<'T>) : Var<'T> =
        Shape.checkMatmul "Autodiff.matmul" a.Value.Dims b.Value.Dims |> ignore
        node (Tensor.matmul a.Value b.Value) [| a; b |] (fun dy i ->
            if i = 0 then Tensor.matmulNT dy b.Value else Tensor.matmulTN a.Value dy)

    /// x + b with the row b: [1; n] added to every row of x: [m; n].
    /// <exception cref="ShapeMismatchException">when b is not a 1×n row for x.</exception>
    let addRow<'T when 'T :> IFloatingPointIeee754<'T>> (x: Var<'T>) (b: Var<'T>) : Var<'T> =
        Shape.checkRowBroadcast "Autodiff.addRow" x.Value.Dims b.Value.Dims
        node (Tensor.addRow x.Value b.Value) [| x; b |] (fun dy i -> if i = 0 then dy else Tensor.sumRows dy)

    /// Elementwise logistic sigmoid.
    let sigmoid<'T when 'T :> IFloatingPointIeee754<'T>> (x: Var<'T>) : Var<'T> =
        let y = Tensor.sigmoid x.Value
        node y [| x |] (fun dy _ -> Sigmoid.backward y dy)

    /// Elementwise hyperbolic tangent.
    let tanh<'T when 'T :> IFloatingPointIeee754<'T>> (x: Var<'T>) : Var<'T> =
        let y = Tensor.tanh x.Value
        node y [| x |] (fun dy _ -> Tanh.backward y dy)

    /// Elementwise max(x, 0); the gradient passes where x > 0.
    let relu<'T when 'T :> IFloatingPointIeee754<'T>> (x: Var<'T>) : Var<'T> =
        node (Tensor.relu x.Value) [| x |] (fun dy _ -> ReLU.backward x.Value dy)

    /// Elementwise e^x.
    let exp<'T when 'T :> IFloatingPointIeee754<'T>> (x: Var<'T>) : Var<'T> =
        let y = Tensor.exp x.Value
        node y [| x |] (fun dy _ -> Tensor.mul dy y)

    /// Elementwise natural logarithm (of positive values).
    let log<'T when 'T :> IFloatingPointIeee754<'T>> (x: Var<'T>) : Var<'T> =
        node (Tensor.log x.Value) [| x |] (fun dy _ ->
            let out = Array.zeroCreate<'T> dy.Length
            Tensors.TensorPrimitives.Divide(ReadOnlySpan<'T>(dy.Data), ReadOnlySpan<'T>(x.Value.Data), Span<'T>(out))
            Tensor.wrap x.Value.Dims out)

    /// The sum of all elements, as a scalar (a tensor of rank 0).
    let sum<'T when 'T :> IFloatingPointIeee754<'T>> (x: Var<'T>) : Var<'T> =
        node (scalar (Tensor.sum x.Value)) [| x |] (fun dy _ -> Tensor.fill x.Value.Dims (scalarOf dy))

    /// The mean of all elements, as a scalar (a tensor of rank 0).
    let mean<'T when 'T :> IFloatingPointIeee754<'T>> (x: Var<'T>) : Var<'T> =
        let n: 'T = 'T.CreateTruncating x.Value.Length
        node (scalar (Tensor.mean x.Value)) [| x |] (fun dy _ -> Tensor.fill x.Value.Dims ('T.op_Division(scalarOf dy, n)))

    /// The columns start .. start+count−1 of a matrix: [m; n] -> [m; count].
    /// <exception cref="ShapeMismatchException">when x is not a matrix.</exception>
    /// <exception cref="InvalidValueException">when the columns are not within x.</exception>
    let sliceColumns<'T when 'T :> IFloatingPointIeee754<'T>> (start: int) (count: int) (x: Var<'T>) : Var<'T> =
        let y = Columns.slice start count x.Value
        let total = x.Value.Dims.[1]
        node y [| x |] (fun dy _ -> Columns.embed start total dy)

    /// The rows start .. start+count−1 (the leading dimension): [m; …] -> [count; …].
    /// <exception cref="ShapeMismatchException">when x is a scalar.</exception>
    /// <exception cref="InvalidValueException">when the rows are not within x.</exception>
    let sliceRows<'T when 'T :> IFloatingPointIeee754<'T>> (start: int) (count: int) (x: Var<'T>) : Var<'T> =
        let y = Tensor.sliceRows start count x.Value
        let total = x.Value.Dims.[0]
        node y [| x |] (fun dy _ -> Rows.embed start total dy)

    /// Offsets of consecutive blocks of the given sizes.
    let private offsets (sizes: int[]) = Array.scan (+) 0 sizes

    /// Matrices side by side: [m; n₁], [m; n₂], … -> [m; n₁ + n₂ + …].
    /// <exception cref="ShapeMismatchException">when a part is not a matrix or the row counts differ.</exception>
    /// <exception cref="InvalidValueException">when there are no parts.</exception>
    let concatColumns<'T when 'T :> IFloatingPointIeee754<'T>> (parts: Var<'T> list) : Var<'T> =
        let parts = Array.ofList parts
        let y = Columns.concat [ for p in parts -> p.Value ]
        let widths = parts |> Array.map (fun p -> p.Value.Dims.[1])
        let at = offsets widths
        node y parts (fun dy i -> Columns.slice at.[i] widths.[i] dy)

    /// Tensors one under the other: [m₁; …], [m₂; …], … -> [m₁ + m₂ + …; …].
    /// <exception cref="ShapeMismatchException">when the parts differ in any dimension but the first.</exception>
    /// <exception cref="InvalidValueException">when there are no parts.</exception>
    let concatRows<'T when 'T :> IFloatingPointIeee754<'T>> (parts: Var<'T> list) : Var<'T> =
        let parts = Array.ofList parts
        let y = Rows.concat [ for p in parts -> p.Value ]
        let heights = parts |> Array.map (fun p -> p.Value.Dims.[0])
        let at = offsets heights
        node y parts (fun dy i -> Tensor.sliceRows at.[i] heights.[i] dy)

    /// The standard softmax cross-entropy of logits: [N; k] against the constant target: [N; k],
    /// averaged over the N rows, as a scalar: the value of `SoftmaxCrossEntropy.forward` (and of
    /// `Loss.forward Loss.softmaxCrossEntropy`) with the book's eps, and the gradient of
    /// `SoftmaxCrossEntropy.backward`, (softmax − target)/N.
    /// <exception cref="ShapeMismatchException">when the shapes differ or are not matrices.</exception>
    let softmaxCrossEntropy<'T when 'T :> IFloatingPointIeee754<'T>> (target: Tensor<'T>) (logits: Var<'T>) : Var<'T> =
        let eps = SoftmaxCrossEntropy.DefaultEps
        let loss = SoftmaxCrossEntropy.forward eps logits.Value target
        node (scalar ('T.CreateTruncating loss)) [| logits |] (fun dy _ ->
            Tensor.scale (scalarOf dy) (SoftmaxCrossEntropy.backward eps logits.Value target))

    /// The tracked values reachable from `output`, each after every value it was computed
    /// from (a depth-first post-order walk with an explicit stack, visiting each value once).
    let private topologicalOrder (output: Var<'T>) : List<Var<'T>> =
        let order = List<Var<'T>>()
        if output.Tracked then
            let visited = HashSet<Var<'T>>(HashIdentity.Reference)
            let stack = Stack<struct (Var<'T> * int)>()
            visited.Add output |> ignore
            stack.Push(struct (output, 0))
            while stack.Count > 0 do
                let struct (v, from) = stack.Pop()
                let parents = v.Parents
                let mutable i = from
                while i < parents.Length && (not parents.[i].Tracked || visited.Contains parents.[i]) do
                    i <- i + 1
                if i < parents.Length then
                    // Come back to v after parent i and everything it depends on.
                    stack.Push(struct (v, i + 1))
                    visited.Add parents.[i] |> ignore
                    stack.Push(struct (parents.[i], 0))
                else
                    order.Add v
        order

    /// Propagates the gradient `seed` at `output` back to every tracked value it depends on;
    /// returns the gradients of the values without parents (the inputs).
    let private backpropagate<'T when 'T :> IFloatingPointIeee754<'T>> (output: Var<'T>) (seed: Tensor<'T>) =
        let order = topologicalOrder output
        let grads = Dictionary<Var<'T>, Tensor<'T>>(HashIdentity.Reference)
        if output.Tracked then grads.[output] <- seed
        for k in order.Count - 1 .. -1 .. 0 do
            let v = order.[k]
            if v.Parents.Length > 0 then
                match grads.TryGetValue v with
                | true, dy ->
                    for i in 0 .. v.Parents.Length - 1 do
                        let p = v.Parents.[i]
                        if p.Tracked then
                            let g = v.Backward dy i
                            Shape.checkSame "Autodiff.backward" "value" p.Value.Dims "gradient" g.Dims
                            match grads.TryGetValue p with
                            | true, acc -> grads.[p] <- Tensor.add acc g
                            | _ -> grads.[p] <- g
                    // Every use of v has been seen: its gradient is no longer needed.
                    grads.Remove v |> ignore
                | _ -> ()
        grads

    /// The gradient of each input, zeros for an input the result does not depend on.
    let private inputGradients (grads: Dictionary<Var<'T>, Tensor<'T>>) (inputs: Var<'T> list) =
        inputs |> List.map (fun v ->
            match grads.TryGetValue v with
            | true, g -> g
            | _ -> Tensor.zeros v.Value.Shape)

    /// f applied to the inputs as constants: its value, with no gradient bookkeeping.
    let evaluate (f: Var<'T> list -> Var<'T>) (inputs: Tensor<'T> list) : Tensor<'T> =
        (f (List.map constant inputs)).Value

    /// The value of a scalar-valued function f at the inputs, and its gradient with respect to
    /// every input (in order, each of its input's shape). f's result must hold one element.
    /// <exception cref="ShapeMismatchException">when f's result is not a single element.</exception>
    let gradients<'T when 'T :> IFloatingPointIeee754<'T>> (f: Var<'T> list -> Var<'T>) (inputs: Tensor<'T> list) : 'T * Tensor<'T> list =
        let vars = List.map input inputs
        let y = f vars
        Shape.checkScalar "Autodiff.gradients" "the function's result" y.Value.Dims
        let grads = backpropagate y (Tensor.fill y.Value.Dims 'T.One)
        scalarOf y.Value, inputGradients grads vars

    /// The vector-Jacobian product of f at the inputs: f's value y and, for each input x,
    /// dyᵀ·∂y/∂x, the gradient of Σ y ⊙ dy with respect to x (of x's shape).
    /// <exception cref="ShapeMismatchException">when dy's shape differs from f's result.</exception>
    let vjp<'T when 'T :> IFloatingPointIeee754<'T>> (f: Var<'T> list -> Var<'T>) (inputs: Tensor<'T> list) (dy: Tensor<'T>) : Tensor<'T> * Tensor<'T> list =
        let vars = List.map input inputs
        let y = f vars
        Shape.checkSame "Autodiff.vjp" "the function's result" y.Value.Dims "dy" dy.Dims
        let grads = backpropagate y dy
        y.Value, inputGradients grads vars
