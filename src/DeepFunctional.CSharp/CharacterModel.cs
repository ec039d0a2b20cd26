using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using System.Threading;
using Microsoft.FSharp.Core;
using Core = DeepFunctional;

namespace DeepFunctional.CSharp;

/// <summary>The recurrent cell of a <see cref="CharacterModel"/> (chapter 6).</summary>
public enum RecurrentCell
{
    /// <summary>The vanilla RNN cell (the book's <c>RNNLayer</c>).</summary>
    RNN,

    /// <summary>The LSTM cell (the book's <c>LSTMLayer</c>).</summary>
    LSTM,

    /// <summary>The GRU cell (the book's <c>GRULayer</c>).</summary>
    GRU,
}

/// <summary>The settings of <see cref="CharacterModel.Train"/>; the defaults are the book's chapter-6 experiment.</summary>
public sealed class CharacterTrainingOptions
{
    /// <summary>Windows per batch (default 32).</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Characters per window (default 25).</summary>
    public int SequenceLength { get; init; } = 25;

    /// <summary>Optimizer steps (default 1000).</summary>
    public int Iterations { get; init; } = 1000;

    /// <summary>Generate a sample every this many iterations; 0 for never (default 100).</summary>
    public int SampleEvery { get; init; } = 100;

    /// <summary>Characters per sample (default 100).</summary>
    public int SampleLength { get; init; } = 100;

    /// <summary>The softmax temperature of the samples (default 1).</summary>
    public double Temperature { get; init; } = 1.0;

    /// <summary>The seed of the samples' draws (default 1).</summary>
    public long SampleSeed { get; init; } = 1;

    /// <summary>The optimizer; the book's AdaGrad(0.01) clipping gradients to [−2, 2] when null.</summary>
    public Optimizer? Optimizer { get; init; }

    /// <summary>Sees every iteration and every sample (called on the training thread).</summary>
    public IProgress<CharacterTrainingReport>? Progress { get; init; }

    /// <summary>Checked between iterations (<see cref="OperationCanceledException"/>).</summary>
    public CancellationToken Cancellation { get; init; }
}

/// <summary>One report of a character model's training: after an iteration, or a sample of generated text.</summary>
public sealed class CharacterTrainingReport
{
    internal CharacterTrainingReport(int iteration, double movingAverageLoss, string? sample)
    {
        Iteration = iteration;
        MovingAverageLoss = movingAverageLoss;
        Sample = sample;
    }

    /// <summary>The iteration just finished (1-based).</summary>
    public int Iteration { get; }

    /// <summary>The mean loss of the last 100 iterations in nats per character (NaN for a sample report).</summary>
    public double MovingAverageLoss { get; }

    /// <summary>Generated text, for a sample report; else null.</summary>
    public string? Sample { get; }
}

/// <summary>What <see cref="CharacterModel.Train"/> did.</summary>
public sealed class CharacterTrainingResult
{
    internal CharacterTrainingResult(double[] losses, double[] movingAverages)
    {
        Losses = losses;
        MovingAverages = movingAverages;
    }

    /// <summary>The loss of every iteration, in nats per character.</summary>
    public IReadOnlyList<double> Losses { get; }

    /// <summary>The moving average of the last 100 losses after every iteration.</summary>
    public IReadOnlyList<double> MovingAverages { get; }
}

/// <summary>The model in one precision.</summary>
internal abstract class CharacterState
{
    internal abstract Precision Precision { get; }
}

/// <summary>The model in the precision <typeparamref name="T"/>.</summary>
internal sealed class CharacterState<T>(Core.CharModel<T> model) : CharacterState where T : IFloatingPointIeee754<T>
{
    internal Core.CharModel<T> Model { get; } = model;

    internal override Precision Precision => Interop.PrecisionOf<T>();
}

/// <summary>
/// A character-level language model (chapter 6, the book's <c>RNNModel</c> and <c>RNNTrainer</c>): one recurrent layer
/// over one-hot characters projecting to a logit per symbol at every step, its state carried from batch to batch,
/// trained to predict the next character and able to generate text. Built on <see cref="NeuralNetwork"/>; saved in the
/// same model file format.
/// </summary>
public sealed class CharacterModel
{
    private CharacterState _state;

