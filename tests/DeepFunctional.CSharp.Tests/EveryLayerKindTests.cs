using System;
using System.Linq;
using System.Threading;
using DeepFunctional.CSharp.Book;
using Xunit;

namespace DeepFunctional.CSharp.Tests;

/// <summary>Every layer kind in both precisions: forward shapes, shape errors, training, checkpoints.</summary>
public class EveryLayerKindTests
{
    private static Type Element(Precision p) => p == Precision.Single ? typeof(float) : typeof(double);

    [Theory]
    [MemberData(nameof(NetworkCase.NamesAndPrecisions), MemberType = typeof(NetworkCase))]
    public void Forward_shapes_hold_in_both_precisions(string name, Precision precision)
    {
        var c = NetworkCase.Find(name);
        var net = c.Create();
        net.Initialize(c.Sample, precision);
        Assert.Equal(precision, net.Precision);
        var y = Calls.Predict(net, c.X(Element(precision), 3));
        Assert.Equal(Element(precision), y.GetType().GetElementType());
        Assert.Equal([3, .. c.Output], Enumerable.Range(0, y.Rank).Select(y.GetLength));
    }

    [Theory]
    [MemberData(nameof(NetworkCase.Names), MemberType = typeof(NetworkCase))]
    public void Inputs_of_another_sample_shape_are_refused_naming_x(string name)
    {
        var c = NetworkCase.Find(name);
        var net = c.Create();
        net.Initialize(c.Sample);
        int[] wrong = [.. c.Sample[..^1], c.Sample[^1] + 1];
        var x = TestData.Random(typeof(double), 1, [2, .. wrong]);
        var e = Assert.Throws<global::DeepFunctional.ShapeMismatchException>(() => Calls.Predict(net, x));
        Assert.Equal("x", e.ParamName);
        Assert.StartsWith("NeuralNetwork.Predict", e.Message);
        var y = c.Y(typeof(double), 2);
        var fit = Assert.ThrowsAny<ArgumentException>(() => Calls.Fit(new Trainer(net, new SGD()), x, y, new FitOptions { Restart = false }));
        Assert.Equal("x", fit.ParamName);
        Assert.StartsWith("Trainer.Fit", fit.Message);
    }

    [Theory]
    [MemberData(nameof(NetworkCase.NamesAndPrecisions), MemberType = typeof(NetworkCase))]
    public void Every_network_kind_lowers_its_training_loss(string name, Precision precision)
    {
        var c = NetworkCase.Find(name);
        var x = c.X(Element(precision), 32);
        var y = c.Y(Element(precision), 32);
        var net = c.Create();
        var result = Calls.Fit(new Trainer(net, new Adam(0.01)), x, y, new FitOptions { Epochs = 30, BatchSize = 32 });
        Assert.Equal(30, result.BatchLosses.Count);
        Assert.True(result.BatchLosses[^1] < result.BatchLosses[0], $"{result.BatchLosses[0]} -> {result.BatchLosses[^1]}");
        Assert.All(result.BatchLosses, l => Assert.True(double.IsFinite(l)));
    }

    [Theory]
    [InlineData("conv and pools", Precision.Single)]
    [InlineData("LSTM", Precision.Double)]
    [InlineData("embedding", Precision.Single)]
    [InlineData("dense with dropout", Precision.Double)]
    public void Resume_is_bit_identical_for_conv_recurrent_and_dropout_networks(string name, Precision precision)
    {
        var c = NetworkCase.Find(name);
        var x = c.X(Element(precision), 24);
        var y = c.Y(Element(precision), 24);
        FitOptions Options(string path, IProgress<TrainingProgress>? p = null, CancellationToken t = default) =>
            new() { Epochs = 3, BatchSize = 8, Seed = 2, Checkpoint = new CheckpointOptions { Path = path, Every = 1 }, Progress = p, Cancellation = t };
        var whole = c.Create();
        Calls.Fit(new Trainer(whole, new SGDMomentum(0.02, 0.9)), x, y, Options(TestData.TempFile("w.safetensors")));

        var path = TestData.TempFile("c.safetensors");
        using var cts = new CancellationTokenSource();
        int n = 0;
        Assert.ThrowsAny<OperationCanceledException>(() => Calls.Fit(new Trainer(c.Create(), new SGDMomentum(0.02, 0.9)), x, y,
            Options(path, new Recorder(r => { if (r.Kind == TrainingProgressKind.Batch && ++n == 5) cts.Cancel(); }), cts.Token)));
        var resumed = c.Create();
        var t = new Trainer(resumed, new SGDMomentum(0.02, 0.9));
        _ = (x, y) switch
        {
            (double[,] a, double[,] b) => t.Resume(path, a, b, Options(path)),
            (float[,] a, float[,] b) => t.Resume(path, a, b, Options(path)),
            (double[,,] a, double[,] b) => t.Resume(path, a, b, Options(path)),
            (float[,,] a, float[,] b) => t.Resume(path, a, b, Options(path)),
            (double[,,,] a, double[,] b) => t.Resume(path, a, b, Options(path)),
            (float[,,,] a, float[,] b) => t.Resume(path, a, b, Options(path)),
            _ => throw new ArgumentException(name),
        };
        Assert.Equal(whole.GetParameters().Select(p => p.Values), resumed.GetParameters().Select(p => p.Values));
        Assert.Equal(precision, resumed.Precision);
    }

