using System;
using System.Globalization;
using System.IO;
using System.Linq;
using DeepFunctional.CSharp.Book;
using Xunit;

namespace DeepFunctional.CSharp.Tests;

/// <summary>The book's chapters 2 and 3 through the facade: the Boston data and the book's printed numbers.</summary>
public class BookTests
{
    private static string F(double v, string format) => v.ToString(format, CultureInfo.InvariantCulture);

    public static TheoryData<string, string[], string, string> BookTable => new()
    {
        { "linear regression", ["30.293", "28.469", "26.293", "25.541", "25.087"], "3.52", "5.01" },
        { "one hidden layer", ["27.435", "21.839", "18.918", "17.195", "16.215"], "2.60", "4.03" },
        { "two hidden layers", ["44.143", "25.278", "22.339", "16.500", "14.655"], "2.45", "3.83" },
    };

    private static Layer[] LayersOf(string model) => model switch
    {
        "linear regression" => [new Dense(neurons: 1, activation: new Linear())],
        "one hidden layer" => [new Dense(neurons: 13, activation: new Sigmoid()), new Dense(neurons: 1, activation: new Linear())],
        "two hidden layers" =>
        [
            new Dense(neurons: 13, activation: new Sigmoid()), new Dense(neurons: 13, activation: new Sigmoid()),
            new Dense(neurons: 1, activation: new Linear()),
        ],
        _ => throw new ArgumentException(model),
    };

    [Theory]
    [MemberData(nameof(BookTable))]
    public void Each_chapter_3_model_prints_the_books_validation_losses_and_metrics_in_double_precision(
        string model, string[] losses, string mae, string rmse)
    {
        var data = BostonHousing.BookSplit();
        var net = new NeuralNetwork(layers: LayersOf(model), loss: new MeanSquaredError(), seed: 20190501).WithBookSeeding();
        var output = new StringWriter();
        var trainer = new Trainer(net, new SGD(learningRate: 0.01));

        var result = trainer.Fit(data.XTrain, data.YTrain, data.XTest, data.YTest,
            new FitOptions { Epochs = 50, EvalEvery = 10, Seed = 20190501, Output = output });
        var prediction = net.Predict(data.XTest);

        string expected = string.Concat(losses.Select((l, i) => $"Validation loss after {10 * (i + 1)} epochs is {l}\n"));
        Assert.Equal(expected, output.ToString().ReplaceLineEndings("\n"));
        Assert.Equal(losses, result.Evaluations.Select(e => F(e.Loss, "F3")));
        Assert.Equal(losses.Select((l, i) => $"Validation loss after {10 * (i + 1)} epochs is {l}"), result.Evaluations.Select(e => e.ToString()));
        Assert.Equal([10, 20, 30, 40, 50], result.Evaluations.Select(e => e.Epoch));
        Assert.Null(result.StoppedEarlyAt);
        Assert.Equal(50, result.EpochsCompleted);
        Assert.Equal(mae, F(Metrics.MeanAbsoluteError(prediction, data.YTest), "F2"));
        Assert.Equal(rmse, F(Metrics.RootMeanSquaredError(prediction, data.YTest), "F2"));
        Assert.Equal(result.Evaluations[^1].Loss, net.ComputeLoss(data.XTest, data.YTest));
        Assert.Equal(Precision.Double, net.Precision);
        Assert.Equal([13], net.InputShape!);
    }

    [Fact]
    public void Chapter3_holds_the_same_models_numbers_and_settings_as_the_book_layer()
    {
        Assert.Equal(BookTable.Select(r => (string)r[0]), Chapter3.Models.Select(m => m.Name));
        Assert.Equal(BookTable.Select(r => (string[])r[1]), Chapter3.Models.Select(m => m.Losses.ToArray()));
        Assert.Equal(BookTable.Select(r => ((string)r[2], (string)r[3])), Chapter3.Models.Select(m => (m.MeanAbsoluteError, m.RootMeanSquaredError)));
        Assert.Equal(LayersOf("two hidden layers"), Chapter3.Find("two hidden layers").Layers);
        var o = Chapter3.Options;
        Assert.Equal((50, 10, 32, 20190501L), (o.Epochs, o.EvalEvery, o.BatchSize, o.Seed));
        Assert.Equal(0.01, Chapter3.LearningRate);
        var net = Chapter3.Find("one hidden layer").CreateNetwork();
        Assert.True(net.UsesBookSeeding());
        Assert.Equal(20190501, net.Seed);
        Assert.Equal("name", Assert.Throws<global::DeepFunctional.InvalidValueException>(() => Chapter3.Find("three")).ParamName);
    }

