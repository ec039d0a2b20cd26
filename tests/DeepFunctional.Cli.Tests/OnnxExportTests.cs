using System;
using System.Globalization;
using System.IO;
using System.Linq;
using Microsoft.ML.OnnxRuntime;
using Xunit;

namespace DeepFunctional.Cli.Tests;

/// <summary>What --onnx writes, checked by ONNX Runtime against the command line's own predictions.</summary>
public class OnnxExportTests
{
    [Fact]
    public void ONNX_Runtime_gives_the_exported_chapter_3_model_the_predictions_of_predict_on_raw_inputs()
    {
        using var folder = new TempFolder();
        var train = Cli.Execute("--epochs", "5", "--save", folder.File("boston.dfm"), "--onnx", folder.File("boston.onnx"));
        Assert.True(train.ExitCode == 0, train.Stderr);
        string[] rows =
        [
            "0.00632,18,2.31,0,0.538,6.575,65.2,4.09,1,296,15.3,396.9,4.98",
            "0.02731,0,7.07,0,0.469,6.421,78.9,4.9671,2,242,17.8,396.9,9.14",
            "0.08829,12.5,7.87,0,0.524,6.012,66.6,5.5605,5,311,15.2,395.6,12.43",
        ];
        string csv = folder.File("houses.csv");
        File.WriteAllLines(csv, rows);
        var predict = Cli.Execute("predict", "--model", folder.File("boston-two-hidden-layers.dfm"), "--input", csv);
        Assert.True(predict.ExitCode == 0, predict.Stderr);
        double[] ours = predict.Lines.Where(l => l.Length > 0).Select(l => double.Parse(l, CultureInfo.InvariantCulture)).ToArray();

        float[] x = rows.SelectMany(r => r.Split(',').Select(v => float.Parse(v, CultureInfo.InvariantCulture))).ToArray();
        using var session = new InferenceSession(folder.File("boston-two-hidden-layers.onnx"));
        using var input = OrtValue.CreateTensorValueFromMemory(x, [rows.Length, 13]);
        using var options = new RunOptions();
        using var outputs = session.Run(options, [session.InputNames[0]], [input], session.OutputNames);
        float[] theirs = outputs[0].GetTensorDataAsSpan<float>().ToArray();

        Assert.Equal(ours.Length, theirs.Length);
        for (int i = 0; i < ours.Length; i++)
            Assert.True(Math.Abs(ours[i] - theirs[i]) < 1e-3 * Math.Max(1, Math.Abs(ours[i])), $"row {i}: ours {ours[i]}, ONNX Runtime {theirs[i]}");
    }

    [Fact]
    public void A_ch4_classifier_saved_and_exported_gives_the_same_test_accuracy_through_predict_and_through_ONNX_Runtime_on_raw_pixels()
    {
        using var folder = SyntheticImages.WriteFolder();
        string model = folder.File("m.dfm"), onnx = folder.File("m.onnx");
        var train = Cli.Execute("ch4", "--data", folder.Path, "--epochs", "5", "--save", model, "--onnx", onnx, "--precision", "single");
        Assert.True(train.ExitCode == 0, train.Stderr);
        string printed = train.Lines.Single(l => l.StartsWith("The model validation accuracy is: ", StringComparison.Ordinal))["The model validation accuracy is: ".Length..];

        var predict = Cli.Execute("predict", "--model", model, "--data", folder.Path);
        Assert.True(predict.ExitCode == 0, predict.Stderr);
        Assert.Equal($"Test accuracy: {printed} of 200 images", predict.Lines[0]);
        Assert.Equal("Confusion matrix (rows: true class, columns: predicted class):", predict.Lines[1]);
        var rows = predict.Lines.Skip(3).Take(10).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(int.Parse).ToArray()).ToArray();
        Assert.Equal(200, rows.Sum(r => r.Sum()));

        // ONNX Runtime on the test file's raw 0-255 pixels: the graph standardises them itself.
        var test = Idx.loadImageSet(folder.File("t10k-images-idx3-ubyte"), folder.File("t10k-labels-idx1-ubyte"));
        float[] x = test.Images.Select(b => (float)b).ToArray();
        using var session = new InferenceSession(onnx);
        using var input = OrtValue.CreateTensorValueFromMemory(x, [test.Count, test.Rows * test.Cols]);
        using var options = new RunOptions();
        using var outputs = session.Run(options, [session.InputNames[0]], [input], session.OutputNames);
        float[] p = outputs[0].GetTensorDataAsSpan<float>().ToArray();
        int classes = p.Length / test.Count;
        int correct = Enumerable.Range(0, test.Count).Count(i =>
        {
            var row = p.AsSpan(i * classes, classes).ToArray();
            return Array.IndexOf(row, row.Max()) == test.Labels[i];
        });
        Assert.Equal(printed, (100.0 * correct / test.Count).ToString("F2", CultureInfo.InvariantCulture) + "%");
        Assert.Equal(rows.Select((r, t) => r[t]).Sum(), correct);
    }

    [Fact]
    public void predict_takes_one_source_of_inputs_and_refuses_a_model_that_does_not_fit_the_images()
    {
        using var folder = SyntheticImages.WriteFolder();
        Assert.Equal(2, Cli.Execute("predict", "--model", "m.dfm").ExitCode);
        Assert.Equal(2, Cli.Execute("predict", "--model", "m.dfm", "--data", folder.Path, "--input", "x.csv").ExitCode);
        Assert.Equal(2, Cli.Execute("predict", "--model", "m.dfm", "--labels", "l.idx", "--input", "x.csv").ExitCode);
        string boston = folder.File("b.dfm");
        Assert.Equal(0, Cli.Execute("--epochs", "2", "--save", boston).ExitCode);
        var run = Cli.Execute("predict", "--model", folder.File("b-linear-regression.dfm"), "--data", folder.Path);
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("takes inputs of shape 13, not images of 6x6", run.Stderr);
    }
}
