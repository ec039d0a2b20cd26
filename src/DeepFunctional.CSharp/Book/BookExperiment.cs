using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Numerics;
using System.Threading;
using Microsoft.FSharp.Collections;
using Microsoft.FSharp.Core;
using Core = DeepFunctional;
using Ch4 = DeepFunctional.Book.Chapter4;
using Ch5 = DeepFunctional.Book.Chapter5;

namespace DeepFunctional.CSharp.Book;

/// <summary>The test accuracy measured during a chapter-5 run.</summary>
public sealed class AccuracyCheck
{
    internal AccuracyCheck(Ch5.AccuracyCheck c)
    {
        Epoch = c.Epoch;
        Batches = c.Batches;
        Accuracy = c.Accuracy;
    }

    /// <summary>The 1-based epoch.</summary>
    public int Epoch { get; }

    /// <summary>The batches trained in that epoch so far.</summary>
    public int Batches { get; }

    /// <summary>The fraction of test images classified correctly, in 0..1.</summary>
    public double Accuracy { get; }

    /// <summary>The book's line: "Validation accuracy after 100 batches is 79.65%".</summary>
    public override string ToString() => Ch5.checkLine(new Ch5.AccuracyCheck(Epoch, Batches, Accuracy));
}

/// <summary>What a book experiment's run produced.</summary>
public sealed class BookExperimentResult
{
    internal BookExperimentResult(BookExperiment experiment, bool book, NeuralNetwork network, Evaluation[] evaluations, int? stoppedEarlyAt,
                                  AccuracyCheck[] checks, double accuracy, int[] predictions)
    {
        Experiment = experiment;
        Book = book;
        Network = network;
        Evaluations = evaluations;
        StoppedEarlyAt = stoppedEarlyAt;
        Checks = checks;
        Accuracy = accuracy;
        Predictions = predictions;
    }

    /// <summary>The experiment.</summary>
    public BookExperiment Experiment { get; }

    /// <summary>Whether it ran in book mode.</summary>
    public bool Book { get; }

    /// <summary>The network the accuracy was measured with (in book mode the one the last epoch left, as the book measures it).</summary>
    public NeuralNetwork Network { get; }

    /// <summary>The validation losses, in order.</summary>
    public IReadOnlyList<Evaluation> Evaluations { get; }

    /// <summary>The epoch training stopped at early, or null.</summary>
    public int? StoppedEarlyAt { get; }

    /// <summary>The accuracies measured every 100 batches (chapter 5; empty for chapter 4).</summary>
    public IReadOnlyList<AccuracyCheck> Checks { get; }

    /// <summary>The fraction of test images classified correctly, in 0..1.</summary>
    public double Accuracy { get; }

    /// <summary>The predicted class of every test image.</summary>
    public IReadOnlyList<int> Predictions { get; }

    /// <summary>The book's line: "The model validation accuracy is: 83.93%".</summary>
    public string AccuracyLine => Ch4.accuracyLine(Accuracy);
}

/// <summary>
/// One of the book's image-classification experiments: chapter 4's eight dense networks (mse … deep-dropout) and
/// chapter 5's convolutional networks (book, ch7), defined once in DeepFunctional.Book. In book mode a run repeats the
/// book's code (its seeding, "glorot", dropout, loss value and early stopping; NumPy's arithmetic in chapter 4's double runs).
/// </summary>
public sealed class BookExperiment
{
    private readonly Ch4.Config _config;

    private BookExperiment(Ch4.Config config, int chapter)
    {
        _config = config;
        Chapter = chapter;
    }

    /// <summary>Every experiment: chapter 4's in the book's order, then chapter 5's.</summary>
    public static IReadOnlyList<BookExperiment> All { get; } =
        Ch4.configs.Select(c => new BookExperiment(c, 4)).Concat(Ch5.configs.Select(c => new BookExperiment(c, 5))).ToArray();

