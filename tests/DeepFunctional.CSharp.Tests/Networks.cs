using System;
using System.Collections.Generic;
using System.Linq;

namespace DeepFunctional.CSharp.Tests;

/// <summary>One network of every layer kind, with its sample shape and data to train it on.</summary>
public sealed record NetworkCase(string Name, Func<Layer[]> Layers, int[] Sample, int[] Output, bool Ids = false)
{
    internal NeuralNetwork Create(long seed = 3) => new(Layers(), new MeanSquaredError(), seed);

    /// <summary>Inputs of <paramref name="rows"/> rows in the precision's element type.</summary>
    internal Array X(Type element, int rows, int seed = 1)
    {
        var a = TestData.Random(element, seed, [rows, .. Sample]);
        if (Ids)
        {
            var random = new Random(seed);
            var ids = Array.CreateInstance(element, [rows, .. Sample]);
            for (int i = 0; i < rows; i++)
                for (int j = 0; j < Sample[0]; j++)
                    ids.SetValue(element == typeof(float) ? (object)(float)random.Next(7) : (double)random.Next(7), i, j);
            return ids;
        }
        return a;
    }

    internal Array Y(Type element, int rows, int seed = 2) => TestData.Random(element, seed, [rows, .. Output]);

    public override string ToString() => Name;

    internal static readonly NetworkCase[] All =
    [
        new("dense", () => [new Dense(4, new Sigmoid()), new Dense(2)], [3], [2]),
        new("dense with dropout", () => [new Dense(5, new Tanh()) { KeepProbability = 0.8, WeightInit = WeightInit.Glorot }, new Dropout(0.9), new Dense(2, new ReLU())], [3], [2]),
        new("conv and pools", () => [new Conv2D(3, 3, new ReLU()) { Bias = true }, new MaxPool2D(2), new Conv2D(2, 3, new Tanh()), new AvgPool2D(2, 1), new Flatten(), new Dense(2)], [1, 6, 6], [2]),
        new("strided conv flattened", () => [new Conv2D(2, 3) { Flatten = true, Stride = 2, Padding = 1, WeightInit = WeightInit.Glorot }, new Dense(2)], [1, 6, 6], [2]),
        new("LSTM", () => [new LSTM(5), new Dense(2)], [4, 3], [2]),
        new("GRU and SimpleRNN", () => [new GRU(4, returnSequences: true), new SimpleRNN(3), new Dense(2)], [4, 3], [2]),
        new("SimpleRNN sequences", () => [new SimpleRNN(3, returnSequences: true)], [4, 3], [4, 3]),
        new("embedding", () => [new Embedding(7, 4), new LSTM(5), new Dense(2)], [4], [2], Ids: true),
    ];

    public static IEnumerable<object[]> Names() => All.Select(c => new object[] { c.Name });

    public static IEnumerable<object[]> NamesAndPrecisions() =>
        All.SelectMany(c => new[] { new object[] { c.Name, Precision.Double }, new object[] { c.Name, Precision.Single } });

    internal static NetworkCase Find(string name) => All.Single(c => c.Name == name);
}

/// <summary>Calls the facade's overload for an array's type.</summary>
internal static class Calls
{
    internal static Array Predict(NeuralNetwork n, Array x) => x switch
    {
        double[,] d when n.Layers[0] is Embedding && n.OutputShapes([d.GetLength(1)])[^1].Length == 2 => n.PredictSequence(d),
        double[,] d => n.Predict(d),
        float[,] f when n.Layers[0] is Embedding && n.OutputShapes([f.GetLength(1)])[^1].Length == 2 => n.PredictSequence(f),
        float[,] f => n.Predict(f),
        double[,,] d when n.OutputShapes([d.GetLength(1), d.GetLength(2)])[^1].Length == 2 => n.PredictSequence(d),
        double[,,] d => n.Predict(d),
        float[,,] f when n.OutputShapes([f.GetLength(1), f.GetLength(2)])[^1].Length == 2 => n.PredictSequence(f),
        float[,,] f => n.Predict(f),
        double[,,,] d => n.Predict(d),
        float[,,,] f => n.Predict(f),
        _ => throw new ArgumentException(x.GetType().Name),
    };

    internal static FitResult Fit(Trainer t, Array x, Array y, FitOptions? o) => (x, y) switch
    {
        (double[,] a, double[,] b) => t.Fit(a, b, o),
        (float[,] a, float[,] b) => t.Fit(a, b, o),
        (double[,,] a, double[,] b) => t.Fit(a, b, o),
        (float[,,] a, float[,] b) => t.Fit(a, b, o),
        (double[,,] a, double[,,] b) => t.Fit(a, b, o),
        (float[,,] a, float[,,] b) => t.Fit(a, b, o),
        (double[,,,] a, double[,] b) => t.Fit(a, b, o),
        (float[,,,] a, float[,] b) => t.Fit(a, b, o),
        _ => throw new ArgumentException(x.GetType().Name),
    };
}