    /// <summary>A model over the characters of <paramref name="text"/>, its parameters drawn from <paramref name="seed"/>.</summary>
    /// <param name="text">The text whose distinct characters make the vocabulary (at least 2 of them).</param>
    /// <param name="hiddenSize">The recurrent layer's hidden units (the book's 256).</param>
    /// <param name="cell">The recurrent cell.</param>
    /// <param name="seed">The seed of the parameters, in 0..4294967295.</param>
    /// <param name="precision">The precision of the parameters.</param>
    /// <exception cref="ArgumentNullException">when the text is null.</exception>
    /// <exception cref="Core.InvalidValueException">when a value is out of range.</exception>
    public CharacterModel(string text, int hiddenSize = 256, RecurrentCell cell = RecurrentCell.LSTM, long seed = 1,
                          Precision precision = CSharp.Precision.Double)
    {
        ArgumentNullException.ThrowIfNull(text);
        var vocabulary = Core.CharModel.vocabulary(text);
        if (vocabulary.Length < 2)
            throw new Core.InvalidValueException("CharacterModel", "a text of at least 2 distinct characters", $"{vocabulary.Length}", nameof(text));
        Layer.CheckPositive("CharacterModel", "a hidden size", hiddenSize, nameof(hiddenSize));
        if (seed < 0 || seed > uint.MaxValue)
            throw new Core.InvalidValueException("CharacterModel", "a seed in 0..4294967295", $"{seed}", nameof(seed));
        var kind = cell switch { RecurrentCell.RNN => Core.CellKind.Rnn, RecurrentCell.GRU => Core.CellKind.Gru, _ => Core.CellKind.Lstm };
        var spec = new Core.SequenceLayerSpec(kind, hiddenSize, FSharpOption<int>.Some(vocabulary.Length), true, true, FSharpOption<double>.None);
        var layers = Interop.List([spec]);
        _state = precision == CSharp.Precision.Single
            ? new CharacterState<float>(Core.CharModel.create<float>(vocabulary, layers, seed))
            : new CharacterState<double>(Core.CharModel.create<double>(vocabulary, layers, seed));
    }

    private CharacterModel(CharacterState state) => _state = state;

    /// <summary>The symbols, sorted and distinct; a character's index is its one-hot position.</summary>
    public char[] Vocabulary => _state switch
    {
        CharacterState<float> f => f.Model.Vocabulary.ToArray(),
        CharacterState<double> d => d.Model.Vocabulary.ToArray(),
        _ => [],
    };

    /// <summary>The precision of the parameters.</summary>
    public Precision Precision => _state.Precision;

    /// <summary>The network: one-hot characters [rows; seq; V] → logits [rows; seq; V] (a copy of the model's).</summary>
    public NeuralNetwork Network => _state switch
    {
        CharacterState<float> f => Wrap(f.Model),
        CharacterState<double> d => Wrap(d.Model),
        _ => throw new InvalidOperationException(),
    };

    private static NeuralNetwork Wrap<T>(Core.CharModel<T> m) where T : IFloatingPointIeee754<T>
    {
        var n = m.Network;
        return new NeuralNetwork(n.Layers, n.Loss, n.Seed, n.Seeding, n.Backend) { State = new NetworkState<T>(n, [1, m.Vocabulary.Length]) };
    }

    /// <summary>
    /// Trains on <paramref name="text"/> as the book's <c>RNNTrainer</c> does: windows of the text one-hot encoded, one
    /// optimizer step per iteration, the carried state going on from window to window. Updates the model in place.
    /// </summary>
    /// <param name="text">The training text; every character must be in <see cref="Vocabulary"/>.</param>
    /// <param name="options">The settings; the book's when null.</param>
    /// <returns>The loss of every iteration.</returns>
    /// <exception cref="Core.InvalidValueException">when a setting is out of range or the text is too short or has other characters.</exception>
    /// <exception cref="OperationCanceledException">when the cancellation token is cancelled.</exception>
    public CharacterTrainingResult Train(string text, CharacterTrainingOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        options ??= new CharacterTrainingOptions();
        return _state switch
        {
            CharacterState<float> f => TrainAs(f, text, options),
            CharacterState<double> d => TrainAs(d, text, options),
            _ => throw new InvalidOperationException(),
        };
    }

