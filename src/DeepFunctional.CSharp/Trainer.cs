using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Numerics;
using System.Threading;
using Microsoft.FSharp.Core;
using Core = global::DeepFunctional;

namespace DeepFunctional.CSharp;

/// <summary>What a <see cref="TrainingProgress"/> report is about.</summary>
public enum TrainingProgressKind
{
    /// <summary>A batch was trained on; <see cref="TrainingProgress.Loss"/> is its loss.</summary>
    BatchCompleted,

    /// <summary>An epoch ended.</summary>
    EpochCompleted,

    /// <summary>The test loss was computed and training goes on; <see cref="TrainingProgress.Loss"/> is the test loss.</summary>
    Evaluated,

    /// <summary>
    /// The test loss did not improve, so training stopped early and the best evaluated model
    /// was kept; <see cref="TrainingProgress.Loss"/> is the test loss that did not improve.
    /// </summary>
    EarlyStopped,
}

/// <summary>One report of a training run's progress, given to the <c>progress</c> argument of <c>Trainer.Fit</c>.</summary>
public sealed class TrainingProgress
{
    internal TrainingProgress(TrainingProgressKind kind, int epoch, int epochs, int batch, int batches, double loss,
        bool improved, double? bestLoss, int? bestEpoch, string? bookLine)
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
        BookLine = bookLine;
    }

    /// <summary>What happened.</summary>
    public TrainingProgressKind Kind { get; }

    /// <summary>The 1-based epoch it happened in.</summary>
    public int Epoch { get; }

    /// <summary>The number of epochs the run was asked for.</summary>
    public int Epochs { get; }

    /// <summary>The 1-based batch within the epoch for <see cref="TrainingProgressKind.BatchCompleted"/>; 0 otherwise.</summary>
    public int Batch { get; }

    /// <summary>The number of batches per epoch.</summary>
    public int Batches { get; }

    /// <summary>
    /// The batch's training loss (<see cref="TrainingProgressKind.BatchCompleted"/>), the test loss
    /// (<see cref="TrainingProgressKind.Evaluated"/>, <see cref="TrainingProgressKind.EarlyStopped"/>), or NaN
    /// (<see cref="TrainingProgressKind.EpochCompleted"/>).
    /// </summary>
    public double Loss { get; }

    /// <summary>For <see cref="TrainingProgressKind.Evaluated"/>: whether the test loss beat the best so far.</summary>
    public bool Improved { get; }

    /// <summary>For <see cref="TrainingProgressKind.EarlyStopped"/>: the best test loss, which the kept model has; null otherwise.</summary>
    public double? BestLoss { get; }

    /// <summary>
    /// For <see cref="TrainingProgressKind.EarlyStopped"/>: the epoch of the kept model (0 when no evaluation
    /// had a finite loss and the last model is kept); null otherwise.
    /// </summary>
    public int? BestEpoch { get; }

    /// <summary>The line the book prints for this event (and <see cref="Trainer.Output"/> receives), or null.</summary>
    public string? BookLine { get; }

    /// <summary>A short description of the report.</summary>
    public override string ToString() =>
        BookLine ?? (Kind == TrainingProgressKind.BatchCompleted
            ? $"epoch {Epoch}/{Epochs}, batch {Batch}/{Batches}, loss {Guard.Text(Loss)}"
            : $"epoch {Epoch}/{Epochs} completed");
}

/// <summary>One evaluation on the test data during training.</summary>
public sealed class Evaluation
{
    internal Evaluation(int epoch, double loss)
    {
        Epoch = epoch;
        Loss = loss;
    }

    /// <summary>The 1-based epoch after which it was computed.</summary>
    public int Epoch { get; }

    /// <summary>The test loss.</summary>
    public double Loss { get; }

    /// <summary>The book's line for it: <c>Validation loss after 10 epochs is 30.293</c>.</summary>
    public override string ToString() =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"Validation loss after {Epoch} epochs is {Loss:F3}");
}

