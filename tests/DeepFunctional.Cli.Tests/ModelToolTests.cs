using System;
using System.IO;
using System.Linq;
using DeepFunctional.Cli;
using Microsoft.FSharp.Collections;
using Xunit;

namespace DeepFunctional.Cli.Tests;

/// <summary>The model tools: --save and --onnx on the training commands, predict, info and convert, and hostile model files.</summary>
public class ModelToolTests
{
    /// <summary>Two rows of the Boston file's raw features (CRIM … LSTAT), with a header line.</summary>
    private const string Houses =
        "crim,zn,indus,chas,nox,rm,age,dis,rad,tax,ptratio,b,lstat\n"
        + "0.00632,18,2.31,0,0.538,6.575,65.2,4.09,1,296,15.3,396.9,4.98\n"
        + "0.02731,0,7.07,0,0.469,6.421,78.9,4.9671,2,242,17.8,396.9,9.14\n";

    /// <summary>Trains the chapter-3 models for a few epochs and saves them into the folder; returns the one-hidden-layer model's file.</summary>
    private static string SavedBostonModel(TempFolder folder, params string[] more)
    {
        var run = Cli.Execute(["--epochs", "5", "--save", folder.File("boston.dfm"), .. more]);
        Assert.True(run.ExitCode == 0, run.Stderr);
        return folder.File("boston-one-hidden-layer.dfm");
    }

    /// <summary>An old character model (.dfcm, format version 1) written by the core.</summary>
    private static string OldCharModel(TempFolder folder)
    {
        string path = folder.File("old.dfcm");
        var vocabulary = CharModel.vocabulary("to be or not to be");
        var model = CharModel.create<float>(vocabulary, ListModule.OfArray([SequenceLayer.lstm(8, vocabulary.Length)]), 3L);
        CharModel.save(path, model);
        return path;
    }

