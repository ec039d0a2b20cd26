using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using DeepFunctional.Cli;
using Xunit;

namespace DeepFunctional.Cli.Tests;

/// <summary>deepfunctional ch4: its options, whole runs on made-up MNIST-format folders, the plot, the errors.</summary>
public partial class Chapter4Tests
{
    /// <summary>stdout with the table's seconds column (the only thing that changes from run to run) blanked.</summary>
    private static string Timeless(string stdout) => SecondsColumn().Replace(stdout, "  <s>");

    [GeneratedRegex(@"  +\d+\.\d$", RegexOptions.Multiline)]
    private static partial Regex SecondsColumn();

    [Fact]
    public void ch4_alone_means_sce_sgd_on_Fashion_MNIST_in_double_precision_in_our_mode()
    {
        var s = new Chapter4Settings();
        Assert.Equal(("sce-sgd", Precision.Double, false, null, null, ImageSettings.FashionMnistFolder),
            (s.Config, s.Precision, s.Book, s.PlotFile, s.Epochs, s.Folder));
        Assert.Equal(["sce-sgd"], s.Experiments().Select(e => e.Name));
        Assert.Equal(50, s.Experiments()[0].Epochs);
        var all = new Chapter4Settings { Config = "all", Epochs = 3 };
        Assert.Equal(Chapter4Settings.Names, all.Experiments().Select(e => e.Name));
        Assert.All(all.Experiments(), e => Assert.Equal(3, e.Epochs));
    }

    [Theory]
    [InlineData("option --book expects double precision (the book's arithmetic), got --precision single", "--precision", "single", "--book")]
    [InlineData("option --config expects one of mse, mse-normalized, sce-sgd, sce-momentum, linear-decay, exp-decay, glorot, deep-dropout or all, got 'adam'", "--config", "adam")]
    [InlineData("option --plot expects a file name ending in .png, got 'loss.svg'", "--plot", "loss.svg")]
    [InlineData("option --epochs expects an integer >= 1, got '0'", "--epochs", "0")]
    [InlineData("option --data expects a value, got nothing", "--data")]
    [InlineData("option --precision expects 'double' or 'single', got 'half'", "--precision", "half")]
    [InlineData("option --save and --onnx expect one experiment, got --config all", "--config", "all", "--save", "m.dfm")]
    public void Bad_ch4_values_are_refused_with_one_line_naming_what_was_expected(string message, params string[] args)
    {
        var run = Cli.Execute(["ch4", .. args]);
        Assert.Equal(2, run.ExitCode);
        Assert.Equal("", run.Stdout);
        Assert.Equal($"deepfunctional: error: {message}\n", run.Stderr);
    }

    [Theory]
    [InlineData("--seed", "1")]
    [InlineData("--book=yes")]
    [InlineData("--data=")]
    [InlineData("--epochs")]
    [InlineData("mse")]
    public void Bad_ch4_arguments_are_one_error_line_and_exit_code_2(params string[] args)
    {
        var run = Cli.Execute(["ch4", .. args]);
        Assert.Equal(2, run.ExitCode);
        Assert.Equal("", run.Stdout);
        Assert.StartsWith("deepfunctional: error: ", run.Stderr);
        Assert.Equal(1, run.Stderr.Count(c => c == '\n'));
    }

    [Fact]
    public void Help_describes_ch4_and_how_to_get_the_data()
    {
        var run = Cli.Execute("help", "ch4");
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("deepfunctional ch4 [OPTIONS]", run.Console);
        Assert.Contains("--config <NAME>", run.Console);
        Assert.Contains("apt-get install dataset-fashion-mnist", run.Console);
        Assert.Contains("default sce-sgd", run.Console);
        Assert.Contains("130 when interrupted", run.Console);
        Assert.Equal(run.Console, Cli.Execute("ch4", "--book", "-h").Console);
    }

