using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace DeepFunctional.Cli;

// Inside the namespace, so that the facade's names win over the F# core's modules of the same name
// (DeepFunctional.Trainer, DeepFunctional.Dense, ...), which the enclosing namespace would otherwise find first.
using DeepFunctional.CSharp;

/// <summary>The chapter-2 experiment: two models trained by hand, next to the closed-form least-squares fit.</summary>
internal static class Chapter2Runner
{
    /// <summary>One row of the chapter-2 table; the book's numbers are null where the book gives none.</summary>
    internal sealed record Row(string Model, double Mae, double Rmse, string? BookMae, string? BookRmse);

    /// <summary>
    /// Trains the models with the book's settings and prints their metrics next to the book's (4 decimals, where the
    /// book gives them); returns the exit code: 0 when every number the book gives matches, 1 otherwise.
    /// </summary>
    internal static int Run(TextWriter stdout, TrainingReporter reporter)
    {
        var data = BostonHousing.BookSplit();
        reporter.Show("chapter 2: linear regression");
        var linear = Chapter2.TrainLinearRegression(data);
        reporter.Show("chapter 2: least squares");
        var exact = Chapter2.LeastSquares(data);
        reporter.Show("chapter 2: one hidden layer");
        var network = Chapter2.TrainNeuralNetwork(data);
        reporter.Clear();
        Row[] rows =
        [
            new("linear regression, SGD by hand", linear.MeanAbsoluteError, linear.RootMeanSquaredError, "3.5644", "5.0497"),
            new("least squares, closed form", exact.MeanAbsoluteError, exact.RootMeanSquaredError, "3.5671", "5.0476"),
            new("one hidden layer (13 sigmoid units), SGD by hand", network.MeanAbsoluteError, network.RootMeanSquaredError, null, null),
        ];
        stdout.WriteLine("Chapter 2 on the Boston data, the book's split (double precision; linear regression: 1000 batches of 23, "
            + "SGD learning rate 0.001, seed 180708; network: 10000 batches of 23, learning rate 0.001, seed 180807):");
        stdout.WriteLine();
        string[] header = ["model", "MAE", "RMSE", "book MAE", "book RMSE", "match"];
        int compared = 0, matched = 0;
        var cells = rows.Select(r =>
        {
            string mae = Chapter3Runner.Fixed(r.Mae, 4), rmse = Chapter3Runner.Fixed(r.Rmse, 4);
            string match = "n/a";
            if (r.BookMae is not null && r.BookRmse is not null)
            {
                compared += 2;
                int ok = (mae == r.BookMae ? 1 : 0) + (rmse == r.BookRmse ? 1 : 0);
                matched += ok;
                match = ok == 2 ? "yes" : "NO";
            }
            return new[] { r.Model, mae, rmse, r.BookMae ?? "-", r.BookRmse ?? "-", match };
        }).ToList();
        int[] widths = Enumerable.Range(0, header.Length).Select(c => cells.Select(r => r[c].Length).Append(header[c].Length).Max()).ToArray();
        string Line(IEnumerable<string> cs) =>
            string.Join("  ", cs.Select((s, c) => c == 0 || c == 5 ? s.PadRight(widths[c]) : s.PadLeft(widths[c]))).TrimEnd();
        stdout.WriteLine(Line(header));
        stdout.WriteLine(Line(widths.Select(w => new string('-', w))));
        foreach (var row in cells)
            stdout.WriteLine(Line(row));
        stdout.WriteLine();
        stdout.WriteLine($"{matched} of {compared} numbers the book gives match (it gives none for the network).");
        return matched == compared ? 0 : 1;
    }
}
