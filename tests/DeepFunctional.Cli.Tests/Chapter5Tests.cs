using System;
using System.IO;
using System.Linq;
using System.Threading;
using DeepFunctional.Cli;
using Xunit;

namespace DeepFunctional.Cli.Tests;

/// <summary>deepfunctional ch5: its options, runs on made-up images, the plot, the model file, the errors.</summary>
public class Chapter5Tests
{
    [Fact]
    public void ch5_alone_is_the_books_network_for_one_epoch_in_double_precision()
    {
        var s = new Chapter5Settings();
        Assert.Equal(("book", Precision.Double, false, 1), (s.Net, s.Precision, s.Book, s.Experiment().Epochs));
        Assert.Equal(("ch7", 3), (new Chapter5Settings { Net = "ch7", Epochs = 3 }.Experiment().Name, new Chapter5Settings { Net = "ch7", Epochs = 3 }.Experiment().Epochs));
    }

    [Theory]
    [InlineData("option --net expects one of book, ch7, got 'lenet'", "--net", "lenet")]
    [InlineData("option --net expects a value, got nothing", "--net")]
    [InlineData("option --epochs expects an integer >= 1, got '0'", "--epochs", "0")]
    [InlineData("option --precision expects 'double' or 'single', got 'half'", "--precision", "half")]
    [InlineData("option --book expects double precision (the book's arithmetic), got --precision single", "--book", "--precision", "single")]
    [InlineData("option --plot expects a file name ending in .png, got 'run.svg'", "--plot", "run.svg")]
    public void Bad_ch5_values_are_refused_with_one_line_and_exit_code_2(string message, params string[] args)
    {
        var run = Cli.Execute(["ch5", .. args]);
        Assert.Equal(2, run.ExitCode);
        Assert.Equal("", run.Stdout);
        Assert.Equal($"deepfunctional: error: {message}\n", run.Stderr);
    }

    [Theory]
    [InlineData("--config", "sce-sgd")]
    [InlineData("--epochs=one")]
    [InlineData("book")]
    public void Bad_ch5_arguments_are_one_error_line_and_exit_code_2(params string[] args)
    {
        var run = Cli.Execute(["ch5", .. args]);
        Assert.Equal(2, run.ExitCode);
        Assert.Equal("", run.Stdout);
        Assert.StartsWith("deepfunctional: error: ", run.Stderr);
        Assert.Equal(1, run.Stderr.Count(c => c == '\n'));
    }

    [Fact]
    public void Help_describes_ch5()
    {
        var run = Cli.Execute("ch5", "--help");
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("deepfunctional ch5 [OPTIONS]", run.Console);
        Assert.Contains("--net <NAME>", run.Console);
        Assert.Contains("(ch5: also when the data folder is missing)", run.Console);
    }

    [Fact]
    public void A_run_prints_the_heading_the_test_loss_the_accuracy_and_the_time()
    {
        using var folder = SyntheticImages.WriteFolder();
        var run = Cli.Execute("ch5", "--data", folder.Path, "--precision", "single");
        Assert.Equal("", run.Stderr);
        Assert.Equal(0, run.ExitCode);
        var lines = run.Lines;
        Assert.Equal($"Data: {folder.Path}: training set 600 images of 6x6, 10 classes; test set 200 images of 6x6, 10 classes", lines[0]);
        Assert.Equal("book: the book's chapter 5: Conv2D(16, 5x5, tanh) flattened, Dense(10)", lines[2]);
        Assert.Equal("Network: Conv2D(16, 5x5, Tanh, Glorot, flatten, keep 0.8), Dense(10, Linear); loss: SoftmaxCrossEntropy; optimizer: SGDMomentum(learningRate: 0.1, momentum: 0.9)", lines[3]);
        Assert.Equal("Training: 1 epoch, batches of 60, test accuracy every 100 batches, seed 190119, our defaults, single precision", lines[4]);
        Assert.Matches(@"^Validation loss after 1 epochs is \d+\.\d{3}$", lines[5]);
        Assert.Matches(@"^The model validation accuracy is: \d+\.\d\d%$", lines[6]);
        Assert.Matches(@"^Trained in \d+\.\d s$", lines[7]);
    }

    [Fact]
    public void The_plot_and_the_model_file_are_written_after_the_run()
    {
        using var folder = SyntheticImages.WriteFolder();
        string png = folder.File("run.png"), model = folder.File("cnn.dfm");
        var run = Cli.Execute("ch5", "--data", folder.Path, "--net", "ch7", "--epochs", "2", "--plot", png, "--save", model);
        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Contains("Training: 2 epochs, batches of 60, test accuracy every 100 batches, seed 190119, our defaults, double precision", run.Lines);
        Assert.Equal(2, run.Lines.Count(l => l.StartsWith("Validation loss after ", StringComparison.Ordinal)));
        Assert.Contains($"Loss and accuracy curves written to {png}", run.Lines);
        Assert.Contains($"Model saved to {model}", run.Lines); // written before the plot, so that a failing plot never loses it
        var bytes = File.ReadAllBytes(png);
        Assert.Equal(BatchPlot.Width, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16, 4)));
        Assert.True(bytes.Length > 10_000, $"expected a drawn picture, got {bytes.Length} bytes");
        Assert.True(new FileInfo(model).Length > 1000);
    }

    [Fact]
    public void The_batch_curves_place_the_checks_and_the_final_accuracy_after_the_batches_trained()
    {
        var curves = new BatchCurves(Enumerable.Range(1, 12).Select(i => (double)i).ToArray(), []);
        Assert.Equal([(10, 5.5), (12, 11.5)], curves.Means(10));
        var of = BatchCurves.Of(new double[202], 101,
            [new DeepFunctional.Book.Chapter5.AccuracyCheck(1, 100, 0.5), new DeepFunctional.Book.Chapter5.AccuracyCheck(2, 100, 0.6)], 0.7);
        Assert.Equal([100, 201, 202], of.Accuracies.Select(a => a.Batches));
        Assert.Equal(0.7, of.Accuracies[^1].Accuracy);
    }

    [Fact]
    public void A_missing_data_folder_is_a_usage_error()
    {
        using var folder = new TempFolder();
        string nowhere = Path.Combine(folder.Path, "none");
        var run = Cli.Execute("ch5", "--data", nowhere);
        Assert.Equal(2, run.ExitCode);
        Assert.Equal("", run.Stdout);
        Assert.StartsWith($"deepfunctional: error: --data: found no folder '{nowhere}'; expected a folder of MNIST-format files", run.Stderr);
        Assert.Equal(1, run.Stderr.Count(c => c == '\n'));
    }

    [Fact]
    public void A_truncated_file_is_one_error_line_naming_it_and_exit_code_1()
    {
        using var folder = SyntheticImages.WriteFolder();
        string broken = folder.File("t10k-images-idx3-ubyte");
        File.WriteAllBytes(broken, File.ReadAllBytes(broken)[..100]);
        var run = Cli.Execute("ch5", "--data", folder.Path);
        Assert.Equal(1, run.ExitCode);
        Assert.Equal("", run.Stdout);
        Assert.StartsWith($"deepfunctional: error: {broken}: the data is truncated", run.Stderr);
    }

    [Fact]
    public void With_progress_stderr_shows_the_batches_of_the_epoch()
    {
        using var folder = SyntheticImages.WriteFolder();
        var run = Cli.Execute(true, CancellationToken.None, "ch5", "--data", folder.Path, "--precision", "single");
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("book  epoch 1/1  10/10 batches  loss ", run.Stderr);
        Assert.DoesNotContain("\r", run.Stdout);
    }
}
