using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using DeepFunctional.Cli;
using Xunit;

namespace DeepFunctional.CSharp.Tests;

/// <summary>deepfunctional ch4: its options, whole runs on made-up MNIST-format folders, the plot, the errors, and the real data.</summary>
public partial class Chapter4CommandLineTests
{
    private sealed record Run(int ExitCode, string Stdout, string Stderr)
    {
        internal string[] Lines => Stdout.Split('\n');

        /// <summary>stdout with the table's seconds column (the only thing that changes from run to run) blanked.</summary>
        internal string Timeless => SecondsColumn().Replace(Stdout, "  <s>");
    }

    [GeneratedRegex(@"  +\d+\.\d$", RegexOptions.Multiline)]
    private static partial Regex SecondsColumn();

    private static Run Execute(bool progress, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = Program.Run(args, stdout, stderr, progressToStderr: progress, CancellationToken.None);
        return new Run(code, stdout.ToString().ReplaceLineEndings("\n"), stderr.ToString().ReplaceLineEndings("\n"));
    }

    private static Run Execute(params string[] args) => Execute(false, args);

    private static string F(double value, int decimals) => value.ToString("F" + decimals, CultureInfo.InvariantCulture);

    // ---------------------------------------------------------------- parser

    [Fact]
    public void ch4_alone_runs_sce_sgd_on_Fashion_MNIST_in_double_precision_in_our_mode()
    {
        var c = CommandLine.Parse(["ch4"]);
        Assert.Equal(CommandKind.Chapter4, c.Kind);
        Assert.Equal(new Chapter4Settings(null, "sce-sgd", Precision.Double, false, null, null), c.Chapter4);
        Assert.Equal(["sce-sgd"], c.Chapter4.Experiments().Select(e => e.Name));
        Assert.Equal(50, c.Chapter4.Experiments()[0].Epochs);
    }

    [Fact]
    public void Every_ch4_option_is_parsed()
    {
        var c = CommandLine.Parse(["ch4", "--data", "some/dir", "--config=all", "--precision", "single", "--plot", "loss.PNG", "--epochs=3"]);
        Assert.Equal(new Chapter4Settings("some/dir", "all", Precision.Single, false, "loss.PNG", 3), c.Chapter4);
        Assert.Equal(Chapter4Experiment.Names, c.Chapter4.Experiments().Select(e => e.Name));
        Assert.All(c.Chapter4.Experiments(), e => Assert.Equal(3, e.Epochs));
        var book = CommandLine.Parse(["ch4", "--book", "--config", "deep-dropout", "--precision=double"]).Chapter4;
        Assert.True(book.Book);
        Assert.Equal("deep-dropout", book.Config);
    }

    [Theory]
    [InlineData("unknown option '--seed' for ch4; expected one of --data, --config, --precision, --book, --plot, --epochs", "--seed", "1")]
    [InlineData("option --book expects no value, got 'yes'", "--book=yes")]
    [InlineData("option --book expects double precision (the book's arithmetic), got --precision single", "--precision", "single", "--book")]
    [InlineData("option --config expects one of mse, mse-normalized, sce-sgd, sce-momentum, linear-decay, exp-decay, glorot, deep-dropout or all, got 'adam'", "--config", "adam")]
    [InlineData("option --plot expects a file name ending in .png, got 'loss.svg'", "--plot", "loss.svg")]
    [InlineData("option --epochs expects an integer >= 1, got '0'", "--epochs", "0")]
    [InlineData("option --data expects a folder, got nothing", "--data")]
    [InlineData("option --data expects a folder, got ''", "--data=")]
    [InlineData("option --book given more than once; expected it at most once", "--book", "--book")]
    [InlineData("unexpected argument 'mse'; expected an option (--name value) after the command", "mse")]
    public void Bad_ch4_arguments_are_refused_with_one_line_naming_what_was_expected(string message, params string[] args)
    {
        Assert.Equal(message, Assert.Throws<UsageException>(() => CommandLine.Parse(["ch4", .. args])).Message);
        var run = Execute(["ch4", .. args]);
        Assert.Equal(2, run.ExitCode);
        Assert.Equal("", run.Stdout);
        Assert.Equal($"deepfunctional: error: {message}\n", run.Stderr);
    }

