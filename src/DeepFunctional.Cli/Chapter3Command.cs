using System;
using System.Collections.Generic;
using System.ComponentModel;
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

/// <summary>The options of ch3, the default command; the defaults are the book's.</summary>
internal sealed class Chapter3Settings : ModelOutputSettings
{
    /// <summary>The seed of the networks and of training.</summary>
    [CommandOption("--seed <N>")]
    [Description("Seed of the networks and of training, 0..4294967295 (default 20190501)")]
    public long Seed { get; init; } = Chapter3.Seed;

    /// <summary>Passes over the training data.</summary>
    [CommandOption("--epochs <N>")]
    [Description("Passes over the training data, >= 1 (default 50)")]
    public int Epochs { get; init; } = Chapter3.Epochs;

    /// <summary>The SGD learning rate.</summary>
    [CommandOption("--lr <X>")]
    [Description("SGD learning rate, > 0 (default 0.01)")]
    public double LearningRate { get; init; } = Chapter3.LearningRate;

    /// <summary>The evaluation period.</summary>
    [CommandOption("--eval-every <N>")]
    [Description("Evaluate on the test data every N epochs, >= 1 (default 10)")]
    public int EvalEvery { get; init; } = Chapter3.EvalEvery;

    /// <summary>Rows per batch.</summary>
    [CommandOption("--batch-size <N>")]
    [Description("Rows per batch, >= 1 (default 32)")]
    public int BatchSize { get; init; } = Chapter3.BatchSize;

    /// <summary>True when every setting is the book's, so the comparison with the book applies.</summary>
    public bool IsBook => Differences().Count == 0;

    /// <summary>The options that differ from the book's, as they would be written on the command line.</summary>
    public IReadOnlyList<string> Differences()
    {
        var d = new List<string>();
        if (Precision != Precision.Double) d.Add("--precision single");
        if (Seed != Chapter3.Seed) d.Add("--seed " + Text.Integer(Seed));
        if (Epochs != Chapter3.Epochs) d.Add("--epochs " + Text.Integer(Epochs));
        if (LearningRate != Chapter3.LearningRate) d.Add("--lr " + Text.Number(LearningRate));
        if (EvalEvery != Chapter3.EvalEvery) d.Add("--eval-every " + Text.Integer(EvalEvery));
        if (BatchSize != Chapter3.BatchSize) d.Add("--batch-size " + Text.Integer(BatchSize));
        return d;
    }

    /// <inheritdoc/>
    protected override ValidationResult CheckModel() =>
        Seed is < 0 or > uint.MaxValue ? Options.Bad("--seed", "an integer in 0..4294967295", Seed)
        : Epochs < 1 ? Options.Bad("--epochs", "an integer >= 1", Epochs)
        : !(double.IsFinite(LearningRate) && LearningRate > 0) ? Options.Bad("--lr", "a finite number > 0", Text.Number(LearningRate))
        : EvalEvery < 1 ? Options.Bad("--eval-every", "an integer >= 1", EvalEvery)
        : BatchSize < 1 ? Options.Bad("--batch-size", "an integer >= 1", BatchSize)
        : ValidationResult.Success();
}

/// <summary>ch3: the three models of chapter 3 on the Boston data, then the comparison of 21 numbers with the book's.</summary>
internal sealed class Chapter3Command(CliIo io) : Command<Chapter3Settings>
{
    /// <summary>One row of the comparison table.</summary>
    internal sealed record Row(string Model, string Quantity, string Ours, string Book)
    {
        /// <summary>Whether our printed number is the book's.</summary>
        internal bool Matches => Ours == Book;
    }

    /// <summary>Total number of compared values: 5 losses and 2 metrics for each of 3 models.</summary>
    internal const int NumberCount = 21;

    /// <inheritdoc/>
    public override int Execute(CommandContext context, Chapter3Settings settings, CancellationToken cancellationToken) =>
        settings.Precision == Precision.Double ? Run<double>(settings) : Run<float>(settings);

