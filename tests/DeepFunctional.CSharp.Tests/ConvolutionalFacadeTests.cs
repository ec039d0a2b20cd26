using System;
using System.Linq;
using Xunit;

namespace DeepFunctional.CSharp.Tests;

/// <summary>
/// Chapter 5 in the facade: the Conv2D, pooling and flatten layers, networks trained and used on images
/// (<c>double[,,,]</c> and <c>float[,,,]</c>), their shape errors, and the parameters of every kind of layer.
/// </summary>
public class ConvolutionalFacadeTests
{
    /// <summary>600 training and 200 test images of 1×6×6 in 10 classes, standardised.</summary>
    private static readonly ImageTrainTestSplit<double> Images = SyntheticImages.DataSet().BookSplitImages().ToImageSplit();

    private static int[] Labels(double[,] oneHot) => Classification.Argmax(oneHot);

    /// <summary>Conv(4, 3x3, tanh) → MaxPool(2) → Flatten → Dense(10): 4·3·3 = 36 features reach the dense layer.</summary>
    private static NeuralNetwork SmallCnn(long seed = 7, bool bias = false) =>
        new([new Conv2D(4, 3, new Tanh(), WeightInit.Glorot) { Bias = bias }, new MaxPool2D(2), new Flatten(),
             new Dense(10, new Linear(), WeightInit.Glorot)],
            new SoftmaxCrossEntropy(), seed);

    private static Trainer Quiet(NeuralNetwork net, double lr = 0.1) => new(net, new SGDMomentum(lr, 0.9)) { Output = null };

    private static NeuralNetwork Trained(long seed = 7, bool bias = false, int epochs = 2)
    {
        var net = SmallCnn(seed, bias);
        Quiet(net).Fit(Images.XTrain, Images.YTrain, Images.XTest, Images.YTest, epochs: epochs, evalEvery: 1, batchSize: 20, seed: 3);
        return net;
    }

    private static T[,,,] Slice<T>(T[,,,] a, int start, int count)
    {
        var r = new T[count, a.GetLength(1), a.GetLength(2), a.GetLength(3)];
        int per = a.Length / a.GetLength(0);
        Buffer.BlockCopy(a, start * per * System.Runtime.InteropServices.Marshal.SizeOf<T>(), r, 0, count * per * System.Runtime.InteropServices.Marshal.SizeOf<T>());
        return r;
    }

    private static float[,,,] ToSingle(double[,,,] a)
    {
        var r = new float[a.GetLength(0), a.GetLength(1), a.GetLength(2), a.GetLength(3)];
        for (int i = 0; i < a.GetLength(0); i++)
            for (int c = 0; c < a.GetLength(1); c++)
                for (int h = 0; h < a.GetLength(2); h++)
                    for (int w = 0; w < a.GetLength(3); w++)
                        r[i, c, h, w] = (float)a[i, c, h, w];
        return r;
    }

    // ---------------------------------------------------------------- layers

    [Fact]
    public void Conv2D_has_the_books_geometry_by_default_and_describes_its_options()
    {
        var conv = new Conv2D(16, 5);
        Assert.Equal((16, 5, 1, 2, false, false, 1.0), (conv.Filters, conv.KernelSize, conv.Stride, conv.Padding, conv.Flatten, conv.Bias, conv.KeepProbability));
        Assert.IsType<Linear>(conv.Activation);
        Assert.Equal(16, conv.Neurons);
        Assert.Equal("Conv2D(16, 5x5, Linear)", conv.ToString());
        Assert.Equal("Conv2D(16, 5x5, Tanh, BookGlorot, flatten, keep 0.8 book)",
            new Conv2D(16, 5, new Tanh(), WeightInit.BookGlorot, flatten: true, keepProbability: 0.8) { DropoutScaling = DropoutScaling.Book }.ToString());
        Assert.Equal("Conv2D(2, 4x4, ReLU, bias, stride 2, padding 1)", new Conv2D(2, 4, new ReLU()) { Bias = true, Stride = 2, Padding = 1 }.ToString());
        Assert.Equal(2, new Conv2D(2, 4).Padding);
    }

