using System;
using System.Linq;
using System.Threading;
using Xunit;

namespace DeepFunctional.CSharp.Tests;

/// <summary>Trainer.Fit with FitOptions: determinism, progress, early stopping, cancellation, checkpoints and resume.</summary>
public class TrainingTests
{
    private static double[][] Parameters(NeuralNetwork n) => n.GetParameters().Select(p => p.Values).ToArray();

    private static NeuralNetwork Hidden(long seed = 5) => new([new Dense(6, new Sigmoid()), new Dense(1)], new MeanSquaredError(), seed);

    [Fact]
    public void Fit_learns_a_linear_map_and_reports_every_batch_and_evaluation()
    {
        var (x, y, xt, yt) = TestData.Small();
        var net = TestData.LinearRegression();
        var recorder = new Recorder();
        var result = new Trainer(net, new SGD(0.05)).Fit(x, y, xt, yt, new FitOptions { Epochs = 40, EvalEvery = 10, BatchSize = 8, Progress = recorder });
        Assert.Equal([10, 20, 30, 40], result.Evaluations.Select(e => e.Epoch));
        Assert.True(result.Evaluations[^1].Loss < 0.01, $"{result.Evaluations[^1].Loss}");
        Assert.Equal(40, result.EpochsCompleted);
        Assert.Equal(40 * 5, result.BatchLosses.Count);
        Assert.Equal(40 * 5, recorder.Reports.Count(r => r.Kind == TrainingProgressKind.Batch));
        Assert.Equal(40, recorder.Reports.Count(r => r.Kind == TrainingProgressKind.Epoch));
        Assert.Equal(result.Evaluations.Select(e => e.Loss), recorder.Reports.Where(r => r.Kind == TrainingProgressKind.Evaluation).Select(r => r.Loss));
        Assert.Equal(result.BatchLosses, recorder.Reports.Where(r => r.Kind == TrainingProgressKind.Batch).Select(r => r.Loss));
        Assert.Equal(result.Evaluations[^1].Loss, net.ComputeLoss(xt, yt));
        var w = net.GetParameters()[0].Values;
        Assert.Equal(1.5, w[0], 1);
        Assert.Equal(-2.0, w[1], 1);
    }

    [Fact]
    public void Fit_is_deterministic_for_a_seed_and_restart_draws_the_same_parameters_again()
    {
        var (x, y, _, _) = TestData.Small();
        var net = Hidden();
        var trainer = new Trainer(net, new SGDMomentum(0.05, 0.9));
        var a = trainer.Fit(x, y, new FitOptions { Epochs = 5, BatchSize = 8, Seed = 3 });
        var pa = Parameters(net);
        var b = trainer.Fit(x, y, new FitOptions { Epochs = 5, BatchSize = 8, Seed = 3 });
        Assert.Equal(a.BatchLosses, b.BatchLosses);
        Assert.Equal(pa, Parameters(net));
        trainer.Fit(x, y, new FitOptions { Epochs = 5, BatchSize = 8, Seed = 4 });
        Assert.NotEqual(pa, Parameters(net));
    }

    [Fact]
    public void Restart_false_goes_on_from_the_trained_parameters()
    {
        var (x, y, _, _) = TestData.Small();
        var net = TestData.LinearRegression();
        var trainer = new Trainer(net, new SGD(0.05));
        var first = trainer.Fit(x, y, new FitOptions { Epochs = 2, BatchSize = 8 });
        var next = trainer.Fit(x, y, new FitOptions { Epochs = 2, BatchSize = 8, Restart = false });
        Assert.True(next.BatchLosses[0] < first.BatchLosses[0] / 2);
    }

    [Fact]
    public void Early_stopping_stops_at_the_first_evaluation_that_does_not_improve_and_keeps_the_best_network()
    {
        var (x, y, xt, _) = TestData.Small();
        // Test targets unrelated to the inputs: the test loss soon rises.
        var random = new Random(3);
        var yt = new double[20, 1];
        for (int i = 0; i < 20; i++)
            yt[i, 0] = random.NextDouble() * 10 - 5;
        var net = Hidden();
        var recorder = new Recorder();
        var result = new Trainer(net, new SGD(0.1)).Fit(x, y, xt, yt, new FitOptions { Epochs = 200, EvalEvery = 1, BatchSize = 8, Progress = recorder });
        Assert.NotNull(result.StoppedEarlyAt);
        var stop = Assert.Single(recorder.Reports, r => r.Kind == TrainingProgressKind.EarlyStop);
        Assert.Equal(result.StoppedEarlyAt, stop.Epoch);
        Assert.Equal(stop.BestLoss, net.ComputeLoss(xt, yt));
        Assert.Equal(result.Evaluations.Min(e => e.Loss), stop.BestLoss);
        var without = new Trainer(Hidden(), new SGD(0.1)).Fit(x, y, xt, yt, new FitOptions { Epochs = 30, EvalEvery = 1, BatchSize = 8, EarlyStopping = false });
        Assert.Null(without.StoppedEarlyAt);
        Assert.Equal(30, without.Evaluations.Count);
    }

