using System;
using System.Linq;
using Xunit;

namespace DeepFunctional.CSharp.Tests;

/// <summary>
/// Chapter 4's building blocks in the facade: softmax cross-entropy, normalised MSE, momentum and
/// learning-rate decay, dropout, the book's early-stopping model and the per-epoch training loss.
/// </summary>
public class Chapter4FacadeTests
{
    private static readonly TrainTestSplit<double> Data = TestData.Small();

    /// <summary>A network whose output is its input: one linear layer with W = I and B = 0.</summary>
    private static NeuralNetwork Identity(int n, Loss loss, Layer? layer = null)
    {
        var net = new NeuralNetwork([layer ?? new Dense(n, new Linear())], loss);
        var w = new double[n, n];
        for (int i = 0; i < n; i++)
            w[i, i] = 1;
        net.SetParameters([new DenseParameters(w, new double[1, n])]);
        return net;
    }

    private static readonly double[,] Logits = { { 2.0, -1.0, 0.5 }, { 0.0, 3.0, -2.0 } };
    private static readonly double[,] Targets = { { 1, 0, 0 }, { 0, 0, 1 } };

    private static double[] Softmax(double[,] x, int row)
    {
        var e = Enumerable.Range(0, x.GetLength(1)).Select(j => Math.Exp(x[row, j])).ToArray();
        return e.Select(v => v / e.Sum()).ToArray();
    }

    // ---------------------------------------------------------------- losses

    [Fact]
    public void SoftmaxCrossEntropy_is_the_mean_negative_log_probability_of_the_target_class()
    {
        double expected = -(Math.Log(Softmax(Logits, 0)[0]) + Math.Log(Softmax(Logits, 1)[2])) / 2;
        Assert.Equal(expected, Identity(3, new SoftmaxCrossEntropy()).Loss(Logits, Targets), 12);
    }

    [Fact]
    public void SoftmaxCrossEntropy_in_book_mode_reports_the_books_sum_of_binary_cross_entropies()
    {
        double expected = 0;
        for (int i = 0; i < 2; i++)
        {
            var p = Softmax(Logits, i);
            for (int j = 0; j < 3; j++)
                expected += -Targets[i, j] * Math.Log(p[j]) - (1 - Targets[i, j]) * Math.Log(1 - p[j]);
        }
        var net = Identity(3, new SoftmaxCrossEntropy { BookCompatible = true });
        Assert.Equal(expected / 2, net.Loss(Logits, Targets), 12);
    }

