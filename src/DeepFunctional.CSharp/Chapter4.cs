using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using System.Threading;
using Core = global::DeepFunctional;

namespace DeepFunctional.CSharp;

/// <summary>
/// One of the book's eight chapter-4 experiments: a network that classifies images into 10 classes,
/// its loss, optimizer and number of epochs, trained with batches of 60, an evaluation every 5 epochs,
/// early stopping and seed 190119. <see cref="All"/> lists them in the book's order; <see cref="Run(ClassificationData{double}, bool, IProgress{TrainingProgress}?, CancellationToken)"/>
/// trains one on prepared data (<see cref="ImageDataSet.BookSplit"/>) and measures its accuracy.
/// </summary>
/// <remarks>
/// <b>Book mode.</b> With <c>book: true</c> a run reproduces the book's code: the book's seeding
/// (<see cref="Seeding.Book"/>), its softmax cross-entropy value (<see cref="SoftmaxCrossEntropy.BookCompatible"/>)
/// and normalised-MSE gradient, its "glorot" (<see cref="WeightInit.BookGlorot"/>), its dropout scaling
/// (<see cref="DropoutScaling.Book"/>), its early-stopping model (<see cref="EarlyStoppingModel.Book"/>)
/// and, in double precision, NumPy's arithmetic (<see cref="Arithmetic.NumPy"/>), so that the printed
/// losses are those of the book's code run with NumPy 1.24 and the reference BLAS.
/// Otherwise the library's defaults apply: standard cross-entropy, Glorot's √(2/(in+out)), inverted dropout,
/// and the best evaluated model kept.
/// </remarks>
public sealed class Chapter4Experiment
{
    /// <summary>The book's batch size for every chapter-4 experiment: 60.</summary>
    public const int BatchSize = Core.Chapter4.BatchSize;

    /// <summary>The book's evaluation period: every 5 epochs.</summary>
    public const int EvalEvery = Core.Chapter4.EvalEvery;

    /// <summary>The book's seed for the networks and for training: 190119.</summary>
    public const long Seed = Core.Chapter4.Seed;

    /// <summary>The number of classes every experiment's network predicts: 10.</summary>
    public const int Classes = 10;

    private readonly Core.Chapter4.Config _config;

    private Chapter4Experiment(Core.Chapter4.Config config)
    {
        _config = config;
    }

    /// <summary>
    /// The eight experiments in the book's order: <c>mse</c>, <c>mse-normalized</c>, <c>sce-sgd</c>,
    /// <c>sce-momentum</c>, <c>linear-decay</c>, <c>exp-decay</c>, <c>glorot</c>, <c>deep-dropout</c>.
    /// </summary>
    public static IReadOnlyList<Chapter4Experiment> All { get; } =
        Array.AsReadOnly(Core.Chapter4.configs.Select(c => new Chapter4Experiment(c)).ToArray());

    /// <summary>The experiments' names, in the book's order.</summary>
    public static IReadOnlyList<string> Names { get; } = Array.AsReadOnly(All.Select(e => e.Name).ToArray());

    /// <summary>The experiment of that name (see <see cref="Names"/>).</summary>
    /// <param name="name">An experiment's name, such as <c>sce-momentum</c>.</param>
    /// <exception cref="ArgumentNullException">when name is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">when no experiment has that name (the message lists them).</exception>
    public static Chapter4Experiment Find(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return All.FirstOrDefault(e => e.Name == name)
            ?? throw Guard.OutOfRange("Chapter4Experiment.Find", nameof(name), "one of " + string.Join(", ", Names), $"'{name}'");
    }

    /// <summary>The name used on the command line, e.g. <c>sce-momentum</c>.</summary>
    public string Name => _config.Name;

    /// <summary>What the experiment adds, in a few words.</summary>
    public string Description => _config.Description;

    /// <summary>The number of epochs it trains for (at most: early stopping may end it sooner).</summary>
    public int Epochs => _config.Epochs;

    /// <summary>The optimizer, with its learning-rate decay if any.</summary>
    public Optimizer Optimizer => Optimizer.FromCore(_config.Optimizer);

