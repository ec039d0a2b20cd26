using System;
using System.Collections.Generic;
using Core = global::DeepFunctional;

namespace DeepFunctional.CSharp;

/// <summary>Linear regression trained by hand (the book's chapter 2) and how it did on the test rows.</summary>
public sealed class LinearRegressionResult
{
    internal LinearRegressionResult(double[,] weights, double intercept, IReadOnlyList<double> losses, double mae, double rmse)
    {
        Weights = weights;
        Intercept = intercept;
        Losses = losses;
        MeanAbsoluteError = mae;
        RootMeanSquaredError = rmse;
    }

    /// <summary>W after the last step: [features, 1].</summary>
    public double[,] Weights { get; }

    /// <summary>The intercept B after the last step.</summary>
    public double Intercept { get; }

    /// <summary>The mean squared error of every training batch, before its step.</summary>
    public IReadOnlyList<double> Losses { get; }

    /// <summary>The mean absolute error on the test rows.</summary>
    public double MeanAbsoluteError { get; }

    /// <summary>The root mean squared error on the test rows.</summary>
    public double RootMeanSquaredError { get; }
}

/// <summary>The one-hidden-layer network trained by hand (the book's chapter 2) and how it did on the test rows.</summary>
public sealed class HiddenLayerNetworkResult
{
    internal HiddenLayerNetworkResult(double[,] w1, double[,] b1, double[,] w2, double b2, IReadOnlyList<double> losses, double mae, double rmse)
    {
        W1 = w1;
        B1 = b1;
        W2 = w2;
        B2 = b2;
        Losses = losses;
        MeanAbsoluteError = mae;
        RootMeanSquaredError = rmse;
    }

    /// <summary>Input to hidden weights: [features, hidden].</summary>
    public double[,] W1 { get; }

    /// <summary>Hidden biases: [1, hidden].</summary>
    public double[,] B1 { get; }

    /// <summary>Hidden to output weights: [hidden, 1].</summary>
    public double[,] W2 { get; }

    /// <summary>The output bias.</summary>
    public double B2 { get; }

    /// <summary>The mean squared error of every training batch, before its step.</summary>
    public IReadOnlyList<double> Losses { get; }

    /// <summary>The mean absolute error on the test rows.</summary>
    public double MeanAbsoluteError { get; }

    /// <summary>The root mean squared error on the test rows.</summary>
    public double RootMeanSquaredError { get; }
}

/// <summary>The closed-form least-squares fit (what scikit-learn's <c>LinearRegression</c> computes) and how it did on the test rows.</summary>
public sealed class LeastSquaresResult
{
    internal LeastSquaresResult(double[,] weights, double intercept, double mae, double rmse)
    {
        Weights = weights;
        Intercept = intercept;
        MeanAbsoluteError = mae;
        RootMeanSquaredError = rmse;
    }

    /// <summary>The coefficients: [features, 1].</summary>
    public double[,] Weights { get; }

    /// <summary>The intercept.</summary>
    public double Intercept { get; }

    /// <summary>The mean absolute error on the test rows.</summary>
    public double MeanAbsoluteError { get; }

    /// <summary>The root mean squared error on the test rows.</summary>
    public double RootMeanSquaredError { get; }
}

/// <summary>
/// The book's chapter 2: linear regression and a one-hidden-layer network written out by hand
/// (forward pass, chain-rule gradients, mini-batch SGD on NumPy's random stream), and the
/// closed-form least-squares fit to compare with. All in double precision. Each method trains on
/// the book's standardised Boston split unless given other data (targets must be one column).
/// </summary>
public static class Chapter2
{
    /// <summary>Trains linear regression ŷ = X·W + B by hand, as the book's chapter 2 does.</summary>
    /// <param name="data">The data; the book's Boston split (<see cref="BostonHousing.BookSplit"/>) when null.</param>
    /// <param name="learningRate">The SGD step size (the book: 0.001).</param>
    /// <param name="batchSize">Rows per batch (the book: 23).</param>
    /// <param name="iterations">The number of batches (SGD steps), not epochs (the book: 1000).</param>
    /// <param name="seed">The seed the generator starts from, in 0..4294967295 (the book: 180708).</param>
    /// <exception cref="ArgumentException">when an array is empty or holds NaN or infinity.</exception>
    /// <exception cref="ArgumentOutOfRangeException">when a setting is out of range.</exception>
    /// <exception cref="ShapeMismatchException">when the arrays do not fit each other (targets must be [rows, 1]).</exception>
    public static LinearRegressionResult TrainLinearRegression(TrainTestSplit<double>? data = null,
        double learningRate = 0.001, int batchSize = 23, int iterations = 1000, long seed = 180708)
    {
        var split = Prepare("Chapter2.TrainLinearRegression", data, learningRate, batchSize, iterations, seed);
        var r = Core.Chapter2.linearRegression(new Core.Chapter2.TrainConfig(learningRate, batchSize, iterations, seed), split);
        return new LinearRegressionResult(Interop.ToArray(r.Weights.W), r.Weights.B[0, 0],
            Array.AsReadOnly(r.Losses), r.Mae, r.Rmse);
    }

