using System;
using Xunit;

namespace DeepFunctional.CSharp.Tests;

/// <summary>Bad input fails at the entry point with a typed exception naming the operation, the expected and the actual value.</summary>
public class ArgumentValidationTests
{
    private static readonly TrainTestSplit<double> Data = TestData.Small();

    private static Trainer NewTrainer(NeuralNetwork? net = null) =>
        new(net ?? TestData.LinearRegression(), new SGD(0.05)) { Output = null };

    private static FitResult Fit(Trainer t, double[,] xTrain, double[,] yTrain, double[,] xTest, double[,] yTest,
        int epochs = 2, int evalEvery = 1, int batchSize = 8, long seed = 1, bool restart = true) =>
        t.Fit(xTrain, yTrain, xTest, yTest, epochs: epochs, evalEvery: evalEvery, batchSize: batchSize, seed: seed, restart: restart);

    private static FitResult FitDefault(Trainer t, int epochs = 2, int evalEvery = 1, int batchSize = 8, long seed = 1) =>
        Fit(t, Data.XTrain, Data.YTrain, Data.XTest, Data.YTest, epochs, evalEvery, batchSize, seed);

    // ---------------------------------------------------------------- building blocks

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public void Dense_refuses_fewer_than_one_neuron(int neurons)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new Dense(neurons, new Linear()));
        Assert.Equal("neurons", e.ParamName);
        Assert.StartsWith($"Dense: expected neurons >= 1, got {neurons}", e.Message);
    }

    [Fact]
    public void Dense_refuses_an_undefined_weight_init_and_a_null_activation_set_in_an_initializer()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Dense(1, new Linear(), (WeightInit)42));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Dense(1) { WeightInit = (WeightInit)(-1) });
        Assert.Throws<ArgumentNullException>(() => new Dense(1) { Activation = null! });
        Assert.IsType<Sigmoid>(new Dense(4).Activation);
        Assert.Equal(WeightInit.BookGlorot, new Dense(4) { WeightInit = WeightInit.BookGlorot }.WeightInit);
    }

    [Fact]
    public void NeuralNetwork_refuses_null_or_empty_layers_a_null_loss_and_seeds_outside_32_bits()
    {
        var loss = new MeanSquaredError();
        Assert.Equal("layers", Assert.Throws<ArgumentNullException>(() => new NeuralNetwork(null!, loss)).ParamName);
        Assert.Equal("layers", Assert.Throws<ArgumentNullException>(() => new NeuralNetwork([new Dense(1), null!], loss)).ParamName);
        Assert.Equal("loss", Assert.Throws<ArgumentNullException>(() => new NeuralNetwork([new Dense(1)], null!)).ParamName);
        var empty = Assert.Throws<ArgumentException>(() => new NeuralNetwork([], loss));
        Assert.StartsWith("NeuralNetwork: expected at least one layer, got none", empty.Message);
        Assert.Equal("seed", Assert.Throws<ArgumentOutOfRangeException>(() => new NeuralNetwork([new Dense(1)], loss, -1)).ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => new NeuralNetwork([new Dense(1)], loss, 4294967296L));
        Assert.Equal(4294967295L, new NeuralNetwork([new Dense(1)], loss, 4294967295L).Seed);
        Assert.Throws<ArgumentOutOfRangeException>(() => new NeuralNetwork([new Dense(1)], loss) { Seeding = (Seeding)7 });
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-0.01)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void SGD_refuses_a_learning_rate_that_is_not_finite_and_positive(double lr)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new SGD(lr));
        Assert.Equal("learningRate", e.ParamName);
        Assert.StartsWith("SGD: expected a finite learningRate > 0, got", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new SGD { LearningRate = lr });
    }

    [Fact]
    public void SGD_keeps_the_books_default_and_an_initialised_rate()
    {
        Assert.Equal(0.01, new SGD().LearningRate);
        Assert.Equal(0.1, new SGD { LearningRate = 0.1 }.LearningRate);
    }

    [Fact]
    public void Trainer_refuses_a_null_network_or_optimizer()
    {
        Assert.Equal("network", Assert.Throws<ArgumentNullException>(() => new Trainer(null!, new SGD())).ParamName);
        Assert.Equal("optimizer", Assert.Throws<ArgumentNullException>(() => new Trainer(TestData.LinearRegression(), null!)).ParamName);
    }

    // ---------------------------------------------------------------- Fit's arrays

    [Fact]
    public void Fit_names_each_null_array()
    {
        var t = NewTrainer();
        Assert.Equal("xTrain", Assert.Throws<ArgumentNullException>(() => Fit(t, null!, Data.YTrain, Data.XTest, Data.YTest)).ParamName);
        Assert.Equal("yTrain", Assert.Throws<ArgumentNullException>(() => Fit(t, Data.XTrain, null!, Data.XTest, Data.YTest)).ParamName);
        Assert.Equal("xTest", Assert.Throws<ArgumentNullException>(() => Fit(t, Data.XTrain, Data.YTrain, null!, Data.YTest)).ParamName);
        Assert.Equal("yTest", Assert.Throws<ArgumentNullException>(() => Fit(t, Data.XTrain, Data.YTrain, Data.XTest, null!)).ParamName);
        Assert.Throws<ArgumentNullException>(() => t.Fit((float[,])null!, new float[1, 1], new float[1, 1], new float[1, 1]));
    }

    [Fact]
    public void Fit_refuses_empty_arrays_naming_the_shape()
    {
        var t = NewTrainer();
        var e = Assert.Throws<ArgumentException>(() => Fit(t, new double[0, 3], new double[0, 1], Data.XTest, Data.YTest));
        Assert.Equal("xTrain", e.ParamName);
        Assert.StartsWith("Trainer.Fit: expected xTrain with at least one row and one column, got xTrain of shape 0x3", e.Message);
        Assert.Equal("yTest", Assert.Throws<ArgumentException>(() => Fit(t, Data.XTrain, Data.YTrain, Data.XTest, new double[20, 0])).ParamName);
        Assert.Throws<ArgumentException>(() => t.Fit(new float[0, 0], new float[0, 0], new float[1, 1], new float[1, 1]));
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public void Fit_refuses_NaN_and_infinity_naming_where_it_is(double bad)
    {
        var x = (double[,])Data.XTrain.Clone();
        x[2, 1] = bad;
        var net = TestData.LinearRegression();
        var e = Assert.Throws<ArgumentException>(() => Fit(NewTrainer(net), x, Data.YTrain, Data.XTest, Data.YTest));
        Assert.Equal("xTrain", e.ParamName);
        Assert.Contains("Trainer.Fit: expected finite values in xTrain, got", e.Message);
        Assert.Contains("at row 2, column 1", e.Message);
        Assert.False(net.HasParameters);
        var y = (float[,])Matrix.ToSingle(Data.YTest).Clone();
        y[0, 0] = float.NaN;
        var s = Assert.Throws<ArgumentException>(() => NewTrainer().Fit(
            Matrix.ToSingle(Data.XTrain), Matrix.ToSingle(Data.YTrain), Matrix.ToSingle(Data.XTest), y));
        Assert.Equal("yTest", s.ParamName);
    }

    [Theory]
    [InlineData(0, 1, 8, 1, "epochs")]
    [InlineData(-5, 1, 8, 1, "epochs")]
    [InlineData(2, 0, 8, 1, "evalEvery")]
    [InlineData(2, 1, 0, 1, "batchSize")]
    [InlineData(2, 1, -32, 1, "batchSize")]
    [InlineData(2, 1, 8, -1, "seed")]
    [InlineData(2, 1, 8, 4294967296L, "seed")]
    public void Fit_refuses_out_of_range_settings_naming_the_setting(int epochs, int evalEvery, int batchSize, long seed, string name)
    {
        var net = TestData.LinearRegression();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => FitDefault(NewTrainer(net), epochs, evalEvery, batchSize, seed));
        Assert.Equal(name, e.ParamName);
        Assert.StartsWith($"Trainer.Fit: expected {name}", e.Message);
        Assert.False(net.HasParameters);
    }

    [Fact]
    public void Fit_accepts_a_batch_larger_than_the_data_and_one_epoch()
    {
        var r = FitDefault(NewTrainer(), epochs: 1, evalEvery: 1, batchSize: 1000);
        Assert.Single(r.Evaluations);
    }

    [Fact]
    public void Fit_refuses_arrays_that_do_not_fit_each_other_or_the_network()
    {
        var t = NewTrainer();
        var rows = Assert.Throws<ShapeMismatchException>(() => Fit(t, Data.XTrain, TestData.Rows(Data.YTrain, 0, 39), Data.XTest, Data.YTest));
        Assert.Equal("Trainer.Fit: expected yTrain with 40 rows like xTrain (40x3), got yTrain of shape 39x1", rows.Message);
        Assert.Throws<ShapeMismatchException>(() => Fit(t, Data.XTrain, Data.YTrain, TestData.Rows(Data.XTest, 0, 19), Data.YTest));
        var cols = Assert.Throws<ShapeMismatchException>(() => Fit(t, Data.XTrain, Data.YTrain, new double[20, 4], Data.YTest));
        Assert.Equal("Trainer.Fit", cols.Operation);
        Assert.Contains("xTest with 3 columns", cols.Expected);
        Assert.Equal("xTest of shape 20x4", cols.Actual);
        var outputs = Assert.Throws<ShapeMismatchException>(() =>
            Fit(t, Data.XTrain, TestData.Filled(40, 2, 1), Data.XTest, TestData.Filled(20, 2, 1)));
        Assert.Contains("the network's outputs", outputs.Message);
    }

    [Fact]
    public void Fit_without_restart_refuses_inputs_of_another_width_than_the_trained_network()
    {
        var net = TestData.LinearRegression();
        var t = NewTrainer(net);
        FitDefault(t);
        var e = Assert.Throws<ShapeMismatchException>(() =>
            Fit(t, TestData.Filled(40, 5, 0.1), Data.YTrain, TestData.Filled(20, 5, 0.1), Data.YTest, restart: false));
        Assert.Contains("restart: true", e.Message);
        Assert.Equal(3, net.InputFeatures);
        // With restart the network is rebuilt for the new width.
        Fit(t, TestData.Filled(40, 5, 0.1), Data.YTrain, TestData.Filled(20, 5, 0.1), Data.YTest);
        Assert.Equal(5, net.InputFeatures);
    }

    // ---------------------------------------------------------------- Predict, Loss, Evaluate

    [Fact]
    public void Predict_Loss_and_Evaluate_before_training_say_the_network_has_no_parameters()
    {
        var net = TestData.LinearRegression();
        Assert.False(net.HasParameters);
        Assert.Null(net.Precision);
        Assert.Null(net.InputFeatures);
        Assert.StartsWith("NeuralNetwork.Predict: the network has no parameters yet",
            Assert.Throws<InvalidOperationException>(() => net.Predict(Data.XTest)).Message);
        Assert.Throws<InvalidOperationException>(() => net.Predict(Matrix.ToSingle(Data.XTest)));
        Assert.Throws<InvalidOperationException>(() => net.Loss(Data.XTest, Data.YTest));
        Assert.Throws<InvalidOperationException>(() => net.Evaluate(Data.XTest, Data.YTest));
        Assert.Throws<InvalidOperationException>(() => net.GetParameters());
    }

    [Fact]
    public void Predict_Loss_and_Evaluate_check_their_arrays()
    {
        var net = TestData.LinearRegression();
        FitDefault(NewTrainer(net));
        Assert.Equal("x", Assert.Throws<ArgumentNullException>(() => net.Predict((double[,])null!)).ParamName);
        Assert.Equal("x", Assert.Throws<ArgumentException>(() => net.Predict(new double[0, 3])).ParamName);
        var nan = TestData.Filled(2, 3, 0);
        nan[1, 2] = double.NaN;
        Assert.Contains("at row 1, column 2", Assert.Throws<ArgumentException>(() => net.Predict(nan)).Message);
        var width = Assert.Throws<ShapeMismatchException>(() => net.Predict(TestData.Filled(2, 4, 0)));
        Assert.Equal("NeuralNetwork.Predict: expected x with 3 columns (the network's input features), got x of shape 2x4", width.Message);
        Assert.Equal("y", Assert.Throws<ArgumentNullException>(() => net.Loss(Data.XTest, null!)).ParamName);
        Assert.Throws<ShapeMismatchException>(() => net.Loss(Data.XTest, TestData.Filled(20, 2, 0)));
        Assert.Throws<ShapeMismatchException>(() => net.Evaluate(Data.XTest, TestData.Filled(19, 1, 0)));
        Assert.Throws<ShapeMismatchException>(() => net.Evaluate(Matrix.ToSingle(Data.XTest), new float[19, 1]));
        Assert.Equal(1, net.Predict(TestData.Filled(1, 3, 0)).GetLength(0));
    }

    // ---------------------------------------------------------------- data helpers

    [Fact]
    public void Matrix_FromRows_refuses_jagged_and_null_rows()
    {
        var jagged = Assert.Throws<ArgumentException>(() => Matrix.FromRows([[1.0, 2.0, 3.0], [4.0, 5.0]]));
        Assert.StartsWith("Matrix.FromRows: expected every row with 3 elements like row 0, got row 1 with 2", jagged.Message);
        Assert.Throws<ArgumentNullException>(() => Matrix.FromRows((double[][])null!));
        Assert.Throws<ArgumentNullException>(() => Matrix.FromRows([[1.0], null!]));
        Assert.Throws<ArgumentException>(() => Matrix.FromRows([new float[] { 1 }, new float[] { 1, 2 }]));
        Assert.Equal(new double[,] { { 1, 2 }, { 3, 4 } }, Matrix.FromRows([[1.0, 2.0], [3.0, 4.0]]));
        Assert.Equal(new double[0, 0], Matrix.FromRows(new double[0][]));
        Assert.Equal(new double[,] { { 1 }, { 2 } }, Matrix.Column([1.0, 2.0]));
        Assert.Equal([[1.0, 2.0], [3.0, 4.0]], Matrix.ToRows(new double[,] { { 1, 2 }, { 3, 4 } }));
    }

    [Fact]
    public void An_array_made_from_no_rows_is_refused_by_Fit_as_empty()
    {
        var e = Assert.Throws<ArgumentException>(() => Fit(NewTrainer(), Matrix.FromRows(new double[0][]), Data.YTrain, Data.XTest, Data.YTest));
        Assert.Contains("got xTrain of shape 0x0", e.Message);
    }

    [Fact]
    public void SetParameters_and_DenseParameters_check_counts_and_shapes()
    {
        var net = new NeuralNetwork([new Dense(4, new Sigmoid()), new Dense(1, new Linear())], new MeanSquaredError());
        var good = new[] { new DenseParameters(new double[3, 4], new double[1, 4]), new DenseParameters(new double[4, 1], new double[1, 1]) };
        Assert.Throws<ArgumentNullException>(() => net.SetParameters(null!));
        Assert.Throws<ShapeMismatchException>(() => net.SetParameters([good[0]]));
        Assert.Throws<ShapeMismatchException>(() => net.SetParameters([good[0], new DenseParameters(new double[5, 1], new double[1, 1])]));
        Assert.Throws<ShapeMismatchException>(() => net.SetParameters([new DenseParameters(new double[3, 2], new double[1, 2]), good[1]]));
        Assert.Throws<ArgumentOutOfRangeException>(() => net.SetParameters(good, (Precision)9));
        Assert.Throws<ArgumentNullException>(() => net.SetParameters([good[0], null!]));
        Assert.Throws<ShapeMismatchException>(() => new DenseParameters(new double[3, 4], new double[1, 3]));
        Assert.Throws<ShapeMismatchException>(() => new DenseParameters(new double[3, 4], new double[2, 4]));
        Assert.Throws<ArgumentException>(() => new DenseParameters(new double[0, 4], new double[1, 4]));
        var nan = new DenseParameters(new double[3, 4], new double[1, 4]);
        nan.Bias[0, 2] = double.NaN;
        Assert.Throws<ArgumentException>(() => net.SetParameters([nan, good[1]]));
        Assert.False(net.HasParameters);
        net.SetParameters(good);
        Assert.Equal(3, net.InputFeatures);
    }

    [Fact]
    public void TrainTestSplit_refuses_null_and_mismatched_arrays()
    {
        Assert.Throws<ArgumentNullException>(() => new TrainTestSplit<double>(null!, Data.YTrain, Data.XTest, Data.YTest));
        Assert.Throws<ShapeMismatchException>(() => new TrainTestSplit<double>(Data.XTrain, Data.YTest, Data.XTest, Data.YTest));
        Assert.Throws<ShapeMismatchException>(() => new TrainTestSplit<double>(Data.XTrain, Data.YTrain, new double[20, 2], Data.YTest));
    }

    [Fact]
    public void Chapter2_refuses_out_of_range_settings()
    {
        Assert.Equal("learningRate", Assert.Throws<ArgumentOutOfRangeException>(() => Chapter2.TrainLinearRegression(learningRate: 0)).ParamName);
        Assert.Equal("batchSize", Assert.Throws<ArgumentOutOfRangeException>(() => Chapter2.TrainLinearRegression(batchSize: 0)).ParamName);
        Assert.Equal("iterations", Assert.Throws<ArgumentOutOfRangeException>(() => Chapter2.TrainLinearRegression(iterations: -1)).ParamName);
        Assert.Equal("seed", Assert.Throws<ArgumentOutOfRangeException>(() => Chapter2.TrainLinearRegression(seed: -1)).ParamName);
        Assert.Equal("hiddenSize", Assert.Throws<ArgumentOutOfRangeException>(() => Chapter2.TrainNeuralNetwork(hiddenSize: 0)).ParamName);
        var twoTargets = new TrainTestSplit<double>(Data.XTrain, TestData.Filled(40, 2, 0), Data.XTest, TestData.Filled(20, 2, 0));
        Assert.Throws<ShapeMismatchException>(() => Chapter2.LeastSquares(twoTargets));
    }
}
