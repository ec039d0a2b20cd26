using System;
using System.IO;
using System.Linq;
using System.Threading;
using DeepFunctional.Cli;
using Xunit;

namespace DeepFunctional.Cli.Tests;

/// <summary>The command line as a whole, ch3 (the default command) and ch2: options, help, errors and whole runs.</summary>
public class CommandLineTests
{
    // ---------------------------------------------------------------- ch3, the main job

    [Fact]
    public void With_no_arguments_the_CLI_prints_the_books_lines_for_the_three_models_and_21_of_21_matches()
    {
        var run = Cli.Execute();
        Assert.Equal(0, run.ExitCode);
        Assert.Equal("", run.Stderr);
        string expected = string.Join("\n",
            "Linear regression: Dense(1, Linear)",
            "Validation loss after 10 epochs is 30.293",
            "Validation loss after 20 epochs is 28.469",
            "Validation loss after 30 epochs is 26.293",
            "Validation loss after 40 epochs is 25.541",
            "Validation loss after 50 epochs is 25.087",
            "Mean absolute error: 3.52",
            "",
            "Root mean squared error 5.01",
            "",
            "One hidden layer: Dense(13, Sigmoid), Dense(1, Linear)",
            "Validation loss after 10 epochs is 27.435",
            "Validation loss after 20 epochs is 21.839",
            "Validation loss after 30 epochs is 18.918",
            "Validation loss after 40 epochs is 17.195",
            "Validation loss after 50 epochs is 16.215",
            "Mean absolute error: 2.60",
            "",
            "Root mean squared error 4.03",
            "",
            "Two hidden layers: Dense(13, Sigmoid), Dense(13, Sigmoid), Dense(1, Linear)",
            "Validation loss after 10 epochs is 44.143",
            "Validation loss after 20 epochs is 25.278",
            "Validation loss after 30 epochs is 22.339",
            "Validation loss after 40 epochs is 16.500",
            "Validation loss after 50 epochs is 14.655",
            "Mean absolute error: 2.45",
            "",
            "Root mean squared error 3.83",
            "",
            "Ours against the book (double precision, seed 20190501, 50 epochs, SGD learning rate 0.01, evaluation every 10 epochs, batches of 32):",
            "");
        Assert.StartsWith(expected, run.Stdout);
        var lines = run.Lines;
        Assert.Equal(21, lines.Count(l => l.EndsWith("  yes", StringComparison.Ordinal)));
        Assert.Contains("linear regression  loss after 10 epochs     30.293  30.293  yes", lines);
        Assert.Contains("two hidden layers  root mean squared error    3.83    3.83  yes", lines);
        Assert.Equal("21 of 21 numbers match the book.", lines.Where(l => l.Length > 0).Last());
        Assert.Equal(run.Stdout, Cli.Execute("ch3").Stdout);
    }

    [Fact]
    public void Every_ch3_option_is_parsed_and_the_differences_from_the_book_are_named()
    {
        var run = Cli.Execute("ch3", "--precision", "single", "--seed=7", "--epochs", "2", "--lr=0.05", "--eval-every", "1", "--batch-size=16");
        Assert.Equal(0, run.ExitCode);
        var s = Assert.IsType<Chapter3Settings>(run.Settings);
        Assert.Equal((Precision.Single, 7L, 2, 0.05, 1, 16), (s.Precision, s.Seed, s.Epochs, s.LearningRate, s.EvalEvery, s.BatchSize));
        Assert.False(s.IsBook);
        Assert.Equal(["--precision single", "--seed 7", "--epochs 2", "--lr 0.05", "--eval-every 1", "--batch-size 16"], s.Differences());
        Assert.True(new Chapter3Settings().IsBook);
        Assert.True(new Chapter3Settings { Seed = 20190501, PrecisionText = "double" }.IsBook);
    }

