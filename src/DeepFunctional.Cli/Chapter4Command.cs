using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Numerics;
using System.Threading;
using DeepFunctional.Book;
using Microsoft.FSharp.Collections;
using Microsoft.FSharp.Core;
using Spectre.Console;
using Spectre.Console.Cli;

namespace DeepFunctional.Cli;

/// <summary>The options of ch4.</summary>
internal sealed class Chapter4Settings : ImageSettings
{
    /// <summary>The value of <c>--config</c> that runs every experiment.</summary>
    internal const string AllConfigs = "all";

    /// <summary>The experiment's name, or <c>all</c>.</summary>
    [CommandOption("--config <NAME>")]
    [Description("The experiment (default sce-sgd): mse, mse-normalized, sce-sgd, sce-momentum, linear-decay, exp-decay, glorot, deep-dropout; 'all' runs the eight in the book's order (295 epochs in all: this takes a while)")]
    public string Config { get; init; } = "sce-sgd";

    /// <summary>The names of the experiments, in the book's order.</summary>
    internal static IReadOnlyList<string> Names => Chapter4.configs.Select(c => c.Name).ToArray();

    /// <summary>The experiments to run, in the book's order, with the epochs asked for.</summary>
    internal IReadOnlyList<Chapter4.Config> Experiments()
    {
        var chosen = Config == AllConfigs ? Chapter4.configs.ToArray() : [Chapter4.find(Config)];
        return Epochs is int n ? chosen.Select(c => WithEpochs(c, n)).ToArray() : chosen;
    }

    /// <summary>The same experiment trained for <paramref name="epochs"/> epochs.</summary>
    internal static Chapter4.Config WithEpochs(Chapter4.Config c, int epochs) =>
        new(c.Name, c.Description, c.Layers, c.Loss, c.Optimizer, epochs);

    /// <inheritdoc/>
    protected override ValidationResult CheckImages() =>
        Config == AllConfigs || Names.Contains(Config)
            ? (Config == AllConfigs && (SaveFile is not null || OnnxFile is not null)
                ? ValidationResult.Error("option --save and --onnx expect one experiment, got --config all")
                : ValidationResult.Success())
            : Options.Bad("--config", $"one of {string.Join(", ", Names)} or {AllConfigs}", Config);
}

/// <summary>
/// ch4: loads MNIST-format images, prepares them as the book does, runs the chosen experiments printing the book's
/// lines and accuracy, then a table of all runs, and optionally plots their losses.
/// </summary>
internal sealed class Chapter4Command(CliIo io) : Command<Chapter4Settings>
{
    /// <summary>One row of the final table.</summary>
    private sealed record Row(string Config, string Mode, string Precision, int EpochsRun, int? StoppedEarlyAt,
        double ValidationLoss, double Accuracy, double Seconds);

    /// <inheritdoc/>
    public override int Execute(CommandContext context, Chapter4Settings settings, CancellationToken cancellationToken)
    {
        var images = Images.CheckAndLoad(settings, io, message => new RunFailedException(message));
        return settings.Precision == Precision.Double ? Run<double>(settings, images) : Run<float>(settings, images);
    }

