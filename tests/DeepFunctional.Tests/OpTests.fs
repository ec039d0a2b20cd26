/// Every operation of chapter 3, gradient-checked in both precisions through `Check.op`.
module DeepFunctional.Tests.OpTests

open Expecto
open DeepFunctional
open DeepFunctional.Tests.Check

/// Naive matrix product of row-major double arrays.
let naiveMatmul (a: float[]) (b: float[]) m k n =
    Array.init (m * n) (fun ij ->
        let i, j = ij / n, ij % n
        Seq.sum (seq { for p in 0 .. k - 1 -> a.[i * k + p] * b.[p * n + j] }))

let weightMultiplyX<'T when 'T :> System.Numerics.IFloatingPointIeee754<'T>> () =
    let w = randomTensor<'T> 2L [| 4; 3 |]
    { Name = "WeightMultiply (input)"; OpName = "WeightMultiply.forward"
      Input = randomTensor<'T> 1L [| 5; 4 |]
      Forward = fun x -> WeightMultiply.forward x w
      Backward = fun x dy -> WeightMultiply.backward x w dy |> fst
      Reference = fun x -> naiveMatmul x (floats w) 5 4 3
      BadShape = fun () -> WeightMultiply.forward (randomTensor<'T> 1L [| 5; 3 |]) w |> ignore }

let weightMultiplyW<'T when 'T :> System.Numerics.IFloatingPointIeee754<'T>> () =
    let x = randomTensor<'T> 1L [| 5; 4 |]
    { Name = "WeightMultiply (weights)"; OpName = "WeightMultiply.backward"
      Input = randomTensor<'T> 2L [| 4; 3 |]
      Forward = fun w -> WeightMultiply.forward x w
      Backward = fun w dy -> WeightMultiply.backward x w dy |> snd
      Reference = fun w -> naiveMatmul (floats x) w 5 4 3
      BadShape = fun () -> WeightMultiply.backward x (randomTensor<'T> 2L [| 4; 3 |]) (randomTensor<'T> 3L [| 5; 2 |]) |> ignore }

let biasAddX<'T when 'T :> System.Numerics.IFloatingPointIeee754<'T>> () =
    let b = randomTensor<'T> 2L [| 1; 3 |]
    { Name = "BiasAdd (input)"; OpName = "BiasAdd.forward"
      Input = randomTensor<'T> 1L [| 4; 3 |]
      Forward = fun x -> BiasAdd.forward x b
      Backward = fun x dy -> BiasAdd.backward x b dy |> fst
      Reference = fun x -> x |> Array.mapi (fun i v -> v + (floats b).[i % 3])
      BadShape = fun () -> BiasAdd.forward (randomTensor<'T> 1L [| 4; 3 |]) (randomTensor<'T> 2L [| 2; 3 |]) |> ignore }

let biasAddB<'T when 'T :> System.Numerics.IFloatingPointIeee754<'T>> () =
    let x = randomTensor<'T> 1L [| 4; 3 |]
    { Name = "BiasAdd (bias)"; OpName = "BiasAdd.backward"
      Input = randomTensor<'T> 2L [| 1; 3 |]
      Forward = fun b -> BiasAdd.forward x b
      Backward = fun b dy -> BiasAdd.backward x b dy |> snd
      Reference = fun b -> floats x |> Array.mapi (fun i v -> v + b.[i % 3])
      BadShape = fun () -> BiasAdd.backward x (randomTensor<'T> 2L [| 1; 3 |]) (randomTensor<'T> 3L [| 4; 2 |]) |> ignore }

let activation<'T when 'T :> System.Numerics.IFloatingPointIeee754<'T>> (a: Activation) (reference: float -> float) (opName: string) =
    // Inputs away from 0 so that ReLU's kink is not straddled by the finite difference.
    let x = randomTensor<'T> 5L [| 6; 5 |] |> Tensor.map (fun v -> if abs (Num.toFloat v) < 0.05 then v + Num.ofFloat 0.1 else v)
    { Name = string a; OpName = opName
      Input = x
      Forward = Activation.forward a
      Backward = fun x dy -> Activation.backward a x (Activation.forward a x) dy
      Reference = Array.map reference
      BadShape = fun () -> Activation.backward a x (Activation.forward a x) (randomTensor<'T> 3L [| 5; 6 |]) |> ignore }

let sigmoidRef v = 1.0 / (1.0 + exp (-v))

let denseX<'T when 'T :> System.Numerics.IFloatingPointIeee754<'T>> (a: Activation) (reference: float -> float) =
    let spec = Dense.create 3 a
    let p = { W = randomTensor<'T> 2L [| 4; 3 |]; B = randomTensor<'T> 3L [| 1; 3 |] }
    { Name = sprintf "Dense with %O (input)" a; OpName = "Dense.forward"
      Input = randomTensor<'T> 1L [| 5; 4 |]
      Forward = fun x -> Dense.forward spec p x |> fst
      Backward = fun x dy -> Dense.backward spec p (Dense.forward spec p x |> snd) dy |> fst
      Reference = fun x ->
        let b = floats p.B
        naiveMatmul x (floats p.W) 5 4 3 |> Array.mapi (fun i v -> reference (v + b.[i % 3]))
      BadShape = fun () -> Dense.forward spec p (randomTensor<'T> 1L [| 5; 5 |]) |> ignore }

let denseW<'T when 'T :> System.Numerics.IFloatingPointIeee754<'T>> (a: Activation) (reference: float -> float) =
    let spec = Dense.create 3 a
    let x = randomTensor<'T> 1L [| 5; 4 |]
    let b = randomTensor<'T> 3L [| 1; 3 |]
    { Name = sprintf "Dense with %O (weights)" a; OpName = "Dense.backward"
      Input = randomTensor<'T> 2L [| 4; 3 |]
      Forward = fun w -> Dense.forward spec { W = w; B = b } x |> fst
      Backward = fun w dy -> (Dense.backward spec { W = w; B = b } (Dense.forward spec { W = w; B = b } x |> snd) dy |> snd).dW
      Reference = fun w -> naiveMatmul (floats x) w 5 4 3 |> Array.mapi (fun i v -> reference (v + (floats b).[i % 3]))
      BadShape = fun () ->
        let p = { W = randomTensor<'T> 2L [| 4; 3 |]; B = b }
        Dense.backward spec p (Dense.forward spec p x |> snd) (randomTensor<'T> 3L [| 5; 4 |]) |> ignore }

let denseB<'T when 'T :> System.Numerics.IFloatingPointIeee754<'T>> (a: Activation) (reference: float -> float) =
    let spec = Dense.create 3 a
    let x = randomTensor<'T> 1L [| 5; 4 |]
    let w = randomTensor<'T> 2L [| 4; 3 |]
    { Name = sprintf "Dense with %O (bias)" a; OpName = "BiasAdd.forward"
      Input = randomTensor<'T> 3L [| 1; 3 |]
      Forward = fun b -> Dense.forward spec { W = w; B = b } x |> fst
      Backward = fun b dy -> (Dense.backward spec { W = w; B = b } (Dense.forward spec { W = w; B = b } x |> snd) dy |> snd).dB
      Reference = fun b -> naiveMatmul (floats x) (floats w) 5 4 3 |> Array.mapi (fun i v -> reference (v + b.[i % 3]))
      BadShape = fun () -> Dense.forward spec { W = w; B = randomTensor<'T> 3L [| 1; 4 |] } x |> ignore }

let dropout<'T when 'T :> System.Numerics.IFloatingPointIeee754<'T>> (scaling: DropoutScaling) =
    let mask, _ = Dropout.mask<'T> 0.8 [| 6; 5 |] (Rng.seed 190119L)
    let m = floats mask
    { Name = sprintf "Dropout (%A scaling, fixed mask)" scaling; OpName = "Dropout.forward"
      Input = randomTensor<'T> 4L [| 6; 5 |]
      Forward = Dropout.forward scaling 0.8 mask
      Backward = fun _ dy -> Dropout.backward scaling 0.8 mask dy
      Reference = fun x -> Array.map2 (fun v k -> if scaling = DropoutScaling.Classic then v * k else v * k / 0.8) x m
      BadShape = fun () -> Dropout.forward scaling 0.8 mask (randomTensor<'T> 4L [| 5; 6 |]) |> ignore }

/// A Dense layer with dropout in training mode; the generator is fixed, so the mask is too.
let denseDropoutX<'T when 'T :> System.Numerics.IFloatingPointIeee754<'T>> (scaling: DropoutScaling) =
    let spec = Dense.create 3 Activation.Tanh |> Dense.withDropout scaling 0.8
    let p = { W = randomTensor<'T> 2L [| 4; 3 |]; B = randomTensor<'T> 3L [| 1; 3 |] }
    let rng = Rng.seed 5L
    let mask, _ = Dropout.mask<float> 0.8 [| 5; 3 |] rng
    let scale = if scaling = DropoutScaling.Classic then 1.0 else 1.0 / 0.8
    let train x = let y, c, _ = Dense.forwardTrain spec p rng x in y, c
    { Name = sprintf "Dense with Tanh and %A dropout (input, training)" scaling; OpName = "Dense.forward"
      Input = randomTensor<'T> 1L [| 5; 4 |]
      Forward = fun x -> train x |> fst
      Backward = fun x dy -> Dense.backward spec p (train x |> snd) dy |> fst
      Reference = fun x ->
        let b = floats p.B
        naiveMatmul x (floats p.W) 5 4 3 |> Array.mapi (fun i v -> tanh (v + b.[i % 3]) * (floats mask).[i] * scale)
      BadShape = fun () -> Dense.forwardTrain spec p rng (randomTensor<'T> 1L [| 5; 5 |]) |> ignore }

let cases (p: Precision) (single: bool) =
    let both (mkD: unit -> OpCase<float>) (mkS: unit -> OpCase<float32>) =
        if single then Check.op p (mkS ()) else Check.op p (mkD ())
    [ both weightMultiplyX weightMultiplyX
      both weightMultiplyW weightMultiplyW
      both biasAddX biasAddX
      both biasAddB biasAddB
      both (fun () -> activation Activation.Sigmoid sigmoidRef "Sigmoid.backward") (fun () -> activation Activation.Sigmoid sigmoidRef "Sigmoid.backward")
      both (fun () -> activation Activation.Tanh tanh "Tanh.backward") (fun () -> activation Activation.Tanh tanh "Tanh.backward")
      both (fun () -> activation Activation.ReLU (max 0.0) "ReLU.backward") (fun () -> activation Activation.ReLU (max 0.0) "ReLU.backward")
      both (fun () -> activation Activation.Linear id "Linear.backward") (fun () -> activation Activation.Linear id "Linear.backward")
      both (fun () -> dropout DropoutScaling.Classic) (fun () -> dropout DropoutScaling.Classic)
      both (fun () -> dropout DropoutScaling.Inverted) (fun () -> dropout DropoutScaling.Inverted)
      both (fun () -> denseDropoutX DropoutScaling.Classic) (fun () -> denseDropoutX DropoutScaling.Classic)
      both (fun () -> denseDropoutX DropoutScaling.Inverted) (fun () -> denseDropoutX DropoutScaling.Inverted)
      for a, r in [ Activation.Sigmoid, sigmoidRef; Activation.Linear, id; Activation.Tanh, tanh; Activation.ReLU, max 0.0 ] do
        both (fun () -> denseX a r) (fun () -> denseX a r)
        both (fun () -> denseW a r) (fun () -> denseW a r)
        both (fun () -> denseB a r) (fun () -> denseB a r) ]

[<Tests>]
let tests =
    testList "Operations" [
        testList "double precision" (cases Check.double false)
        testList "single precision" (cases Check.single true)

        testCase "ReLU.backward passes the gradient only where the input was positive" <| fun () ->
            let x = Tensor.create [| 1; 4 |] [| -1.0; 0.0; 2.0; -0.5 |]
            let dy = Tensor.create [| 1; 4 |] [| 10.0; 20.0; 30.0; 40.0 |]
            Expect.equal ((ReLU.backward x dy).ToArray()) [| 0.0; 0.0; 30.0; 0.0 |] "only the positive input's gradient passes"

        testCase "Sigmoid.backward is dy times y(1-y) for a hand-computed value" <| fun () ->
            let y = Tensor.create [| 1; 1 |] [| 0.25 |]
            let dy = Tensor.create [| 1; 1 |] [| 2.0 |]
            Expect.equal ((Sigmoid.backward y dy).ToArray()) [| 0.375 |] "2 * 0.25 * 0.75"

        testCase "WeightMultiply.backward gives dW = X^T dY on a hand-computed case" <| fun () ->
            let x = Tensor.create [| 2; 2 |] [| 1.0; 2.0; 3.0; 4.0 |]
            let w = Tensor.create [| 2; 1 |] [| 0.5; -1.0 |]
            let dy = Tensor.create [| 2; 1 |] [| 1.0; 1.0 |]
            let dx, dW = WeightMultiply.backward x w dy
            Expect.equal (dW.ToArray()) [| 4.0; 6.0 |] "column sums of X"
            Expect.equal (dx.ToArray()) [| 0.5; -1.0; 0.5; -1.0 |] "each row of dx is W^T"

        testCase "Dropout.mask draws NumPy's binomial(1, 0.8) values for the vector seeds" <| fun () ->
            let expected =
                [ 1L, [| 1; 1; 1; 1; 1; 1; 1; 1; 1; 1 |]
                  20190501L, [| 1; 0; 1; 1; 0; 1; 1; 0; 0; 1 |]
                  190119L, [| 1; 1; 0; 1; 1; 0; 1; 0; 0; 1 |]
                  0L, [| 1; 1; 1; 1; 1; 1; 1; 0; 0; 1 |] ]
            for seed, values in expected do
                let mask, _ = Dropout.mask<float> 0.8 [| 2; 5 |] (Rng.seed seed)
                Expect.equal (mask.ToArray()) (Array.map float values) (sprintf "seed %d" seed)

        testCase "Dropout in inference scales by the keep probability in book mode and not at all when inverted" <| fun () ->
            let x = Tensor.create [| 1; 2 |] [| 1.0; 2.0 |]
            Expect.equal ((Dropout.infer DropoutScaling.Classic 0.5 x).ToArray()) [| 0.5; 1.0 |] "x * keep"
            Expect.equal ((Dropout.infer DropoutScaling.Inverted 0.5 x).ToArray()) [| 1.0; 2.0 |] "identity"

        testCase "Dropout refuses a keep probability outside (0, 1]" <| fun () ->
            for keep in [ 0.0; -0.1; 1.5; nan ] do
                throwsValue "Dense.withDropout" (fun () -> Dense.create 3 Activation.Linear |> Dense.withDropout DropoutScaling.Classic keep |> ignore)

        testCase "Dense in inference applies the book's dropout scaling deterministically" <| fun () ->
            let spec = Dense.create 2 Activation.Linear |> Dense.withDropout DropoutScaling.Classic 0.5
            let p = { W = Tensor.create [| 1; 2 |] [| 1.0; 2.0 |]; B = Tensor.create [| 1; 2 |] [| 0.0; 0.0 |] }
            let y, _ = Dense.forward spec p (Tensor.create [| 1; 1 |] [| 4.0 |])
            Expect.equal (y.ToArray()) [| 2.0; 4.0 |] "x W times keep"

        testCase "the shape error message names the operation and both shapes" <| fun () ->
            let x = Tensor.zeros<float> [| 5; 4 |]
            let w = Tensor.zeros<float> [| 3; 2 |]
            let e = Expect.throwsC (fun () -> WeightMultiply.forward x w |> ignore) id
            Expect.stringContains e.Message "WeightMultiply.forward" "names the operation"
            Expect.stringContains e.Message "5x4" "names the left shape"
            Expect.stringContains e.Message "3x2" "names the right shape"
    ]