    [Fact]
    public void Conv2D_refuses_out_of_range_settings_naming_them()
    {
        Assert.Equal("filters", Assert.Throws<ArgumentOutOfRangeException>(() => new Conv2D(0, 3)).ParamName);
        Assert.StartsWith("Conv2D: expected kernelSize >= 1, got 0", Assert.Throws<ArgumentOutOfRangeException>(() => new Conv2D(2, 0)).Message);
        Assert.Equal("keepProbability", Assert.Throws<ArgumentOutOfRangeException>(() => new Conv2D(2, 3, keepProbability: 0)).ParamName);
        Assert.Equal("weightInit", Assert.Throws<ArgumentOutOfRangeException>(() => new Conv2D(2, 3, weightInit: (WeightInit)7)).ParamName);
        Assert.Equal("stride", Assert.Throws<ArgumentOutOfRangeException>(() => new Conv2D(2, 3) { Stride = 0 }).ParamName);
        Assert.Equal("padding", Assert.Throws<ArgumentOutOfRangeException>(() => new Conv2D(2, 3) { Padding = -1 }).ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Conv2D(2, 3) { DropoutScaling = (DropoutScaling)5 });
        Assert.Throws<ArgumentNullException>(() => new Conv2D(2, 3) { Activation = null! });
    }

    [Fact]
    public void Pooling_and_Flatten_layers_describe_themselves_and_refuse_windows_below_one()
    {
        Assert.Equal("MaxPool2D(2)", new MaxPool2D(2).ToString());
        Assert.Equal("AvgPool2D(3, stride 2)", new AvgPool2D(3, stride: 2).ToString());
        Assert.Equal((2, 2, 0), (new MaxPool2D(2).KernelSize, new MaxPool2D(2).Stride, new MaxPool2D(2).Neurons));
        Assert.Equal("Flatten", new Flatten().ToString());
        Assert.Equal(0, new Flatten().Neurons);
        Assert.Equal("kernelSize", Assert.Throws<ArgumentOutOfRangeException>(() => new MaxPool2D(0)).ParamName);
        Assert.StartsWith("AvgPool2D: expected stride >= 1, got 0", Assert.Throws<ArgumentOutOfRangeException>(() => new AvgPool2D(2, 0)).Message);
    }

    // ---------------------------------------------------------------- training and prediction on images

    [Fact]
    public void A_small_CNN_trained_on_images_lowers_its_loss_in_double_and_single_precision()
    {
        var net = SmallCnn();
        var fit = Quiet(net).Fit(Images.XTrain, Images.YTrain, Images.XTest, Images.YTest, epochs: 6, evalEvery: 1, batchSize: 20, seed: 3,
            earlyStopping: false);
        Assert.Equal(Precision.Double, fit.Precision);
        Assert.True(fit.TrainingLosses[^1] < fit.TrainingLosses[0] / 2, $"training loss {fit.TrainingLosses[0]} -> {fit.TrainingLosses[^1]}");
        Assert.True(fit.Evaluations[^1].Loss < fit.Evaluations[0].Loss, "test loss falls");
        Assert.True(net.Accuracy(Images.XTest, Labels(Images.YTest)) > 0.8, "most made-up images classified");
        Assert.Null(net.InputFeatures);

        var single = SmallCnn();
        var fitSingle = Quiet(single).Fit(ToSingle(Images.XTrain), Matrix.ToSingle(Images.YTrain), ToSingle(Images.XTest), Matrix.ToSingle(Images.YTest),
            epochs: 6, evalEvery: 1, batchSize: 20, seed: 3, earlyStopping: false);
        Assert.Equal(Precision.Single, single.Precision);
        Assert.True(fitSingle.TrainingLosses[^1] < fitSingle.TrainingLosses[0] / 2);
        Assert.Equal(fit.TrainingLosses[0], fitSingle.TrainingLosses[0], 2);
    }

