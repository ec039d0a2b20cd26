using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using DeepFunctional.Cli;
using Xunit;

namespace DeepFunctional.CSharp.Tests;

/// <summary>deepfunctional ch5: its options, whole runs on made-up and on sliced real MNIST-format folders, the plot and the errors.</summary>
public partial class Chapter5CommandLineTests
{
    private sealed record Run(int ExitCode, string Stdout, string Stderr)
    {
        internal string[] Lines => Stdout.Split('\n');

        /// <summary>stdout with the training time (the only thing that changes from run to run) blanked.</summary>
        internal string Timeless => TrainingTime().Replace(Stdout, "Trained in <s> s");
    }

    [GeneratedRegex(@"Trained in \d+\.\d s")]
    private static partial Regex TrainingTime();

    private static Run Execute(bool progress, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = Program.Run(args, stdout, stderr, progressToStderr: progress, CancellationToken.None);
        return new Run(code, stdout.ToString().ReplaceLineEndings("\n"), stderr.ToString().ReplaceLineEndings("\n"));
    }

    private static Run Execute(params string[] args) => Execute(false, args);

    private static string F(double value, int decimals) => value.ToString("F" + decimals, CultureInfo.InvariantCulture);

    /// <summary>A folder of 6,060 made-up training images (101 batches: one accuracy check) and 300 test images.</summary>
    private static TempFolder WriteFolder()
    {
        var folder = new TempFolder();
        SyntheticImages.Make(6060, 1, labelNoise: 0.2).Save(folder.File("train-images-idx3-ubyte"), folder.File("train-labels-idx1-ubyte"));
        SyntheticImages.Make(300, 2, labelNoise: 0.2).Save(folder.File("t10k-images-idx3-ubyte"), folder.File("t10k-labels-idx1-ubyte"));
        return folder;
    }

    // ---------------------------------------------------------------- parser

    [Fact]
    public void ch5_alone_trains_the_books_network_on_Fashion_MNIST_in_double_precision_in_our_mode()
    {
        var c = CommandLine.Parse(["ch5"]);
        Assert.Equal(CommandKind.Chapter5, c.Kind);
        Assert.Equal(new Chapter5Settings(null, "book", Precision.Double, false, null, null), c.Chapter5);
        Assert.Equal("book", c.Chapter5.Experiment().Name);
        Assert.Equal(1, c.Chapter5.Experiment().Epochs);
    }

    [Fact]
    public void Every_ch5_option_is_parsed()
    {
        var c = CommandLine.Parse(["ch5", "--data", "some/dir", "--net=ch7", "--epochs", "3", "--precision", "single", "--plot", "run.PNG"]);
        Assert.Equal(new Chapter5Settings("some/dir", "ch7", Precision.Single, false, "run.PNG", 3), c.Chapter5);
        Assert.Equal(("ch7", 3), (c.Chapter5.Experiment().Name, c.Chapter5.Experiment().Epochs));
        Assert.True(CommandLine.Parse(["ch5", "--book", "--precision=double"]).Chapter5.Book);
    }

    [Theory]
    [InlineData("unknown option '--config' for ch5; expected one of --data, --net, --epochs, --precision, --book, --plot", "--config", "sce-sgd")]
    [InlineData("option --net expects one of book, ch7, got 'lenet'", "--net", "lenet")]
    [InlineData("option --net expects one of book, ch7, got nothing", "--net")]
    [InlineData("option --epochs expects an integer >= 1, got '0'", "--epochs", "0")]
    [InlineData("option --epochs expects an integer >= 1, got 'one'", "--epochs=one")]
    [InlineData("option --precision expects 'double' or 'single', got 'half'", "--precision", "half")]
    [InlineData("option --book expects double precision (the book's arithmetic), got --precision single", "--book", "--precision", "single")]
    [InlineData("option --book expects no value, got 'yes'", "--book=yes")]
    [InlineData("option --plot expects a file name ending in .png, got 'run.svg'", "--plot", "run.svg")]
    [InlineData("option --data expects a folder, got ''", "--data=")]
    [InlineData("option --net given more than once; expected it at most once", "--net", "book", "--net", "ch7")]
    [InlineData("unexpected argument 'book'; expected an option (--name value) after the command", "book")]
    public void Bad_ch5_arguments_are_refused_with_one_line_naming_what_was_expected(string message, params string[] args)
    {
        Assert.Equal(message, Assert.Throws<UsageException>(() => CommandLine.Parse(["ch5", .. args])).Message);
        var run = Execute(["ch5", .. args]);
        Assert.Equal(2, run.ExitCode);
        Assert.Equal("", run.Stdout);
        Assert.Equal($"deepfunctional: error: {message}\n", run.Stderr);
    }

