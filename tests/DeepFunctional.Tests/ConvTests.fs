/// The convolution operations of chapter 5 and Appendix A (Conv2d, ChannelBias, MaxPool2d,
/// AvgPool2d, Flatten), gradient-checked in both precisions through `Check.op` against direct
/// loop references, plus properties, hand-computed cases and the error paths.
module DeepFunctional.Tests.ConvTests

open System
open Expecto
open DeepFunctional
open DeepFunctional.Tests.Check

/// The direct convolution, obviously correct: seven nested loops over double arrays.
/// x: [n; c; h; w], w: [c; cout; k; k] (the book's layout) -> [n; cout; h'; w'].
let referenceConv (n: int, c: int, h: int, wd: int) (cout: int, k: int) (stride: int, pad: int) (x: float[]) (w: float[]) : float[] =
    let oh = (h + 2 * pad - k) / stride + 1
    let ow = (wd + 2 * pad - k) / stride + 1
    let y = Array.zeroCreate (n * cout * oh * ow)
    for b in 0 .. n - 1 do
        for o in 0 .. cout - 1 do
            for i in 0 .. oh - 1 do
                for j in 0 .. ow - 1 do
                    for ci in 0 .. c - 1 do
                        for u in 0 .. k - 1 do
                            for v in 0 .. k - 1 do
                                let r = i * stride + u - pad
                                let s = j * stride + v - pad
                                if r >= 0 && r < h && s >= 0 && s < wd then
                                    let at = ((b * cout + o) * oh + i) * ow + j
                                    y.[at] <- y.[at] + w.[((ci * cout + o) * k + u) * k + v] * x.[((b * c + ci) * h + r) * wd + s]
    y

/// Direct pooling over double arrays: `pick` reduces the k·k values of each window.
let referencePool (pick: float[] -> float) (n: int, c: int, h: int, w: int) (k: int, stride: int) (x: float[]) : float[] =
    let oh = (h - k) / stride + 1
    let ow = (w - k) / stride + 1
    [| for plane in 0 .. n * c - 1 do
         for i in 0 .. oh - 1 do
             for j in 0 .. ow - 1 do
                 pick [| for u in 0 .. k - 1 do
                             for v in 0 .. k - 1 -> x.[(plane * h + i * stride + u) * w + j * stride + v] |] |]

/// A tensor holding a shuffled ramp: all values distinct and at least 0.1 apart, so that no
/// max-pooling window has a tie, even under the single-precision finite-difference step.
let distinctTensor<'T when 'T :> Numerics.IFloatingPointIeee754<'T>> (seed: int64) (shape: int[]) : Tensor<'T> =
    let count = Array.fold (*) 1 shape
    let order, _ = Rng.permutation count (Rng.seed seed)
    Tensor.ofFloats shape (order |> Array.map (fun i -> 0.1 * float i - 0.05 * float count))

/// One convolution setting: input shape, output channels, kernel size, stride and padding.
type ConvSetting =
    { Name: string; X: int * int * int * int; Cout: int; K: int; Stride: int; Padding: int }

let settings =
    [ { Name = "k=3, book geometry, rectangular 6x5 image"; X = (2, 3, 6, 5); Cout = 4; K = 3; Stride = 1; Padding = 1 }
      { Name = "k=5, stride 2, padding 2"; X = (3, 2, 9, 7); Cout = 3; K = 5; Stride = 2; Padding = 2 }
      { Name = "k=1, no padding"; X = (2, 3, 4, 5); Cout = 2; K = 1; Stride = 1; Padding = 0 }
      { Name = "k=3, stride 2, no padding"; X = (2, 2, 7, 8); Cout = 3; K = 3; Stride = 2; Padding = 0 }
      { Name = "k=3, padding 2 (wider than same)"; X = (1, 2, 4, 3); Cout = 2; K = 3; Stride = 1; Padding = 2 }
      { Name = "k=5, book geometry, single channel to many"; X = (2, 1, 7, 6); Cout = 5; K = 5; Stride = 1; Padding = 2 } ]