    [Fact]
    public void Initialize_replaces_the_parameters_and_Restart_redraws_them_in_the_datas_precision()
    {
        var net = TestData.LinearRegression();
        net.Initialize([3]);
        var first = net.GetParameters().Select(p => p.Values).ToArray();
        net.Initialize([3], Precision.Single);
        Assert.Equal(Precision.Single, net.Precision);
        Assert.Equal(first.Select(v => v.Select(d => (double)(float)d)), net.GetParameters().Select(p => p.Values));
        net.Initialize([4]);
        Assert.Equal([4], net.InputShape!);
        var (x, y, _, _) = TestData.Small();
        new Trainer(net, new SGD()).Fit(x, y, new FitOptions { Epochs = 1 });
        Assert.Equal([3], net.InputShape!);
        Assert.Equal(Precision.Double, net.Precision);
    }

    [Fact]
    public void The_book_losses_and_early_stopping_are_available_to_any_network()
    {
        var loss = BookSettings.SoftmaxCrossEntropy;
        Assert.Equal("BookSoftmaxCrossEntropy", loss.ToString());
        var net = new NeuralNetwork([new Dense(3)], loss, 4);
        net.Initialize([2]);
        var x = new double[,] { { 0.5, -1 }, { 2, 0.25 } };
        var y = new double[,] { { 1, 0, 0 }, { 0, 0, 1 } };
        var standard = new NeuralNetwork([new Dense(3)], new SoftmaxCrossEntropy(), 4);
        standard.Initialize([2]);
        Assert.Equal(standard.Predict(x), net.Predict(x));
        Assert.True(net.ComputeLoss(x, y) > standard.ComputeLoss(x, y)); // adds the −(1 − y)·log(1 − p) terms
        var options = new FitOptions { Epochs = 7, EvalEvery = 2 }.WithBookEarlyStopping();
        Assert.Equal((7, 2), (options.Epochs, options.EvalEvery));
        var (xs, ys, xt, yt) = TestData.Small();
        var result = new Trainer(TestData.LinearRegression(), new SGD(0.05)).Fit(xs, ys, xt, yt, options);
        Assert.Equal([2, 4, 6], result.Evaluations.Select(e => e.Epoch));
    }

    [Fact]
    public void The_normalised_mean_squared_error_compares_rows_divided_by_their_sums()
    {
        var net = new NeuralNetwork([new Dense(2, new Sigmoid())], new MeanSquaredError { Normalize = true }, 1);
        net.Initialize([1]);
        var x = new double[,] { { 1 }, { -1 } };
        var p = net.Predict(x);
        var y = new double[,] { { 1, 0 }, { 0, 1 } };
        double expected = 0;
        for (int i = 0; i < 2; i++)
        {
            double sum = p[i, 0] + p[i, 1];
            for (int j = 0; j < 2; j++)
                expected += Math.Pow(p[i, j] / sum - y[i, j], 2);
        }
        Assert.Equal(expected / 2, net.ComputeLoss(x, y), 12);
    }

    [Fact]
    public void A_trainer_and_its_results_describe_themselves()
    {
        var trainer = new Trainer(TestData.LinearRegression(), new SGD(0.05));
        Assert.Equal("Trainer(NeuralNetwork([Dense(1, Linear)], MeanSquaredError, seed: 5), SGD(learningRate: 0.05))", trainer.ToString());
        var (x, y, xt, yt) = TestData.Small();
        var r = trainer.Fit(x, y, xt, yt, new FitOptions { Epochs = 3, EvalEvery = 3 });
        Assert.Equal((3, Precision.Double), (r.EpochsCompleted, r.Precision));
        Assert.Equal(r.Evaluations[0].Loss, trainer.Network.ComputeLoss(xt, yt));
    }
}