    [Fact]
    public void SoftmaxCrossEntropy_clips_probabilities_at_eps()
    {
        double[,] sure = { { 100.0, 0.0 } };
        double[,] wrong = { { 0.0, 1.0 } };
        Assert.Equal(-Math.Log(1e-9), Identity(2, new SoftmaxCrossEntropy()).Loss(sure, wrong), 9);
        Assert.Equal(-Math.Log(1e-4), Identity(2, new SoftmaxCrossEntropy(eps: 1e-4)).Loss(sure, wrong), 9);
        Assert.Equal(SoftmaxCrossEntropy.DefaultEps, new SoftmaxCrossEntropy().Eps);
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(0.5)]
    [InlineData(double.NaN)]
    public void SoftmaxCrossEntropy_refuses_an_eps_outside_0_to_one_half(double eps)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new SoftmaxCrossEntropy(eps));
        Assert.Equal("eps", e.ParamName);
        Assert.StartsWith("SoftmaxCrossEntropy: expected eps in [0, 0.5), got", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new SoftmaxCrossEntropy { Eps = eps });
    }

    [Fact]
    public void MeanSquaredError_with_Normalize_compares_each_row_divided_by_its_sum()
    {
        double[,] p = { { 1.0, 3.0 }, { 2.0, 2.0 } };
        double[,] y = { { 0.0, 1.0 }, { 1.0, 0.0 } };
        double expected = (0.25 * 0.25 + 0.25 * 0.25 + 0.5 * 0.5 + 0.5 * 0.5) / 2;
        Assert.Equal(expected, Identity(2, new MeanSquaredError { Normalize = true }).Loss(p, y), 14);
        Assert.Equal(expected, Identity(2, new MeanSquaredError { Normalize = true, BookCompatible = true }).Loss(p, y), 14);
        Assert.Equal((1 + 4 + 1 + 4) / 2.0, Identity(2, new MeanSquaredError()).Loss(p, y), 14);
    }

    [Fact]
    public void The_books_normalised_MSE_gradient_trains_differently_from_the_true_one()
    {
        double[] Trained(bool book)
        {
            var net = new NeuralNetwork([new Dense(2, new Sigmoid())], new MeanSquaredError { Normalize = true, BookCompatible = book }, seed: 3);
            var y = Data.YTrain;
            var target = new double[y.GetLength(0), 2];
            for (int i = 0; i < target.GetLength(0); i++)
                target[i, y[i, 0] > 0 ? 0 : 1] = 1;
            new Trainer(net, new SGD(0.5)) { Output = null }.Fit(Data.XTrain, target, Data.XTrain, target, epochs: 2, evalEvery: 2, batchSize: 8);
            return net.GetParameters()[0].Weights.Cast<double>().ToArray();
        }
        Assert.NotEqual(Trained(book: false), Trained(book: true));
    }

    [Fact]
    public void Losses_describe_themselves_with_their_options()
    {
        Assert.Equal("SoftmaxCrossEntropy", new SoftmaxCrossEntropy().ToString());
        Assert.Equal("SoftmaxCrossEntropy(eps: 0.001, book)", new SoftmaxCrossEntropy(0.001) { BookCompatible = true }.ToString());
        Assert.Equal("MeanSquaredError", new MeanSquaredError { BookCompatible = true }.ToString());
        Assert.Equal("MeanSquaredError(normalize)", new MeanSquaredError { Normalize = true }.ToString());
        Assert.Equal("MeanSquaredError(normalize, book)", new MeanSquaredError { Normalize = true, BookCompatible = true }.ToString());
    }

    // ---------------------------------------------------------------- optimizers

    private static double[,] TrainedWeights(Optimizer optimizer, int epochs = 3, int batchSize = 8, long seed = 1, bool restart = true,
        NeuralNetwork? net = null)
    {
        net ??= TestData.LinearRegression();
        new Trainer(net, optimizer) { Output = null }
            .Fit(Data.XTrain, Data.YTrain, Data.XTest, Data.YTest, epochs: epochs, evalEvery: epochs, batchSize: batchSize, seed: seed,
                restart: restart, earlyStopping: false);
        return net.GetParameters()[0].Weights;
    }

    [Fact]
    public void SGDMomentum_with_momentum_0_is_plain_SGD_and_with_0_9_is_not()
    {
        Assert.Equal(TrainedWeights(new SGD(0.05)), TrainedWeights(new SGDMomentum(0.05, momentum: 0)));
        Assert.NotEqual(TrainedWeights(new SGD(0.05)), TrainedWeights(new SGDMomentum(0.05)));
        Assert.Equal(0.9, new SGDMomentum().Momentum);
        Assert.Equal(0.01, new SGDMomentum().LearningRate);
        Assert.Equal("SGDMomentum(learningRate: 0.1, momentum: 0.9)", new SGDMomentum(0.1).ToString());
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(-0.1)]
    [InlineData(double.NaN)]
    public void SGDMomentum_refuses_a_momentum_outside_0_to_1(double momentum)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new SGDMomentum(0.1, momentum));
        Assert.Equal("momentum", e.ParamName);
        Assert.StartsWith("SGDMomentum: expected momentum in [0, 1), got", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new SGDMomentum { Momentum = momentum });
        Assert.StartsWith("SGDMomentum: expected a finite learningRate > 0, got 0",
            Assert.Throws<ArgumentOutOfRangeException>(() => new SGDMomentum(0)).Message);
    }

    [Theory]
    [InlineData(DecayType.Linear, new[] { 0.15, 0.1, 0.05 })]
    [InlineData(DecayType.Exponential, new[] { 0.2, 0.1, 0.05 })]
    public void A_decaying_learning_rate_trains_each_epoch_with_its_scheduled_rate(DecayType decay, double[] rates)
    {
        // One batch per epoch, so an epoch is one step with that epoch's rate.
        var decayed = TrainedWeights(new SGD(rates[0]) { DecayType = decay, FinalLearningRate = rates[^1] }, epochs: 3, batchSize: 40);
        var net = TestData.LinearRegression();
        double[,] stepwise = new double[0, 0];
        for (int e = 0; e < 3; e++)
            stepwise = TrainedWeights(new SGD(rates[e]), epochs: 1, batchSize: 40, restart: e == 0, net: net);
        for (int i = 0; i < 3; i++)
            Assert.Equal(stepwise[i, 0], decayed[i, 0], 12);
    }

    [Theory]
    [InlineData(DecayType.Linear)]
    [InlineData(DecayType.Exponential)]
    public void A_decay_to_the_same_rate_changes_nothing(DecayType decay)
    {
        Assert.Equal(TrainedWeights(new SGDMomentum(0.05)), TrainedWeights(new SGDMomentum(0.05) { DecayType = decay, FinalLearningRate = 0.05 }));
    }

    [Fact]
    public void A_decay_needs_both_a_type_and_a_final_rate_and_the_trainer_says_which_is_missing()
    {
        var net = TestData.LinearRegression();
        var noType = Assert.Throws<ArgumentException>(() => new Trainer(net, new SGD(0.1) { FinalLearningRate = 0.05 }));
        Assert.StartsWith("SGD: expected a DecayType (Linear or Exponential) with FinalLearningRate 0.05, got DecayType None", noType.Message);
        var noFinal = Assert.Throws<ArgumentException>(() => new Trainer(net, new SGDMomentum(0.1) { DecayType = DecayType.Exponential }));
        Assert.StartsWith("SGDMomentum: expected a FinalLearningRate with DecayType Exponential, got none", noFinal.Message);
        Assert.StartsWith("SGD: expected a finite finalLearningRate > 0, got 0",
            Assert.Throws<ArgumentOutOfRangeException>(() => new SGD { FinalLearningRate = 0 }).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new SGD { DecayType = (DecayType)9 });
        Assert.Equal("SGD(learningRate: 0.15, Linear decay to 0.05)",
            new SGD(0.15) { DecayType = DecayType.Linear, FinalLearningRate = 0.05 }.ToString());
    }

    // ---------------------------------------------------------------- dropout

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void Dense_refuses_a_keep_probability_outside_0_to_1(double keep)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new Dense(4, keepProbability: keep));
        Assert.Equal("keepProbability", e.ParamName);
        Assert.StartsWith("Dense: expected keepProbability in (0, 1], got", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Dense(4) { KeepProbability = keep });
        Assert.Throws<ArgumentOutOfRangeException>(() => new Dense(4) { DropoutScaling = (DropoutScaling)5 });
    }

    [Theory]
    [InlineData(DropoutScaling.Inverted, 1.0)]
    [InlineData(DropoutScaling.Book, 0.5)]
    public void Prediction_with_dropout_uses_no_mask_and_scales_as_its_scaling_says(DropoutScaling scaling, double factor)
    {
        var layer = new Dense(3, new Linear(), keepProbability: 0.5) { DropoutScaling = scaling };
        var net = Identity(3, new MeanSquaredError(), layer);
        var prediction = net.Predict(Logits);
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 3; j++)
                Assert.Equal(factor * Logits[i, j], prediction[i, j], 15);
    }

    [Fact]
    public void Training_with_dropout_is_reproducible_and_differs_from_training_without()
    {
        NeuralNetwork Net(double keep) =>
            new([new Dense(8, new Tanh(), WeightInit.Glorot, keep), new Dense(1, new Linear())], new MeanSquaredError(), seed: 4);
        var a = TrainedWeights(new SGD(0.05), net: Net(0.8));
        Assert.Equal(a, TrainedWeights(new SGD(0.05), net: Net(0.8)));
        Assert.NotEqual(a, TrainedWeights(new SGD(0.05), net: Net(1.0)));
    }

    [Fact]
    public void Dense_describes_its_dropout()
    {
        Assert.Equal("Dense(178, Tanh, Glorot, keep 0.8)", new Dense(178, new Tanh(), WeightInit.Glorot, 0.8).ToString());
        Assert.Equal("Dense(46, Tanh, keep 0.8 book)", new Dense(46, new Tanh()) { KeepProbability = 0.8, DropoutScaling = DropoutScaling.Book }.ToString());
        Assert.Equal(1.0, new Dense(3).KeepProbability);
        Assert.Equal(DropoutScaling.Inverted, new Dense(3).DropoutScaling);
    }

    // ---------------------------------------------------------------- early stopping and training loss

    private static (FitResult Result, DenseParameters Kept) StopEarly(EarlyStoppingModel model)
    {
        var net = TestData.LinearRegression();
        var result = new Trainer(net, new SGD(0.4)) { Output = null }.Fit(Data.XTrain, Data.YTrain, Data.XTest, Data.YTest,
            epochs: 60, evalEvery: 3, batchSize: 8, seed: 1, earlyStoppingModel: model);
        return (result, net.GetParameters()[0]);
    }

    private static DenseParameters After(int epochs)
    {
        var net = TestData.LinearRegression();
        new Trainer(net, new SGD(0.4)) { Output = null }.Fit(Data.XTrain, Data.YTrain, Data.XTest, Data.YTest,
            epochs: epochs, evalEvery: 3, batchSize: 8, seed: 1, earlyStopping: false);
        return net.GetParameters()[0];
    }

    [Fact]
    public void Early_stopping_keeps_the_best_evaluated_model_or_with_the_books_choice_the_model_from_before_the_last_epoch()
    {
        var (best, bestKept) = StopEarly(EarlyStoppingModel.Best);
        var (book, bookKept) = StopEarly(EarlyStoppingModel.Book);
        int stop = Assert.IsType<int>(best.StoppedEarlyAt);
        Assert.Equal(stop, book.StoppedEarlyAt);
        Assert.True(stop >= 6, $"expected the run to stop at epoch 6 or later, got {stop}");
        var bestEpoch = best.Evaluations.Take(best.Evaluations.Count - 1).MinBy(e => e.Loss)!.Epoch;

        Assert.Equal(After(bestEpoch).Weights, bestKept.Weights);
        Assert.Equal(After(stop - 1).Weights, bookKept.Weights);
        Assert.NotEqual(bestKept.Weights, bookKept.Weights);
        Assert.Throws<ArgumentOutOfRangeException>(() => StopEarly((EarlyStoppingModel)3));
    }

    [Fact]
    public void The_training_loss_of_each_epoch_is_the_mean_of_its_batch_losses()
    {
        var recorder = new Recorder();
        var result = new Trainer(TestData.LinearRegression(), new SGDMomentum(0.05)) { Output = null }
            .Fit(Data.XTrain, Data.YTrain, Data.XTest, Data.YTest, epochs: 4, evalEvery: 2, batchSize: 16, progress: recorder);
        var expected = recorder.Reports.Where(r => r.Kind == TrainingProgressKind.BatchCompleted)
            .GroupBy(r => r.Epoch).Select(g => g.Average(r => r.Loss)).ToArray();
        Assert.Equal(4, result.TrainingLosses.Count);
        Assert.Equal(3, recorder.Reports.Count(r => r.Kind == TrainingProgressKind.BatchCompleted && r.Epoch == 1));
        for (int e = 0; e < 4; e++)
            Assert.Equal(expected[e], result.TrainingLosses[e], 14);
        Assert.True(result.TrainingLosses[3] < result.TrainingLosses[0]);
    }
}