    [Fact]
    public void Predictions_for_images_have_one_row_per_image_and_agree_with_each_other()
    {
        var net = Trained();
        var x = Images.XTest;
        var scores = net.Predict(x);
        Assert.Equal((200, 10), (scores.GetLength(0), scores.GetLength(1)));
        var probabilities = net.PredictProbabilities(x);
        Assert.All(Enumerable.Range(0, 200), i => Assert.Equal(1.0, Enumerable.Range(0, 10).Sum(j => probabilities[i, j]), 12));
        var classes = net.PredictClasses(x);
        Assert.Equal(Classification.Argmax(scores), classes);
        Assert.Equal(Classification.Accuracy(classes, Labels(Images.YTest)), net.Accuracy(x, Labels(Images.YTest)));
        Assert.True(net.Loss(x, Images.YTest) > 0);
        Assert.True(net.Evaluate(x, Images.YTest).RootMeanSquaredError > 0);
        var singleScores = net.Predict(ToSingle(x));
        Assert.Equal(scores[5, 3], singleScores[5, 3], 4);
        Assert.Equal(classes.Length, net.PredictClasses(ToSingle(x)).Length);
        Assert.Equal(net.Loss(x, Images.YTest), net.Loss(ToSingle(x), Matrix.ToSingle(Images.YTest)), 4);
        Assert.Equal(net.Accuracy(x, Labels(Images.YTest)), net.Accuracy(ToSingle(x), Labels(Images.YTest)), 1);
        Assert.True(net.Evaluate(ToSingle(x), Matrix.ToSingle(Images.YTest)).MeanAbsoluteError > 0);
        Assert.Equal(10, net.PredictProbabilities(ToSingle(x)).GetLength(1));
    }

    [Fact]
    public void Predicting_more_than_a_thousand_images_in_chunks_gives_the_numbers_of_smaller_calls()
    {
        var net = Trained(epochs: 1);
        var many = SyntheticImages.Make(1500, 9).ToImages();
        var all = net.Predict(many);
        var first = net.Predict(Slice(many, 0, 700));
        var rest = net.Predict(Slice(many, 700, 800));
        for (int j = 0; j < 10; j++)
        {
            Assert.Equal(first[699, j], all[699, j]);
            Assert.Equal(rest[0, j], all[700, j]);
            Assert.Equal(rest[799, j], all[1499, j]);
        }
    }

    // ---------------------------------------------------------------- shape errors

    [Fact]
    public void Rows_of_features_given_to_a_CNN_are_refused_naming_the_layer()
    {
        var net = Trained(epochs: 1);
        var e = Assert.Throws<ShapeMismatchException>(() => net.Predict(new double[3, 36]));
        Assert.Equal("NeuralNetwork.Predict: expected images [channels, height, width] for layer 0 (Conv2D(4, 3x3, Tanh, Glorot)), got rows of 36 features", e.Message);
        var fit = Assert.Throws<ShapeMismatchException>(() =>
            Quiet(SmallCnn()).Fit(new double[3, 36], new double[3, 10], new double[3, 36], new double[3, 10]));
        Assert.StartsWith("Trainer.Fit: expected images [channels, height, width] for layer 0", fit.Message);
    }

    [Fact]
    public void Images_of_other_channels_or_size_than_the_trained_network_are_refused_naming_the_layer()
    {
        var net = Trained(epochs: 1);
        var channels = Assert.Throws<ShapeMismatchException>(() => net.Predict(new double[2, 3, 6, 6]));
        Assert.Equal("NeuralNetwork.Predict: expected images of 1 channel (its kernel is 1x4x3x3) for layer 0 (Conv2D(4, 3x3, Tanh, Glorot)), got images of 3 channels of 6x6",
            channels.Message);
        var size = Assert.Throws<ShapeMismatchException>(() => net.PredictClasses(new double[2, 1, 8, 8]));
        Assert.Equal("NeuralNetwork.PredictClasses: expected rows of 36 features (its W is 36x10) for layer 3 (Dense(10, Linear, Glorot)), got rows of 64 features",
            size.Message);
        var labels = Assert.Throws<ShapeMismatchException>(() => net.Accuracy(new double[2, 1, 6, 6], [1]));
        Assert.Contains("one label for each of the 2 rows of x", labels.Message);
        var targets = Assert.Throws<ShapeMismatchException>(() => net.Loss(new double[2, 1, 6, 6], new double[2, 9]));
        Assert.Equal("NeuralNetwork.Loss: expected y with 10 columns (the network's outputs), got y of shape 2x9", targets.Message);
        Assert.Throws<ShapeMismatchException>(() => net.Evaluate(new double[2, 1, 6, 6], new double[3, 10]));
    }

