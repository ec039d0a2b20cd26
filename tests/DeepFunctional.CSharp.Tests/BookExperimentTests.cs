using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using DeepFunctional.CSharp.Book;
using Xunit;

namespace DeepFunctional.CSharp.Tests;

/// <summary>Small made-up image sets for the book's classification experiments.</summary>
internal static class SyntheticImages
{
    internal const int Side = 6;

    /// <summary>
    /// <paramref name="count"/> images, classes in turn, deterministic for a seed; with <paramref name="labelNoise"/>
    /// that share of the images (in expectation) gets a random label, so no network reaches 100%.
    /// </summary>
    internal static ImageSet Make(int count, int seed, int classes = 10, double labelNoise = 0)
    {
        var random = new Random(seed);
        var pixels = new byte[count * Side * Side];
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            int label = (i * 7 + random.Next(3)) % classes;
            labels[i] = label;
            for (int p = 0; p < Side * Side; p++)
                pixels[i * Side * Side + p] = (byte)(p % classes == label ? 150 + random.Next(100) : random.Next(60));
            if (labelNoise > 0 && random.NextDouble() < labelNoise)
                labels[i] = random.Next(classes);
        }
        return new ImageSet(Side, Side, classes, pixels, labels);
    }

    /// <summary>600 training images (ten batches of 60) and 200 test images.</summary>
    internal static ImageDataSet DataSet() => new(Make(600, 1), Make(200, 2));
}

/// <summary>One experiment class for the book's chapters 4 and 5: definitions in both modes, and runs on small made-up images.</summary>
public class BookExperimentTests
{
    private static readonly ImageDataSet Images = SyntheticImages.DataSet();

    private static string F(double v, string format) => v.ToString(format, CultureInfo.InvariantCulture);

    [Fact]
    public void The_experiments_are_chapter_4s_eight_then_chapter_5s_two_in_the_books_order()
    {
        Assert.Equal(["mse", "mse-normalized", "sce-sgd", "sce-momentum", "linear-decay", "exp-decay", "glorot", "deep-dropout", "book", "ch7"],
            BookExperiment.All.Select(e => e.Name));
        Assert.Equal([50, 50, 50, 50, 25, 25, 25, 20, 1, 1], BookExperiment.All.Select(e => e.Epochs));
        Assert.Equal([4, 4, 4, 4, 4, 4, 4, 4, 5, 5], BookExperiment.All.Select(e => e.Chapter));
        Assert.Equal(2, BookExperiment.OfChapter(5).Count);
        Assert.All(BookExperiment.All, e => Assert.False(string.IsNullOrWhiteSpace(e.Description)));
        Assert.All(BookExperiment.All, e => Assert.Equal((60, 190119L), (e.BatchSize, e.Seed)));
        Assert.Equal([5, 1], new[] { BookExperiment.Find("mse").EvalEvery, BookExperiment.Find("book").EvalEvery });
        Assert.Equal("sce-sgd: linear outputs, softmax cross-entropy, SGD 0.1", BookExperiment.Find("sce-sgd").ToString());
    }

    [Fact]
    public void Find_refuses_an_unknown_name_listing_the_known_ones()
    {
        var e = Assert.Throws<global::DeepFunctional.InvalidValueException>(() => BookExperiment.Find("adam"));
        Assert.StartsWith("BookExperiment.Find: expected one of mse, mse-normalized, sce-sgd, sce-momentum, linear-decay, exp-decay, glorot, deep-dropout, book, ch7, got 'adam'", e.Message);
        Assert.Equal("name", e.ParamName);
        Assert.Throws<ArgumentNullException>(() => BookExperiment.Find(null!));
    }

