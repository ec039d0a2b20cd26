using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using Xunit;

namespace DeepFunctional.CSharp.Tests;

/// <summary>Progress reports, cancellation, early stopping, output, parameters.</summary>
public class TrainingTests
{
    private static readonly TrainTestSplit<double> Data = TestData.Small();

    [Fact]
    public void Progress_reports_every_batch_epoch_and_evaluation_in_order()
    {
        var recorder = new Recorder();
        var t = new Trainer(TestData.LinearRegression(), new SGD(0.05)) { Output = null };
        t.Fit(Data.XTrain, Data.YTrain, Data.XTest, Data.YTest, epochs: 20, evalEvery: 5, batchSize: 8, progress: recorder);

        var batches = recorder.Reports.Where(r => r.Kind == TrainingProgressKind.BatchCompleted).ToList();
        Assert.Equal(20 * 5, batches.Count); // 40 rows in batches of 8
        Assert.All(batches, b => Assert.True(b.Batches == 5 && b.Epochs == 20 && b.Batch >= 1 && b.Batch <= 5 && double.IsFinite(b.Loss)));
        Assert.Equal(Enumerable.Range(1, 5), batches.Take(5).Select(b => b.Batch));
        var epochs = recorder.Reports.Where(r => r.Kind == TrainingProgressKind.EpochCompleted).Select(r => r.Epoch);
        Assert.Equal(Enumerable.Range(1, 20), epochs);
        var evaluations = recorder.Reports.Where(r => r.Kind == TrainingProgressKind.Evaluated).ToList();
        Assert.Equal([5, 10, 15, 20], evaluations.Select(e => e.Epoch));
        Assert.All(evaluations, e => Assert.Equal(
            $"Validation loss after {e.Epoch} epochs is {e.Loss.ToString("F3", CultureInfo.InvariantCulture)}", e.BookLine));
        // The order within an epoch: its batches, then the epoch, then its evaluation.
        int firstEval = recorder.Reports.FindIndex(r => r.Kind == TrainingProgressKind.Evaluated);
        Assert.Equal(TrainingProgressKind.EpochCompleted, recorder.Reports[firstEval - 1].Kind);
        Assert.Equal(5, recorder.Reports[firstEval - 1].Epoch);
        Assert.Null(batches[0].BookLine);
    }

    [Fact]
    public void Cancelling_from_a_progress_report_stops_training_and_leaves_the_network_as_it_was()
    {
        var net = TestData.LinearRegression();
        var t = new Trainer(net, new SGD(0.05)) { Output = null };
        t.Fit(Data.XTrain, Data.YTrain, Data.XTest, Data.YTest, epochs: 5, evalEvery: 5, batchSize: 8);
        var before = net.GetParameters();

        using var cts = new CancellationTokenSource();
        var recorder = new Recorder(r =>
        {
            if (r.Kind == TrainingProgressKind.BatchCompleted && r.Epoch == 2 && r.Batch == 3)
                cts.Cancel();
        });
        Assert.ThrowsAny<OperationCanceledException>(() => t.Fit(Data.XTrain, Data.YTrain, Data.XTest, Data.YTest,
            epochs: 20, evalEvery: 5, batchSize: 8, progress: recorder, cancellationToken: cts.Token));
        var last = recorder.Reports[^1];
        Assert.Equal((TrainingProgressKind.BatchCompleted, 2, 3), (last.Kind, last.Epoch, last.Batch));
        Assert.Equal(before[0].Weights, net.GetParameters()[0].Weights);
    }

