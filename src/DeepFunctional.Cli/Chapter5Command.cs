using System.Collections.Generic;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Numerics;
using System.Threading;
using DeepFunctional.Book;
using Microsoft.FSharp.Core;
using Spectre.Console;
using Spectre.Console.Cli;

namespace DeepFunctional.Cli;

/// <summary>The options of ch5.</summary>
internal sealed class Chapter5Settings : ImageSettings
{
    /// <summary>The network's name: <c>book</c> or <c>ch7</c>.</summary>
    [CommandOption("--net <NAME>")]
    [Description("The network (default book): 'book' is the book's Conv2D(16, 5x5, tanh, flatten, dropout 0.8) then Dense(10), SGD with momentum 0.1; 'ch7' is chapter 7's Conv2D(14, 5x5), Conv2D(7, 5x5), Dense(32, dropout 0.8), Dense(10), SGD with momentum 0.01")]
    public string Net { get; init; } = "book";

    /// <summary>The names of the networks.</summary>
    internal static IReadOnlyList<string> Names => Chapter5.configs.Select(c => c.Name).ToArray();

    /// <summary>The experiment to run, with the epochs asked for.</summary>
    internal Chapter4.Config Experiment()
    {
        var chosen = Chapter5.find(Net);
        return Epochs is int n ? Chapter4Settings.WithEpochs(chosen, n) : chosen;
    }

    /// <inheritdoc/>
    protected override ValidationResult CheckImages() =>
        Names.Contains(Net) ? ValidationResult.Success() : Options.Bad("--net", $"one of {string.Join(", ", Names)}", Net);
}

/// <summary>
/// ch5: trains the chosen convolutional network on MNIST-format images, printing the book's lines (the test accuracy
/// every 100 batches, the test loss after every epoch, the final accuracy), and optionally plots the run.
/// </summary>
internal sealed class Chapter5Command(CliIo io) : Command<Chapter5Settings>
{
    /// <inheritdoc/>
    public override int Execute(CommandContext context, Chapter5Settings settings, CancellationToken cancellationToken)
    {
        var images = Images.CheckAndLoad(settings, io, message => new UsageException(message));
        return settings.Precision == Precision.Double ? Run<double>(settings, images) : Run<float>(settings, images);
    }

    private int Run<T>(Chapter5Settings settings, ImageTrainTest images) where T : IFloatingPointIeee754<T>
    {
        var stdout = io.Out;
        Images.PrintData(stdout, settings.Folder, images);
        var loading = new ProgressLine(io.ProgressWriter);
        loading.Show("standardising the pixels");
        var data = Images.Prepare<T>(images, asImages: true);
        loading.Clear();
        var config = settings.Experiment();
        string mode = settings.Book ? "book mode" : "our defaults";
        stdout.WriteLine($"{config.Name}: {config.Description}");
        stdout.WriteLine($"Network: {Text.Describe(config.Layers.Invoke(settings.Book))}; loss: {Text.Describe(config.Loss.Invoke(settings.Book))}; optimizer: {Text.Describe(config.Optimizer)}");
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Training: {config.Epochs} epoch{(config.Epochs == 1 ? "" : "s")}, batches of {Chapter5.BatchSize}, test accuracy every {Chapter5.CheckEvery} batches, seed {Chapter5.Seed}, {mode}, {settings.PrecisionName} precision"));
        var progress = new BatchProgress(io.ProgressWriter, config.Name) { Epochs = config.Epochs };
        var batchLosses = new List<double>();
        int perEpoch = 0, epochsRun = 0;
        var clock = Stopwatch.StartNew();
        Chapter5.Result<T> result;
        try
        {
            result = Chapter5.run(settings.Book,
                FuncConvert.FromAction<TrainingEvent>(e =>
                {
                    progress.Add(e);
                    switch (e)
                    {
                        case TrainingEvent.BatchCompleted b:
                            batchLosses.Add(b.loss);
                            perEpoch = b.batches;
                            break;
                        case TrainingEvent.EpochCompleted:
                            epochsRun++;
                            break;
                    }
                    if (Text.Value(Chapter4.bookLine(e)) is string line)
                    {
                        progress.Clear();
                        stdout.WriteLine(line);
                    }
                }),
                FuncConvert.FromAction<Chapter5.AccuracyCheck>(c =>
                {
                    progress.Clear();
                    stdout.WriteLine(Chapter5.checkLine(c));
                }),
                io.Cancellation, config, data);
        }
        finally
        {
            progress.Clear();
        }
        double seconds = clock.Elapsed.TotalSeconds;
        stdout.WriteLine(Chapter5.accuracyLine(result.Accuracy));
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Trained in {seconds:F1} s"));

        // The model is written before the plot, so that a plot that fails never loses the trained model.
        ModelOutput.Write(settings, stdout, ModelOutput.Classifier(result.Fit.Network, images, data, Chapter5.Seed, epochsRun,
            [("validation loss", result.ValidationLoss), ("accuracy", result.Accuracy)], asImages: true));
        if (settings.PlotFile is string plot)
        {
            string folder = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(settings.Folder)));
            string title = $"Chapter 5, {config.Name} network on {folder} ({(settings.Book ? "book" : "ours")}, {settings.PrecisionName} precision)";
            Files.Write("--plot", plot, () => BatchPlot.Save(plot, title, BatchCurves.Of(batchLosses, perEpoch, result.Checks, result.Accuracy)));
            stdout.WriteLine($"Loss and accuracy curves written to {plot}");
        }
        return 0;
    }
}
