using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using System.Threading;
using Microsoft.FSharp.Core;
using Core = global::DeepFunctional;

namespace DeepFunctional.CSharp;

/// <summary>
/// One of the chapter-5 experiments: a convolutional network that classifies images into 10 classes, trained
/// for one epoch with batches of 60 and seed 190119, the test accuracy measured every 100 batches (the book's
/// <c>conv_testing</c>) and the test loss after every epoch. <see cref="All"/> lists them: <c>book</c>, the book's
/// chapter-5 network, and <c>ch7</c>, the deeper network chapter 7 builds in PyTorch.
/// <see cref="Run(ClassificationData{double}, bool, IProgress{TrainingProgress}?, CancellationToken)"/> trains one on
/// prepared images (<see cref="ImageDataSet.BookSplitImages"/>).
/// </summary>
/// <remarks>
/// <b>Book mode.</b> With <c>book: true</c> a run uses the book's seeding (<see cref="Seeding.Book"/>), its softmax
/// cross-entropy value, its "glorot" (<see cref="WeightInit.BookGlorot"/>), its dropout scaling
/// (<see cref="DropoutScaling.Book"/>) and early-stopping model, as in <see cref="Chapter4Experiment"/>. Otherwise the
/// library's defaults apply.
/// </remarks>
public sealed class Chapter5Experiment
{
    /// <summary>The batch size: 60, so an epoch of Fashion-MNIST's 60,000 images is 1,000 batches.</summary>
    public const int BatchSize = Core.Chapter5.BatchSize;

    /// <summary>The test accuracy is measured every this many batches of an epoch: 100 (not after an epoch's last batch).</summary>
    public const int CheckEvery = Core.Chapter5.CheckEvery;

    /// <summary>The seed of the networks and of training: 190119.</summary>
    public const long Seed = Core.Chapter5.Seed;

    /// <summary>The number of classes every experiment's network predicts: 10.</summary>
    public const int Classes = 10;

    private readonly Core.Chapter4.Config _config;

    private Chapter5Experiment(Core.Chapter4.Config config)
    {
        _config = config;
    }

    /// <summary>The experiments: <c>book</c> (the book's chapter-5 network), then <c>ch7</c> (chapter 7's).</summary>
    public static IReadOnlyList<Chapter5Experiment> All { get; } =
        Array.AsReadOnly(Core.Chapter5.configs.Select(c => new Chapter5Experiment(c)).ToArray());

    /// <summary>The experiments' names: <c>book</c>, <c>ch7</c>.</summary>
    public static IReadOnlyList<string> Names { get; } = Array.AsReadOnly(All.Select(e => e.Name).ToArray());

    /// <summary>The experiment of that name (see <see cref="Names"/>).</summary>
    /// <param name="name">An experiment's name: <c>book</c> or <c>ch7</c>.</param>
    /// <exception cref="ArgumentNullException">when name is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">when no experiment has that name (the message lists them).</exception>
    public static Chapter5Experiment Find(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return All.FirstOrDefault(e => e.Name == name)
            ?? throw Guard.OutOfRange("Chapter5Experiment.Find", nameof(name), "one of " + string.Join(", ", Names), $"'{name}'");
    }

    /// <summary>The name used on the command line: <c>book</c> or <c>ch7</c>.</summary>
    public string Name => _config.Name;

    /// <summary>What the experiment is, in a few words.</summary>
    public string Description => _config.Description;

    /// <summary>The number of epochs it trains for (one, unless changed with <see cref="WithEpochs"/>).</summary>
    public int Epochs => _config.Epochs;

    /// <summary>The optimizer.</summary>
    public Optimizer Optimizer => Optimizer.FromCore(_config.Optimizer);

    /// <summary>The same experiment with another number of epochs.</summary>
    /// <param name="epochs">The number of epochs; at least 1.</param>
    /// <exception cref="ArgumentOutOfRangeException">when epochs is less than 1.</exception>
    public Chapter5Experiment WithEpochs(int epochs)
    {
        Guard.AtLeast("Chapter5Experiment.WithEpochs", nameof(epochs), epochs, 1);
        var c = _config;
        return new Chapter5Experiment(new Core.Chapter4.Config(c.Name, c.Description, c.Layers, c.Loss, c.Optimizer, epochs));
    }

    /// <summary>The layers, input first, as this experiment builds them in book mode or not (Glorot and dropout differ).</summary>
    /// <param name="book">Book mode.</param>
    public IReadOnlyList<Layer> Layers(bool book = false) =>
        Array.AsReadOnly(_config.Layers.Invoke(book).Select(Layer.FromCore).ToArray());