    [Fact]
    public void Images_given_to_a_dense_network_or_a_network_without_a_flat_output_are_refused()
    {
        var dense = new NeuralNetwork([new Dense(10, new Linear())], new SoftmaxCrossEntropy());
        var e = Assert.Throws<ShapeMismatchException>(() =>
            Quiet(dense).Fit(Images.XTrain, Images.YTrain, Images.XTest, Images.YTest));
        Assert.Equal("Trainer.Fit: expected rows of features (flatten images first: Flatten, or Conv2D with flatten) for layer 0 (Dense(10, Linear)), got images of 1 channel of 6x6",
            e.Message);
        var images = new NeuralNetwork([new Conv2D(2, 3), new AvgPool2D(2)], new MeanSquaredError());
        var output = Assert.Throws<ShapeMismatchException>(() => Quiet(images).Fit(Images.XTrain, Images.YTrain, Images.XTest, Images.YTest));
        Assert.Equal("Trainer.Fit: expected a network whose output for each row is a row of values (end it with Dense, Flatten or a Conv2D with flatten), "
            + "got outputs of shape 2x3x3 for each row of xTrain", output.Message);
        var flat = new NeuralNetwork([new Conv2D(2, 3) { Padding = 0 }, new Flatten()], new MeanSquaredError());
        Quiet(flat).Fit(Images.XTrain, new double[600, 32], Images.XTest, new double[200, 32], epochs: 1);
        Assert.Equal((200, 32), (flat.Predict(Images.XTest).GetLength(0), flat.Predict(Images.XTest).GetLength(1)));
    }

    [Fact]
    public void Fit_on_images_checks_kernels_windows_sizes_targets_and_values()
    {
        var t = Quiet(SmallCnn());
        var small = Assert.Throws<ShapeMismatchException>(() =>
            Quiet(new NeuralNetwork([new Conv2D(2, 5) { Padding = 0 }, new Flatten(), new Dense(10)], new MeanSquaredError()))
                .Fit(new double[2, 1, 3, 3], new double[2, 10], new double[2, 1, 3, 3], new double[2, 10]));
        Assert.Equal("Trainer.Fit: expected images of at least 5x5 pixels for layer 0 (Conv2D(2, 5x5, Linear, padding 0)), got images of 1 channel of 3x3", small.Message);
        var window = Assert.Throws<ShapeMismatchException>(() =>
            Quiet(new NeuralNetwork([new MaxPool2D(4), new Flatten(), new Dense(10)], new MeanSquaredError()))
                .Fit(new double[2, 1, 3, 3], new double[2, 10], new double[2, 1, 3, 3], new double[2, 10]));
        Assert.StartsWith("Trainer.Fit: expected images of at least 4x4 pixels for layer 0 (MaxPool2D(4))", window.Message);
        var test = Assert.Throws<ShapeMismatchException>(() => t.Fit(Images.XTrain, Images.YTrain, new double[200, 1, 7, 7], Images.YTest));
        Assert.Equal("Trainer.Fit: expected xTest of images of 1x6x6 like xTrain (600x1x6x6), got xTest of shape 200x1x7x7", test.Message);
        var rows = Assert.Throws<ShapeMismatchException>(() => t.Fit(Images.XTrain, Images.YTest, Images.XTest, Images.YTest));
        Assert.StartsWith("Trainer.Fit: expected yTrain with 600 rows like xTrain (600x1x6x6)", rows.Message);
        var outputs = Assert.Throws<ShapeMismatchException>(() => t.Fit(Images.XTrain, new double[600, 3], Images.XTest, new double[200, 3]));
        Assert.Contains("yTrain with 10 columns (the network's outputs)", outputs.Message);
        Assert.Equal("xTrain", Assert.Throws<ArgumentNullException>(() => t.Fit((double[,,,])null!, Images.YTrain, Images.XTest, Images.YTest)).ParamName);
        Assert.Contains("got xTest of shape 0x1x6x6", Assert.Throws<ArgumentException>(() =>
            t.Fit(Images.XTrain, Images.YTrain, new double[0, 1, 6, 6], new double[0, 10])).Message);
        var nan = (double[,,,])Images.XTest.Clone();
        nan[3, 0, 1, 2] = double.NaN;
        Assert.Equal("Trainer.Fit: expected finite values in xTest, got NaN at image 3, channel 0, row 1, column 2 (Parameter 'xTest')",
            Assert.Throws<ArgumentException>(() => t.Fit(Images.XTrain, Images.YTrain, nan, Images.YTest)).Message);
        Assert.False(t.Network.HasParameters);
    }