    private int Run<T>(Chapter3Settings settings) where T : IFloatingPointIeee754<T>
    {
        var stdout = io.Out;
        Files.CheckWritable("--plot", settings.PlotFile);
        foreach (var model in Chapter3.models)
        {
            Files.CheckWritable("--save", ModelPath(settings.SaveFile, model));
            Files.CheckWritable("--onnx", ModelPath(settings.OnnxFile, model));
        }
        var data = Datasets.bostonSplit<T>();
        var curves = new List<LossCurves>();
        var options = new FitOptions(settings.Epochs, settings.EvalEvery, settings.BatchSize, settings.Seed,
            Chapter3.options.Restart, Chapter3.options.EarlyStopping, Chapter3.options.EarlyStoppingModel);
        var rows = new List<Row>();
        foreach (var model in Chapter3.models)
        {
            io.Cancellation.ThrowIfCancellationRequested();
            stdout.WriteLine($"{Text.Capitalise(model.Name)}: {Text.Describe(model.Layers)}");
            var losses = new Dictionary<int, double>();
            var progress = new ProgressLine(io.ProgressWriter);
            var recorder = new CurveRecorder(model.Name);
            FitResult<T> fit;
            try
            {
                fit = Trainer.fitWith(FuncConvert.FromAction<TrainingEvent>(e =>
                {
                    recorder.Add(e);
                    if (e is TrainingEvent.Evaluated ev)
                        losses[ev.epoch] = ev.loss;
                    if (Text.Value(Book.Book.line(e)) is string line)
                    {
                        progress.Clear();
                        stdout.WriteLine(line);
                    }
                    else if (e is TrainingEvent.EpochCompleted ep)
                    {
                        progress.Show($"{model.Name}: epoch {ep.epoch}/{ep.epochs}");
                    }
                }), io.Cancellation, options, OptimizerModule.sgd(settings.LearningRate), Chapter3.network<T>(settings.Seed, model),
                    data.XTrain, data.YTrain, data.XTest, data.YTest);
            }
            finally
            {
                progress.Clear();
            }
            var p = NeuralNetwork.forward(fit.Network, data.XTest);
            string mae = Text.Fixed(Metrics.meanAbsoluteError(p, data.YTest), 2);
            string rmse = Text.Fixed(Metrics.rootMeanSquaredError(p, data.YTest), 2);
            stdout.WriteLine($"Mean absolute error: {mae}");
            stdout.WriteLine();
            stdout.WriteLine($"Root mean squared error {rmse}");
            stdout.WriteLine();
            var bookLosses = model.Losses.ToArray();
            int k = 0;
            foreach (int epoch in Chapter3.bookEpochs)
            {
                rows.Add(new Row(model.Name, $"loss after {epoch} epochs", losses.TryGetValue(epoch, out var l) ? Text.Fixed(l, 3) : "-", bookLosses[k]));
                k++;
            }
            rows.Add(new Row(model.Name, "mean absolute error", mae, model.Mae));
            rows.Add(new Row(model.Name, "root mean squared error", rmse, model.Rmse));
            curves.Add(recorder.Curves);
            var saved = ModelOutput.With(ModelFile.ofNetwork([data.XTrain.Cols], fit.Network),
                Preprocessing.NewStandardize(Datasets.bostonStandardizer()), null,
                ModelOutput.Provenance(settings.Seed, settings.Epochs, [("validation loss", losses.Count > 0 ? losses[losses.Keys.Max()] : double.NaN),
                    ("mean absolute error", Metrics.meanAbsoluteError(p, data.YTest)), ("root mean squared error", Metrics.rootMeanSquaredError(p, data.YTest))]));
            ModelOutput.Write(ModelPath(settings.SaveFile, model), ModelPath(settings.OnnxFile, model), stdout, saved);
        }
        int code = PrintTable(settings, rows, stdout);
        if (settings.PlotFile is string plot)
        {
            Files.Write("--plot", plot, () => LossPlot.Save(plot, $"Chapter 3 on the Boston data ({settings.PrecisionName} precision)", curves));
            stdout.WriteLine();
            stdout.WriteLine($"Loss curves written to {plot}");
        }
        return code;
    }

    /// <summary>
    /// The file of one model for <c>--save</c> or <c>--onnx</c>: the model's name joined to the file name given,
    /// <c>boston.dfm</c> → <c>boston-one-hidden-layer.dfm</c> (null when the option is not given).
    /// </summary>
    internal static string? ModelPath(string? given, Chapter3.Model model)
    {
        if (given is null)
            return null;
        string slug = model.Name.Replace(' ', '-');
        string name = Path.GetFileNameWithoutExtension(given) + "-" + slug + Path.GetExtension(given);
        return Path.Combine(Path.GetDirectoryName(given) ?? "", name);
    }

    /// <summary>Prints the table of ours against the book's and the summary line; returns the exit code (1 when a number differs).</summary>
    internal static int PrintTable(Chapter3Settings settings, IReadOnlyList<Row> rows, TextWriter stdout)
    {
        bool applies = settings.IsBook;
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Ours against the book ({settings.PrecisionName} precision, seed {settings.Seed}, {settings.Epochs} epochs, SGD learning rate {Text.Number(settings.LearningRate)}, evaluation every {settings.EvalEvery} epochs, batches of {settings.BatchSize}):"));
        stdout.WriteLine();
        var cells = rows.Select(r => new[] { r.Model, r.Quantity, r.Ours, r.Book, applies ? (r.Matches ? "yes" : "NO") : "n/a" }).ToList();
        Text.Table(stdout, ["model", "quantity", "ours", "book", "match"], cells, [false, false, true, true, false]);
        stdout.WriteLine();
        if (!applies)
        {
            stdout.WriteLine($"Match check not applicable: run with {string.Join(" ", settings.Differences())} instead of the book's settings.");
            return 0;
        }
        int matches = rows.Count(r => r.Matches);
        stdout.WriteLine($"{matches} of {rows.Count} numbers match the book.");
        return matches == rows.Count ? 0 : Program.Failure;
    }
}