let private xShape (s: ConvSetting) = let n, c, h, w = s.X in [| n; c; h; w |]
let private wShape (s: ConvSetting) = let _, c, _, _ = s.X in [| c; s.Cout; s.K; s.K |]
let private geometry (s: ConvSetting) = { Stride = s.Stride; Padding = s.Padding }
let private reference (s: ConvSetting) = referenceConv s.X (s.Cout, s.K) (s.Stride, s.Padding)

/// Conv2d as a function of its input x, with W fixed.
let convX<'T when 'T :> Numerics.IFloatingPointIeee754<'T>> (s: ConvSetting) =
    let w = randomTensor<'T> 2L (wShape s)
    let g = geometry s
    { Name = sprintf "Conv2d %s (input)" s.Name; OpName = "Conv2d.forward"
      Input = randomTensor<'T> 1L (xShape s)
      Forward = Conv2d.forward g w
      Backward = fun x dy -> Conv2d.backward g w x dy |> fst
      Reference = fun x -> reference s x (floats w)
      BadShape = fun () ->
        let n, c, h, wd = s.X
        Conv2d.forward g w (randomTensor<'T> 1L [| n; c + 1; h; wd |]) |> ignore }

/// Conv2d as a function of its kernel W, with x fixed: checks dW.
let convW<'T when 'T :> Numerics.IFloatingPointIeee754<'T>> (s: ConvSetting) =
    let x = randomTensor<'T> 1L (xShape s)
    let g = geometry s
    { Name = sprintf "Conv2d %s (weights)" s.Name; OpName = "Conv2d.backward"
      Input = randomTensor<'T> 2L (wShape s)
      Forward = fun w -> Conv2d.forward g w x
      Backward = fun w dy -> Conv2d.backward g w x dy |> snd
      Reference = fun w -> reference s (floats x) w
      BadShape = fun () ->
        let w = randomTensor<'T> 2L (wShape s)
        let y = Conv2d.forward g w x
        Conv2d.backward g w x (randomTensor<'T> 3L [| y.Shape.[0]; y.Shape.[1] + 1; y.Shape.[2]; y.Shape.[3] |]) |> ignore }

/// Conv2d.weightGradient as a function of W.
let convWeightGradient<'T when 'T :> Numerics.IFloatingPointIeee754<'T>> (s: ConvSetting) =
    { convW<'T> s with
        Name = sprintf "Conv2d.weightGradient %s" s.Name; OpName = "Conv2d.weightGradient"
        Backward = fun w dy -> Conv2d.weightGradient (geometry s) w (randomTensor<'T> 1L (xShape s)) dy
        BadShape = fun () ->
            let w = randomTensor<'T> 2L (wShape s)
            Conv2d.weightGradient (geometry s) w (randomTensor<'T> 1L (xShape s)) (randomTensor<'T> 3L [| 1; 1; 1; 1 |]) |> ignore }

let channelBiasX<'T when 'T :> Numerics.IFloatingPointIeee754<'T>> () =
    let b = randomTensor<'T> 2L [| 3 |]
    { Name = "ChannelBias (input)"; OpName = "ChannelBias.forward"
      Input = randomTensor<'T> 1L [| 2; 3; 4; 5 |]
      Forward = fun x -> ChannelBias.forward x b
      Backward = fun x dy -> ChannelBias.backward x b dy |> fst
      Reference = fun x -> x |> Array.mapi (fun i v -> v + (floats b).[i / 20 % 3])
      BadShape = fun () -> ChannelBias.forward (randomTensor<'T> 1L [| 2; 4; 4; 5 |]) b |> ignore }

let channelBiasB<'T when 'T :> Numerics.IFloatingPointIeee754<'T>> () =
    let x = randomTensor<'T> 1L [| 2; 3; 4; 5 |]
    { Name = "ChannelBias (bias)"; OpName = "ChannelBias.backward"
      Input = randomTensor<'T> 2L [| 3 |]
      Forward = fun b -> ChannelBias.forward x b
      Backward = fun b dy -> ChannelBias.backward x b dy |> snd
      Reference = fun b -> floats x |> Array.mapi (fun i v -> v + b.[i / 20 % 3])
      BadShape = fun () -> ChannelBias.backward x (randomTensor<'T> 2L [| 3 |]) (randomTensor<'T> 3L [| 2; 3; 5; 4 |]) |> ignore }

let maxPool<'T when 'T :> Numerics.IFloatingPointIeee754<'T>> (k: int) (stride: int) =
    let shape = (2, 3, 7, 6)
    let n, c, h, w = shape
    { Name = sprintf "MaxPool2d %dx%d stride %d" k k stride; OpName = "MaxPool2d.backward"
      Input = distinctTensor<'T> 11L [| n; c; h; w |]
      Forward = MaxPool2d.forward k stride
      Backward = MaxPool2d.backward k stride
      Reference = referencePool Array.max shape (k, stride)
      BadShape = fun () ->
        let x = distinctTensor<'T> 11L [| n; c; h; w |]
        MaxPool2d.backward k stride x (randomTensor<'T> 3L [| n; c; h; w |]) |> ignore }

let avgPool<'T when 'T :> Numerics.IFloatingPointIeee754<'T>> (k: int) (stride: int) =
    let shape = (2, 3, 7, 6)
    let n, c, h, w = shape
    { Name = sprintf "AvgPool2d %dx%d stride %d" k k stride; OpName = "AvgPool2d.backward"
      Input = randomTensor<'T> 12L [| n; c; h; w |]
      Forward = AvgPool2d.forward k stride
      Backward = AvgPool2d.backward k stride
      Reference = referencePool (fun v -> Array.sum v / float v.Length) shape (k, stride)
      BadShape = fun () ->
        let x = randomTensor<'T> 12L [| n; c; h; w |]
        AvgPool2d.backward k stride x (randomTensor<'T> 3L [| n; c; h; w |]) |> ignore }

let flatten<'T when 'T :> Numerics.IFloatingPointIeee754<'T>> () =
    { Name = "Flatten"; OpName = "Flatten.backward"
      Input = randomTensor<'T> 13L [| 3; 2; 4; 5 |]
      Forward = Flatten.forward
      Backward = Flatten.backward
      Reference = id
      BadShape = fun () -> Flatten.backward (randomTensor<'T> 13L [| 3; 2; 4; 5 |]) (randomTensor<'T> 3L [| 3; 2; 20 |]) |> ignore }

let cases (p: Precision) (single: bool) =
    let both (mkD: unit -> OpCase<float>) (mkS: unit -> OpCase<float32>) =
        if single then Check.op p (mkS ()) else Check.op p (mkD ())
    [ for s in settings do
          both (fun () -> convX s) (fun () -> convX s)
          both (fun () -> convW s) (fun () -> convW s)
      both (fun () -> convWeightGradient settings.[1]) (fun () -> convWeightGradient settings.[1])
      both channelBiasX channelBiasX
      both channelBiasB channelBiasB
      for k, stride in [ 2, 2; 3, 2; 3, 1 ] do
          both (fun () -> maxPool k stride) (fun () -> maxPool k stride)
          both (fun () -> avgPool k stride) (fun () -> avgPool k stride)
      both flatten flatten ]

/// Small random convolution settings for the properties, drawn from a few bytes.
let private randomSetting (a: byte) (b: byte) (c: byte) =
    let n, ch, cout = 1 + int a % 2, 1 + int a / 2 % 3, 1 + int a / 6 % 3
    let k, stride, pad = 1 + int b % 4, 1 + int b / 4 % 3, int b / 12 % 3
    // Each side at least the kernel minus the padding on both sides, so that the kernel fits.
    let least = max 1 (k - 2 * pad)
    let h, w = least + int c % 6, least + int c / 6 % 6
    { Name = "random"; X = (n, ch, h, w); Cout = cout; K = k; Stride = stride; Padding = pad }

let private dot (a: float[]) (b: float[]) = Array.fold2 (fun acc x y -> acc + x * y) 0.0 a b

let private conv2dTests =
    testList "Conv2d" [
        testProperty "Conv2d.forward through im2col equals the direct seven-loop convolution on random shapes, strides and paddings" <| fun (a: byte) (b: byte) (c: byte) (seed: uint16) ->
            let s = randomSetting a b c
            let x = randomTensor<float> (int64 seed) (xShape s)
            let w = randomTensor<float> (int64 seed + 1L) (wShape s)
            let y = floats (Conv2d.forward (geometry s) w x)
            let r = reference s (floats x) (floats w)
            y.Length = r.Length && Array.forall2 (fun (u: float) v -> abs (u - v) <= 1e-12 * max 1.0 (abs v)) y r

        testProperty "Conv2d.backward is the adjoint of forward: <y, dy> = <x, dx> = <W, dW> on random shapes" <| fun (a: byte) (b: byte) (c: byte) (seed: uint16) ->
            let s = randomSetting a b c
            let g = geometry s
            let x = randomTensor<float> (int64 seed) (xShape s)
            let w = randomTensor<float> (int64 seed + 1L) (wShape s)
            let y = Conv2d.forward g w x
            let dy = randomTensor<float> (int64 seed + 2L) y.Shape
            let dx, dW = Conv2d.backward g w x dy
            let yy = dot (floats y) (floats dy)
            let close (v: float) = abs (v - yy) <= 1e-10 * max 1.0 (abs yy)
            close (dot (floats x) (floats dx)) && close (dot (floats w) (floats dW))

        testCase "Conv2d.forward on a hand-computed 1-channel 3x3 image with a 3x3 kernel and same padding" <| fun () ->
            let x = Tensor.create [| 1; 1; 3; 3 |] [| 1.0; 2.0; 3.0; 4.0; 5.0; 6.0; 7.0; 8.0; 9.0 |]
            // A kernel picking the left neighbour: y[i, j] = x[i, j − 1].
            let w = Tensor.create [| 1; 1; 3; 3 |] [| 0.0; 0.0; 0.0; 1.0; 0.0; 0.0; 0.0; 0.0; 0.0 |]
            let y = Conv2d.forward (Conv2dGeometry.same 3) w x
            Expect.equal (y.ToArray()) [| 0.0; 1.0; 2.0; 0.0; 4.0; 5.0; 0.0; 7.0; 8.0 |] "each pixel takes its left neighbour, zero at the edge"

        testCase "Conv2d keeps the book's kernel layout [inChannels; outChannels; k; k]" <| fun () ->
            // Two input channels, three output channels, 1x1 kernel: y[o] = sum over c of W[c, o] x[c].
            let x = Tensor.create [| 1; 2; 1; 1 |] [| 1.0; 10.0 |]
            let w = Tensor.create [| 2; 3; 1; 1 |] [| 1.0; 2.0; 3.0; 4.0; 5.0; 6.0 |]
            let y = Conv2d.forward (Conv2dGeometry.create 1 0) w x
            Expect.equal y.Shape [| 1; 3; 1; 1 |] "three output channels"
            Expect.equal (y.ToArray()) [| 41.0; 52.0; 63.0 |] "W[0, o] + 10 W[1, o]"

        testCase "Conv2d with the book geometry keeps a 28x20 image's size and stride 2 halves it" <| fun () ->
            let x = randomTensor<float32> 1L [| 2; 1; 28; 20 |]
            let w = randomTensor<float32> 2L [| 1; 4; 5; 5 |]
            Expect.equal (Conv2d.forward (Conv2dGeometry.same 5) w x).Shape [| 2; 4; 28; 20 |] "same padding"
            Expect.equal (Conv2d.forward { Stride = 2; Padding = 2 } w x).Shape [| 2; 4; 14; 10 |] "(28 + 4 - 5)/2 + 1 = 14"
            Expect.equal (Conv2dGeometry.outputSize { Stride = 2; Padding = 2 } 5 20) 10 "(20 + 4 - 5)/2 + 1 = 10"

        testCase "Conv2d gives the same result for a batch of 37 as image by image" <| fun () ->
            // 37 images of 28x28 span several chunks, the last one partial.
            let g = Conv2dGeometry.same 3
            let x = randomTensor<float> 1L [| 37; 2; 28; 28 |]
            let w = randomTensor<float> 2L [| 2; 3; 3; 3 |]
            let dy = randomTensor<float> 3L [| 37; 3; 28; 28 |]
            let y = Conv2d.forward g w x
            let dx, dW = Conv2d.backward g w x dy
            let mutable dWSum = Array.zeroCreate<float> w.Length
            for i in 0 .. 36 do
                let xi = Tensor.sliceRows i 1 x
                let dyi = Tensor.sliceRows i 1 dy
                Expect.equal (floats (Conv2d.forward g w xi)) (floats (Tensor.sliceRows i 1 y)) (sprintf "image %d forward" i)
                let dxi, dWi = Conv2d.backward g w xi dyi
                Expect.equal (floats dxi) (floats (Tensor.sliceRows i 1 dx)) (sprintf "image %d dx" i)
                dWSum <- Array.map2 (+) dWSum (floats dWi)
            Array.iteri2 (fun i a b -> if abs (a - b) > 1e-9 * max 1.0 (abs b) then failtestf "dW element %d: %g against %g" i a b) (floats dW) dWSum

        testCase "Conv2d.weightGradient equals the dW of Conv2d.backward" <| fun () ->
            let g = { Stride = 2; Padding = 1 }
            let x = randomTensor<float32> 1L [| 5; 3; 11; 9 |]
            let w = randomTensor<float32> 2L [| 3; 4; 3; 3 |]
            let dy = randomTensor<float32> 3L (Conv2d.forward g w x).Shape
            Expect.equal (floats (Conv2d.weightGradient g w x dy)) (floats (Conv2d.backward g w x dy |> snd)) "the same products in the same order"

        testCase "Conv2d handles an empty batch" <| fun () ->
            let x = Tensor.zeros<float> [| 0; 2; 5; 5 |]
            let w = randomTensor<float> 2L [| 2; 3; 3; 3 |]
            let y = Conv2d.forward (Conv2dGeometry.same 3) w x
            Expect.equal y.Shape [| 0; 3; 5; 5 |] "no images in, none out"
            let dx, dW = Conv2d.backward (Conv2dGeometry.same 3) w x y
            Expect.equal dx.Shape [| 0; 2; 5; 5 |] "dx of no images"
            Expect.equal (floats dW) (Array.zeroCreate w.Length) "no images give no weight gradient"

        testCase "Conv2d refuses input and kernel shapes that do not fit, naming the operation" <| fun () ->
            let g = Conv2dGeometry.same 3
            let x = Tensor.zeros<float> [| 2; 3; 6; 6 |]
            let w = Tensor.zeros<float> [| 3; 4; 3; 3 |]
            throwsShape "Conv2d.forward" (fun () -> Conv2d.forward g w (Tensor.zeros<float> [| 3; 6; 6 |]) |> ignore)
            throwsShape "Conv2d.forward" (fun () -> Conv2d.forward g (Tensor.zeros<float> [| 3; 4; 9 |]) x |> ignore)
            throwsShape "Conv2d.forward" (fun () -> Conv2d.forward g (Tensor.zeros<float> [| 3; 4; 3; 2 |]) x |> ignore)
            throwsShape "Conv2d.forward" (fun () -> Conv2d.forward g (Tensor.zeros<float> [| 2; 4; 3; 3 |]) x |> ignore)
            throwsShape "Conv2d.backward" (fun () -> Conv2d.backward g w x (Tensor.zeros<float> [| 2; 4; 6; 5 |]) |> ignore)
            throwsShape "Conv2d.weightGradient" (fun () -> Conv2d.weightGradient g w x (Tensor.zeros<float> [| 2; 3; 6; 6 |]) |> ignore)
            let e = Expect.throwsC (fun () -> Conv2d.forward g (Tensor.zeros<float> [| 2; 4; 3; 3 |]) x |> ignore) id
            Expect.stringContains e.Message "2x3x6x6" "names the input's shape"
            Expect.stringContains e.Message "2x4x3x3" "names the kernel's shape"

        testCase "Conv2d refuses a stride below 1, a negative padding and a kernel larger than the padded image" <| fun () ->
            let x = Tensor.zeros<float> [| 1; 1; 4; 6 |]
            let w = Tensor.zeros<float> [| 1; 1; 5; 5 |]
            throwsValue "Conv2d.forward" (fun () -> Conv2d.forward { Stride = 0; Padding = 2 } w x |> ignore)
            throwsValue "Conv2d.forward" (fun () -> Conv2d.forward { Stride = 1; Padding = -1 } w x |> ignore)
            throwsValue "Conv2d.forward" (fun () -> Conv2d.forward { Stride = 1; Padding = 0 } w x |> ignore)
            throwsValue "Conv2d.backward" (fun () -> Conv2d.backward { Stride = -2; Padding = 2 } w x (Tensor.zeros<float> [| 1; 1; 4; 6 |]) |> ignore)
            // Padding 1 makes the 4-pixel height 6, enough for k = 5.
            Expect.equal (Conv2d.forward { Stride = 1; Padding = 1 } w x).Shape [| 1; 1; 2; 4 |] "the kernel just fits"
            throwsValue "Conv2dGeometry.create" (fun () -> Conv2dGeometry.create 0 1 |> ignore)
            throwsValue "Conv2dGeometry.create" (fun () -> Conv2dGeometry.create 1 -1 |> ignore)
            throwsValue "Conv2dGeometry.outputSize" (fun () -> Conv2dGeometry.outputSize { Stride = 1; Padding = 0 } 5 4 |> ignore)

        testCase "Conv2dGeometry.same gives stride 1 and padding k/2 for odd k and refuses even k" <| fun () ->
            Expect.equal (Conv2dGeometry.same 5) { Stride = 1; Padding = 2 } "5x5 pads by 2"
            Expect.equal (Conv2dGeometry.same 1) { Stride = 1; Padding = 0 } "1x1 needs no padding"
            throwsValue "Conv2dGeometry.same" (fun () -> Conv2dGeometry.same 4 |> ignore)
            throwsValue "Conv2dGeometry.same" (fun () -> Conv2dGeometry.same 0 |> ignore)
    ]

let private channelBiasTests =
    testList "ChannelBias" [
        testCase "ChannelBias.backward sums dy over the batch and the pixels of each channel" <| fun () ->
            let x = Tensor.zeros<float> [| 2; 2; 1; 2 |]
            let dy = Tensor.create [| 2; 2; 1; 2 |] [| 1.0; 2.0; 10.0; 20.0; 3.0; 4.0; 30.0; 40.0 |]
            let dx, dB = ChannelBias.backward x (Tensor.zeros<float> [| 2 |]) dy
            Expect.equal (dB.ToArray()) [| 10.0; 100.0 |] "1+2+3+4 and 10+20+30+40"
            Expect.equal (dx.ToArray()) (dy.ToArray()) "dx = dy"

        testCase "ChannelBias refuses a bias that is not one value per channel" <| fun () ->
            let x = Tensor.zeros<float> [| 2; 3; 4; 4 |]
            throwsShape "ChannelBias.forward" (fun () -> ChannelBias.forward x (Tensor.zeros<float> [| 1; 3 |]) |> ignore)
            throwsShape "ChannelBias.forward" (fun () -> ChannelBias.forward (Tensor.zeros<float> [| 2; 3 |]) (Tensor.zeros<float> [| 3 |]) |> ignore)
    ]

let private poolTests =
    testList "Pooling" [
        testCase "MaxPool2d on a hand-computed 4x4 image takes each 2x2 window's largest value" <| fun () ->
            let x = Tensor.create [| 1; 1; 4; 4 |] [| 1.0; 5.0; 2.0; 0.0;  3.0; 4.0; 8.0; 7.0;  -1.0; -2.0; 0.5; 0.5;  -3.0; -0.5; 0.0; 0.25 |]
            let y = MaxPool2d.forward 2 2 x
            Expect.equal y.Shape [| 1; 1; 2; 2 |] "2x2 output"
            Expect.equal (y.ToArray()) [| 5.0; 8.0; -0.5; 0.5 |] "window maxima"
            let dx = MaxPool2d.backward 2 2 x (Tensor.create [| 1; 1; 2; 2 |] [| 1.0; 2.0; 3.0; 4.0 |])
            Expect.equal (dx.ToArray()) [| 0.0; 1.0; 0.0; 0.0;  0.0; 0.0; 2.0; 0.0;  0.0; 0.0; 4.0; 0.0;  0.0; 3.0; 0.0; 0.0 |]
                "each gradient goes to its window's maximum, the first one on a tie"

        testCase "MaxPool2d.backward adds the gradients of overlapping windows that share a maximum" <| fun () ->
            let x = Tensor.create [| 1; 1; 2; 3 |] [| 0.0; 9.0; 1.0;  0.0; 0.0; 0.0 |]
            let dx = MaxPool2d.backward 2 1 x (Tensor.create [| 1; 1; 1; 2 |] [| 1.0; 10.0 |])
            Expect.equal (dx.ToArray()) [| 0.0; 11.0; 0.0;  0.0; 0.0; 0.0 |] "both windows pick the top middle element"

        testCase "AvgPool2d on a hand-computed 2x4 image averages each 2x2 window" <| fun () ->
            let x = Tensor.create [| 1; 1; 2; 4 |] [| 1.0; 2.0; 3.0; 4.0;  5.0; 6.0; 7.0; 8.0 |]
            Expect.equal ((AvgPool2d.forward 2 2 x).ToArray()) [| 3.5; 5.5 |] "means of the two windows"
            let dx = AvgPool2d.backward 2 2 x (Tensor.create [| 1; 1; 1; 2 |] [| 4.0; 8.0 |])
            Expect.equal (dx.ToArray()) [| 1.0; 1.0; 2.0; 2.0;  1.0; 1.0; 2.0; 2.0 |] "a quarter of each gradient per element"

        testCase "Pooling drops the rows and columns no window reaches" <| fun () ->
            let x = randomTensor<float> 1L [| 2; 3; 7; 5 |]
            Expect.equal (MaxPool2d.forward 2 2 x).Shape [| 2; 3; 3; 2 |] "(7 - 2)/2 + 1 = 3 and (5 - 2)/2 + 1 = 2"
            Expect.equal (AvgPool2d.forward 3 2 x).Shape [| 2; 3; 3; 2 |] "(7 - 3)/2 + 1 = 3 and (5 - 3)/2 + 1 = 2"

        testCase "Pooling refuses a window or stride below 1, a window larger than the image and a rank other than 4" <| fun () ->
            let x = Tensor.zeros<float> [| 1; 2; 4; 3 |]
            for op, f in [ "MaxPool2d.forward", MaxPool2d.forward<float>; "AvgPool2d.forward", AvgPool2d.forward<float> ] do
                throwsValue op (fun () -> f 0 1 x |> ignore)
                throwsValue op (fun () -> f 2 0 x |> ignore)
                throwsValue op (fun () -> f 4 1 x |> ignore)
                throwsShape op (fun () -> f 2 2 (Tensor.zeros<float> [| 2; 4; 3 |]) |> ignore)
    ]

let private flattenTests =
    testList "Flatten" [
        testCase "Flatten.forward keeps the batch and joins the rest in row-major order" <| fun () ->
            let x = Tensor.create [| 2; 1; 2; 2 |] [| 1.0; 2.0; 3.0; 4.0; 5.0; 6.0; 7.0; 8.0 |]
            let y = Flatten.forward x
            Expect.equal y.Shape [| 2; 4 |] "2 samples of 1x2x2"
            Expect.equal (y.ToArray()) (x.ToArray()) "the same elements in the same order"
            Expect.equal (Flatten.forward (Tensor.zeros<float> [| 3 |])).Shape [| 3; 1 |] "a vector becomes a column"

        testCase "Flatten refuses a scalar and a dy of the wrong shape" <| fun () ->
            throwsShape "Flatten.forward" (fun () -> Flatten.forward (Tensor.zeros<float> [||]) |> ignore)
            throwsShape "Flatten.backward" (fun () -> Flatten.backward (Tensor.zeros<float> [| 2; 3; 4 |]) (Tensor.zeros<float> [| 2; 11 |]) |> ignore)
    ]

[<Tests>]
let tests =
    testList "Convolution operations" [
        testList "double precision" (cases Check.double false)
        testList "single precision" (cases Check.single true)
        conv2dTests
        channelBiasTests
        poolTests
        flattenTests ]