    [Fact]
    public void Fit_without_restart_on_images_continues_from_the_trained_kernels_and_checks_their_channels()
    {
        var net = Trained(epochs: 1);
        var before = net.GetLayerParameters();
        Quiet(net).Fit(Images.XTrain, Images.YTrain, Images.XTest, Images.YTest, epochs: 1, evalEvery: 1, batchSize: 20, restart: false);
        Assert.NotEqual(((Conv2DParameters)before[0]).Weights, ((Conv2DParameters)net.GetLayerParameters()[0]).Weights);
        var e = Assert.Throws<ShapeMismatchException>(() =>
            Quiet(net).Fit(new double[4, 2, 6, 6], new double[4, 10], new double[4, 2, 6, 6], new double[4, 10], restart: false));
        Assert.StartsWith("Trainer.Fit: expected images of 1 channel (its kernel is 1x4x3x3)", e.Message);
    }

    // ---------------------------------------------------------------- parameters

    [Fact]
    public void GetLayerParameters_gives_one_entry_per_layer_with_parameters_and_SetLayerParameters_takes_them_back()
    {
        var net = Trained(bias: true);
        var ps = net.GetLayerParameters();
        Assert.Equal(2, ps.Count);
        var conv = Assert.IsType<Conv2DParameters>(ps[0]);
        Assert.Equal((1, 4, 3), (conv.InChannels, conv.Filters, conv.KernelSize));
        Assert.Equal(4, conv.Bias!.Length);
        Assert.Contains(conv.Bias, b => b != 0);
        var dense = Assert.IsType<DenseParameters>(ps[1]);
        Assert.Equal((36, 10), (dense.Inputs, dense.Neurons));
        Assert.Equal("Conv2DParameters(1x4x3x3, bias)", conv.ToString());

        var copy = SmallCnn(seed: 99, bias: true);
        copy.SetLayerParameters(ps);
        Assert.Equal(Precision.Double, copy.Precision);
        Assert.Equal(net.Predict(Images.XTest), copy.Predict(Images.XTest));
        var single = SmallCnn(seed: 99, bias: true);
        single.SetLayerParameters(ps, Precision.Single);
        Assert.Equal(Precision.Single, single.Precision);
        Assert.Equal(net.Predict(Images.XTest)[0, 0], single.Predict(Images.XTest)[0, 0], 4);
        var widened = (Conv2DParameters)single.GetLayerParameters()[0];
        Assert.Equal((float)conv.Weights[0, 1, 2, 0], widened.Weights[0, 1, 2, 0]);
    }

    [Fact]
    public void GetParameters_and_SetParameters_stay_for_dense_networks_and_point_a_CNN_to_the_layer_variants()
    {
        var net = Trained(epochs: 1);
        Assert.Equal("NeuralNetwork.GetParameters: the network has a Conv2D layer at position 0 and this method covers Dense layers only; use GetLayerParameters",
            Assert.Throws<InvalidOperationException>(() => net.GetParameters()).Message);
        Assert.EndsWith("use SetLayerParameters", Assert.Throws<InvalidOperationException>(() =>
            net.SetParameters([new DenseParameters(new double[36, 10], new double[1, 10])])).Message);
        Assert.Throws<InvalidOperationException>(() => SmallCnn().GetLayerParameters());

        var dense = TestData.OneHiddenLayer();
        new Trainer(dense, new SGD(0.01)) { Output = null }.Fit(TestData.Small().XTrain, TestData.Small().YTrain, TestData.Small().XTest, TestData.Small().YTest, epochs: 2);
        var layers = dense.GetLayerParameters();
        var old = dense.GetParameters();
        Assert.Equal(old.Count, layers.Count);
        Assert.Equal(old[1].Weights, ((DenseParameters)layers[1]).Weights);
        var again = TestData.OneHiddenLayer();
        again.SetLayerParameters(layers);
        Assert.Equal(dense.Predict(TestData.Small().XTest), again.Predict(TestData.Small().XTest));
        Assert.Equal(3, again.InputFeatures);
    }

