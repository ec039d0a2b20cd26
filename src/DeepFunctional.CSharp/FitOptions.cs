using System;
using System.Globalization;
using System.IO;
using System.Collections.Generic;
using System.Threading;
using Core = DeepFunctional;

namespace DeepFunctional.CSharp;

/// <summary>Where and how often a fit writes checkpoints, for <see cref="Trainer.Resume(string, double[,], double[,], FitOptions?)"/>.</summary>
public sealed class CheckpointOptions
{
    /// <summary>The checkpoint file (written atomically; each checkpoint replaces the previous one).</summary>
    public required string Path { get; init; }

    /// <summary>A checkpoint every this many batches (at least 1), and at the end of every epoch and when the fit is cancelled.</summary>
    public int Every { get; init; } = 100;
}

/// <summary>
/// The settings of <see cref="Trainer.Fit(double[,], double[,], FitOptions?)"/>, named as in the book; the
/// defaults are the book's: 100 epochs, evaluation every 10, batches of 32, seed 1, restart, early stopping.
/// </summary>
public sealed class FitOptions
{
    /// <summary>Passes over the training data (at least 1).</summary>
    public int Epochs { get; init; } = 100;

    /// <summary>Evaluate on the validation data every this many epochs (at least 1).</summary>
    public int EvalEvery { get; init; } = 10;

    /// <summary>Rows per batch (at least 1; the last batch of an epoch may be shorter).</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>The seed of the generator that permutes the training rows (and draws dropout masks), in 0..4294967295.</summary>
    public long Seed { get; init; } = 1;

    /// <summary>Whether the network's parameters are drawn afresh before training (true) or training goes on from them.</summary>
    public bool Restart { get; init; } = true;

    /// <summary>
    /// Whether training stops at the first evaluation that does not improve on the best, keeping the best
    /// evaluated network. Needs validation data; without it there are no evaluations.
    /// </summary>
    public bool EarlyStopping { get; init; } = true;

    /// <summary>Sees every batch, epoch end and evaluation as it happens (called on the training thread).</summary>
    public IProgress<TrainingProgress>? Progress { get; init; }

    /// <summary>
    /// Checked between batches. When cancelled, Fit throws <see cref="OperationCanceledException"/> and the network
    /// keeps the parameters of the last completed batch (with <see cref="Checkpoint"/> set, a checkpoint of that
    /// position is written first, so <see cref="Trainer.Resume(string, double[,], double[,], FitOptions?)"/> can go on).
    /// </summary>
    public CancellationToken Cancellation { get; init; }

    /// <summary>Writes checkpoints as it trains, when set.</summary>
    public CheckpointOptions? Checkpoint { get; init; }

    /// <summary>When set, the lines the book's code prints ("Validation loss after 10 epochs is 30.293", early stopping) are written to it.</summary>
    public TextWriter? Output { get; init; }

    /// <summary>The core's early-stopping choice (the book's snapshot for the book layer).</summary>
    internal Core.EarlyStoppingModel EarlyStoppingModel { get; init; } = Core.EarlyStoppingModel.Best;

    /// <summary>The lines written to <see cref="Output"/> (the book's chapter-3 lines unless set).</summary>
    internal Func<Core.TrainingEvent, Microsoft.FSharp.Core.FSharpOption<string>>? Lines { get; init; }

    /// <summary>Checks the settings, naming the property at fault.</summary>
    internal Core.FitOptions ToCore(string op)
    {
        static void Positive(string op, string name, int value)
        {
            if (value < 1)
                throw new Core.InvalidValueException(op, $"{name} of at least 1", value.ToString(CultureInfo.InvariantCulture), name);
        }
        Positive(op, nameof(Epochs), Epochs);
        Positive(op, nameof(EvalEvery), EvalEvery);
        Positive(op, nameof(BatchSize), BatchSize);
        if (Seed < 0 || Seed > uint.MaxValue)
            throw new Core.InvalidValueException(op, "a Seed in 0..4294967295", Seed.ToString(CultureInfo.InvariantCulture), nameof(Seed));
        if (Checkpoint is { } c)
        {
            if (string.IsNullOrEmpty(c.Path))
                throw new Core.InvalidValueException(op, "a checkpoint path", "none", "Checkpoint.Path");
            if (c.Every < 1)
                throw new Core.InvalidValueException(op, "a checkpoint Every of at least 1 batch", c.Every.ToString(CultureInfo.InvariantCulture), "Checkpoint.Every");
        }
        return new Core.FitOptions(Epochs, EvalEvery, BatchSize, Seed, Restart, EarlyStopping, EarlyStoppingModel);
    }
}

