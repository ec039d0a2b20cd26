using System;
using System.Linq;
using Xunit;

namespace DeepFunctional.CSharp.Tests;

/// <summary>Every layer kind: its output shapes, its forward pass, its description and its checks.</summary>
public class LayerTests
{
    [Theory]
    [MemberData(nameof(NetworkCase.Names), MemberType = typeof(NetworkCase))]
    public void Each_network_predicts_outputs_of_the_shape_its_layers_propagate(string name)
    {
        var c = NetworkCase.Find(name);
        var net = c.Create();
        Assert.Equal(c.Output, net.OutputShapes(c.Sample)[^1]);
        net.Initialize(c.Sample);
        var x = c.X(typeof(double), 5);
        var y = Calls.Predict(net, x);
        Assert.Equal([5, .. c.Output], Enumerable.Range(0, y.Rank).Select(y.GetLength));
        Assert.All(y.Cast<double>(), v => Assert.True(double.IsFinite(v)));
        Assert.Equal(c.Sample, net.InputShape);
        Assert.Equal(Precision.Double, net.Precision);
    }

    [Fact]
    public void Output_shapes_follow_every_layer()
    {
        var net = NetworkCase.Find("conv and pools").Create();
        Assert.Equal([[3, 6, 6], [3, 3, 3], [2, 3, 3], [2, 2, 2], [8], [2]], net.OutputShapes([1, 6, 6]));
        Assert.Equal([[18], [2]], NetworkCase.Find("strided conv flattened").Create().OutputShapes([1, 6, 6]));
        Assert.Equal([[4, 4], [3], [2]], NetworkCase.Find("GRU and SimpleRNN").Create().OutputShapes([4, 3]));
        Assert.Equal([[4, 4], [5], [2]], NetworkCase.Find("embedding").Create().OutputShapes([4]));
        Assert.Equal([[4, 5], [4, 5]], new NeuralNetwork([new LSTM(5, true), new Dropout(0.5)], new MeanSquaredError()).OutputShapes([4, 3]));
    }

    [Fact]
    public void A_dropout_layer_is_the_identity_in_inference_and_a_dense_layer_its_affine_map()
    {
        var net = new NeuralNetwork([new Dense(2), new Dropout(0.5)], new MeanSquaredError(), 9);
        net.Initialize([3]);
        var p = net.GetParameters();
        Assert.Equal(["W", "B"], p.Select(t => t.Name));
        Assert.Equal([[3, 2], [1, 2]], p.Select(t => t.Shape));
        var x = new double[,] { { 1, 2, 3 } };
        var y = net.Predict(x);
        for (int j = 0; j < 2; j++)
        {
            double expected = p[1].Values[j];
            for (int i = 0; i < 3; i++)
                expected += x[0, i] * p[0].Values[i * 2 + j];
            Assert.Equal(expected, y[0, j], 12);
        }
        Assert.Equal(8, net.ParameterCount);
    }

    [Fact]
    public void Max_and_average_pooling_take_the_max_and_mean_of_each_window()
    {
        var x = new double[1, 1, 2, 2] { { { { 1, 2 }, { 3, 6 } } } };
        var max = new NeuralNetwork([new MaxPool2D(2), new Flatten()], new MeanSquaredError());
        max.Initialize([1, 2, 2]);
        Assert.Equal(6, max.Predict(x)[0, 0]);
        var avg = new NeuralNetwork([new AvgPool2D(2), new Flatten()], new MeanSquaredError());
        avg.Initialize([1, 2, 2]);
        Assert.Equal(3, avg.Predict(x)[0, 0]);
    }

    [Fact]
    public void Layers_describe_themselves_and_compare_by_value()
    {
        Assert.Equal("Dense(13, Sigmoid)", new Dense(13, new Sigmoid()).ToString());
        Assert.Equal("Dense(5, Tanh, Glorot, keep 0.8)", new Dense(5, new Tanh()) { WeightInit = WeightInit.Glorot, KeepProbability = 0.8 }.ToString());
        Assert.Equal("Dense(1, Linear)", new Dense(1).ToString());
        Assert.Equal("Conv2D(16, 5x5, Tanh, flatten)", new Conv2D(16, 5, new Tanh()) { Flatten = true }.ToString());
        Assert.Equal("Conv2D(2, 3x3, Linear, stride 2, padding 0, bias)", new Conv2D(2, 3) { Stride = 2, Padding = 0, Bias = true }.ToString());
        Assert.Equal("MaxPool2D(2, stride 2)", new MaxPool2D(2).ToString());
        Assert.Equal("AvgPool2D(3, stride 1)", new AvgPool2D(3, 1).ToString());
        Assert.Equal("Flatten", new Flatten().ToString());
        Assert.Equal("Dropout(0.8)", new Dropout(0.8).ToString());
        Assert.Equal("LSTM(32, returnSequences: false)", new LSTM().ToString());
        Assert.Equal("GRU(8, returnSequences: true)", new GRU(8, returnSequences: true).ToString());
        Assert.Equal("SimpleRNN(4, returnSequences: false)", new SimpleRNN(4).ToString());
        Assert.Equal("Embedding(100, 8)", new Embedding(100, 8).ToString());
        Assert.Equal(new Dense(3, new ReLU()), new Dense(3, new ReLU()));
        Assert.NotEqual(new Dense(3, new ReLU()), new Dense(3, new Tanh()));
        Assert.NotEqual<Layer>(new LSTM(3), new GRU(3));
        Assert.Equal("NeuralNetwork([Dense(13, Sigmoid), Dense(1, Linear)], MeanSquaredError, seed: 20190501)",
            new NeuralNetwork([new Dense(13, new Sigmoid()), new Dense(1, new Linear())], new MeanSquaredError(), 20190501).ToString());
    }

