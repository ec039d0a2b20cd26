using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Numerics;
using System.Threading;
using Microsoft.FSharp.Core;
using Core = global::DeepFunctional;

namespace DeepFunctional.CSharp;

/// <summary>Which model early stopping keeps when an evaluation does not improve.</summary>
public enum EarlyStoppingModel
{
    /// <summary>The model of the best evaluation so far (the default).</summary>
    Best,

    /// <summary>
    /// The book's chapter-4 choice: a copy taken at the start of the last epoch of the evaluation
    /// period that did not improve, which was never evaluated (with evaluation every epoch it is the
    /// best evaluated model). The early-stopping line still names the previous evaluation's epoch.
    /// </summary>
    Book,
}

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
    /// The test loss did not improve, so training stopped early and the model chosen by the
    /// <see cref="CSharp.EarlyStoppingModel"/> was kept (the best evaluated one by default);
    /// <see cref="TrainingProgress.Loss"/> is the test loss that did not improve.
    /// </summary>
    EarlyStopped,

    /// <summary>
    /// The accuracy on the test data was measured within an epoch (chapter 5, every 100 batches);
    /// <see cref="TrainingProgress.Accuracy"/> is the accuracy and <see cref="TrainingProgress.Batch"/> the number of
    /// batches of the epoch trained so far.
    /// </summary>
    AccuracyChecked,
}

