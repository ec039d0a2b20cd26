using System;
using System.IO;
using System.Linq;
using System.Threading;
using Xunit;

namespace DeepFunctional.CSharp.Tests;

/// <summary>Forward passes against naive references, and the trainer's file and cancellation corners.</summary>
public class ReferenceTests
{
    [Theory]
    [InlineData(1, null)]
    [InlineData(2, 0)]
    [InlineData(1, 2)]
    public void Conv2D_computes_the_cross_correlation_of_its_kernels_plus_bias(int stride, int? padding)
    {
        const int k = 3, channels = 2, filters = 2, side = 5;
        var layer = padding is { } p ? new Conv2D(filters, k, new Tanh()) { Bias = true, Stride = stride, Padding = p } : new Conv2D(filters, k, new Tanh()) { Bias = true, Stride = stride };
        var net = new NeuralNetwork([layer], new MeanSquaredError(), 6);
        net.Initialize([channels, side, side]);
        var w = net.GetParameters()[0];
        var b = net.GetParameters()[1];
        Assert.Equal([channels, filters, k, k], w.Shape);
        var x = (double[,,,])TestData.Random(typeof(double), 2, 1, channels, side, side);
        // Predict returns matrices: flatten the feature maps to compare.
        var flat = new NeuralNetwork([layer, new Flatten()], new MeanSquaredError(), 6);
        flat.Initialize([channels, side, side]);
        var got = flat.Predict(x);
        int pad = layer.Padding, outSide = (side + 2 * pad - k) / stride + 1;
        Assert.Equal(filters * outSide * outSide, got.GetLength(1));
        for (int f = 0; f < filters; f++)
            for (int i = 0; i < outSide; i++)
                for (int j = 0; j < outSide; j++)
                {
                    double z = b.Values[f];
                    for (int c = 0; c < channels; c++)
                        for (int u = 0; u < k; u++)
                            for (int v = 0; v < k; v++)
                            {
                                int r = i * stride + u - pad, s = j * stride + v - pad;
                                if (r >= 0 && r < side && s >= 0 && s < side)
                                    z += x[0, c, r, s] * w.Values[((c * filters + f) * k + u) * k + v];
                            }
                    Assert.Equal(Math.Tanh(z), got[0, (f * outSide + i) * outSide + j], 10);
                }
    }

    [Fact]
    public void A_checkpoint_that_cannot_be_written_is_refused_before_training()
    {
        var (x, y, _, _) = TestData.Small();
        var net = TestData.LinearRegression();
        var missing = Path.Combine(Path.GetDirectoryName(TestData.TempFile("x"))!, "no-such-folder", "c.safetensors");
        Assert.Throws<global::DeepFunctional.FileWriteException>(() =>
            new Trainer(net, new SGD()).Fit(x, y, new FitOptions { Checkpoint = new CheckpointOptions { Path = missing } }));
        Assert.False(net.IsInitialized);
        Assert.ThrowsAny<IOException>(() => new Trainer(net, new SGD()).Resume(missing, x, y));
        Assert.Throws<ArgumentException>(() => new Trainer(net, new SGD()).Resume("", x, y));
    }

    [Fact]
    public void Without_validation_data_nothing_is_evaluated_or_printed()
    {
        var (x, y, _, _) = TestData.Small();
        var output = new StringWriter();
        var result = new Trainer(TestData.LinearRegression(), new SGD()).Fit(x, y, new FitOptions { Epochs = 20, Output = output });
        Assert.Empty(result.Evaluations);
        Assert.Null(result.StoppedEarlyAt);
        Assert.Equal("", output.ToString());
        Assert.Throws<ArgumentNullException>(() => new Trainer(TestData.LinearRegression(), new SGD()).Fit(x, y, x, null!));
    }

    [Fact]
    public void Cancelling_mid_epoch_in_single_precision_keeps_a_trained_network_that_predicts()
    {
        var x = (float[,,])TestData.Random(typeof(float), 1, 40, 4, 3);
        var y = (float[,])TestData.Random(typeof(float), 2, 40, 2);
        using var cts = new CancellationTokenSource();
        var net = new NeuralNetwork([new GRU(4), new Dense(2)], new MeanSquaredError(), 8);
        var losses = new System.Collections.Generic.List<double>();
        Assert.ThrowsAny<OperationCanceledException>(() => new Trainer(net, new SGD(0.1)).Fit(x, y, new FitOptions
        {
            Epochs = 5, BatchSize = 10, Cancellation = cts.Token,
            Progress = new Recorder(r => { if (r.Kind == TrainingProgressKind.Batch) { losses.Add(r.Loss); if (losses.Count == 6) cts.Cancel(); } }),
        }));
        Assert.Equal(6, losses.Count);
        Assert.Equal(Precision.Single, net.Precision);
        Assert.Equal(40, net.Predict(x).GetLength(0));
        Assert.NotEqual(losses[0], net.ComputeLoss(x, y));
    }
}