    [Theory]
    [InlineData("neurons")]
    [InlineData("filters")]
    [InlineData("kernelSize")]
    [InlineData("Stride")]
    [InlineData("Padding")]
    [InlineData("kernel")]
    [InlineData("stride")]
    [InlineData("keepProbability")]
    [InlineData("KeepProbability")]
    [InlineData("hiddenSize")]
    [InlineData("vocabulary")]
    [InlineData("dimensions")]
    public void Layer_settings_out_of_range_name_the_parameter(string param)
    {
        Action make = param switch
        {
            "neurons" => () => _ = new Dense(0),
            "filters" => () => _ = new Conv2D(0, 3),
            "kernelSize" => () => _ = new Conv2D(1, 0),
            "Stride" => () => _ = new Conv2D(1, 3) { Stride = 0 },
            "Padding" => () => _ = new Conv2D(1, 3) { Padding = -1 },
            "kernel" => () => _ = new MaxPool2D(0),
            "stride" => () => _ = new AvgPool2D(2, 0),
            "keepProbability" => () => _ = new Dropout(0),
            "KeepProbability" => () => _ = new Dense(2) { KeepProbability = 1.5 },
            "hiddenSize" => () => _ = new LSTM(0),
            "vocabulary" => () => _ = new Embedding(0, 2),
            _ => () => _ = new Embedding(3, 0),
        };
        var e = Assert.Throws<global::DeepFunctional.InvalidValueException>(make);
        Assert.Equal(param, e.ParamName);
    }

    [Fact]
    public void Activations_and_losses_describe_themselves()
    {
        Assert.Equal(["Linear", "Sigmoid", "Tanh", "ReLU"], new Activation[] { new Linear(), new Sigmoid(), new Tanh(), new ReLU() }.Select(a => a.ToString()));
        Assert.Equal("MeanSquaredError", new MeanSquaredError().ToString());
        Assert.Equal("NormalizedMeanSquaredError", new MeanSquaredError { Normalize = true }.ToString());
        Assert.Equal("SoftmaxCrossEntropy", new SoftmaxCrossEntropy().ToString());
        Assert.Equal(new SoftmaxCrossEntropy(), new SoftmaxCrossEntropy(1e-9));
        Assert.Equal("eps", Assert.Throws<global::DeepFunctional.InvalidValueException>(() => new SoftmaxCrossEntropy(0.5)).ParamName);
    }

    [Fact]
    public void The_loss_of_a_network_is_its_losss_value_on_its_predictions()
    {
        var net = new NeuralNetwork([new Dense(3)], new SoftmaxCrossEntropy(), 4);
        net.Initialize([2]);
        var x = new double[,] { { 0.5, -1 }, { 2, 0.25 } };
        var y = new double[,] { { 1, 0, 0 }, { 0, 0, 1 } };
        var logits = net.Predict(x);
        double expected = 0;
        for (int i = 0; i < 2; i++)
        {
            var row = Enumerable.Range(0, 3).Select(j => logits[i, j]).ToArray();
            double max = row.Max(), sum = row.Sum(v => Math.Exp(v - max));
            int target = i == 0 ? 0 : 2;
            expected += -Math.Log(Math.Exp(row[target] - max) / sum);
        }
        Assert.Equal(expected / 2, net.ComputeLoss(x, y), 9);
        var mse = new NeuralNetwork([new Dense(3)], new MeanSquaredError(), 4);
        mse.Initialize([2]);
        double squares = 0;
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 3; j++)
                squares += Math.Pow(logits[i, j] - y[i, j], 2);
        Assert.Equal(squares / 2, mse.ComputeLoss(x, y), 9);
    }
}