    /// <summary>Trains the network ŷ = σ(X·W1 + B1)·W2 + B2 by hand, as the book's chapter 2 does.</summary>
    /// <param name="data">The data; the book's Boston split (<see cref="BostonHousing.BookSplit"/>) when null.</param>
    /// <param name="hiddenSize">The number of sigmoid units in the hidden layer (the book: 13).</param>
    /// <param name="learningRate">The SGD step size (the book: 0.001).</param>
    /// <param name="batchSize">Rows per batch (the book: 23).</param>
    /// <param name="iterations">The number of batches (SGD steps), not epochs (the book: 10000).</param>
    /// <param name="seed">The seed the generator starts from, in 0..4294967295 (the book: 180807, the run whose test errors the book reports).</param>
    /// <param name="bookBiasGradient">False: each hidden bias gets its own gradient. True: the book's code, which
    /// sums the hidden-bias gradient once more and so moves every hidden bias by the same total.</param>
    /// <exception cref="ArgumentException">when an array is empty or holds NaN or infinity.</exception>
    /// <exception cref="ArgumentOutOfRangeException">when a setting is out of range.</exception>
    /// <exception cref="ShapeMismatchException">when the arrays do not fit each other (targets must be [rows, 1]).</exception>
    public static HiddenLayerNetworkResult TrainNeuralNetwork(TrainTestSplit<double>? data = null, int hiddenSize = 13,
        double learningRate = 0.001, int batchSize = 23, int iterations = 10000, long seed = 180807, bool bookBiasGradient = false)
    {
        const string op = "Chapter2.TrainNeuralNetwork";
        Guard.AtLeast(op, nameof(hiddenSize), hiddenSize, 1);
        var split = Prepare(op, data, learningRate, batchSize, iterations, seed);
        var config = new Core.Chapter2.NetworkConfig(
            new Core.Chapter2.TrainConfig(learningRate, batchSize, iterations, seed), hiddenSize, bookBiasGradient);
        var r = Core.Chapter2.neuralNetwork(config, split);
        var w = r.Weights;
        return new HiddenLayerNetworkResult(Interop.ToArray(w.W1), Interop.ToArray(w.B1), Interop.ToArray(w.W2), w.B2[0, 0],
            Array.AsReadOnly(r.Losses), r.Mae, r.Rmse);
    }

    /// <summary>The least-squares fit with an intercept on the training rows, in closed form (QR decomposition).</summary>
    /// <param name="data">The data; the book's Boston split (<see cref="BostonHousing.BookSplit"/>) when null.</param>
    /// <exception cref="ArgumentException">when an array is empty or holds NaN or infinity.</exception>
    /// <exception cref="ArgumentOutOfRangeException">when there are fewer training rows than coefficients.</exception>
    /// <exception cref="ShapeMismatchException">when the arrays do not fit each other (targets must be [rows, 1]).</exception>
    public static LeastSquaresResult LeastSquares(TrainTestSplit<double>? data = null)
    {
        var split = Tensors("Chapter2.LeastSquares", data);
        var r = Core.Chapter2.leastSquares(split);
        return new LeastSquaresResult(Interop.ToArray(r.Weights.W), r.Weights.B[0, 0], r.Mae, r.Rmse);
    }

    private static Core.TrainTest<double> Prepare(string op, TrainTestSplit<double>? data,
        double learningRate, int batchSize, int iterations, long seed)
    {
        Guard.PositiveFinite(op, nameof(learningRate), learningRate);
        Guard.AtLeast(op, nameof(batchSize), batchSize, 1);
        Guard.AtLeast(op, nameof(iterations), iterations, 0);
        Guard.Seed(op, nameof(seed), seed);
        return Tensors(op, data);
    }

    private static Core.TrainTest<double> Tensors(string op, TrainTestSplit<double>? data)
    {
        if (data is null)
            return Core.Datasets.bostonSplit<double>();
        Guard.Matrix(op, "XTrain", data.XTrain);
        Guard.Matrix(op, "YTrain", data.YTrain);
        Guard.Matrix(op, "XTest", data.XTest);
        Guard.Matrix(op, "YTest", data.YTest);
        Guard.Columns(op, "YTrain", data.YTrain, 1, "one target");
        return new Core.TrainTest<double>(Interop.ToTensor(data.XTrain), Interop.ToTensor(data.YTrain),
            Interop.ToTensor(data.XTest), Interop.ToTensor(data.YTest));
    }
}