    [Fact]
    public void With_other_options_the_table_still_shows_the_book_but_the_match_check_does_not_apply()
    {
        var run = Cli.Execute("--precision", "single", "--epochs", "20", "--eval-every", "5");
        Assert.Equal(0, run.ExitCode);
        var lines = run.Lines;
        Assert.Contains("Validation loss after 5 epochs is", run.Stdout);
        Assert.Contains(lines, l => l.StartsWith("linear regression  loss after 10 epochs", StringComparison.Ordinal) && l.EndsWith("30.293  n/a", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("one hidden layer   loss after 30 epochs", StringComparison.Ordinal) && l.Contains("  -  18.918  n/a"));
        Assert.DoesNotContain(lines, l => l.EndsWith("  yes", StringComparison.Ordinal) || l.EndsWith("  NO", StringComparison.Ordinal));
        Assert.Equal("Match check not applicable: run with --precision single --epochs 20 --eval-every 5 instead of the book's settings.",
            lines.Where(l => l.Length > 0).Last());
    }

    [Fact]
    public void A_number_that_differs_from_the_book_is_marked_and_fails_the_run()
    {
        var rows = DeepFunctional.Book.Chapter3.models.SelectMany(m =>
            m.Losses.Select((l, k) => new Chapter3Command.Row(m.Name, $"loss {k}", l, l))
                .Append(new Chapter3Command.Row(m.Name, "mae", m.Mae, m.Mae))
                .Append(new Chapter3Command.Row(m.Name, "rmse", m.Rmse, m.Rmse))).ToList();
        Assert.Equal(Chapter3Command.NumberCount, rows.Count);
        rows[3] = rows[3] with { Ours = "25.542" };
        var stdout = new StringWriter();
        int code = Chapter3Command.PrintTable(new Chapter3Settings(), rows, stdout);
        Assert.Equal(1, code);
        Assert.Contains("25.542  25.541  NO", stdout.ToString());
        Assert.EndsWith("20 of 21 numbers match the book." + Environment.NewLine, stdout.ToString());
    }

    [Fact]
    public void ch3_draws_the_three_models_losses_and_saves_and_exports_each_model_next_to_the_names_given()
    {
        using var folder = new TempFolder();
        string png = folder.File("boston.png"), model = folder.File("boston.dfm"), onnx = folder.File("boston.onnx");
        var run = Cli.Execute("--epochs", "10", "--plot", png, "--save", model, "--onnx", onnx);
        Assert.True(run.ExitCode == 0, run.Stderr);
        foreach (var name in new[] { "linear-regression", "one-hidden-layer", "two-hidden-layers" })
        {
            Assert.Contains($"Model saved to {folder.File($"boston-{name}.dfm")}", run.Lines);
            Assert.Contains($"ONNX model written to {folder.File($"boston-{name}.onnx")}", run.Lines);
            Assert.True(new FileInfo(folder.File($"boston-{name}.onnx")).Length > 100);
        }
        Assert.Equal($"Loss curves written to {png}", run.Lines.Where(l => l.Length > 0).Last());
        Assert.True(new FileInfo(png).Length > 10_000);
    }

    // ---------------------------------------------------------------- ch2

    [Fact]
    public void ch2_prints_the_chapter_2_models_next_to_least_squares_and_the_books_numbers()
    {
        var run = Cli.Execute("ch2");
        Assert.Equal(0, run.ExitCode);
        Assert.Equal("", run.Stderr);
        var lines = run.Lines;
        Assert.Contains(lines, l => l.StartsWith("linear regression, SGD by hand", StringComparison.Ordinal)
            && l.EndsWith("3.5644  5.0497    3.5644     5.0497  yes", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("least squares, closed form", StringComparison.Ordinal)
            && l.EndsWith("3.5671  5.0476    3.5671     5.0476  yes", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("one hidden layer", StringComparison.Ordinal) && l.EndsWith("n/a", StringComparison.Ordinal));
        Assert.Contains("4 of 4 numbers the book gives match", run.Stdout);
    }

    // ---------------------------------------------------------------- help

    [Theory]
    [InlineData("help")]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("ch3", "--help")]
    [InlineData("ch3", "--epochs", "5", "-h")]
    public void Help_prints_the_usage_with_ch3s_options_and_the_exit_codes_and_exits_0(params string[] args)
    {
        var run = Cli.Execute(args);
        Assert.Equal(0, run.ExitCode);
        Assert.Equal("", run.Stderr);
        Assert.Equal("", run.Stdout);
        Assert.Contains("USAGE:", run.Console);
        Assert.Contains("--batch-size <N>", run.Console);
        Assert.Contains("130 when interrupted", run.Console);
    }

    [Fact]
    public void Help_lists_every_command()
    {
        var run = Cli.Execute("help");
        foreach (var command in new[] { "ch2", "ch3", "ch4", "ch5", "ch6" })
            Assert.Contains($"    {command}  ", run.Console);
    }

    [Fact]
    public void The_examples_in_the_help_parse()
    {
        var io = new CliIo(new StringWriter(), new StringWriter(), false, CancellationToken.None);
        var tester = new Spectre.Console.Cli.Testing.CommandAppTester();
        tester.SetDefaultCommand<Chapter3Command>();
        tester.Configure(config =>
        {
            Program.Configure(config, io);
            Spectre.Console.Cli.ConfiguratorExtensions.ValidateExamples(config);
        });
        Assert.Equal(0, tester.Run("--help").ExitCode);
        Assert.Equal("", io.Error.ToString());
    }

    // ---------------------------------------------------------------- errors

    [Theory]
    [InlineData("option --epochs expects an integer >= 1, got '0'", "--epochs", "0")]
    [InlineData("option --epochs expects an integer >= 1, got '-2'", "--epochs", "-2")]
    [InlineData("option --batch-size expects an integer >= 1, got '0'", "--batch-size", "0")]
    [InlineData("option --eval-every expects an integer >= 1, got '0'", "ch3", "--eval-every=0")]
    [InlineData("option --lr expects a finite number > 0, got '0'", "--lr", "0")]
    [InlineData("option --lr expects a finite number > 0, got 'NaN'", "--lr", "NaN")]
    [InlineData("option --lr expects a finite number > 0, got '-0.5'", "--lr=-0.5")]
    [InlineData("option --seed expects an integer in 0..4294967295, got '-1'", "--seed", "-1")]
    [InlineData("option --seed expects an integer in 0..4294967295, got '4294967296'", "--seed", "4294967296")]
    [InlineData("option --precision expects 'double' or 'single', got 'half'", "--precision", "half")]
    [InlineData("option --plot expects a file name ending in .png, got 'loss.svg'", "--plot", "loss.svg")]
    public void Bad_values_are_refused_naming_the_option_the_expected_and_the_actual_value(string message, params string[] args)
    {
        var run = Cli.Execute(args);
        Assert.Equal(2, run.ExitCode);
        Assert.Equal("", run.Stdout);
        Assert.Equal($"deepfunctional: error: {message}\n", run.Stderr);
    }

    [Theory]
    [InlineData("frobnicate")]
    [InlineData("ch7")]
    [InlineData("--bogus", "1")]
    [InlineData("ch3", "-x")]
    [InlineData("ch3", "extra")]
    [InlineData("--epochs")]
    [InlineData("--lr")]
    [InlineData("--epochs", "ten")]
    [InlineData("--epochs", "99999999999")]
    [InlineData("--batch-size", "1.5")]
    [InlineData("ch2", "--precision", "single")]
    [InlineData("ch2", "--seed", "1")]
    [InlineData("--precision", "quad")]
    public void Bad_arguments_give_one_error_line_on_stderr_nothing_on_stdout_and_exit_code_2(params string[] args)
    {
        var run = Cli.Execute(args);
        Assert.Equal(2, run.ExitCode);
        Assert.Equal("", run.Stdout);
        Assert.StartsWith("deepfunctional: error: ", run.Stderr);
        Assert.Equal(1, run.Stderr.Count(c => c == '\n'));
        Assert.DoesNotContain(" at ", run.Stderr);
        Assert.DoesNotContain("__default_command", run.Stderr);
    }

    [Fact]
    public void An_unwritable_plot_is_refused_before_any_training()
    {
        using var folder = new TempFolder();
        string png = Path.Combine(folder.Path, "missing", "losses.png");
        var run = Cli.Execute("--plot", png);
        Assert.Equal(1, run.ExitCode);
        Assert.Equal("", run.Stdout);
        Assert.Equal($"deepfunctional: error: --plot: cannot write '{png}': found no folder '{Path.GetDirectoryName(png)}'\n", run.Stderr);
    }

    // ---------------------------------------------------------------- progress and cancellation

    [Fact]
    public void Progress_goes_to_stderr_only_when_asked_and_never_shares_a_line_with_stdout()
    {
        var run = Cli.Execute(true, CancellationToken.None, "--epochs", "20");
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("\rlinear regression: epoch 20/20", run.Stderr);
        Assert.DoesNotContain("epoch 20/20", run.Stdout);
        Assert.DoesNotContain("\r", run.Stdout);
        Assert.EndsWith("\r", run.Stderr); // the progress line was cleared
        Assert.Equal(Cli.Execute("--epochs", "20").Stdout, run.Stdout);
    }

    [Fact]
    public void A_cancelled_run_says_so_on_one_line_and_exits_130()
    {
        var run = Cli.Execute(false, new CancellationToken(true));
        Assert.Equal(130, run.ExitCode);
        Assert.Equal("deepfunctional: cancelled\n", run.Stderr);
    }
}
