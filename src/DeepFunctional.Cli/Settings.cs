using System;
using System.ComponentModel;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Cli;

namespace DeepFunctional.Cli;

/// <summary>The arithmetic precision of a run.</summary>
internal enum Precision
{
    /// <summary>64-bit floating point.</summary>
    Double,

    /// <summary>32-bit floating point.</summary>
    Single,
}

/// <summary>The option every training command shares: <c>--precision</c>, with the command's own default.</summary>
internal abstract class PrecisionSettings : CommandSettings
{
    /// <summary>The value of <c>--precision</c> as written, or null for the command's default.</summary>
    [CommandOption("--precision <PRECISION>")]
    [Description("Arithmetic precision: double or single")]
    public string? PrecisionText { get; init; }

    /// <summary>The precision when <c>--precision</c> is not given.</summary>
    protected virtual Precision DefaultPrecision => Precision.Double;

    /// <summary>The precision asked for.</summary>
    public Precision Precision => PrecisionText switch
    {
        "single" => Precision.Single,
        "double" => Precision.Double,
        _ => DefaultPrecision,
    };

    /// <summary>"double" or "single", as printed.</summary>
    public string PrecisionName => Precision == Precision.Double ? "double" : "single";

    /// <inheritdoc/>
    public override ValidationResult Validate()
    {
        if (Options.MissingLastValue(this) is ValidationResult missing)
            return missing;
        return PrecisionText is null or "double" or "single"
            ? Check()
            : Options.Bad("--precision", "'double' or 'single'", PrecisionText);
    }

    /// <summary>The checks of a derived group (success when there are none).</summary>
    protected virtual ValidationResult Check() => ValidationResult.Success();
}

/// <summary>Adds <c>--plot FILE.png</c> to <see cref="PrecisionSettings"/>.</summary>
internal abstract class PlotSettings : PrecisionSettings
{
    /// <summary>The PNG to draw the run's curves in, or null.</summary>
    [CommandOption("--plot <FILE>")]
    [Description("Draw the run's losses into this PNG file")]
    public string? PlotFile { get; init; }

    /// <inheritdoc/>
    protected override ValidationResult Check() =>
        PlotFile is string p && !(p.Length > 4 && p.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
            ? Options.Bad("--plot", "a file name ending in .png", p)
            : CheckMore();

    /// <summary>The checks of a derived group.</summary>
    protected virtual ValidationResult CheckMore() => ValidationResult.Success();
}

/// <summary>Adds <c>--save FILE</c> and <c>--onnx FILE</c>: where to write the trained model.</summary>
internal abstract class ModelOutputSettings : PlotSettings
{
    /// <summary>The model file (safetensors) to write the trained network to, or null.</summary>
    [CommandOption("--save <FILE>")]
    [Description("Write the trained model to FILE (a safetensors model file)")]
    public string? SaveFile { get; init; }

    /// <summary>The ONNX file to export the trained network to, or null.</summary>
    [CommandOption("--onnx <FILE>")]
    [Description("Export the trained model to FILE in ONNX format")]
    public string? OnnxFile { get; init; }

    /// <inheritdoc/>
    protected override ValidationResult CheckMore() =>
        SaveFile is "" ? Options.Bad("--save", "a file name", "")
        : OnnxFile is "" ? Options.Bad("--onnx", "a file name", "")
        : CheckModel();

    /// <summary>The checks of a derived group.</summary>
    protected virtual ValidationResult CheckModel() => ValidationResult.Success();
}

/// <summary>The options of the image commands (ch4, ch5): the data folder, book mode and the epochs.</summary>
internal abstract class ImageSettings : ModelOutputSettings
{
    /// <summary>Where Debian's <c>dataset-fashion-mnist</c> package installs Fashion-MNIST.</summary>
    internal const string FashionMnistFolder = "/usr/share/datasets/fashion-mnist";

    /// <summary>The data folder, or null for Fashion-MNIST where Debian installs it.</summary>
    [CommandOption("--data <DIR>")]
    [Description("A folder holding train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte, each possibly .gz (default " + FashionMnistFolder + ", where 'apt-get install dataset-fashion-mnist' puts Fashion-MNIST; MNIST works too)")]
    public string? DataFolder { get; init; }

    /// <summary>Reproduce the book's code (its seeding, loss value, "glorot", dropout scaling, early stopping, and NumPy's arithmetic).</summary>
    [CommandOption("--book")]
    [Description("Reproduce the book's code: its seeding, loss value, \"glorot\", dropout scaling and early-stopping model, and NumPy's arithmetic; needs double precision")]
    public bool Book { get; init; }

    /// <summary>The number of epochs, or null for the experiment's own.</summary>
    [CommandOption("--epochs <N>")]
    [Description("Train N epochs, >= 1, instead of the experiment's own")]
    public int? Epochs { get; init; }

    /// <summary>The folder to read.</summary>
    public string Folder => DataFolder ?? FashionMnistFolder;

    /// <inheritdoc/>
    protected override ValidationResult CheckModel() =>
        DataFolder is "" ? Options.Bad("--data", "a folder", "")
        : Epochs is int n && n < 1 ? Options.Bad("--epochs", "an integer >= 1", n)
        : Book && Precision == Precision.Single
            ? ValidationResult.Error("option --book expects double precision (the book's arithmetic), got --precision single")
            : CheckImages();

    /// <summary>The checks of a derived command.</summary>
    protected virtual ValidationResult CheckImages() => ValidationResult.Success();
}

/// <summary>The messages of refused options.</summary>
internal static class Options
{
    /// <summary>What Spectre.Console.Cli gives a text option written last without its value.</summary>
    private const string DefaultCommandName = "__default_command";

    /// <summary>An error when a text option holds Spectre's stand-in for a missing last value, else null.</summary>
    internal static ValidationResult? MissingLastValue(CommandSettings settings)
    {
        foreach (var property in settings.GetType().GetProperties())
        {
            if (property.PropertyType == typeof(string) && property.GetValue(settings) is DefaultCommandName
                && property.GetCustomAttributes(typeof(CommandOptionAttribute), true) is [CommandOptionAttribute option, ..])
                return ValidationResult.Error($"option --{option.LongNames[0]} expects a value, got nothing");
        }
        return null;
    }

    /// <summary><c>option --name expects E, got 'V'</c>.</summary>
    internal static ValidationResult Bad(string option, string expected, object value) =>
        ValidationResult.Error(string.Create(CultureInfo.InvariantCulture, $"option {option} expects {expected}, got '{value}'"));
}
