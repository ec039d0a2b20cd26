using System;
using System.IO;
using System.Numerics;

namespace DeepFunctional.Cli;

/// <summary>Reading the MNIST-format folder of ch4 and ch5, with one-line failures.</summary>
internal static class Images
{
    /// <summary>The four files of an MNIST-format folder, each possibly with <c>.gz</c> appended.</summary>
    internal static readonly string[] FileNames = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"];

    /// <summary>The one-line message for a data folder that does not exist: how to get Fashion-MNIST, or what --data expects.</summary>
    /// <param name="given">The folder given with --data, or null for the default.</param>
    /// <param name="folder">The folder looked for.</param>
    internal static string MissingFolder(string? given, string folder) =>
        given is null
            ? $"found no Fashion-MNIST in {folder}; install it with 'apt-get install dataset-fashion-mnist', "
              + $"or give --data DIR for a folder of MNIST-format files ({string.Join(", ", FileNames)}, each possibly .gz)"
            : $"--data: found no folder '{folder}'; expected a folder of MNIST-format files ({string.Join(", ", FileNames)}, each possibly .gz)";

    /// <summary>
    /// What ch4 and ch5 do before training: check the data folder (a missing one raised through
    /// <paramref name="missing"/>) and the output paths, then read the folder with a progress line.
    /// </summary>
    internal static ImageTrainTest CheckAndLoad(ImageSettings settings, CliIo io, Func<string, Exception> missing)
    {
        if (!Directory.Exists(settings.Folder))
            throw missing(MissingFolder(settings.DataFolder, settings.Folder));
        Files.CheckWritable("--plot", settings.PlotFile);
        Files.CheckWritable("--save", settings.SaveFile);
        Files.CheckWritable("--onnx", settings.OnnxFile);
        io.Cancellation.ThrowIfCancellationRequested();
        var loading = new ProgressLine(io.ProgressWriter);
        loading.Show($"reading {settings.Folder}");
        try
        {
            return Load(settings.Folder);
        }
        finally
        {
            loading.Clear();
        }
    }

    /// <summary>Reads the folder; a missing or malformed file becomes a one-line failure naming it.</summary>
    /// <exception cref="RunFailedException">when a file is missing or malformed.</exception>
    internal static ImageTrainTest Load(string folder)
    {
        try
        {
            return Idx.loadMnistFolder(folder);
        }
        catch (Exception e) when (e is DataFormatException or IOException or UnauthorizedAccessException)
        {
            string message = e.Message.StartsWith("Idx.loadMnistFolder: ", StringComparison.Ordinal) ? e.Message["Idx.loadMnistFolder: ".Length..] : e.Message;
            throw new RunFailedException(message);
        }
        catch (ArgumentException e)
        {
            throw new RunFailedException(e.Message);
        }
    }

    /// <summary>An image set as the Data line shows it: <c>600 images of 6x6, 10 classes</c>.</summary>
    internal static string Describe(ImageSet set) => $"{set.Count} images of {set.Rows}x{set.Cols}, {set.Classes} classes";

    /// <summary>Prints the Data line and a blank line.</summary>
    internal static void PrintData(TextWriter stdout, string folder, ImageTrainTest images)
    {
        stdout.WriteLine($"Data: {folder}: training set {Describe(images.TrainSet)}; test set {Describe(images.TestSet)}");
        stdout.WriteLine();
    }

    /// <summary>The book's preparation (pixels standardised, one-hot targets) as rows, or as images of one channel.</summary>
    /// <exception cref="RunFailedException">when the sets do not fit together.</exception>
    internal static ClassificationData<T> Prepare<T>(ImageTrainTest images, bool asImages) where T : IFloatingPointIeee754<T>
    {
        try
        {
            return asImages
                ? Classification.prepareImages<T>(images.TrainSet, images.TestSet)
                : Classification.prepare<T>(images.TrainSet, images.TestSet);
        }
        catch (ArgumentException e)
        {
            throw new RunFailedException(e.Message);
        }
    }
}
