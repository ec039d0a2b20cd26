using System;
using System.IO;
using System.Linq;
using System.Threading;
using DeepFunctional.Cli;
using Xunit;

namespace DeepFunctional.CSharp.Tests;

/// <summary>deepfunctional ch6: its options, its errors, a tiny training run, and save then generate.</summary>
public class Chapter6CommandLineTests
{
    private sealed record Run(int ExitCode, string Stdout, string Stderr)
    {
        internal string[] Lines => Stdout.Split('\n');
    }

    private static Run Execute(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = Program.Run(args, stdout, stderr, progressToStderr: false, CancellationToken.None);
        return new Run(code, stdout.ToString().ReplaceLineEndings("\n"), stderr.ToString().ReplaceLineEndings("\n"));
    }

    /// <summary>A fresh temporary folder, deleted afterwards.</summary>
    private static void InFolder(Action<string> test)
    {
        string dir = Path.Combine(Path.GetTempPath(), "df-ch6-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            test(dir);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void ch6_alone_is_the_books_single_LSTM_experiment()
    {
        var c = CommandLine.Parse(["ch6"]);
        Assert.Equal(CommandKind.Chapter6, c.Kind);
        var s = c.Chapter6;
        Assert.Equal(Chapter6Settings.Default, s);
        Assert.Equal([new RecurrentLayer(RecurrentCell.LSTM, 256)], s.ParsedLayers());
        Assert.Equal((25, 32, "adagrad", 0.01, 1000, 100), (s.Sequence, s.Batch, s.Optimizer, s.Rate, s.Iterations, s.SampleEvery));
        var optimizer = s.CreateOptimizer();
        Assert.IsType<AdaGrad>(optimizer);
        Assert.Equal(2.0, optimizer.GradientClip);
    }

    [Fact]
    public void Every_ch6_option_is_parsed()
    {
        var s = CommandLine.Parse(["ch6", "--text", "t.txt", "--layers=gru:128:64,lstm:32", "--seq", "10", "--batch", "8", "--optimizer", "adam",
            "--lr", "0.003", "--iterations", "50", "--sample-every", "25", "--temperature", "0.5", "--plot", "l.png", "--precision", "double",
            "--save", "m.dfcm"]).Chapter6;
        Assert.Equal(new Chapter6Settings("t.txt", "gru:128:64,lstm:32", 10, 8, "adam", 0.003, 50, 25, 0.5, "l.png", Precision.Double, "m.dfcm", null, null), s);
        Assert.Equal([new RecurrentLayer(RecurrentCell.GRU, 128) { OutputSize = 64 }, new RecurrentLayer(RecurrentCell.LSTM, 32)], s.ParsedLayers());
        Assert.IsType<Adam>(s.CreateOptimizer());
        var g = CommandLine.Parse(["ch6", "--generate", "40", "--model", "m.dfcm", "--temperature", "0.7"]).Chapter6;
        Assert.Equal((40, "m.dfcm", 0.7), (g.Generate, g.ModelFile, g.Temperature));
    }

    [Theory]
    [InlineData("option --layers expects a comma-separated list of rnn|lstm|gru:HIDDEN[:OUTPUTS] with sizes >= 1, got 'lstm'", "--layers", "lstm")]
    [InlineData("option --layers expects a comma-separated list of rnn|lstm|gru:HIDDEN[:OUTPUTS] with sizes >= 1, got 'conv:3'", "--layers", "conv:3")]
    [InlineData("option --layers expects a comma-separated list of rnn|lstm|gru:HIDDEN[:OUTPUTS] with sizes >= 1, got 'gru:0'", "--layers", "gru:0")]
    [InlineData("option --optimizer expects 'adagrad', 'sgd' or 'adam', got 'rmsprop'", "--optimizer", "rmsprop")]
    [InlineData("option --lr expects a finite number > 0, got '-1'", "--lr=-1")]
    [InlineData("option --seq expects an integer >= 1, got '0'", "--seq", "0")]
    [InlineData("option --temperature expects a finite number > 0, got 'hot'", "--temperature", "hot")]
    [InlineData("option --plot expects a file name ending in .png, got 'loss.svg'", "--plot", "loss.svg")]
    [InlineData("option --generate expects --model FILE with it, got no --model", "--generate", "10")]
    [InlineData("option --model expects --generate N with it, got no --generate", "--model", "m.dfcm")]
    [InlineData("option --layers expects training, got --generate (which takes only --model, --precision and --temperature)", "--generate", "10", "--model", "m", "--layers", "rnn:3")]
    [InlineData("option --sample-every expects at most --iterations (10), got 20", "--iterations", "10", "--sample-every", "20")]
    [InlineData("unknown option '--epochs' for ch6; expected one of --text, --layers, --seq, --batch, --optimizer, --lr, --iterations, --sample-every, --temperature, --plot, --precision, --save, --generate, --model", "--epochs", "3")]
    public void Bad_ch6_arguments_are_refused_with_one_line_and_exit_code_2(string message, params string[] args)
    {
        Assert.Equal(message, Assert.Throws<UsageException>(() => CommandLine.Parse(["ch6", .. args])).Message);
        var run = Execute(["ch6", .. args]);
        Assert.Equal(2, run.ExitCode);
        Assert.Equal("", run.Stdout);
        Assert.Equal($"deepfunctional: error: {message}\n", run.Stderr);
    }

    [Fact]
    public void The_help_text_describes_ch6_and_its_options()
    {
        var run = Execute("ch6", "--help");
        Assert.Equal(0, run.ExitCode);
        foreach (var option in new[] { "--text", "--layers", "--seq", "--batch", "--optimizer", "--lr", "--iterations", "--sample-every", "--plot", "--precision", "--save", "--generate N --model FILE" })
            Assert.Contains(option, run.Stdout);
        Assert.Contains("ch6 [options]", run.Stdout);
    }

    [Fact]
    public void A_tiny_run_prints_the_moving_average_loss_and_a_sample_every_N_iterations_then_saves_a_model_that_generates_text()
    {
        InFolder(dir =>
        {
            string text = Path.Combine(dir, "t.txt");
            File.WriteAllText(text, string.Concat(Enumerable.Repeat("to be or not to be, that is the question. ", 20)));
            string model = Path.Combine(dir, "m.dfcm");
            string plot = Path.Combine(dir, "l.png");
            var run = Execute("ch6", "--text", text, "--layers", "gru:8,lstm:12", "--seq", "6", "--batch", "4", "--iterations", "25",
                "--sample-every", "10", "--save", model, "--plot", plot, "--precision", "double");
            Assert.True(run.ExitCode == 0, run.Stderr);
            Assert.Equal("", run.Stderr);
            var lines = run.Lines.Where(l => l.StartsWith("Iteration ", StringComparison.Ordinal)).ToArray();
            Assert.Equal(["Iteration 10", "Iteration 20", "Iteration 25"], lines.Select(l => l.Split(':')[0]));
            Assert.All(lines, l => Assert.Matches(@"^Iteration \d+: moving-average loss \d+\.\d{3}$", l));
            Assert.Contains("Model: GRU(8 -> 8), LSTM(12 -> 15)", run.Stdout);
            int sampleLine = Array.IndexOf(run.Lines, lines[0]) + 1;
            Assert.Equal(100, run.Lines[sampleLine].Length);
            Assert.True(File.Exists(model));
            Assert.True(new FileInfo(plot).Length > 1000);

            var generated = Execute("ch6", "--generate", "60", "--model", model, "--precision", "double");
            Assert.True(generated.ExitCode == 0, generated.Stderr);
            Assert.Equal(60, generated.Stdout.TrimEnd('\n').Length);
            Assert.True(generated.Stdout.TrimEnd('\n').All(ch => "to be ornthaisqu,.\n".Contains(ch)), generated.Stdout);
            Assert.Equal(generated.Stdout, Execute("ch6", "--generate", "60", "--model", model, "--precision", "double").Stdout);
        });
    }

    [Fact]
    public void A_missing_text_or_a_malformed_model_file_fails_with_one_line_and_exit_code_1()
    {
        InFolder(dir =>
        {
            var missing = Execute("ch6", "--text", Path.Combine(dir, "none.txt"), "--iterations", "1", "--sample-every", "1");
            Assert.Equal(1, missing.ExitCode);
            Assert.StartsWith("deepfunctional: error: --text: cannot read", missing.Stderr);
            string bad = Path.Combine(dir, "bad.dfcm");
            File.WriteAllText(bad, "not a model");
            var malformed = Execute("ch6", "--generate", "5", "--model", bad);
            Assert.Equal(1, malformed.ExitCode);
            Assert.Contains("does not start with DFCHARMODEL", malformed.Stderr);
            Assert.Single(malformed.Stderr.TrimEnd('\n').Split('\n'));
        });
    }

    /// <summary>
    /// The README's chapter-6 figures, pinned: the book's experiment (one LSTM of 256 on the embedded Shakespeare,
    /// sequences of 25, batches of 32, single precision) after 1,000 iterations, with AdaGrad (0.01) and with Adam
    /// (0.002), both clipped to [-2, 2]. Each run takes some seconds.
    /// </summary>
    [Theory]
    [InlineData("adagrad", "3.313", "2.536")]
    [InlineData("adam", "3.340", "2.332")]
    public void The_books_experiment_reaches_the_READMEs_moving_average_loss_after_1000_iterations(string optimizer, string after100, string after1000)
    {
        var run = Execute("ch6", "--iterations", "1000", "--optimizer", optimizer);
        Assert.Equal(0, run.ExitCode);
        Assert.Equal("", run.Stderr);
        Assert.Contains($"Iteration 100: moving-average loss {after100}\n", run.Stdout);
        Assert.Contains($"Iteration 1000: moving-average loss {after1000}\n", run.Stdout);
    }
}
