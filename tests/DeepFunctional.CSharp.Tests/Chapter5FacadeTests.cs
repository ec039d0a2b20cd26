using System;
using System.Linq;
using Xunit;

namespace DeepFunctional.CSharp.Tests;

/// <summary>The chapter-5 experiments in the facade: their definitions, runs on made-up images, the accuracy checks and the results.</summary>
public class Chapter5FacadeTests
{
    /// <summary>6,060 training images (101 batches of 60: one accuracy check) and 300 test images of 6×6, standardised.</summary>
    private static ClassificationData<double> Data() => new ImageDataSet(SyntheticImages.Make(6060, 1, labelNoise: 0.2), SyntheticImages.Make(300, 2, labelNoise: 0.2)).BookSplitImages();

    [Fact]
    public void The_experiments_are_the_books_network_and_chapter_7s_each_one_epoch()
    {
        Assert.Equal(["book", "ch7"], Chapter5Experiment.Names);
        var book = Chapter5Experiment.Find("book");
        Assert.Equal(1, book.Epochs);
        Assert.Equal(["Conv2D(16, 5x5, Tanh, BookGlorot, flatten, keep 0.8 book)", "Dense(10, Linear)"], book.Layers(book: true).Select(l => l.ToString()));
        Assert.Equal(["Conv2D(16, 5x5, Tanh, Glorot, flatten, keep 0.8)", "Dense(10, Linear)"], book.Layers().Select(l => l.ToString()));
        Assert.Equal("SGDMomentum(learningRate: 0.1, momentum: 0.9)", book.Optimizer.ToString());
        Assert.Equal("SoftmaxCrossEntropy(book)", book.Loss(book: true).ToString());
        var ch7 = Chapter5Experiment.Find("ch7");
        Assert.Equal(["Conv2D(14, 5x5, Tanh, Glorot)", "Conv2D(7, 5x5, Tanh, Glorot, flatten)", "Dense(32, Tanh, Glorot, keep 0.8)", "Dense(10, Linear, Glorot)"],
            ch7.Layers().Select(l => l.ToString()));
        Assert.Equal("SGDMomentum(learningRate: 0.01, momentum: 0.9)", ch7.Optimizer.ToString());
        Assert.Equal(Seeding.Book, book.CreateNetwork(book: true).Seeding);
        Assert.Equal(Chapter5Experiment.Seed, ch7.CreateNetwork().Seed);
        Assert.Equal((60, 100, 190119L), (Chapter5Experiment.BatchSize, Chapter5Experiment.CheckEvery, Chapter5Experiment.Seed));
        Assert.Equal(3, book.WithEpochs(3).Epochs);
        Assert.Equal(1, book.Epochs);
        Assert.StartsWith("book: the book's chapter 5", book.ToString());
    }