    [Fact]
    public void Cancelling_a_fit_keeps_the_parameters_of_the_last_completed_batch()
    {
        // 32 rows in batches of 8: 4 batches an epoch. Cancel after the last batch of epoch 1; the fit stops before epoch 2.
        var (x, y, _, _) = TestData.Small();
        x = TestData.Rows(x, 0, 32);
        y = TestData.Rows(y, 0, 32);
        var oneEpoch = Hidden();
        new Trainer(oneEpoch, new Adam(0.01)).Fit(x, y, new FitOptions { Epochs = 1, BatchSize = 8 });

        using var cts = new CancellationTokenSource();
        var net = Hidden();
        var recorder = new Recorder(r =>
        {
            if (r.Kind == TrainingProgressKind.Batch && r.Epoch == 1 && r.Batch == 4)
                cts.Cancel();
        });
        var e = Assert.ThrowsAny<OperationCanceledException>(() =>
            new Trainer(net, new Adam(0.01)).Fit(x, y, new FitOptions { Epochs = 3, BatchSize = 8, Progress = recorder, Cancellation = cts.Token }));
        Assert.Contains("Trainer.Fit: cancelled before batch 1 of epoch 2", e.Message);
        Assert.Equal(cts.Token, e.CancellationToken);
        Assert.Equal(4, recorder.Reports.Count(r => r.Kind == TrainingProgressKind.Batch));
        Assert.Equal(Parameters(oneEpoch), Parameters(net));
    }

    [Fact]
    public void Cancelling_before_the_first_batch_leaves_an_untrained_network_untrained()
    {
        var (x, y, _, _) = TestData.Small();
        var net = Hidden();
        Assert.ThrowsAny<OperationCanceledException>(() =>
            new Trainer(net, new SGD()).Fit(x, y, new FitOptions { Cancellation = new CancellationToken(true) }));
        Assert.False(net.IsInitialized);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(9)]
    public void A_fit_resumed_from_its_checkpoint_ends_bit_for_bit_as_the_fit_uninterrupted(int cancelAfterBatches)
    {
        var (x, y, xt, yt) = TestData.Small();
        FitOptions Options(string path, IProgress<TrainingProgress>? progress = null, CancellationToken token = default) => new()
        {
            Epochs = 4, EvalEvery = 2, BatchSize = 8, Seed = 11, EarlyStopping = false,
            Checkpoint = new CheckpointOptions { Path = path, Every = 2 }, Progress = progress, Cancellation = token,
        };
        var whole = Hidden();
        var wholeResult = new Trainer(whole, new SGDMomentum(0.05, 0.9) { Decay = DecayType.Linear, FinalLearningRate = 0.01 })
            .Fit(x, y, xt, yt, Options(TestData.TempFile("whole.safetensors")));

        var path = TestData.TempFile("checkpoint.safetensors");
        using var cts = new CancellationTokenSource();
        int batches = 0;
        var interrupted = Hidden();
        var optimizer = new SGDMomentum(0.05, 0.9) { Decay = DecayType.Linear, FinalLearningRate = 0.01 };
        Assert.ThrowsAny<OperationCanceledException>(() => new Trainer(interrupted, optimizer).Fit(x, y, xt, yt,
            Options(path, new Recorder(r => { if (r.Kind == TrainingProgressKind.Batch && ++batches == cancelAfterBatches) cts.Cancel(); }), cts.Token)));
        Assert.NotEqual(Parameters(whole), Parameters(interrupted));

        var resumed = Hidden();
        var result = new Trainer(resumed, optimizer).Resume(path, x, y, xt, yt, Options(path));
        Assert.Equal(Parameters(whole), Parameters(resumed));
        Assert.Equal(wholeResult.Evaluations.Select(e => (e.Epoch, e.Loss)), result.Evaluations.Select(e => (e.Epoch, e.Loss)));
        Assert.Equal(wholeResult.BatchLosses.Skip(cancelAfterBatches), result.BatchLosses);
        Assert.Equal(whole.Predict(xt), resumed.Predict(xt));
    }

