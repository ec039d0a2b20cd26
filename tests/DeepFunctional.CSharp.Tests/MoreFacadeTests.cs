using System;
using System.IO;
using System.Linq;
using System.Threading;
using Xunit;
using Idx = DeepFunctional.Idx;

namespace DeepFunctional.CSharp.Tests;

/// <summary>The character model, sequence targets, embeddings, summaries, progress lines and image files.</summary>
public class MoreFacadeTests
{
    private const string Text = "the quick brown fox jumps over the lazy dog and the quick brown fox runs off again and again ";

    [Fact]
    public void A_character_model_learns_a_repeating_text_and_samples_from_its_vocabulary()
    {
        var text = string.Concat(Enumerable.Repeat("abcabd", 60));
        var model = new CharacterModel(text, hiddenSize: 16, seed: 3);
        Assert.Equal(['a', 'b', 'c', 'd'], model.Vocabulary);
        Assert.Equal(Precision.Double, model.Precision);
        var reports = new System.Collections.Generic.List<CharacterTrainingReport>();
        var result = model.Train(text, new CharacterTrainingOptions
        {
            Iterations = 150, BatchSize = 8, SequenceLength = 6, SampleEvery = 50, SampleLength = 12,
            Optimizer = new AdaGrad(0.1) { ClipGradients = 2 }, Progress = new SyncProgress<CharacterTrainingReport>(reports.Add),
        });
        Assert.Equal(150, result.Losses.Count);
        Assert.True(result.MovingAverages[^1] < 0.6 * result.Losses[0], $"{result.Losses[0]} -> {result.MovingAverages[^1]}");
        Assert.Equal(3, reports.Count(r => r.Sample is not null));
        Assert.Equal(150, reports.Count(r => r.Sample is null));
        var sample = model.Sample('a', 30, temperature: 0.5, seed: 4);
        Assert.Equal(30, sample.Length);
        Assert.All(sample, c => Assert.Contains(c, "abcd"));
        Assert.Equal(sample, model.Sample('a', 30, temperature: 0.5, seed: 4));
        Assert.Equal("CharacterModel(4 symbols, LSTM(16), Double)", model.ToString());
        Assert.Equal([[6, 4]], model.Network.OutputShapes([6, 4]));
    }

    [Fact]
    public void A_character_model_checks_its_settings_naming_them()
    {
        Assert.Equal("text", Assert.Throws<global::DeepFunctional.InvalidValueException>(() => new CharacterModel("aaaa")).ParamName);
        Assert.Equal("hiddenSize", Assert.Throws<global::DeepFunctional.InvalidValueException>(() => new CharacterModel(Text, hiddenSize: 0)).ParamName);
        var model = new CharacterModel(Text, hiddenSize: 4, cell: RecurrentCell.GRU, precision: Precision.Single);
        Assert.Equal(Precision.Single, model.Precision);
        Assert.Equal("BatchSize", Assert.Throws<global::DeepFunctional.InvalidValueException>(() => model.Train(Text, new CharacterTrainingOptions { BatchSize = 0 })).ParamName);
        Assert.Equal("Temperature", Assert.Throws<global::DeepFunctional.InvalidValueException>(() => model.Train(Text, new CharacterTrainingOptions { Temperature = 0 })).ParamName);
        Assert.Equal("text", Assert.Throws<global::DeepFunctional.InvalidValueException>(() => model.Train("xyz!")).ParamName);
        Assert.Equal("text", Assert.Throws<global::DeepFunctional.InvalidValueException>(() => model.Train("the", new CharacterTrainingOptions { BatchSize = 4 })).ParamName);
        Assert.Equal("start", Assert.Throws<global::DeepFunctional.InvalidValueException>(() => model.Sample('#', 3)).ParamName);
        Assert.Equal("length", Assert.Throws<global::DeepFunctional.InvalidValueException>(() => model.Sample('t', -1)).ParamName);
        Assert.ThrowsAny<OperationCanceledException>(() => model.Train(Text, new CharacterTrainingOptions
        {
            BatchSize = 4, SequenceLength = 5, Iterations = 3, Cancellation = new CancellationToken(true),
        }));
        var rnn = new CharacterModel(Text, hiddenSize: 4, cell: RecurrentCell.RNN);
        Assert.Equal(5, rnn.Train(Text, new CharacterTrainingOptions { BatchSize = 4, SequenceLength = 5, Iterations = 5, SampleEvery = 0 }).Losses.Count);
    }

