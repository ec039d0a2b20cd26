using System;
using System.Linq;
using System.Threading;
using Xunit;

namespace DeepFunctional.CSharp.Tests;

/// <summary>The book's eight chapter-4 experiments: their definitions in both modes, and runs on small made-up images.</summary>
public class Chapter4ExperimentTests
{
    private static readonly ClassificationData<double> Images = SyntheticImages.DataSet().BookSplit();

    /// <summary>The same training images, but test labels drawn at random: the test loss soon rises, so training stops early.</summary>
    private static ClassificationData<double> RandomTestLabels()
    {
        var split = Images.ToSplit();
        var random = new Random(5);
        return new ClassificationData<double>(split.XTrain, Images.TrainLabels.ToArray(), split.XTest,
            Images.TestLabels.Select(_ => random.Next(10)).ToArray(), 10);
    }

    [Fact]
    public void The_eight_experiments_come_in_the_books_order_with_their_epochs()
    {
        Assert.Equal(["mse", "mse-normalized", "sce-sgd", "sce-momentum", "linear-decay", "exp-decay", "glorot", "deep-dropout"],
            Chapter4Experiment.Names);
        Assert.Equal([50, 50, 50, 50, 25, 25, 25, 20], Chapter4Experiment.All.Select(e => e.Epochs));
        Assert.All(Chapter4Experiment.All, e => Assert.False(string.IsNullOrWhiteSpace(e.Description)));
        Assert.Equal((60, 5, 190119L, 10), (Chapter4Experiment.BatchSize, Chapter4Experiment.EvalEvery, Chapter4Experiment.Seed, Chapter4Experiment.Classes));
        Assert.Equal("sce-sgd: linear outputs, softmax cross-entropy, SGD 0.1", Chapter4Experiment.Find("sce-sgd").ToString());
    }

