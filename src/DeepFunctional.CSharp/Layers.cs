using System;
using System.Globalization;
using Microsoft.FSharp.Core;
using Core = DeepFunctional;

namespace DeepFunctional.CSharp;

/// <summary>How a layer draws its initial weights.</summary>
public enum WeightInit
{
    /// <summary>Standard normal draws (the book's default).</summary>
    StandardNormal,

    /// <summary>Glorot's normal initialisation: standard deviation √(2 / (fanIn + fanOut) / receptiveField).</summary>
    Glorot,
}

/// <summary>
/// A layer of a <see cref="NeuralNetwork"/>: a description without parameters. The parameters are drawn
/// from the network's seed when the layer first sees data, so one layer value may be used in many networks.
/// </summary>
public abstract class Layer
{
    private protected Layer() { }

    internal abstract Core.Layer ToCore();

    /// <summary>Equal when the other layer describes the same layer.</summary>
    public override bool Equals(object? obj) => obj is Layer l && l.ToCore().Equals(ToCore());

    /// <summary>Consistent with <see cref="Equals"/>.</summary>
    public override int GetHashCode() => ToCore().GetHashCode();

    internal static string Number(double d) => d.ToString("R", CultureInfo.InvariantCulture);

    internal static Core.WeightInit ToCore(WeightInit init) =>
        init == WeightInit.Glorot ? Core.WeightInit.Glorot : Core.WeightInit.StandardNormal;

    internal static void CheckKeep(string operation, double keep, string paramName)
    {
        if (!(keep > 0 && keep <= 1))
            throw new Core.InvalidValueException(operation, "a keep probability in (0, 1]", Number(keep), paramName);
    }

    internal static void CheckPositive(string operation, string what, int value, string paramName)
    {
        if (value < 1)
            throw new Core.InvalidValueException(operation, $"{what} of at least 1", value.ToString(CultureInfo.InvariantCulture), paramName);
    }

    /// <summary>The facade's layer for a core layer: its own class when one describes it exactly, else a wrapper.</summary>
    internal static Layer FromCore(Core.Layer core)
    {
        Layer? layer = null;
        try
        {
            layer = core switch
            {
                Core.Layer.Dense d when d.Item.WeightInit.IsScaled == false && d.Item.DropoutScaling.IsInverted =>
                    new Dense(d.Item.Neurons, Activation.FromCore(d.Item.Activation))
                    {
                        WeightInit = d.Item.WeightInit.IsGlorot ? WeightInit.Glorot : WeightInit.StandardNormal,
                        KeepProbability = d.Item.KeepProbability,
                    },
                Core.Layer.Conv2D c when c.Item.WeightInit.IsScaled == false && c.Item.DropoutScaling.IsInverted =>
                    new Conv2D(c.Item.Filters, c.Item.KernelSize, Activation.FromCore(c.Item.Activation))
                    {
                        Stride = c.Item.Geometry.Stride, Padding = c.Item.Geometry.Padding, Bias = c.Item.Bias, Flatten = c.Item.Flatten,
                        WeightInit = c.Item.WeightInit.IsGlorot ? WeightInit.Glorot : WeightInit.StandardNormal,
                        KeepProbability = c.Item.KeepProbability,
                    },
                Core.Layer.MaxPool2D m => new MaxPool2D(m.kernel, m.stride),
                Core.Layer.AvgPool2D a => new AvgPool2D(a.kernel, a.stride),
                Core.Layer.Dropout d when d.scaling.IsInverted => new Dropout(d.keep),
                Core.Layer.Embedding e => new Embedding(e.vocabulary, e.dimensions),
                Core.Layer.Sequence s when FSharpOption<int>.get_IsNone(s.Item.Outputs) && FSharpOption<double>.get_IsNone(s.Item.WeightScale)
                                           && !s.Item.CarryState =>
                    s.Item.Kind.Tag switch
                    {
                        Core.CellKind.Tags.Lstm => new LSTM(s.Item.Hidden, s.Item.ReturnSequences),
                        Core.CellKind.Tags.Gru => new GRU(s.Item.Hidden, s.Item.ReturnSequences),
                        _ => new SimpleRNN(s.Item.Hidden, s.Item.ReturnSequences),
                    },
                _ when core.IsFlatten => new Flatten(),
                _ => null,
            };
        }
        catch (ArgumentException)
        {
            layer = null;
        }
        return layer is not null && layer.ToCore().Equals(core) ? layer : new CoreLayer(core);
    }
}

