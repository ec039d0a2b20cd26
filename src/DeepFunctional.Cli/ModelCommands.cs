using System;
using System.ComponentModel;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Numerics;
using System.Threading;
using Microsoft.FSharp.Core;
using Spectre.Console;
using Spectre.Console.Cli;

namespace DeepFunctional.Cli;

/// <summary>The model tools: predict, info, convert.</summary>
internal static class ModelCommands
{
    /// <summary>Registers the model tools.</summary>
    internal static void Add(IConfigurator config)
    {
        config.AddCommand<PredictCommand>("predict")
            .WithDescription("Print the predictions of a saved model for the rows of a CSV file of raw inputs (one row per line; the model's preprocessing is applied)")
            .WithExample("predict", "--model", "boston-one-hidden-layer.dfm", "--input", "houses.csv")
            .WithExample("predict", "--model", "fashion.dfm", "--data", "/usr/share/datasets/fashion-mnist");
        config.AddCommand<InfoCommand>("info")
            .WithDescription("Describe a saved model: its architecture, input shape, precision, preprocessing, provenance and parameter count")
            .WithExample("info", "--model", "cnn.dfm");
        config.AddCommand<ConvertCommand>("convert")
            .WithDescription("Convert an old character-model file (.dfcm, format version 1) to the model-file format")
            .WithExample("convert", "--model", "shakespeare.dfcm", "--out", "shakespeare.dfm");
    }
}

/// <summary>The option every model tool has: <c>--model FILE</c>.</summary>
internal abstract class ModelFileSettings : CommandSettings
{
    /// <summary>The model file to read.</summary>
    [CommandOption("--model <FILE>")]
    [Description("The model file (written by --save, or an old .dfcm character model)")]
    public string? ModelFile { get; init; }

    /// <inheritdoc/>
    public override ValidationResult Validate() =>
        Options.MissingLastValue(this) is ValidationResult missing ? missing
        : ModelFile is null or "" ? ValidationResult.Error("option --model expects a model file, got nothing")
        : Check();

    /// <summary>The checks of a derived command.</summary>
    protected virtual ValidationResult Check() => ValidationResult.Success();
}

/// <summary>The options of predict.</summary>
internal sealed class PredictSettings : ModelFileSettings
{
    /// <summary>The CSV file of raw inputs.</summary>
    [CommandOption("--input <CSV>")]
    [Description("A CSV file of raw inputs, one row per line, as many numbers per row as the model takes; a first line of names is skipped")]
    public string? InputFile { get; init; }

    /// <summary>An MNIST-format folder whose test set a classifier is measured on.</summary>
    [CommandOption("--data <DIR>")]
    [Description("An MNIST-format folder (t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]): print a classifier's test accuracy and confusion matrix")]
    public string? DataFolder { get; init; }

    /// <summary>One IDX images file.</summary>
    [CommandOption("--images <IDX>")]
    [Description("One IDX images file (raw 0-255 pixels): print the class of every image, or with --labels the accuracy and confusion matrix")]
    public string? ImagesFile { get; init; }

    /// <summary>The IDX labels of --images.</summary>
    [CommandOption("--labels <IDX>")]
    [Description("The IDX labels file of --images")]
    public string? LabelsFile { get; init; }

    /// <inheritdoc/>
    protected override ValidationResult Check()
    {
        int given = new[] { InputFile, DataFolder, ImagesFile }.Count(f => f is not null);
        if (given != 1)
            return ValidationResult.Error($"predict expects one of --input CSV, --data DIR or --images IDX, got {(given == 0 ? "none" : given.ToString(CultureInfo.InvariantCulture))}");
        if (new[] { InputFile, DataFolder, ImagesFile }.Any(f => f is ""))
            return ValidationResult.Error("option --input, --data or --images expects a path, got nothing");
        if (LabelsFile is not null && ImagesFile is null)
            return ValidationResult.Error("option --labels goes with --images");
        return ValidationResult.Success();
    }
}

