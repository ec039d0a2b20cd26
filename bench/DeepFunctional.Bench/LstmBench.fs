/// Chapter 6: the book's default character-model experiment, timed per 100 training
/// iterations (forward over 25 steps, loss, backpropagation through time, AdaGrad step).
module internal DeepFunctional.Bench.LstmBench

open System.Numerics
open DeepFunctional
open DeepFunctional.Bench.Benchmarks

/// The default experiment: the Shakespeare text (62 symbols), one LSTM layer of 256 with its
/// output projection to the 62 logits, sequence 25, batch 32, AdaGrad 0.01 clipped to [−2, 2].
let private seconds<'T when 'T :> IFloatingPointIeee754<'T>> () =
    let text = Datasets.shakespeare ()
    let vocabulary = CharModel.vocabulary text
    let model, _ = CharModel.create<'T> vocabulary [ SequenceLayer.lstm 256 vocabulary.Length ] (Rng.seed 1L)
    let settings =
        { BatchSize = 32; SequenceLength = 25; Iterations = 0; SampleEvery = 0; SampleLength = 0
          Temperature = 1.0; SampleSeed = 0L; LossScaling = SequenceLossScaling.Sum }
    let optimizer = Optimizer.adaGrad 0.01 |> Optimizer.withClipping 2.0
    let session = CharModel.session settings optimizer text model
    100.0 * Timing.secondsPerCall (fun () -> session.Step() |> ignore)

/// Single and double precision.
let all : Benchmark list =
    [ { Name = "lstm.f32.sec_per_100_steps"; Unit = "s"; Measure = seconds<float32> }
      { Name = "lstm.f64.sec_per_100_steps"; Unit = "s"; Measure = seconds<float> } ]