    [Fact]
    public void SynchronousProgress_calls_its_action_on_the_training_thread_and_its_exceptions_end_training()
    {
        int thread = Environment.CurrentManagedThreadId;
        int batches = 0;
        var progress = new SynchronousProgress<TrainingProgress>(p =>
        {
            Assert.Equal(thread, Environment.CurrentManagedThreadId);
            if (p.Kind == TrainingProgressKind.BatchCompleted)
                batches++;
        });
        var t = new Trainer(TestData.LinearRegression(), new SGD(0.05)) { Output = null };
        t.Fit(Data.XTrain, Data.YTrain, Data.XTest, Data.YTest, epochs: 3, evalEvery: 1, batchSize: 8, progress: progress);
        Assert.Equal(15, batches);

        var net = TestData.LinearRegression();
        var failing = new SynchronousProgress<TrainingProgress>(_ => throw new InvalidTimeZoneException("from the handler"));
        var e = Assert.Throws<InvalidTimeZoneException>(() => new Trainer(net, new SGD()) { Output = null }
            .Fit(Data.XTrain, Data.YTrain, Data.XTest, Data.YTest, progress: failing));
        Assert.Equal("from the handler", e.Message);
        Assert.False(net.HasParameters);
        Assert.Throws<ArgumentNullException>(() => new SynchronousProgress<TrainingProgress>(null!));
    }

    [Fact]
    public void A_token_cancelled_before_Fit_stops_before_the_first_batch()
    {
        var net = TestData.LinearRegression();
        var recorder = new Recorder();
        Assert.ThrowsAny<OperationCanceledException>(() => new Trainer(net, new SGD()) { Output = null }
            .Fit(Data.XTrain, Data.YTrain, Data.XTest, Data.YTest, progress: recorder, cancellationToken: new CancellationToken(true)));
        Assert.Empty(recorder.Reports);
        Assert.False(net.HasParameters);
    }

    [Fact]
    public void Early_stopping_prints_the_books_line_and_keeps_the_best_evaluated_model()
    {
        var net = TestData.LinearRegression();
        var output = new StringWriter();
        var recorder = new Recorder();
        var result = new Trainer(net, new SGD(0.6)) { Output = output }
            .Fit(Data.XTrain, Data.YTrain, Data.XTest, Data.YTest, epochs: 50, evalEvery: 1, batchSize: 8, seed: 3, progress: recorder);

        Assert.True(result.StoppedEarly);
        int stop = result.StoppedEarlyAt!.Value;
        Assert.Equal(stop, result.EpochsCompleted);
        Assert.Equal(stop, result.Evaluations[^1].Epoch);
        var stopped = Assert.Single(recorder.Reports, r => r.Kind == TrainingProgressKind.EarlyStopped);
        Assert.Equal(stop, stopped.Epoch);
        var best = result.Evaluations.Take(result.Evaluations.Count - 1).MinBy(e => e.Loss)!;
        Assert.Equal(best.Epoch, stopped.BestEpoch);
        Assert.Equal(best.Loss, stopped.BestLoss);
        Assert.True(stopped.Loss >= best.Loss);
        Assert.Equal(best.Loss, net.Loss(Data.XTest, Data.YTest));
        string line = $"Loss increased after epoch {stop}, final loss was {best.Loss.ToString("F3", CultureInfo.InvariantCulture)}, using the model from epoch {best.Epoch}";
        Assert.Equal(line, stopped.BookLine);
        Assert.EndsWith(line + Environment.NewLine, output.ToString());
    }

    [Fact]
    public void Without_early_stopping_every_epoch_runs()
    {
        var result = new Trainer(TestData.LinearRegression(), new SGD(0.6)) { Output = null }
            .Fit(Data.XTrain, Data.YTrain, Data.XTest, Data.YTest, epochs: 10, evalEvery: 1, batchSize: 8, seed: 3, earlyStopping: false);
        Assert.False(result.StoppedEarly);
        Assert.Null(result.StoppedEarlyAt);
        Assert.Equal(10, result.Evaluations.Count);
    }

    [Fact]
    public void Output_is_the_console_by_default_and_null_silences_it()
    {
        var t = new Trainer(TestData.LinearRegression(), new SGD());
        Assert.Same(Console.Out, t.Output);
        t.Output = null;
        Assert.Null(t.Output);
        var r = t.Fit(Data.XTrain, Data.YTrain, Data.XTest, Data.YTest, epochs: 2, evalEvery: 1);
        Assert.Equal(2, r.Evaluations.Count);
    }