    [Fact]
    public void A_network_returning_sequences_trains_on_targets_at_every_step_in_both_precisions()
    {
        // Target at every step: the running mean of the first feature so far.
        var x = (double[,,])TestData.Random(typeof(double), 3, 32, 5, 2);
        var y = new double[32, 5, 1];
        for (int i = 0; i < 32; i++)
        {
            double sum = 0;
            for (int t = 0; t < 5; t++)
            {
                sum += x[i, t, 0];
                y[i, t, 0] = sum / (t + 1);
            }
        }
        var net = new NeuralNetwork([new GRU(8, returnSequences: true), new SimpleRNN(1, returnSequences: true)], new MeanSquaredError(), 2);
        var result = new Trainer(net, new Adam(0.02)).Fit(x, y, new FitOptions { Epochs = 40, BatchSize = 8 });
        Assert.True(result.BatchLosses.TakeLast(4).Average() < 0.5 * result.BatchLosses.Take(4).Average());
        Assert.Equal(new[] { 32, 5, 1 }, Enumerable.Range(0, 3).Select(net.PredictSequence(x).GetLength));
        Assert.Equal(40 * 4, result.BatchLosses.Count);

        var xf = (float[,,])TestData.Random(typeof(float), 3, 8, 5, 2);
        var yf = (float[,,])TestData.Random(typeof(float), 4, 8, 5, 1);
        var single = new NeuralNetwork([new LSTM(4, returnSequences: true), new Dropout(0.9)], new MeanSquaredError(), 2);
        Assert.Equal("y", Assert.Throws<global::DeepFunctional.ShapeMismatchException>(() => new Trainer(single, new SGD()).Fit(xf, yf)).ParamName);
        var net2 = new NeuralNetwork([new LSTM(1, returnSequences: true)], new MeanSquaredError(), 2);
        new Trainer(net2, new SGD()).Fit(xf, yf, xf, yf, new FitOptions { Epochs = 2, EvalEvery = 1 });
        Assert.Equal(Precision.Single, net2.Precision);
        Assert.Equal(8 * 5, net2.PredictSequence(xf).Length);
    }

    [Fact]
    public void An_embedding_network_learns_which_token_a_sequence_starts_with()
    {
        var random = new Random(1);
        var x = new double[120, 4];
        var labels = new int[120];
        for (int i = 0; i < 120; i++)
        {
            for (int t = 0; t < 4; t++)
                x[i, t] = random.Next(6);
            labels[i] = (int)x[i, 0] % 2;
        }
        var net = new NeuralNetwork([new Embedding(6, 4), new Flatten(), new Dense(2)], new SoftmaxCrossEntropy(), 3);
        new Trainer(net, new Adam(0.05)).Fit(x, TestData.OneHot(labels, 2), new FitOptions { Epochs = 30, BatchSize = 16 });
        Assert.Equal(1.0, Classification.Accuracy(Classification.Argmax(net.Predict(x)), labels));
        Assert.Equal([6, 4], net.GetParameters()[0].Shape);
        Assert.Equal("x", Assert.Throws<global::DeepFunctional.InvalidValueException>(() =>
            new Trainer(net, new SGD()).Fit(new double[,] { { 9, 0, 0, 0 } }, new double[,] { { 1, 0 } })).ParamName);
    }

    [Fact]
    public void A_learning_rate_schedule_changes_training_and_cannot_be_combined_with_the_books_decay()
    {
        var x = new double[,] { { 1, 0 }, { 0, 1 }, { 1, 1 }, { 0, 0 } };
        var y = new double[,] { { 1 }, { 0 }, { 1 }, { 0 } };
        double[] Train(Optimizer o)
        {
            var net = new NeuralNetwork([new Dense(1, new Linear())], new MeanSquaredError(), seed: 3);
            new Trainer(net, o).Fit(x, y, new FitOptions { Epochs = 3, BatchSize = 2, EarlyStopping = false });
            return net.GetParameters()[0].Values.ToArray();
        }
        var step = new SGD(0.1) { Schedule = LearningRateSchedule.Step(1, 0.5), ScheduleUnit = ScheduleUnit.Batch };
        Assert.Equal("SGD(learningRate: 0.1, Step(every 1, gamma 0.5) per batch)", step.ToString());
        Assert.NotEqual(Train(new SGD(0.1)), Train(step));
        Assert.Equal(0.025, LearningRateSchedule.Step(1, 0.5).RateAt(0.1, 2), 15);
        var both = new SGD(0.1) { Decay = DecayType.Linear, FinalLearningRate = 0.01, Schedule = LearningRateSchedule.Cosine(5) };
        Assert.Equal("Schedule", Assert.Throws<global::DeepFunctional.InvalidValueException>(() => Train(both)).ParamName);
        var bad = new SGD(0.1) { Schedule = LearningRateSchedule.Step(0, 0.5) };
        Assert.Equal("Schedule", Assert.Throws<global::DeepFunctional.InvalidValueException>(() => Train(bad)).ParamName);
    }