    [Theory]
    [InlineData("mse", false, "Dense(89, Sigmoid), Dense(10, Sigmoid)", "MeanSquaredError", "SGD(learningRate: 0.1)")]
    [InlineData("mse-normalized", false, "Dense(89, Sigmoid), Dense(10, Sigmoid)", "NormalizedMeanSquaredError", "SGD(learningRate: 0.1)")]
    [InlineData("mse-normalized", true, "Dense(89, Sigmoid), Dense(10, Sigmoid)", "BookNormalizedMeanSquaredError", "SGD(learningRate: 0.1)")]
    [InlineData("sce-sgd", false, "Dense(89, Sigmoid), Dense(10, Linear)", "SoftmaxCrossEntropy", "SGD(learningRate: 0.1)")]
    [InlineData("sce-sgd", true, "Dense(89, Sigmoid), Dense(10, Linear)", "BookSoftmaxCrossEntropy", "SGD(learningRate: 0.1)")]
    [InlineData("sce-momentum", false, "Dense(89, Sigmoid), Dense(10, Linear)", "SoftmaxCrossEntropy", "SGDMomentum(learningRate: 0.1, momentum: 0.9)")]
    [InlineData("linear-decay", false, "Dense(89, Sigmoid), Dense(10, Linear)", "SoftmaxCrossEntropy",
        "SGDMomentum(learningRate: 0.15, momentum: 0.9, Linear decay to 0.05)")]
    [InlineData("glorot", false, "Dense(89, Sigmoid, Glorot), Dense(10, Linear, Glorot)", "SoftmaxCrossEntropy",
        "SGDMomentum(learningRate: 0.2, momentum: 0.9, Exponential decay to 0.05)")]
    [InlineData("deep-dropout", false, "Dense(178, Tanh, Glorot, keep 0.8), Dense(46, Tanh, Glorot, keep 0.8), Dense(10, Linear, Glorot)",
        "SoftmaxCrossEntropy", "SGDMomentum(learningRate: 0.2, momentum: 0.9, Exponential decay to 0.05)")]
    [InlineData("book", false, "Conv2D(16, 5x5, Tanh, flatten, Glorot, keep 0.8), Dense(10, Linear)", "SoftmaxCrossEntropy",
        "SGDMomentum(learningRate: 0.1, momentum: 0.9)")]
    public void Each_experiment_describes_its_network_loss_and_optimizer(string name, bool book, string layers, string loss, string optimizer)
    {
        var experiment = BookExperiment.Find(name);
        Assert.Equal(layers, string.Join(", ", experiment.Layers(book)));
        Assert.Equal(loss, experiment.Loss(book).ToString());
        Assert.Equal(optimizer, experiment.Optimizer.ToString());
        var net = experiment.CreateNetwork(book);
        Assert.Equal(book, net.UsesBookSeeding());
        Assert.Equal(book && experiment.Chapter == 4, net.UsesNumPyArithmetic());
        Assert.Equal(190119, net.Seed);
        Assert.Equal($"NeuralNetwork([{layers}], {loss}, seed: 190119)", net.ToString());
    }

    [Fact]
    public void Book_mode_layers_use_the_books_glorot_and_dropout()
    {
        var layers = BookExperiment.Find("deep-dropout").Layers(book: true);
        Assert.All(layers, l => Assert.IsNotType<Dense>(l));
        Assert.Contains("BookGlorot", string.Join(", ", layers));
        Assert.Contains("Classic", string.Join(", ", layers));
    }

    [Fact]
    public void WithEpochs_makes_a_copy_with_another_length()
    {
        var original = BookExperiment.Find("linear-decay");
        var short_ = original.WithEpochs(3);
        Assert.Equal((3, 25, "linear-decay"), (short_.Epochs, original.Epochs, short_.Name));
        Assert.Equal(original.Optimizer, short_.Optimizer);
        Assert.Equal("epochs", Assert.Throws<global::DeepFunctional.InvalidValueException>(() => original.WithEpochs(0)).ParamName);
    }

    [Fact]
    public void A_chapter_4_run_prints_the_books_lines_and_returns_a_network_that_predicts_as_it_measured()
    {
        var recorder = new Recorder();
        var output = new StringWriter();
        var result = BookExperiment.Find("sce-sgd").WithEpochs(5).Run(Images, progress: recorder, output: output);

        Assert.Equal([5], result.Evaluations.Select(e => e.Epoch));
        Assert.Null(result.StoppedEarlyAt);
        Assert.True(result.Accuracy > 0.9, $"expected more than 90% on separable images, got {result.Accuracy}");
        Assert.Equal(5 * 10, recorder.Reports.Count(r => r.Kind == TrainingProgressKind.Batch));
        Assert.Equal($"Validation loss after 5 epochs is {F(result.Evaluations[0].Loss, "F3")}\nThe model validation accuracy is: {F(result.Accuracy * 100, "F2")}%\n",
            output.ToString().ReplaceLineEndings("\n"));
        Assert.Equal(result.AccuracyLine, output.ToString().ReplaceLineEndings("\n").Split('\n')[1]);
        Assert.Empty(result.Checks);

        var x = new double[200, 36];
        var pixels = Images.Test.Pixels;
        var train = Images.Train.Pixels.Select(p => (double)p).ToArray();
        double mean = train.Average(), std = Math.Sqrt(train.Select(p => (p - mean) * (p - mean)).Average());
        for (int i = 0; i < 200; i++)
            for (int j = 0; j < 36; j++)
                x[i, j] = (pixels[i * 36 + j] - mean) / std;
        var predicted = Classification.Argmax(result.Network.Predict(x));
        Assert.Equal(result.Predictions, predicted);
        Assert.Equal(result.Accuracy, Classification.Accuracy(predicted, Images.Test.Labels));
    }

