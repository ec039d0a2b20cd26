using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using Microsoft.FSharp.Core;
using Core = global::DeepFunctional;

namespace DeepFunctional.CSharp;

/// <summary>The recurrent cell a sequence layer runs at every time step (chapter 6).</summary>
public enum RecurrentCell
{
    /// <summary>The vanilla RNN cell (the book's <c>RNNLayer</c>).</summary>
    RNN,

    /// <summary>The LSTM cell (the book's <c>LSTMLayer</c>).</summary>
    LSTM,

    /// <summary>The GRU cell with the standard equations (the book's <c>GRULayer</c>).</summary>
    GRU,
}

/// <summary>
/// A sequence layer of a character model: its cell and hidden size (the book's <c>hidden_size</c>), and
/// optionally its output size (the book's <c>output_size</c>; by default its hidden size, and the vocabulary's
/// size for the last layer) and weight scale (by default 2/(inputs + outputs)).
/// </summary>
/// <param name="Cell">The cell.</param>
/// <param name="HiddenSize">The size of the hidden state; at least 1.</param>
public sealed record RecurrentLayer(RecurrentCell Cell, int HiddenSize)
{
    /// <summary>The size of the layer's output projection, or null for the default.</summary>
    public int? OutputSize { get; init; }

    /// <summary>The standard deviation of the initial weights, or null for 2/(inputs + outputs).</summary>
    public double? WeightScale { get; init; }

    /// <summary>A short description, such as <c>LSTM(256)</c>.</summary>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Cell}({HiddenSize}{(OutputSize is int o ? $" -> {o}" : "")})");
}

/// <summary>How the loss over every time step is scaled for training.</summary>
public enum CharacterLossScaling
{
    /// <summary>
    /// The total cross-entropy over batch and time, gradient p − y as in the book, reported per character (the
    /// default): with AdaGrad this keeps its eps small beside the squared gradients, as in the book.
    /// </summary>
    Sum,

    /// <summary>The mean cross-entropy per character, gradient (p − y)/N.</summary>
    Mean,

    /// <summary>The book's loss value (its chapter-4 loss summed over batch and time) and gradient.</summary>
    Book,
}

/// <summary>The settings of <see cref="CharacterModel.Train"/>; the defaults are the book's experiment.</summary>
public sealed record CharacterTrainingOptions
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

    /// <summary>The seed of the samples' random draws (default 1).</summary>
    public long SampleSeed { get; init; } = 1;

    /// <summary>How the loss is scaled (default <see cref="CharacterLossScaling.Sum"/>).</summary>
    public CharacterLossScaling LossScaling { get; init; } = CharacterLossScaling.Sum;
}

/// <summary>One report of a training run: after every iteration, and with a sample every SampleEvery iterations.</summary>
/// <param name="Iteration">The iteration just finished (1-based).</param>
/// <param name="Iterations">The iterations of the run.</param>
/// <param name="MovingAverageLoss">The mean loss of the last 100 iterations, in nats per character (except with the book's scaling).</param>
/// <param name="Sample">Generated text after this iteration, or null.</param>
public sealed record CharacterTrainingReport(int Iteration, int Iterations, double MovingAverageLoss, string? Sample);

/// <summary>What <see cref="CharacterModel.Train"/> returns.</summary>
/// <param name="Model">The trained model.</param>
/// <param name="Losses">The loss of every iteration, in nats per character.</param>
/// <param name="MovingAverages">The moving average of the last 100 losses after every iteration.</param>
public sealed record CharacterTrainingResult(CharacterModel Model, IReadOnlyList<double> Losses, IReadOnlyList<double> MovingAverages);

/// <summary>
/// A character-level language model (chapter 6, the book's <c>RNNModel</c> with its <c>RNNTrainer</c>): sequence
/// layers over one-hot characters, trained to predict the next character, and able to generate text. Immutable:
/// training returns a new model.
/// </summary>
public sealed class CharacterModel
{
    private readonly Core.CharModel<double>? _double;
    private readonly Core.CharModel<float>? _single;

    private CharacterModel(Core.CharModel<double>? d, Core.CharModel<float>? s)
    {
        _double = d;
        _single = s;
    }

