using System;
using System.IO;

namespace DeepFunctional.CSharp.Tests;

/// <summary>Data and helpers shared by the tests.</summary>
internal static class TestData
{
    /// <summary>y = x·(1.5, −2, 0.5) + small noise, 40 training and 20 test rows, deterministic.</summary>
    internal static (double[,] X, double[,] Y, double[,] XTest, double[,] YTest) Small()
    {
        var random = new Random(7);
        double[,] x = new double[60, 3], y = new double[60, 1];
        for (int i = 0; i < 60; i++)
        {
            for (int j = 0; j < 3; j++)
                x[i, j] = random.NextDouble() * 2 - 1;
            y[i, 0] = 1.5 * x[i, 0] - 2.0 * x[i, 1] + 0.5 * x[i, 2] + 0.05 * (random.NextDouble() - 0.5);
        }
        return (Rows(x, 0, 40), Rows(y, 0, 40), Rows(x, 40, 20), Rows(y, 40, 20));
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

    /// <summary>An array of the given shape with deterministic values in [−1, 1).</summary>
    internal static Array Random(Type element, int seed, params int[] shape)
    {
        var a = Array.CreateInstance(element, shape);
        var random = new Random(seed);
        var index = new int[shape.Length];
        for (int k = 0; k < a.Length; k++)
        {
            int rest = k;
            for (int d = shape.Length - 1; d >= 0; d--)
            {
                index[d] = rest % shape[d];
                rest /= shape[d];
            }
            double v = random.NextDouble() * 2 - 1;
            a.SetValue(element == typeof(float) ? (object)(float)v : v, index);
        }
        return a;
    }

    /// <summary>A random double array.</summary>
    internal static T Doubles<T>(int seed, params int[] shape) where T : class => (T)(object)Random(typeof(double), seed, shape);

    /// <summary>A random float array.</summary>
    internal static T Floats<T>(int seed, params int[] shape) where T : class => (T)(object)Random(typeof(float), seed, shape);

    /// <summary>One-hot rows for labels.</summary>
    internal static double[,] OneHot(int[] labels, int classes)
    {
        var y = new double[labels.Length, classes];
        for (int i = 0; i < labels.Length; i++)
            y[i, labels[i]] = 1;
        return y;
    }

    /// <summary>The index of the largest value of each row.</summary>
    internal static int[] Argmax<T>(T[,] a) where T : IComparable<T>
    {
        var r = new int[a.GetLength(0)];
        for (int i = 0; i < r.Length; i++)
            for (int j = 1; j < a.GetLength(1); j++)
                if (a[i, j].CompareTo(a[i, r[i]]) > 0)
                    r[i] = j;
        return r;
    }

    /// <summary>A fresh path in a fresh temporary folder.</summary>
    internal static string TempFile(string name)
    {
        var dir = Path.Combine(Path.GetTempPath(), "df-csharp-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return Path.Combine(dir, name);
    }

    /// <summary>y = x·(1.5, −2, 0.5) for 3-feature regression, as a linear-regression network.</summary>
    internal static NeuralNetwork LinearRegression(long seed = 5) => new([new Dense(1, new Linear())], new MeanSquaredError(), seed);
}