/// <summary>A core layer the facade has no class of its own for (a book layer, a projected recurrent layer).</summary>
internal sealed class CoreLayer(Core.Layer core) : Layer
{
    internal override Core.Layer ToCore() => core;

    public override string ToString() => core.ToString() ?? "Layer";
}

/// <summary>
/// A dense (fully connected) layer: [batch; features] → [batch; neurons], the book's
/// <c>Dense(neurons, activation)</c> (weight multiply, bias add, activation, optional dropout).
/// </summary>
public sealed class Dense : Layer
{
    private readonly double _keep = 1.0;

    /// <summary>A dense layer of <paramref name="neurons"/> units.</summary>
    /// <param name="neurons">The number of output units (at least 1).</param>
    /// <param name="activation">The activation; <see cref="Linear"/> when null.</param>
    /// <exception cref="Core.InvalidValueException">when <paramref name="neurons"/> is below 1.</exception>
    public Dense(int neurons, Activation? activation = null)
    {
        CheckPositive("Dense", "a number of neurons", neurons, nameof(neurons));
        Neurons = neurons;
        Activation = activation ?? new Linear();
    }

    /// <summary>The number of output units.</summary>
    public int Neurons { get; }

    /// <summary>The activation.</summary>
    public Activation Activation { get; }

    /// <summary>How the weights are drawn (standard normal unless set).</summary>
    public WeightInit WeightInit { get; init; }

    /// <summary>
    /// The probability of keeping each output in training (inverted dropout: kept units are divided by it,
    /// inference is the identity); 1 (no dropout) unless set.
    /// </summary>
    /// <exception cref="Core.InvalidValueException">when the value is outside (0, 1].</exception>
    public double KeepProbability
    {
        get => _keep;
        init
        {
            CheckKeep("Dense", value, nameof(KeepProbability));
            _keep = value;
        }
    }

    internal override Core.Layer ToCore() =>
        Core.Layer.NewDense(new Core.DenseSpec(Neurons, Activation.ToCore(), ToCore(WeightInit), KeepProbability, Core.DropoutScaling.Inverted));

    /// <summary>e.g. "Dense(13, Sigmoid)", with any initialisation and dropout.</summary>
    public override string ToString() =>
        $"Dense({Neurons}, {Activation}{(WeightInit == WeightInit.Glorot ? ", Glorot" : "")}{(KeepProbability < 1 ? $", keep {Number(KeepProbability)}" : "")})";
}

/// <summary>
/// A convolutional layer: [batch; channels; h; w] → [batch; filters; h'; w'] (or [batch; filters·h'·w']
/// with <see cref="Flatten"/>), the book's <c>Conv2D(out_channels, param_size, activation)</c>.
/// </summary>
public sealed class Conv2D : Layer
{
    private readonly int _stride = 1;
    private readonly int? _padding;
    private readonly double _keep = 1.0;

    /// <summary>A layer of <paramref name="filters"/> kernels of <paramref name="kernelSize"/>×<paramref name="kernelSize"/>.</summary>
    /// <param name="filters">The number of output channels (at least 1).</param>
    /// <param name="kernelSize">The side of each kernel (at least 1; odd for the default "same" padding).</param>
    /// <param name="activation">The activation; <see cref="Linear"/> when null.</param>
    /// <exception cref="Core.InvalidValueException">when a size is below 1.</exception>
    public Conv2D(int filters, int kernelSize, Activation? activation = null)
    {
        CheckPositive("Conv2D", "a number of filters", filters, nameof(filters));
        CheckPositive("Conv2D", "a kernel size", kernelSize, nameof(kernelSize));
        Filters = filters;
        KernelSize = kernelSize;
        Activation = activation ?? new Linear();
    }

