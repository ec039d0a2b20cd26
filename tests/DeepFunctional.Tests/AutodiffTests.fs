/// Reverse-mode automatic differentiation (chapter 6): every primitive through one shared
/// checker (value against a naive double reference, gradient with respect to every input
/// against central finite differences, the shape-error path), in both precisions; then the
/// accumulation of gradients over several uses, the book's example, and agreement with the
/// hand-written Dense and softmax cross-entropy backward passes.
module DeepFunctional.Tests.AutodiffTests

open System
open Expecto
open DeepFunctional
open DeepFunctional.Tests.Check

/// A primitive as a function of its inputs.
type PrimitiveCase<'T> =
    { /// How the test names it, e.g. "Autodiff.matmul".
      Name: string
      /// The function of the inputs, built from the primitive.
      F: Var<'T> list -> Var<'T>
      /// The inputs; the gradient is checked with respect to each.
      Inputs: Tensor<'T> list
      /// A naive double reference of the value: input values -> output values (row-major).
      Reference: float[] list -> float[]
      /// A mis-shaped call and the operation its error must name; None when no shape can be wrong.
      BadShape: ((unit -> unit) * string) option }

/// Σ a ⊙ b in double.
let dot (a: Tensor<'T>) (b: Tensor<'T>) = Array.fold2 (fun s x y -> s + x * y) 0.0 (floats a) (floats b)