    [Fact]
    public void Help_describes_ch5_its_networks_and_options()
    {
        var run = Execute("help");
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("ch5 [options]", run.Stdout);
        Assert.Contains("Options of ch5:", run.Stdout);
        Assert.Contains("--net book|ch7", run.Stdout);
        Assert.Contains("test accuracy every 100 batches", run.Stdout);
        Assert.Contains("(ch5: also when the data folder is missing)", run.Stdout);
        Assert.Equal(CommandKind.Help, CommandLine.Parse(["ch5", "--net", "ch7", "--help"]).Kind);
        Assert.Equal("unknown command 'ch7'; expected ch3, ch4, ch5, ch6, ch2 or help", Assert.Throws<UsageException>(() => CommandLine.Parse(["ch7"])).Message);
    }

    // ---------------------------------------------------------------- whole runs

    [Fact]
    public void A_run_prints_the_heading_the_accuracy_checks_the_test_loss_the_accuracy_and_the_time_and_nothing_else()
    {
        using var folder = WriteFolder();
        var run = Execute("ch5", "--data", folder.Path);
        Assert.Equal("", run.Stderr);
        Assert.Equal(0, run.ExitCode);

        // The numbers are pinned (the facade test pins the same run to 12 digits), not recomputed
        // with the library call the command makes.
        Assert.Equal(string.Join("\n",
            $"Data: {folder.Path}: training set 6060 images of 6x6, 10 classes; test set 300 images of 6x6, 10 classes",
            "",
            "book: the book's chapter 5: Conv2D(16, 5x5, tanh) flattened, Dense(10)",
            "Network: Conv2D(16, 5x5, Tanh, Glorot, flatten, keep 0.8), Dense(10, Linear); loss: SoftmaxCrossEntropy; optimizer: SGDMomentum(learningRate: 0.1, momentum: 0.9)",
            "Training: 1 epoch, batches of 60, test accuracy every 100 batches, seed 190119, our defaults, double precision",
            "Validation accuracy after 100 batches is 79.67%",
            "Validation loss after 1 epochs is 4.213",
            "The model validation accuracy is: 79.67%",
            "Trained in <s> s",
            ""), run.Timeless);
    }

    [Fact]
    public void The_chapter_7_network_in_single_precision_for_two_epochs_checks_in_each_epoch()
    {
        using var folder = WriteFolder();
        var run = Execute("ch5", "--data", folder.Path, "--net", "ch7", "--precision", "single", "--epochs", "2");
        Assert.Equal("", run.Stderr);
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("Training: 2 epochs, batches of 60, test accuracy every 100 batches, seed 190119, our defaults, single precision", run.Lines);
        Assert.Equal(2, run.Lines.Count(l => l.StartsWith("Validation accuracy after 100 batches is ", StringComparison.Ordinal)));
        Assert.StartsWith("ch7: chapter 7's CNN", run.Lines[2]);
    }

