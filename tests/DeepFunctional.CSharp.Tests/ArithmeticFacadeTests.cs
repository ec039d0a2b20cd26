using System;
using System.Globalization;
using System.IO;
using System.Linq;
using Xunit;

namespace DeepFunctional.CSharp.Tests;

/// <summary>The network's <see cref="Arithmetic"/>: the book's NumPy rounding on request, ours by default.</summary>
public class ArithmeticFacadeTests
{
    private static NeuralNetwork OneHidden(Arithmetic arithmetic) =>
        new([new Dense(13, new Sigmoid()), new Dense(1, new Linear())], new MeanSquaredError(), TestData.BookSeed)
        {
            Seeding = Seeding.Book,
            Arithmetic = arithmetic,
        };

    private static double[] Weights(NeuralNetwork net) =>
        net.GetParameters().SelectMany(p => p.Weights.Cast<double>().Concat(p.Bias.Cast<double>())).ToArray();

    [Fact]
    public void A_network_computes_in_fast_arithmetic_unless_told_otherwise()
    {
        Assert.Equal(Arithmetic.Fast, TestData.LinearRegression().Arithmetic);
        Assert.Equal(Arithmetic.NumPy, OneHidden(Arithmetic.NumPy).Arithmetic);
    }

    [Fact]
    public void NumPy_arithmetic_is_refused_for_a_network_with_other_layers_than_dense_and_undefined_values_are_refused()
    {
        var conv = Assert.Throws<ArgumentException>(() =>
            new NeuralNetwork([new Conv2D(2, 3, flatten: true), new Dense(1)], new MeanSquaredError()) { Arithmetic = Arithmetic.NumPy });
        Assert.StartsWith("NeuralNetwork.Arithmetic: expected only Dense layers", conv.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new NeuralNetwork([new Dense(1)], new MeanSquaredError()) { Arithmetic = (Arithmetic)9 });
    }

    [Fact]
    public void The_books_chapter_3_table_comes_out_the_same_in_NumPy_arithmetic_while_the_last_bits_differ()
    {
        var data = BostonHousing.BookSplit();
        var numpy = OneHidden(Arithmetic.NumPy);
        var fast = OneHidden(Arithmetic.Fast);
        var printed = new StringWriter();
        new Trainer(numpy, new SGD(0.01)) { Output = printed }.Fit(data.XTrain, data.YTrain, data.XTest, data.YTest, epochs: 50, evalEvery: 10, seed: 20190501);
        new Trainer(fast, new SGD(0.01)).Fit(data.XTrain, data.YTrain, data.XTest, data.YTest, epochs: 50, evalEvery: 10, seed: 20190501);

        string[] book = ["27.435", "21.839", "18.918", "17.195", "16.215"];
        Assert.Equal(string.Concat(book.Select((l, i) => $"Validation loss after {10 * (i + 1)} epochs is {l}\n")), printed.ToString().ReplaceLineEndings("\n"));
        double[] a = Weights(numpy), b = Weights(fast);
        Assert.All(a.Zip(b), p => Assert.Equal(p.First, p.Second, 1e-8));
        Assert.Contains(a.Zip(b), p => p.First != p.Second);
    }

    [Fact]
    public void In_single_precision_a_NumPy_network_computes_as_a_fast_one()
    {
        var data = TestData.Small();
        float[,] F(double[,] m) { var r = new float[m.GetLength(0), m.GetLength(1)]; for (int i = 0; i < m.GetLength(0); i++) for (int j = 0; j < m.GetLength(1); j++) r[i, j] = (float)m[i, j]; return r; }
        NeuralNetwork Train(Arithmetic arithmetic)
        {
            var net = new NeuralNetwork([new Dense(4, new Sigmoid()), new Dense(1)], new MeanSquaredError(), 3) { Arithmetic = arithmetic };
            new Trainer(net, new SGD(0.05)).Fit(F(data.XTrain), F(data.YTrain), F(data.XTest), F(data.YTest), epochs: 3, evalEvery: 3, batchSize: 8, seed: 3);
            return net;
        }
        Assert.Equal(Train(Arithmetic.Fast).Predict(F(data.XTest)), Train(Arithmetic.NumPy).Predict(F(data.XTest)));
    }
}
