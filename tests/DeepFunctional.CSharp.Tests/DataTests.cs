using System;
using System.Globalization;
using System.Linq;
using Xunit;

namespace DeepFunctional.CSharp.Tests;

/// <summary>The embedded Boston data and the chapter-2 models.</summary>
public class DataTests
{
    [Fact]
    public void The_Boston_data_has_506_rows_13_named_features_and_the_books_split()
    {
        var b = BostonHousing.Load();
        Assert.Equal(["CRIM", "ZN", "INDUS", "CHAS", "NOX", "RM", "AGE", "DIS", "RAD", "TAX", "PTRATIO", "B", "LSTAT"], b.FeatureNames);
        Assert.Equal("MEDV", b.TargetName);
        Assert.Equal((506, 13), (b.Features.GetLength(0), b.Features.GetLength(1)));
        Assert.Equal((506, 1), (b.Target.GetLength(0), b.Target.GetLength(1)));
        Assert.Equal(354, b.TrainRows.Count);
        Assert.Equal(152, b.TestRows.Count);
        Assert.Equal(Enumerable.Range(0, 506), b.TrainRows.Concat(b.TestRows).Order());
    }

    [Fact]
    public void The_book_split_is_standardised_over_all_rows_with_raw_targets_in_the_books_row_order()
    {
        var raw = BostonHousing.Load();
        var s = BostonHousing.BookSplit();
        Assert.Equal((354, 13), (s.XTrain.GetLength(0), s.XTrain.GetLength(1)));
        Assert.Equal((354, 1), (s.YTrain.GetLength(0), s.YTrain.GetLength(1)));
        Assert.Equal((152, 13), (s.XTest.GetLength(0), s.XTest.GetLength(1)));
        Assert.Equal((152, 1), (s.YTest.GetLength(0), s.YTest.GetLength(1)));
        Assert.Equal(raw.Target[raw.TrainRows[0], 0], s.YTrain[0, 0]);
        Assert.Equal(raw.Target[raw.TestRows[151], 0], s.YTest[151, 0]);
        for (int j = 0; j < 13; j++)
        {
            var column = Enumerable.Range(0, 354).Select(i => s.XTrain[i, j]).Concat(Enumerable.Range(0, 152).Select(i => s.XTest[i, j])).ToArray();
            double mean = column.Average();
            double std = Math.Sqrt(column.Select(v => (v - mean) * (v - mean)).Average());
            Assert.True(Math.Abs(mean) < 1e-12 && Math.Abs(std - 1) < 1e-12, $"column {j}: mean {mean}, std {std}");
        }
    }

    [Fact]
    public void Every_call_returns_fresh_arrays()
    {
        var a = BostonHousing.BookSplit();
        double kept = a.XTrain[0, 0];
        a.XTrain[0, 0] = 12345;
        Assert.Equal(kept, BostonHousing.BookSplit().XTrain[0, 0]);
        var f = BostonHousing.BookSplitSingle();
        f.YTest[0, 0] = -1;
        Assert.NotEqual(-1, BostonHousing.BookSplitSingle().YTest[0, 0]);
        Assert.Equal((float)a.YTest[0, 0], BostonHousing.BookSplitSingle().YTest[0, 0]);
    }

    [Fact]
    public void Chapter2_hand_trained_linear_regression_and_least_squares_give_the_books_metrics()
    {
        var linear = Chapter2.TrainLinearRegression();
        Assert.Equal("3.5644", linear.MeanAbsoluteError.ToString("F4", CultureInfo.InvariantCulture));
        Assert.Equal("5.0497", linear.RootMeanSquaredError.ToString("F4", CultureInfo.InvariantCulture));
        Assert.Equal(1000, linear.Losses.Count);
        Assert.Equal((13, 1), (linear.Weights.GetLength(0), linear.Weights.GetLength(1)));

        var exact = Chapter2.LeastSquares();
        Assert.Equal("3.5671", exact.MeanAbsoluteError.ToString("F4", CultureInfo.InvariantCulture));
        Assert.Equal("5.0476", exact.RootMeanSquaredError.ToString("F4", CultureInfo.InvariantCulture));
        Assert.InRange(exact.Intercept, 15, 30); // the mean house price, in $1000s, near the book's 22.5
    }

    [Fact]
    public void Chapter2_hand_trained_network_beats_linear_regression_and_takes_other_data()
    {
        var net = Chapter2.TrainNeuralNetwork(iterations: 2000);
        Assert.Equal(2000, net.Losses.Count);
        Assert.Equal((13, 13), (net.W1.GetLength(0), net.W1.GetLength(1)));
        Assert.Equal((1, 13), (net.B1.GetLength(0), net.B1.GetLength(1)));
        Assert.Equal((13, 1), (net.W2.GetLength(0), net.W2.GetLength(1)));
        var full = Chapter2.TrainNeuralNetwork();
        Assert.True(full.RootMeanSquaredError < 5.0, $"RMSE {full.RootMeanSquaredError}");

        var small = TestData.Small();
        var fit = Chapter2.LeastSquares(small);
        Assert.Equal(1.5, fit.Weights[0, 0], 1);
        Assert.Equal(-2.0, fit.Weights[1, 0], 1);
    }

    [Fact]
    public void Chapter2_defaults_are_the_cores_book_settings()
    {
        var lin = global::DeepFunctional.Chapter2.linearDefaults;
        var net = global::DeepFunctional.Chapter2.networkDefaults;
        var p = typeof(Chapter2).GetMethod(nameof(Chapter2.TrainLinearRegression))!.GetParameters().ToDictionary(x => x.Name!, x => x.DefaultValue);
        Assert.Equal((lin.LearningRate, lin.BatchSize, lin.Iterations, lin.Seed),
            ((double)p["learningRate"]!, (int)p["batchSize"]!, (int)p["iterations"]!, (long)p["seed"]!));
        var q = typeof(Chapter2).GetMethod(nameof(Chapter2.TrainNeuralNetwork))!.GetParameters().ToDictionary(x => x.Name!, x => x.DefaultValue);
        Assert.Equal((net.Training.LearningRate, net.Training.BatchSize, net.Training.Iterations, net.Training.Seed, net.HiddenSize, net.BookBiasGradient),
            ((double)q["learningRate"]!, (int)q["batchSize"]!, (int)q["iterations"]!, (long)q["seed"]!, (int)q["hiddenSize"]!, (bool)q["bookBiasGradient"]!));
    }
}
