using System.Collections.Generic;
using System.Linq;

namespace DeepFunctional.Cli;

/// <summary>One run's curves: its name, training loss per epoch, and validation loss at its evaluations.</summary>
internal sealed record LossCurves(string Name, IReadOnlyList<double> TrainingLosses, IReadOnlyList<(int Epoch, double Loss)> Evaluations);

/// <summary>Collects a run's curves from its training events: the mean batch loss of every epoch, and every evaluation.</summary>
internal sealed class CurveRecorder(string name)
{
    private readonly List<double> _training = [];
    private readonly List<(int, double)> _evaluations = [];
    private double _sum;
    private int _count;

    /// <summary>Takes one event into account.</summary>
    internal void Add(TrainingEvent e)
    {
        switch (e)
        {
            case TrainingEvent.BatchCompleted b:
                _sum += b.loss;
                _count++;
                break;
            case TrainingEvent.EpochCompleted:
                _training.Add(_count == 0 ? double.NaN : _sum / _count);
                _sum = 0;
                _count = 0;
                break;
            case TrainingEvent.Evaluated v:
                _evaluations.Add((v.epoch, v.loss));
                break;
            case TrainingEvent.EarlyStopped s:
                _evaluations.Add((s.epoch, s.loss));
                break;
        }
    }

    /// <summary>The curves so far.</summary>
    internal LossCurves Curves => new(name, _training.ToArray(), _evaluations.ToArray());
}

/// <summary>Draws the loss curves of one or more runs into a PNG (ScottPlot, headless through SkiaSharp).</summary>
internal static class LossPlot
{
    /// <summary>The size of the picture in pixels.</summary>
    internal const int Width = 1200, Height = 640;

    /// <summary>
    /// Writes a PNG with, for each run in its own colour, the training loss of every epoch (a solid line)
    /// and the validation loss at every evaluation (a dashed line with markers), against the epoch.
    /// </summary>
    /// <param name="path">The PNG file to write (replaced if it exists).</param>
    /// <param name="title">The title above the plot.</param>
    /// <param name="runs">The runs' curves.</param>
    /// <exception cref="System.IO.IOException">when the file cannot be written.</exception>
    internal static void Save(string path, string title, IReadOnlyList<LossCurves> runs)
    {
        var plot = new ScottPlot.Plot();
        var palette = new ScottPlot.Palettes.Category10();
        for (int i = 0; i < runs.Count; i++)
        {
            var run = runs[i];
            var color = palette.GetColor(i);
            if (run.TrainingLosses.Count > 0)
            {
                double[] epochs = Enumerable.Range(1, run.TrainingLosses.Count).Select(e => (double)e).ToArray();
                var training = plot.Add.Scatter(epochs, run.TrainingLosses.ToArray(), color);
                training.LegendText = $"{run.Name}: training loss";
                training.LineWidth = 2;
                training.MarkerSize = run.TrainingLosses.Count == 1 ? 6 : 0;
            }
            if (run.Evaluations.Count > 0)
            {
                var validation = plot.Add.Scatter(
                    run.Evaluations.Select(e => (double)e.Epoch).ToArray(), run.Evaluations.Select(e => e.Loss).ToArray(), color);
                validation.LegendText = $"{run.Name}: validation loss";
                validation.LineWidth = 2;
                validation.LinePattern = ScottPlot.LinePattern.Dashed;
                validation.MarkerSize = 9;
                validation.MarkerShape = ScottPlot.MarkerShape.FilledCircle;
            }
        }
        plot.Title(title);
        plot.XLabel("epoch");
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        plot.YLabel("loss");
        // One run's two entries fit inside the plot; more go to the right of it, clear of the curves.
        if (runs.Count > 1)
            plot.ShowLegend(ScottPlot.Edge.Right);
        else
            plot.ShowLegend(ScottPlot.Alignment.UpperRight);
        plot.SavePng(path, Width, Height);
    }

    /// <summary>Writes a PNG of one curve of losses against the iteration (1-based), labelled <paramref name="label"/>.</summary>
    /// <param name="path">The PNG file to write (replaced if it exists).</param>
    /// <param name="title">The title above the plot.</param>
    /// <param name="label">The curve's legend.</param>
    /// <param name="losses">The loss after every iteration.</param>
    /// <exception cref="System.IO.IOException">when the file cannot be written.</exception>
    internal static void SaveIterations(string path, string title, string label, IReadOnlyList<double> losses)
    {
        var plot = new ScottPlot.Plot();
        double[] iterations = Enumerable.Range(1, losses.Count).Select(i => (double)i).ToArray();
        var line = plot.Add.Scatter(iterations, losses.ToArray());
        line.LegendText = $"{label}: moving-average loss";
        line.LineWidth = 2;
        line.MarkerSize = 0;
        plot.Title(title);
        plot.XLabel("iteration");
        plot.YLabel("nats per character");
        plot.ShowLegend(ScottPlot.Alignment.UpperRight);
        plot.SavePng(path, Width, Height);
    }
}
