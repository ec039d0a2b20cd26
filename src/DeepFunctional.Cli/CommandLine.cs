using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace DeepFunctional.Cli;

// Inside the namespace, so that the facade's names win over the F# core's modules of the same name
// (DeepFunctional.Trainer, DeepFunctional.Dense, ...), which the enclosing namespace would otherwise find first.
using DeepFunctional.CSharp;

/// <summary>The subcommands.</summary>
internal enum CommandKind
{
    /// <summary>Train the chapter-3 models and compare with the book (the default).</summary>
    Chapter3,

    /// <summary>The chapter-2 models trained by hand, next to the closed-form fit.</summary>
    Chapter2,

    /// <summary>Print the usage text.</summary>
    Help,
}

/// <summary>The settings of a chapter-3 run; <see cref="Book"/> is the book's.</summary>
internal sealed record Chapter3Settings(Precision Precision, long Seed, int Epochs, double LearningRate, int EvalEvery, int BatchSize)
{
    /// <summary>The book's settings: double precision, seed 20190501, 50 epochs, SGD(0.01), eval every 10, batch 32.</summary>
    internal static Chapter3Settings Book { get; } = new(Precision.Double, 20190501, 50, 0.01, 10, 32);

    /// <summary>True when every setting is the book's, so the comparison with the book applies.</summary>
    internal bool IsBook => this == Book;

    /// <summary>The options that differ from the book's, as they would be written on the command line.</summary>
    internal IReadOnlyList<string> Differences()
    {
        var d = new List<string>();
        if (Precision != Book.Precision) d.Add("--precision " + (Precision == Precision.Single ? "single" : "double"));
        if (Seed != Book.Seed) d.Add("--seed " + Seed.ToString(CultureInfo.InvariantCulture));
        if (Epochs != Book.Epochs) d.Add("--epochs " + Epochs.ToString(CultureInfo.InvariantCulture));
        if (LearningRate != Book.LearningRate) d.Add("--lr " + LearningRate.ToString("R", CultureInfo.InvariantCulture));
        if (EvalEvery != Book.EvalEvery) d.Add("--eval-every " + EvalEvery.ToString(CultureInfo.InvariantCulture));
        if (BatchSize != Book.BatchSize) d.Add("--batch-size " + BatchSize.ToString(CultureInfo.InvariantCulture));
        return d;
    }
}

/// <summary>A parsed command line.</summary>
internal sealed record Command(CommandKind Kind, Chapter3Settings Chapter3);

/// <summary>A command line that cannot be run; the message is the one line shown after <c>deepfunctional: error: </c>.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>The command-line grammar: <c>[ch3|ch2|help] [--option value | --option=value]...</c>.</summary>
internal static class CommandLine
{
    /// <summary>The program's name in messages.</summary>
    internal const string ProgramName = "deepfunctional";

    /// <summary>One option of <c>ch3</c>: its name, what it accepts, and how it changes the settings (null when the value is not accepted).</summary>
    private sealed record Option(string Name, string Expected, Func<string, Chapter3Settings, Chapter3Settings?> Apply);

    private static readonly Option[] Options =
    [
        new("--precision", "'double' or 'single'", (v, s) => v switch
        {
            "double" => s with { Precision = Precision.Double },
            "single" => s with { Precision = Precision.Single },
            _ => null,
        }),
        new("--seed", "an integer in 0..4294967295", (v, s) =>
            long.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n <= uint.MaxValue ? s with { Seed = n } : null),
        new("--epochs", "an integer >= 1", (v, s) => PositiveInt(v) is int n ? s with { Epochs = n } : null),
        new("--lr", "a finite number > 0", (v, s) =>
            double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) && double.IsFinite(x) && x > 0
                ? s with { LearningRate = x }
                : null),
        new("--eval-every", "an integer >= 1", (v, s) => PositiveInt(v) is int n ? s with { EvalEvery = n } : null),
        new("--batch-size", "an integer >= 1", (v, s) => PositiveInt(v) is int n ? s with { BatchSize = n } : null),
    ];

    private static int? PositiveInt(string v) =>
        int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1 ? n : null;

    /// <summary>The names of the subcommands, for messages.</summary>
    private const string Commands = "ch3, ch2 or help";

    /// <summary>Parses the arguments.</summary>
    /// <exception cref="UsageException">when they do not follow the grammar.</exception>
    internal static Command Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var kind = CommandKind.Chapter3;
        int i = 0;
        if (args.Count > 0 && !args[0].StartsWith('-'))
        {
            kind = args[0] switch
            {
                "ch3" => CommandKind.Chapter3,
                "ch2" => CommandKind.Chapter2,
                "help" => CommandKind.Help,
                _ => throw new UsageException($"unknown command '{args[0]}'; expected {Commands}"),
            };
            i = 1;
        }
        var settings = Chapter3Settings.Book;
        var seen = new HashSet<string>();
        for (; i < args.Count; i++)
        {
            string arg = args[i];
            if (arg is "--help" or "-h")
                return new Command(CommandKind.Help, settings);
            if (!arg.StartsWith('-'))
                throw new UsageException($"unexpected argument '{arg}'; expected an option (--name value) after the command");
            int eq = arg.IndexOf('=');
            string name = eq >= 0 ? arg[..eq] : arg;
            if (kind != CommandKind.Chapter3)
                throw new UsageException($"unknown option '{name}' for {(kind == CommandKind.Help ? "help" : "ch2")}; expected no options");
            var option = Options.FirstOrDefault(o => o.Name == name)
                ?? throw new UsageException($"unknown option '{name}' for ch3; expected one of {string.Join(", ", Options.Select(o => o.Name))}");
            if (!seen.Add(name))
                throw new UsageException($"option {name} given more than once; expected it at most once");
            string value;
            if (eq >= 0)
            {
                value = arg[(eq + 1)..];
            }
            else if (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                value = args[++i];
            }
            else
            {
                throw new UsageException($"option {name} expects {option.Expected}, got nothing");
            }
            settings = option.Apply(value, settings)
                ?? throw new UsageException($"option {name} expects {option.Expected}, got '{value}'");
        }
        return new Command(kind, settings);
    }

    /// <summary>The usage text.</summary>
    internal static string Usage =>
        $"""
        {ProgramName}: the book "Deep Learning from Scratch" (chapters 2 and 3) run on DeepFunctional

        Usage:
          {ProgramName} [ch3] [options]   train the chapter-3 models (linear regression, one and two hidden
                                          layers) on the Boston data with the book's split and seed, print the
                                          book's lines, and compare all 21 numbers with the book's
          {ProgramName} ch2               chapter 2: linear regression and a one-hidden-layer network trained
                                          by hand, next to the closed-form least-squares fit
          {ProgramName} help | --help | -h

        Options of ch3 (the defaults are the book's):
          --precision double|single   arithmetic precision (default double)
          --seed N                    seed of the networks and of training, 0..4294967295 (default 20190501)
          --epochs N                  passes over the training data, >= 1 (default 50)
          --lr X                      SGD learning rate, > 0 (default 0.01)
          --eval-every N              evaluate on the test data every N epochs, >= 1 (default 10)
          --batch-size N              rows per batch, >= 1 (default 32)
        An option's value may also be written --name=value. With other than the default options the
        book's numbers are still shown, but the match check does not apply.

        Output: the book's lines on stdout; progress on stderr when it is a terminal.
        Exit status: 0 when all 21 numbers match the book (or the check does not apply), 1 when some
        differ or a run fails, 2 for bad arguments.
        """;
}
