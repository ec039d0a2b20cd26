using System;
using System.IO;
using System.Linq;
using DeepFunctional.Cli;
using Xunit;

namespace DeepFunctional.Cli.Tests;

/// <summary>deepfunctional ch6: its options, its errors, a tiny training run, save then generate, and the book's experiment pinned.</summary>
public class Chapter6Tests
{
    [Fact]
    public void ch6_alone_is_the_books_single_LSTM_experiment()
    {
        var s = new Chapter6Settings();
        Assert.Equal(("lstm:256", 25, 32, "adagrad", 0.01, 1000, 100, Precision.Single), (s.Layers, s.Sequence, s.Batch, s.Optimizer, s.Rate, s.Iterations, s.SampleEvery, s.Precision));
        var optimizer = s.CreateOptimizer();
        Assert.True(optimizer.Rule.IsAdaGrad);
        Assert.Equal(2.0, optimizer.Clip!.Value);
        Assert.Equal(0.002, new Chapter6Settings { OptimizerName = "adam" }.Rate);
    }

    [Fact]
    public void Layers_are_parsed_with_optional_outputs_and_the_last_layer_outputs_a_logit_per_symbol()
    {
        Assert.Equal([new Chapter6Settings.LayerSpec("gru", 128, 64), new Chapter6Settings.LayerSpec("lstm", 32, null)], Chapter6Settings.ParseLayers("gru:128:64,lstm:32"));
        var layers = new Chapter6Settings { LayersText = "gru:8,lstm:12" }.CoreLayers(15);
        Assert.Equal(["GRU(8 -> 8)", "LSTM(12 -> 15)"], layers.Select(SequenceLayer.describe));
    }

    [Theory]
    [InlineData("option --layers expects a comma-separated list of rnn|lstm|gru:HIDDEN[:OUTPUTS] with sizes >= 1, got 'lstm'", "--layers", "lstm")]
    [InlineData("option --layers expects a comma-separated list of rnn|lstm|gru:HIDDEN[:OUTPUTS] with sizes >= 1, got 'conv:3'", "--layers", "conv:3")]
    [InlineData("option --layers expects a comma-separated list of rnn|lstm|gru:HIDDEN[:OUTPUTS] with sizes >= 1, got 'gru:0'", "--layers", "gru:0")]
    [InlineData("option --optimizer expects 'adagrad', 'sgd' or 'adam', got 'rmsprop'", "--optimizer", "rmsprop")]
    [InlineData("option --lr expects a finite number > 0, got '-1'", "--lr=-1")]
    [InlineData("option --seq expects an integer >= 1, got '0'", "--seq", "0")]
    [InlineData("option --temperature expects a finite number > 0, got '0'", "--temperature", "0")]
    [InlineData("option --plot expects a file name ending in .png, got 'loss.svg'", "--plot", "loss.svg")]
    [InlineData("option --generate expects --model FILE with it, got no --model", "--generate", "10")]
    [InlineData("option --model expects --generate N with it, got no --generate", "--model", "m.dfcm")]
    [InlineData("option --layers expects training, got --generate (which takes only --model, --precision and --temperature)", "--generate", "10", "--model", "m", "--layers", "rnn:3")]
    [InlineData("option --sample-every expects at most --iterations (10), got 20", "--iterations", "10", "--sample-every", "20")]
    [InlineData("option --text expects a value, got nothing", "--text")]
    public void Bad_ch6_values_are_refused_with_one_line_and_exit_code_2(string message, params string[] args)
    {
        var run = Cli.Execute(["ch6", .. args]);
        Assert.Equal(2, run.ExitCode);
        Assert.Equal("", run.Stdout);
        Assert.Equal($"deepfunctional: error: {message}\n", run.Stderr);
    }

    [Theory]
    [InlineData("--epochs", "3")]
    [InlineData("--temperature", "hot")]
    [InlineData("--iterations")]
    public void Bad_ch6_arguments_are_one_error_line_and_exit_code_2(params string[] args)
    {
        var run = Cli.Execute(["ch6", .. args]);
        Assert.Equal(2, run.ExitCode);
        Assert.Equal("", run.Stdout);
        Assert.StartsWith("deepfunctional: error: ", run.Stderr);
        Assert.Equal(1, run.Stderr.Count(c => c == '\n'));
    }

    [Fact]
    public void The_help_text_describes_ch6_and_its_options()
    {
        var run = Cli.Execute("ch6", "--help");
        Assert.Equal(0, run.ExitCode);
        foreach (var option in new[] { "--text", "--layers", "--seq", "--batch", "--optimizer", "--lr", "--iterations", "--sample-every", "--plot", "--precision", "--save", "--onnx", "--generate N --model FILE" })
            Assert.Contains(option, run.Console);
        Assert.Contains("deepfunctional ch6 [OPTIONS]", run.Console);
        Assert.Contains("rnn|lstm|gru:HIDDEN[:OUTPUTS]", run.Console);
    }