/// <summary>What a training run did.</summary>
public sealed class FitResult
{
    internal FitResult(IReadOnlyList<Evaluation> evaluations, int? stoppedEarlyAt, int epochsCompleted, Precision precision)
    {
        Evaluations = evaluations;
        StoppedEarlyAt = stoppedEarlyAt;
        EpochsCompleted = epochsCompleted;
        Precision = precision;
    }

    /// <summary>Every evaluation on the test data, in order (including one that did not improve).</summary>
    public IReadOnlyList<Evaluation> Evaluations { get; }

    /// <summary>The epoch at which early stopping ended training, or null when every epoch ran.</summary>
    public int? StoppedEarlyAt { get; }

    /// <summary>True when early stopping ended training.</summary>
    public bool StoppedEarly => StoppedEarlyAt is not null;

    /// <summary>The number of epochs trained.</summary>
    public int EpochsCompleted { get; }

    /// <summary>The precision the network was trained in.</summary>
    public Precision Precision { get; }
}

/// <summary>
/// Trains a <see cref="NeuralNetwork"/> with an <see cref="Optimizer"/>, as the book's
/// <c>Trainer(net, optim)</c> does; <see cref="Fit(double[,], double[,], double[,], double[,], int, int, int, long, bool, bool, IProgress{TrainingProgress}?, CancellationToken)"/>
/// replaces the network's parameters with the trained ones and prints the book's lines to <see cref="Output"/>.
/// Not safe for concurrent use.
/// </summary>
public sealed class Trainer
{
    private TextWriter? _output;
    private bool _outputSet;

    /// <summary>A trainer for the network with the optimizer.</summary>
    /// <param name="network">The network to train; its parameters are replaced after each successful <c>Fit</c>.</param>
    /// <param name="optimizer">How parameters are updated after each batch.</param>
    /// <exception cref="ArgumentNullException">when an argument is null.</exception>
    public Trainer(NeuralNetwork network, Optimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(optimizer);
        Network = network;
        Optimizer = optimizer;
    }

    /// <summary>The network being trained.</summary>
    public NeuralNetwork Network { get; }

    /// <summary>The optimizer.</summary>
    public Optimizer Optimizer { get; }

    /// <summary>
    /// Where the book's lines (<c>Validation loss after 10 epochs is 30.293</c>, and the early-stopping
    /// line) are written: <see cref="Console.Out"/> (at the time of each <c>Fit</c>) unless set;
    /// null silences them.
    /// </summary>
    public TextWriter? Output
    {
        get => _outputSet ? _output : Console.Out;
        set
        {
            _output = value;
            _outputSet = true;
        }
    }

