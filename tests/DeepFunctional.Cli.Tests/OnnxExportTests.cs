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
}