    [Fact]
    public void A_tiny_run_prints_the_moving_average_loss_and_a_sample_every_N_iterations_then_saves_a_model_that_generates_text()
    {
        using var folder = new TempFolder();
        string text = folder.File("t.txt");
        File.WriteAllText(text, string.Concat(Enumerable.Repeat("to be or not to be, that is the question. ", 20)));
        string model = folder.File("m.dfm"), plot = folder.File("l.png"), onnx = folder.File("m.onnx");
        var run = Cli.Execute("ch6", "--text", text, "--layers", "gru:8,lstm:12", "--seq", "6", "--batch", "4", "--iterations", "25",
            "--sample-every", "10", "--save", model, "--onnx", onnx, "--plot", plot, "--precision", "double");
        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Equal("", run.Stderr);
        var lines = run.Lines.Where(l => l.StartsWith("Iteration ", StringComparison.Ordinal)).ToArray();
        Assert.Equal(["Iteration 10", "Iteration 20", "Iteration 25"], lines.Select(l => l.Split(':')[0]));
        Assert.All(lines, l => Assert.Matches(@"^Iteration \d+: moving-average loss \d+\.\d{3}$", l));
        Assert.Equal($"Text: {text}: 840 characters, 15 symbols", run.Lines[0]);
        Assert.Equal("Model: GRU(8 -> 8), LSTM(12 -> 15); loss: mean cross-entropy per character; optimizer: AdaGrad(learningRate: 0.01), gradients clipped to [-2, 2]", run.Lines[1]);
        Assert.Equal("Training: 25 iterations, sequences of 6, batches of 4, double precision", run.Lines[2]);
        int sampleLine = Array.IndexOf(run.Lines, lines[0]) + 1;
        Assert.Equal(Chapter6Command.SampleLength, run.Lines[sampleLine].Length);
        Assert.Contains($"Loss curve written to {plot}", run.Lines);
        Assert.Contains($"Model saved to {model}", run.Lines);
        Assert.Contains($"ONNX model written to {onnx}", run.Lines);
        Assert.True(new FileInfo(plot).Length > 1000);
        var generated = Cli.Execute("ch6", "--generate", "60", "--model", model);
        Assert.True(generated.ExitCode == 0, generated.Stderr);
        Assert.Equal(60, generated.Stdout.TrimEnd('\n').Length);
        Assert.True(generated.Stdout.TrimEnd('\n').All(ch => "to be ornthaisqu,.\n".Contains(ch)), generated.Stdout);
        Assert.Equal(generated.Stdout, Cli.Execute("ch6", "--generate", "60", "--model", model, "--temperature", "1").Stdout);
    }

    [Fact]
    public void A_missing_text_or_a_malformed_model_file_fails_with_one_line_and_exit_code_1()
    {
        using var folder = new TempFolder();
        var missing = Cli.Execute("ch6", "--text", folder.File("none.txt"), "--iterations", "1", "--sample-every", "1");
        Assert.Equal(1, missing.ExitCode);
        Assert.StartsWith("deepfunctional: error: --text: cannot read", missing.Stderr);
        string bad = folder.File("bad.dfm");
        File.WriteAllText(bad, "not a model");
        var malformed = Cli.Execute("ch6", "--generate", "5", "--model", bad);
        Assert.Equal(1, malformed.ExitCode);
        Assert.StartsWith($"deepfunctional: error: --model: cannot read '{bad}': ", malformed.Stderr);
        Assert.Single(malformed.Stderr.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public void A_text_too_short_for_one_batch_is_one_error_line()
    {
        using var folder = new TempFolder();
        string text = folder.File("short.txt");
        File.WriteAllText(text, "abc");
        var run = Cli.Execute("ch6", "--text", text, "--iterations", "1", "--sample-every", "1");
        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith("deepfunctional: error: --text: ", run.Stderr);
        Assert.Single(run.Stderr.TrimEnd('\n').Split('\n'));
    }

    /// <summary>
    /// The README's chapter-6 figures, pinned: the book's experiment (one LSTM of 256 on the embedded Shakespeare,
    /// sequences of 25, batches of 32, single precision) after 1,000 iterations, with AdaGrad (0.01) and with Adam
    /// (0.002), both clipped to [-2, 2]. Each run takes some tens of seconds.
    /// </summary>
    [Theory]
    [InlineData("adagrad", "3.313", "2.536")]
    [InlineData("adam", "3.340", "2.332")]
    public void The_books_experiment_reaches_the_READMEs_moving_average_loss_after_1000_iterations(string optimizer, string after100, string after1000)
    {
        var run = Cli.Execute("ch6", "--iterations", "1000", "--optimizer", optimizer);
        Assert.Equal(0, run.ExitCode);
        Assert.Equal("", run.Stderr);
        Assert.Contains($"Iteration 100: moving-average loss {after100}\n", run.Stdout);
        Assert.Contains($"Iteration 1000: moving-average loss {after1000}\n", run.Stdout);
    }
}