    private CharacterTrainingResult TrainAs<T>(CharacterState<T> state, string text, CharacterTrainingOptions o) where T : IFloatingPointIeee754<T>
    {
        const string op = "CharacterModel.Train";
        static void Check(bool ok, string name, object value, string expected)
        {
            if (!ok)
                throw new Core.InvalidValueException(op, expected, $"{value}", name);
        }
        Check(o.BatchSize >= 1, nameof(o.BatchSize), o.BatchSize, "a BatchSize of at least 1");
        Check(o.SequenceLength >= 1, nameof(o.SequenceLength), o.SequenceLength, "a SequenceLength of at least 1");
        Check(o.Iterations >= 0, nameof(o.Iterations), o.Iterations, "Iterations of 0 or more");
        Check(o.SampleEvery >= 0, nameof(o.SampleEvery), o.SampleEvery, "a SampleEvery of 0 (never) or more");
        Check(o.SampleLength >= 0, nameof(o.SampleLength), o.SampleLength, "a SampleLength of 0 or more");
        Check(double.IsFinite(o.Temperature) && o.Temperature > 0, nameof(o.Temperature), o.Temperature, "a finite, positive Temperature");
        var vocabulary = state.Model.Vocabulary;
        foreach (var c in text)
            if (Array.BinarySearch(vocabulary, c) < 0)
                throw new Core.InvalidValueException(op, "characters of the model's vocabulary", $"'{c}'", nameof(text));
        if (text.Length < o.BatchSize + o.SequenceLength + 1)
            throw new Core.InvalidValueException(op, $"a text of at least {o.BatchSize + o.SequenceLength + 1} characters", $"{text.Length}", nameof(text));
        var settings = new Core.CharTraining(o.BatchSize, o.SequenceLength, o.Iterations, o.SampleEvery, o.SampleLength, o.Temperature,
            o.SampleSeed, Core.CharModel.sumLoss);
        var optimizer = o.Optimizer?.ToCore(op) ?? Core.Book.Chapter6.optimizer;
        var progress = o.Progress;
        void OnEvent(Core.CharTrainingEvent e)
        {
            switch (e)
            {
                case Core.CharTrainingEvent.Iteration i: progress?.Report(new CharacterTrainingReport(i.iteration, i.movingAverageLoss, null)); break;
                case Core.CharTrainingEvent.Sample s: progress?.Report(new CharacterTrainingReport(s.iteration, double.NaN, s.text)); break;
            }
        }
        var result = Core.CharModel.trainWith(o.Cancellation, settings, optimizer, text, state.Model, FuncConvert.FromAction<Core.CharTrainingEvent>(OnEvent));
        _state = new CharacterState<T>(result.Model);
        return new CharacterTrainingResult(result.Losses.ToArray(), result.MovingAverages.ToArray());
    }

    /// <summary>
    /// Generates <paramref name="length"/> characters after <paramref name="start"/>, each drawn from
    /// softmax(logits / temperature) of the model fed its previous character. The model is not changed.
    /// </summary>
    /// <param name="start">A character of the vocabulary.</param>
    /// <param name="length">The number of characters to generate (0 or more).</param>
    /// <param name="temperature">Finite and positive; 1 samples the model's own distribution.</param>
    /// <param name="seed">The seed of the draws.</param>
    /// <returns>The generated characters (without <paramref name="start"/>).</returns>
    /// <exception cref="Core.InvalidValueException">when a value is out of range (ParamName names it).</exception>
    public string Sample(char start, int length, double temperature = 1.0, long seed = 1) =>
        _state switch
        {
            CharacterState<float> f => Core.CharModel.sample(f.Model, start, length, temperature, Core.RngModule.seed(seed)).Item1,
            CharacterState<double> d => Core.CharModel.sample(d.Model, start, length, temperature, Core.RngModule.seed(seed)).Item1,
            _ => throw new InvalidOperationException(),
        };

    /// <summary>Saves the model (its network and vocabulary) to a model file, the format of <see cref="NeuralNetwork.Save"/>.</summary>
    /// <param name="path">The file to write.</param>
    /// <exception cref="Core.FileWriteException">when the file cannot be written there.</exception>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        switch (_state)
        {
            case CharacterState<float> f: Core.ModelFile.save(path, Core.ModelFile.ofCharModel(f.Model)); break;
            case CharacterState<double> d: Core.ModelFile.save(path, Core.ModelFile.ofCharModel(d.Model)); break;
        }
    }

    /// <summary>Reads a model saved by <see cref="Save"/>, in the precision the file holds.</summary>
    /// <param name="path">The model file.</param>
    /// <exception cref="Core.DataFormatException">when the file is not a character model's file.</exception>
    public static CharacterModel Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Core.ModelFile.precision(path) == "float32"
            ? new CharacterModel(new CharacterState<float>(Core.ModelFile.toCharModel(path, Core.ModelFile.load<float>(path))))
            : new CharacterModel(new CharacterState<double>(Core.ModelFile.toCharModel(path, Core.ModelFile.load<double>(path))));
    }

    /// <summary>e.g. "CharacterModel(62 symbols, LSTM(256), Double)".</summary>
    public override string ToString()
    {
        var layer = Network.CoreLayers.Head as Core.Layer.Sequence;
        string cell = layer?.Item.Kind.Tag switch { Core.CellKind.Tags.Rnn => "RNN", Core.CellKind.Tags.Gru => "GRU", _ => "LSTM" };
        return $"CharacterModel({Vocabulary.Length} symbols, {cell}({layer?.Item.Hidden}), {Precision})";
    }
}
