using System.Linq;
using System.Threading;
using DeepFunctional.Book;
using Spectre.Console.Cli;

namespace DeepFunctional.Cli;

/// <summary>ch2 takes no options.</summary>
internal sealed class Chapter2Settings : CommandSettings;

/// <summary>ch2: the chapter-2 models trained by hand, next to the closed-form least-squares fit and the book's numbers.</summary>
internal sealed class Chapter2Command(CliIo io) : Command<Chapter2Settings>
{
    /// <summary>One row of the table; the book's numbers are null where the book gives none.</summary>
    private sealed record Row(string Model, double Mae, double Rmse, string? BookMae, string? BookRmse);

    /// <inheritdoc/>
    public override int Execute(CommandContext context, Chapter2Settings settings, CancellationToken cancellationToken)
    {
        var stdout = io.Out;
        var progress = new ProgressLine(io.ProgressWriter);
        var data = Datasets.bostonSplit<double>();
        progress.Show("chapter 2: linear regression");
        var linear = Chapter2.linearRegression(Chapter2.linearDefaults, data);
        io.Cancellation.ThrowIfCancellationRequested();
        progress.Show("chapter 2: least squares");
        var exact = Chapter2.leastSquares(data);
        progress.Show("chapter 2: one hidden layer");
        var network = Chapter2.neuralNetwork(Chapter2.networkDefaults, data);
        progress.Clear();
        Row[] rows =
        [
            new("linear regression, SGD by hand", linear.Mae, linear.Rmse, "3.5644", "5.0497"),
            new("least squares, closed form", exact.Mae, exact.Rmse, "3.5671", "5.0476"),
            new("one hidden layer (13 sigmoid units), SGD by hand", network.Mae, network.Rmse, null, null),
        ];
        var l = Chapter2.linearDefaults;
        var n = Chapter2.networkDefaults.Training;
        stdout.WriteLine($"Chapter 2 on the Boston data, the book's split (double precision; linear regression: {l.Iterations} batches of {l.BatchSize}, "
            + $"SGD learning rate {Text.Number(l.LearningRate)}, seed {l.Seed}; network: {n.Iterations} batches of {n.BatchSize}, learning rate {Text.Number(n.LearningRate)}, seed {n.Seed}):");
        stdout.WriteLine();
        int compared = 0, matched = 0;
        var cells = rows.Select(r =>
        {
            string mae = Text.Fixed(r.Mae, 4), rmse = Text.Fixed(r.Rmse, 4);
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
        Text.Table(stdout, ["model", "MAE", "RMSE", "book MAE", "book RMSE", "match"], cells, [false, true, true, true, true, false]);
        stdout.WriteLine();
        stdout.WriteLine($"{matched} of {compared} numbers the book gives match (it gives none for the network).");
        return matched == compared ? 0 : Program.Failure;
    }
}