/// <summary>The options of info.</summary>
internal sealed class InfoSettings : ModelFileSettings;

/// <summary>The options of convert.</summary>
internal sealed class ConvertSettings : ModelFileSettings
{
    /// <summary>The model file to write.</summary>
    [CommandOption("--out <FILE>")]
    [Description("The model file to write")]
    public string? OutFile { get; init; }

    /// <inheritdoc/>
    protected override ValidationResult Check() =>
        OutFile is null or "" ? ValidationResult.Error("option --out expects a file name, got nothing") : ValidationResult.Success();
}

/// <summary>predict: the predictions of a saved model for the rows of a CSV file.</summary>
internal sealed class PredictCommand(CliIo io) : Command<PredictSettings>
{
    /// <inheritdoc/>
    public override int Execute(CommandContext context, PredictSettings settings, CancellationToken cancellationToken)
    {
        if (settings.InputFile is { } input)
        {
            if (!File.Exists(input))
                throw new RunFailedException($"--input: cannot read '{input}': found no such file");
            return ModelFiles.Visit(settings.ModelFile!, new Predictor(io.Out, input));
        }
        ImageSet images;
        bool labelled = true;
        if (settings.DataFolder is { } folder)
            images = Files.Read("--data", folder, () => Idx.loadMnistFolder(folder)).TestSet;
        else
        {
            string file = settings.ImagesFile!;
            var raw = Files.Read("--images", file, () => Idx.loadImages(file));
            labelled = settings.LabelsFile is not null;
            int[] labels = labelled
                ? Files.Read("--labels", settings.LabelsFile!, () => Idx.loadLabels(256, settings.LabelsFile!))
                : new int[raw.Count];
            if (labels.Length != raw.Count)
                throw new RunFailedException($"--labels: '{settings.LabelsFile}' has {labels.Length} labels for the {raw.Count} images of '{file}'");
            images = new ImageSet(raw.Count, raw.Rows, raw.Cols, labelled && labels.Length > 0 ? labels.Max() + 1 : 1, raw.Pixels, labels);
        }
        return ModelFiles.Visit(settings.ModelFile!, new ImageClassifier(io.Out, images, labelled));
    }

    /// <summary>A classifier's classes for images of raw pixels; with labels, its accuracy and confusion matrix.</summary>
    private sealed class ImageClassifier(TextWriter stdout, ImageSet images, bool labelled) : IModelVisitor<int>
    {
        public int Visit<T>(string path, SavedModel<T> model) where T : IFloatingPointIeee754<T>
        {
            int pixels = images.Rows * images.Cols;
            if (model.InputShape.Aggregate(1, (a, b) => a * b) != pixels)
                throw new RunFailedException($"--model: '{path}' takes inputs of shape {string.Join("x", model.InputShape)}, not images of {images.Rows}x{images.Cols}");
            var raw = Tensor.reshape([images.Count, .. model.InputShape], Classification.pixels<T>(images));
            var scores = NeuralNetwork.predict(model.Network, PreprocessingModule.apply(model.Preprocessing, raw));
            if (scores.Rank != 2)
                throw new RunFailedException($"--model: '{path}' is not a classifier: its output for an image has shape {string.Join("x", scores.Shape[1..])}");
            int[] predicted = Classification.argmax(scores);
            string[] names = model.Classes?.Value ?? Enumerable.Range(0, scores.Cols).Select(c => c.ToString(CultureInfo.InvariantCulture)).ToArray();
            if (!labelled)
            {
                foreach (int c in predicted) stdout.WriteLine(names[c]);
                return 0;
            }
            if (images.Labels.Any(l => l >= scores.Cols))
                throw new RunFailedException($"the labels go up to {images.Labels.Max()}, but '{path}' has {scores.Cols} classes");
            stdout.WriteLine($"Test accuracy: {Text.Fixed(Classification.accuracy(predicted, images.Labels) * 100.0, 2)}% of {images.Count.ToString("N0", CultureInfo.InvariantCulture)} images");
            var confusion = Classification.confusionMatrix(scores.Cols, predicted, images.Labels);
            stdout.WriteLine("Confusion matrix (rows: true class, columns: predicted class):");
            int width = Math.Max(6, names.Max(n => n.Length) + 1);
            stdout.WriteLine(new string(' ', width) + string.Concat(Enumerable.Range(0, scores.Cols).Select(c => c.ToString(CultureInfo.InvariantCulture).PadLeft(6))));
            for (int t = 0; t < scores.Cols; t++)
                stdout.WriteLine(names[t].PadRight(width) + string.Concat(Enumerable.Range(0, scores.Cols).Select(c => confusion[t, c].ToString(CultureInfo.InvariantCulture).PadLeft(6))));
            return 0;
        }

