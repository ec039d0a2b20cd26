using System;
using Xunit;
using ShapeMismatch = DeepFunctional.ShapeMismatchException;
using InvalidValue = DeepFunctional.InvalidValueException;

namespace DeepFunctional.CSharp.Tests;

/// <summary>Wrong inputs give the core's typed exceptions, naming the caller's C# parameter and the public operation.</summary>
public class ArgumentValidationTests
{
    private static NeuralNetwork Trained()
    {
        var (x, y, _, _) = TestData.Small();
        var net = TestData.LinearRegression();
        new Trainer(net, new SGD()).Fit(x, y, new FitOptions { Epochs = 1 });
        return net;
    }

    [Fact]
    public void Predict_refuses_inputs_of_another_width_naming_x_and_the_operation()
    {
        var e = Assert.Throws<ShapeMismatch>(() => Trained().Predict(new double[2, 4]));
        Assert.Equal("x", e.ParamName);
        Assert.StartsWith("NeuralNetwork.Predict: expected samples of shape [3]", e.Message);
        Assert.Equal("samples of shape [4]", e.Actual);
    }

    [Fact]
    public void Predict_refuses_inputs_of_another_rank_and_outputs_of_another_rank()
    {
        var dense = Trained();
        Assert.Equal("x", Assert.Throws<ShapeMismatch>(() => dense.Predict(new double[2, 3, 1])).ParamName);
        Assert.Equal("x", Assert.Throws<ShapeMismatch>(() => dense.PredictSequence(new double[2, 3, 1])).ParamName);
        var sequences = new NeuralNetwork([new SimpleRNN(3, returnSequences: true)], new MeanSquaredError());
        sequences.Initialize([4, 2]);
        var e = Assert.Throws<ShapeMismatch>(() => sequences.Predict(new double[1, 4, 2]));
        Assert.Contains("use PredictSequence", e.Message);
        Assert.Contains("use Predict)", Assert.Throws<ShapeMismatch>(() => dense.PredictSequence(new double[2, 3])).Message);
        var maps = new NeuralNetwork([new Conv2D(2, 3)], new MeanSquaredError());
        maps.Initialize([1, 4, 4]);
        Assert.Contains("end the network with a Flatten layer", Assert.Throws<ShapeMismatch>(() => maps.Predict(new double[1, 1, 4, 4])).Message);
        Assert.Equal(new[] { 1, 4, 3 }, new[] { sequences.PredictSequence(new double[1, 4, 2]).GetLength(0), 4, sequences.PredictSequence(new double[1, 4, 2]).GetLength(2) });
    }

    [Fact]
    public void A_layer_that_cannot_take_its_input_is_named_with_the_callers_parameter()
    {
        var conv = new NeuralNetwork([new Dense(2)], new MeanSquaredError());
        var e = Assert.Throws<ShapeMismatch>(() => conv.Initialize([1, 6, 6]));
        Assert.Equal("inputShape", e.ParamName);
        Assert.Contains("layer 0, Dense(2, Linear)", e.Message);
        var pool = new NeuralNetwork([new MaxPool2D(4), new Flatten()], new MeanSquaredError());
        Assert.Equal("x", Assert.ThrowsAny<ArgumentException>(() =>
            new Trainer(pool, new SGD()).Fit(new double[2, 1, 2, 2], new double[2, 1])).ParamName);
        Assert.Equal("inputShape", Assert.Throws<ShapeMismatch>(() => new NeuralNetwork([new LSTM(3)], new MeanSquaredError()).OutputShapes([5])).ParamName);
    }

    [Fact]
    public void Fit_names_the_array_at_fault()
    {
        var (x, y, xt, yt) = TestData.Small();
        var trainer = new Trainer(TestData.LinearRegression(), new SGD());
        Assert.Equal("y", Assert.Throws<ShapeMismatch>(() => trainer.Fit(x, TestData.Rows(y, 0, 10))).ParamName);
        Assert.Equal("y", Assert.Throws<ShapeMismatch>(() => trainer.Fit(x, new double[40, 2])).ParamName);
        Assert.Equal("x", Assert.Throws<ShapeMismatch>(() => trainer.Fit(new double[40, 3, 2], y)).ParamName);
        Assert.Equal("x", Assert.Throws<InvalidValue>(() => trainer.Fit(new double[0, 3], new double[0, 1])).ParamName);
        Assert.Equal("xValidation", Assert.Throws<ShapeMismatch>(() => trainer.Fit(x, y, new double[20, 4], yt)).ParamName);
        Assert.Equal("yValidation", Assert.Throws<ShapeMismatch>(() => trainer.Fit(x, y, xt, new double[19, 1])).ParamName);
        var nan = (double[,])x.Clone();
        nan[3, 1] = double.NaN;
        var e = Assert.Throws<InvalidValue>(() => trainer.Fit(nan, y));
        Assert.Equal("x", e.ParamName);
        Assert.StartsWith("Trainer.Fit: expected finite values in x", e.Message);
        Assert.Throws<ArgumentNullException>(() => trainer.Fit((double[,])null!, y));
        Assert.Throws<ArgumentNullException>(() => trainer.Fit(x, null!));
    }

    [Fact]
    public void A_trained_network_refuses_data_of_the_other_precision_unless_restarted()
    {
        var net = Trained();
        var e = Assert.Throws<InvalidValue>(() => net.Predict(new float[1, 3]));
        Assert.Equal("x", e.ParamName);
        Assert.Contains("Double", e.Message);
        Assert.Equal("x", Assert.Throws<InvalidValue>(() =>
            new Trainer(net, new SGD()).Fit(new float[4, 3], new float[4, 1], new FitOptions { Restart = false })).ParamName);
        new Trainer(net, new SGD()).Fit(new float[4, 3], new float[4, 1], new FitOptions { Epochs = 1 });
        Assert.Equal(Precision.Single, net.Precision);
    }