    /// <summary>
    /// Trains the network in double precision as the book's <c>fit</c> does: seeds the generator
    /// with <paramref name="seed"/>, then every epoch permutes the training rows and trains batch by
    /// batch with one optimizer step each; every <paramref name="evalEvery"/> epochs it computes the
    /// loss on the test data and prints <c>Validation loss after {epoch} epochs is {loss:.3f}</c>.
    /// With early stopping the first evaluation that does not improve ends training and the best
    /// evaluated model is kept.
    /// </summary>
    /// <param name="xTrain">Training inputs: [rows, features].</param>
    /// <param name="yTrain">Training targets: [rows, outputs].</param>
    /// <param name="xTest">Test inputs: [testRows, features].</param>
    /// <param name="yTest">Test targets: [testRows, outputs].</param>
    /// <param name="epochs">Passes over the training data; at least 1.</param>
    /// <param name="evalEvery">Evaluate on the test data every this many epochs; at least 1.</param>
    /// <param name="batchSize">Rows per batch (the last batch of an epoch may be shorter); at least 1.</param>
    /// <param name="seed">The seed of the generator that permutes the rows, in 0..4294967295.</param>
    /// <param name="restart">Draw the network's parameters afresh before training (otherwise continue from the current ones).</param>
    /// <param name="earlyStopping">Stop at the first evaluation that does not improve, keeping the best model.</param>
    /// <param name="progress">Receives a report after every batch, epoch and evaluation, synchronously on the training thread
    /// (note that <see cref="Progress{T}"/> posts its reports asynchronously).</param>
    /// <param name="cancellationToken">Checked before every batch; when cancelled, the network keeps the parameters it had before the call.</param>
    /// <returns>The evaluations and whether training stopped early.</returns>
    /// <exception cref="ArgumentNullException">when an array is null.</exception>
    /// <exception cref="ArgumentException">when an array is empty or holds NaN or infinity.</exception>
    /// <exception cref="ArgumentOutOfRangeException">when epochs, evalEvery, batchSize or seed is out of range.</exception>
    /// <exception cref="ShapeMismatchException">when the arrays do not fit each other or the network.</exception>
    /// <exception cref="OperationCanceledException">when the token is cancelled.</exception>
    public FitResult Fit(double[,] xTrain, double[,] yTrain, double[,] xTest, double[,] yTest,
        int epochs = 100, int evalEvery = 10, int batchSize = 32, long seed = 1, bool restart = true, bool earlyStopping = true,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default) =>
        FitCore(xTrain, yTrain, xTest, yTest, epochs, evalEvery, batchSize, seed, restart, earlyStopping, progress, cancellationToken);

    /// <summary>
    /// Trains the network in single precision; otherwise exactly as the double-precision
    /// <see cref="Fit(double[,], double[,], double[,], double[,], int, int, int, long, bool, bool, IProgress{TrainingProgress}?, CancellationToken)"/>
    /// (losses are reported as doubles).
    /// </summary>
    /// <param name="xTrain">Training inputs: [rows, features].</param>
    /// <param name="yTrain">Training targets: [rows, outputs].</param>
    /// <param name="xTest">Test inputs: [testRows, features].</param>
    /// <param name="yTest">Test targets: [testRows, outputs].</param>
    /// <param name="epochs">Passes over the training data; at least 1.</param>
    /// <param name="evalEvery">Evaluate on the test data every this many epochs; at least 1.</param>
    /// <param name="batchSize">Rows per batch (the last batch of an epoch may be shorter); at least 1.</param>
    /// <param name="seed">The seed of the generator that permutes the rows, in 0..4294967295.</param>
    /// <param name="restart">Draw the network's parameters afresh before training (otherwise continue from the current ones).</param>
    /// <param name="earlyStopping">Stop at the first evaluation that does not improve, keeping the best model.</param>
    /// <param name="progress">Receives a report after every batch, epoch and evaluation, synchronously on the training thread.</param>
    /// <param name="cancellationToken">Checked before every batch; when cancelled, the network keeps the parameters it had before the call.</param>
    /// <returns>The evaluations and whether training stopped early.</returns>
    /// <exception cref="ArgumentNullException">when an array is null.</exception>
    /// <exception cref="ArgumentException">when an array is empty or holds NaN or infinity.</exception>
    /// <exception cref="ArgumentOutOfRangeException">when epochs, evalEvery, batchSize or seed is out of range.</exception>
    /// <exception cref="ShapeMismatchException">when the arrays do not fit each other or the network.</exception>
    /// <exception cref="OperationCanceledException">when the token is cancelled.</exception>
    public FitResult Fit(float[,] xTrain, float[,] yTrain, float[,] xTest, float[,] yTest,
        int epochs = 100, int evalEvery = 10, int batchSize = 32, long seed = 1, bool restart = true, bool earlyStopping = true,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default) =>
        FitCore(xTrain, yTrain, xTest, yTest, epochs, evalEvery, batchSize, seed, restart, earlyStopping, progress, cancellationToken);

