/// Convolution benchmarks (chapter 5): `Conv2d` on the book's MNIST-sized shapes, batch 60,
/// 28x28 images, "same" padding, stride 1, in float32 on all cores.
///
/// - `conv.f32.<shape>.fwd`: `Conv2d.forward` alone, in GFLOP/s counting
///   2·N·Cout·H'·W'·Cin·k·k flops per call.
/// - `conv.f32.<shape>.step`: one training step's convolution work, `Conv2d.forward` then
///   `Conv2d.backward` (dx and dW), in GFLOP/s counting three such products per step (forward,
///   dx = Wᵀ·dy and dW = dy·patchesᵀ have the same count). Patch gathering, col2im and copies
///   are in the time but not in the count.
module internal DeepFunctional.Bench.ConvBench

open System.Numerics
open DeepFunctional
open DeepFunctional.Bench.Benchmarks

/// Batch 60 of 28x28 images, as the book's chapter-5 experiment trains.
let private batch, side = 60, 28

/// The shapes: name, input channels, output channels, kernel size.
let private shapes =
    [ "c1_16_k5", 1, 16, 5
      "c1_16_k3", 1, 16, 3
      "c16_32_k5", 16, 32, 5
      "c16_32_k3", 16, 32, 3 ]

/// Seeded standard-normal input, kernel and output gradient of one shape.
let private operands<'T when 'T :> IFloatingPointIeee754<'T>> (cin: int) (cout: int) (k: int) =
    let tensor (seed: int64) (shape: int[]) =
        let values, _ = Rng.standardNormals (Array.fold (*) 1 shape) (Rng.seed seed)
        Tensor.ofFloats<'T> shape values
    tensor 1L [| batch; cin; side; side |], tensor 2L [| cin; cout; k; k |], tensor 3L [| batch; cout; side; side |]

/// Flops of one convolution product of the shape: 2·N·Cout·H'·W'·Cin·k·k.
let private flops (cin: int) (cout: int) (k: int) = 2.0 * float batch * float cout * float (side * side) * float cin * float (k * k)

/// GFLOP/s of the forward pass.
let private forward (cin: int) (cout: int) (k: int) () =
    let x, w, _ = operands<float32> cin cout k
    let g = Conv2dGeometry.same k
    let seconds = Timing.secondsPerCall (fun () -> Conv2d.forward g w x |> ignore)
    flops cin cout k / seconds / 1e9

/// GFLOP/s of forward plus backward (three products).
let private step (cin: int) (cout: int) (k: int) () =
    let x, w, dy = operands<float32> cin cout k
    let g = Conv2dGeometry.same k
    let seconds =
        Timing.secondsPerCall (fun () ->
            Conv2d.forward g w x |> ignore
            Conv2d.backward g w x dy |> ignore)
    3.0 * flops cin cout k / seconds / 1e9

/// Forward and step benchmarks for every shape.
let all : Benchmark list =
    [ for name, cin, cout, k in shapes do
        yield { Name = sprintf "conv.f32.%s.fwd" name; Unit = "GFLOP/s"; Measure = forward cin cout k }
        yield { Name = sprintf "conv.f32.%s.step" name; Unit = "GFLOP/s"; Measure = step cin cout k } ]