        public int VisitCharModel<T>(string path, CharModel<T> model) where T : IFloatingPointIeee754<T> =>
            throw new RunFailedException($"--model: '{path}' is a character model; generate text with it: ch6 --generate N --model {path}");
    }

    private sealed class Predictor(TextWriter stdout, string input) : IModelVisitor<int>
    {
        public int Visit<T>(string path, SavedModel<T> model) where T : IFloatingPointIeee754<T>
        {
            if (FSharpOption<char[]>.get_IsSome(model.Vocabulary))
                throw new RunFailedException($"--model: '{path}' is a character model; generate text with it: ch6 --generate N --model {path}");
            int features = model.InputShape.Aggregate(1, (a, b) => a * b);
            var table = Files.Read("--input", input, () =>
            {
                string text = File.ReadAllText(input);
                string first = text.Split('\n')[0];
                bool header = first.Split(',').Any(c => !double.TryParse(c.Trim().Trim('"'), NumberStyles.Float, CultureInfo.InvariantCulture, out _));
                return Data.parseCsvWith(new CsvOptions(0, header), input, text);
            });
            if (table.Values.Cols != features)
                throw new RunFailedException($"--input: '{input}' has {table.Values.Cols} numbers per row, but the model takes {features} (input shape {string.Join("x", model.InputShape)})");
            int rows = table.Values.Rows;
            var raw = Tensor.create<T>([rows, .. model.InputShape], table.Values.ToArray().Select(T.CreateChecked).ToArray());
            var x = PreprocessingModule.apply(model.Preprocessing, raw);
            var y = NeuralNetwork.predict(model.Network, x);
            int outputs = y.Cols;
            var values = y.ToArray();
            var classes = model.Classes;
            for (int i = 0; i < rows; i++)
            {
                var row = values.Skip(i * outputs).Take(outputs).Select(double.CreateChecked).ToArray();
                if (classes?.Value is string[] names)
                {
                    int best = Array.IndexOf(row, row.Max());
                    stdout.WriteLine(names[best]);
                }
                else
                {
                    stdout.WriteLine(string.Join(",", row.Select(v => v.ToString("R", CultureInfo.InvariantCulture))));
                }
            }
            return 0;
        }

        public int VisitCharModel<T>(string path, CharModel<T> model) where T : IFloatingPointIeee754<T> =>
            throw new RunFailedException($"--model: '{path}' is a character model; generate text with it: ch6 --generate N --model {path}");
    }
}

/// <summary>info: what a saved model is.</summary>
internal sealed class InfoCommand(CliIo io) : Command<InfoSettings>
{
    /// <inheritdoc/>
    public override int Execute(CommandContext context, InfoSettings settings, CancellationToken cancellationToken) =>
        ModelFiles.Visit(settings.ModelFile!, new Describer(io.Out));