    /// <summary>The number of output channels.</summary>
    public int Filters { get; }

    /// <summary>The side of each kernel.</summary>
    public int KernelSize { get; }

    /// <summary>The activation.</summary>
    public Activation Activation { get; }

    /// <summary>The step between kernel positions (1 unless set).</summary>
    /// <exception cref="Core.InvalidValueException">when the value is below 1.</exception>
    public int Stride
    {
        get => _stride;
        init
        {
            CheckPositive("Conv2D", "a stride", value, nameof(Stride));
            _stride = value;
        }
    }

    /// <summary>Zeros added on each side; "same" padding (kernelSize / 2) unless set.</summary>
    /// <exception cref="Core.InvalidValueException">when the value is negative.</exception>
    public int Padding
    {
        get => _padding ?? KernelSize / 2;
        init
        {
            if (value < 0)
                throw new Core.InvalidValueException("Conv2D", "a padding of 0 or more", value.ToString(CultureInfo.InvariantCulture), nameof(Padding));
            _padding = value;
        }
    }

    /// <summary>Whether each filter has a bias (false unless set, as in the book).</summary>
    public bool Bias { get; init; }

    /// <summary>Whether the output is flattened to [batch; filters·h'·w'] (false unless set).</summary>
    public bool Flatten { get; init; }

    /// <summary>How the kernels are drawn (standard normal unless set).</summary>
    public WeightInit WeightInit { get; init; }

    /// <summary>The probability of keeping each output in training (inverted dropout); 1 unless set.</summary>
    /// <exception cref="Core.InvalidValueException">when the value is outside (0, 1].</exception>
    public double KeepProbability
    {
        get => _keep;
        init
        {
            CheckKeep("Conv2D", value, nameof(KeepProbability));
            _keep = value;
        }
    }

    internal override Core.Layer ToCore() =>
        Core.Layer.NewConv2D(new Core.Conv2DSpec(Filters, KernelSize, new Core.Conv2dGeometry(Stride, Padding), Activation.ToCore(),
            ToCore(WeightInit), Bias, Flatten, KeepProbability, Core.DropoutScaling.Inverted));

    /// <summary>e.g. "Conv2D(16, 5x5, Tanh)".</summary>
    public override string ToString() =>
        $"Conv2D({Filters}, {KernelSize}x{KernelSize}, {Activation}{(Stride != 1 ? $", stride {Stride}" : "")}"
        + $"{(Padding != KernelSize / 2 ? $", padding {Padding}" : "")}{(Bias ? ", bias" : "")}{(Flatten ? ", flatten" : "")}"
        + $"{(WeightInit == WeightInit.Glorot ? ", Glorot" : "")}{(KeepProbability < 1 ? $", keep {Number(KeepProbability)}" : "")})";
}

/// <summary>Pooling over kernel×kernel windows moved by stride: [batch; c; h; w] → [batch; c; h'; w'].</summary>
public abstract class Pool2D : Layer
{
    private readonly string _name;

    private protected Pool2D(string name, int kernel, int? stride)
    {
        CheckPositive(name, "a kernel", kernel, nameof(kernel));
        CheckPositive(name, "a stride", stride ?? kernel, nameof(stride));
        _name = name;
        Kernel = kernel;
        Stride = stride ?? kernel;
    }

    /// <summary>The window's side.</summary>
    public int Kernel { get; }

    /// <summary>The step between windows.</summary>
    public int Stride { get; }