    /// <summary>The Shakespeare text of the book's experiments (99,993 characters, 62 symbols).</summary>
    public static string ShakespeareText => Core.Datasets.shakespeare();

    /// <summary>The precision of the model's arithmetic.</summary>
    public Precision Precision => _double is not null ? Precision.Double : Precision.Single;

    /// <summary>The symbols the model reads and writes, sorted.</summary>
    public string Vocabulary => new(_double is not null ? _double.Vocabulary : _single!.Vocabulary);

    /// <summary>The layers, with their output sizes filled in.</summary>
    public IReadOnlyList<RecurrentLayer> Layers =>
        (_double is not null ? _double.Layers.Select(l => l.Spec) : _single!.Layers.Select(l => l.Spec))
        .Select(s => new RecurrentLayer(s.Kind.IsLstm ? RecurrentCell.LSTM : s.Kind.IsGru ? RecurrentCell.GRU : RecurrentCell.RNN, s.Hidden)
        {
            OutputSize = s.Outputs,
            WeightScale = Interop.ValueOrNull(s.WeightScale),
        })
        .ToArray();

    /// <summary>A model over the symbols of <paramref name="text"/> with the given layers, drawn from the seed.</summary>
    /// <param name="text">The text whose distinct characters form the vocabulary.</param>
    /// <param name="layers">The layers, input side first; at least one.</param>
    /// <param name="precision">The arithmetic precision.</param>
    /// <param name="seed">The seed of the initial weights, 0..4294967295.</param>
    /// <exception cref="ArgumentNullException">when text or layers is null.</exception>
    /// <exception cref="ArgumentException">when the text is empty, there are no layers, or a size is below 1.</exception>
    public static CharacterModel Create(string text, IReadOnlyList<RecurrentLayer> layers, Precision precision = Precision.Double, long seed = 1)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(layers);
        Guard.Seed("CharacterModel.Create", nameof(seed), seed);
        if (layers.Count == 0)
            throw new ArgumentException(Guard.Message("CharacterModel.Create", "at least one layer", "none"), nameof(layers));
        var vocabulary = Core.CharModel.vocabulary(text);
        var specs = layers.Select((l, i) =>
        {
            ArgumentNullException.ThrowIfNull(l, nameof(layers));
            int outputs = l.OutputSize ?? (i == layers.Count - 1 ? vocabulary.Length : l.HiddenSize);
            var spec = l.Cell switch
            {
                RecurrentCell.LSTM => Core.SequenceLayer.lstm(l.HiddenSize, outputs),
                RecurrentCell.GRU => Core.SequenceLayer.gru(l.HiddenSize, outputs),
                _ => Core.SequenceLayer.rnn(l.HiddenSize, outputs),
            };
            return l.WeightScale is double w ? Core.SequenceLayer.withWeightScale(w, spec) : spec;
        }).ToArray();
        var rng = Core.RngModule.seed(seed);
        return precision == Precision.Double
            ? new CharacterModel(Core.CharModel.create<double>(vocabulary, Interop.List(specs), rng).Item1, null)
            : new CharacterModel(null, Core.CharModel.create<float>(vocabulary, Interop.List(specs), rng).Item1);
    }

    /// <summary>
    /// Trains on <paramref name="text"/> as the book's <c>RNNTrainer</c> does: batches of windows at consecutive
    /// positions, the mean cross-entropy over every step, backpropagation through time, one optimizer step each.
    /// </summary>
    /// <param name="text">The training text; every character must be in the vocabulary.</param>
    /// <param name="optimizer">The optimizer (the book's: <c>new AdaGrad(0.01) { GradientClip = 2 }</c>).</param>
    /// <param name="options">The settings, or null for the book's.</param>
    /// <param name="progress">Receives a report after every iteration, synchronously on the training thread; or null.</param>
    /// <param name="cancellationToken">Stops training between iterations.</param>
    /// <exception cref="ArgumentNullException">when text or optimizer is null.</exception>
    /// <exception cref="ArgumentException">when a setting is out of range or the text does not fit the vocabulary.</exception>
    /// <exception cref="OperationCanceledException">when cancelled.</exception>
    public CharacterTrainingResult Train(string text, Optimizer optimizer, CharacterTrainingOptions? options = null,
        IProgress<CharacterTrainingReport>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(optimizer);
        options ??= new CharacterTrainingOptions();
        var settings = new Core.CharTraining(options.BatchSize, options.SequenceLength, options.Iterations, options.SampleEvery,
            options.SampleLength, options.Temperature, options.SampleSeed, options.LossScaling switch
            {
                CharacterLossScaling.Mean => Core.SequenceLossScaling.Mean,
                CharacterLossScaling.Book => Core.SequenceLossScaling.Book,
                _ => Core.SequenceLossScaling.Sum,
            });
        var core = optimizer.ToCore();
        double last = double.NaN;
        void OnEvent(Core.CharTrainingEvent e)
        {
            cancellationToken.ThrowIfCancellationRequested();
            switch (e)
            {
                case Core.CharTrainingEvent.Iteration it:
                    last = it.movingAverageLoss;
                    if (options.SampleEvery == 0 || it.iteration % options.SampleEvery != 0)
                        progress?.Report(new CharacterTrainingReport(it.iteration, options.Iterations, it.movingAverageLoss, null));
                    break;
                case Core.CharTrainingEvent.Sample s:
                    progress?.Report(new CharacterTrainingReport(s.iteration, options.Iterations, last, s.text));
                    break;
            }
        }
        var onEvent = FuncConvert.FromAction<Core.CharTrainingEvent>(OnEvent);
        if (_double is not null)
        {
            var r = Core.CharModel.train(settings, core, text, _double, onEvent);
            return new CharacterTrainingResult(new CharacterModel(r.Model, null), r.Losses, r.MovingAverages);
        }
        var rs = Core.CharModel.train(settings, core, text, _single!, onEvent);
        return new CharacterTrainingResult(new CharacterModel(null, rs.Model), rs.Losses, rs.MovingAverages);
    }

    /// <summary>
    /// Generates <paramref name="length"/> characters after <paramref name="start"/> (by default the vocabulary's
    /// first symbol), each drawn from the model's softmax at the given temperature, from the model's carried state.
    /// </summary>
    /// <exception cref="ArgumentException">when start is not in the vocabulary, length is negative or the temperature not positive.</exception>
    public string Generate(int length, char? start = null, double temperature = 1.0, long seed = 1)
    {
        Guard.Seed("CharacterModel.Generate", nameof(seed), seed);
        char first = start ?? Vocabulary[0];
        var rng = Core.RngModule.seed(seed);
        return _double is not null
            ? Core.CharModel.sample(_double, first, length, temperature, rng).Item1
            : Core.CharModel.sample(_single!, first, length, temperature, rng).Item1;
    }

    /// <summary>Writes the model to a file (a new file is written and renamed over the old, so a crash never leaves half a file).</summary>
    /// <exception cref="ArgumentNullException">when path is null.</exception>
    /// <exception cref="System.IO.IOException">when the file cannot be written.</exception>
    public void Save(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (_double is not null)
            Core.CharModel.save(path, _double);
        else
            Core.CharModel.save(path, _single!);
    }

    /// <summary>Reads a model written by <see cref="Save"/>, in the given precision.</summary>
    /// <exception cref="ArgumentNullException">when path is null.</exception>
    /// <exception cref="DataFormatException">when the file is not a valid model file; the message names the problem.</exception>
    /// <exception cref="System.IO.IOException">when the file cannot be read.</exception>
    public static CharacterModel Load(string path, Precision precision = Precision.Double)
    {
        ArgumentNullException.ThrowIfNull(path);
        return precision == Precision.Double
            ? new CharacterModel(Core.CharModel.load<double>(path), null)
            : new CharacterModel(null, Core.CharModel.load<float>(path));
    }

    /// <summary>A short description, such as <c>CharacterModel(62 symbols; LSTM(256 -> 62); Double)</c>.</summary>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"CharacterModel({Vocabulary.Length} symbols; {string.Join(", ", Layers)}; {Precision})");
}