/// <summary>One report of a training run's progress, given to the <c>progress</c> argument of <c>Trainer.Fit</c>.</summary>
public sealed class TrainingProgress
{
    internal TrainingProgress(TrainingProgressKind kind, int epoch, int epochs, int batch, int batches, double loss,
        bool improved, double? bestLoss, int? bestEpoch, string? bookLine, double? accuracy = null)
    {
        Accuracy = accuracy;
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

    /// <summary>
    /// The 1-based batch within the epoch for <see cref="TrainingProgressKind.BatchCompleted"/> and
    /// <see cref="TrainingProgressKind.AccuracyChecked"/>; 0 otherwise.
    /// </summary>
    public int Batch { get; }

    /// <summary>The number of batches per epoch.</summary>
    public int Batches { get; }

    /// <summary>
    /// The batch's training loss (<see cref="TrainingProgressKind.BatchCompleted"/>), the test loss
    /// (<see cref="TrainingProgressKind.Evaluated"/>, <see cref="TrainingProgressKind.EarlyStopped"/>), or NaN
    /// (<see cref="TrainingProgressKind.EpochCompleted"/>, <see cref="TrainingProgressKind.AccuracyChecked"/>).
    /// </summary>
    public double Loss { get; }

    /// <summary>For <see cref="TrainingProgressKind.AccuracyChecked"/>: the fraction of test rows classified correctly, in 0..1; null otherwise.</summary>
    public double? Accuracy { get; }

    /// <summary>For <see cref="TrainingProgressKind.Evaluated"/>: whether the test loss beat the best so far.</summary>
    public bool Improved { get; }

    /// <summary>
    /// For <see cref="TrainingProgressKind.EarlyStopped"/>: the best test loss so far (which the kept model has
    /// with <see cref="EarlyStoppingModel.Best"/>); null otherwise.
    /// </summary>
    public double? BestLoss { get; }

    /// <summary>
    /// For <see cref="TrainingProgressKind.EarlyStopped"/>: the epoch of the best evaluation so far, which the
    /// kept model is from with <see cref="EarlyStoppingModel.Best"/> (0 when no evaluation had a finite loss and
    /// the last model is kept); null otherwise.
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
    internal FitResult(IReadOnlyList<Evaluation> evaluations, int? stoppedEarlyAt, int epochsCompleted, Precision precision,
        IReadOnlyList<double> trainingLosses)
    {
        Evaluations = evaluations;
        StoppedEarlyAt = stoppedEarlyAt;
        EpochsCompleted = epochsCompleted;
        Precision = precision;
        TrainingLosses = trainingLosses;
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

    /// <summary>
    /// The training loss of every epoch, in order: the mean of its batches' losses (each computed
    /// before that batch's step, with dropout as in training). One value per completed epoch.
    /// </summary>
    public IReadOnlyList<double> TrainingLosses { get; }
}

/// <summary>
/// Trains a <see cref="NeuralNetwork"/> with an <see cref="Optimizer"/>, as the book's
/// <c>Trainer(net, optim)</c> does; <see cref="Fit(double[,], double[,], double[,], double[,], int, int, int, long, bool, bool, EarlyStoppingModel, IProgress{TrainingProgress}?, CancellationToken)"/>
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
    /// <exception cref="ArgumentException">when the optimizer has only one of DecayType and FinalLearningRate.</exception>
    public Trainer(NeuralNetwork network, Optimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(optimizer);
        optimizer.ToCore();
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
    /// loss on the test data and prints <c>Validation loss after {epoch} epochs is {loss:.3f}</c>; with
    /// a decaying learning rate (chapter 4) the rate falls after every epoch. With early stopping the
    /// first evaluation that does not improve ends training and the model chosen by
    /// <paramref name="earlyStoppingModel"/> is kept (the best evaluated one by default).
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
    /// <param name="earlyStopping">Stop at the first evaluation that does not improve.</param>
    /// <param name="earlyStoppingModel">Which model early stopping keeps: the best evaluated one (the default) or the book's.</param>
    /// <param name="progress">Receives a report after every batch, epoch and evaluation, synchronously on the training thread
    /// (note that <see cref="Progress{T}"/> posts its reports asynchronously).</param>
    /// <param name="cancellationToken">Checked before every batch; when cancelled, the network keeps the parameters it had before the call.</param>
    /// <returns>The evaluations, whether training stopped early, and the training loss of every epoch.</returns>
    /// <exception cref="ArgumentNullException">when an array is null.</exception>
    /// <exception cref="ArgumentException">when an array is empty or holds NaN or infinity.</exception>
    /// <exception cref="ArgumentOutOfRangeException">when epochs, evalEvery, batchSize or seed is out of range, or earlyStoppingModel is not defined.</exception>
    /// <exception cref="ShapeMismatchException">when the arrays do not fit each other or the network.</exception>
    /// <exception cref="OperationCanceledException">when the token is cancelled.</exception>
    public FitResult Fit(double[,] xTrain, double[,] yTrain, double[,] xTest, double[,] yTest,
        int epochs = 100, int evalEvery = 10, int batchSize = 32, long seed = 1, bool restart = true, bool earlyStopping = true,
        EarlyStoppingModel earlyStoppingModel = EarlyStoppingModel.Best,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default) =>
        FitCore(xTrain, yTrain, xTest, yTest, epochs, evalEvery, batchSize, seed, restart, earlyStopping, earlyStoppingModel,
            progress, cancellationToken);

    /// <summary>
    /// Trains the network in single precision; otherwise exactly as the double-precision
    /// <see cref="Fit(double[,], double[,], double[,], double[,], int, int, int, long, bool, bool, EarlyStoppingModel, IProgress{TrainingProgress}?, CancellationToken)"/>
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
    /// <param name="earlyStopping">Stop at the first evaluation that does not improve.</param>
    /// <param name="earlyStoppingModel">Which model early stopping keeps: the best evaluated one (the default) or the book's.</param>
    /// <param name="progress">Receives a report after every batch, epoch and evaluation, synchronously on the training thread.</param>
    /// <param name="cancellationToken">Checked before every batch; when cancelled, the network keeps the parameters it had before the call.</param>
    /// <returns>The evaluations, whether training stopped early, and the training loss of every epoch.</returns>
    /// <exception cref="ArgumentNullException">when an array is null.</exception>
    /// <exception cref="ArgumentException">when an array is empty or holds NaN or infinity.</exception>
    /// <exception cref="ArgumentOutOfRangeException">when epochs, evalEvery, batchSize or seed is out of range, or earlyStoppingModel is not defined.</exception>
    /// <exception cref="ShapeMismatchException">when the arrays do not fit each other or the network.</exception>
    /// <exception cref="OperationCanceledException">when the token is cancelled.</exception>
    public FitResult Fit(float[,] xTrain, float[,] yTrain, float[,] xTest, float[,] yTest,
        int epochs = 100, int evalEvery = 10, int batchSize = 32, long seed = 1, bool restart = true, bool earlyStopping = true,
        EarlyStoppingModel earlyStoppingModel = EarlyStoppingModel.Best,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default) =>
        FitCore(xTrain, yTrain, xTest, yTest, epochs, evalEvery, batchSize, seed, restart, earlyStopping, earlyStoppingModel,
            progress, cancellationToken);

    /// <summary>
    /// Trains a network on images (chapter 5) in double precision; otherwise exactly as
    /// <see cref="Fit(double[,], double[,], double[,], double[,], int, int, int, long, bool, bool, EarlyStoppingModel, IProgress{TrainingProgress}?, CancellationToken)"/>.
    /// </summary>
    /// <param name="xTrain">Training images: [images, channels, height, width].</param>
    /// <param name="yTrain">Training targets: [images, outputs].</param>
    /// <param name="xTest">Test images: [testImages, channels, height, width], of the training images' size.</param>
    /// <param name="yTest">Test targets: [testImages, outputs].</param>
    /// <param name="epochs">Passes over the training data; at least 1.</param>
    /// <param name="evalEvery">Evaluate on the test data every this many epochs; at least 1.</param>
    /// <param name="batchSize">Images per batch (the last batch of an epoch may be shorter); at least 1.</param>
    /// <param name="seed">The seed of the generator that permutes the images, in 0..4294967295.</param>
    /// <param name="restart">Draw the network's parameters afresh before training (otherwise continue from the current ones).</param>
    /// <param name="earlyStopping">Stop at the first evaluation that does not improve.</param>
    /// <param name="earlyStoppingModel">Which model early stopping keeps: the best evaluated one (the default) or the book's.</param>
    /// <param name="progress">Receives a report after every batch, epoch and evaluation, synchronously on the training thread.</param>
    /// <param name="cancellationToken">Checked before every batch; when cancelled, the network keeps the parameters it had before the call.</param>
    /// <returns>The evaluations, whether training stopped early, and the training loss of every epoch.</returns>
    /// <exception cref="ArgumentNullException">when an array is null.</exception>
    /// <exception cref="ArgumentException">when an array is empty or holds NaN or infinity.</exception>
    /// <exception cref="ArgumentOutOfRangeException">when epochs, evalEvery, batchSize or seed is out of range, or earlyStoppingModel is not defined.</exception>
    /// <exception cref="ShapeMismatchException">when the arrays do not fit each other or the network (the message names the layer).</exception>
    /// <exception cref="OperationCanceledException">when the token is cancelled.</exception>
    public FitResult Fit(double[,,,] xTrain, double[,] yTrain, double[,,,] xTest, double[,] yTest,
        int epochs = 100, int evalEvery = 10, int batchSize = 32, long seed = 1, bool restart = true, bool earlyStopping = true,
        EarlyStoppingModel earlyStoppingModel = EarlyStoppingModel.Best,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default) =>
        FitCore(xTrain, yTrain, xTest, yTest, epochs, evalEvery, batchSize, seed, restart, earlyStopping, earlyStoppingModel,
            progress, cancellationToken);

    /// <summary>
    /// Trains a network on images (chapter 5) in single precision; otherwise exactly as
    /// <see cref="Fit(double[,,,], double[,], double[,,,], double[,], int, int, int, long, bool, bool, EarlyStoppingModel, IProgress{TrainingProgress}?, CancellationToken)"/>.
    /// </summary>
    /// <param name="xTrain">Training images: [images, channels, height, width].</param>
    /// <param name="yTrain">Training targets: [images, outputs].</param>
    /// <param name="xTest">Test images: [testImages, channels, height, width], of the training images' size.</param>
    /// <param name="yTest">Test targets: [testImages, outputs].</param>
    /// <param name="epochs">Passes over the training data; at least 1.</param>
    /// <param name="evalEvery">Evaluate on the test data every this many epochs; at least 1.</param>
    /// <param name="batchSize">Images per batch (the last batch of an epoch may be shorter); at least 1.</param>
    /// <param name="seed">The seed of the generator that permutes the images, in 0..4294967295.</param>
    /// <param name="restart">Draw the network's parameters afresh before training (otherwise continue from the current ones).</param>
    /// <param name="earlyStopping">Stop at the first evaluation that does not improve.</param>
    /// <param name="earlyStoppingModel">Which model early stopping keeps: the best evaluated one (the default) or the book's.</param>
    /// <param name="progress">Receives a report after every batch, epoch and evaluation, synchronously on the training thread.</param>
    /// <param name="cancellationToken">Checked before every batch; when cancelled, the network keeps the parameters it had before the call.</param>
    /// <returns>The evaluations, whether training stopped early, and the training loss of every epoch.</returns>
    /// <exception cref="ArgumentNullException">when an array is null.</exception>
    /// <exception cref="ArgumentException">when an array is empty or holds NaN or infinity.</exception>
    /// <exception cref="ArgumentOutOfRangeException">when epochs, evalEvery, batchSize or seed is out of range, or earlyStoppingModel is not defined.</exception>
    /// <exception cref="ShapeMismatchException">when the arrays do not fit each other or the network (the message names the layer).</exception>
    /// <exception cref="OperationCanceledException">when the token is cancelled.</exception>
    public FitResult Fit(float[,,,] xTrain, float[,] yTrain, float[,,,] xTest, float[,] yTest,
        int epochs = 100, int evalEvery = 10, int batchSize = 32, long seed = 1, bool restart = true, bool earlyStopping = true,
        EarlyStoppingModel earlyStoppingModel = EarlyStoppingModel.Best,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default) =>
        FitCore(xTrain, yTrain, xTest, yTest, epochs, evalEvery, batchSize, seed, restart, earlyStopping, earlyStoppingModel,
            progress, cancellationToken);

    private FitResult FitCore<T>(Array xTrain, T[,] yTrain, Array xTest, T[,] yTest,
        int epochs, int evalEvery, int batchSize, long seed, bool restart, bool earlyStopping, EarlyStoppingModel earlyStoppingModel,
        IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
        where T : struct, IFloatingPointIeee754<T>
    {
        const string op = "Trainer.Fit";
        Guard.Input<T>(op, nameof(xTrain), xTrain);
        Guard.Matrix(op, nameof(yTrain), yTrain);
        Guard.Input<T>(op, nameof(xTest), xTest);
        Guard.Matrix(op, nameof(yTest), yTest);
        Guard.AtLeast(op, nameof(epochs), epochs, 1);
        Guard.AtLeast(op, nameof(evalEvery), evalEvery, 1);
        Guard.AtLeast(op, nameof(batchSize), batchSize, 1);
        Guard.Seed(op, nameof(seed), seed);
        if (!Enum.IsDefined(earlyStoppingModel))
            throw Guard.OutOfRange(op, nameof(earlyStoppingModel), "Best or Book", (int)earlyStoppingModel);
        Guard.SameRows(op, nameof(xTrain), xTrain, nameof(yTrain), yTrain);
        Guard.SameRows(op, nameof(xTest), xTest, nameof(yTest), yTest);
        Guard.SameSample(op, nameof(xTrain), xTrain, nameof(xTest), xTest);
        Guard.Columns(op, nameof(yTest), yTest, yTrain.GetLength(1), "like yTrain");
        int outputs = Network.CheckInput(op, nameof(xTrain), xTrain, withParameters: false);
        Guard.Columns(op, nameof(yTrain), yTrain, outputs, "the network's outputs");
        if (!restart)
            Network.CheckInput(op, nameof(xTrain), xTrain, withParameters: true, "the network's input features; pass restart: true to draw new parameters");

        var optimizer = Optimizer.ToCore();
        var net = restart ? Network.Fresh<T>() : Network.Current<T>();
        var model = earlyStoppingModel == EarlyStoppingModel.Book ? Core.EarlyStoppingModel.Book : Core.EarlyStoppingModel.Best;
        var options = new Core.FitOptions(epochs, evalEvery, batchSize, seed, restart, earlyStopping, model);
        int batches = (xTrain.GetLength(0) + batchSize - 1) / batchSize;
        var events = new FitEvents(epochs, batches, Output, progress, Core.Trainer.bookLine);
        var result = Core.Trainer.fitWith(events.Handler, cancellationToken, options, optimizer, net,
            Interop.ToTensor<T>(xTrain), Interop.ToTensor(yTrain), Interop.ToTensor<T>(xTest), Interop.ToTensor(yTest));
        Network.Replace(result.Network);
        return events.Result(result);
    }
}

/// <summary>
/// Follows one training run's events for the facade: prints each book line, reports progress,
/// and averages the batch losses of every epoch; then turns the core's result into a <see cref="FitResult"/>.
/// </summary>
internal sealed class FitEvents
{
    private readonly int _epochs;
    private readonly int _batches;
    private readonly TextWriter? _output;
    private readonly IProgress<TrainingProgress>? _progress;
    private readonly Func<Core.TrainingEvent, FSharpOption<string>?> _bookLine;
    private readonly List<double> _epochLosses = [];
    private readonly List<double> _batchLosses = [];
    private double _lossSum;
    private int _lossCount;

    /// <summary>Follows a run of <paramref name="epochs"/> epochs of <paramref name="batches"/> batches.</summary>
    /// <param name="epochs">The epochs asked for.</param>
    /// <param name="batches">The batches per epoch.</param>
    /// <param name="output">Where the book's lines are written, or null.</param>
    /// <param name="progress">Where reports go, or null.</param>
    /// <param name="bookLine">The book's line for an event (chapter 3's or chapter 4's wording).</param>
    internal FitEvents(int epochs, int batches, TextWriter? output, IProgress<TrainingProgress>? progress,
        Func<Core.TrainingEvent, FSharpOption<string>?> bookLine)
    {
        _epochs = epochs;
        _batches = batches;
        _output = output;
        _progress = progress;
        _bookLine = bookLine;
        Handler = FuncConvert.FromAction<Core.TrainingEvent>(Report);
    }

    /// <summary>The callback to give the core's training loop.</summary>
    internal FSharpFunc<Core.TrainingEvent, Unit> Handler { get; }

    /// <summary>The mean batch loss of every completed epoch so far.</summary>
    internal IReadOnlyList<double> EpochLosses => _epochLosses;

    /// <summary>The loss of every batch so far, in order.</summary>
    internal IReadOnlyList<double> BatchLosses => _batchLosses;

    /// <summary>Prints a within-epoch accuracy check's book line and reports it (chapter 5).</summary>
    /// <param name="epoch">The 1-based epoch.</param>
    /// <param name="batch">The batches of the epoch trained so far.</param>
    /// <param name="accuracy">The test accuracy, in 0..1.</param>
    /// <param name="line">The book's line for it.</param>
    internal void ReportAccuracy(int epoch, int batch, double accuracy, string line)
    {
        _output?.WriteLine(line);
        _progress?.Report(new TrainingProgress(TrainingProgressKind.AccuracyChecked, epoch, _epochs, batch, _batches, double.NaN,
            false, null, null, line, accuracy));
    }

    /// <summary>The facade's result of a finished run.</summary>
    internal FitResult Result<T>(Core.FitResult<T> result)
    {
        var evaluations = result.Evaluations.Select(e => new Evaluation(e.Epoch, e.Loss)).ToArray();
        int? stoppedAt = Interop.ValueOrNull(result.StoppedEarlyAt);
        var precision = typeof(T) == typeof(double) ? Precision.Double : Precision.Single;
        return new FitResult(Array.AsReadOnly(evaluations), stoppedAt, stoppedAt ?? _epochs, precision,
            Array.AsReadOnly(_epochLosses.ToArray()));
    }

    /// <summary>Records an event, prints its book line and reports it.</summary>
    private void Report(Core.TrainingEvent e)
    {
        switch (e)
        {
            case Core.TrainingEvent.BatchCompleted b:
                _batchLosses.Add(b.loss);
                _lossSum += b.loss;
                _lossCount++;
                break;
            case Core.TrainingEvent.EpochCompleted:
                _epochLosses.Add(_lossCount == 0 ? double.NaN : _lossSum / _lossCount);
                _lossSum = 0;
                _lossCount = 0;
                break;
        }
        string? line = Interop.RefOrNull(_bookLine(e));
        if (line is not null)
            _output?.WriteLine(line);
        var progress = _progress;
        if (progress is null)
            return;
        int epochs = _epochs, batches = _batches;
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