    private FitResult FitCore<T>(T[,] xTrain, T[,] yTrain, T[,] xTest, T[,] yTest,
        int epochs, int evalEvery, int batchSize, long seed, bool restart, bool earlyStopping,
        IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
        where T : struct, IFloatingPointIeee754<T>
    {
        const string op = "Trainer.Fit";
        Guard.Matrix(op, nameof(xTrain), xTrain);
        Guard.Matrix(op, nameof(yTrain), yTrain);
        Guard.Matrix(op, nameof(xTest), xTest);
        Guard.Matrix(op, nameof(yTest), yTest);
        Guard.AtLeast(op, nameof(epochs), epochs, 1);
        Guard.AtLeast(op, nameof(evalEvery), evalEvery, 1);
        Guard.AtLeast(op, nameof(batchSize), batchSize, 1);
        Guard.Seed(op, nameof(seed), seed);
        Guard.SameRows(op, nameof(xTrain), xTrain, nameof(yTrain), yTrain);
        Guard.SameRows(op, nameof(xTest), xTest, nameof(yTest), yTest);
        Guard.Columns(op, nameof(xTest), xTest, xTrain.GetLength(1), "like xTrain");
        Guard.Columns(op, nameof(yTest), yTest, yTrain.GetLength(1), "like yTrain");
        Guard.Columns(op, nameof(yTrain), yTrain, Network.OutputFeatures, "the network's outputs");
        if (!restart && Network.InputFeatures is int features)
            Guard.Columns(op, nameof(xTrain), xTrain, features, "the network's input features; pass restart: true to draw new parameters");

        var optimizer = Optimizer.ToCore();
        var net = restart ? Network.Fresh<T>() : Network.Current<T>();
        var options = new Core.FitOptions(epochs, evalEvery, batchSize, seed, restart, earlyStopping, Core.EarlyStoppingModel.Best);
        var output = Output;
        int batches = (xTrain.GetLength(0) + batchSize - 1) / batchSize;
        var onEvent = FuncConvert.FromAction<Core.TrainingEvent>(e => Report(e, epochs, batches, output, progress));
        var result = Core.Trainer.fitWith(onEvent, cancellationToken, options, optimizer, net,
            Interop.ToTensor(xTrain), Interop.ToTensor(yTrain), Interop.ToTensor(xTest), Interop.ToTensor(yTest));
        Network.Replace(result.Network);

        var evaluations = result.Evaluations.Select(e => new Evaluation(e.Epoch, e.Loss)).ToArray();
        int? stoppedAt = Interop.ValueOrNull(result.StoppedEarlyAt);
        var precision = typeof(T) == typeof(double) ? Precision.Double : Precision.Single;
        return new FitResult(Array.AsReadOnly(evaluations), stoppedAt, stoppedAt ?? epochs, precision);
    }

    /// <summary>Prints the book's line for an event and reports it.</summary>
    private static void Report(Core.TrainingEvent e, int epochs, int batches, TextWriter? output, IProgress<TrainingProgress>? progress)
    {
        string? line = Interop.RefOrNull(Core.Trainer.bookLine(e));
        if (line is not null)
            output?.WriteLine(line);
        if (progress is null)
            return;
        TrainingProgress report = e switch
        {
            Core.TrainingEvent.BatchCompleted b =>
                new(TrainingProgressKind.BatchCompleted, b.epoch, epochs, b.batch, b.batches, b.loss, false, null, null, line),
            Core.TrainingEvent.EpochCompleted c =>
                new(TrainingProgressKind.EpochCompleted, c.epoch, c.epochs, 0, batches, double.NaN, false, null, null, line),
            Core.TrainingEvent.Evaluated v =>
                new(TrainingProgressKind.Evaluated, v.epoch, epochs, 0, batches, v.loss, v.improved, null, null, line),
            Core.TrainingEvent.EarlyStopped s =>
                new(TrainingProgressKind.EarlyStopped, s.epoch, epochs, 0, batches, s.loss, false, s.bestLoss, s.bestEpoch, line),
            _ => throw new InvalidOperationException("Trainer.Fit: unexpected training event " + e),
        };
        progress.Report(report);
    }
}
