using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;

namespace DeepFunctional.Cli;

// Inside the namespace, so that the facade's names win over the F# core's modules of the same name
// (DeepFunctional.Trainer, DeepFunctional.Dense, ...), which the enclosing namespace would otherwise find first.
using DeepFunctional.CSharp;

/// <summary>The chapter-3 experiment: three models trained on the Boston data, then compared with the book.</summary>
internal static class Chapter3Runner
{
    /// <summary>One of the chapter's models, with the numbers the book prints for it.</summary>
    internal sealed record Model(string Name, Func<Layer[]> Layers, string[] BookLosses, string BookMae, string BookRmse);

    /// <summary>The epochs after which the book prints a validation loss.</summary>
    internal static readonly int[] BookEpochs = [10, 20, 30, 40, 50];

    /// <summary>The three models of chapter 3 and what the book's code prints for them (double precision, NumPy 1.24).</summary>
    internal static readonly Model[] Models =
    [
        new("linear regression",
            () => [new Dense(neurons: 1, activation: new Linear())],
            ["30.293", "28.469", "26.293", "25.541", "25.087"], "3.52", "5.01"),
        new("one hidden layer",
            () => [new Dense(neurons: 13, activation: new Sigmoid()), new Dense(neurons: 1, activation: new Linear())],
            ["27.435", "21.839", "18.918", "17.195", "16.215"], "2.60", "4.03"),
        new("two hidden layers",
            () => [new Dense(neurons: 13, activation: new Sigmoid()), new Dense(neurons: 13, activation: new Sigmoid()), new Dense(neurons: 1, activation: new Linear())],
            ["44.143", "25.278", "22.339", "16.500", "14.655"], "2.45", "3.83"),
    ];

    /// <summary>One row of the comparison table.</summary>
    internal sealed record Row(string Model, string Quantity, string Ours, string Book)
    {
        /// <summary>Whether our printed number is the book's.</summary>
        internal bool Matches => Ours == Book;
    }

    /// <summary>What a model's run printed, as the book formats it.</summary>
    private sealed record Outcome(IReadOnlyList<Evaluation> Evaluations, RegressionMetrics Metrics);

    /// <summary>Total number of compared values: 5 losses and 2 metrics for each of 3 models.</summary>
    internal const int NumberCount = 21;

    /// <summary>
    /// Trains the three models, printing each one's book lines under a heading, then the table of ours
    /// against the book's. Returns the exit code: 0 when all 21 match (or the check does not apply), 1 otherwise.
    /// </summary>
    internal static int Run(Chapter3Settings settings, TextWriter stdout, TextWriter? progress, CancellationToken cancellationToken)
    {
        var rows = new List<Row>();
        var split = settings.Precision == Precision.Double ? BostonHousing.BookSplit() : null;
        var single = settings.Precision == Precision.Single ? BostonHousing.BookSplitSingle() : null;
        foreach (var model in Models)
        {
            var layers = model.Layers();
            stdout.WriteLine($"{Capitalise(model.Name)}: {string.Join(", ", layers.Select(l => l.ToString()))}");
            var network = new NeuralNetwork(layers, new MeanSquaredError(), seed: settings.Seed) { Seeding = Seeding.Book };
            var trainer = new Trainer(network, new SGD(learningRate: settings.LearningRate)) { Output = null };
            var reporter = new TrainingReporter(stdout, progress, model.Name);
            var outcome = split is not null
                ? Train(trainer, reporter, cancellationToken,
                    (t, r) => t.Fit(split.XTrain, split.YTrain, split.XTest, split.YTest,
                        epochs: settings.Epochs, evalEvery: settings.EvalEvery, batchSize: settings.BatchSize, seed: settings.Seed,
                        progress: r, cancellationToken: cancellationToken),
                    () => network.Evaluate(split.XTest, split.YTest))
                : Train(trainer, reporter, cancellationToken,
                    (t, r) => t.Fit(single!.XTrain, single.YTrain, single.XTest, single.YTest,
                        epochs: settings.Epochs, evalEvery: settings.EvalEvery, batchSize: settings.BatchSize, seed: settings.Seed,
                        progress: r, cancellationToken: cancellationToken),
                    () => network.Evaluate(single!.XTest, single.YTest));
            string mae = Fixed(outcome.Metrics.MeanAbsoluteError, 2);
            string rmse = Fixed(outcome.Metrics.RootMeanSquaredError, 2);
            stdout.WriteLine($"Mean absolute error: {mae}");
            stdout.WriteLine();
            stdout.WriteLine($"Root mean squared error {rmse}");
            stdout.WriteLine();
            for (int k = 0; k < BookEpochs.Length; k++)
            {
                var evaluation = outcome.Evaluations.FirstOrDefault(e => e.Epoch == BookEpochs[k]);
                rows.Add(new Row(model.Name, $"loss after {BookEpochs[k]} epochs",
                    evaluation is null ? "-" : Fixed(evaluation.Loss, 3), model.BookLosses[k]));
            }
            rows.Add(new Row(model.Name, "mean absolute error", mae, model.BookMae));
            rows.Add(new Row(model.Name, "root mean squared error", rmse, model.BookRmse));
        }
        return PrintTable(settings, rows, stdout);
    }