    [Fact]
    public void Resume_refuses_a_checkpoint_of_other_settings_or_another_network()
    {
        var (x, y, _, _) = TestData.Small();
        var path = TestData.TempFile("c.safetensors");
        var options = new FitOptions { Epochs = 2, BatchSize = 8, Checkpoint = new CheckpointOptions { Path = path, Every = 1 } };
        new Trainer(Hidden(), new SGD()).Fit(x, y, options);
        var e = Assert.Throws<global::DeepFunctional.InvalidValueException>(() =>
            new Trainer(Hidden(), new SGD()).Resume(path, x, y, new FitOptions { Epochs = 3, BatchSize = 8 }));
        Assert.StartsWith("Trainer.Resume: expected the settings the checkpoint was written with", e.Message);
        Assert.Throws<global::DeepFunctional.InvalidValueException>(() =>
            new Trainer(Hidden(), new SGD(0.02)).Resume(path, x, y, options));
        Assert.True(System.IO.File.Exists(path));
        Assert.Throws<global::DeepFunctional.DataFormatException>(() =>
            new Trainer(TestData.LinearRegression(), new SGD()).Resume(path, x, y, options));
    }

    [Theory]
    [InlineData("Epochs")]
    [InlineData("EvalEvery")]
    [InlineData("BatchSize")]
    [InlineData("Seed")]
    [InlineData("Checkpoint.Every")]
    [InlineData("Checkpoint.Path")]
    public void FitOptions_out_of_range_give_a_typed_exception_naming_the_property(string property)
    {
        var (x, y, _, _) = TestData.Small();
        var options = property switch
        {
            "Epochs" => new FitOptions { Epochs = 0 },
            "EvalEvery" => new FitOptions { EvalEvery = 0 },
            "BatchSize" => new FitOptions { BatchSize = -1 },
            "Seed" => new FitOptions { Seed = -1 },
            "Checkpoint.Every" => new FitOptions { Checkpoint = new CheckpointOptions { Path = TestData.TempFile("c"), Every = 0 } },
            _ => new FitOptions { Checkpoint = new CheckpointOptions { Path = "" } },
        };
        var net = TestData.LinearRegression();
        var e = Assert.Throws<global::DeepFunctional.InvalidValueException>(() => new Trainer(net, new SGD()).Fit(x, y, options));
        Assert.Equal(property, e.ParamName);
        Assert.StartsWith("Trainer.Fit: expected", e.Message);
        Assert.False(net.IsInitialized);
    }

    [Fact]
    public void The_default_options_are_the_books()
    {
        var o = new FitOptions();
        Assert.Equal((100, 10, 32, 1L, true, true), (o.Epochs, o.EvalEvery, o.BatchSize, o.Seed, o.Restart, o.EarlyStopping));
        Assert.Null(o.Checkpoint);
        Assert.Equal(100, new CheckpointOptions { Path = "x" }.Every);
    }

    [Theory]
    [InlineData(DecayType.Linear, new[] { 0.15, 0.1, 0.05 })]
    [InlineData(DecayType.Exponential, new[] { 0.2, 0.1, 0.05 })]
    public void A_decaying_learning_rate_trains_differently_from_a_constant_one(DecayType decay, double[] rates)
    {
        var (x, y, _, _) = TestData.Small();
        double[][] Run(Optimizer o)
        {
            var n = TestData.LinearRegression();
            new Trainer(n, o).Fit(x, y, new FitOptions { Epochs = rates.Length, BatchSize = 40 });
            return Parameters(n);
        }
        // One batch an epoch: SGD with the scheduled rates equals three one-epoch fits at those rates in turn.
        var decayed = Run(new SGD(rates[0]) { Decay = decay, FinalLearningRate = rates[^1] });
        var n = TestData.LinearRegression();
        for (int e = 0; e < rates.Length; e++)
            new Trainer(n, new SGD(rates[e])).Fit(x, y, new FitOptions { Epochs = 1, BatchSize = 40, Restart = e == 0 });
        var expected = Parameters(n);
        for (int k = 0; k < expected.Length; k++)
            for (int i = 0; i < expected[k].Length; i++)
                Assert.Equal(expected[k][i], decayed[k][i], 10);
        Assert.NotEqual(Run(new SGD(rates[0])), decayed);
    }