    [Fact]
    public void In_book_mode_the_heading_shows_the_books_layers_and_loss()
    {
        using var folder = WriteFolder();
        var run = Execute("ch5", "--data", folder.Path, "--book");
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("Network: Conv2D(16, 5x5, Tanh, BookGlorot, flatten, keep 0.8 book), Dense(10, Linear); loss: SoftmaxCrossEntropy(book); "
            + "optimizer: SGDMomentum(learningRate: 0.1, momentum: 0.9)", run.Lines);
        Assert.Contains(run.Lines, l => l.EndsWith(", book mode, double precision", StringComparison.Ordinal));
    }

    [Fact]
    public void With_progress_on_stderr_stdout_holds_exactly_the_same_lines_and_stderr_shows_the_batches()
    {
        using var folder = WriteFolder();
        var plain = Execute("ch5", "--data", folder.Path);
        var shown = Execute(true, "ch5", "--data", folder.Path);
        Assert.Equal(0, shown.ExitCode);
        Assert.Equal(plain.Timeless, shown.Timeless);
        Assert.Contains("book  epoch 1/1  loss ", shown.Stderr);
        Assert.Contains("101/101 batches", shown.Stderr);
        Assert.DoesNotContain("\u001b", shown.Stdout);
    }

    [Fact]
    public void The_plot_draws_the_batch_losses_and_the_accuracies_into_a_PNG()
    {
        using var folder = WriteFolder();
        string png = folder.File("run.png");
        var run = Execute("ch5", "--data", folder.Path, "--plot", png);
        Assert.Equal("", run.Stderr);
        Assert.Equal(0, run.ExitCode);
        Assert.Equal($"Loss and accuracy curves written to {png}", run.Lines.Where(l => l.Length > 0).Last());
        var bytes = File.ReadAllBytes(png);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, bytes[..8]);
        Assert.Equal(BatchPlot.Width, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16, 4)));
        Assert.Equal(BatchPlot.Height, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20, 4)));
        Assert.True(bytes.Length > 10_000, $"expected a drawn picture, got {bytes.Length} bytes");
    }

    [Fact]
    public void The_plotted_curves_place_checks_by_batches_trained_and_average_losses_over_ten_batches()
    {
        var curves = new BatchCurves([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 20, 30], [(100, 0.5), (12, 0.75)]);
        Assert.Equal([(10, 5.5), (12, 25.0)], curves.Means(10));
        var result = Chapter5Experiment.Find("book").WithEpochs(2).Run(new ImageDataSet(SyntheticImages.Make(6060, 1), SyntheticImages.Make(100, 2)).BookSplitImages());
        var of = BatchCurves.Of(result);
        Assert.Equal(202, of.BatchLosses.Count);
        Assert.Equal([100, 201, 202], of.Accuracies.Select(a => a.Batches));
        Assert.Equal(result.Accuracy, of.Accuracies[^1].Accuracy);
    }

    [Fact]
    public void An_unwritable_plot_file_is_one_error_line_and_exit_code_1()
    {
        using var folder = SyntheticImages.WriteFolder();
        string png = Path.Combine(folder.Path, "missing", "run.png");
        var run = Execute("ch5", "--data", folder.Path, "--plot", png);
        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith($"deepfunctional: error: --plot: cannot write '{png}': ", run.Stderr);
        Assert.Equal(1, run.Stderr.Count(c => c == '\n'));
    }

    // ---------------------------------------------------------------- errors

    [Fact]
    public void Without_the_data_the_CLI_says_how_to_get_it_and_exits_2()
    {
        using var folder = new TempFolder();
        string nowhere = Path.Combine(folder.Path, "fashion-mnist");
        var e = Assert.Throws<UsageException>(() =>
            Chapter5Runner.Run(Chapter5Settings.Default, new StringWriter(), null, CancellationToken.None, defaultFolder: nowhere));
        Assert.Equal($"found no Fashion-MNIST in {nowhere}; install it with 'apt-get install dataset-fashion-mnist', or give --data DIR "
            + "for a folder of MNIST-format files (train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, "
            + "t10k-labels-idx1-ubyte, each possibly .gz)", e.Message);

        var run = Execute("ch5", "--data", nowhere);
        Assert.Equal(2, run.ExitCode);
        Assert.Equal("", run.Stdout);
        Assert.StartsWith($"deepfunctional: error: --data: found no folder '{nowhere}'; expected a folder of MNIST-format files", run.Stderr);
        Assert.Equal(1, run.Stderr.Count(c => c == '\n'));
    }

    [Fact]
    public void A_malformed_file_is_one_error_line_naming_it_and_exit_code_1()
    {
        using var folder = SyntheticImages.WriteFolder();
        File.WriteAllBytes(folder.File("t10k-images-idx3-ubyte"), File.ReadAllBytes(folder.File("t10k-images-idx3-ubyte"))[..50]);
        var run = Execute("ch5", "--data", folder.Path);
        Assert.Equal(1, run.ExitCode);
        Assert.Equal("", run.Stdout);
        Assert.StartsWith($"deepfunctional: error: {folder.File("t10k-images-idx3-ubyte")}: the data is truncated", run.Stderr);
        Assert.Equal(1, run.Stderr.Count(c => c == '\n'));
    }

    [Fact]
    public void A_cancelled_ch5_run_says_so_and_exits_130()
    {
        using var folder = SyntheticImages.WriteFolder();
        var stderr = new StringWriter();
        int code = Program.Run(["ch5", "--data", folder.Path], new StringWriter(), stderr, progressToStderr: false, new CancellationToken(true));
        Assert.Equal(130, code);
        Assert.Equal("deepfunctional: cancelled" + Environment.NewLine, stderr.ToString());
    }

    // ---------------------------------------------------------------- the real Fashion-MNIST

    [FashionMnistFact]
    public void On_a_slice_of_real_Fashion_MNIST_the_book_mode_run_prints_the_same_lines_every_time()
    {
        // The first 6,060 training images (101 batches: one check) and 1,000 test images, through the whole
        // command line; a full epoch of 60,000 images takes over a minute, too long for a unit test.
        var real = Mnist.LoadFolder(Mnist.FashionMnistFolder);
        using var folder = new TempFolder();
        ImageSet First(ImageSet set, int count) =>
            new(set.Rows, set.Columns, set.Classes, set.Pixels.Span[..(count * set.PixelsPerImage)].ToArray(), set.Labels.Take(count).ToArray());
        First(real.Train, 6060).Save(folder.File("train-images-idx3-ubyte"), folder.File("train-labels-idx1-ubyte"));
        First(real.Test, 1000).Save(folder.File("t10k-images-idx3-ubyte"), folder.File("t10k-labels-idx1-ubyte"));
        var run = Execute("ch5", "--data", folder.Path, "--book");
        Assert.Equal("", run.Stderr);
        Assert.Equal(0, run.ExitCode);
        Assert.Equal(string.Join("\n",
            $"Data: {folder.Path}: training set 6060 images of 28x28, 10 classes; test set 1000 images of 28x28, 10 classes",
            "",
            "book: the book's chapter 5: Conv2D(16, 5x5, tanh) flattened, Dense(10)",
            "Network: Conv2D(16, 5x5, Tanh, BookGlorot, flatten, keep 0.8 book), Dense(10, Linear); loss: SoftmaxCrossEntropy(book); optimizer: SGDMomentum(learningRate: 0.1, momentum: 0.9)",
            "Training: 1 epoch, batches of 60, test accuracy every 100 batches, seed 190119, book mode, double precision",
            // Pinned with the current convolution kernels: Fashion-MNIST has no book numbers to compare with.
            "Validation accuracy after 100 batches is 76.50%",
            "Validation loss after 1 epochs is 8.899",
            "The model validation accuracy is: 76.20%",
            "Trained in <s> s",
            ""), run.Timeless);
    }
}