/// <summary>What a <see cref="TrainingProgress"/> report is about.</summary>
public enum TrainingProgressKind
{
    /// <summary>A batch was trained on.</summary>
    Batch,

    /// <summary>An epoch ended.</summary>
    Epoch,

    /// <summary>The validation loss was computed and training goes on.</summary>
    Evaluation,

    /// <summary>The validation loss did not improve, so training stopped early.</summary>
    EarlyStop,
}

/// <summary>One report of a running fit.</summary>
public sealed class TrainingProgress
{
    internal TrainingProgress(TrainingProgressKind kind, int epoch, int epochs, int batch, int batches, double loss, bool improved,
                              double bestLoss, int bestEpoch)
    {
        Kind = kind;
        Epoch = epoch;
        Epochs = epochs;
        Batch = batch;
        Batches = batches;
        Loss = loss;
        Improved = improved;
        BestLoss = bestLoss;
        BestEpoch = bestEpoch;
    }

    /// <summary>What happened.</summary>
    public TrainingProgressKind Kind { get; }

    /// <summary>The 1-based epoch.</summary>
    public int Epoch { get; }

    /// <summary>The fit's number of epochs (0 when not known at this report).</summary>
    public int Epochs { get; }

    /// <summary>The 1-based batch within the epoch (for <see cref="TrainingProgressKind.Batch"/>; else 0).</summary>
    public int Batch { get; }

    /// <summary>Batches per epoch (for <see cref="TrainingProgressKind.Batch"/>; else 0).</summary>
    public int Batches { get; }

    /// <summary>The batch's training loss, or the validation loss of an evaluation (NaN for an epoch's end).</summary>
    public double Loss { get; }

    /// <summary>Whether an evaluation beat the best so far.</summary>
    public bool Improved { get; }

    /// <summary>For an early stop: the best validation loss (NaN otherwise).</summary>
    public double BestLoss { get; }

    /// <summary>For an early stop: the epoch of the model kept (0 otherwise).</summary>
    public int BestEpoch { get; }

    /// <summary>e.g. "batch 3/12 of epoch 2: loss 0.512".</summary>
    public override string ToString() => Kind switch
    {
        TrainingProgressKind.Batch => $"batch {Batch}/{Batches} of epoch {Epoch}: loss {Loss.ToString("F3", CultureInfo.InvariantCulture)}",
        TrainingProgressKind.Epoch => $"epoch {Epoch}/{Epochs} done",
        TrainingProgressKind.Evaluation => $"Validation loss after {Epoch} epochs is {Loss.ToString("F3", CultureInfo.InvariantCulture)}",
        _ => $"Loss increased after epoch {Epoch}, final loss was {BestLoss.ToString("F3", CultureInfo.InvariantCulture)}, using the model from epoch {BestEpoch}",
    };
}

/// <summary>One evaluation on the validation data.</summary>
public sealed class Evaluation
{
    internal Evaluation(int epoch, double loss)
    {
        Epoch = epoch;
        Loss = loss;
    }

    /// <summary>The 1-based epoch after which it was computed.</summary>
    public int Epoch { get; }

    /// <summary>The validation loss.</summary>
    public double Loss { get; }

    /// <summary>The book's line: "Validation loss after 10 epochs is 30.293".</summary>
    public override string ToString() => $"Validation loss after {Epoch} epochs is {Loss.ToString("F3", CultureInfo.InvariantCulture)}";
}

/// <summary>What a fit did.</summary>
public sealed class FitResult
{
    internal FitResult(Evaluation[] evaluations, int? stoppedEarlyAt, int epochsCompleted, Precision precision, double[] batchLosses)
    {
        Evaluations = evaluations;
        StoppedEarlyAt = stoppedEarlyAt;
        EpochsCompleted = epochsCompleted;
        Precision = precision;
        BatchLosses = batchLosses;
    }

    /// <summary>Every evaluation, in order.</summary>
    public IReadOnlyList<Evaluation> Evaluations { get; }

    /// <summary>The epoch at which training stopped early, or null.</summary>
    public int? StoppedEarlyAt { get; }

    /// <summary>The number of epochs trained.</summary>
    public int EpochsCompleted { get; }

    /// <summary>The precision the fit computed in.</summary>
    public Precision Precision { get; }

    /// <summary>The training loss of every batch, in order (of this call; a resumed fit's start after the checkpoint).</summary>
    public IReadOnlyList<double> BatchLosses { get; }
}
