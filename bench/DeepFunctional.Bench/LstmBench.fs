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
    let model = CharModel.create<'T> vocabulary [ SequenceLayer.lstm 256 vocabulary.Length ] 1L
    let indices = CharModel.encode vocabulary text
    let optimizer = Optimizer.adaGrad 0.01 |> Optimizer.withClipping 2.0
    // One iteration as CharModel.train takes it through the trainer: the window batch of the
    // step, the stateful forward pass, the loss, backpropagation through time, AdaGrad in place.
    let mutable state: OptimizerState<'T> = Optimizer.init optimizer 1
    let work = Optimizer.work state (NeuralNetwork.parameters model.Network)
    let mutable net = { NeuralNetwork.withParameters (work.Parameters |> List.map (fun b -> b.View)) model.Network with Loss = CharModel.sumLoss }
    let mutable step = 0
    let rng = Rng.seed 1L
    100.0 * Timing.secondsPerCall (fun () ->
        let x, y = CharModel.batch<'T> vocabulary.Length indices (CharModel.windowStart indices.Length 32 25 step) 32 25
        let r = NeuralNetwork.trainBatch rng net x y
        net <- r.Network
        state <- Optimizer.stepInPlace optimizer state work (NeuralNetwork.gradients r.Gradients)
        step <- step + 1)

/// Single and double precision.
let all : Benchmark list =
    [ { Name = "lstm.f32.sec_per_100_steps"; Unit = "s"; Measure = seconds<float32> }
      { Name = "lstm.f64.sec_per_100_steps"; Unit = "s"; Measure = seconds<float> } ]