    [Fact]
    public void The_chapter_3_model_run_from_Chapter3_prints_the_same_first_loss()
    {
        var data = BostonHousing.BookSplit();
        var model = Chapter3.Find("one hidden layer");
        var net = model.CreateNetwork();
        var o = Chapter3.Options;
        var result = new Trainer(net, new SGD(Chapter3.LearningRate)).Fit(data.XTrain, data.YTrain, data.XTest, data.YTest,
            new FitOptions { Epochs = 10, EvalEvery = o.EvalEvery, BatchSize = o.BatchSize, Seed = o.Seed });
        Assert.Equal(model.Losses[0], F(result.Evaluations[0].Loss, "F3"));
    }

    [Fact]
    public void The_book_seeding_matters_per_network_seeding_gives_other_numbers()
    {
        var data = BostonHousing.BookSplit();
        var net = new NeuralNetwork(LayersOf("one hidden layer"), new MeanSquaredError(), seed: 20190501);
        Assert.False(net.UsesBookSeeding());
        Assert.False(net.UsesNumPyArithmetic());
        Assert.True(net.WithNumPyArithmetic().UsesNumPyArithmetic());
        var result = new Trainer(net, new SGD()).Fit(data.XTrain, data.YTrain, data.XTest, data.YTest,
            new FitOptions { Epochs = 10, EvalEvery = 10, Seed = 20190501 });
        Assert.NotEqual("27.435", F(result.Evaluations[0].Loss, "F3"));
    }

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
        var a = BostonHousing.BookSplit();
        a.XTrain[0, 0] = 12345;
        Assert.NotEqual(12345, BostonHousing.BookSplit().XTrain[0, 0]);
        Assert.Equal((float)s.YTest[0, 0], BostonHousing.BookSplitSingle().YTest[0, 0]);
    }

    [Fact]
    public void Chapter2_hand_trained_linear_regression_and_least_squares_give_the_books_metrics()
    {
        var linear = Chapter2.TrainLinearRegression();
        Assert.Equal("3.5644", F(linear.MeanAbsoluteError, "F4"));
        Assert.Equal("5.0497", F(linear.RootMeanSquaredError, "F4"));
        Assert.Equal(1000, linear.Losses.Count);
        Assert.Equal((13, 1), (linear.Weights.GetLength(0), linear.Weights.GetLength(1)));
        var exact = Chapter2.LeastSquares();
        Assert.Equal("3.5671", F(exact.MeanAbsoluteError, "F4"));
        Assert.Equal("5.0476", F(exact.RootMeanSquaredError, "F4"));
        Assert.InRange(exact.Intercept, 15, 30);
    }

    [Fact]
    public void Chapter2_hand_trained_network_beats_linear_regression_and_takes_other_data()
    {
        var net = Chapter2.TrainNeuralNetwork(iterations: 2000);
        Assert.Equal(2000, net.Losses.Count);
        Assert.Equal((13, 13), (net.W1.GetLength(0), net.W1.GetLength(1)));
        Assert.Equal((1, 13), (net.B1.GetLength(0), net.B1.GetLength(1)));
        var full = Chapter2.TrainNeuralNetwork();
        Assert.True(full.RootMeanSquaredError < 5.0, $"RMSE {full.RootMeanSquaredError}");
        var (x, y, xt, yt) = TestData.Small();
        var fit = Chapter2.LeastSquares(new TrainTestSplit<double>(x, y, xt, yt));
        Assert.Equal(1.5, fit.Weights[0, 0], 1);
        Assert.Equal(-2.0, fit.Weights[1, 0], 1);
        Assert.Equal("yTest", Assert.Throws<global::DeepFunctional.ShapeMismatchException>(() => new TrainTestSplit<double>(x, y, xt, y)).ParamName);
    }

    [Fact]
    public void Chapter2_defaults_are_the_book_layers_settings()
    {
        var lin = global::DeepFunctional.Book.Chapter2.linearDefaults;
        var net = global::DeepFunctional.Book.Chapter2.networkDefaults;
        var p = typeof(Chapter2).GetMethod(nameof(Chapter2.TrainLinearRegression))!.GetParameters().ToDictionary(x => x.Name!, x => x.DefaultValue);
        Assert.Equal((lin.LearningRate, lin.BatchSize, lin.Iterations, lin.Seed),
            ((double)p["learningRate"]!, (int)p["batchSize"]!, (int)p["iterations"]!, (long)p["seed"]!));
        var q = typeof(Chapter2).GetMethod(nameof(Chapter2.TrainNeuralNetwork))!.GetParameters().ToDictionary(x => x.Name!, x => x.DefaultValue);
        Assert.Equal((net.Training.LearningRate, net.Training.BatchSize, net.Training.Iterations, net.Training.Seed, net.HiddenSize, net.BookBiasGradient),
            ((double)q["learningRate"]!, (int)q["batchSize"]!, (int)q["iterations"]!, (long)q["seed"]!, (int)q["hiddenSize"]!, (bool)q["bookBiasGradient"]!));
    }
}
