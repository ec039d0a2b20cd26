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

    /// <summary>Run the chapter-4 experiments on MNIST-format images (Fashion-MNIST by default).</summary>
    Chapter4,

    /// <summary>Train chapter 5's convolutional network (or chapter 7's) on MNIST-format images.</summary>
    Chapter5,

    /// <summary>The chapter-2 models trained by hand, next to the closed-form fit.</summary>
    Chapter2,

    /// <summary>Train a character-level model on a text (chapter 6), or generate text with a saved one.</summary>
    Chapter6,

    /// <summary>Print the usage text.</summary>
    Help,
}

/// <summary>
/// The settings of a chapter-6 run: the text file (null: the embedded Shakespeare), the layers as written
/// (<c>lstm:256,gru:128</c>), sequence length, batch size, optimizer, learning rate (null: the optimizer's
/// default), iterations, sample interval, sample temperature, PNG of the losses, precision, file to save the
/// model to; or, with <see cref="Generate"/>, the number of characters to generate with the model in <see cref="ModelFile"/>.
/// </summary>
internal sealed record Chapter6Settings(string? TextFile, string Layers, int Sequence, int Batch, string Optimizer, double? LearningRate,
    int Iterations, int SampleEvery, double Temperature, string? PlotFile, Precision Precision, string? SaveFile, int? Generate, string? ModelFile)
{
    /// <summary>The optimizers of <c>--optimizer</c>.</summary>
    internal static readonly string[] Optimizers = ["adagrad", "sgd", "adam"];

    /// <summary>The book's experiment: one LSTM of 256, sequences of 25, batches of 32, AdaGrad(0.01) clipped to [−2, 2].</summary>
    internal static Chapter6Settings Default { get; } =
        new(null, "lstm:256", 25, 32, "adagrad", null, 1000, 100, 1.0, null, Precision.Single, null, null, null);

    /// <summary>The gradient clipping of every optimizer, as the book's.</summary>
    internal const double Clip = 2.0;

    /// <summary>The learning rate: the one given, or the optimizer's default (AdaGrad 0.01, SGD 0.01, Adam 0.002).</summary>
    internal double Rate => LearningRate ?? (Optimizer == "adam" ? 0.002 : 0.01);

    /// <summary>The optimizer with its learning rate and the book's clipping.</summary>
    internal DeepFunctional.CSharp.Optimizer CreateOptimizer() => Optimizer switch
    {
        "sgd" => new SGD(Rate) { GradientClip = Clip },
        "adam" => new Adam(Rate) { GradientClip = Clip },
        _ => new AdaGrad(Rate) { GradientClip = Clip },
    };

    /// <summary>The layers of <c>--layers</c>: <c>kind:hidden[:outputs]</c> separated by commas.</summary>
    /// <exception cref="UsageException">when the text is not a list of layers.</exception>
    internal IReadOnlyList<RecurrentLayer> ParsedLayers() => ParseLayers(Layers) ?? throw new UsageException(
        $"option --layers expects {LayersExpected}, got '{Layers}'");

    /// <summary>What <c>--layers</c> accepts, for messages.</summary>
    internal const string LayersExpected = "a comma-separated list of rnn|lstm|gru:HIDDEN[:OUTPUTS] with sizes >= 1";

    /// <summary>The layers of a <c>--layers</c> value, or null when it is not one.</summary>
    internal static IReadOnlyList<RecurrentLayer>? ParseLayers(string text)
    {
        var layers = new List<RecurrentLayer>();
        foreach (var part in text.Split(','))
        {
            var fields = part.Split(':');
            if (fields.Length is < 2 or > 3)
                return null;
            RecurrentCell? cell = fields[0] switch
            {
                "rnn" => RecurrentCell.RNN,
                "lstm" => RecurrentCell.LSTM,
                "gru" => RecurrentCell.GRU,
                _ => null,
            };
            if (cell is not RecurrentCell c || PositiveInt(fields[1]) is not int hidden)
                return null;
            int? outputs = null;
            if (fields.Length == 3)
            {
                if (PositiveInt(fields[2]) is not int o)
                    return null;
                outputs = o;
            }
            layers.Add(new RecurrentLayer(c, hidden) { OutputSize = outputs });
        }
        return layers;
    }

    private static int? PositiveInt(string v) =>
        int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1 ? n : null;
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

/// <summary>
/// The settings of a chapter-4 run: the data folder (null: Fashion-MNIST where Debian installs it), the
/// experiment's name or <c>all</c>, the precision, book mode, the PNG to plot the losses in (or null), and
/// the number of epochs (null: each experiment's own).
/// </summary>
internal sealed record Chapter4Settings(string? DataFolder, string Config, Precision Precision, bool Book, string? PlotFile, int? Epochs)
{
    /// <summary>The value of <c>--config</c> that runs every experiment.</summary>
    internal const string AllConfigs = "all";

    /// <summary>The defaults: Fashion-MNIST, the sce-sgd experiment, double precision, not book mode, no plot, its own epochs.</summary>
    internal static Chapter4Settings Default { get; } = new(null, "sce-sgd", Precision.Double, false, null, null);

    /// <summary>The experiments to run, in the book's order, with the epochs asked for.</summary>
    internal IReadOnlyList<Chapter4Experiment> Experiments()
    {
        var chosen = Config == AllConfigs ? Chapter4Experiment.All : [Chapter4Experiment.Find(Config)];
        return Epochs is int n ? chosen.Select(e => e.WithEpochs(n)).ToArray() : chosen;
    }
}

/// <summary>
/// The settings of a chapter-5 run: the data folder (null: Fashion-MNIST where Debian installs it), the network's
/// name (<c>book</c> or <c>ch7</c>), the precision, book mode, the PNG to plot the run in (or null), and the number
/// of epochs (null: the experiment's one).
/// </summary>
internal sealed record Chapter5Settings(string? DataFolder, string Net, Precision Precision, bool Book, string? PlotFile, int? Epochs)
{
    /// <summary>The defaults: Fashion-MNIST, the book's network, double precision, not book mode, no plot, one epoch.</summary>
    internal static Chapter5Settings Default { get; } = new(null, "book", Precision.Double, false, null, null);

    /// <summary>The experiment to run, with the epochs asked for.</summary>
    internal Chapter5Experiment Experiment()
    {
        var chosen = Chapter5Experiment.Find(Net);
        return Epochs is int n ? chosen.WithEpochs(n) : chosen;
    }
}

/// <summary>A parsed command line.</summary>
internal sealed record Command(CommandKind Kind, Chapter3Settings Chapter3, Chapter4Settings Chapter4, Chapter5Settings Chapter5)
{
    /// <summary>The settings of ch6 (the defaults for other commands).</summary>
    internal Chapter6Settings Chapter6 { get; init; } = Chapter6Settings.Default;
}

/// <summary>A command line that cannot be run; the message is the one line shown after <c>deepfunctional: error: </c>.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>The command-line grammar: <c>[ch3|ch4|ch2|help] [--option value | --option=value | --flag]...</c>.</summary>
internal static class CommandLine
{
    /// <summary>The program's name in messages.</summary>
    internal const string ProgramName = "deepfunctional";

    /// <summary>
    /// One option of a command: its name, what it accepts, and how it changes the settings (null when the
    /// value is not accepted). A flag takes no value; its <see cref="Apply"/> receives the empty string.
    /// </summary>
    private sealed record Option<TSettings>(string Name, string Expected, Func<string, TSettings, TSettings?> Apply, bool IsFlag = false)
        where TSettings : class;

    private static readonly Option<Chapter3Settings>[] Chapter3Options =
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

    private static readonly Option<Chapter4Settings>[] Chapter4Options =
    [
        new("--data", "a folder", (v, s) => v.Length > 0 ? s with { DataFolder = v } : null),
        new("--config", $"one of {string.Join(", ", Chapter4Experiment.Names)} or {Chapter4Settings.AllConfigs}", (v, s) =>
            v == Chapter4Settings.AllConfigs || Chapter4Experiment.Names.Contains(v) ? s with { Config = v } : null),
        new("--precision", "'double' or 'single'", (v, s) => v switch
        {
            "double" => s with { Precision = Precision.Double },
            "single" => s with { Precision = Precision.Single },
            _ => null,
        }),
        new("--book", "no value", (_, s) => s with { Book = true }, IsFlag: true),
        new("--plot", "a file name ending in .png", (v, s) =>
            v.Length > 4 && v.EndsWith(".png", StringComparison.OrdinalIgnoreCase) ? s with { PlotFile = v } : null),
        new("--epochs", "an integer >= 1", (v, s) => PositiveInt(v) is int n ? s with { Epochs = n } : null),
    ];

    private static readonly Option<Chapter5Settings>[] Chapter5Options =
    [
        new("--data", "a folder", (v, s) => v.Length > 0 ? s with { DataFolder = v } : null),
        new("--net", $"one of {string.Join(", ", Chapter5Experiment.Names)}", (v, s) =>
            Chapter5Experiment.Names.Contains(v) ? s with { Net = v } : null),
        new("--epochs", "an integer >= 1", (v, s) => PositiveInt(v) is int n ? s with { Epochs = n } : null),
        new("--precision", "'double' or 'single'", (v, s) => v switch
        {
            "double" => s with { Precision = Precision.Double },
            "single" => s with { Precision = Precision.Single },
            _ => null,
        }),
        new("--book", "no value", (_, s) => s with { Book = true }, IsFlag: true),
        new("--plot", "a file name ending in .png", (v, s) =>
            v.Length > 4 && v.EndsWith(".png", StringComparison.OrdinalIgnoreCase) ? s with { PlotFile = v } : null),
    ];

    private static readonly Option<Chapter6Settings>[] Chapter6Options =
    [
        new("--text", "a file name", (v, s) => v.Length > 0 ? s with { TextFile = v } : null),
        new("--layers", Chapter6Settings.LayersExpected, (v, s) => Chapter6Settings.ParseLayers(v) is not null ? s with { Layers = v } : null),
        new("--seq", "an integer >= 1", (v, s) => PositiveInt(v) is int n ? s with { Sequence = n } : null),
        new("--batch", "an integer >= 1", (v, s) => PositiveInt(v) is int n ? s with { Batch = n } : null),
        new("--optimizer", "'adagrad', 'sgd' or 'adam'", (v, s) => Chapter6Settings.Optimizers.Contains(v) ? s with { Optimizer = v } : null),
        new("--lr", "a finite number > 0", (v, s) => PositiveNumber(v) is double x ? s with { LearningRate = x } : null),
        new("--iterations", "an integer >= 1", (v, s) => PositiveInt(v) is int n ? s with { Iterations = n } : null),
        new("--sample-every", "an integer >= 1", (v, s) => PositiveInt(v) is int n ? s with { SampleEvery = n } : null),
        new("--temperature", "a finite number > 0", (v, s) => PositiveNumber(v) is double x ? s with { Temperature = x } : null),
        new("--plot", "a file name ending in .png", (v, s) =>
            v.Length > 4 && v.EndsWith(".png", StringComparison.OrdinalIgnoreCase) ? s with { PlotFile = v } : null),
        new("--precision", "'double' or 'single'", (v, s) => v switch
        {
            "double" => s with { Precision = Precision.Double },
            "single" => s with { Precision = Precision.Single },
            _ => null,
        }),
        new("--save", "a file name", (v, s) => v.Length > 0 ? s with { SaveFile = v } : null),
        new("--generate", "an integer >= 1", (v, s) => PositiveInt(v) is int n ? s with { Generate = n } : null),
        new("--model", "a file name", (v, s) => v.Length > 0 ? s with { ModelFile = v } : null),
    ];

    private static int? PositiveInt(string v) =>
        int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1 ? n : null;

    private static double? PositiveNumber(string v) =>
        double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) && double.IsFinite(x) && x > 0 ? x : null;

    /// <summary>Refuses combinations of ch6 options that contradict each other.</summary>
    private static Chapter6Settings CheckChapter6(Chapter6Settings s, string[] args)
    {
        bool generating = s.Generate is not null;
        if (generating != (s.ModelFile is not null))
            throw new UsageException(generating
                ? "option --generate expects --model FILE with it, got no --model"
                : "option --model expects --generate N with it, got no --generate");
        if (generating)
        {
            var training = args.Where(a => a.StartsWith("--", StringComparison.Ordinal))
                .Select(a => a.Split('=')[0])
                .FirstOrDefault(n => n is not ("--generate" or "--model" or "--precision" or "--temperature"));
            if (training is not null)
                throw new UsageException($"option {training} expects training, got --generate (which takes only --model, --precision and --temperature)");
        }
        if (s.SampleEvery > s.Iterations && args.Any(a => a.StartsWith("--sample-every", StringComparison.Ordinal)))
            throw new UsageException($"option --sample-every expects at most --iterations ({s.Iterations}), got {s.SampleEvery}");
        return s;
    }

    /// <summary>The names of the subcommands, for messages.</summary>
    private const string Commands = "ch3, ch4, ch5, ch6, ch2 or help";

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
                "ch4" => CommandKind.Chapter4,
                "ch5" => CommandKind.Chapter5,
                "ch6" => CommandKind.Chapter6,
                "ch2" => CommandKind.Chapter2,
                "help" => CommandKind.Help,
                _ => throw new UsageException($"unknown command '{args[0]}'; expected {Commands}"),
            };
            i = 1;
        }
        var rest = args.Skip(i).ToArray();
        var none = new Command(CommandKind.Help, Chapter3Settings.Book, Chapter4Settings.Default, Chapter5Settings.Default);
        if (rest.Any(a => a is "--help" or "-h"))
            return none;
        return kind switch
        {
            CommandKind.Chapter3 => none with { Kind = kind, Chapter3 = ParseOptions("ch3", rest, Chapter3Options, Chapter3Settings.Book) },
            CommandKind.Chapter4 => none with { Kind = kind, Chapter4 = CheckChapter4(ParseOptions("ch4", rest, Chapter4Options, Chapter4Settings.Default)) },
            CommandKind.Chapter5 => none with { Kind = kind, Chapter5 = CheckChapter5(ParseOptions("ch5", rest, Chapter5Options, Chapter5Settings.Default)) },
            CommandKind.Chapter6 => none with { Kind = kind, Chapter6 = CheckChapter6(ParseOptions("ch6", rest, Chapter6Options, Chapter6Settings.Default), rest) },
            _ => none with { Kind = kind, Chapter3 = ParseOptions(kind == CommandKind.Help ? "help" : "ch2", rest, [], Chapter3Settings.Book) },
        };
    }

    /// <summary>Applies a command's options, in order, to its default settings.</summary>
    /// <exception cref="UsageException">when an argument is not one of the options or a value is not accepted.</exception>
    private static TSettings ParseOptions<TSettings>(string command, string[] args, Option<TSettings>[] options, TSettings settings)
        where TSettings : class
    {
        var seen = new HashSet<string>();
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            if (!arg.StartsWith('-'))
                throw new UsageException($"unexpected argument '{arg}'; expected an option (--name value) after the command");
            int eq = arg.IndexOf('=');
            string name = eq >= 0 ? arg[..eq] : arg;
            if (options.Length == 0)
                throw new UsageException($"unknown option '{name}' for {command}; expected no options");
            var option = options.FirstOrDefault(o => o.Name == name)
                ?? throw new UsageException($"unknown option '{name}' for {command}; expected one of {string.Join(", ", options.Select(o => o.Name))}");
            if (!seen.Add(name))
                throw new UsageException($"option {name} given more than once; expected it at most once");
            string value;
            if (option.IsFlag)
            {
                if (eq >= 0)
                    throw new UsageException($"option {name} expects no value, got '{arg[(eq + 1)..]}'");
                value = "";
            }
            else if (eq >= 0)
            {
                value = arg[(eq + 1)..];
            }
            else if (i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
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
        return settings;
    }

    /// <summary>Refuses combinations of ch4 options that contradict each other.</summary>
    private static Chapter4Settings CheckChapter4(Chapter4Settings settings) =>
        settings.Book && settings.Precision == Precision.Single
            ? throw new UsageException("option --book expects double precision (the book's arithmetic), got --precision single")
            : settings;

    /// <summary>Refuses combinations of ch5 options that contradict each other.</summary>
    private static Chapter5Settings CheckChapter5(Chapter5Settings settings) =>
        settings.Book && settings.Precision == Precision.Single
            ? throw new UsageException("option --book expects double precision (the book's arithmetic), got --precision single")
            : settings;

    /// <summary>The usage text.</summary>
    internal static string Usage =>
        $"""
        {ProgramName}: the book "Deep Learning from Scratch" (chapters 2 to 6) run on DeepFunctional

        Usage:
          {ProgramName} [ch3] [options]   train the chapter-3 models (linear regression, one and two hidden
                                          layers) on the Boston data with the book's split and seed, print the
                                          book's lines, and compare all 21 numbers with the book's
          {ProgramName} ch4 [options]     run chapter 4's image-classification experiments on Fashion-MNIST (or
                                          any MNIST-format folder): the book's lines, the accuracy, and a table
          {ProgramName} ch5 [options]     train chapter 5's convolutional network (or chapter 7's) on Fashion-MNIST
                                          for one epoch, printing the test accuracy every 100 batches
          {ProgramName} ch6 [options]     train chapter 6's character-level model on a text (the embedded
                                          Shakespeare by default), printing the moving-average loss and
                                          generated text; or generate text with a saved model
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

        Options of ch4:
          --data DIR                  a folder holding train-images-idx3-ubyte, train-labels-idx1-ubyte,
                                      t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte, each possibly .gz
                                      (default {Mnist.FashionMnistFolder}, where
                                      'apt-get install dataset-fashion-mnist' puts Fashion-MNIST; MNIST works too)
          --config NAME|all           the experiment (default sce-sgd): {string.Join(", ", Chapter4Experiment.Names.Take(4))},
                                      {string.Join(", ", Chapter4Experiment.Names.Skip(4))}; 'all' runs the eight
                                      in the book's order (295 epochs in all: this takes a while)
          --precision double|single   arithmetic precision (default double)
          --book                      reproduce the book's code: its seeding, loss value, "glorot", dropout
                                      scaling and early-stopping model, and NumPy's arithmetic (sums in
                                      NumPy's order, NumPy's exp, log and tanh), so the printed losses are
                                      those of the book's code on NumPy 1.24 with the reference BLAS;
                                      needs double precision
          --plot FILE.png             draw the training loss (mean batch loss per epoch) and the validation
                                      loss of every run against the epoch, in one PNG
          --epochs N                  train every experiment N epochs, >= 1, instead of its own (a decaying
                                      learning rate then reaches its final value at epoch N)
        Every experiment trains with batches of 60, evaluates every 5 epochs, stops early at the first
        evaluation that does not improve, and uses seed 190119.

        Options of ch5:
          --data DIR                  a folder of MNIST-format files, as for ch4 (default {Mnist.FashionMnistFolder})
          --net book|ch7              the network (default book): 'book' is the book's Conv2D(16, 5x5, tanh,
                                      flatten, dropout 0.8) then Dense(10), SGD with momentum 0.1; 'ch7' is
                                      chapter 7's Conv2D(14, 5x5), Conv2D(7, 5x5), Dense(32, dropout 0.8),
                                      Dense(10), SGD with momentum 0.01
          --epochs N                  train N epochs, >= 1, instead of one (1,000 batches each)
          --precision double|single   arithmetic precision (default double)
          --book                      the book's seeding, loss value, "glorot" and dropout scaling; needs
                                      double precision
          --plot FILE.png             draw the training loss of every batch (and its mean over 10 batches) and
                                      the test accuracies against the batches trained, in one PNG
        Batches of 60, the test accuracy every 100 batches and the test loss after every epoch, seed 190119.


        Options of ch6 (the defaults are the book's single-LSTM experiment):
          --text FILE                 train on this UTF-8 text (default: the embedded Shakespeare, 62 symbols)
          --layers SPEC               rnn|lstm|gru:HIDDEN[:OUTPUTS], comma-separated, input side first (default
                                      lstm:256); a layer's outputs default to its hidden size, the last
                                      layer's to the number of symbols
          --seq N                     characters per sequence, >= 1 (default 25)
          --batch N                   sequences per batch, >= 1 (default 32)
          --optimizer NAME            adagrad, sgd or adam (default adagrad); gradients clipped to [-2, 2]
          --lr X                      learning rate, > 0 (default 0.01; adam 0.002)
          --iterations N              training iterations, >= 1 (default 1000)
          --sample-every N            print the moving-average loss and a sample every N iterations (default 100)
          --temperature X             softmax temperature of the samples, > 0 (default 1)
          --plot FILE.png             draw the moving-average loss against the iteration
          --precision double|single   arithmetic precision (default single)
          --save FILE                 write the trained model to FILE
          --generate N --model FILE   instead of training, print N characters generated by the saved model
                                      (with --precision and --temperature only)
        The loss is the mean cross-entropy in nats per predicted character over the last 100 iterations.

        Output: the book's lines on stdout; progress on stderr when it is a terminal.
        Exit status: 0 when all 21 numbers match the book (ch3; or the check does not apply) or the runs
        finish (ch4, ch5, ch6), 1 when some differ or a run fails (ch4: also when the data is missing; ch4 and
        ch5: when it is malformed), 2 for bad arguments (ch5: also when the data folder is missing),
        130 when interrupted.
        """;
}
