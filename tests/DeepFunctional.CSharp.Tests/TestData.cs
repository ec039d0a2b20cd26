using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Reflection;
using Xunit;

namespace DeepFunctional.CSharp.Tests;

/// <summary>Data and helpers shared by the tests.</summary>
internal static class TestData
{
    /// <summary>The book's seed for chapter 3.</summary>
    internal const long BookSeed = 20190501;

    /// <summary>The book's Boston split in double precision (a fresh copy each call).</summary>
    internal static TrainTestSplit<double> Boston() => BostonHousing.BookSplit();

    /// <summary>y = x·(1.5, −2, 0.5) + small noise, 40 training and 20 test rows, deterministic.</summary>
    internal static TrainTestSplit<double> Small()
    {
        var random = new Random(7);
        double[,] x = new double[60, 3], y = new double[60, 1];
        for (int i = 0; i < 60; i++)
        {
            for (int j = 0; j < 3; j++)
                x[i, j] = random.NextDouble() * 2 - 1;
            y[i, 0] = 1.5 * x[i, 0] - 2.0 * x[i, 1] + 0.5 * x[i, 2] + 0.05 * (random.NextDouble() - 0.5);
        }
        return new TrainTestSplit<double>(Rows(x, 0, 40), Rows(y, 0, 40), Rows(x, 40, 20), Rows(y, 40, 20));
    }

    /// <summary>Rows start .. start+count−1 of a matrix.</summary>
    internal static T[,] Rows<T>(T[,] a, int start, int count)
    {
        var r = new T[count, a.GetLength(1)];
        for (int i = 0; i < count; i++)
            for (int j = 0; j < a.GetLength(1); j++)
                r[i, j] = a[start + i, j];
        return r;
    }

    /// <summary>A matrix of the given shape filled with one value.</summary>
    internal static double[,] Filled(int rows, int cols, double value)
    {
        var a = new double[rows, cols];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
                a[i, j] = value;
        return a;
    }

    /// <summary>The book's chapter-3 network with one hidden layer, seeded the book's way.</summary>
    internal static NeuralNetwork OneHiddenLayer(long seed = BookSeed) =>
        new([new Dense(neurons: 13, activation: new Sigmoid()), new Dense(neurons: 1, activation: new Linear())],
            new MeanSquaredError(), seed) { Seeding = Seeding.Book };

    /// <summary>Linear regression on 3 features.</summary>
    internal static NeuralNetwork LinearRegression(long seed = 5) =>
        new([new Dense(neurons: 1, activation: new Linear())], new MeanSquaredError(), seed);
}

/// <summary>
/// Small MNIST-format data made up for the tests: images of 6×6 pixels in 10 classes, where class c lights
/// up the pixels whose index is c modulo 10 over faint noise, so a small network separates them in a few epochs.
/// </summary>
internal static class SyntheticImages
{
    /// <summary>The height and width of every image.</summary>
    internal const int Side = 6;

    /// <summary>
    /// An image set of <paramref name="count"/> images, classes in turn, deterministic for a seed. With
    /// <paramref name="labelNoise"/> above 0, that share of the images (in expectation) is given a random label
    /// after its pixels are drawn, so that no network reaches 100% and the losses stay informative.
    /// </summary>
    internal static ImageSet Make(int count, int seed, int classes = 10, double labelNoise = 0)
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
            if (labelNoise > 0 && random.NextDouble() < labelNoise)
                labels[i] = random.Next(classes);
        }
        return new ImageSet(Side, Side, classes, pixels, labels);
    }

    /// <summary>600 training images (ten batches of 60) and 200 test images.</summary>
    internal static ImageDataSet DataSet() => new(Make(600, 1), Make(200, 2));

    /// <summary>Writes <see cref="DataSet"/> as the four MNIST files into a fresh temporary folder, gzip'd on request.</summary>
    internal static TempFolder WriteFolder(bool gzip = false)
    {
        var folder = new TempFolder();
        var data = DataSet();
        string suffix = gzip ? ".gz" : "";
        data.Train.Save(folder.File("train-images-idx3-ubyte" + suffix), folder.File("train-labels-idx1-ubyte" + suffix), gzip);
        data.Test.Save(folder.File("t10k-images-idx3-ubyte" + suffix), folder.File("t10k-labels-idx1-ubyte" + suffix), gzip);
        return folder;
    }
}

/// <summary>A fresh temporary folder, deleted with everything in it on <see cref="Dispose"/>.</summary>
internal sealed class TempFolder : IDisposable
{
    /// <summary>The folder's full path.</summary>
    internal string Path { get; } = Directory.CreateTempSubdirectory("deepfunctional-test-").FullName;

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
/// A fact that needs the real Fashion-MNIST (Debian's <c>dataset-fashion-mnist</c>) and a core compiled with
/// optimisations (a Debug core trains about twenty times slower): skipped, with the reason shown, otherwise.
/// </summary>
public sealed class FashionMnistFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when the data or an optimised core is missing.</summary>
    public FashionMnistFactAttribute()
    {
        if (!Directory.Exists(Mnist.FashionMnistFolder))
            Skip = $"needs Fashion-MNIST in {Mnist.FashionMnistFolder} (apt-get install dataset-fashion-mnist)";
        else if (!CoreIsOptimised)
            Skip = "needs the core compiled with optimisations, which trains fast enough for a unit test: dotnet test -c Release";
    }

    /// <summary>Whether the F# core was compiled with the JIT optimiser enabled (a Release build).</summary>
    internal static bool CoreIsOptimised =>
        typeof(global::DeepFunctional.ShapeMismatchException).Assembly.GetCustomAttribute<DebuggableAttribute>() is not { IsJITOptimizerDisabled: true };
}

/// <summary>An <see cref="IProgress{T}"/> that records every report synchronously and can run an action on each.</summary>
internal sealed class Recorder(Action<TrainingProgress>? onReport = null) : IProgress<TrainingProgress>
{
    /// <summary>Every report, in order.</summary>
    internal List<TrainingProgress> Reports { get; } = [];

    public void Report(TrainingProgress value)
    {
        Reports.Add(value);
        onReport?.Invoke(value);
    }
}
