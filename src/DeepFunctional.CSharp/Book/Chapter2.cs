using System;
using System.Collections.Generic;
using System.Linq;
using Core = DeepFunctional;
using Ch2 = DeepFunctional.Book.Chapter2;

namespace DeepFunctional.CSharp.Book;

/// <summary>Chapter 2's linear regression trained with hand-derived gradients.</summary>
public sealed class LinearRegressionResult
{
    internal LinearRegressionResult(Ch2.LinearWeights w, double[] losses, double mae, double rmse)
    {
        Weights = (double[,])Interop.ToArray(w.W);
        Intercept = w.B.ToArray()[0];
        Losses = losses;
        MeanAbsoluteError = mae;
        RootMeanSquaredError = rmse;
    }

    /// <summary>The weights [features; 1].</summary>
    public double[,] Weights { get; }

    /// <summary>The intercept.</summary>
    public double Intercept { get; }

    /// <summary>The mean squared error of every training batch, before its step.</summary>
    public IReadOnlyList<double> Losses { get; }

    /// <summary>The mean absolute error on the test rows.</summary>
    public double MeanAbsoluteError { get; }

    /// <summary>The root mean squared error on the test rows.</summary>
    public double RootMeanSquaredError { get; }
}

/// <summary>Chapter 2's network with one sigmoid hidden layer, trained with hand-derived gradients.</summary>
public sealed class HiddenLayerNetworkResult
{
    internal HiddenLayerNetworkResult(Ch2.NetworkResult r)
    {
        W1 = (double[,])Interop.ToArray(r.Weights.W1);
        B1 = (double[,])Interop.ToArray(r.Weights.B1);
        W2 = (double[,])Interop.ToArray(r.Weights.W2);
        B2 = r.Weights.B2.ToArray()[0];
        Losses = r.Losses.ToArray();
        MeanAbsoluteError = r.Mae;
        RootMeanSquaredError = r.Rmse;
    }

    /// <summary>Input to hidden weights [features; hidden].</summary>
    public double[,] W1 { get; }

    /// <summary>Hidden biases [1; hidden].</summary>
    public double[,] B1 { get; }

    /// <summary>Hidden to output weights [hidden; 1].</summary>
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

/// <summary>The closed-form least-squares fit (as sklearn's <c>LinearRegression</c>).</summary>
public sealed class LeastSquaresResult
{
    internal LeastSquaresResult(Ch2.LeastSquaresResult r)
    {
        Weights = (double[,])Interop.ToArray(r.Weights.W);
        Intercept = r.Weights.B.ToArray()[0];
        MeanAbsoluteError = r.Mae;
        RootMeanSquaredError = r.Rmse;
    }

    /// <summary>The coefficients [features; 1].</summary>
    public double[,] Weights { get; }

    /// <summary>The intercept.</summary>
    public double Intercept { get; }

    /// <summary>The mean absolute error on the test rows.</summary>
    public double MeanAbsoluteError { get; }

    /// <summary>The root mean squared error on the test rows.</summary>
    public double RootMeanSquaredError { get; }
}

/// <summary>The book's chapter 2: linear regression and a one-hidden-layer network on the Boston data, with hand-derived gradients.</summary>
public static class Chapter2
{
    /// <summary>Trains linear regression as the book does (defaults: learning rate 0.001, batches of 23, 1,000 batches, seed 180708).</summary>
    /// <param name="data">The split; the book's Boston split when null.</param>
    /// <param name="learningRate">The SGD step size.</param>
    /// <param name="batchSize">Rows per batch.</param>
    /// <param name="iterations">Batches (SGD steps) to train for.</param>
    /// <param name="seed">The seed of the draws.</param>
    /// <exception cref="Core.InvalidValueException">when a setting is out of range.</exception>
    public static LinearRegressionResult TrainLinearRegression(TrainTestSplit<double>? data = null, double learningRate = 0.001,
                                                               int batchSize = 23, int iterations = 1000, long seed = 180708)
    {
        var r = Ch2.linearRegression(new Ch2.TrainConfig(learningRate, batchSize, iterations, seed), (data ?? BostonHousing.BookSplit()).ToCore<double>());
        return new LinearRegressionResult(r.Weights, r.Losses.ToArray(), r.Mae, r.Rmse);
    }

    /// <summary>Trains the one-hidden-layer network as the book does (defaults: 13 hidden units, learning rate 0.001, batches of 23, 10,000 batches, seed 180807).</summary>
    /// <param name="data">The split; the book's Boston split when null.</param>
    /// <param name="hiddenSize">Sigmoid units in the hidden layer.</param>
    /// <param name="learningRate">The SGD step size.</param>
    /// <param name="batchSize">Rows per batch.</param>
    /// <param name="iterations">Batches (SGD steps) to train for.</param>
    /// <param name="seed">The seed of the draws.</param>
    /// <param name="bookBiasGradient">True for the book code's summed hidden-bias gradient.</param>
    /// <exception cref="Core.InvalidValueException">when a setting is out of range.</exception>
    public static HiddenLayerNetworkResult TrainNeuralNetwork(TrainTestSplit<double>? data = null, int hiddenSize = 13, double learningRate = 0.001,
                                                              int batchSize = 23, int iterations = 10000, long seed = 180807, bool bookBiasGradient = false)
    {
        var config = new Ch2.NetworkConfig(new Ch2.TrainConfig(learningRate, batchSize, iterations, seed), hiddenSize, bookBiasGradient);
        return new HiddenLayerNetworkResult(Ch2.neuralNetwork(config, (data ?? BostonHousing.BookSplit()).ToCore<double>()));
    }

    /// <summary>The closed-form least-squares fit on the training rows and its test errors.</summary>
    /// <param name="data">The split; the book's Boston split when null.</param>
    public static LeastSquaresResult LeastSquares(TrainTestSplit<double>? data = null) =>
        new(Ch2.leastSquares((data ?? BostonHousing.BookSplit()).ToCore<double>()));
}