    [Fact]
    public void Find_and_WithEpochs_refuse_what_does_not_exist()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Chapter5Experiment.Find("lenet"));
        Assert.StartsWith("Chapter5Experiment.Find: expected one of book, ch7, got 'lenet'", e.Message);
        Assert.Throws<ArgumentNullException>(() => Chapter5Experiment.Find(null!));
        Assert.Equal("epochs", Assert.Throws<ArgumentOutOfRangeException>(() => Chapter5Experiment.Find("book").WithEpochs(0)).ParamName);
    }

    [Fact]
    public void A_run_reports_each_batch_the_accuracy_after_100_batches_and_the_epochs_test_loss()
    {
        var data = Data();
        var recorder = new Recorder();
        var result = Chapter5Experiment.Find("book").Run(data, progress: recorder);
        var check = Assert.Single(result.Checks);
        Assert.Equal((1, 100), (check.Epoch, check.Batches));
        // Pinned: 239 of the 300 noisy-labelled test images after 100 batches, and the epoch's test loss.
        Assert.Equal(239.0 / 300.0, check.Accuracy);
        var reported = Assert.Single(recorder.Reports, r => r.Kind == TrainingProgressKind.AccuracyChecked);
        Assert.Equal(check.ToString(), reported.BookLine);
        Assert.Equal(check.Accuracy, reported.Accuracy);
        Assert.Equal(100, reported.Batch);
        Assert.Matches(@"^Validation accuracy after 100 batches is \d+\.\d\d%$", check.ToString());
        // The check comes right after the 100th batch.
        int at = recorder.Reports.IndexOf(reported);
        Assert.Equal((TrainingProgressKind.BatchCompleted, 100), (recorder.Reports[at - 1].Kind, recorder.Reports[at - 1].Batch));
        Assert.Equal(101, result.BatchLosses.Count);
        Assert.Equal(recorder.Reports.Where(r => r.Kind == TrainingProgressKind.BatchCompleted).Select(r => r.Loss), result.BatchLosses);
        Assert.Equal(result.BatchLosses.Average(), Assert.Single(result.TrainingLosses), 12);
        var evaluation = Assert.Single(result.Evaluations);
        Assert.Equal(evaluation.Loss, result.ValidationLoss);
        Assert.Equal(4.212667683720832, evaluation.Loss, 12);
        Assert.Equal(239.0 / 300.0, result.Accuracy);
        Assert.Equal("Validation loss after 1 epochs is " + evaluation.Loss.ToString("F3", System.Globalization.CultureInfo.InvariantCulture),
            recorder.Reports.Single(r => r.Kind == TrainingProgressKind.Evaluated).BookLine);
        Assert.Equal((1, Precision.Double, false), (result.EpochsCompleted, result.Precision, result.Book));
        Assert.Equal(300, result.Predictions.Count);
    }

    [Fact]
    public void The_results_network_is_the_trained_one_and_its_accuracy_is_the_runs()
    {
        var data = Data();
        var result = Chapter5Experiment.Find("book").Run(data);
        var split = data.ToImageSplit();
        var labels = data.TestLabels.ToArray();
        Assert.Equal(result.Accuracy, result.Network.Accuracy(split.XTest, labels));
        Assert.Equal(result.Predictions, result.Network.PredictClasses(split.XTest));
        Assert.Equal(result.ValidationLoss, result.Network.Loss(split.XTest, split.YTest), 12);
        Assert.Equal($"The model validation accuracy is: {result.Accuracy * 100:F2}%", result.AccuracyLine);
        var confusion = result.ConfusionMatrix();
        Assert.Equal(300, confusion.Cast<int>().Sum());
        Assert.Equal(result.Predictions.Zip(labels).Count(p => p.First == p.Second), Enumerable.Range(0, 10).Sum(i => confusion[i, i]));
        Assert.IsType<Conv2DParameters>(result.Network.GetLayerParameters()[0]);
    }

    [Fact]
    public void Runs_are_reproducible_and_run_in_single_precision_and_in_book_mode()
    {
        var data = Data();
        var a = Chapter5Experiment.Find("book").Run(data, book: true);
        var b = Chapter5Experiment.Find("book").Run(data, book: true);
        Assert.Equal(a.Checks.Select(c => c.Accuracy), b.Checks.Select(c => c.Accuracy));
        Assert.Equal(a.BatchLosses, b.BatchLosses);
        Assert.True(a.Book);
        Assert.Equal(Seeding.Book, a.Network.Seeding);
        var single = Chapter5Experiment.Find("book").Run(new ImageDataSet(SyntheticImages.Make(6060, 1), SyntheticImages.Make(300, 2)).BookSplitImagesSingle());
        Assert.Equal(Precision.Single, single.Precision);
        Assert.Single(single.Checks);
        Assert.Equal(Precision.Single, single.Network.Precision);
    }

    [Fact]
    public void The_chapter_7_network_trains_on_images_too()
    {
        var data = new ImageDataSet(SyntheticImages.Make(600, 1), SyntheticImages.Make(100, 2)).BookSplitImages();
        var result = Chapter5Experiment.Find("ch7").WithEpochs(2).Run(data);
        Assert.Equal(2, result.EpochsCompleted);
        Assert.Equal(20, result.BatchLosses.Count);
        Assert.Empty(result.Checks);
        Assert.Equal(4, result.Network.GetLayerParameters().Count);
    }

    [Fact]
    public void A_run_refuses_rows_of_features_data_of_other_classes_and_images_too_small_for_the_network()
    {
        var flat = Assert.Throws<ShapeMismatchException>(() => Chapter5Experiment.Find("book").Run(SyntheticImages.DataSet().BookSplit()));
        Assert.Equal("Chapter5Experiment.Run: expected images [channels, height, width] (ImageDataSet.BookSplitImages), got rows of 36 features", flat.Message);
        var classes = new ImageDataSet(SyntheticImages.Make(60, 1, classes: 3), SyntheticImages.Make(20, 2, classes: 3)).BookSplitImages();
        Assert.Contains("data of 10 classes", Assert.Throws<ShapeMismatchException>(() => Chapter5Experiment.Find("book").Run(classes)).Message);
        var tiny = new ClassificationData<double>(new double[60, 1, 1, 1], new int[60], new double[10, 1, 1, 1], new int[10], 10);
        Assert.Throws<ArgumentNullException>(() => Chapter5Experiment.Find("book").Run((ClassificationData<double>)null!));
        // The book's layer pads by 2 ("same" padding), so even one pixel is a valid image for it.
        Assert.Empty(Chapter5Experiment.Find("book").Run(tiny).Checks);
    }
}