    [Fact]
    public void A_chapter_4_run_in_single_precision_trains_in_floats()
    {
        var result = BookExperiment.Find("glorot").WithEpochs(5).Run(Images, precision: Precision.Single);
        Assert.Equal(Precision.Single, result.Network.Precision);
        Assert.Equal(1.0, result.Accuracy);
    }

    [Fact]
    public void Runs_are_reproducible_and_book_mode_differs_from_ours()
    {
        var experiment = BookExperiment.Find("deep-dropout").WithEpochs(2);
        var book = experiment.Run(Images, book: true);
        Assert.Equal(book.Predictions, experiment.Run(Images, book: true).Predictions);
        Assert.Equal(book.Network.GetParameters().Select(p => p.Values), experiment.Run(Images, book: true).Network.GetParameters().Select(p => p.Values));
        Assert.NotEqual(book.Network.GetParameters().Select(p => p.Values), experiment.Run(Images, book: false).Network.GetParameters().Select(p => p.Values));
        Assert.True(book.Book);
    }

    [Fact]
    public void Early_stopping_prints_the_books_chapter_4_message()
    {
        var random = new Random(5);
        var noisy = new ImageDataSet(Images.Train,
            new ImageSet(6, 6, 10, Images.Test.Pixels, Images.Test.Labels.Select(_ => random.Next(10)).ToArray()));
        var output = new StringWriter();
        var ours = BookExperiment.Find("sce-sgd").WithEpochs(40).Run(noisy, output: output);
        Assert.Equal(10, ours.StoppedEarlyAt);
        string best = F(ours.Evaluations[0].Loss, "F3");
        Assert.Contains($"\nLoss increased after epoch 10, final loss was {best}, \nusing the model from epoch 5", output.ToString().ReplaceLineEndings("\n"));
        var book = BookExperiment.Find("sce-sgd").WithEpochs(40).Run(noisy, book: true);
        Assert.Equal(10, book.StoppedEarlyAt);
    }

    [Fact]
    public void A_run_stops_when_cancelled()
    {
        Assert.ThrowsAny<OperationCanceledException>(() => BookExperiment.Find("mse").Run(Images, cancellation: new CancellationToken(true)));
        Assert.Throws<ArgumentNullException>(() => BookExperiment.Find("mse").Run(null!));
    }

    [Fact]
    public void A_chapter_5_run_checks_the_accuracy_after_100_batches_as_pinned()
    {
        var data = new ImageDataSet(SyntheticImages.Make(6060, 1, labelNoise: 0.2), SyntheticImages.Make(300, 2, labelNoise: 0.2));
        var output = new StringWriter();
        var result = BookExperiment.Find("book").Run(data, output: output);
        var check = Assert.Single(result.Checks);
        Assert.Equal((1, 100), (check.Epoch, check.Batches));
        // Pinned (as before the redesign): 239 of the 300 noisy-labelled test images after 100 batches, and the epoch's test loss.
        Assert.Equal(239.0 / 300.0, check.Accuracy);
        Assert.Equal("Validation accuracy after 100 batches is 79.67%", check.ToString());
        var evaluation = Assert.Single(result.Evaluations);
        Assert.Equal(4.212667683720832, evaluation.Loss, 12);
        Assert.Equal(239.0 / 300.0, result.Accuracy);
        Assert.Equal(300, result.Predictions.Count);
        Assert.StartsWith("Validation accuracy after 100 batches is 79.67%\nValidation loss after 1 epochs is 4.213\n", output.ToString().ReplaceLineEndings("\n"));
        Assert.Equal([1, 6, 6], result.Network.InputShape!);
    }
}
