using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;

namespace DeepFunctional.Cli;

// Inside the namespace, so that the facade's names win over the F# core's modules of the same name
// (DeepFunctional.Trainer, DeepFunctional.Dense, ...), which the enclosing namespace would otherwise find first.
using DeepFunctional.CSharp;

/// <summary>
/// The chapter-4 experiments: loads MNIST-format images, prepares them as the book does, runs the chosen
/// experiments printing the book's lines and accuracy, then a table of all runs, and optionally plots their losses.
/// </summary>
internal static class Chapter4Runner
{
    /// <summary>One row of the final table.</summary>
    internal sealed record Row(string Config, string Mode, string Precision, int EpochsRun, int? StoppedEarlyAt,
        double ValidationLoss, double Accuracy, double Seconds);

    /// <summary>
    /// Runs the experiments the settings choose and prints their lines and the table. Returns the exit code:
    /// 0 when every run finished.
    /// </summary>
    /// <param name="settings">What to run.</param>
    /// <param name="stdout">Where the book's lines and the table go.</param>
    /// <param name="progress">Where the progress bar goes (stderr when it is a terminal), or null.</param>
    /// <param name="cancellationToken">Stops training between batches.</param>
    /// <param name="defaultFolder">The data folder when the settings name none: where Debian installs Fashion-MNIST.</param>
    /// <exception cref="RunFailedException">when the data folder is missing or cannot be read.</exception>
    internal static int Run(Chapter4Settings settings, TextWriter stdout, TextWriter? progress, CancellationToken cancellationToken,
        string defaultFolder = Mnist.FashionMnistFolder)
    {
        var experiments = settings.Experiments();
        string folder = settings.DataFolder ?? defaultFolder;
        if (!Directory.Exists(folder))
            throw new RunFailedException(MissingFolder(settings.DataFolder, folder));
        var view = new EpochProgress(stdout, EpochProgress.ConsoleFor(progress));
        cancellationToken.ThrowIfCancellationRequested();

        var (doubles, singles) = LoadSplit(view, stdout, folder, settings.Precision, d => d.BookSplit(), d => d.BookSplitSingle());

        var rows = new List<Row>();
        var curves = new List<LossCurves>();
        string mode = settings.Book ? "book" : "ours";
        string precision = settings.Precision == Precision.Double ? "double" : "single";
        foreach (var experiment in experiments)
        {
            cancellationToken.ThrowIfCancellationRequested();
            PrintHeading(experiment, settings, stdout);
            var clock = Stopwatch.StartNew();
            var result = view.Run(experiment.Name, p => doubles is not null
                ? experiment.Run(doubles, settings.Book, p, cancellationToken)
                : experiment.Run(singles!, settings.Book, p, cancellationToken));
            double seconds = clock.Elapsed.TotalSeconds;
            stdout.WriteLine(result.AccuracyLine);
            stdout.WriteLine();
            rows.Add(new Row(experiment.Name, mode, precision, result.EpochsCompleted, result.StoppedEarlyAt,
                result.ValidationLoss, result.Accuracy, seconds));
            curves.Add(LossCurves.Of(result));
        }
        PrintTable(rows, stdout);
        if (settings.PlotFile is string plot)
        {
            string title = $"Chapter 4 on {Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)))} ({mode}, {precision} precision)";
            try
            {
                LossPlot.Save(plot, title, curves);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new RunFailedException($"--plot: cannot write '{plot}': {e.Message}");
            }
            stdout.WriteLine();
            stdout.WriteLine($"Loss curves written to {plot}");
        }
        return 0;
    }

    /// <summary>The one-line message for a data folder that does not exist: how to get Fashion-MNIST, or what --data expects.</summary>
    /// <param name="given">The folder given with --data, or null for the default.</param>
    /// <param name="folder">The folder looked for.</param>
    internal static string MissingFolder(string? given, string folder) =>
        given is null
            ? $"found no Fashion-MNIST in {folder}; install it with 'apt-get install dataset-fashion-mnist', "
              + $"or give --data DIR for a folder of MNIST-format files ({string.Join(", ", Mnist.FileNames)}, each possibly .gz)"
            : $"--data: found no folder '{folder}'; expected a folder of MNIST-format files ({string.Join(", ", Mnist.FileNames)}, each possibly .gz)";