    [Fact]
    public void Optimizers_describe_themselves_and_check_their_settings()
    {
        Assert.Equal("SGD(learningRate: 0.01)", new SGD().ToString());
        Assert.Equal("SGDMomentum(learningRate: 0.2, momentum: 0.9, Exponential decay to 0.05)",
            new SGDMomentum(0.2, 0.9) { Decay = DecayType.Exponential, FinalLearningRate = 0.05 }.ToString());
        Assert.Equal("AdaGrad(learningRate: 0.01, clip 2)", new AdaGrad(0.01) { ClipGradients = 2 }.ToString());
        Assert.Equal("Adam(learningRate: 0.001)", new Adam().ToString());
        Assert.Equal(new SGD(0.1), new SGD { LearningRate = 0.1 });
        Assert.Equal("learningRate", Assert.Throws<global::DeepFunctional.InvalidValueException>(() => new SGD(0)).ParamName);
        Assert.Equal("LearningRate", Assert.Throws<global::DeepFunctional.InvalidValueException>(() => new SGD { LearningRate = double.NaN }).ParamName);
        Assert.Equal("momentum", Assert.Throws<global::DeepFunctional.InvalidValueException>(() => new SGDMomentum(0.1, 1)).ParamName);
        Assert.Equal("Beta1", Assert.Throws<global::DeepFunctional.InvalidValueException>(() => new Adam { Beta1 = 1 }).ParamName);
        var (x, y, _, _) = TestData.Small();
        var e = Assert.Throws<global::DeepFunctional.InvalidValueException>(() =>
            new Trainer(TestData.LinearRegression(), new SGD { Decay = DecayType.Linear }).Fit(x, y));
        Assert.Equal("FinalLearningRate", e.ParamName);
    }

    [Theory]
    [InlineData("sgd")]
    [InlineData("momentum")]
    [InlineData("adagrad")]
    [InlineData("adam")]
    public void Every_optimizer_lowers_the_training_loss(string name)
    {
        Optimizer o = name switch
        {
            "sgd" => new SGD(0.05), "momentum" => new SGDMomentum(0.02, 0.9), "adagrad" => new AdaGrad(0.1), _ => new Adam(0.02),
        };
        var (x, y, _, _) = TestData.Small();
        var result = new Trainer(Hidden(), o).Fit(x, y, new FitOptions { Epochs = 30, BatchSize = 8 });
        Assert.True(result.BatchLosses.TakeLast(5).Average() < 0.5 * result.BatchLosses.Take(5).Average(), name);
    }

    [Fact]
    public void Training_with_dropout_is_reproducible_and_differs_from_training_without()
    {
        var (x, y, _, _) = TestData.Small();
        double[][] Run(double keep)
        {
            var n = new NeuralNetwork([new Dense(8, new Tanh()) { KeepProbability = keep }, new Dense(1)], new MeanSquaredError(), 2);
            new Trainer(n, new SGD(0.05)).Fit(x, y, new FitOptions { Epochs = 3, BatchSize = 8 });
            return Parameters(n);
        }
        Assert.Equal(Run(0.8), Run(0.8));
        Assert.NotEqual(Run(0.8), Run(1.0));
    }

    [Fact]
    public void Single_precision_training_follows_double_precision_closely()
    {
        var (x, y, _, _) = TestData.Small();
        var d = Hidden();
        new Trainer(d, new SGD(0.05)).Fit(x, y, new FitOptions { Epochs = 5, BatchSize = 8 });
        var f = Hidden();
        var xf = new float[x.GetLength(0), x.GetLength(1)];
        var yf = new float[y.GetLength(0), 1];
        for (int i = 0; i < x.GetLength(0); i++)
        {
            for (int j = 0; j < x.GetLength(1); j++)
                xf[i, j] = (float)x[i, j];
            yf[i, 0] = (float)y[i, 0];
        }
        var result = new Trainer(f, new SGD(0.05)).Fit(xf, yf, new FitOptions { Epochs = 5, BatchSize = 8 });
        Assert.Equal(Precision.Single, result.Precision);
        Assert.Equal(Precision.Single, f.Precision);
        var pd = d.Predict(x);
        var pf = f.Predict(xf);
        for (int i = 0; i < pd.GetLength(0); i++)
            Assert.Equal(pd[i, 0], pf[i, 0], 3);
    }
}