    private int Run<T>(Chapter4Settings settings, ImageTrainTest images) where T : IFloatingPointIeee754<T>
    {
        var stdout = io.Out;
        Images.PrintData(stdout, settings.Folder, images);
        var loading = new ProgressLine(io.ProgressWriter);
        loading.Show("standardising the pixels");
        var data = Images.Prepare<T>(images, asImages: false);
        loading.Clear();
        var rows = new List<Row>();
        var curves = new List<LossCurves>();
        string mode = settings.Book ? "book" : "ours";
        Chapter4.Result<T>? last = null;
        foreach (var config in settings.Experiments())
        {
            io.Cancellation.ThrowIfCancellationRequested();
            PrintHeading(config, settings, stdout);
            var recorder = new CurveRecorder(config.Name);
            var progress = new BatchProgress(io.ProgressWriter, config.Name) { Epochs = config.Epochs };
            int epochsRun = 0;
            var clock = Stopwatch.StartNew();
            Chapter4.Result<T> result;
            try
            {
                result = Chapter4.run(settings.Book, FuncConvert.FromAction<TrainingEvent>(e =>
                {
                    recorder.Add(e);
                    progress.Add(e);
                    if (e is TrainingEvent.EpochCompleted)
                        epochsRun++;
                    if (Text.Value(Chapter4.bookLine(e)) is string line)
                    {
                        progress.Clear();
                        stdout.WriteLine(line);
                    }
                }), io.Cancellation, config, data);
            }
            finally
            {
                progress.Clear();
            }
            double seconds = clock.Elapsed.TotalSeconds;
            stdout.WriteLine(Chapter4.accuracyLine(result.Accuracy));
            stdout.WriteLine();
            rows.Add(new Row(config.Name, mode, settings.PrecisionName, epochsRun, Option(result.Fit.StoppedEarlyAt),
                FinalLoss(result.Fit, settings.Book), result.Accuracy, seconds));
            curves.Add(recorder.Curves);
            last = result;
        }
        PrintTable(rows, stdout);
        // The model is written before the plot, so that a plot that fails never loses the trained model.
        if (last is not null)
            ModelOutput.Write(settings, stdout, ModelOutput.Classifier(last.Fit.Network, images, data, Chapter4.Seed, epochs: rows[^1].EpochsRun,
                [("validation loss", rows[^1].ValidationLoss), ("accuracy", rows[^1].Accuracy)]));
        if (settings.PlotFile is string plot)
        {
            string title = $"Chapter 4 on {Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(settings.Folder)))} ({mode}, {settings.PrecisionName} precision)";
            Files.Write("--plot", plot, () => LossPlot.Save(plot, title, curves));
            stdout.WriteLine();
            stdout.WriteLine($"Loss curves written to {plot}");
        }
        return 0;
    }

    /// <summary>The test loss of the network a run keeps: the best finite evaluation when our early stopping kept it, else the last.</summary>
    internal static double FinalLoss<T>(FitResult<T> fit, bool book)
    {
        var losses = fit.Evaluations.Select(e => e.Loss).ToArray();
        if (losses.Length == 0)
            return double.NaN;
        var finite = losses.Where(double.IsFinite).ToArray();
        return Option(fit.StoppedEarlyAt) is not null && !book && finite.Length > 0 ? finite.Min() : losses[^1];
    }

    /// <summary>An F# option of an int as a nullable.</summary>
    internal static int? Option(FSharpOption<int>? o) => FSharpOption<int>.get_IsSome(o) ? o!.Value : null;

    /// <summary>The experiment's name and description, then its network and training settings.</summary>
    private static void PrintHeading(Chapter4.Config config, Chapter4Settings settings, TextWriter stdout)
    {
        stdout.WriteLine($"{config.Name}: {config.Description}");
        stdout.WriteLine($"Network: {Text.Describe(config.Layers.Invoke(settings.Book))}; loss: {Text.Describe(config.Loss.Invoke(settings.Book))}; optimizer: {Text.Describe(config.Optimizer)}");
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Training: {config.Epochs} epochs, batches of {Chapter4.BatchSize}, evaluation every {Chapter4.EvalEvery} epochs, seed {Chapter4.Seed}, {(settings.Book ? "book mode" : "our defaults")}, {settings.PrecisionName} precision"));
    }

    /// <summary>The table of all runs.</summary>
    private static void PrintTable(IReadOnlyList<Row> rows, TextWriter stdout)
    {
        var cells = rows.Select(r => new[]
        {
            r.Config, r.Mode, r.Precision, Text.Integer(r.EpochsRun), r.StoppedEarlyAt is int s ? Text.Integer(s) : "-",
            double.IsNaN(r.ValidationLoss) ? "-" : Text.Fixed(r.ValidationLoss, 3), Text.Fixed(r.Accuracy * 100, 2) + "%", Text.Fixed(r.Seconds, 1),
        }).ToList();
        Text.Table(stdout, ["config", "mode", "precision", "epochs run", "stopped early at", "final validation loss", "accuracy", "seconds"], cells,
            [false, false, false, true, true, true, true, true]);
    }
}
