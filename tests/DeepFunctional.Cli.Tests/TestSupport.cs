using System;
using System.IO;
using System.Threading;
using DeepFunctional.Cli;
using Spectre.Console.Cli.Testing;

namespace DeepFunctional.Cli.Tests;

/// <summary>One run of the command line in process: its exit code, what the commands wrote, and the console (help) output.</summary>
internal sealed record Run(int ExitCode, string Stdout, string Stderr, string Console, Spectre.Console.Cli.CommandSettings? Settings)
{
    /// <summary>stdout's lines.</summary>
    internal string[] Lines => Stdout.Split('\n');
}

/// <summary>Runs the deepfunctional command line through Spectre.Console.Cli.Testing's <see cref="CommandAppTester"/>.</summary>
internal static class Cli
{
    /// <summary>Runs with no progress and no cancellation.</summary>
    internal static Run Execute(params string[] args) => Execute(false, CancellationToken.None, args);

    /// <summary>Runs with progress on stderr when asked and the given cancellation.</summary>
    internal static Run Execute(bool progress, CancellationToken cancellation, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var io = new CliIo(stdout, stderr, progress, cancellation);
        var tester = new CommandAppTester();
        tester.SetDefaultCommand<Chapter3Command>();
        tester.Configure(config => Program.Configure(config, io));
        var result = tester.Run(Program.Arguments(args));
        return new Run(result.ExitCode, Normal(stdout.ToString()), Normal(stderr.ToString()), Normal(result.Output), result.Settings);
    }

    private static string Normal(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal);
}

/// <summary>A fresh temporary folder, deleted with everything in it on <see cref="Dispose"/>.</summary>
internal sealed class TempFolder : IDisposable
{
    /// <summary>The folder's full path.</summary>
    internal string Path { get; } = Directory.CreateTempSubdirectory("deepfunctional-cli-test-").FullName;

    /// <summary>The path of a file in the folder.</summary>
    internal string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>
/// Small MNIST-format data made up for the tests: images of 6×6 pixels in 10 classes, where class c lights
/// up the pixels whose index is c modulo 10 over faint noise, so a small network separates them in a few epochs.
/// </summary>
internal static class SyntheticImages
{
    /// <summary>The height and width of every image.</summary>
    internal const int Side = 6;

    /// <summary>Images and labels of <paramref name="count"/> images, classes in turn, deterministic for a seed.</summary>
    internal static (IdxImages Images, int[] Labels) Make(int count, int seed, int classes = 10)
    {
        var random = new Random(seed);
        var pixels = new byte[count * Side * Side];
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            int label = (i * 7 + random.Next(3)) % classes;
            labels[i] = label;
            for (int p = 0; p < Side * Side; p++)
                pixels[i * Side * Side + p] = (byte)(p % classes == label ? 150 + random.Next(100) : random.Next(60));
        }
        return (new IdxImages(count, Side, Side, pixels), labels);
    }

    /// <summary>Writes one image set as a pair of IDX files.</summary>
    internal static void Save((IdxImages Images, int[] Labels) set, string images, string labels, bool gzip = false)
    {
        var compression = gzip ? IdxCompression.Gzip : IdxCompression.Uncompressed;
        Idx.writeImages(compression, images, set.Images);
        Idx.writeLabels(compression, labels, set.Labels);
    }

    /// <summary>Writes 600 training images (ten batches of 60) and 200 test images as the four MNIST files into a fresh temporary folder.</summary>
    internal static TempFolder WriteFolder(bool gzip = false)
    {
        var folder = new TempFolder();
        string suffix = gzip ? ".gz" : "";
        Save(Make(600, 1), folder.File("train-images-idx3-ubyte" + suffix), folder.File("train-labels-idx1-ubyte" + suffix), gzip);
        Save(Make(200, 2), folder.File("t10k-images-idx3-ubyte" + suffix), folder.File("t10k-labels-idx1-ubyte" + suffix), gzip);
        return folder;
    }
}

/// <summary>A fact that needs the real Fashion-MNIST (Debian's <c>dataset-fashion-mnist</c>): skipped, with the reason shown, otherwise.</summary>
public sealed class FashionMnistFactAttribute : Xunit.FactAttribute
{
    /// <summary>Sets <see cref="Xunit.FactAttribute.Skip"/> when the data is missing.</summary>
    public FashionMnistFactAttribute()
    {
        if (!Directory.Exists(ImageSettings.FashionMnistFolder))
            Skip = $"needs Fashion-MNIST in {ImageSettings.FashionMnistFolder} (apt-get install dataset-fashion-mnist)";
    }
}
