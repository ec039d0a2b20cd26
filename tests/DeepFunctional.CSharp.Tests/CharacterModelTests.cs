using System;
using System.IO;
using System.Linq;
using System.Threading;
using Xunit;

namespace DeepFunctional.CSharp.Tests;

/// <summary>The chapter-6 facade: CharacterModel, the AdaGrad and Adam optimizers and gradient clipping.</summary>
public class CharacterModelTests
{
    private static readonly string Text = string.Concat(Enumerable.Repeat("the cat sat on the mat. ", 20));

    private static readonly CharacterTrainingOptions Small = new() { BatchSize = 4, SequenceLength = 5, Iterations = 40, SampleEvery = 20, SampleLength = 10 };

    [Fact]
    public void A_model_has_the_sorted_symbols_of_its_text_and_its_layers_with_output_sizes_filled_in()
    {
        var model = CharacterModel.Create(Text, [new RecurrentLayer(RecurrentCell.GRU, 8), new RecurrentLayer(RecurrentCell.LSTM, 10)]);
        Assert.Equal(" .acehmnost", model.Vocabulary);
        Assert.Equal([new RecurrentLayer(RecurrentCell.GRU, 8) { OutputSize = 8 }, new RecurrentLayer(RecurrentCell.LSTM, 10) { OutputSize = 11 }], model.Layers);
        Assert.Equal(Precision.Double, model.Precision);
        Assert.Equal("CharacterModel(11 symbols; GRU(8 -> 8), LSTM(10 -> 11); Double)", model.ToString());
    }

    [Fact]
    public void Training_reports_every_iteration_with_samples_and_lowers_the_loss_without_changing_the_model_it_started_from()
    {
        var model = CharacterModel.Create(Text, [new RecurrentLayer(RecurrentCell.LSTM, 12)], Precision.Single);
        var reports = new System.Collections.Generic.List<CharacterTrainingReport>();
        var result = model.Train(Text, new Adam(0.01) { GradientClip = 2 }, Small with { Iterations = 120, SampleEvery = 60 }, new SynchronousProgress<CharacterTrainingReport>(reports.Add));
        Assert.Equal(Enumerable.Range(1, 120), reports.Select(r => r.Iteration));
        Assert.Equal([60, 120], reports.Where(r => r.Sample is not null).Select(r => r.Iteration));
        Assert.All(reports.Where(r => r.Sample is not null), r => Assert.Equal(10, r.Sample!.Length));
        Assert.True(result.MovingAverages[^1] < result.MovingAverages[9] - 0.3, $"{result.MovingAverages[9]} -> {result.MovingAverages[^1]}");
        Assert.Equal(model.Generate(30, seed: 5), CharacterModel.Create(Text, [new RecurrentLayer(RecurrentCell.LSTM, 12)], Precision.Single).Generate(30, seed: 5));
        Assert.NotEqual(model.Generate(30, seed: 5), result.Model.Generate(30, seed: 5));
    }

    [Fact]
    public void A_saved_model_loads_back_and_generates_the_same_text()
    {
        string path = Path.Combine(Path.GetTempPath(), "df-facade-" + Guid.NewGuid().ToString("N") + ".dfcm");
        try
        {
            var trained = CharacterModel.Create(Text, [new RecurrentLayer(RecurrentCell.RNN, 6)]).Train(Text, new AdaGrad(0.05) { GradientClip = 2 }, Small).Model;
            trained.Save(path);
            var loaded = CharacterModel.Load(path);
            Assert.Equal(trained.ToString(), loaded.ToString());
            Assert.Equal(trained.Generate(40, 't', 0.7, 3), loaded.Generate(40, 't', 0.7, 3));
            File.WriteAllBytes(path, [1, 2, 3]);
            var e = Assert.Throws<DataFormatException>(() => CharacterModel.Load(path));
            Assert.Contains("does not start with DFCHARMODEL", e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Training_stops_when_cancelled()
    {
        var model = CharacterModel.Create(Text, [new RecurrentLayer(RecurrentCell.GRU, 4)]);
        using var cts = new CancellationTokenSource();
        int seen = 0;
        Assert.ThrowsAny<OperationCanceledException>(() => model.Train(Text, new SGD(0.1), Small,
            new SynchronousProgress<CharacterTrainingReport>(r => { if (++seen == 3) cts.Cancel(); }), cts.Token));
        Assert.Equal(3, seen);
    }

    [Fact]
    public void Bad_arguments_are_refused_naming_the_operation()
    {
        Assert.Throws<ArgumentNullException>(() => CharacterModel.Create(null!, [new RecurrentLayer(RecurrentCell.LSTM, 3)]));
        Assert.Contains("CharacterModel.Create", Assert.Throws<ArgumentException>(() => CharacterModel.Create(Text, [])).Message);
        Assert.ThrowsAny<ArgumentException>(() => CharacterModel.Create(Text, [new RecurrentLayer(RecurrentCell.LSTM, 0)]));
        var model = CharacterModel.Create(Text, [new RecurrentLayer(RecurrentCell.LSTM, 3)]);
        Assert.ThrowsAny<ArgumentException>(() => model.Train("xyz", new SGD(), Small));
        Assert.ThrowsAny<ArgumentException>(() => model.Generate(5, 'Z'));
        Assert.Contains("gradientClip", Assert.Throws<ArgumentOutOfRangeException>(() => new AdaGrad { GradientClip = -1 }).Message);
        Assert.Equal("Adam(learningRate: 0.001)", new Adam().ToString());
    }
}