    /// <summary>e.g. "MaxPool2D(2, stride 2)".</summary>
    public override string ToString() => $"{_name}({Kernel}, stride {Stride})";
}

/// <summary>Max pooling over kernel×kernel windows moved by stride: [batch; c; h; w] → [batch; c; h'; w'].</summary>
public sealed class MaxPool2D : Pool2D
{
    /// <summary>Pooling over <paramref name="kernel"/>×<paramref name="kernel"/> windows.</summary>
    /// <param name="kernel">The window's side (at least 1).</param>
    /// <param name="stride">The step between windows; the kernel's side when null.</param>
    /// <exception cref="Core.InvalidValueException">when a size is below 1.</exception>
    public MaxPool2D(int kernel, int? stride = null) : base("MaxPool2D", kernel, stride) { }

    internal override Core.Layer ToCore() => Core.Layer.NewMaxPool2D(Kernel, Stride);
}

/// <summary>Average pooling over kernel×kernel windows moved by stride: [batch; c; h; w] → [batch; c; h'; w'].</summary>
public sealed class AvgPool2D : Pool2D
{
    /// <summary>Pooling over <paramref name="kernel"/>×<paramref name="kernel"/> windows.</summary>
    /// <param name="kernel">The window's side (at least 1).</param>
    /// <param name="stride">The step between windows; the kernel's side when null.</param>
    /// <exception cref="Core.InvalidValueException">when a size is below 1.</exception>
    public AvgPool2D(int kernel, int? stride = null) : base("AvgPool2D", kernel, stride) { }

    internal override Core.Layer ToCore() => Core.Layer.NewAvgPool2D(Kernel, Stride);
}

/// <summary>Reshapes [batch; ...] to [batch; rest].</summary>
public sealed class Flatten : Layer
{
    internal override Core.Layer ToCore() => Core.Layer.Flatten;

    /// <summary>"Flatten".</summary>
    public override string ToString() => "Flatten";
}

/// <summary>
/// Dropout on its own: in training each value is kept with the keep probability and the kept ones divided
/// by it (inverted dropout); inference is the identity. Any shape → the same shape.
/// </summary>
public sealed class Dropout : Layer
{
    /// <summary>Dropout keeping each value with <paramref name="keepProbability"/>.</summary>
    /// <param name="keepProbability">In (0, 1].</param>
    /// <exception cref="Core.InvalidValueException">when the probability is outside (0, 1].</exception>
    public Dropout(double keepProbability)
    {
        CheckKeep("Dropout", keepProbability, nameof(keepProbability));
        KeepProbability = keepProbability;
    }

    /// <summary>The probability of keeping each value in training.</summary>
    public double KeepProbability { get; }

    internal override Core.Layer ToCore() => Core.Layer.NewDropout(KeepProbability, Core.DropoutScaling.Inverted);

    /// <summary>e.g. "Dropout(0.8)".</summary>
    public override string ToString() => $"Dropout({Number(KeepProbability)})";
}

/// <summary>
/// A recurrent layer over sequences [batch; seq; features]: every step's hidden state [batch; seq; hidden]
/// with <see cref="ReturnSequences"/>, else the last step's [batch; hidden]. Every batch starts from a zero state.
/// </summary>
public abstract class RecurrentLayer : Layer
{
    private protected RecurrentLayer(string name, int hiddenSize, bool returnSequences)
    {
        CheckPositive(name, "a hidden size", hiddenSize, nameof(hiddenSize));
        HiddenSize = hiddenSize;
        ReturnSequences = returnSequences;
    }

    /// <summary>The number of hidden units.</summary>
    public int HiddenSize { get; }

    /// <summary>Whether every step's output is returned, not only the last step's.</summary>
    public bool ReturnSequences { get; }

    private protected abstract Core.CellKind Kind { get; }

    internal override Core.Layer ToCore() =>
        Core.Layer.NewSequence(new Core.SequenceLayerSpec(Kind, HiddenSize, FSharpOption<int>.None, ReturnSequences, false, FSharpOption<double>.None));