    [Fact]
    public void Find_refuses_an_unknown_name_listing_the_known_ones()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Chapter4Experiment.Find("adam"));
        Assert.StartsWith("Chapter4Experiment.Find: expected one of mse, mse-normalized, sce-sgd, sce-momentum, linear-decay, exp-decay, glorot, deep-dropout, got 'adam'", e.Message);
        Assert.Throws<ArgumentNullException>(() => Chapter4Experiment.Find(null!));
    }

    [Theory]
    [InlineData("mse", false, "Dense(89, Sigmoid), Dense(10, Sigmoid)", "MeanSquaredError", "SGD(learningRate: 0.1)")]
    [InlineData("mse-normalized", false, "Dense(89, Sigmoid), Dense(10, Sigmoid)", "MeanSquaredError(normalize)", "SGD(learningRate: 0.1)")]
    [InlineData("mse-normalized", true, "Dense(89, Sigmoid), Dense(10, Sigmoid)", "MeanSquaredError(normalize, book)", "SGD(learningRate: 0.1)")]
    [InlineData("sce-sgd", false, "Dense(89, Sigmoid), Dense(10, Linear)", "SoftmaxCrossEntropy", "SGD(learningRate: 0.1)")]
    [InlineData("sce-sgd", true, "Dense(89, Sigmoid), Dense(10, Linear)", "SoftmaxCrossEntropy(book)", "SGD(learningRate: 0.1)")]
    [InlineData("sce-momentum", false, "Dense(89, Sigmoid), Dense(10, Linear)", "SoftmaxCrossEntropy", "SGDMomentum(learningRate: 0.1, momentum: 0.9)")]
    [InlineData("linear-decay", false, "Dense(89, Sigmoid), Dense(10, Linear)", "SoftmaxCrossEntropy",
        "SGDMomentum(learningRate: 0.15, momentum: 0.9, Linear decay to 0.05)")]
    [InlineData("exp-decay", true, "Dense(89, Sigmoid), Dense(10, Linear)", "SoftmaxCrossEntropy(book)",
        "SGDMomentum(learningRate: 0.2, momentum: 0.9, Exponential decay to 0.05)")]
    [InlineData("glorot", false, "Dense(89, Sigmoid, Glorot), Dense(10, Linear, Glorot)", "SoftmaxCrossEntropy",
        "SGDMomentum(learningRate: 0.2, momentum: 0.9, Exponential decay to 0.05)")]
    [InlineData("glorot", true, "Dense(89, Sigmoid, BookGlorot), Dense(10, Linear, BookGlorot)", "SoftmaxCrossEntropy(book)",
        "SGDMomentum(learningRate: 0.2, momentum: 0.9, Exponential decay to 0.05)")]
    [InlineData("deep-dropout", false, "Dense(178, Tanh, Glorot, keep 0.8), Dense(46, Tanh, Glorot, keep 0.8), Dense(10, Linear, Glorot)",
        "SoftmaxCrossEntropy", "SGDMomentum(learningRate: 0.2, momentum: 0.9, Exponential decay to 0.05)")]
    [InlineData("deep-dropout", true,
        "Dense(178, Tanh, BookGlorot, keep 0.8 book), Dense(46, Tanh, BookGlorot, keep 0.8 book), Dense(10, Linear, BookGlorot)",
        "SoftmaxCrossEntropy(book)", "SGDMomentum(learningRate: 0.2, momentum: 0.9, Exponential decay to 0.05)")]
    public void Each_experiment_describes_its_network_loss_and_optimizer_in_both_modes(
        string name, bool book, string layers, string loss, string optimizer)
    {
        var experiment = Chapter4Experiment.Find(name);
        Assert.Equal(layers, string.Join(", ", experiment.Layers(book)));
        Assert.Equal(loss, experiment.Loss(book).ToString());
        Assert.Equal(optimizer, experiment.Optimizer.ToString());
        var net = experiment.CreateNetwork(book);
        Assert.Equal(book ? Seeding.Book : Seeding.PerNetwork, net.Seeding);
        Assert.Equal(book ? Arithmetic.NumPy : Arithmetic.Fast, net.Arithmetic);
        Assert.Equal(190119, net.Seed);
        Assert.Equal(10, net.OutputFeatures);
        Assert.Equal($"NeuralNetwork([{layers}], {loss}, seed: 190119)", net.ToString());
    }

    [Fact]
    public void WithEpochs_makes_a_copy_with_another_length()
    {
        var original = Chapter4Experiment.Find("linear-decay");
        var short_ = original.WithEpochs(3);
        Assert.Equal((3, 25, "linear-decay"), (short_.Epochs, original.Epochs, short_.Name));
        Assert.Equal(original.Optimizer.ToString(), short_.Optimizer.ToString());
        Assert.Equal("epochs", Assert.Throws<ArgumentOutOfRangeException>(() => original.WithEpochs(0)).ParamName);
    }

    [Fact]
    public void A_run_reports_evaluations_training_losses_accuracy_and_a_network_that_predicts_as_it_measured()
    {
        var recorder = new Recorder();
        var result = Chapter4Experiment.Find("sce-sgd").WithEpochs(5).Run(Images, progress: recorder);

        Assert.Equal([5], result.Evaluations.Select(e => e.Epoch));
        Assert.Null(result.StoppedEarlyAt);
        Assert.Equal((5, Precision.Double, false), (result.EpochsCompleted, result.Precision, result.Book));
        Assert.Equal(5, result.TrainingLosses.Count);
        Assert.True(result.TrainingLosses[4] < result.TrainingLosses[0]);
        Assert.True(result.Accuracy > 0.9, $"expected more than 90% on separable images, got {result.Accuracy}");
        Assert.Equal("The model validation accuracy is: " + (result.Accuracy * 100).ToString("F2", System.Globalization.CultureInfo.InvariantCulture) + "%",
            result.AccuracyLine);
        Assert.Equal(5 * 10, recorder.Reports.Count(r => r.Kind == TrainingProgressKind.BatchCompleted));
        Assert.Equal(["Validation loss after 5 epochs is " + result.Evaluations[0].Loss.ToString("F3", System.Globalization.CultureInfo.InvariantCulture)],
            recorder.Reports.Select(r => r.BookLine).OfType<string>());

        var test = Images.ToSplit();
        Assert.Equal(result.Predictions, result.Network.PredictClasses(test.XTest));
        Assert.Equal(result.Accuracy, Classification.Accuracy(result.Predictions.ToArray(), Images.TestLabels.ToArray()));
        Assert.Equal(result.Evaluations[0].Loss, result.ValidationLoss, 12);
        Assert.Equal(result.ValidationLoss, result.Network.Loss(test.XTest, test.YTest), 12);
        var confusion = result.ConfusionMatrix();
        Assert.Equal(200, confusion.Cast<int>().Sum());
        Assert.Equal(result.Accuracy * 200, Enumerable.Range(0, 10).Sum(i => confusion[i, i]), 9);
    }

    [Fact]
    public void A_run_in_single_precision_trains_the_same_experiment_in_floats()
    {
        var result = Chapter4Experiment.Find("glorot").WithEpochs(5).Run(SyntheticImages.DataSet().BookSplitSingle());
        Assert.Equal(Precision.Single, result.Precision);
        Assert.Equal(Precision.Single, result.Network.Precision);
        Assert.Equal(1.0, result.Accuracy);
        Assert.Equal(5, result.TrainingLosses.Count);
    }

    [Fact]
    public void Runs_are_reproducible_and_book_mode_differs_from_ours()
    {
        var experiment = Chapter4Experiment.Find("deep-dropout").WithEpochs(2);
        var book = experiment.Run(Images, book: true);
        Assert.Equal(book.TrainingLosses, experiment.Run(Images, book: true).TrainingLosses);
        Assert.NotEqual(book.TrainingLosses, experiment.Run(Images, book: false).TrainingLosses);
        Assert.True(book.Book);
    }

    [Fact]
    public void Early_stopping_prints_the_books_chapter_4_message_and_keeps_the_model_the_mode_chooses()
    {
        var data = RandomTestLabels();
        var experiment = Chapter4Experiment.Find("sce-sgd").WithEpochs(40);
        var recorder = new Recorder();
        var ours = experiment.Run(data, progress: recorder);

        Assert.Equal(10, ours.StoppedEarlyAt);
        Assert.Equal(10, ours.EpochsCompleted);
        Assert.Equal(10, ours.TrainingLosses.Count);
        var stopped = Assert.Single(recorder.Reports, r => r.Kind == TrainingProgressKind.EarlyStopped);
        string best = ours.Evaluations[0].Loss.ToString("F3", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal($"\nLoss increased after epoch 10, final loss was {best}, \nusing the model from epoch 5", stopped.BookLine);
        Assert.Equal(ours.Evaluations[0].Loss, ours.ValidationLoss, 12);

        var book = experiment.Run(data, book: true);
        Assert.Equal(10, book.StoppedEarlyAt);
        // The book keeps the model from before the last epoch (after epoch 9), evaluated by neither.
        Assert.NotEqual(book.Evaluations[0].Loss, book.ValidationLoss, 6);
        Assert.NotEqual(book.Evaluations[1].Loss, book.ValidationLoss, 6);
    }

    [Fact]
    public void A_run_needs_data_of_10_classes_and_stops_when_cancelled()
    {
        var nine = new ImageDataSet(SyntheticImages.Make(60, 1, classes: 9), SyntheticImages.Make(20, 2, classes: 9)).BookSplit();
        var e = Assert.Throws<ShapeMismatchException>(() => Chapter4Experiment.Find("mse").Run(nine));
        Assert.Equal("Chapter4Experiment.Run: expected data of 10 classes (the network has 10 outputs), got 9 classes", e.Message);
        Assert.Throws<ArgumentNullException>(() => Chapter4Experiment.Find("mse").Run((ClassificationData<double>)null!));
        Assert.ThrowsAny<OperationCanceledException>(() => Chapter4Experiment.Find("mse").Run(Images, cancellationToken: new CancellationToken(true)));
    }
}