    [Fact]
    public void Help_describes_ch4_and_how_to_get_the_data()
    {
        var run = Execute("help");
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("ch4 [options]", run.Stdout);
        Assert.Contains("--config NAME|all", run.Stdout);
        Assert.Contains("apt-get install dataset-fashion-mnist", run.Stdout);
        Assert.Contains("default sce-sgd", run.Stdout);
        Assert.Contains("130 when interrupted", run.Stdout);
        Assert.Equal(CommandKind.Help, CommandLine.Parse(["ch4", "--book", "-h"]).Kind);
    }

    // ---------------------------------------------------------------- whole runs

    [Fact]
    public void A_run_prints_the_heading_the_books_lines_the_accuracy_and_the_table_and_nothing_else()
    {
        using var folder = SyntheticImages.WriteFolder(gzip: true);
        var run = Execute("ch4", "--data", folder.Path, "--epochs", "5");
        Assert.Equal("", run.Stderr);
        Assert.Equal(0, run.ExitCode);

        // Pinned, not recomputed with the library call the command makes.
        const string loss = "0.215", accuracy = "93.50";
        Assert.Equal(string.Join("\n",
            $"Data: {folder.Path}: training set 600 images of 6x6, 10 classes; test set 200 images of 6x6, 10 classes",
            "",
            "sce-sgd: linear outputs, softmax cross-entropy, SGD 0.1",
            "Network: Dense(89, Sigmoid), Dense(10, Linear); loss: SoftmaxCrossEntropy; optimizer: SGD(learningRate: 0.1)",
            "Training: 5 epochs, batches of 60, evaluation every 5 epochs, seed 190119, our defaults, double precision",
            $"Validation loss after 5 epochs is {loss}",
            $"The model validation accuracy is: {accuracy}%",
            "",
            "config   mode  precision  epochs run  stopped early at  final validation loss  accuracy  seconds",
            "-------  ----  ---------  ----------  ----------------  ---------------------  --------  -------",
            $"sce-sgd  ours  double              5                 -                  {loss}    {accuracy}%  <s>",
            ""), run.Timeless);
    }

    [Fact]
    public void With_progress_on_stderr_stdout_holds_exactly_the_same_lines_and_stderr_shows_the_batches_and_running_loss()
    {
        using var folder = SyntheticImages.WriteFolder();
        var plain = Execute("ch4", "--data", folder.Path, "--epochs", "2", "--config", "sce-momentum");
        var shown = Execute(true, "ch4", "--data", folder.Path, "--epochs", "2", "--config", "sce-momentum");
        Assert.Equal(0, shown.ExitCode);
        Assert.Equal(plain.Timeless, shown.Timeless);
        Assert.Contains("sce-momentum  epoch 2/2  loss ", shown.Stderr);
        Assert.Contains("10/10 batches", shown.Stderr);
        Assert.DoesNotContain("\u001b", shown.Stdout);
    }

