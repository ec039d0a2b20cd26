using System.IO;
using System.Linq;
using System.Threading;
using DeepFunctional.Cli;
using Xunit;

namespace DeepFunctional.CSharp.Tests;

/// <summary>The deepfunctional command line: its parser, and whole runs in process.</summary>
public class CommandLineTests
{
    private sealed record Run(int ExitCode, string Stdout, string Stderr);

    private static Run Execute(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = Program.Run(args, stdout, stderr, progressToStderr: false, CancellationToken.None);
        return new Run(code, stdout.ToString().ReplaceLineEndings("\n"), stderr.ToString().ReplaceLineEndings("\n"));
    }

    // ---------------------------------------------------------------- parser

    [Theory]
    [InlineData]
    [InlineData("ch3")]
    public void No_arguments_and_ch3_mean_the_books_chapter_3_run(params string[] args)
    {
        var c = CommandLine.Parse(args);
        Assert.Equal(CommandKind.Chapter3, c.Kind);
        Assert.True(c.Chapter3.IsBook);
    }

    [Fact]
    public void Every_ch3_option_is_parsed_with_a_space_or_an_equals_sign()
    {
        var c = CommandLine.Parse(["ch3", "--precision", "single", "--seed=7", "--epochs", "60", "--lr=0.05", "--eval-every", "5", "--batch-size=16"]);
        Assert.Equal(new Chapter3Settings(Precision.Single, 7, 60, 0.05, 5, 16), c.Chapter3);
        Assert.False(c.Chapter3.IsBook);
        Assert.Equal(["--precision single", "--seed 7", "--epochs 60", "--lr 0.05", "--eval-every 5", "--batch-size 16"], c.Chapter3.Differences());
        Assert.Equal(CommandKind.Chapter3, CommandLine.Parse(["--epochs", "3"]).Kind);
        Assert.True(CommandLine.Parse(["--seed", "20190501", "--precision", "double"]).Chapter3.IsBook);
    }

