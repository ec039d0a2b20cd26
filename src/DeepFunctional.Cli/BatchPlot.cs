using System.Collections.Generic;
using System.Linq;

namespace DeepFunctional.Cli;

/// <summary>
/// One run's curves against the number of batches trained: the loss of every batch, and the test accuracies measured
/// during training (after that many batches) and at the end.
/// </summary>
internal sealed record BatchCurves(IReadOnlyList<double> BatchLosses, IReadOnlyList<(int Batches, double Accuracy)> Accuracies)
{
    /// <summary>
    /// The curves of a chapter-5 run: the loss of every batch, checks placed at (epoch − 1)·batches per epoch + batch,
    /// and the final accuracy after the last batch.
    /// </summary>
    internal static BatchCurves Of(IReadOnlyList<double> batchLosses, int batchesPerEpoch, IEnumerable<DeepFunctional.Book.Chapter5.AccuracyCheck> checks, double accuracy)
    {
        var accuracies = checks.Select(c => ((c.Epoch - 1) * batchesPerEpoch + c.Batches, c.Accuracy)).ToList();
        accuracies.Add((batchLosses.Count, accuracy));
        return new BatchCurves(batchLosses, accuracies);
    }

    /// <summary>The mean loss of every <paramref name="size"/> batches (the last group may be smaller), placed at its last batch.</summary>
    internal IReadOnlyList<(int Batches, double Loss)> Means(int size) =>
        Enumerable.Range(0, (BatchLosses.Count + size - 1) / size)
            .Select(g =>
            {
                var group = BatchLosses.Skip(g * size).Take(size).ToArray();
                return (g * size + group.Length, group.Average());
            })
            .ToArray();
}

/// <summary>Draws a chapter-5 run into a PNG (ScottPlot, headless through SkiaSharp): losses on the left axis, accuracy on the right.</summary>
internal static class BatchPlot
{
    /// <summary>The size of the picture in pixels.</summary>
    internal const int Width = 1200, Height = 640;

    /// <summary>The training loss is also drawn as the mean of this many batches.</summary>
    internal const int MeanOf = 10;

    /// <summary>
    /// Writes a PNG with the training loss of every batch (a thin line), its mean over every 10 batches (a thick line),
    /// both on the left axis, and the test accuracy in percent at every check and at the end (markers joined by a
    /// dashed line) on the right axis, all against the number of batches trained.
    /// </summary>
    /// <param name="path">The PNG file to write (replaced if it exists).</param>
    /// <param name="title">The title above the plot.</param>
    /// <param name="curves">The run's curves.</param>
    /// <exception cref="System.IO.IOException">when the file cannot be written.</exception>
    internal static void Save(string path, string title, BatchCurves curves)
    {
        var plot = new ScottPlot.Plot();
        var palette = new ScottPlot.Palettes.Category10();
        if (curves.BatchLosses.Count > 0)
        {
            double[] batches = Enumerable.Range(1, curves.BatchLosses.Count).Select(b => (double)b).ToArray();
            var each = plot.Add.Scatter(batches, curves.BatchLosses.ToArray(), palette.GetColor(0).WithAlpha(0.35));
            each.LegendText = "training loss of each batch";
            each.LineWidth = 1;
            each.MarkerSize = 0;
            var means = curves.Means(MeanOf);
            var mean = plot.Add.Scatter(means.Select(m => (double)m.Batches).ToArray(), means.Select(m => m.Loss).ToArray(), palette.GetColor(0));
            mean.LegendText = $"training loss, mean of {MeanOf} batches";
            mean.LineWidth = 2;
            mean.MarkerSize = 0;
        }
        if (curves.Accuracies.Count > 0)
        {
            var accuracy = plot.Add.Scatter(
                curves.Accuracies.Select(a => (double)a.Batches).ToArray(), curves.Accuracies.Select(a => a.Accuracy * 100).ToArray(), palette.GetColor(1));
            accuracy.LegendText = "test accuracy (%, right axis)";
            accuracy.LineWidth = 2;
            accuracy.LinePattern = ScottPlot.LinePattern.Dashed;
            accuracy.MarkerSize = 9;
            accuracy.MarkerShape = ScottPlot.MarkerShape.FilledCircle;
            accuracy.Axes.YAxis = plot.Axes.Right;
            plot.Axes.Right.Label.Text = "test accuracy (%)";
        }
        plot.Title(title);
        plot.XLabel("batches trained");
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        plot.YLabel("loss");
        plot.ShowLegend(ScottPlot.Alignment.UpperCenter);
        plot.SavePng(path, Width, Height);
    }
}