    /// <summary>The experiments of one chapter (4 or 5).</summary>
    /// <param name="chapter">4 or 5.</param>
    public static IReadOnlyList<BookExperiment> OfChapter(int chapter) => All.Where(e => e.Chapter == chapter).ToArray();

    /// <summary>The experiment of that name.</summary>
    /// <param name="name">e.g. "sce-momentum" or "book".</param>
    /// <exception cref="Core.InvalidValueException">when no experiment has that name (the message lists them).</exception>
    public static BookExperiment Find(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return All.FirstOrDefault(e => e.Name == name)
            ?? throw new Core.InvalidValueException("BookExperiment.Find", "one of " + string.Join(", ", All.Select(e => e.Name)), $"'{name}'", nameof(name));
    }

    /// <summary>The chapter: 4 (dense networks on rows of pixels) or 5 (convolutional networks on images).</summary>
    public int Chapter { get; }

    /// <summary>The name, e.g. "sce-momentum".</summary>
    public string Name => _config.Name;

    /// <summary>What the experiment adds, in a few words.</summary>
    public string Description => _config.Description;

    /// <summary>The number of epochs.</summary>
    public int Epochs => _config.Epochs;

    /// <summary>Rows per batch (the book's 60).</summary>
    public int BatchSize => Chapter == 4 ? Ch4.BatchSize : Ch5.BatchSize;

    /// <summary>Evaluate every this many epochs (5 in chapter 4, 1 in chapter 5).</summary>
    public int EvalEvery => Chapter == 4 ? Ch4.EvalEvery : 1;

    /// <summary>The seed of the network and the fit (190119).</summary>
    public long Seed => Chapter == 4 ? Ch4.Seed : Ch5.Seed;

    /// <summary>The optimizer.</summary>
    public Optimizer Optimizer => Optimizer.FromCore(_config.Optimizer);

    /// <summary>The layers, in our mode or the book's.</summary>
    /// <param name="book">Book mode.</param>
    public IReadOnlyList<Layer> Layers(bool book = false) => _config.Layers.Invoke(book).Select(Layer.FromCore).ToArray();

    /// <summary>The loss, in our mode or the book's.</summary>
    /// <param name="book">Book mode.</param>
    public Loss Loss(bool book = false) => CSharp.Loss.FromCore(_config.Loss.Invoke(book));

    /// <summary>The network the experiment starts from (double precision's arithmetic).</summary>
    /// <param name="book">Book mode.</param>
    public NeuralNetwork CreateNetwork(bool book = false) => Wrap(Chapter == 4 ? Ch4.network<double>(book, _config) : Ch5.network<double>(book, _config));

    private static NeuralNetwork Wrap<T>(Core.NeuralNetwork<T> n) => new(n.Layers, n.Loss, n.Seed, n.Seeding, n.Backend);

    /// <summary>A copy running for another number of epochs.</summary>
    /// <param name="epochs">At least 1.</param>
    /// <exception cref="Core.InvalidValueException">when epochs is below 1.</exception>
    public BookExperiment WithEpochs(int epochs)
    {
        Layer.CheckPositive("BookExperiment.WithEpochs", "a number of epochs", epochs, nameof(epochs));
        return new BookExperiment(new Ch4.Config(_config.Name, _config.Description, _config.Layers, _config.Loss, _config.Optimizer, epochs), Chapter);
    }

    /// <summary>
    /// Runs the experiment: prepares the images (pixels standardised with the training set's statistics, one-hot targets;
    /// rows of pixels for chapter 4, one-channel images for chapter 5), trains, and measures the test accuracy.
    /// </summary>
    /// <param name="data">The training and test images.</param>
    /// <param name="book">Book mode.</param>
    /// <param name="precision">The precision to compute in.</param>
    /// <param name="progress">Sees every batch, epoch and evaluation.</param>
    /// <param name="checks">Sees chapter 5's accuracy every 100 batches.</param>
    /// <param name="output">When set, the book's printed lines are written to it.</param>
    /// <param name="cancellation">Checked between batches.</param>
    /// <exception cref="Core.ShapeMismatchException">when the images do not fit the network.</exception>
    /// <exception cref="OperationCanceledException">when cancelled.</exception>
    public BookExperimentResult Run(ImageDataSet data, bool book = false, Precision precision = Precision.Double,
                                    IProgress<TrainingProgress>? progress = null, IProgress<AccuracyCheck>? checks = null,
                                    TextWriter? output = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        return precision == Precision.Single
            ? RunAs<float>(data, book, progress, checks, output, cancellation)
            : RunAs<double>(data, book, progress, checks, output, cancellation);
    }

