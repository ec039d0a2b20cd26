namespace DeepFunctional.Book

open DeepFunctional

/// The book's chapter-6 experiment as data: a character-level LSTM on the Shakespeare text.
[<RequireQualifiedAccess>]
module Chapter6 =

    /// Hidden units of the book's LSTM.
    [<Literal>]
    let Hidden = 256

    /// Characters per window (time steps).
    [<Literal>]
    let SequenceLength = 25

    /// Windows per batch.
    [<Literal>]
    let BatchSize = 32

    /// The book's learning rate (AdaGrad).
    [<Literal>]
    let LearningRate = 0.01

    /// The gradient clipping limit of the book's RNN optimizers.
    [<Literal>]
    let Clip = 2.0

    /// The book's optimizer: AdaGrad 0.01, gradients clipped to [−2, 2].
    let optimizer = Optimizer.adaGrad LearningRate |> Optimizer.withClipping Clip

    /// The book's network for a vocabulary of `symbols`: one LSTM of 256 projecting to a logit
    /// per symbol at every step, its state carried from batch to batch.
    let layers (symbols: int) = [ SequenceLayer.lstm Hidden symbols ]

    /// The book's training settings for `iterations` iterations (sampling every 100), with the
    /// book's gradient scale p − y reported in nats per character (`CharModel.sumLoss`).
    let training (iterations: int) : CharTraining =
        { BatchSize = BatchSize; SequenceLength = SequenceLength; Iterations = iterations; SampleEvery = 100; SampleLength = 100
          Temperature = 1.0; SampleSeed = 1L; Loss = CharModel.sumLoss }