    [Fact]
    public void A_run_prints_the_heading_the_books_lines_the_accuracy_and_the_table_and_nothing_else()
    {
        using var folder = SyntheticImages.WriteFolder(gzip: true);
        var run = Cli.Execute("ch4", "--data", folder.Path, "--epochs", "5");
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
            ""), Timeless(run.Stdout));
    }

    [Fact]
    public void In_book_mode_the_heading_names_the_books_loss_and_initialisation()
    {
        using var folder = SyntheticImages.WriteFolder();
        var run = Cli.Execute("ch4", "--data", folder.Path, "--epochs", "1", "--book", "--config", "deep-dropout");
        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Contains("Network: Dense(178, Tanh, BookGlorot, keep 0.8 book), Dense(46, Tanh, BookGlorot, keep 0.8 book), Dense(10, Linear, BookGlorot); "
            + "loss: SoftmaxCrossEntropy(book); optimizer: SGDMomentum(learningRate: 0.2, momentum: 0.9, Exponential decay to 0.05)", run.Lines);
        Assert.Contains(run.Lines, l => l.EndsWith(", book mode, double precision", StringComparison.Ordinal));
    }

    [Fact]
    public void With_progress_on_stderr_stdout_holds_exactly_the_same_lines_and_stderr_shows_the_batches_and_running_loss()
    {
        using var folder = SyntheticImages.WriteFolder();
        var plain = Cli.Execute("ch4", "--data", folder.Path, "--epochs", "2", "--config", "sce-momentum");
        var shown = Cli.Execute(true, CancellationToken.None, "ch4", "--data", folder.Path, "--epochs", "2", "--config", "sce-momentum");
        Assert.Equal(0, shown.ExitCode);
        Assert.Equal(Timeless(plain.Stdout), Timeless(shown.Stdout));
        Assert.Contains("sce-momentum  epoch 2/2  10/10 batches  loss ", shown.Stderr);
        Assert.DoesNotContain("\r", shown.Stdout);
    }

    [Fact]
    public void Running_all_eight_in_single_precision_draws_their_losses_into_one_PNG()
    {
        using var folder = SyntheticImages.WriteFolder();
        string png = folder.File("losses.png");
        var run = Cli.Execute("ch4", "--data", folder.Path, "--config", "all", "--epochs", "1", "--precision", "single", "--plot", png);
        Assert.Equal("", run.Stderr);
        Assert.Equal(0, run.ExitCode);
        var names = Chapter4Settings.Names;
        var rows = run.Lines.Where(l => names.Any(n => l.StartsWith(n + " ", StringComparison.Ordinal))).ToArray();
        Assert.Equal(names, rows.Select(r => r.Split(' ')[0]));
        // One epoch is not evaluated (evaluation every 5): the final validation loss is "-".
        Assert.All(rows, r => Assert.Matches(@"^\S+ +ours +single +1 +- +- +\d+\.\d\d% +\d+\.\d$", r));
        Assert.DoesNotContain(run.Lines, l => l.StartsWith("Validation loss", StringComparison.Ordinal));
        Assert.Equal($"Loss curves written to {png}", run.Lines.Where(l => l.Length > 0).Last());
        var bytes = File.ReadAllBytes(png);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, bytes[..8]);
        Assert.Equal(LossPlot.Width, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16, 4)));
        Assert.Equal(LossPlot.Height, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20, 4)));
        Assert.True(bytes.Length > 10_000, $"expected a drawn picture, got {bytes.Length} bytes");
    }

    [Fact]
    public void An_unwritable_plot_or_model_file_is_refused_before_the_data_is_read()
    {
        using var folder = SyntheticImages.WriteFolder();
        foreach (var option in new[] { "--plot", "--save", "--onnx" })
        {
            string file = Path.Combine(folder.Path, "missing", "out.png");
            var run = Cli.Execute("ch4", "--data", folder.Path, "--epochs", "1", option, file);
            Assert.Equal(1, run.ExitCode);
            Assert.Equal("", run.Stdout);
            Assert.StartsWith($"deepfunctional: error: {option}: cannot write '{file}': found no folder", run.Stderr);
            Assert.Equal(1, run.Stderr.Count(c => c == '\n'));
        }
    }

    [Fact]
    public async Task The_CLI_as_a_process_with_redirected_output_prints_exactly_the_plain_lines_on_stdout_and_nothing_on_stderr()
    {
        using var folder = SyntheticImages.WriteFolder();
        string[] args = ["ch4", "--data", folder.Path, "--epochs", "5", "--config", "glorot"];
        string host = Environment.ProcessPath is string p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p : "dotnet";
        var start = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
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
        Assert.Equal(Timeless(Cli.Execute(args).Stdout), Timeless(stdout.Replace("\r\n", "\n", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_missing_data_folder_says_what_it_expects()
    {
        using var folder = new TempFolder();
        string nowhere = Path.Combine(folder.Path, "fashion-mnist");
        Assert.Equal($"found no Fashion-MNIST in {nowhere}; install it with 'apt-get install dataset-fashion-mnist', or give --data DIR "
            + "for a folder of MNIST-format files (train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, "
            + "t10k-labels-idx1-ubyte, each possibly .gz)", Images.MissingFolder(null, nowhere));
        var run = Cli.Execute("ch4", "--data", nowhere);
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
        var run = Cli.Execute("ch4", "--data", folder.Path);
        Assert.Equal(1, run.ExitCode);
        Assert.Equal("", run.Stdout);
        Assert.StartsWith($"deepfunctional: error: {folder.File(broken)}{problem}", run.Stderr);
        Assert.Equal(1, run.Stderr.Count(c => c == '\n'));
        Assert.DoesNotContain("Exception", run.Stderr);
    }

    [Fact]
    public void A_missing_file_is_one_error_line_naming_it()
    {
        using var folder = SyntheticImages.WriteFolder();
        File.Delete(folder.File("t10k-labels-idx1-ubyte"));
        var run = Cli.Execute("ch4", "--data", folder.Path);
        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith("deepfunctional: error: found no t10k-labels-idx1-ubyte(.gz) in ", run.Stderr);
        Assert.Equal(1, run.Stderr.Count(c => c == '\n'));
    }

    [Fact]
    public void A_cancelled_ch4_run_says_so_and_exits_130()
    {
        using var folder = SyntheticImages.WriteFolder();
        var run = Cli.Execute(false, new CancellationToken(true), "ch4", "--data", folder.Path);
        Assert.Equal(130, run.ExitCode);
        Assert.Equal("deepfunctional: cancelled\n", run.Stderr);
    }

    [FashionMnistFact]
    public void In_book_mode_sce_sgd_on_Fashion_MNIST_prints_the_books_loss_after_5_epochs()
    {
        var run = Cli.Execute("ch4", "--book", "--config", "sce-sgd", "--epochs", "5");
        Assert.Equal("", run.Stderr);
        Assert.Equal(0, run.ExitCode);
        Assert.Equal(string.Join("\n",
            $"Data: {ImageSettings.FashionMnistFolder}: training set 60000 images of 28x28, 10 classes; test set 10000 images of 28x28, 10 classes",
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
            ""), Timeless(run.Stdout));
    }
}