    /// <summary>The loss, as this experiment uses it in book mode or not.</summary>
    /// <param name="book">Book mode.</param>
    public Loss Loss(bool book = false) => CSharp.Loss.FromCore(_config.Loss.Invoke(book));

    /// <summary>
    /// A fresh, untrained network as the experiment starts from: its layers and loss, seed 190119, and
    /// <see cref="Seeding.Book"/> in book mode (<see cref="Seeding.PerNetwork"/> otherwise).
    /// </summary>
    /// <param name="book">Book mode.</param>
    public NeuralNetwork CreateNetwork(bool book = false) =>
        new(Layers(book), Loss(book), Seed) { Seeding = book ? Seeding.Book : Seeding.PerNetwork };

    /// <summary>
    /// Trains the experiment's network in double precision on prepared images, measuring the accuracy on the whole
    /// test set (in inference mode) every 100 batches, and at the end the share of test images the network
    /// classifies correctly.
    /// </summary>
    /// <param name="data">Images and one-hot targets of 10 classes, such as <see cref="ImageDataSet.BookSplitImages"/>'s.</param>
    /// <param name="book">Book mode (see the remarks of <see cref="Chapter5Experiment"/>).</param>
    /// <param name="progress">Receives a report after every batch, epoch and evaluation and every accuracy check
    /// (<see cref="TrainingProgressKind.AccuracyChecked"/>), synchronously on the training thread;
    /// <see cref="TrainingProgress.BookLine"/> carries the book's lines.</param>
    /// <param name="cancellationToken">Checked before every batch.</param>
    /// <returns>The checks, evaluations, losses, accuracy and the trained network.</returns>
    /// <exception cref="ArgumentNullException">when data is null.</exception>
    /// <exception cref="ShapeMismatchException">when the data does not have 10 classes, its inputs are not images, or the images do not fit the network.</exception>
    /// <exception cref="OperationCanceledException">when the token is cancelled.</exception>
    public Chapter5Result Run(ClassificationData<double> data, bool book = false,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default) =>
        RunCore(data, book, progress, cancellationToken);

    /// <summary>
    /// Trains the experiment's network in single precision; otherwise exactly as the double-precision
    /// <see cref="Run(ClassificationData{double}, bool, IProgress{TrainingProgress}?, CancellationToken)"/>.
    /// </summary>
    /// <param name="data">Images and one-hot targets of 10 classes, such as <see cref="ImageDataSet.BookSplitImagesSingle"/>'s.</param>
    /// <param name="book">Book mode (the book's arithmetic is double precision).</param>
    /// <param name="progress">Receives a report after every batch, epoch, evaluation and accuracy check, synchronously on the training thread.</param>
    /// <param name="cancellationToken">Checked before every batch.</param>
    /// <returns>The checks, evaluations, losses, accuracy and the trained network.</returns>
    /// <exception cref="ArgumentNullException">when data is null.</exception>
    /// <exception cref="ShapeMismatchException">when the data does not have 10 classes, its inputs are not images, or the images do not fit the network.</exception>
    /// <exception cref="OperationCanceledException">when the token is cancelled.</exception>
    public Chapter5Result Run(ClassificationData<float> data, bool book = false,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default) =>
        RunCore(data, book, progress, cancellationToken);

    private Chapter5Result RunCore<T>(ClassificationData<T> data, bool book, IProgress<TrainingProgress>? progress,
        CancellationToken cancellationToken)
        where T : struct, IFloatingPointIeee754<T>
    {
        const string op = "Chapter5Experiment.Run";
        ArgumentNullException.ThrowIfNull(data);
        if (data.Classes != Classes)
            throw new ShapeMismatchException(op, $"data of {Classes} classes (the network has {Classes} outputs)", $"{data.Classes} classes");
        if (data.ImageShape is not { } shape)
            throw new ShapeMismatchException(op, "images [channels, height, width] (ImageDataSet.BookSplitImages)", $"rows of {data.Features} features");
        var network = CreateNetwork(book);
        network.Walk(op, "the images", shape.ToArray());
        var d = data.Inner;
        int batches = (d.TrainLabels.Length + BatchSize - 1) / BatchSize;
        var events = new FitEvents(_config.Epochs, batches, null, progress, Core.Chapter4.bookLine);
        var onCheck = FuncConvert.FromAction<Core.Chapter5.AccuracyCheck>(c =>
            events.ReportAccuracy(c.Epoch, c.Batches, c.Accuracy, Core.Chapter5.checkLine(c)));
        var result = Core.Chapter5.run(book, events.Handler, onCheck, cancellationToken, _config, d);
        network.Replace(result.Fit.Network);
        var checks = result.Checks.Select(c => new AccuracyCheck(c.Epoch, c.Batches, c.Accuracy)).ToArray();
        return new Chapter5Result(this, book, events.Result(result.Fit), Array.AsReadOnly(checks),
            Array.AsReadOnly(events.BatchLosses.ToArray()), result.Accuracy, result.ValidationLoss, result.Predictions,
            (int[])d.TestLabels.Clone(), network);
    }