    [Fact]
    public void info_describes_the_architecture_preprocessing_provenance_and_parameter_count()
    {
        using var folder = new TempFolder();
        string model = SavedBostonModel(folder);
        var run = Cli.Execute("info", "--model", model);
        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Equal($"Model: {model} (model file, double precision)", run.Lines[0]);
        Assert.Contains("Layers: Dense(13, Sigmoid), Dense(1, Linear)", run.Lines);
        // The Keras-like summary: each layer, its output shape and parameters, and the total.
        string[] Cells(string line) => line.Split("  ", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Contains(run.Lines, l => Cells(l) is ["Dense(13, sigmoid)", "13", "182"]);
        Assert.Contains(run.Lines, l => Cells(l) is ["Dense(1, linear)", "1", "14"]);
        Assert.Contains(run.Lines, l => Cells(l) is ["total", "196"]);
        Assert.Contains("Loss: MeanSquaredError", run.Lines);
        Assert.Contains("Input shape: 13", run.Lines);
        Assert.Contains("Preprocessing: standardised per feature (13 means and standard deviations)", run.Lines);
        Assert.Contains(run.Lines, l => l.StartsWith("Provenance: DeepFunctional ", StringComparison.Ordinal) && l.EndsWith(", seed 20190501, 5 epochs", StringComparison.Ordinal));
        Assert.Contains(run.Lines, l => l.StartsWith("  mean absolute error: ", StringComparison.Ordinal));
        // 13·13 + 13 weights and biases, then 13 + 1.
        Assert.Equal("Parameters: 196", run.Lines.Where(l => l.Length > 0).Last());
    }

    [Fact]
    public void predict_applies_the_models_preprocessing_and_prints_one_prediction_per_row()
    {
        using var folder = new TempFolder();
        string model = SavedBostonModel(folder);
        string csv = folder.File("houses.csv");
        File.WriteAllText(csv, Houses);
        var run = Cli.Execute("predict", "--model", model, "--input", csv);
        Assert.True(run.ExitCode == 0, run.Stderr);
        var values = run.Lines.Where(l => l.Length > 0).Select(l => double.Parse(l, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(2, values.Length);
        Assert.All(values, v => Assert.InRange(v, 5.0, 60.0)); // house prices in thousands of dollars
        File.WriteAllText(csv, string.Join("\n", Houses.Split('\n').Skip(1)));
        Assert.Equal(run.Stdout, Cli.Execute("predict", "--model", model, "--input", csv).Stdout);
    }

    [Fact]
    public void predict_of_an_image_classifier_prints_the_class_of_every_row_of_raw_pixels()
    {
        using var folder = SyntheticImages.WriteFolder();
        string model = folder.File("sce.dfm");
        var train = Cli.Execute("ch4", "--data", folder.Path, "--epochs", "5", "--save", model, "--precision", "single");
        Assert.True(train.ExitCode == 0, train.Stderr);
        Assert.Equal($"Model saved to {model}", train.Lines.Where(l => l.Length > 0).Last());
        var (images, labels) = SyntheticImages.Make(20, 5);
        string csv = folder.File("pixels.csv");
        File.WriteAllLines(csv, Enumerable.Range(0, 20).Select(i => string.Join(",", images.Pixels.Skip(i * 36).Take(36))));
        var run = Cli.Execute("predict", "--model", model, "--input", csv);
        Assert.True(run.ExitCode == 0, run.Stderr);
        var predicted = run.Lines.Where(l => l.Length > 0).Select(int.Parse).ToArray();
        Assert.Equal(20, predicted.Length);
        Assert.True(predicted.Zip(labels).Count(p => p.First == p.Second) >= 15, string.Join(" ", predicted));
    }

    [Fact]
    public void predict_refuses_rows_of_the_wrong_width_and_a_character_model()
    {
        using var folder = new TempFolder();
        string model = SavedBostonModel(folder);
        string csv = folder.File("narrow.csv");
        File.WriteAllText(csv, "1,2,3\n4,5,6\n");
        var run = Cli.Execute("predict", "--model", model, "--input", csv);
        Assert.Equal(1, run.ExitCode);
        Assert.Equal($"deepfunctional: error: --input: '{csv}' has 3 numbers per row, but the model takes 13 (input shape 13)\n", run.Stderr);
        var chars = Cli.Execute("predict", "--model", OldCharModel(folder), "--input", csv);
        Assert.Equal(1, chars.ExitCode);
        Assert.Contains("is a character model", chars.Stderr);
        var missing = Cli.Execute("predict", "--model", model, "--input", folder.File("none.csv"));
        Assert.Equal(1, missing.ExitCode);
        Assert.StartsWith("deepfunctional: error: --input: cannot read", missing.Stderr);
    }

    [Fact]
    public void A_garbled_csv_is_one_error_line_naming_the_line()
    {
        using var folder = new TempFolder();
        string model = SavedBostonModel(folder);
        string csv = folder.File("bad.csv");
        File.WriteAllText(csv, Houses.Replace("0.02731", "x0.2", StringComparison.Ordinal));
        var run = Cli.Execute("predict", "--model", model, "--input", csv);
        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith($"deepfunctional: error: --input: cannot read '{csv}': ", run.Stderr);
        Assert.Single(run.Stderr.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public void convert_turns_an_old_character_model_into_a_model_file_that_generates_the_same_text()
    {
        using var folder = new TempFolder();
        string old = OldCharModel(folder), converted = folder.File("new.dfm");
        var run = Cli.Execute("convert", "--model", old, "--out", converted);
        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Equal($"Converted {old} to {converted}\n", run.Stdout);
        var info = Cli.Execute("info", "--model", converted);
        Assert.Contains("Layers: LSTM(8 -> 7)", info.Lines);
        Assert.Contains("Vocabulary: 7 symbols", info.Lines);
        Assert.Contains("Parameters: ", info.Stdout);
        Assert.Contains("old character-model file", Cli.Execute("info", "--model", old).Lines[0]);
        var fromOld = Cli.Execute("ch6", "--generate", "40", "--model", old);
        var fromNew = Cli.Execute("ch6", "--generate", "40", "--model", converted);
        Assert.True(fromNew.ExitCode == 0, fromNew.Stderr);
        Assert.Equal(fromOld.Stdout, fromNew.Stdout);
        var again = Cli.Execute("convert", "--model", converted, "--out", folder.File("again.dfm"));
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("is already a model file", again.Stderr);
    }

    [Fact]
    public void The_model_tools_refuse_missing_options_with_exit_code_2()
    {
        foreach (var args in new[] { new[] { "info" }, ["predict", "--model", "m.dfm"], ["convert", "--model", "m.dfcm"], ["info", "--model"], ["info", "--bogus"] })
        {
            var run = Cli.Execute(args);
            Assert.Equal(2, run.ExitCode);
            Assert.StartsWith("deepfunctional: error: ", run.Stderr);
            Assert.Equal(1, run.Stderr.Count(c => c == '\n'));
        }
    }

    public static TheoryData<string, string> HostileFiles() => new()
    {
        { "empty", "" },
        { "text", "not a model at all" },
        { "huge header", "\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff\u007f{}" },
        { "header past the end", "\u0040\u0000\u0000\u0000\u0000\u0000\u0000\u0000{\"__metadata__\":" },
        { "safetensors of another program", "\u0020\u0000\u0000\u0000\u0000\u0000\u0000\u0000{\"__metadata__\":{\"a\":\"b\"}}     " },
        { "garbled old character model", "DFCHARMODEL\u0001\u0000\u0000\u0000\u0004\u00ff\u00ff\u00ff\u00ffgarbage" },
        { "old character model of another version", "DFCHARMODEL\u0009\u0000\u0000\u0000\u0004" },
    };

    [Theory]
    [MemberData(nameof(HostileFiles))]
    public void A_hostile_or_garbled_model_file_is_one_error_line_and_exit_code_1_for_every_tool(string what, string contents)
    {
        using var folder = new TempFolder();
        string bad = folder.File("bad.dfm");
        File.WriteAllBytes(bad, contents.Select(c => (byte)c).ToArray());
        string csv = folder.File("x.csv");
        File.WriteAllText(csv, "1,2\n");
        foreach (var args in new[]
        {
            new[] { "info", "--model", bad }, ["predict", "--model", bad, "--input", csv],
            ["convert", "--model", bad, "--out", folder.File("out.dfm")], ["ch6", "--generate", "5", "--model", bad],
        })
        {
            var run = Cli.Execute(args);
            Assert.True(run.ExitCode == 1, $"{what}, {args[0]}: exit {run.ExitCode}, {run.Stderr}");
            Assert.Equal("", run.Stdout);
            Assert.StartsWith($"deepfunctional: error: --model: cannot read '{bad}': ", run.Stderr);
            Assert.Equal(1, run.Stderr.Count(c => c == '\n'));
            Assert.DoesNotContain(" at ", run.Stderr);
        }
        Assert.False(File.Exists(folder.File("out.dfm")));
    }

    [Fact]
    public void A_truncated_model_file_is_one_error_line_and_exit_code_1()
    {
        using var folder = new TempFolder();
        string model = SavedBostonModel(folder);
        var bytes = File.ReadAllBytes(model);
        foreach (int length in new[] { 4, 12, bytes.Length / 2, bytes.Length - 1 })
        {
            File.WriteAllBytes(folder.File("cut.dfm"), bytes[..length]);
            var run = Cli.Execute("info", "--model", folder.File("cut.dfm"));
            Assert.True(run.ExitCode == 1, $"{length} bytes: {run.Stdout}{run.Stderr}");
            Assert.StartsWith("deepfunctional: error: --model: cannot read", run.Stderr);
            Assert.Equal(1, run.Stderr.Count(c => c == '\n'));
        }
    }

    [Fact]
    public void A_missing_model_file_is_one_error_line()
    {
        using var folder = new TempFolder();
        var run = Cli.Execute("info", "--model", folder.File("none.dfm"));
        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith($"deepfunctional: error: --model: cannot read '{folder.File("none.dfm")}': ", run.Stderr);
    }

    [Fact]
    public void ch5_exports_its_network_to_ONNX()
    {
        using var folder = SyntheticImages.WriteFolder();
        string onnx = folder.File("cnn.onnx");
        var run = Cli.Execute("ch5", "--data", folder.Path, "--precision", "single", "--onnx", onnx);
        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Equal($"ONNX model written to {onnx}", run.Lines.Where(l => l.Length > 0).Last());
        Assert.True(new FileInfo(onnx).Length > 10_000);
    }
}