    private static Outcome Train(Trainer trainer, TrainingReporter reporter, CancellationToken cancellationToken,
        Func<Trainer, IProgress<TrainingProgress>, FitResult> fit, Func<RegressionMetrics> evaluate)
    {
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            var result = fit(trainer, reporter);
            return new Outcome(result.Evaluations, evaluate());
        }
        finally
        {
            reporter.Clear();
        }
    }

    /// <summary>Prints the table of ours against the book's and the summary line; returns the exit code.</summary>
    internal static int PrintTable(Chapter3Settings settings, IReadOnlyList<Row> rows, TextWriter stdout)
    {
        bool applies = settings.IsBook;
        string precision = settings.Precision == Precision.Double ? "double" : "single";
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Ours against the book ({precision} precision, seed {settings.Seed}, {settings.Epochs} epochs, SGD learning rate {settings.LearningRate}, evaluation every {settings.EvalEvery} epochs, batches of {settings.BatchSize}):"));
        stdout.WriteLine();
        string[] header = ["model", "quantity", "ours", "book", "match"];
        var cells = rows.Select(r => new[] { r.Model, r.Quantity, r.Ours, r.Book, applies ? (r.Matches ? "yes" : "NO") : "n/a" }).ToList();
        int[] widths = Enumerable.Range(0, header.Length)
            .Select(c => Math.Max(header[c].Length, cells.Count == 0 ? 0 : cells.Max(r => r[c].Length))).ToArray();
        bool[] right = [false, false, true, true, false];
        string Line(string[] cs) =>
            string.Join("  ", cs.Select((s, c) => right[c] ? s.PadLeft(widths[c]) : s.PadRight(widths[c]))).TrimEnd();
        stdout.WriteLine(Line(header));
        stdout.WriteLine(Line(widths.Select(w => new string('-', w)).ToArray()));
        foreach (var row in cells)
            stdout.WriteLine(Line(row));
        stdout.WriteLine();
        if (!applies)
        {
            stdout.WriteLine($"Match check not applicable: run with {string.Join(" ", settings.Differences())} instead of the book's settings.");
            return 0;
        }
        int matches = rows.Count(r => r.Matches);
        stdout.WriteLine($"{matches} of {rows.Count} numbers match the book.");
        return matches == rows.Count ? 0 : 1;
    }

    /// <summary>A number with a fixed number of decimals, as Python's <c>{:.nf}</c> prints it.</summary>
    internal static string Fixed(double value, int decimals) =>
        value.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    private static string Capitalise(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];
}