    /// <summary>
    /// The same experiment with another number of epochs. A decaying learning rate then falls from
    /// its first to its final value over the new number of epochs, as the book's code would.
    /// </summary>
    /// <param name="epochs">The number of epochs; at least 1.</param>
    /// <exception cref="ArgumentOutOfRangeException">when epochs is less than 1.</exception>
    public Chapter4Experiment WithEpochs(int epochs)
    {
        Guard.AtLeast("Chapter4Experiment.WithEpochs", nameof(epochs), epochs, 1);
        var c = _config;
        return new Chapter4Experiment(new Core.Chapter4.Config(c.Name, c.Description, c.Layers, c.Loss, c.Optimizer, epochs));
    }

    /// <summary>The layers, input first, as this experiment builds them in book mode or not (Glorot and dropout differ).</summary>
    /// <param name="book">Book mode.</param>
    public IReadOnlyList<Layer> Layers(bool book = false) =>
        Array.AsReadOnly(_config.Layers.Invoke(book).Select(Layer.FromCore).ToArray());

    /// <summary>The loss, as this experiment uses it in book mode or not.</summary>
    /// <param name="book">Book mode.</param>
    public Loss Loss(bool book = false) => CSharp.Loss.FromCore(_config.Loss.Invoke(book));

    /// <summary>
    /// A fresh, untrained network as the experiment starts from: its layers and loss, seed 190119,
    /// and in book mode <see cref="Seeding.Book"/> and <see cref="Arithmetic.NumPy"/> (otherwise
    /// <see cref="Seeding.PerNetwork"/> and <see cref="Arithmetic.Fast"/>).
    /// </summary>
    /// <param name="book">Book mode.</param>
    public NeuralNetwork CreateNetwork(bool book = false) =>
        new(Layers(book), Loss(book), Seed) { Seeding = book ? Seeding.Book : Seeding.PerNetwork, Arithmetic = book ? Arithmetic.NumPy : Arithmetic.Fast };

    /// <summary>
    /// Trains the experiment's network in double precision on prepared data and measures the share of
    /// test rows it classifies correctly. Every 5 epochs the test loss is computed; the first one that does
    /// not improve ends training.
    /// </summary>
    /// <param name="data">Inputs and one-hot targets of 10 classes, such as <see cref="ImageDataSet.BookSplit"/>'s (images are flattened to rows).</param>
    /// <param name="book">Reproduce the book's code (see the remarks of <see cref="Chapter4Experiment"/>).</param>
    /// <param name="progress">Receives a report after every batch, epoch and evaluation, synchronously on the training
    /// thread; <see cref="TrainingProgress.BookLine"/> carries the book's chapter-4 lines.</param>
    /// <param name="cancellationToken">Checked before every batch.</param>
    /// <returns>The evaluations, early stop, training losses, accuracy and the trained network.</returns>
    /// <exception cref="ArgumentNullException">when data is null.</exception>
    /// <exception cref="ShapeMismatchException">when the data does not have 10 classes.</exception>
    /// <exception cref="OperationCanceledException">when the token is cancelled.</exception>
    public Chapter4Result Run(ClassificationData<double> data, bool book = false,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default) =>
        RunCore(data, book, progress, cancellationToken);

    /// <summary>
    /// Trains the experiment's network in single precision; otherwise exactly as the double-precision
    /// <see cref="Run(ClassificationData{double}, bool, IProgress{TrainingProgress}?, CancellationToken)"/>.
    /// </summary>
    /// <param name="data">Inputs and one-hot targets of 10 classes, such as <see cref="ImageDataSet.BookSplitSingle"/>'s.</param>
    /// <param name="book">Reproduce the book's code (its numbers need double precision).</param>
    /// <param name="progress">Receives a report after every batch, epoch and evaluation, synchronously on the training thread.</param>
    /// <param name="cancellationToken">Checked before every batch.</param>
    /// <returns>The evaluations, early stop, training losses, accuracy and the trained network.</returns>
    /// <exception cref="ArgumentNullException">when data is null.</exception>
    /// <exception cref="ShapeMismatchException">when the data does not have 10 classes.</exception>
    /// <exception cref="OperationCanceledException">when the token is cancelled.</exception>
    public Chapter4Result Run(ClassificationData<float> data, bool book = false,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default) =>
        RunCore(data, book, progress, cancellationToken);