    /// <summary>e.g. "LSTM(32, returnSequences: false)".</summary>
    public override string ToString() => $"{GetType().Name}({HiddenSize}, returnSequences: {(ReturnSequences ? "true" : "false")})";
}

/// <summary>A plain recurrent layer: h ← tanh(x·Wx + h·Wh + b) (Keras' <c>SimpleRNN</c>).</summary>
public sealed class SimpleRNN : RecurrentLayer
{
    /// <summary>A layer of <paramref name="hiddenSize"/> units.</summary>
    /// <param name="hiddenSize">The number of hidden units (at least 1).</param>
    /// <param name="returnSequences">Whether every step's output is returned.</param>
    /// <exception cref="Core.InvalidValueException">when <paramref name="hiddenSize"/> is below 1.</exception>
    public SimpleRNN(int hiddenSize, bool returnSequences = false) : base("SimpleRNN", hiddenSize, returnSequences) { }

    private protected override Core.CellKind Kind => Core.CellKind.Rnn;
}

/// <summary>A long short-term memory layer (Keras' <c>LSTM</c>, the book's LSTM cell).</summary>
public sealed class LSTM : RecurrentLayer
{
    /// <summary>A layer of <paramref name="hiddenSize"/> units.</summary>
    /// <param name="hiddenSize">The number of hidden units (at least 1).</param>
    /// <param name="returnSequences">Whether every step's output is returned.</param>
    /// <exception cref="Core.InvalidValueException">when <paramref name="hiddenSize"/> is below 1.</exception>
    public LSTM(int hiddenSize = 32, bool returnSequences = false) : base("LSTM", hiddenSize, returnSequences) { }

    private protected override Core.CellKind Kind => Core.CellKind.Lstm;
}

/// <summary>A gated recurrent unit layer (Keras' <c>GRU</c>).</summary>
public sealed class GRU : RecurrentLayer
{
    /// <summary>A layer of <paramref name="hiddenSize"/> units.</summary>
    /// <param name="hiddenSize">The number of hidden units (at least 1).</param>
    /// <param name="returnSequences">Whether every step's output is returned.</param>
    /// <exception cref="Core.InvalidValueException">when <paramref name="hiddenSize"/> is below 1.</exception>
    public GRU(int hiddenSize = 32, bool returnSequences = false) : base("GRU", hiddenSize, returnSequences) { }

    private protected override Core.CellKind Kind => Core.CellKind.Gru;
}

/// <summary>
/// A lookup table of <see cref="Dimensions"/> numbers per token id in 0..vocabulary−1:
/// ids [batch; seq] → [batch; seq; dimensions] (ids given as whole numbers in the input array).
/// </summary>
public sealed class Embedding : Layer
{
    /// <summary>A table of <paramref name="vocabulary"/> rows of <paramref name="dimensions"/> numbers.</summary>
    /// <param name="vocabulary">The number of token ids (at least 1).</param>
    /// <param name="dimensions">The numbers per token (at least 1).</param>
    /// <exception cref="Core.InvalidValueException">when a size is below 1.</exception>
    public Embedding(int vocabulary, int dimensions)
    {
        CheckPositive("Embedding", "a vocabulary", vocabulary, nameof(vocabulary));
        CheckPositive("Embedding", "a number of dimensions", dimensions, nameof(dimensions));
        Vocabulary = vocabulary;
        Dimensions = dimensions;
    }

    /// <summary>The number of token ids.</summary>
    public int Vocabulary { get; }

    /// <summary>The numbers per token.</summary>
    public int Dimensions { get; }

    internal override Core.Layer ToCore() => Core.Layer.NewEmbedding(Vocabulary, Dimensions);

    /// <summary>e.g. "Embedding(100, 8)".</summary>
    public override string ToString() => $"Embedding({Vocabulary}, {Dimensions})";
}
