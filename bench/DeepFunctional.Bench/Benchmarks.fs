/// The registry of benchmarks: each entry has a name, a unit and a function that measures
/// it once (warm-up included) and returns the value. New groups go in their own module or
/// file and are added to the list that Program.fs runs.
module internal DeepFunctional.Bench.Benchmarks

open System
open System.Diagnostics
open System.Numerics
open DeepFunctional

/// A named measurement; `Measure` runs it and returns the value in `Unit`.
type Benchmark =
    { Name: string
      Unit: string
      Measure: unit -> float }

/// Timing helpers shared by the benchmarks.
module Timing =

    /// Warm-up time before any measurement (lets tiered compilation and the thread pool settle:
    /// with 300 ms, a training step still ran partly in tier-0 code on two cores and measured
    /// twice its steady-state time).
    /// The environment variable DF_BENCH_WARMUP_MS overrides it (e.g. for profiling).
    let warmup =
        match Environment.GetEnvironmentVariable "DF_BENCH_WARMUP_MS" |> Option.ofObj |> Option.bind (fun v -> match Double.TryParse v with | true, ms -> Some ms | _ -> None) with
        | Some ms -> TimeSpan.FromMilliseconds ms
        | None -> TimeSpan.FromMilliseconds 2000.0

    /// Each timed repetition runs the operation this long at least.
    let minRepetition = TimeSpan.FromMilliseconds 50.0

    /// Number of timed repetitions; the median is reported.
    let repetitions = 9

    /// Seconds per call of `run`: warms up, picks a batch size so that one timed repetition
    /// lasts at least `minRepetition`, and returns the median over `repetitions` batches.
    let secondsPerCall (run: unit -> unit) : float =
        let clock = Stopwatch.StartNew()
        let mutable calls = 0
        while clock.Elapsed < warmup || calls < 3 do
            run ()
            calls <- calls + 1
        // Calibrate on warm code only.
        let calibration = Stopwatch.StartNew()
        let mutable calibrationCalls = 0
        while calibration.ElapsedMilliseconds < 20L || calibrationCalls < 1 do
            run ()
            calibrationCalls <- calibrationCalls + 1
        let perCall = calibration.Elapsed.TotalSeconds / float calibrationCalls
        let batch = max 1 (int (Math.Ceiling(minRepetition.TotalSeconds / perCall)))
        let samples =
            Array.init repetitions (fun _ ->
                let watch = Stopwatch.StartNew()
                for _ in 1 .. batch do
                    run ()
                watch.Elapsed.TotalSeconds / float batch)
        Array.sortInPlace samples
        samples.[repetitions / 2]

/// Matrix-multiply benchmarks (`gemm.<f32|f64>.<shape>`, GFLOP/s counting 2·m·n·k flops).
module GemmBench =

    /// Operands of C (m×n) = op(A)·op(B) filled with seeded uniform values in [-1, 1).
    let private operands<'T when 'T :> IFloatingPointIeee754<'T> and 'T: unmanaged and 'T: (new: unit -> 'T) and 'T: struct and 'T :> ValueType>
        (m: int) (n: int) (k: int) =
        let rng = Random(20240611)
        let fill count = Array.init count (fun _ -> 'T.CreateTruncating(rng.NextDouble() * 2.0 - 1.0))
        fill (m * k), fill (k * n), Array.zeroCreate<'T> (m * n)

    /// GFLOP/s of `Gemm.multiply` on one shape, all cores.
    let gflops<'T when 'T :> IFloatingPointIeee754<'T> and 'T: unmanaged and 'T: (new: unit -> 'T) and 'T: struct and 'T :> ValueType>
        (transA: bool) (transB: bool) (m: int) (n: int) (k: int) () : float =
        let a, b, c = operands<'T> m n k
        let seconds = Timing.secondsPerCall (fun () -> Gemm.multiply transA transB m n k a b c)
        2.0 * float m * float n * float k / seconds / 1e9

    /// The shapes: square NN products and the three products of the chapter 4 MLP
    /// (60 samples, 784 inputs, 89 hidden units).
    let private shapes =
        [ "sq256", false, false, 256, 256, 256
          "sq512", false, false, 512, 512, 512
          "sq1024", false, false, 1024, 1024, 1024
          // forward: X (60x784) · W (784x89)
          "mlp_fwd", false, false, 60, 89, 784
          // weight gradient: Xᵀ · dY, X is 60x784, dY 60x89 -> 784x89
          "mlp_dw", true, false, 784, 89, 60
          // input gradient: dY (60x89) · Wᵀ, W is 784x89 -> 60x784
          "mlp_dx", false, true, 60, 784, 89 ]

    /// One benchmark per precision and shape.
    let all : Benchmark list =
        [ for precision in [ "f32"; "f64" ] do
              for (shape, transA, transB, m, n, k) in shapes do
                  { Name = sprintf "gemm.%s.%s" precision shape
                    Unit = "GFLOP/s"
                    Measure =
                      if precision = "f32" then gflops<float32> transA transB m n k
                      else gflops<float> transA transB m n k } ]

/// The benchmarks of this file, in the order they run (Program.fs appends those of the files
/// compiled after it, such as TrainingBench.fs).
let all : Benchmark list =
    List.concat [ GemmBench.all ]