    private Chapter4Result RunCore<T>(ClassificationData<T> data, bool book, IProgress<TrainingProgress>? progress,
        CancellationToken cancellationToken)
        where T : struct, IFloatingPointIeee754<T>
    {
        const string op = "Chapter4Experiment.Run";
        ArgumentNullException.ThrowIfNull(data);
        if (data.Classes != Classes)
            throw new ShapeMismatchException(op, $"data of {Classes} classes (the network has {Classes} outputs)", $"{data.Classes} classes");
        var d = data.Rows;
        int batches = (d.TrainLabels.Length + BatchSize - 1) / BatchSize;
        var events = new FitEvents(_config.Epochs, batches, null, progress, Core.Chapter4.bookLine);
        var result = Core.Chapter4.run(book, events.Handler, cancellationToken, _config, d);
        var network = CreateNetwork(book);
        network.Replace(result.Fit.Network);
        double loss = Core.NeuralNetwork.loss(result.Fit.Network, d.Split.XTest, d.Split.YTest);
        return new Chapter4Result(this, book, events.Result(result.Fit), result.Accuracy, result.Predictions,
            (int[])d.TestLabels.Clone(), loss, network);
    }

    /// <summary>The name and description: <c>sce-sgd: linear outputs, softmax cross-entropy, SGD 0.1</c>.</summary>
    public override string ToString() => $"{Name}: {Description}";
}

/// <summary>What a chapter-4 experiment's run produced.</summary>
public sealed class Chapter4Result
{
    private readonly int[] _predictions;
    private readonly int[] _labels;

    internal Chapter4Result(Chapter4Experiment experiment, bool book, FitResult fit, double accuracy, int[] predictions,
        int[] labels, double validationLoss, NeuralNetwork network)
    {
        Experiment = experiment;
        Book = book;
        Fit = fit;
        Accuracy = accuracy;
        _predictions = predictions;
        _labels = labels;
        ValidationLoss = validationLoss;
        Network = network;
    }

    /// <summary>The experiment that ran (with the number of epochs it was asked for).</summary>
    public Chapter4Experiment Experiment { get; }

    /// <summary>Whether it ran in book mode.</summary>
    public bool Book { get; }

    /// <summary>The training run: evaluations, early stop, epochs completed, precision and per-epoch training losses.</summary>
    public FitResult Fit { get; }

    /// <summary>Every evaluation on the test data, in order (including one that did not improve).</summary>
    public IReadOnlyList<Evaluation> Evaluations => Fit.Evaluations;

    /// <summary>The epoch at which early stopping ended training, or null when every epoch ran.</summary>
    public int? StoppedEarlyAt => Fit.StoppedEarlyAt;

    /// <summary>The number of epochs trained.</summary>
    public int EpochsCompleted => Fit.EpochsCompleted;

    /// <summary>The training loss of every epoch: the mean of its batches' losses.</summary>
    public IReadOnlyList<double> TrainingLosses => Fit.TrainingLosses;

    /// <summary>The precision it was trained in.</summary>
    public Precision Precision => Fit.Precision;

    /// <summary>The share of test rows the final network classifies correctly, in 0..1.</summary>
    public double Accuracy { get; }

    /// <summary>The test loss of the final network (the kept one, after early stopping).</summary>
    public double ValidationLoss { get; }

    /// <summary>The predicted class of every test row (read-only).</summary>
    public IReadOnlyList<int> Predictions => Array.AsReadOnly(_predictions);

    /// <summary>The trained network, ready for <see cref="NeuralNetwork.PredictClasses(double[,])"/> and the like.</summary>
    public NeuralNetwork Network { get; }

    /// <summary>The line the book prints for the accuracy: <c>The model validation accuracy is: 83.93%</c>.</summary>
    public string AccuracyLine => Core.Chapter4.accuracyLine(Accuracy);

    /// <summary>
    /// The confusion matrix of the test rows: entry [t, p] counts the rows of class t predicted as p.
    /// A fresh [10, 10] array.
    /// </summary>
    public int[,] ConfusionMatrix() => Classification.ConfusionMatrix(_predictions, _labels, Chapter4Experiment.Classes);
}