    /// <summary>The name and description: <c>book: the book's chapter 5: ...</c>.</summary>
    public override string ToString() => $"{Name}: {Description}";
}

/// <summary>The test accuracy measured during training: after <see cref="Batches"/> batches of epoch <see cref="Epoch"/>.</summary>
public sealed class AccuracyCheck
{
    internal AccuracyCheck(int epoch, int batches, double accuracy)
    {
        Epoch = epoch;
        Batches = batches;
        Accuracy = accuracy;
    }

    /// <summary>The 1-based epoch.</summary>
    public int Epoch { get; }

    /// <summary>The number of batches of that epoch trained so far.</summary>
    public int Batches { get; }

    /// <summary>The fraction of test images classified correctly, in 0..1.</summary>
    public double Accuracy { get; }

    /// <summary>The book's line: <c>Validation accuracy after 100 batches is 79.65%</c>.</summary>
    public override string ToString() => Core.Chapter5.checkLine(new Core.Chapter5.AccuracyCheck(Epoch, Batches, Accuracy));
}

/// <summary>What a chapter-5 experiment's run produced.</summary>
public sealed class Chapter5Result
{
    private readonly int[] _predictions;
    private readonly int[] _labels;

    internal Chapter5Result(Chapter5Experiment experiment, bool book, FitResult fit, IReadOnlyList<AccuracyCheck> checks,
        IReadOnlyList<double> batchLosses, double accuracy, double validationLoss, int[] predictions, int[] labels, NeuralNetwork network)
    {
        Experiment = experiment;
        Book = book;
        Fit = fit;
        Checks = checks;
        BatchLosses = batchLosses;
        Accuracy = accuracy;
        ValidationLoss = validationLoss;
        _predictions = predictions;
        _labels = labels;
        Network = network;
    }

    /// <summary>The experiment that ran (with the number of epochs it was asked for).</summary>
    public Chapter5Experiment Experiment { get; }

    /// <summary>Whether it ran in book mode.</summary>
    public bool Book { get; }

    /// <summary>The training run: evaluations, early stop, epochs completed, precision and per-epoch training losses.</summary>
    public FitResult Fit { get; }

    /// <summary>The accuracies measured every 100 batches, in order.</summary>
    public IReadOnlyList<AccuracyCheck> Checks { get; }

    /// <summary>The training loss of every batch, in order (each computed before that batch's step, with dropout as in training).</summary>
    public IReadOnlyList<double> BatchLosses { get; }

    /// <summary>The test loss after every epoch.</summary>
    public IReadOnlyList<Evaluation> Evaluations => Fit.Evaluations;

    /// <summary>The training loss of every epoch: the mean of its batches' losses.</summary>
    public IReadOnlyList<double> TrainingLosses => Fit.TrainingLosses;

    /// <summary>The number of epochs trained.</summary>
    public int EpochsCompleted => Fit.EpochsCompleted;

    /// <summary>The precision it was trained in.</summary>
    public Precision Precision => Fit.Precision;

    /// <summary>The share of test images the final network classifies correctly, in 0..1.</summary>
    public double Accuracy { get; }

    /// <summary>The test loss of the final network.</summary>
    public double ValidationLoss { get; }

    /// <summary>The predicted class of every test image (read-only).</summary>
    public IReadOnlyList<int> Predictions => Array.AsReadOnly(_predictions);

    /// <summary>The trained network, ready for <see cref="NeuralNetwork.PredictClasses(double[,,,])"/> and the like.</summary>
    public NeuralNetwork Network { get; }

    /// <summary>The line the book prints for the accuracy: <c>The model validation accuracy is: 90.12%</c>.</summary>
    public string AccuracyLine => Core.Chapter5.accuracyLine(Accuracy);

    /// <summary>
    /// The confusion matrix of the test images: entry [t, p] counts the images of class t predicted as p.
    /// A fresh [10, 10] array.
    /// </summary>
    public int[,] ConfusionMatrix() => Classification.ConfusionMatrix(_predictions, _labels, Chapter5Experiment.Classes);
}