    private static string[] Cells(string line) => line.Split("  ", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    [Fact]
    public void Summary_lists_every_layers_output_shape_and_parameters()
    {
        var net = new NeuralNetwork([new Conv2D(2, 3, new ReLU()) { Bias = true }, new MaxPool2D(2), new Flatten(), new Dense(3)], new SoftmaxCrossEntropy());
        var lines = net.Summary([1, 4, 4]).Split(Environment.NewLine);
        Assert.Equal(["layer", "output shape", "parameters"], lines[0].Split("  ", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.Equal(["Conv2D(2, 3x3, relu, stride 1, padding 1)", "2x4x4", "20"], Cells(lines[2]));
        Assert.Equal(["MaxPool2D(2x2, stride 2)", "2x2x2", "0"], Cells(lines[3]));
        Assert.Equal(["Flatten", "8", "0"], Cells(lines[4]));
        Assert.Equal(["Dense(3, linear)", "3", "27"], Cells(lines[5]));
        Assert.Equal(["total", "47"], Cells(lines[7]));
        Assert.Equal("input 1x4x4, loss SoftmaxCrossEntropy", lines[8].Replace("[1; 4; 4]", "1x4x4"));
        Assert.Throws<InvalidOperationException>(() => net.Summary());
        net.Initialize([1, 4, 4], Precision.Single);
        Assert.Equal(47, net.ParameterCount);
        Assert.Equal(string.Join(Environment.NewLine, lines), net.Summary());
        Assert.Equal(["layers.0.W [1; 2; 3; 3]", "layers.0.B [2]", "layers.3.W [8; 3]", "layers.3.B [1; 3]"], net.GetParameters().Select(p => p.ToString()));
        net.Reset();
        Assert.False(net.IsInitialized);
    }

    [Fact]
    public void Progress_reports_read_as_the_books_lines()
    {
        var (x, y, xt, yt) = TestData.Small();
        var recorder = new Recorder();
        new Trainer(TestData.LinearRegression(), new SGD(0.05)).Fit(x, y, xt, yt, new FitOptions { Epochs = 2, EvalEvery = 2, BatchSize = 20, Progress = recorder });
        Assert.Matches(@"^batch 1/2 of epoch 1: loss \d+\.\d{3}$", recorder.Reports[0].ToString());
        Assert.Equal("epoch 1/2 done", recorder.Reports.First(r => r.Kind == TrainingProgressKind.Epoch).ToString());
        Assert.Matches(@"^Validation loss after 2 epochs is \d+\.\d{3}$", recorder.Reports.Last().ToString());
        Assert.Equal((1, 2), (recorder.Reports[0].Batch, recorder.Reports[0].Batches));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Image_sets_read_from_IDX_files_and_MNIST_folders(bool gzip)
    {
        var set = new ImageSet(2, 3, 4, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], [3, 0]);
        Assert.Equal((2, 2, 3, 4), (set.Count, set.Rows, set.Cols, set.Classes));
        var folder = Path.GetDirectoryName(TestData.TempFile("x"))!;
        var compression = gzip ? global::DeepFunctional.IdxCompression.Gzip : global::DeepFunctional.IdxCompression.Uncompressed;
        string suffix = gzip ? ".gz" : "";
        foreach (var (name, labels) in new[] { ("train", "train"), ("t10k", "t10k") })
        {
            Idx.writeImages(compression, Path.Combine(folder, $"{name}-images-idx3-ubyte{suffix}"), new global::DeepFunctional.IdxImages(2, 2, 3, set.Pixels));
            Idx.writeLabels(compression, Path.Combine(folder, $"{labels}-labels-idx1-ubyte{suffix}"), set.Labels);
        }
        var data = ImageDataSet.LoadMnist(folder);
        Assert.Equal(set.Pixels, data.Train.Pixels);
        Assert.Equal(set.Labels, data.Test.Labels);
        Assert.Equal(10, data.Train.Classes);
        var one = ImageSet.Load(Path.Combine(folder, $"train-images-idx3-ubyte{suffix}"), Path.Combine(folder, $"train-labels-idx1-ubyte{suffix}"));
        Assert.Equal("ImageSet(2 images of 2x3, 10 classes)", one.ToString());
        Assert.ThrowsAny<IOException>(() => ImageDataSet.LoadMnist(Path.Combine(folder, "missing")));
        Assert.Equal("test", Assert.Throws<global::DeepFunctional.ShapeMismatchException>(() => new ImageDataSet(set, new ImageSet(3, 2, 4, new byte[6], [1]))).ParamName);
    }
}

/// <summary>An <see cref="IProgress{T}"/> that calls its action synchronously.</summary>
internal sealed class SyncProgress<T>(Action<T> action) : IProgress<T>
{
    public void Report(T value) => action(value);
}