/// The checks of one primitive in one precision.
let primitive (p: Precision) (c: PrimitiveCase<'T>) =
    testList (sprintf "%s in %s" c.Name p.Name) [
        yield testCase (sprintf "%s computes the value of a naive reference" c.Name) <| fun () ->
            let y = floats (Autodiff.evaluate c.F c.Inputs)
            let r = c.Reference (List.map floats c.Inputs)
            Check.allClose p.ForwardTolerance y r "the value against the reference"

        yield testCase (sprintf "%s has gradients that match central finite differences for every input" c.Name) <| fun () ->
            let y = Autodiff.evaluate c.F c.Inputs
            let r = randomTensor<'T> 7L y.Shape
            let value, grads = Autodiff.vjp c.F c.Inputs r
            Expect.equal value.Shape y.Shape "vjp returns the value"
            c.Inputs |> List.iteri (fun k x ->
                let loss (xk: Tensor<'T>) = dot (Autodiff.evaluate c.F (List.mapi (fun j t -> if j = k then xk else t) c.Inputs)) r
                Expect.equal grads.[k].Shape x.Shape (sprintf "the gradient of input %d has its shape" k)
                Check.gradientClose p.GradTolerance (GradCheck.compare p.Delta loss x grads.[k]) (sprintf "input %d" k))

        match c.BadShape with
        | Some (call, opName) ->
            yield testCase (sprintf "%s rejects mis-shaped inputs with a typed error naming %s" c.Name opName) <| fun () ->
                throwsShape opName call
        | None -> ()
    ]

let private first (xs: 'a list) = List.head xs
let private unary (f: Var<'T> -> Var<'T>) = fun (xs: Var<'T> list) -> f (first xs)
let private binary (f: Var<'T> -> Var<'T> -> Var<'T>) = fun (xs: Var<'T> list) -> f xs.[0] xs.[1]
let private elementwise (f: float -> float -> float) = fun (xs: float[] list) -> Array.map2 f xs.[0] xs.[1]

/// Inputs at least 0.1 away from 0, for ReLU's kink under the single-precision step.
let awayFromZero<'T when 'T :> Numerics.IFloatingPointIeee754<'T>> (seed: int64) (shape: int[]) : Tensor<'T> =
    randomTensor<'T> seed shape |> Tensor.map (fun v -> if abs (Num.toFloat v) < 0.1 then v + Num.ofFloat 0.2 else v)

/// Positive inputs in [0.5, ∞), for the logarithm.
let positive<'T when 'T :> Numerics.IFloatingPointIeee754<'T>> (seed: int64) (shape: int[]) : Tensor<'T> =
    randomTensor<'T> seed shape |> Tensor.map (fun v -> 'T.Abs v + Num.ofFloat 0.5)

/// A one-hot target: row i has its 1 in column (3i + 1) mod k.
let oneHot<'T when 'T :> Numerics.IFloatingPointIeee754<'T>> (n: int) (k: int) : Tensor<'T> =
    Tensor.ofFloats [| n; k |] (Array.init (n * k) (fun ij -> if ij % k = (3 * (ij / k) + 1) % k then 1.0 else 0.0))

/// −Σ y·log softmax(x) / N in double.
let referenceCrossEntropy (n: int) (k: int) (x: float[]) (y: float[]) =
    let mutable s = 0.0
    for i in 0 .. n - 1 do
        let row = x.[i * k .. i * k + k - 1]
        let m = Array.max row
        let lse = m + log (row |> Array.sumBy (fun v -> exp (v - m)))
        for j in 0 .. k - 1 do s <- s - y.[i * k + j] * (row.[j] - lse)
    s / float n

let cases<'T when 'T :> Numerics.IFloatingPointIeee754<'T>> (p: Precision) : Test list =
    let t (seed: int64) (shape: int[]) = randomTensor<'T> seed shape
    let v (shape: int[]) = Autodiff.constant (Tensor.zeros<'T> shape)
    let target = oneHot<'T> 4 3
    [ { Name = "Autodiff.add"; F = binary Autodiff.add; Inputs = [ t 1L [| 3; 4 |]; t 2L [| 3; 4 |] ]
        Reference = elementwise (+)
        BadShape = Some ((fun () -> Autodiff.add (v [| 3; 4 |]) (v [| 4; 3 |]) |> ignore), "Autodiff.add") }
      { Name = "Autodiff.sub"; F = binary Autodiff.sub; Inputs = [ t 1L [| 3; 4 |]; t 2L [| 3; 4 |] ]
        Reference = elementwise (-)
        BadShape = Some ((fun () -> Autodiff.sub (v [| 3; 4 |]) (v [| 3; 5 |]) |> ignore), "Autodiff.sub") }
      { Name = "Autodiff.mul"; F = binary Autodiff.mul; Inputs = [ t 1L [| 3; 4 |]; t 2L [| 3; 4 |] ]
        Reference = elementwise (*)
        BadShape = Some ((fun () -> Autodiff.mul (v [| 2; 4 |]) (v [| 3; 4 |]) |> ignore), "Autodiff.mul") }
      { Name = "Autodiff.scale"; F = unary (Autodiff.scale (Num.ofFloat -0.75)); Inputs = [ t 1L [| 3; 4 |] ]
        Reference = fun xs -> xs.[0] |> Array.map (fun x -> -0.75 * x)
        BadShape = None }
      { Name = "Autodiff.matmul"; F = binary Autodiff.matmul; Inputs = [ t 1L [| 3; 4 |]; t 2L [| 4; 2 |] ]
        Reference = fun xs -> OpTests.naiveMatmul xs.[0] xs.[1] 3 4 2
        BadShape = Some ((fun () -> Autodiff.matmul (v [| 3; 4 |]) (v [| 3; 2 |]) |> ignore), "Autodiff.matmul") }
      { Name = "Autodiff.addRow"; F = binary Autodiff.addRow; Inputs = [ t 1L [| 3; 4 |]; t 2L [| 1; 4 |] ]
        Reference = fun xs -> xs.[0] |> Array.mapi (fun i x -> x + xs.[1].[i % 4])
        BadShape = Some ((fun () -> Autodiff.addRow (v [| 3; 4 |]) (v [| 1; 3 |]) |> ignore), "Autodiff.addRow") }
      { Name = "Autodiff.sigmoid"; F = unary Autodiff.sigmoid; Inputs = [ t 1L [| 3; 4 |] ]
        Reference = (fun xs -> Array.map OpTests.sigmoidRef xs.[0]); BadShape = None }
      { Name = "Autodiff.tanh"; F = unary Autodiff.tanh; Inputs = [ t 1L [| 3; 4 |] ]
        Reference = (fun xs -> Array.map tanh xs.[0]); BadShape = None }
      { Name = "Autodiff.relu"; F = unary Autodiff.relu; Inputs = [ awayFromZero<'T> 1L [| 3; 4 |] ]
        Reference = (fun xs -> Array.map (max 0.0) xs.[0]); BadShape = None }
      { Name = "Autodiff.exp"; F = unary Autodiff.exp; Inputs = [ t 1L [| 3; 4 |] ]
        Reference = (fun xs -> Array.map exp xs.[0]); BadShape = None }
      { Name = "Autodiff.log"; F = unary Autodiff.log; Inputs = [ positive<'T> 1L [| 3; 4 |] ]
        Reference = (fun xs -> Array.map log xs.[0]); BadShape = None }
      { Name = "Autodiff.sum"; F = unary Autodiff.sum; Inputs = [ t 1L [| 3; 4 |] ]
        Reference = (fun xs -> [| Array.sum xs.[0] |]); BadShape = None }
      { Name = "Autodiff.mean"; F = unary Autodiff.mean; Inputs = [ t 1L [| 3; 4 |] ]
        Reference = (fun xs -> [| Array.average xs.[0] |]); BadShape = None }
      { Name = "Autodiff.sliceColumns"; F = unary (Autodiff.sliceColumns 1 3); Inputs = [ t 1L [| 3; 5 |] ]
        Reference = fun xs -> [| for i in 0 .. 2 do for j in 1 .. 3 -> xs.[0].[i * 5 + j] |]
        BadShape = Some ((fun () -> Autodiff.sliceColumns 0 1 (v [| 2; 3; 4 |]) |> ignore), "Columns.slice") }
      { Name = "Autodiff.sliceRows"; F = unary (Autodiff.sliceRows 1 2); Inputs = [ t 1L [| 4; 3 |] ]
        Reference = fun xs -> xs.[0].[3 .. 8]
        BadShape = Some ((fun () -> Autodiff.sliceRows 0 1 (v [||]) |> ignore), "Tensor.sliceRows") }
      { Name = "Autodiff.concatColumns"; F = Autodiff.concatColumns
        Inputs = [ t 1L [| 3; 2 |]; t 2L [| 3; 1 |]; t 3L [| 3; 3 |] ]
        Reference = fun xs -> [| for i in 0 .. 2 do
                                   yield! xs.[0].[2 * i .. 2 * i + 1]
                                   yield xs.[1].[i]
                                   yield! xs.[2].[3 * i .. 3 * i + 2] |]
        BadShape = Some ((fun () -> Autodiff.concatColumns [ v [| 3; 2 |]; v [| 2; 2 |] ] |> ignore), "Columns.concat") }
      { Name = "Autodiff.concatRows"; F = Autodiff.concatRows; Inputs = [ t 1L [| 2; 3 |]; t 2L [| 1; 3 |]; t 3L [| 3; 3 |] ]
        Reference = Array.concat
        BadShape = Some ((fun () -> Autodiff.concatRows [ v [| 2; 3 |]; v [| 2; 4 |] ] |> ignore), "Rows.concat") }
      { Name = "Autodiff.softmaxCrossEntropy"; F = unary (Autodiff.softmaxCrossEntropy target)
        Inputs = [ t 1L [| 4; 3 |] ]
        Reference = fun xs -> [| referenceCrossEntropy 4 3 xs.[0] (floats target) |]
        BadShape = Some ((fun () -> Autodiff.softmaxCrossEntropy target (v [| 4; 2 |]) |> ignore), "SoftmaxCrossEntropy.forward") } ]
    |> List.map (primitive p)

/// The book's motivating example on 1×1 tensors: a = 3, b = 4a, c = b + 3, d = c·(a + 2);
/// a is used twice, so dd/da = 4(a + 2) + c = 35.
let bookExample (a: Var<float>) =
    let k (x: float) = Autodiff.constant (Tensor.create [| 1; 1 |] [| x |])
    let b = Autodiff.mul a (k 4.0)
    let c = Autodiff.add b (k 3.0)
    Autodiff.mul c (Autodiff.add a (k 2.0))

/// A Dense layer with a sigmoid and the standard softmax cross-entropy, written with autodiff.
let denseLoss (target: Tensor<'T>) (xs: Var<'T> list) =
    match xs with
    | [ x; w; b ] -> Autodiff.sigmoid (Autodiff.addRow (Autodiff.matmul x w) b) |> Autodiff.softmaxCrossEntropy target
    | _ -> failtest "x, W and B"

let denseAgrees<'T when 'T :> Numerics.IFloatingPointIeee754<'T>> (tolerance: float) () =
    let x, w, b = randomTensor<'T> 1L [| 6; 4 |], randomTensor<'T> 2L [| 4; 3 |], randomTensor<'T> 3L [| 1; 3 |]
    let target = oneHot<'T> 6 3
    let spec = Dense.create 3 Activation.Sigmoid
    let p = { W = w; B = b }
    let y, cache = Dense.forward spec p x
    let dx, g = Dense.backward spec p cache (Loss.backward Loss.softmaxCrossEntropy y target)
    let loss, grads = Autodiff.gradients (denseLoss target) [ x; w; b ]
    let expected: 'T = 'T.CreateTruncating (Loss.forward Loss.softmaxCrossEntropy y target)
    Expect.equal (Num.toFloat loss) (Num.toFloat expected) "the loss is Loss.forward's"
    for name, hand, auto in [ "dx", dx, grads.[0]; "dW", g.dW, grads.[1]; "dB", g.dB, grads.[2] ] do
        Check.tensorsClose tolerance hand auto (sprintf "%s agrees with Dense.backward" name)

[<Tests>]
let tests =
    testList "Autodiff" [
        testList "double precision" (cases<float> Check.double)
        testList "single precision" (cases<float32> Check.single)

        testCase "the book's example: a value used twice receives the sum of both gradients (35)" <| fun () ->
            let value, grads = Autodiff.gradients (fun xs -> bookExample xs.Head) [ Tensor.create [| 1; 1 |] [| 3.0 |] ]
            Expect.equal value 75.0 "d = 15 * 5"
            Expect.equal (grads.Head.ToArray()) [| 35.0 |] "4(a + 2) + (4a + 3) at a = 3"

        testCase "x times x has gradient 2x, in both precisions" <| fun () ->
            let x = Tensor.create [| 1; 3 |] [| 1.5; -2.0; 0.25 |]
            let _, g = Autodiff.gradients (fun xs -> Autodiff.sum (Autodiff.mul xs.Head xs.Head)) [ x ]
            Expect.equal (g.Head.ToArray()) [| 3.0; -4.0; 0.5 |] "2x in double"
            let _, g32 = Autodiff.gradients (fun xs -> Autodiff.sum (Autodiff.mul xs.Head xs.Head)) [ Tensor.convert<float, float32> x ]
            Expect.equal (g32.Head.ToArray()) [| 3.0f; -4.0f; 0.5f |] "2x in single"

        testCase "a value used along many paths is visited once, not once per path" <| fun () ->
            // y = y + y fifty times: 2^50 paths from the result to x. A walk per path would not end.
            let f (xs: Var<float> list) =
                let mutable y = xs.Head
                for _ in 1 .. 50 do y <- Autodiff.add y y
                Autodiff.sum y
            let value, g = Autodiff.gradients f [ Tensor.create [| 1; 2 |] [| 1.0; -1.0 |] ]
            Expect.equal value 0.0 "2^50 - 2^50"
            Expect.equal (g.Head.ToArray()) [| 2.0 ** 50.0; 2.0 ** 50.0 |] "the gradient 2^50 on every element"

        testCase "an input the result does not depend on gets a zero gradient of its shape" <| fun () ->
            let _, g = Autodiff.gradients (fun xs -> Autodiff.sum xs.[0]) [ Tensor.create [| 1; 2 |] [| 1.0; 2.0 |]; Tensor.zeros<float> [| 2; 3 |] ]
            Expect.equal (g.[0].ToArray()) [| 1.0; 1.0 |] "d sum / dx = 1"
            Expect.equal (g.[1].Shape, g.[1].ToArray()) ([| 2; 3 |], Array.zeroCreate 6) "zeros of the unused input's shape"

        testCase "the result may be an input itself" <| fun () ->
            let x = Tensor.create [| 2; 2 |] [| 1.0; 2.0; 3.0; 4.0 |]
            let dy = Tensor.create [| 2; 2 |] [| 5.0; 6.0; 7.0; 8.0 |]
            let y, g = Autodiff.vjp (fun xs -> xs.Head) [ x ] dy
            Expect.equal (y.ToArray(), g.Head.ToArray()) (x.ToArray(), dy.ToArray()) "the identity passes dy through"

        testCase "gradients of a scalar equal the vjp with dy = 1" <| fun () ->
            let xs = [ randomTensor<float> 1L [| 3; 4 |]; randomTensor<float> 2L [| 4; 2 |] ]
            let f (vs: Var<float> list) = Autodiff.mean (Autodiff.tanh (Autodiff.matmul vs.[0] vs.[1]))
            let value, grads = Autodiff.gradients f xs
            let y, vgrads = Autodiff.vjp f xs (Tensor.create [||] [| 1.0 |])
            Expect.equal value (y.ToArray().[0]) "the same value"
            Expect.equal (grads |> List.map (fun g -> g.ToArray())) (vgrads |> List.map (fun g -> g.ToArray())) "the same gradients"

        testCase "softmaxCrossEntropy's value is Loss.forward's standard softmax cross-entropy, in both precisions" <| fun () ->
            let logits = randomTensor<float> 4L [| 5; 4 |]
            let target = oneHot<float> 5 4
            let value = Autodiff.evaluate (fun xs -> Autodiff.softmaxCrossEntropy target xs.Head) [ logits ]
            Expect.equal (value.ToArray()) [| Loss.forward Loss.softmaxCrossEntropy logits target |] "double"
            let l32, t32 = Tensor.convert<float, float32> logits, Tensor.convert<float, float32> target
            let value32 = Autodiff.evaluate (fun xs -> Autodiff.softmaxCrossEntropy t32 xs.Head) [ l32 ]
            Expect.equal (value32.ToArray()) [| float32 (Loss.forward Loss.softmaxCrossEntropy l32 t32) |] "single"

        testCase "a Dense layer with softmax cross-entropy has the gradients of Dense.backward and Loss.backward in double precision" <|
            denseAgrees<float> 1e-12
        testCase "a Dense layer with softmax cross-entropy has the gradients of Dense.backward and Loss.backward in single precision" <|
            denseAgrees<float32> 1e-6

        testCase "a constant is not differentiated and the result's value is kept" <| fun () ->
            let c = Autodiff.constant (Tensor.create [| 1; 2 |] [| 2.0; 3.0 |])
            let value, g = Autodiff.gradients (fun xs -> Autodiff.sum (Autodiff.mul xs.Head c)) [ Tensor.create [| 1; 2 |] [| 10.0; 100.0 |] ]
            Expect.equal value 320.0 "2*10 + 3*100"
            Expect.equal (g.Head.ToArray()) [| 2.0; 3.0 |] "the constant's values"

        testCase "Autodiff.gradients refuses a result that is not a scalar, naming itself" <| fun () ->
            throwsShape "Autodiff.gradients" (fun () ->
                Autodiff.gradients (fun xs -> Autodiff.tanh xs.Head) [ Tensor.zeros<float> [| 2; 2 |] ] |> ignore)

        testCase "Autodiff.vjp refuses a dy of another shape than the result" <| fun () ->
            throwsShape "Autodiff.vjp" (fun () ->
                Autodiff.vjp (fun xs -> Autodiff.tanh xs.Head) [ Tensor.zeros<float> [| 2; 2 |] ] (Tensor.zeros [| 2; 3 |]) |> ignore)

        testCase "slicing outside the tensor is refused with the slicing operation named" <| fun () ->
            throwsValue "Columns.slice" (fun () -> Autodiff.sliceColumns 2 3 (Autodiff.constant (Tensor.zeros<float> [| 2; 4 |])) |> ignore)
            throwsValue "Tensor.sliceRows" (fun () -> Autodiff.sliceRows 1 2 (Autodiff.constant (Tensor.zeros<float> [| 2; 4 |])) |> ignore)
            throwsValue "Columns.concat" (fun () -> Autodiff.concatColumns<float> [] |> ignore)
    ]
