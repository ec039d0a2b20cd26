using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Threading;

namespace DeepFunctional.Cli;

// Inside the namespace, so that the facade's names win over the F# core's modules of the same name
// (DeepFunctional.Trainer, DeepFunctional.Conv2D, ...), which the enclosing namespace would otherwise find first.
using DeepFunctional.CSharp;

/// <summary>
/// Chapter 5: loads MNIST-format images, keeps them as images, trains the chosen convolutional network printing the
/// book's lines (the test accuracy every 100 batches, the test loss after every epoch, the final accuracy), and
/// optionally plots the run.
/// </summary>
internal static class Chapter5Runner
{
    /// <summary>Runs the network the settings choose and prints its lines. Returns the exit code: 0 when the run finished.</summary>
    /// <param name="settings">What to run.</param>
    /// <param name="stdout">Where the book's lines go.</param>
    /// <param name="progress">Where the progress bar goes (stderr when it is a terminal), or null.</param>
    /// <param name="cancellationToken">Stops training between batches.</param>
    /// <param name="defaultFolder">The data folder when the settings name none: where Debian installs Fashion-MNIST.</param>
    /// <exception cref="UsageException">when the data folder does not exist (exit code 2).</exception>
    /// <exception cref="RunFailedException">when the data cannot be read or the plot cannot be written.</exception>
    internal static int Run(Chapter5Settings settings, TextWriter stdout, TextWriter? progress, CancellationToken cancellationToken,
        string defaultFolder = Mnist.FashionMnistFolder)
    {
        var experiment = settings.Experiment();
        string folder = settings.DataFolder ?? defaultFolder;
        if (!Directory.Exists(folder))
            throw new UsageException(Chapter4Runner.MissingFolder(settings.DataFolder, folder));
        var view = new EpochProgress(stdout, EpochProgress.ConsoleFor(progress));
        cancellationToken.ThrowIfCancellationRequested();

        var (doubles, singles) = Chapter4Runner.LoadSplit(view, stdout, folder, settings.Precision, d => d.BookSplitImages(), d => d.BookSplitImagesSingle());

        string mode = settings.Book ? "book mode" : "our defaults";
        string precision = settings.Precision == Precision.Double ? "double" : "single";
        stdout.WriteLine(experiment.ToString());
        stdout.WriteLine($"Network: {string.Join(", ", experiment.Layers(settings.Book))}; loss: {experiment.Loss(settings.Book)}; optimizer: {experiment.Optimizer}");
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Training: {experiment.Epochs} epoch{(experiment.Epochs == 1 ? "" : "s")}, batches of {Chapter5Experiment.BatchSize}, test accuracy every {Chapter5Experiment.CheckEvery} batches, seed {Chapter5Experiment.Seed}, {mode}, {precision} precision"));
        var clock = Stopwatch.StartNew();
        var result = view.Run(experiment.Name, p => doubles is not null
            ? experiment.Run(doubles, settings.Book, p, cancellationToken)
            : experiment.Run(singles!, settings.Book, p, cancellationToken));
        double seconds = clock.Elapsed.TotalSeconds;
        stdout.WriteLine(result.AccuracyLine);
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Trained in {seconds:F1} s"));

        if (settings.PlotFile is string plot)
        {
            string data = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)));
            string title = $"Chapter 5, {experiment.Name} network on {data} ({(settings.Book ? "book" : "ours")}, {precision} precision)";
            try
            {
                BatchPlot.Save(plot, title, BatchCurves.Of(result));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new RunFailedException($"--plot: cannot write '{plot}': {e.Message}");
            }
            stdout.WriteLine($"Loss and accuracy curves written to {plot}");
        }
        return 0;
    }
}