    [Fact]
    public void An_untrained_network_says_it_has_no_parameters()
    {
        var net = TestData.LinearRegression();
        var e = Assert.Throws<InvalidOperationException>(() => net.Predict(new double[1, 3]));
        Assert.StartsWith("NeuralNetwork.Predict: the network has no parameters yet", e.Message);
        Assert.Throws<InvalidOperationException>(() => net.GetParameters());
        Assert.Equal(0, net.ParameterCount);
        Assert.Null(net.Precision);
        Assert.Null(net.InputShape);
    }

    [Fact]
    public void The_network_constructor_names_its_parameters()
    {
        Assert.Equal("layers", Assert.Throws<InvalidValue>(() => new NeuralNetwork([], new MeanSquaredError())).ParamName);
        Assert.Equal("seed", Assert.Throws<InvalidValue>(() => new NeuralNetwork([new Dense(1)], new MeanSquaredError(), -1)).ParamName);
        Assert.Equal("seed", Assert.Throws<InvalidValue>(() => new NeuralNetwork([new Dense(1)], new MeanSquaredError(), 1L << 32)).ParamName);
        Assert.Equal("layers", Assert.Throws<ArgumentNullException>(() => new NeuralNetwork(null!, new MeanSquaredError())).ParamName);
        Assert.Equal("layers", Assert.Throws<ArgumentNullException>(() => new NeuralNetwork([null!], new MeanSquaredError())).ParamName);
        Assert.Equal("loss", Assert.Throws<ArgumentNullException>(() => new NeuralNetwork([new Dense(1)], null!)).ParamName);
        Assert.Equal("network", Assert.Throws<ArgumentNullException>(() => new Trainer(null!, new SGD())).ParamName);
        Assert.Equal("optimizer", Assert.Throws<ArgumentNullException>(() => new Trainer(TestData.LinearRegression(), null!)).ParamName);
    }

    [Fact]
    public void An_embedding_refuses_token_ids_outside_its_vocabulary()
    {
        var net = new NeuralNetwork([new Embedding(5, 2), new Flatten()], new MeanSquaredError());
        net.Initialize([3]);
        Assert.Equal(new[] { 1, 6 }, new[] { net.Predict(new double[,] { { 0, 4, 2 } }).GetLength(0), net.Predict(new double[,] { { 0, 4, 2 } }).GetLength(1) });
        Assert.Equal("x", Assert.Throws<InvalidValue>(() => net.Predict(new double[,] { { 0, 5, 2 } })).ParamName);
        Assert.Equal("x", Assert.Throws<InvalidValue>(() => net.Predict(new double[,] { { 0, 1.5, 2 } })).ParamName);
    }

    [Fact]
    public void The_same_fault_gives_the_same_exception_type_as_the_core()
    {
        // The core's own check of a loss's shapes and the facade's check of targets raise the same type.
        var core = Assert.ThrowsAny<ArgumentException>(() =>
            global::DeepFunctional.LossModule.forward(global::DeepFunctional.Loss.MeanSquaredError,
                global::DeepFunctional.Tensor.zeros<double>([2, 1]), global::DeepFunctional.Tensor.zeros<double>([2, 2])));
        var facade = Assert.ThrowsAny<ArgumentException>(() => Trained().ComputeLoss(new double[2, 3], new double[2, 2]));
        Assert.Equal(core.GetType(), facade.GetType());
        Assert.IsType<ShapeMismatch>(facade);
        Assert.Equal("y", facade.ParamName);
        Assert.IsAssignableFrom<ArgumentOutOfRangeException>(new InvalidValue("op", "a", "b", "p"));
    }

    [Fact]
    public void Metrics_and_classification_helpers_check_their_arguments()
    {
        Assert.Equal(0.5, Metrics.MeanAbsoluteError(new double[,] { { 1 }, { 2 } }, new double[,] { { 1 }, { 3 } }));
        Assert.Equal(Math.Sqrt(0.5), Metrics.RootMeanSquaredError(new float[,] { { 1 }, { 2 } }, new float[,] { { 1 }, { 3 } }), 6);
        Assert.Equal("target", Assert.Throws<ShapeMismatch>(() => Metrics.MeanAbsoluteError(new double[2, 1], new double[3, 1])).ParamName);
        Assert.Equal(new[] { 2, 0 }, Classification.Argmax(new double[,] { { 0, 1, 3 }, { 5, 1, 1 } }));
        Assert.Equal(0.5, Classification.Accuracy([1, 2], [1, 0]));
        Assert.Equal("predicted", Assert.Throws<ShapeMismatch>(() => Classification.Accuracy([1], [1, 0])).ParamName);
        Assert.Equal(new double[,] { { 0, 1 }, { 1, 0 } }, Classification.OneHot([1, 0], 2));
        Assert.Equal("labels", Assert.Throws<InvalidValue>(() => Classification.OneHot([2], 2)).ParamName);
        Assert.Equal("pixels", Assert.Throws<ShapeMismatch>(() => new ImageSet(2, 2, 10, new byte[7], [1, 2])).ParamName);
        Assert.Equal("labels", Assert.Throws<InvalidValue>(() => new ImageSet(2, 2, 3, new byte[8], [1, 3])).ParamName);
    }
}