    private sealed class Describer(TextWriter stdout) : IModelVisitor<int>
    {
        public int Visit<T>(string path, SavedModel<T> model) where T : IFloatingPointIeee754<T>
        {
            stdout.WriteLine($"Model: {path} (model file, {(typeof(T) == typeof(float) ? "single" : "double")} precision)");
            Describe(model);
            return 0;
        }

        public int VisitCharModel<T>(string path, CharModel<T> model) where T : IFloatingPointIeee754<T>
        {
            stdout.WriteLine($"Model: {path} (old character-model file, format version 1, {(typeof(T) == typeof(float) ? "single" : "double")} precision; convert it with: convert --model {path} --out NEW)");
            Describe(DeepFunctional.ModelFile.ofCharModel(model));
            return 0;
        }

        private void Describe<T>(SavedModel<T> model)
        {
            var net = model.Network;
            stdout.WriteLine($"Layers: {Text.Describe(net.Layers)}");
            foreach (var line in Summary.format(Summary.ofNetwork(net, model.InputShape)).Split('\n'))
                stdout.WriteLine("  " + line);
            stdout.WriteLine($"Loss: {Text.Describe(net.Loss)}");
            stdout.WriteLine($"Input shape: {string.Join("x", model.InputShape)}");
            stdout.WriteLine($"Preprocessing: {Describe(model.Preprocessing)}");
            if (model.Classes?.Value is string[] classes)
                stdout.WriteLine($"Classes: {classes.Length} ({string.Join(", ", classes)})");
            if (model.Vocabulary?.Value is char[] vocabulary)
                stdout.WriteLine($"Vocabulary: {vocabulary.Length} symbols");
            var p = model.Provenance;
            stdout.WriteLine($"Provenance: DeepFunctional {p.LibraryVersion}"
                + (p.Seed is { } seed ? $", seed {seed.Value}" : "")
                + (p.Epochs is { } epochs ? $", {epochs.Value} epochs" : ""));
            foreach (var (name, value) in p.FinalLosses)
                stdout.WriteLine($"  {name}: {Text.Number(value)}");
            long count = NeuralNetwork.parameters(net).Sum(t => (long)t.Length);
            stdout.WriteLine($"Parameters: {count.ToString("N0", CultureInfo.InvariantCulture)}");
        }

        private static string Describe(Preprocessing p) => p switch
        {
            Preprocessing.Standardize s => $"standardised per feature ({s.Item.Means.Length} means and standard deviations)",
            Preprocessing.Pixels px => $"pixels standardised with mean {Text.Fixed(px.Item.Mean, 4)} and standard deviation {Text.Fixed(px.Item.Std, 4)}",
            Preprocessing.Affine a => $"x * {Text.Number(a.scale)} + {Text.Number(a.offset)}",
            _ => "none (raw values)",
        };
    }
}

/// <summary>convert: an old character-model file to the model-file format.</summary>
internal sealed class ConvertCommand(CliIo io) : Command<ConvertSettings>
{
    /// <inheritdoc/>
    public override int Execute(CommandContext context, ConvertSettings settings, CancellationToken cancellationToken)
    {
        Files.CheckWritable("--out", settings.OutFile);
        return ModelFiles.Visit(settings.ModelFile!, new Converter(io.Out, settings.OutFile!));
    }

    private sealed class Converter(TextWriter stdout, string output) : IModelVisitor<int>
    {
        public int Visit<T>(string path, SavedModel<T> model) where T : IFloatingPointIeee754<T> =>
            throw new RunFailedException($"--model: '{path}' is already a model file; convert reads old character-model files (.dfcm)");

        public int VisitCharModel<T>(string path, CharModel<T> model) where T : IFloatingPointIeee754<T>
        {
            var saved = DeepFunctional.ModelFile.ofCharModel(model);
            Files.Write("--out", output, () => DeepFunctional.ModelFile.save(output, saved));
            stdout.WriteLine($"Converted {path} to {output}");
            return 0;
        }
    }
}
