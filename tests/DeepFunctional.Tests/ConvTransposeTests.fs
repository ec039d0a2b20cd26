/// The transposed convolution (chapter 7): `ConvTranspose2d` gradient-checked in both precisions
/// through `Check.op` against a direct-loop reference, over kernels of size 1 to 5, strides 1 to 3,
/// paddings 0 to 2 and every output padding; FsCheck properties on generated geometries (whose
/// coverage is itself tested) for the reference and the adjoint relations with `Conv2d`; output
/// sizes against hand-computed PyTorch cases; the typed errors; NaN propagation.
module DeepFunctional.Tests.ConvTransposeTests

open System
open Expecto
open FsCheck.FSharp
open DeepFunctional
open DeepFunctional.Tests.Check

/// The direct transposed convolution, obviously correct: every input pixel adds its value times
/// the kernel to the output pixels it reaches, in seven nested loops over double arrays.
/// x: [n; c; h; w], w: [c; cout; k; k] (ONNX's layout) -> [n; cout; h'; w'] with
/// h' = (h − 1)·stride − 2·pad + k + outPad.
let referenceConvTranspose (n: int, c: int, h: int, wd: int) (cout: int, k: int) (stride: int, pad: int, outPad: int) (x: float[]) (w: float[]) : float[] =
    let oh = (h - 1) * stride - 2 * pad + k + outPad
    let ow = (wd - 1) * stride - 2 * pad + k + outPad
    let y = Array.zeroCreate (n * cout * oh * ow)
    for b in 0 .. n - 1 do
        for ci in 0 .. c - 1 do
            for i in 0 .. h - 1 do
                for j in 0 .. wd - 1 do
                    for o in 0 .. cout - 1 do
                        for u in 0 .. k - 1 do
                            for v in 0 .. k - 1 do
                                let r = i * stride + u - pad
                                let t = j * stride + v - pad
                                if r >= 0 && r < oh && t >= 0 && t < ow then
                                    let at = ((b * cout + o) * oh + r) * ow + t
                                    y.[at] <- y.[at] + x.[((b * c + ci) * h + i) * wd + j] * w.[((ci * cout + o) * k + u) * k + v]
    y

/// The direct kernel gradient of the transposed convolution: dW[c, o, u, v] is the sum over the
/// batch and the input pixels (i, j) of x[c, i, j] · dy[o, i·stride + u − pad, j·stride + v − pad],
/// for the output pixels that exist.
let referenceKernelGradient (n: int, c: int, h: int, wd: int) (cout: int, k: int) (stride: int, pad: int, outPad: int) (x: float[]) (dy: float[]) : float[] =
    let oh = (h - 1) * stride - 2 * pad + k + outPad
    let ow = (wd - 1) * stride - 2 * pad + k + outPad
    let dW = Array.zeroCreate (c * cout * k * k)
    for ci in 0 .. c - 1 do
        for o in 0 .. cout - 1 do
            for u in 0 .. k - 1 do
                for v in 0 .. k - 1 do
                    for b in 0 .. n - 1 do
                        for i in 0 .. h - 1 do
                            for j in 0 .. wd - 1 do
                                let r = i * stride + u - pad
                                let t = j * stride + v - pad
                                if r >= 0 && r < oh && t >= 0 && t < ow then
                                    let at = ((ci * cout + o) * k + u) * k + v
                                    dW.[at] <- dW.[at] + x.[((b * c + ci) * h + i) * wd + j] * dy.[((b * cout + o) * oh + r) * ow + t]
    dW

/// One transposed-convolution setting: input shape (n, c, h, w), output channels, kernel size,
/// stride, padding and output padding.
type Setting =
    { Name: string; X: int * int * int * int; Cout: int; K: int; Stride: int; Padding: int; OutputPadding: int }

/// Every kernel size 1..5, stride 1..3, padding 0..2 and output padding 0..stride−1 occurs, on
/// rectangular images, batches above 1 and more or fewer output than input channels.
let settings =
    [ { Name = "k=1, stride 1"; X = (2, 3, 4, 5); Cout = 2; K = 1; Stride = 1; Padding = 0; OutputPadding = 0 }
      { Name = "k=1, stride 2, output padding 1 (every other pixel)"; X = (2, 2, 3, 4); Cout = 3; K = 1; Stride = 2; Padding = 0; OutputPadding = 1 }
      { Name = "k=2, stride 2, output padding 1"; X = (2, 2, 3, 4); Cout = 3; K = 2; Stride = 2; Padding = 0; OutputPadding = 1 }
      { Name = "k=2, stride 3 (gaps between kernels), output padding 2"; X = (2, 2, 3, 2); Cout = 2; K = 2; Stride = 3; Padding = 0; OutputPadding = 2 }
      { Name = "k=3, stride 2, padding 1, output padding 1 (doubles the size)"; X = (2, 3, 5, 4); Cout = 2; K = 3; Stride = 2; Padding = 1; OutputPadding = 1 }
      { Name = "k=3, stride 1, no padding (full convolution)"; X = (2, 2, 4, 3); Cout = 3; K = 3; Stride = 1; Padding = 0; OutputPadding = 0 }
      { Name = "k=3, stride 3, output padding 1, one input channel"; X = (2, 1, 3, 2); Cout = 4; K = 3; Stride = 3; Padding = 0; OutputPadding = 1 }
      { Name = "k=4, stride 2, padding 1 (DCGAN doubling)"; X = (3, 2, 4, 3); Cout = 3; K = 4; Stride = 2; Padding = 1; OutputPadding = 0 }
      { Name = "k=4, stride 1, padding 2 (crops more than it grows)"; X = (2, 2, 5, 4); Cout = 3; K = 4; Stride = 1; Padding = 2; OutputPadding = 0 }
      { Name = "k=5, stride 1, padding 2 (same size)"; X = (2, 3, 6, 5); Cout = 2; K = 5; Stride = 1; Padding = 2; OutputPadding = 0 }
      { Name = "k=5, stride 3, padding 2, output padding 2"; X = (2, 2, 3, 4); Cout = 3; K = 5; Stride = 3; Padding = 2; OutputPadding = 2 }
      { Name = "k=3, stride 3, padding 1, output padding 0"; X = (2, 3, 3, 4); Cout = 2; K = 3; Stride = 3; Padding = 1; OutputPadding = 0 } ]