    [Fact]
    public void Running_all_eight_in_single_precision_draws_their_losses_into_one_PNG()
    {
        using var folder = SyntheticImages.WriteFolder();
        string png = folder.File("losses.png");
        var run = Execute("ch4", "--data", folder.Path, "--config", "all", "--epochs", "1", "--precision", "single", "--plot", png);
        Assert.Equal("", run.Stderr);
        Assert.Equal(0, run.ExitCode);
        var headings = run.Lines.Where(l => Chapter4Experiment.Names.Any(n => l.StartsWith(n + ": ", StringComparison.Ordinal))).ToArray();
        Assert.Equal(Chapter4Experiment.All.Select(e => e.ToString()), headings);
        var rows = run.Lines.Where(l => Chapter4Experiment.Names.Any(n => l.StartsWith(n + " ", StringComparison.Ordinal))).ToArray();
        Assert.Equal(Chapter4Experiment.Names, rows.Select(r => r.Split(' ')[0]));
        Assert.All(rows, r => Assert.Matches(@"^\S+ +ours +single +1 +- +\d+\.\d{3} +\d+\.\d\d% +\d+\.\d$", r));
        Assert.DoesNotContain(run.Lines, l => l.StartsWith("Validation loss", StringComparison.Ordinal));
        Assert.Equal($"Loss curves written to {png}", run.Lines.Where(l => l.Length > 0).Last());

        var bytes = File.ReadAllBytes(png);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, bytes[..8]);
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(bytes, 12, 4));
        Assert.Equal(LossPlot.Width, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16, 4)));
        Assert.Equal(LossPlot.Height, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20, 4)));
        Assert.True(bytes.Length > 10_000, $"expected a drawn picture, got {bytes.Length} bytes");
    }

    [Fact]
    public void The_plot_shows_the_training_and_validation_curves_of_a_run()
    {
        using var folder = new TempFolder();
        string png = folder.File("one.png");
        LossPlot.Save(png, "a test", [new LossCurves("sce-sgd", [2.0, 1.0, 0.7, 0.6, 0.5], [])]);
        long trainingOnly = new FileInfo(png).Length;
        var result = Chapter4Experiment.Find("sce-sgd").WithEpochs(10).Run(SyntheticImages.DataSet().BookSplit());
        LossPlot.Save(png, "a test", [LossCurves.Of(result)]);
        Assert.Equal(10, result.TrainingLosses.Count);
        Assert.Equal(2, result.Evaluations.Count);
        Assert.NotEqual(trainingOnly, new FileInfo(png).Length);
    }

    [Fact]
    public void An_unwritable_plot_file_is_one_error_line_and_exit_code_1()
    {
        using var folder = SyntheticImages.WriteFolder();
        string png = Path.Combine(folder.Path, "missing", "losses.png");
        var run = Execute("ch4", "--data", folder.Path, "--epochs", "1", "--plot", png);
        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith($"deepfunctional: error: --plot: cannot write '{png}': ", run.Stderr);
        Assert.Equal(1, run.Stderr.Count(c => c == '\n'));
    }

    [Fact]
    public async Task The_CLI_as_a_process_with_redirected_output_prints_exactly_the_plain_lines_on_stdout_and_nothing_on_stderr()
    {
        using var folder = SyntheticImages.WriteFolder();
        string[] args = ["ch4", "--data", folder.Path, "--epochs", "5", "--config", "glorot"];
        string host = Environment.ProcessPath is string p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p : "dotnet";
        var start = new ProcessStartInfo(host)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(typeof(Program).Assembly.Location);
        foreach (var a in args)
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        string stdout = await process.StandardOutput.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        Assert.Equal("", await stderr);
        Assert.Equal(0, process.ExitCode);
        Assert.Equal(Execute(args).Timeless, new Run(0, stdout.ReplaceLineEndings("\n"), "").Timeless);
    }

    // ---------------------------------------------------------------- errors

    [Fact]
    public void Without_the_data_the_CLI_says_how_to_get_it()
    {
        using var folder = new TempFolder();
        string nowhere = Path.Combine(folder.Path, "fashion-mnist");
        var e = Assert.Throws<RunFailedException>(() =>
            Chapter4Runner.Run(Chapter4Settings.Default, new StringWriter(), null, CancellationToken.None, defaultFolder: nowhere));
        Assert.Equal($"found no Fashion-MNIST in {nowhere}; install it with 'apt-get install dataset-fashion-mnist', or give --data DIR "
            + "for a folder of MNIST-format files (train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, "
            + "t10k-labels-idx1-ubyte, each possibly .gz)", e.Message);

        var run = Execute("ch4", "--data", nowhere);
        Assert.Equal(1, run.ExitCode);
        Assert.Equal("", run.Stdout);
        Assert.StartsWith($"deepfunctional: error: --data: found no folder '{nowhere}'; expected a folder of MNIST-format files", run.Stderr);
        Assert.Equal(1, run.Stderr.Count(c => c == '\n'));
    }

    [Theory]
    [InlineData("train-labels-idx1-ubyte", "train-images-idx3-ubyte", ": found magic number 0x00000801 at byte offset 0")]
    [InlineData(null, "t10k-labels-idx1-ubyte", ": the data is truncated")]
    public void A_malformed_file_is_one_error_line_naming_it_and_exit_code_1(string? copyFrom, string broken, string problem)
    {
        using var folder = SyntheticImages.WriteFolder();
        if (copyFrom is not null)
            File.Copy(folder.File(copyFrom), folder.File(broken), overwrite: true);
        else
            File.WriteAllBytes(folder.File(broken), File.ReadAllBytes(folder.File(broken))[..50]);
        var run = Execute("ch4", "--data", folder.Path);
        Assert.Equal(1, run.ExitCode);
        Assert.Equal("", run.Stdout);
        Assert.StartsWith($"deepfunctional: error: {folder.File(broken)}{problem}", run.Stderr);
        Assert.Equal(1, run.Stderr.Count(c => c == '\n'));
        Assert.DoesNotContain("Exception", run.Stderr);
    }

    [Fact]
    public void A_label_outside_0_to_9_is_one_error_line_naming_the_file()
    {
        using var folder = new TempFolder();
        new ImageSet(1, 1, 12, new byte[2], [11, 0]).Save(folder.File("train-images-idx3-ubyte"), folder.File("train-labels-idx1-ubyte"));
        SyntheticImages.Make(20, 2).Save(folder.File("t10k-images-idx3-ubyte"), folder.File("t10k-labels-idx1-ubyte"));
        var run = Execute("ch4", "--data", folder.Path);
        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith($"deepfunctional: error: {folder.File("train-labels-idx1-ubyte")}: found label 11 at index 0", run.Stderr);
    }

    [Fact]
    public void A_cancelled_ch4_run_says_so_and_exits_130()
    {
        using var folder = SyntheticImages.WriteFolder();
        var stderr = new StringWriter();
        int code = Program.Run(["ch4", "--data", folder.Path], new StringWriter(), stderr, progressToStderr: false, new CancellationToken(true));
        Assert.Equal(130, code);
        Assert.Equal("deepfunctional: cancelled" + Environment.NewLine, stderr.ToString());
    }

    // ---------------------------------------------------------------- the real Fashion-MNIST

    [FashionMnistFact]
    public void In_book_mode_sce_sgd_on_Fashion_MNIST_prints_the_books_loss_after_5_epochs()
    {
        var run = Execute("ch4", "--book", "--config", "sce-sgd", "--epochs", "5");
        Assert.Equal("", run.Stderr);
        Assert.Equal(0, run.ExitCode);
        Assert.Equal(string.Join("\n",
            $"Data: {Mnist.FashionMnistFolder}: training set 60000 images of 28x28, 10 classes; test set 10000 images of 28x28, 10 classes",
            "",
            "sce-sgd: linear outputs, softmax cross-entropy, SGD 0.1",
            "Network: Dense(89, Sigmoid), Dense(10, Linear); loss: SoftmaxCrossEntropy(book); optimizer: SGD(learningRate: 0.1)",
            "Training: 5 epochs, batches of 60, evaluation every 5 epochs, seed 190119, book mode, double precision",
            "Validation loss after 5 epochs is 1.040",
            "The model validation accuracy is: 79.06%",
            "",
            "config   mode  precision  epochs run  stopped early at  final validation loss  accuracy  seconds",
            "-------  ----  ---------  ----------  ----------------  ---------------------  --------  -------",
            "sce-sgd  book  double              5                 -                  1.040    79.06%  <s>",
            ""), run.Timeless);
    }

    [FashionMnistFact]
    public void In_book_mode_sce_momentum_on_Fashion_MNIST_prints_the_book_codes_loss_after_5_epochs_which_takes_NumPys_arithmetic()
    {
        // 0.833 is what the book's code prints (NumPy 1.24.2, reference BLAS); our own rounding
        // gave 0.831, as momentum magnifies one-ulp differences.
        var run = Execute("ch4", "--book", "--config", "sce-momentum", "--epochs", "5");
        Assert.Equal("", run.Stderr);
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("Validation loss after 5 epochs is 0.833\n", run.Timeless);
    }
}