    [Fact]
    public void Training_learns_a_linear_relation_and_exposes_its_parameters_as_arrays()
    {
        var net = TestData.LinearRegression();
        new Trainer(net, new SGD(learningRate: 0.05)) { Output = null }
            .Fit(Data.XTrain, Data.YTrain, Data.XTest, Data.YTest, epochs: 60, evalEvery: 10, batchSize: 8, earlyStopping: false);
        var p = Assert.Single(net.GetParameters());
        Assert.Equal((3, 1), (p.Inputs, p.Neurons));
        Assert.Equal((1, 1), (p.Bias.GetLength(0), p.Bias.GetLength(1)));
        Assert.Equal(1.5, p.Weights[0, 0], 1);
        Assert.Equal(-2.0, p.Weights[1, 0], 1);
        Assert.Equal(0.5, p.Weights[2, 0], 1);
        Assert.True(net.Evaluate(Data.XTest, Data.YTest).MeanAbsoluteError < 0.05);

        // The arrays are the caller's: changing them changes nothing in the network.
        p.Weights[0, 0] = 1000;
        Assert.Equal(1.5, net.GetParameters()[0].Weights[0, 0], 1);
    }

    [Fact]
    public void SetParameters_gives_a_network_parameters_that_Predict_uses_exactly()
    {
        var net = new NeuralNetwork([new Dense(2, new ReLU()), new Dense(1, new Linear())], new MeanSquaredError());
        net.SetParameters(
        [
            new DenseParameters(new double[,] { { 1, -1 }, { 2, 0 } }, new double[,] { { 0, 1 } }),
            new DenseParameters(new double[,] { { 3 }, { 5 } }, new double[,] { { 0.5 } }),
        ]);
        // x = (1, 1): hidden = relu(1+2+0, −1+0+1) = (3, 0); out = 9 + 0 + 0.5.
        // x = (−1, −1): hidden = relu(−1−2+0, 1+0+1) = (0, 2); out = 0 + 10 + 0.5.
        Assert.Equal(new double[,] { { 9.5 }, { 10.5 } }, net.Predict(new double[,] { { 1, 1 }, { -1, -1 } }));
        Assert.Equal(new float[,] { { 9.5f } }, net.Predict(new float[,] { { 1, 1 } }));
        Assert.Equal(Precision.Double, net.Precision);
        Assert.Equal((9.5 - 10) * (9.5 - 10), net.Loss(new double[,] { { 1, 1 } }, new double[,] { { 10 } }));

        net.SetParameters(net.GetParameters(), Precision.Single);
        Assert.Equal(Precision.Single, net.Precision);
        Assert.Equal(new double[,] { { 9.5 } }, net.Predict(new double[,] { { 1, 1 } }));

        net.Reset();
        Assert.False(net.HasParameters);
        Assert.Null(net.Precision);
    }

    [Fact]
    public void Tanh_and_Glorot_layers_train_and_describe_themselves()
    {
        var net = new NeuralNetwork(
            [new Dense(8, new Tanh(), WeightInit.Glorot), new Dense(1, new Linear()) { WeightInit = WeightInit.BookGlorot }],
            new MeanSquaredError(), seed: 9);
        Assert.Equal("NeuralNetwork([Dense(8, Tanh, Glorot), Dense(1, Linear, BookGlorot)], MeanSquaredError, seed: 9)", net.ToString());
        var r = new Trainer(net, new SGD(0.05)) { Output = null }
            .Fit(Data.XTrain, Data.YTrain, Data.XTest, Data.YTest, epochs: 30, evalEvery: 10, batchSize: 8, earlyStopping: false);
        Assert.True(r.Evaluations[^1].Loss < r.Evaluations[0].Loss);
        Assert.Equal(1, net.OutputFeatures);
        Assert.Equal(2, net.Layers.Count);
        Assert.Equal("SGD(learningRate: 0.05)", new SGD(0.05).ToString());
    }
}