    [Fact]
    public void SetLayerParameters_checks_count_kinds_shapes_bias_channels_and_values()
    {
        var twoConvs = new NeuralNetwork([new Conv2D(3, 3), new MaxPool2D(2), new Conv2D(2, 3, flatten: true), new Dense(10)], new MeanSquaredError());
        Conv2DParameters Conv(int inChannels, int filters, int k = 3) => new(new double[inChannels, filters, k, k]);
        var dense = new DenseParameters(new double[8, 10], new double[1, 10]);
        twoConvs.SetLayerParameters([Conv(1, 3), Conv(3, 2), dense]);
        Assert.True(twoConvs.HasParameters);
        Assert.Equal((10, 1), (twoConvs.Predict(new double[10, 1, 4, 4]).GetLength(1), twoConvs.GetLayerParameters().OfType<Conv2DParameters>().First().InChannels));

        Assert.Throws<ArgumentNullException>(() => twoConvs.SetLayerParameters(null!));
        Assert.Equal("NeuralNetwork.SetLayerParameters: expected 3 layer parameters, one per Dense or Conv2D layer, got 2",
            Assert.Throws<ShapeMismatchException>(() => twoConvs.SetLayerParameters([Conv(1, 3), dense])).Message);
        Assert.Throws<ArgumentNullException>(() => twoConvs.SetLayerParameters([Conv(1, 3), null!, dense]));
        Assert.StartsWith("NeuralNetwork.SetLayerParameters: expected Conv2DParameters for layer 2 (Conv2D(2, 3x3, Linear, flatten)), got DenseParameters(8x10)",
            Assert.Throws<ArgumentException>(() => twoConvs.SetLayerParameters([Conv(1, 3), dense, dense])).Message);
        Assert.Equal("NeuralNetwork.SetLayerParameters: expected weights of layer 2 (Conv2D(2, 3x3, Linear, flatten)) of shape [3 input channels, 2, 3, 3], got weights of shape 4x2x3x3",
            Assert.Throws<ShapeMismatchException>(() => twoConvs.SetLayerParameters([Conv(1, 3), Conv(4, 2), dense])).Message);
        Assert.Throws<ShapeMismatchException>(() => twoConvs.SetLayerParameters([Conv(1, 3, k: 5), Conv(3, 2), dense]));
        Assert.Throws<ShapeMismatchException>(() => twoConvs.SetLayerParameters([Conv(1, 5), Conv(5, 2), dense]));
        Assert.Equal("NeuralNetwork.SetLayerParameters: expected no bias for layer 0 (Conv2D(3, 3x3, Linear)), got a bias of 3 values",
            Assert.Throws<ShapeMismatchException>(() =>
                twoConvs.SetLayerParameters([new Conv2DParameters(new double[1, 3, 3, 3], new double[3]), Conv(3, 2), dense])).Message);
        Assert.Throws<ShapeMismatchException>(() => twoConvs.SetLayerParameters([Conv(1, 3), Conv(3, 2), new DenseParameters(new double[8, 9], new double[1, 9])]));
        var nan = Conv(1, 3);
        nan.Weights[0, 2, 1, 1] = double.NaN;
        Assert.Contains("NaN at image 0, channel 2, row 1, column 1",
            Assert.Throws<ArgumentException>(() => twoConvs.SetLayerParameters([nan, Conv(3, 2), dense])).Message);

        var withBias = new NeuralNetwork([new Conv2D(2, 3) { Bias = true }, new Flatten(), new Dense(1)], new MeanSquaredError());
        Assert.Throws<ShapeMismatchException>(() => withBias.SetLayerParameters([Conv(1, 2), new DenseParameters(new double[8, 1], new double[1, 1])]));
        var infinite = new Conv2DParameters(new double[1, 2, 3, 3], [0, double.PositiveInfinity]);
        Assert.Contains("finite values in bias of layer 0",
            Assert.Throws<ArgumentException>(() => withBias.SetLayerParameters([infinite, new DenseParameters(new double[8, 1], new double[1, 1])])).Message);
        // A dense layer after images takes any number of rows; the images' size must then fit it.
        withBias.SetLayerParameters([new Conv2DParameters(new double[1, 2, 3, 3], new double[2]), new DenseParameters(new double[18, 1], new double[1, 1])]);
        Assert.Equal(4, withBias.Predict(new double[4, 1, 3, 3]).GetLength(0));
        Assert.Throws<ShapeMismatchException>(() => withBias.Predict(new double[4, 1, 4, 4]));
    }

    [Fact]
    public void Conv2DParameters_checks_its_arrays()
    {
        Assert.Throws<ArgumentNullException>(() => new Conv2DParameters(null!));
        Assert.Throws<ArgumentException>(() => new Conv2DParameters(new double[0, 2, 3, 3]));
        Assert.Equal("Conv2DParameters: expected weights [inChannels, filters, k, k] with a square kernel, got weights of shape 1x2x3x5",
            Assert.Throws<ShapeMismatchException>(() => new Conv2DParameters(new double[1, 2, 3, 5])).Message);
        Assert.Equal("Conv2DParameters: expected a bias of 2 values, one per filter of weights 1x2x3x3, got a bias of 3 values",
            Assert.Throws<ShapeMismatchException>(() => new Conv2DParameters(new double[1, 2, 3, 3], new double[3])).Message);
        Assert.Null(new Conv2DParameters(new double[1, 2, 3, 3]).Bias);
    }