    [Theory]
    [InlineData("help")]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("ch3", "--help")]
    [InlineData("ch2", "-h")]
    [InlineData("ch3", "--epochs", "5", "-h")]
    public void Help_is_recognised_as_a_command_or_an_option(params string[] args)
    {
        Assert.Equal(CommandKind.Help, CommandLine.Parse(args).Kind);
    }

    [Theory]
    [InlineData("unknown command 'train'; expected ch3, ch4, ch5, ch6, ch2 or help", "train")]
    [InlineData("unknown option '--bogus' for ch3; expected one of --precision, --seed, --epochs, --lr, --eval-every, --batch-size", "--bogus", "1")]
    [InlineData("unknown option '-x' for ch3; expected one of --precision, --seed, --epochs, --lr, --eval-every, --batch-size", "ch3", "-x")]
    [InlineData("unknown option '--seed' for ch2; expected no options", "ch2", "--seed", "1")]
    [InlineData("unknown option '--x' for help; expected no options", "help", "--x")]
    [InlineData("unexpected argument 'extra'; expected an option (--name value) after the command", "ch3", "extra")]
    [InlineData("option --epochs expects an integer >= 1, got nothing", "--epochs")]
    [InlineData("option --epochs expects an integer >= 1, got nothing", "--epochs", "--seed", "1")]
    [InlineData("option --epochs expects an integer >= 1, got '0'", "--epochs", "0")]
    [InlineData("option --epochs expects an integer >= 1, got '-2'", "--epochs", "-2")]
    [InlineData("option --epochs expects an integer >= 1, got 'ten'", "--epochs=ten")]
    [InlineData("option --epochs expects an integer >= 1, got '99999999999'", "--epochs", "99999999999")]
    [InlineData("option --batch-size expects an integer >= 1, got '1.5'", "--batch-size", "1.5")]
    [InlineData("option --eval-every expects an integer >= 1, got ''", "--eval-every=")]
    [InlineData("option --lr expects a finite number > 0, got '0'", "--lr", "0")]
    [InlineData("option --lr expects a finite number > 0, got 'NaN'", "--lr", "NaN")]
    [InlineData("option --lr expects a finite number > 0, got '1e999'", "--lr", "1e999")]
    [InlineData("option --seed expects an integer in 0..4294967295, got '-1'", "--seed", "-1")]
    [InlineData("option --seed expects an integer in 0..4294967295, got '4294967296'", "--seed", "4294967296")]
    [InlineData("option --precision expects 'double' or 'single', got 'half'", "--precision", "half")]
    [InlineData("option --seed given more than once; expected it at most once", "--seed", "1", "--seed=2")]
    public void Bad_arguments_are_refused_naming_the_option_the_expected_and_the_actual_value(string message, params string[] args)
    {
        Assert.Equal(message, Assert.Throws<UsageException>(() => CommandLine.Parse(args)).Message);
    }

    // ---------------------------------------------------------------- whole runs

    [Fact]
    public void With_no_arguments_the_CLI_prints_the_books_lines_for_the_three_models_and_21_of_21_matches()
    {
        var run = Execute();
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
            "");
        Assert.StartsWith(expected, run.Stdout);
        var lines = run.Stdout.Split('\n');
        Assert.Equal(21, lines.Count(l => l.EndsWith("  yes", System.StringComparison.Ordinal)));
        Assert.Contains("linear regression  loss after 10 epochs     30.293  30.293  yes", lines);
        Assert.Contains("two hidden layers  root mean squared error    3.83    3.83  yes", lines);
        Assert.Equal("21 of 21 numbers match the book.", lines.Where(l => l.Length > 0).Last());
        Assert.Equal(run.Stdout, Execute("ch3").Stdout);
    }

    [Fact]
    public void With_other_options_the_table_still_shows_the_book_but_the_match_check_does_not_apply()
    {
        var run = Execute("ch3", "--precision", "single", "--epochs", "20", "--eval-every", "5");
        Assert.Equal(0, run.ExitCode);
        var lines = run.Stdout.Split('\n');
        Assert.Contains("Validation loss after 5 epochs is", run.Stdout);
        Assert.Contains(lines, l => l.StartsWith("linear regression  loss after 10 epochs", System.StringComparison.Ordinal) && l.EndsWith("30.293  n/a", System.StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("one hidden layer   loss after 30 epochs", System.StringComparison.Ordinal) && l.Contains("  -  18.918  n/a"));
        Assert.DoesNotContain(lines, l => l.EndsWith("  yes", System.StringComparison.Ordinal) || l.EndsWith("  NO", System.StringComparison.Ordinal));
        Assert.Equal("Match check not applicable: run with --precision single --epochs 20 --eval-every 5 instead of the book's settings.",
            lines.Where(l => l.Length > 0).Last());
    }

    [Fact]
    public void A_number_that_differs_from_the_book_is_marked_and_fails_the_run()
    {
        var rows = Chapter3Runner.Models.SelectMany(m =>
            m.BookLosses.Select((l, k) => new Chapter3Runner.Row(m.Name, $"loss {k}", l, l))
                .Append(new Chapter3Runner.Row(m.Name, "mae", m.BookMae, m.BookMae))
                .Append(new Chapter3Runner.Row(m.Name, "rmse", m.BookRmse, m.BookRmse))).ToList();
        Assert.Equal(Chapter3Runner.NumberCount, rows.Count);
        rows[3] = rows[3] with { Ours = "25.542" };
        var stdout = new StringWriter();
        int code = Chapter3Runner.PrintTable(Chapter3Settings.Book, rows, stdout);
        Assert.Equal(1, code);
        Assert.Contains("25.542  25.541  NO", stdout.ToString());
        Assert.EndsWith("20 of 21 numbers match the book." + System.Environment.NewLine, stdout.ToString());
    }

    [Fact]
    public void ch2_prints_the_chapter_2_models_next_to_least_squares_and_the_books_numbers()
    {
        var run = Execute("ch2");
        Assert.Equal(0, run.ExitCode);
        Assert.Equal("", run.Stderr);
        var lines = run.Stdout.Split('\n');
        Assert.Contains(lines, l => l.StartsWith("linear regression, SGD by hand", System.StringComparison.Ordinal)
            && l.EndsWith("3.5644  5.0497    3.5644     5.0497  yes", System.StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("least squares, closed form", System.StringComparison.Ordinal)
            && l.EndsWith("3.5671  5.0476    3.5671     5.0476  yes", System.StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("one hidden layer", System.StringComparison.Ordinal) && l.EndsWith("n/a", System.StringComparison.Ordinal));
        Assert.Contains("4 of 4 numbers the book gives match", run.Stdout);
    }

    [Theory]
    [InlineData("help")]
    [InlineData("--help")]
    [InlineData("-h")]
    public void Help_prints_the_usage_on_stdout_and_exits_0(string arg)
    {
        var run = Execute(arg);
        Assert.Equal(0, run.ExitCode);
        Assert.Equal("", run.Stderr);
        Assert.Contains("Usage:", run.Stdout);
        Assert.Contains("--batch-size N", run.Stdout);
    }

    [Theory]
    [InlineData("frobnicate")]
    [InlineData("--epochs", "0")]
    [InlineData("--lr")]
    [InlineData("ch2", "--precision", "single")]
    [InlineData("--precision", "quad")]
    public void Bad_arguments_give_one_error_line_on_stderr_nothing_on_stdout_and_exit_code_2(params string[] args)
    {
        var run = Execute(args);
        Assert.Equal(2, run.ExitCode);
        Assert.Equal("", run.Stdout);
        Assert.StartsWith("deepfunctional: error: ", run.Stderr);
        Assert.Equal(1, run.Stderr.Count(c => c == '\n'));
        Assert.DoesNotContain(" at ", run.Stderr);
    }

    [Fact]
    public void Progress_goes_to_stderr_only_when_asked_and_never_shares_a_line_with_stdout()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = Program.Run(["--epochs", "20"], stdout, stderr, progressToStderr: true, CancellationToken.None);
        Assert.Equal(0, code);
        Assert.Contains("\rlinear regression: epoch 20/20", stderr.ToString());
        Assert.DoesNotContain("epoch 20/20", stdout.ToString());
        Assert.DoesNotContain("\r", stdout.ToString());
        Assert.EndsWith("\r", stderr.ToString()); // the progress line was cleared
    }

    [Fact]
    public void A_cancelled_run_says_so_on_one_line_and_exits_130()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = Program.Run([], stdout, stderr, progressToStderr: false, new CancellationToken(true));
        Assert.Equal(130, code);
        Assert.Equal("deepfunctional: cancelled" + System.Environment.NewLine, stderr.ToString());
    }
}