    private BookExperimentResult RunAs<T>(ImageDataSet data, bool book, IProgress<TrainingProgress>? progress, IProgress<AccuracyCheck>? checks,
                                          TextWriter? output, CancellationToken cancellation) where T : IFloatingPointIeee754<T>
    {
        var epochs = Epochs;
        void OnEvent(Core.TrainingEvent e)
        {
            if (output is not null && Ch4.bookLine(e) is { } line && FSharpOption<string>.get_IsSome(line))
                output.WriteLine(line.Value);
            TrainingProgress? report = e switch
            {
                Core.TrainingEvent.BatchCompleted b => new(TrainingProgressKind.Batch, b.epoch, epochs, b.batch, b.batches, b.loss, false, double.NaN, 0),
                Core.TrainingEvent.EpochCompleted ep => new(TrainingProgressKind.Epoch, ep.epoch, ep.epochs, 0, 0, double.NaN, false, double.NaN, 0),
                Core.TrainingEvent.Evaluated ev => new(TrainingProgressKind.Evaluation, ev.epoch, epochs, 0, 0, ev.loss, ev.improved, double.NaN, 0),
                Core.TrainingEvent.EarlyStopped s => new(TrainingProgressKind.EarlyStop, s.epoch, epochs, 0, 0, s.loss, false, s.bestLoss, s.bestEpoch),
                _ => null,
            };
            if (report is not null)
                progress?.Report(report);
        }
        var onEvent = FuncConvert.FromAction<Core.TrainingEvent>(OnEvent);
        Core.FitResult<T> fit;
        Core.NeuralNetwork<T> measured;
        double accuracy;
        int[] predictions;
        var found = new List<AccuracyCheck>();
        int[] sample;
        if (Chapter == 4)
        {
            var prepared = Core.Classification.prepare<T>(data.Train.CoreSet, data.Test.CoreSet);
            var r = Ch4.run(book, onEvent, cancellation, _config, prepared);
            (fit, accuracy, predictions) = (r.Fit, r.Accuracy, r.Predictions);
            sample = [data.Train.Rows * data.Train.Cols];
        }
        else
        {
            var prepared = Core.Classification.prepareImages<T>(data.Train.CoreSet, data.Test.CoreSet);
            void OnCheck(Ch5.AccuracyCheck c)
            {
                var check = new AccuracyCheck(c);
                found.Add(check);
                output?.WriteLine(check.ToString());
                checks?.Report(check);
            }
            var r = Ch5.run(book, onEvent, FuncConvert.FromAction<Ch5.AccuracyCheck>(OnCheck), cancellation, _config, prepared);
            (fit, accuracy, predictions) = (r.Fit, r.Accuracy, r.Predictions);
            sample = [1, data.Train.Rows, data.Train.Cols];
        }
        measured = book ? fit.LastTrained : fit.Network;
        output?.WriteLine(Ch4.accuracyLine(accuracy));
        var network = Wrap(measured);
        network.State = new NetworkState<T>(measured, sample);
        var stopped = Interop.ValueOrNull(fit.StoppedEarlyAt);
        return new BookExperimentResult(this, book, network, fit.Evaluations.Select(e => new Evaluation(e.Epoch, e.Loss)).ToArray(), stopped,
            found.ToArray(), accuracy, predictions);
    }

    /// <summary>e.g. "sce-sgd: linear outputs, softmax cross-entropy, SGD 0.1".</summary>
    public override string ToString() => $"{Name}: {Description}";
}