let private xShape (s: Setting) = let n, c, h, w = s.X in [| n; c; h; w |]
let private wShape (s: Setting) = let _, c, _, _ = s.X in [| c; s.Cout; s.K; s.K |]
let private geometry (s: Setting) = ConvTranspose2dGeometry.create s.Stride s.Padding s.OutputPadding
let private reference (s: Setting) = referenceConvTranspose s.X (s.Cout, s.K) (s.Stride, s.Padding, s.OutputPadding)
let private yShape (s: Setting) =
    let n, _, h, w = s.X
    let side v = (v - 1) * s.Stride - 2 * s.Padding + s.K + s.OutputPadding
    [| n; s.Cout; side h; side w |]

/// ConvTranspose2d as a function of its input x, with W fixed.
let inputCase<'T when 'T :> Numerics.IFloatingPointIeee754<'T>> (s: Setting) =
    let w = randomTensor<'T> 2L (wShape s)
    let g = geometry s
    { Name = sprintf "ConvTranspose2d %s (input)" s.Name; OpName = "ConvTranspose2d.forward"
      Input = randomTensor<'T> 1L (xShape s)
      Forward = ConvTranspose2d.forward g w
      Backward = fun x dy -> ConvTranspose2d.backward g w x dy |> fst
      Reference = fun x -> reference s x (floats w)
      BadShape = fun () ->
        let n, c, h, wd = s.X
        ConvTranspose2d.forward g w (randomTensor<'T> 1L [| n; c + 1; h; wd |]) |> ignore }

/// ConvTranspose2d as a function of its kernel W, with x fixed: checks dW.
let kernelCase<'T when 'T :> Numerics.IFloatingPointIeee754<'T>> (s: Setting) =
    let x = randomTensor<'T> 1L (xShape s)
    let g = geometry s
    { Name = sprintf "ConvTranspose2d %s (kernel)" s.Name; OpName = "ConvTranspose2d.backward"
      Input = randomTensor<'T> 2L (wShape s)
      Forward = fun w -> ConvTranspose2d.forward g w x
      Backward = fun w dy -> ConvTranspose2d.backward g w x dy |> snd
      Reference = fun w -> reference s (floats x) w
      BadShape = fun () ->
        let w = randomTensor<'T> 2L (wShape s)
        let y = yShape s
        ConvTranspose2d.backward g w x (randomTensor<'T> 3L [| y.[0]; y.[1]; y.[2] + 1; y.[3] |]) |> ignore }

/// ConvTranspose2d.weightGradient as a function of W.
let weightGradientCase<'T when 'T :> Numerics.IFloatingPointIeee754<'T>> (s: Setting) =
    { kernelCase<'T> s with
        Name = sprintf "ConvTranspose2d.weightGradient %s" s.Name; OpName = "ConvTranspose2d.weightGradient"
        Backward = fun w dy -> ConvTranspose2d.weightGradient (geometry s) w (randomTensor<'T> 1L (xShape s)) dy
        BadShape = fun () ->
            let w = randomTensor<'T> 2L (wShape s)
            ConvTranspose2d.weightGradient (geometry s) w (randomTensor<'T> 1L (xShape s)) (randomTensor<'T> 3L (xShape s)) |> ignore }

let cases (p: Precision) (single: bool) =
    let both (mkD: unit -> OpCase<float>) (mkS: unit -> OpCase<float32>) =
        if single then Check.op p (mkS ()) else Check.op p (mkD ())
    [ for s in settings do
          both (fun () -> inputCase s) (fun () -> inputCase s)
          both (fun () -> kernelCase s) (fun () -> kernelCase s)
      for s in [ settings.[4]; settings.[9] ] do
          both (fun () -> weightGradientCase s) (fun () -> weightGradientCase s) ]

/// Transposed-convolution settings for the properties: k 1..5, stride 1..3, padding 0..2, output
/// padding 0..stride−1, batch 1..2, channels 1..3 each, and each image side from the least that
/// gives an output of at least one pixel to four more.
let settingGen : FsCheck.Gen<Setting> =
    gen {
        let! k = Gen.choose (1, 5)
        let! stride = Gen.choose (1, 3)
        let! pad = Gen.choose (0, 2)
        let! outPad = Gen.choose (0, stride - 1)
        let! n = Gen.choose (1, 2)
        let! c = Gen.choose (1, 3)
        let! cout = Gen.choose (1, 3)
        // (side − 1)·stride ≥ 1 + 2·pad − k − outPad, and side ≥ 1.
        let need = 1 + 2 * pad - k - outPad
        let least = 1 + (if need <= 0 then 0 else (need + stride - 1) / stride)
        let! h = Gen.choose (least, least + 4)
        let! w = Gen.choose (least, least + 4)
        return { Name = "generated"; X = (n, c, h, w); Cout = cout; K = k; Stride = stride; Padding = pad; OutputPadding = outPad }
    }

/// A convolution setting for the adjoint property: a Conv2d input (n, c, h, w) with cout output
/// channels, kernel size 1..5, stride 1..3 and padding 0..2, each side at least large enough for
/// the kernel, so that every remainder (h + 2·padding − k) mod stride, the output padding of the
/// adjoint, occurs. One output padding serves both sides, so w is moved up (by less than the
/// stride) to leave the same remainder as h. The output padding field holds that remainder.
let convSettingGen : FsCheck.Gen<Setting> =
    gen {
        let! k = Gen.choose (1, 5)
        let! stride = Gen.choose (1, 3)
        let! pad = Gen.choose (0, 2)
        let! n = Gen.choose (1, 2)
        let! c = Gen.choose (1, 3)
        let! cout = Gen.choose (1, 3)
        let least = max 1 (k - 2 * pad)
        let! h = Gen.choose (least, least + 5)
        let! w0 = Gen.choose (least, least + 5)
        let outPad = (h + 2 * pad - k) % stride
        let w = w0 + (outPad - (w0 + 2 * pad - k) % stride + stride) % stride
        return { Name = "generated convolution"; X = (n, c, h, w); Cout = cout; K = k; Stride = stride; Padding = pad
                 OutputPadding = outPad }
    }

/// A setting and a seed for its tensors.
let private withSeed (g: FsCheck.Gen<Setting>) = Arb.fromGen (Gen.zip g (Gen.choose (0, 1_000_000)))

let private dot (a: float[]) (b: float[]) = Array.fold2 (fun acc x y -> acc + x * y) 0.0 a b

let private closeTo (expected: float) (actual: float) = abs (actual - expected) <= 1e-10 * max 1.0 (abs expected)

/// Which values of a few features a sample of settings takes: fails naming what never occurs.
let private expectCoverage (what: string) (samples: Setting[]) (features: (string * (Setting -> int) * int list) list) =
    for name, feature, values in features do
        let seen = samples |> Array.map feature |> Set.ofArray
        let missing = values |> List.filter (fun v -> not (seen.Contains v))
        if not missing.IsEmpty then failtestf "%s: %s never took the values %A" what name missing

let private propertyTests =
    testList "properties" [
        testProperty "ConvTranspose2d.forward equals the direct seven-loop transposed convolution on generated geometries" <|
            Prop.forAll (withSeed settingGen) (fun (s, seed) ->
                let x = randomTensor<float> (int64 seed) (xShape s)
                let w = randomTensor<float> (int64 seed + 1L) (wShape s)
                let y = ConvTranspose2d.forward (geometry s) w x
                let r = reference s (floats x) (floats w)
                y.Shape = yShape s && Array.forall2 (fun (u: float) v -> abs (u - v) <= 1e-12 * max 1.0 (abs v)) (floats y) r)

        testProperty "ConvTranspose2d.backward is the adjoint of forward: <y, dy> = <x, dx> = <W, dW> on generated geometries" <|
            Prop.forAll (withSeed settingGen) (fun (s, seed) ->
                let g = geometry s
                let x = randomTensor<float> (int64 seed) (xShape s)
                let w = randomTensor<float> (int64 seed + 1L) (wShape s)
                let y = ConvTranspose2d.forward g w x
                let dy = randomTensor<float> (int64 seed + 2L) y.Shape
                let dx, dW = ConvTranspose2d.backward g w x dy
                let yy = dot (floats y) (floats dy)
                closeTo yy (dot (floats x) (floats dx)) && closeTo yy (dot (floats w) (floats dW)))

        testProperty "<Conv2d(x; W), y> = <x, ConvTranspose2d(y; adjointKernel W)> under the adjoint geometry on generated convolutions" <|
            Prop.forAll (withSeed convSettingGen) (fun (s, seed) ->
                let conv = { Stride = s.Stride; Padding = s.Padding }
                let _, _, h, _ = s.X
                let x = randomTensor<float> (int64 seed) (xShape s)
                let w = randomTensor<float> (int64 seed + 1L) (wShape s)
                let cx = Conv2d.forward conv w x
                let y = randomTensor<float> (int64 seed + 2L) cx.Shape
                let g = ConvTranspose2dGeometry.adjointOf conv s.K h
                let ty = ConvTranspose2d.forward g (ConvTranspose2d.adjointKernel w) y
                ty.Shape = x.Shape && closeTo (dot (floats cx) (floats y)) (dot (floats x) (floats ty)))

        testProperty "ConvTranspose2dGeometry.adjointOf maps a convolution's output side back to its input side" <|
            Prop.forAll (withSeed convSettingGen) (fun (s, _) ->
                let conv = { Stride = s.Stride; Padding = s.Padding }
                let _, _, h, w = s.X
                let back side = ConvTranspose2dGeometry.outputSize (ConvTranspose2dGeometry.adjointOf conv s.K side) s.K (Conv2dGeometry.outputSize conv s.K side)
                back h = h && back w = w)

        testCase "the transposed-convolution generator covers every kernel size, stride, padding and output padding" <| fun () ->
            let samples = Gen.sampleWithSeed (FsCheck.Rnd 20240607UL) 10 2000 settingGen
            let n (s: Setting) = let n, _, _, _ = s.X in n
            let c (s: Setting) = let _, c, _, _ = s.X in c
            let rect (s: Setting) = let _, _, h, w = s.X in compare h w
            expectCoverage "settingGen" samples
                [ "k", (fun s -> s.K), [ 1 .. 5 ]
                  "stride", (fun s -> s.Stride), [ 1 .. 3 ]
                  "padding", (fun s -> s.Padding), [ 0 .. 2 ]
                  "stride·10 + output padding", (fun s -> 10 * s.Stride + s.OutputPadding), [ 10; 20; 21; 30; 31; 32 ]
                  "batch", n, [ 1; 2 ]
                  "input channels", c, [ 1 .. 3 ]
                  "output channels", (fun s -> s.Cout), [ 1 .. 3 ]
                  "sign of h − w", rect, [ -1; 0; 1 ]
                  "in = out channels", (fun s -> if c s = s.Cout then 1 else 0), [ 0; 1 ] ]
            // The least side is what makes the output one pixel: that edge case occurs.
            let outputs = samples |> Array.map (fun s -> (yShape s).[2])
            Expect.contains outputs 1 "some output is a single row"
            Expect.isTrue (samples |> Array.forall (fun s -> Array.forall (fun d -> d >= 1) (yShape s))) "no generated output is empty"

        testCase "the convolution generator covers every kernel size, stride, padding and adjoint output padding" <| fun () ->
            let samples = Gen.sampleWithSeed (FsCheck.Rnd 20240608UL) 10 2000 convSettingGen
            let rect (s: Setting) = let _, _, h, w = s.X in compare h w
            let c (s: Setting) = let _, c, _, _ = s.X in c
            expectCoverage "convSettingGen" samples
                [ "k", (fun s -> s.K), [ 1 .. 5 ]
                  "stride", (fun s -> s.Stride), [ 1 .. 3 ]
                  "padding", (fun s -> s.Padding), [ 0 .. 2 ]
                  "stride·10 + output padding", (fun s -> 10 * s.Stride + s.OutputPadding), [ 10; 20; 21; 30; 31; 32 ]
                  "sign of h − w", rect, [ -1; 0; 1 ]
                  "in = out channels", (fun s -> if c s = s.Cout then 1 else 0), [ 0; 1 ] ]
            for s in samples do
                let _, _, h, w = s.X
                if (w + 2 * s.Padding - s.K) % s.Stride <> s.OutputPadding || h + 2 * s.Padding < s.K || w + 2 * s.Padding < s.K then
                    failtestf "a generated convolution whose sides do not share the output padding or fit the kernel: %A" s
    ]

let private exampleTests =
    testList "examples" [
        testCase "ConvTranspose2dGeometry.outputSize gives PyTorch's sizes: 7 -> 14 -> 28 with k=3, stride 2, padding 1, output padding 1" <| fun () ->
            let g = ConvTranspose2dGeometry.create 2 1 1
            Expect.equal (ConvTranspose2dGeometry.outputSize g 3 7) 14 "(7 − 1)·2 − 2 + 3 + 1"
            Expect.equal (ConvTranspose2dGeometry.outputSize g 3 14) 28 "(14 − 1)·2 − 2 + 3 + 1"
            Expect.equal (Conv2dGeometry.transposedOutputSize { Stride = 2; Padding = 1 } 1 3 7) 14 "the same rule in Conv2dGeometry"
            let y = ConvTranspose2d.forward g (randomTensor<float32> 2L [| 4; 2; 3; 3 |]) (randomTensor<float32> 1L [| 3; 4; 7; 7 |])
            Expect.equal y.Shape [| 3; 2; 14; 14 |] "a batch of 7x7 maps becomes 14x14"

        testCase "ConvTranspose2dGeometry.outputSize agrees with more hand-computed PyTorch cases" <| fun () ->
            let size stride pad outPad k side = ConvTranspose2dGeometry.outputSize (ConvTranspose2dGeometry.create stride pad outPad) k side
            Expect.equal (size 2 1 0 4 4) 8 "DCGAN's k=4, stride 2, padding 1 doubles 4 to 8: 3·2 − 2 + 4"
            Expect.equal (size 1 0 0 4 1) 4 "DCGAN's first layer, 1x1 to 4x4 with k=4"
            Expect.equal (size 2 1 0 3 6) 11 "PyTorch's upsampling example without output_size: 5·2 − 2 + 3"
            Expect.equal (size 2 1 1 3 6) 12 "and with output padding 1, back to the 12 its Conv2d reduced to 6"
            Expect.equal (size 1 1 0 3 5) 5 "k=3, stride 1, padding 1 keeps the size"
            Expect.equal (size 3 0 2 3 3) 11 "2·3 + 3 + 2"
            Expect.equal (size 1 2 0 1 5) 1 "padding 2 crops a 5-pixel side with k=1 to one pixel"
            Expect.equal (Conv2dGeometry.outputPaddingFor { Stride = 2; Padding = 1 } 3 12) 1 "(12 + 2 − 3) mod 2"
            Expect.equal (Conv2dGeometry.outputPaddingFor { Stride = 2; Padding = 1 } 3 11) 0 "(11 + 2 − 3) mod 2"
            Expect.equal (Conv2dGeometry.outputPaddingFor { Stride = 3; Padding = 0 } 2 10) 2 "(10 − 2) mod 3"

        testCase "ConvTranspose2d.forward on a hand-computed 2x2 image with a 2x2 kernel and stride 2 tiles the kernel" <| fun () ->
            let x = Tensor.create [| 1; 1; 2; 2 |] [| 1.0; 2.0; 3.0; 4.0 |]
            let w = Tensor.create [| 1; 1; 2; 2 |] [| 1.0; 10.0; 100.0; 1000.0 |]
            let y = ConvTranspose2d.forward (ConvTranspose2dGeometry.create 2 0 0) w x
            Expect.equal y.Shape [| 1; 1; 4; 4 |] "(2 − 1)·2 + 2"
            Expect.equal (y.ToArray())
                [| 1.0; 10.0; 2.0; 20.0
                   100.0; 1000.0; 200.0; 2000.0
                   3.0; 30.0; 4.0; 40.0
                   300.0; 3000.0; 400.0; 4000.0 |] "each pixel places a scaled copy of the kernel"

        testCase "ConvTranspose2d.forward with stride 1 sums overlapping kernels, and padding and output padding crop and extend" <| fun () ->
            let x = Tensor.create [| 1; 1; 1; 2 |] [| 1.0; 2.0 |]
            let w = Tensor.create [| 1; 1; 2; 2 |] [| 1.0; 1.0; 1.0; 1.0 |]
            let y = ConvTranspose2d.forward (ConvTranspose2dGeometry.create 1 0 0) w x
            Expect.equal (y.ToArray()) [| 1.0; 3.0; 2.0; 1.0; 3.0; 2.0 |] "2x3: the middle column receives both pixels"
            // Stride 2, output padding 1 on a 1x1 image with k=1: the pixel and one zero row and column.
            let z = ConvTranspose2d.forward (ConvTranspose2dGeometry.create 2 0 1) (Tensor.create [| 1; 1; 1; 1 |] [| 3.0 |]) (Tensor.create [| 1; 1; 1; 1 |] [| 2.0 |])
            Expect.equal z.Shape [| 1; 1; 2; 2 |] "0·2 + 1 + 1"
            Expect.equal (z.ToArray()) [| 6.0; 0.0; 0.0; 0.0 |] "output padding adds zeros at the bottom and right"
            // Padding 1 crops the 3x3 image of a 2x2 input with k=2 to its centre pixel.
            let c = ConvTranspose2d.forward (ConvTranspose2dGeometry.create 1 1 0) w (Tensor.create [| 1; 1; 2; 2 |] [| 1.0; 2.0; 3.0; 4.0 |])
            Expect.equal (c.ToArray()) [| 10.0 |] "the centre pixel receives all four"

        testCase "ConvTranspose2d keeps ONNX's kernel layout [inChannels; outChannels; k; k]" <| fun () ->
            // Two input channels, three output channels, 1x1 kernel: y[o] = sum over c of W[c, o] x[c].
            let x = Tensor.create [| 1; 2; 1; 1 |] [| 1.0; 10.0 |]
            let w = Tensor.create [| 2; 3; 1; 1 |] [| 1.0; 2.0; 3.0; 4.0; 5.0; 6.0 |]
            let y = ConvTranspose2d.forward (ConvTranspose2dGeometry.create 1 0 0) w x
            Expect.equal y.Shape [| 1; 3; 1; 1 |] "three output channels"
            Expect.equal (y.ToArray()) [| 41.0; 52.0; 63.0 |] "W[0, o] + 10 W[1, o]"

        testCase "ConvTranspose2d.adjointKernel swaps the channel axes and is its own inverse" <| fun () ->
            let w = Tensor.create [| 2; 3; 1; 2 |] [| 1.0; 2.0;  3.0; 4.0;  5.0; 6.0;  7.0; 8.0;  9.0; 10.0;  11.0; 12.0 |]
            let a = ConvTranspose2d.adjointKernel w
            Expect.equal a.Shape [| 3; 2; 1; 2 |] "[b; a; k; k]"
            Expect.equal (a.ToArray()) [| 1.0; 2.0;  7.0; 8.0;  3.0; 4.0;  9.0; 10.0;  5.0; 6.0;  11.0; 12.0 |] "plane [j, i] is plane [i, j]"
            Expect.equal ((ConvTranspose2d.adjointKernel a).ToArray()) (w.ToArray()) "swapping twice gives the kernel back"

        testCase "ConvTranspose2d with the unswapped Conv2d kernel is not Conv2d's adjoint, even when the channel counts agree" <| fun () ->
            // The relation needs adjointKernel: with Conv2d's [in; out] kernel read as [in; out]
            // of the transposed convolution, the channels mix the wrong way round.
            let conv = { Stride = 2; Padding = 1 }
            let x = randomTensor<float> 1L [| 2; 3; 7; 5 |]
            let w = randomTensor<float> 2L [| 3; 3; 3; 3 |]
            let cx = Conv2d.forward conv w x
            let y = randomTensor<float> 3L cx.Shape
            let g = ConvTranspose2dGeometry.adjointOf conv 3 7
            let lhs = dot (floats cx) (floats y)
            let swapped = ConvTranspose2d.forward g (ConvTranspose2d.adjointKernel w) y
            let same = ConvTranspose2d.forward g w y
            Expect.equal swapped.Shape x.Shape "the adjoint geometry maps 4x3 back to 7x5 (both sides leave remainder 0)"
            Expect.isTrue (closeTo lhs (dot (floats x) (floats swapped))) "with adjointKernel: the adjoint"
            Expect.isFalse (closeTo lhs (dot (floats x) (floats same))) "with the same tensor: not the adjoint"

        testCase "ConvTranspose2d gives the same result for a batch of 37 as image by image, in both passes" <| fun () ->
            let g = ConvTranspose2dGeometry.create 2 1 1
            let x = randomTensor<float> 1L [| 37; 3; 7; 7 |]
            let w = randomTensor<float> 2L [| 3; 2; 3; 3 |]
            let dy = randomTensor<float> 3L [| 37; 2; 14; 14 |]
            let y = ConvTranspose2d.forward g w x
            let dx, dW = ConvTranspose2d.backward g w x dy
            let mutable dWSum = Array.zeroCreate<float> w.Length
            for i in 0 .. 36 do
                let xi = Tensor.sliceRows i 1 x
                let dyi = Tensor.sliceRows i 1 dy
                Expect.equal (floats (ConvTranspose2d.forward g w xi)) (floats (Tensor.sliceRows i 1 y)) (sprintf "image %d forward" i)
                let dxi, dWi = ConvTranspose2d.backward g w xi dyi
                Expect.equal (floats dxi) (floats (Tensor.sliceRows i 1 dx)) (sprintf "image %d dx" i)
                dWSum <- Array.map2 (+) dWSum (floats dWi)
            Array.iteri2 (fun i a b -> if abs (a - b) > 1e-9 * max 1.0 (abs b) then failtestf "dW element %d: %g against %g" i a b) (floats dW) dWSum

        testCase "ConvTranspose2d.weightGradient equals the dW of ConvTranspose2d.backward" <| fun () ->
            let g = ConvTranspose2dGeometry.create 3 1 2
            let x = randomTensor<float32> 1L [| 4; 3; 5; 4 |]
            let w = randomTensor<float32> 2L [| 3; 2; 4; 4 |]
            let dy = randomTensor<float32> 3L (ConvTranspose2d.forward g w x).Shape
            Expect.equal (floats (ConvTranspose2d.weightGradient g w x dy)) (floats (ConvTranspose2d.backward g w x dy |> snd)) "the same products in the same order"

        testCase "ConvTranspose2d handles an empty batch" <| fun () ->
            let g = ConvTranspose2dGeometry.create 2 1 1
            let x = Tensor.zeros<float> [| 0; 2; 5; 5 |]
            let w = randomTensor<float> 2L [| 2; 3; 3; 3 |]
            let y = ConvTranspose2d.forward g w x
            Expect.equal y.Shape [| 0; 3; 10; 10 |] "no images in, none out"
            let dx, dW = ConvTranspose2d.backward g w x y
            Expect.equal dx.Shape [| 0; 2; 5; 5 |] "dx of no images"
            Expect.equal (floats dW) (Array.zeroCreate w.Length) "no images give no weight gradient"
    ]

/// The output positions (r, t) of an h×w input pixel (i, j) reaches with a k×k kernel.
let private reached (stride: int, pad: int) (k: int) (oh: int, ow: int) (i: int, j: int) =
    set [ for u in 0 .. k - 1 do
            for v in 0 .. k - 1 do
                let r, t = i * stride + u - pad, j * stride + v - pad
                if r >= 0 && r < oh && t >= 0 && t < ow then yield r, t ]

/// Checks that exactly the pixels of every output channel in `expected` are NaN.
let private expectNaNsExactly<'T when 'T :> Numerics.IFloatingPointIeee754<'T>> (what: string) (expected: Set<int * int>) (y: Tensor<'T>) =
    let oh, ow = y.Shape.[2], y.Shape.[3]
    let values = floats y
    for plane in 0 .. y.Shape.[0] * y.Shape.[1] - 1 do
        for r in 0 .. oh - 1 do
            for t in 0 .. ow - 1 do
                let v = values.[(plane * oh + r) * ow + t]
                if expected.Contains(r, t) then
                    if not (Double.IsNaN v) then failtestf "%s: plane %d pixel (%d, %d) is %g, not NaN" what plane r t v
                elif not (Double.IsFinite v) then failtestf "%s: plane %d pixel (%d, %d) is %g, though no NaN reaches it" what plane r t v

let private nanTest<'T when 'T :> Numerics.IFloatingPointIeee754<'T>> (precision: string) (stride: int) (pad: int) (outPad: int) (k: int) =
    testCase (sprintf "a NaN input pixel makes NaN exactly the outputs it reaches, with k=%d, stride %d, padding %d, in %s" k stride pad precision) <| fun () ->
        let g = ConvTranspose2dGeometry.create stride pad outPad
        let h, w = 4, 5
        let values = floats (randomTensor<'T> 1L [| 1; 2; h; w |])
        // Channel 1, pixel (1, 3).
        values.[(1 * h + 1) * w + 3] <- nan
        let x = Tensor.ofFloats<'T> [| 1; 2; h; w |] values
        let kernel = randomTensor<'T> 2L [| 2; 3; k; k |]
        let y = ConvTranspose2d.forward g kernel x
        let oh, ow = y.Shape.[2], y.Shape.[3]
        expectNaNsExactly "forward" (reached (stride, pad) k (oh, ow) (1, 3)) y
        // Backward: a NaN in dy reaches dx at the input pixels whose kernels cover it, and dW.
        let dyValues = Array.create (3 * oh * ow) 1.0
        dyValues.[(0 * oh + 2) * ow + 2] <- nan
        let dy = Tensor.ofFloats<'T> [| 1; 3; oh; ow |] dyValues
        let dx, dW = ConvTranspose2d.backward g kernel (randomTensor<'T> 1L [| 1; 2; h; w |]) dy
        let covering = set [ for i in 0 .. h - 1 do
                               for j in 0 .. w - 1 do
                                   if (reached (stride, pad) k (oh, ow) (i, j)).Contains(2, 2) then yield i, j ]
        expectNaNsExactly "dx" covering dx
        if not covering.IsEmpty then
            Expect.isTrue (floats dW |> Array.exists Double.IsNaN) "dW is NaN where the NaN gradient meets an input"

/// Checks a result against its direct reference under IEEE rules: where the reference is
/// infinite, the same infinity; where it is NaN, NaN; elsewhere finite and within 1e-5 relative.
let private expectIeee (what: string) (reference: float[]) (actual: float[]) =
    Expect.equal actual.Length reference.Length (sprintf "%s: as many elements as the reference" what)
    Array.iteri2 (fun i (r: float) (a: float) ->
        let ok =
            if Double.IsNaN r then Double.IsNaN a
            elif Double.IsInfinity r then a = r
            else Double.IsFinite a && abs (a - r) <= 1e-5 * max 1.0 (abs r)
        if not ok then failtestf "%s: element %d is %g where the direct loops give %g" what i a r) reference actual

let private nonFiniteTest<'T when 'T :> Numerics.IFloatingPointIeee754<'T>> (precision: string) (s: Setting) =
    testCase (sprintf "an infinite kernel entry or gradient reaches only what the direct loops reach, %s, in %s" s.Name precision) <| fun () ->
        // The stride-1 path reads each patch row over the padded width: the overhang past each
        // output row must not turn ∞·0 into NaN at pixels the infinity does not meet.
        let g = geometry s
        let x = randomTensor<'T> 1L (xShape s)
        let wValues = floats (randomTensor<'T> 2L (wShape s))
        wValues.[0] <- infinity
        let w = Tensor.ofFloats<'T> (wShape s) wValues
        expectIeee "forward with an infinite kernel entry" (reference s (floats x) wValues) (floats (ConvTranspose2d.forward g w x))
        let y = yShape s
        let dyValues = floats (randomTensor<'T> 3L y)
        dyValues.[(y.[2] / 2) * y.[3] + 1] <- -infinity
        let dy = Tensor.ofFloats<'T> y dyValues
        let finiteW = randomTensor<'T> 2L (wShape s)
        let dx, dW = ConvTranspose2d.backward g finiteW x dy
        // dx is the convolution of dy: the transposed convolution's adjoint, by the adjoint
        // property; its reference is the direct convolution of ConvTests with the swapped kernel.
        let n, c, _, _ = s.X
        let conv = ConvTests.referenceConv (n, s.Cout, y.[2], y.[3]) (c, s.K) (s.Stride, s.Padding) dyValues (floats (ConvTranspose2d.adjointKernel finiteW))
        expectIeee "dx with an infinite output gradient" conv (floats dx)
        expectIeee "dW with an infinite output gradient" (referenceKernelGradient s.X (s.Cout, s.K) (s.Stride, s.Padding, s.OutputPadding) (floats x) dyValues) (floats dW)

let private errorTests =
    testList "errors" [
        testCase "ConvTranspose2d refuses input and kernel shapes that do not fit, naming the operation and the shapes" <| fun () ->
            let g = ConvTranspose2dGeometry.create 2 1 1
            let x = Tensor.zeros<float> [| 2; 3; 6; 5 |]
            let w = Tensor.zeros<float> [| 3; 4; 3; 3 |]
            throwsShape "ConvTranspose2d.forward" (fun () -> ConvTranspose2d.forward g w (Tensor.zeros<float> [| 3; 6; 5 |]) |> ignore)
            throwsShape "ConvTranspose2d.forward" (fun () -> ConvTranspose2d.forward g (Tensor.zeros<float> [| 3; 4; 9 |]) x |> ignore)
            throwsShape "ConvTranspose2d.forward" (fun () -> ConvTranspose2d.forward g (Tensor.zeros<float> [| 3; 4; 3; 2 |]) x |> ignore)
            throwsShape "ConvTranspose2d.forward" (fun () -> ConvTranspose2d.forward g (Tensor.zeros<float> [| 4; 3; 3; 3 |]) x |> ignore)
            // The output is 2x4x12x10.
            throwsShape "ConvTranspose2d.backward" (fun () -> ConvTranspose2d.backward g w x (Tensor.zeros<float> [| 2; 4; 12; 11 |]) |> ignore)
            throwsShape "ConvTranspose2d.backward" (fun () -> ConvTranspose2d.backward g w x (Tensor.zeros<float> [| 2; 3; 12; 10 |]) |> ignore)
            throwsShape "ConvTranspose2d.weightGradient" (fun () -> ConvTranspose2d.weightGradient g w x (Tensor.zeros<float> [| 2; 4; 6; 5 |]) |> ignore)
            throwsShape "ConvTranspose2d.adjointKernel" (fun () -> ConvTranspose2d.adjointKernel (Tensor.zeros<float> [| 3; 4; 9 |]) |> ignore)
            let e = Expect.throwsC (fun () -> ConvTranspose2d.forward g (Tensor.zeros<float> [| 4; 3; 3; 3 |]) x |> ignore) id
            Expect.stringContains e.Message "2x3x6x5" "names the input's shape"
            Expect.stringContains e.Message "4x3x3x3" "names the kernel's shape"
            let d = Expect.throwsC (fun () -> ConvTranspose2d.backward g w x (Tensor.zeros<float> [| 2; 4; 12; 11 |]) |> ignore) id
            Expect.stringContains d.Message "2x4x12x10" "names the expected output shape"
            Expect.stringContains d.Message "2x4x12x11" "names dy's shape"
            // The shapes come before the values: the ops themselves run nothing on bad shapes.
            Expect.equal (ConvTranspose2d.forward g w x).Shape [| 2; 4; 12; 10 |] "the good shapes pass"

        testCase "ConvTranspose2d refuses impossible geometries with a typed error naming the operation" <| fun () ->
            let x = Tensor.zeros<float> [| 1; 1; 3; 4 |]
            let w = Tensor.zeros<float> [| 1; 2; 3; 3 |]
            let bad = [ "output padding equal to the stride", { Conv = { Stride = 2; Padding = 0 }; OutputPadding = 2 }
                        "output padding with stride 1", { Conv = { Stride = 1; Padding = 0 }; OutputPadding = 1 }
                        "negative output padding", { Conv = { Stride = 2; Padding = 0 }; OutputPadding = -1 }
                        "stride 0", { Conv = { Stride = 0; Padding = 0 }; OutputPadding = 0 }
                        "negative stride", { Conv = { Stride = -1; Padding = 0 }; OutputPadding = 0 }
                        "negative padding", { Conv = { Stride = 1; Padding = -1 }; OutputPadding = 0 }
                        // (3 − 1)·1 − 2·3 + 3 = −1 rows.
                        "a padding that crops the output to nothing", { Conv = { Stride = 1; Padding = 3 }; OutputPadding = 0 } ]
            for name, g in bad do
                let e = Expect.throwsC (fun () -> ConvTranspose2d.forward g w x |> ignore) id
                match e with
                | :? InvalidValueException as e -> Expect.equal e.Operation "ConvTranspose2d.forward" (sprintf "%s: names the operation" name)
                | other -> failtestf "%s: expected InvalidValueException, got %s: %s" name (other.GetType().Name) other.Message
            throwsValue "ConvTranspose2d.backward" (fun () -> ConvTranspose2d.backward { Conv = { Stride = 2; Padding = 0 }; OutputPadding = 3 } w x x |> ignore)
            throwsValue "ConvTranspose2d.weightGradient" (fun () -> ConvTranspose2d.weightGradient { Conv = { Stride = 0; Padding = 0 }; OutputPadding = 0 } w x x |> ignore)
            // An image with no rows has no transposed convolution.
            throwsValue "ConvTranspose2d.forward" (fun () -> ConvTranspose2d.forward (ConvTranspose2dGeometry.create 1 0 0) w (Tensor.zeros<float> [| 1; 1; 0; 4 |]) |> ignore)
            let e = Check.caught<InvalidValueException> (fun () -> ConvTranspose2d.forward { Conv = { Stride = 2; Padding = 0 }; OutputPadding = 2 } w x |> ignore)
            Expect.stringContains e.Message "output padding 2" "names the value"
            Expect.stringContains e.Message "stride − 1 = 1" "names the bound"

        testCase "Conv2dGeometry.transposedOutputSize and ConvTranspose2dGeometry refuse what has no output" <| fun () ->
            let size = Conv2dGeometry.transposedOutputSize
            throwsValue "Conv2dGeometry.transposedOutputSize" (fun () -> size { Stride = 2; Padding = 0 } 2 3 5 |> ignore)
            throwsValue "Conv2dGeometry.transposedOutputSize" (fun () -> size { Stride = 2; Padding = 0 } -1 3 5 |> ignore)
            throwsValue "Conv2dGeometry.transposedOutputSize" (fun () -> size { Stride = 0; Padding = 0 } 0 3 5 |> ignore)
            throwsValue "Conv2dGeometry.transposedOutputSize" (fun () -> size { Stride = 1; Padding = -1 } 0 3 5 |> ignore)
            throwsValue "Conv2dGeometry.transposedOutputSize" (fun () -> size { Stride = 1; Padding = 0 } 0 0 5 |> ignore)
            throwsValue "Conv2dGeometry.transposedOutputSize" (fun () -> size { Stride = 1; Padding = 0 } 0 3 0 |> ignore)
            throwsValue "Conv2dGeometry.transposedOutputSize" (fun () -> size { Stride = 1; Padding = 0 } 0 3 -2 |> ignore)
            // Zero and negative outputs: (1 − 1)·1 − 2 + 2 = 0 and (1 − 1)·1 − 2 + 1 = −1.
            throwsValue "Conv2dGeometry.transposedOutputSize" (fun () -> size { Stride = 1; Padding = 1 } 0 2 1 |> ignore)
            throwsValue "Conv2dGeometry.transposedOutputSize" (fun () -> size { Stride = 1; Padding = 1 } 0 1 1 |> ignore)
            Expect.equal (size { Stride = 1; Padding = 1 } 0 3 1) 1 "one pixel is enough"
            // An output side beyond an int: 2^30 pixels with stride 3.
            throwsValue "Conv2dGeometry.transposedOutputSize" (fun () -> size { Stride = 3; Padding = 0 } 0 1 (1 <<< 30) |> ignore)
            throwsValue "Conv2dGeometry.outputPaddingFor" (fun () -> Conv2dGeometry.outputPaddingFor { Stride = 1; Padding = 0 } 5 4 |> ignore)
            throwsValue "ConvTranspose2dGeometry.create" (fun () -> ConvTranspose2dGeometry.create 2 0 2 |> ignore)
            throwsValue "ConvTranspose2dGeometry.create" (fun () -> ConvTranspose2dGeometry.create 0 0 0 |> ignore)
            throwsValue "ConvTranspose2dGeometry.create" (fun () -> ConvTranspose2dGeometry.create 1 -1 0 |> ignore)
            throwsValue "ConvTranspose2dGeometry.create" (fun () -> ConvTranspose2dGeometry.create 3 0 -1 |> ignore)
            throwsValue "ConvTranspose2dGeometry.outputSize" (fun () -> ConvTranspose2dGeometry.outputSize (ConvTranspose2dGeometry.create 1 2 0) 3 1 |> ignore)
            Expect.equal (ConvTranspose2dGeometry.create 3 2 2) { Conv = { Stride = 3; Padding = 2 }; OutputPadding = 2 } "the largest output padding is stride − 1"
    ]

let private nanTests =
    testList "NaN propagation" [
        nanTest<float> "double precision" 1 0 0 3
        nanTest<float> "double precision" 1 1 0 3
        nanTest<float> "double precision" 2 1 1 3
        nanTest<float32> "single precision" 1 2 0 5
        nanTest<float32> "single precision" 3 0 2 2
        nanTest<float32> "single precision" 2 0 1 4
        for s in [ settings.[5]; settings.[8]; settings.[9] ] do
            nonFiniteTest<float> "double precision" s
        nonFiniteTest<float32> "single precision" settings.[5]
        nonFiniteTest<float> "double precision" settings.[4] ]

[<Tests>]
let tests =
    testList "ConvTranspose2d" [
        testList "double precision" (cases Check.double false)
        testList "single precision" (cases Check.single true)
        propertyTests
        exampleTests
        errorTests
        nanTests ]
