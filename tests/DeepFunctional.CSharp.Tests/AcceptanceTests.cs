using System;
using System.Linq;
using Xunit;

namespace DeepFunctional.CSharp.Tests;

/// <summary>The acceptance test: an LSTM classifier on float sequences learns a sequence task.</summary>
public class AcceptanceTests
{
    /// <summary>
    /// Sequences of 8 steps of 2 features: noise, plus in half of them (class 1) a marker (feature 1 = 1) at one of
    /// the first three steps. The class is only in the order of the steps, so the LSTM must remember the marker.
    /// </summary>
    internal static (float[,,] X, float[,] Y, int[] Labels) MarkerTask(int rows, int seed)
    {
        var random = new Random(seed);
        var x = new float[rows, 8, 2];
        var y = new float[rows, 2];
        var labels = new int[rows];
        for (int i = 0; i < rows; i++)
        {
            int label = random.Next(2);
            labels[i] = label;
            y[i, label] = 1;
            for (int t = 0; t < 8; t++)
            {
                x[i, t, 0] = (float)(random.NextDouble() * 2 - 1);
                x[i, t, 1] = (float)(random.NextDouble() * 0.2 - 0.1);
            }
            // A marker appears in every sequence: early (the first 3 steps) for class 1, late (the last 3) for class 0.
            int step = label == 1 ? random.Next(3) : 5 + random.Next(3);
            x[i, step, 1] = 1;
        }
        return (x, y, labels);
    }

    private static double Accuracy(float[,] p, int[] labels) =>
        TestData.Argmax(p).Zip(labels).Count(t => t.First == t.Second) / (double)labels.Length;

    [Fact]
    public void An_LSTM_network_on_float_sequences_learns_whether_a_marker_appears_early()
    {
        const long seed = 42;
        var (x, y, labels) = MarkerTask(256, 1);
        var (xTest, yTest, testLabels) = MarkerTask(128, 2);
        var network = new NeuralNetwork([new LSTM(24, returnSequences: false), new Dense(2, new Linear())], new SoftmaxCrossEntropy(), seed);
        var trainer = new Trainer(network, new Adam(0.01));

        network.Initialize([8, 2], Precision.Single);
        double before = network.ComputeLoss(xTest, yTest);
        var result = trainer.Fit(x, y, new FitOptions { Epochs = 15 });

        Assert.Equal(Precision.Single, network.Precision);
        Assert.Equal(Precision.Single, result.Precision);
        Assert.Equal(15, result.EpochsCompleted);
        double after = network.ComputeLoss(xTest, yTest);
        Assert.True(after < 0.5 * before, $"test loss {before} -> {after}");
        var firstEpoch = result.BatchLosses.Take(8).Average();
        var lastEpoch = result.BatchLosses.TakeLast(8).Average();
        Assert.True(lastEpoch < 0.5 * firstEpoch, $"training loss {firstEpoch} -> {lastEpoch}");
        double accuracy = Accuracy(network.Predict(xTest), testLabels);
        Assert.True(accuracy >= 0.9, $"test accuracy {accuracy}");
        Assert.True(Accuracy(network.Predict(x), labels) >= 0.9);
    }
}