    // ---------------------------------------------------------------- data

    [Fact]
    public void Image_sets_and_data_sets_give_their_images_as_one_channel_arrays()
    {
        var set = SyntheticImages.Make(5, 4);
        var images = set.ToImages();
        var matrix = set.ToMatrix();
        Assert.Equal((5, 1, 6, 6), (images.GetLength(0), images.GetLength(1), images.GetLength(2), images.GetLength(3)));
        Assert.Equal(matrix[3, 2 * 6 + 4], images[3, 0, 2, 4]);
        Assert.Equal((float)matrix[4, 35], set.ToImagesSingle()[4, 0, 5, 5]);

        var data = SyntheticImages.DataSet().BookSplitImages();
        Assert.Equal([1, 6, 6], data.ImageShape);
        Assert.Equal(36, data.Features);
        Assert.Equal("600 training and 200 test images of 1x6x6, 10 classes, double precision", data.ToString());
        var flat = SyntheticImages.DataSet().BookSplit();
        Assert.Null(flat.ImageShape);
        Assert.Equal(flat.ToSplit().XTrain, data.ToSplit().XTrain);
        var split = data.ToImageSplit();
        Assert.Equal(flat.ToSplit().XTest[7, 20], split.XTest[7, 0, 3, 2]);
        Assert.Equal((600, 10), (split.YTrain.GetLength(0), split.YTrain.GetLength(1)));
        Assert.Equal(Precision.Single, SyntheticImages.DataSet().BookSplitImagesSingle().Precision);
        Assert.StartsWith("ClassificationData.ToImageSplit: the inputs are rows of features",
            Assert.Throws<InvalidOperationException>(() => flat.ToImageSplit()).Message);
    }

    [Fact]
    public void ClassificationData_and_ImageTrainTestSplit_from_image_arrays_check_them()
    {
        var x = new double[4, 1, 2, 2];
        var data = new ClassificationData<double>(x, [0, 1, 2, 0], new double[2, 1, 2, 2], [1, 1], 3);
        Assert.Equal([1, 2, 2], data.ImageShape);
        Assert.Equal(3, data.ToImageSplit().YTest.GetLength(1));
        Assert.Throws<ShapeMismatchException>(() => new ClassificationData<double>(x, [0, 1, 2], new double[2, 1, 2, 2], [1, 1], 3));
        Assert.Throws<ShapeMismatchException>(() => new ClassificationData<double>(x, [0, 1, 2, 0], new double[2, 1, 3, 2], [1, 1], 3));
        Assert.ThrowsAny<ArgumentOutOfRangeException>(() => new ClassificationData<double>(x, [0, 1, 5, 0], new double[2, 1, 2, 2], [1, 1], 3));
        Assert.Throws<ArgumentNullException>(() => new ClassificationData<float>((float[,,,])null!, [0], new float[1, 1, 1, 1], [0], 1));
        Assert.Throws<ArgumentNullException>(() => new ImageTrainTestSplit<double>(null!, new double[4, 3], x, new double[4, 3]));
        Assert.Throws<ShapeMismatchException>(() => new ImageTrainTestSplit<double>(x, new double[3, 3], x, new double[4, 3]));
        Assert.Throws<ShapeMismatchException>(() => new ImageTrainTestSplit<double>(x, new double[4, 3], new double[4, 2, 2, 2], new double[4, 3]));
        Assert.Throws<ShapeMismatchException>(() => new ImageTrainTestSplit<double>(x, new double[4, 3], x, new double[4, 2]));
    }

    [Fact]
    public void A_chapter_4_experiment_given_images_trains_on_them_as_rows()
    {
        var experiment = Chapter4Experiment.Find("sce-sgd").WithEpochs(1);
        var onRows = experiment.Run(SyntheticImages.DataSet().BookSplit());
        var onImages = experiment.Run(SyntheticImages.DataSet().BookSplitImages());
        Assert.Equal(onRows.Accuracy, onImages.Accuracy);
        Assert.Equal(onRows.Predictions, onImages.Predictions);
    }
}