    /// <summary>Reads the folder; a missing or malformed file becomes a one-line failure naming it.</summary>
    /// <summary>
    /// Reads the MNIST-format folder, prints its one-line description and prepares the book's split in
    /// the chosen precision (the other is null), with progress shown while each part runs.
    /// </summary>
    internal static (ClassificationData<double>? Doubles, ClassificationData<float>? Singles) LoadSplit(
        EpochProgress view, TextWriter stdout, string folder, Precision precision,
        Func<ImageDataSet, ClassificationData<double>> toDoubles, Func<ImageDataSet, ClassificationData<float>> toSingles)
    {
        var images = view.Loading($"Reading {folder}", () => Load(folder));
        stdout.WriteLine($"Data: {folder}: training set {images.Train}; test set {images.Test}");
        ClassificationData<double>? doubles = null;
        ClassificationData<float>? singles = null;
        view.Loading("Standardising the pixels", () =>
        {
            if (precision == Precision.Double)
                doubles = toDoubles(images);
            else
                singles = toSingles(images);
            return 0;
        });
        stdout.WriteLine();
        return (doubles, singles);
    }

    internal static ImageDataSet Load(string folder)
    {
        try
        {
            return Mnist.LoadFolder(folder);
        }
        catch (Exception e) when (e is DataFormatException or IOException or UnauthorizedAccessException)
        {
            throw new RunFailedException(e.Message);
        }
    }

    /// <summary>The experiment's name and description, then its network and training settings.</summary>
    private static void PrintHeading(Chapter4Experiment experiment, Chapter4Settings settings, TextWriter stdout)
    {
        stdout.WriteLine(experiment.ToString());
        stdout.WriteLine($"Network: {string.Join(", ", experiment.Layers(settings.Book))}; loss: {experiment.Loss(settings.Book)}; optimizer: {experiment.Optimizer}");
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Training: {experiment.Epochs} epochs, batches of {Chapter4Experiment.BatchSize}, evaluation every {Chapter4Experiment.EvalEvery} epochs, seed {Chapter4Experiment.Seed}, {(settings.Book ? "book mode" : "our defaults")}, {(settings.Precision == Precision.Double ? "double" : "single")} precision"));
    }

    /// <summary>The table of all runs.</summary>
    internal static void PrintTable(IReadOnlyList<Row> rows, TextWriter stdout)
    {
        string[] header = ["config", "mode", "precision", "epochs run", "stopped early at", "final validation loss", "accuracy", "seconds"];
        var cells = rows.Select(r => new[]
        {
            r.Config, r.Mode, r.Precision, Text(r.EpochsRun), r.StoppedEarlyAt is int s ? Text(s) : "-",
            Chapter3Runner.Fixed(r.ValidationLoss, 3), Chapter3Runner.Fixed(r.Accuracy * 100, 2) + "%", Chapter3Runner.Fixed(r.Seconds, 1),
        }).ToList();
        int[] widths = Enumerable.Range(0, header.Length)
            .Select(c => Math.Max(header[c].Length, cells.Count == 0 ? 0 : cells.Max(r => r[c].Length))).ToArray();
        bool[] right = [false, false, false, true, true, true, true, true];
        string Line(string[] cs) =>
            string.Join("  ", cs.Select((s, c) => right[c] ? s.PadLeft(widths[c]) : s.PadRight(widths[c]))).TrimEnd();
        stdout.WriteLine(Line(header));
        stdout.WriteLine(Line(widths.Select(w => new string('-', w)).ToArray()));
        foreach (var row in cells)
            stdout.WriteLine(Line(row));
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
