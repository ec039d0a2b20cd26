using System;
using System.Collections.Generic;

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
