using System;
using System.Globalization;
using System.IO;
using System.Linq;
using Xunit;

namespace DeepFunctional.CSharp.Tests;

/// <summary>The book's chapter 3, written in C# as the book writes it in Python, reproduces the book's table.</summary>
public class Chapter3Tests
{
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
        var net = new NeuralNetwork(layers: LayersOf(model), loss: new MeanSquaredError(), seed: 20190501) { Seeding = Seeding.Book };
        var output = new StringWriter();
        var trainer = new Trainer(net, new SGD(learningRate: 0.01)) { Output = output };

        var result = trainer.Fit(data.XTrain, data.YTrain, data.XTest, data.YTest, epochs: 50, evalEvery: 10, seed: 20190501);
        var metrics = net.Evaluate(data.XTest, data.YTest);

        string expected = string.Concat(losses.Select((l, i) => $"Validation loss after {10 * (i + 1)} epochs is {l}\n"));
        Assert.Equal(expected, output.ToString().ReplaceLineEndings("\n"));
        Assert.Equal(losses, result.Evaluations.Select(e => e.Loss.ToString("F3", CultureInfo.InvariantCulture)));
        Assert.Equal([10, 20, 30, 40, 50], result.Evaluations.Select(e => e.Epoch));
        Assert.Null(result.StoppedEarlyAt);
        Assert.Equal(50, result.EpochsCompleted);
        Assert.Equal(Precision.Double, result.Precision);
        Assert.Equal(mae, metrics.MeanAbsoluteError.ToString("F2", CultureInfo.InvariantCulture));
        Assert.Equal(rmse, metrics.RootMeanSquaredError.ToString("F2", CultureInfo.InvariantCulture));
        Assert.Equal(result.Evaluations[^1].Loss, net.Loss(data.XTest, data.YTest));
        Assert.Equal(Precision.Double, net.Precision);
        Assert.Equal(13, net.InputFeatures);
    }

    [Fact]
    public void Evaluation_prints_as_the_books_line()
    {
        var data = TestData.Small();
        var trainer = new Trainer(TestData.LinearRegression(), new SGD(0.05)) { Output = null };
        var result = trainer.Fit(data.XTrain, data.YTrain, data.XTest, data.YTest, epochs: 10, evalEvery: 5, batchSize: 8);
        var e = result.Evaluations[0];
        Assert.Equal($"Validation loss after 5 epochs is {e.Loss.ToString("F3", CultureInfo.InvariantCulture)}", e.ToString());
    }

    [Fact]
    public void The_book_seeding_matters_per_network_seeding_gives_other_numbers()
    {
        var data = BostonHousing.BookSplit();
        var net = new NeuralNetwork([new Dense(13, new Sigmoid()), new Dense(1, new Linear())], new MeanSquaredError(), seed: 20190501);
        Assert.Equal(Seeding.PerNetwork, net.Seeding);
        var result = new Trainer(net, new SGD()) { Output = null }
            .Fit(data.XTrain, data.YTrain, data.XTest, data.YTest, epochs: 10, evalEvery: 10, seed: 20190501);
        Assert.NotEqual("27.435", result.Evaluations[0].Loss.ToString("F3", CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Fit_is_deterministic_for_a_seed_and_restart_draws_the_same_parameters_again()
    {
        var data = TestData.Small();
        var net = TestData.LinearRegression();
        var trainer = new Trainer(net, new SGD(0.05)) { Output = null };
        var a = trainer.Fit(data.XTrain, data.YTrain, data.XTest, data.YTest, epochs: 10, evalEvery: 5, batchSize: 8, seed: 3);
        var pa = net.GetParameters();
        var b = trainer.Fit(data.XTrain, data.YTrain, data.XTest, data.YTest, epochs: 10, evalEvery: 5, batchSize: 8, seed: 3);
        Assert.Equal(a.Evaluations.Select(e => e.Loss), b.Evaluations.Select(e => e.Loss));
        Assert.Equal(pa[0].Weights, net.GetParameters()[0].Weights);
    }
}
