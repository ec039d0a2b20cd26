using System;
using Core = global::DeepFunctional;

namespace DeepFunctional.CSharp;

/// <summary>How a <see cref="Dense"/> or <see cref="Conv2D"/> layer draws its initial weights (and a Dense layer its bias).</summary>
public enum WeightInit
{
    /// <summary>W and B from the standard normal distribution (the book's default).</summary>
    StandardNormal,

    /// <summary>
    /// Glorot's normal initialisation: standard deviation √(2/(in+out)); for a <see cref="Conv2D"/> kernel of k×k,
    /// √(2/((in+out)·k²)) with in and out counted in channels.
    /// </summary>
    Glorot,

    /// <summary>
    /// The book's 2019 "glorot": standard deviation 2/(in+out), for runs that reproduce the
    /// book's printed results.
    /// </summary>
    BookGlorot,
}

/// <summary>How a <see cref="Dense"/> or <see cref="Conv2D"/> layer's dropout keeps the expected activation the same in training and inference.</summary>
public enum DropoutScaling
{
    /// <summary>
    /// Inverted dropout (the default): training divides the kept units by the keep probability;
    /// inference leaves the activations as they are.
    /// </summary>
    Inverted,

    /// <summary>
    /// The book's dropout: training multiplies by the 0/1 mask only; inference multiplies every
    /// activation by the keep probability.
    /// </summary>
    Book,
}

/// <summary>
/// A layer of a <see cref="NeuralNetwork"/>: a description without parameters (the parameters
/// are drawn when the network first sees data). The library's layers are listed as its
/// subclasses: <see cref="Dense"/>, and for images (chapter 5) <see cref="Conv2D"/>,
/// <see cref="MaxPool2D"/>, <see cref="AvgPool2D"/> and <see cref="Flatten"/>; this class cannot be
/// derived from outside the library.
/// </summary>
public abstract class Layer
{
    private protected Layer()
    {
    }

    /// <summary>
    /// The number of output units: a <see cref="Dense"/> layer's neurons, a <see cref="Conv2D"/> layer's
    /// output channels (its filters, each applied at every position of the image), and 0 for a layer
    /// without parameters (pooling, flatten), whose outputs are its inputs regrouped.
    /// </summary>
    public abstract int Neurons { get; }

    /// <summary>The core's description of this layer.</summary>
    internal abstract Core.Layer ToCore();

    /// <summary>
    /// The shape of the output of one row (or image) of input, after checking that this layer takes it.
    /// </summary>
    /// <param name="op">The operation named in errors.</param>
    /// <param name="position">This layer's 0-based position in its network.</param>
    /// <param name="input">The shape of one row of input: [features] or [channels, height, width].</param>
    /// <param name="weights">The shape of this layer's weights when the network has parameters, else null.</param>
    /// <exception cref="ShapeMismatchException">when the layer cannot take the input.</exception>
    internal abstract int[] OutputShape(string op, int position, int[] input, int[]? weights);

    /// <summary>What reaches a layer, for messages: <c>rows of 784 features</c>, <c>images of 1 channel of 28x28</c>.</summary>
    internal static string Describe(int[] sample) =>
        sample.Length switch
        {
            1 => $"rows of {sample[0]} features",
            3 => $"images of {sample[0]} channel{(sample[0] == 1 ? "" : "s")} of {sample[1]}x{sample[2]}",
            _ => $"rows of shape {Guard.Format(sample)}",
        };

    /// <summary>The error for an input a layer cannot take.</summary>
    private protected ShapeMismatchException Refuse(string op, int position, string expected, int[] input) =>
        new(op, $"{expected} for layer {position} ({this})", Describe(input));

    /// <summary>Checks that images [channels, height, width] reach this layer.</summary>
    private protected void CheckImages(string op, int position, int[] input)
    {
        if (input.Length != 3)
            throw Refuse(op, position, "images [channels, height, width]", input);
    }

    /// <summary>The facade object for a core layer.</summary>
    internal static Layer FromCore(Core.Layer layer) =>
        layer switch
        {
            Core.Layer.Dense dense => Dense.FromCore(dense.Item),
            Core.Layer.Conv2D conv => Conv2D.FromCore(conv.Item),
            Core.Layer.MaxPool2D max => new MaxPool2D(max.kernel, max.stride),
            Core.Layer.AvgPool2D avg => new AvgPool2D(avg.kernel, avg.stride),
            _ when layer.IsFlatten => new Flatten(),
            _ => throw new NotSupportedException($"The C# facade has no class for the core layer {layer}."),
        };

    /// <summary>The facade's weight initialisation for the core's.</summary>
    internal static WeightInit InitFromCore(Core.WeightInit init) =>
        init.Tag switch
        {
            Core.WeightInit.Tags.Glorot => WeightInit.Glorot,
            Core.WeightInit.Tags.BookGlorot => WeightInit.BookGlorot,
            _ => WeightInit.StandardNormal,
        };

    /// <summary>The core's weight initialisation for the facade's.</summary>
    internal static Core.WeightInit InitToCore(WeightInit init) =>
        init switch
        {
            WeightInit.Glorot => Core.WeightInit.Glorot,
            WeightInit.BookGlorot => Core.WeightInit.BookGlorot,
            _ => Core.WeightInit.StandardNormal,
        };
}

/// <summary>
/// A dense (fully connected) layer: X·W + B, then an activation, then optionally dropout. With
/// <c>n</c> input features W is n×<see cref="Neurons"/> and B is 1×<see cref="Neurons"/>.
/// Write <c>new Dense(neurons: 13, activation: new Sigmoid())</c>, or with chapter 4's options
/// <c>new Dense(178, new Tanh(), WeightInit.Glorot, keepProbability: 0.8)</c>.
/// </summary>
/// <remarks>
/// Dropout (chapter 4): in training each output unit is kept with probability
/// <see cref="KeepProbability"/> and zeroed otherwise, with a mask drawn from the training run's
/// generator (NumPy's <c>binomial(1, keep)</c>); prediction, evaluation and the loss use no mask.
/// <see cref="DropoutScaling"/> says how the two are kept comparable.
/// </remarks>
public sealed class Dense : Layer
{
    private readonly int _neurons;
    private readonly Activation _activation;
    private readonly WeightInit _weightInit;
    private readonly double _keepProbability;
    private readonly DropoutScaling _dropoutScaling;

    /// <summary>A dense layer of <paramref name="neurons"/> units.</summary>
    /// <param name="neurons">The number of output units; at least 1.</param>
    /// <param name="activation">The activation after the affine part; the book's default, <see cref="Sigmoid"/>, when null.</param>
    /// <param name="weightInit">How W and B are drawn; standard normal by default, as in the book.</param>
    /// <param name="keepProbability">The probability of keeping each unit in training, in (0, 1]; 1 (the default) means no dropout.</param>
    /// <exception cref="ArgumentOutOfRangeException">when neurons is less than 1, weightInit is not a defined value or keepProbability is outside (0, 1].</exception>
    public Dense(int neurons, Activation? activation = null, WeightInit weightInit = WeightInit.StandardNormal, double keepProbability = 1.0)
    {
        Guard.AtLeast("Dense", nameof(neurons), neurons, 1);
        _neurons = neurons;
        _activation = activation ?? new Sigmoid();
        _weightInit = CheckWeightInit(weightInit);
        _keepProbability = CheckKeep(keepProbability);
    }

    /// <summary>The number of output units; at least 1.</summary>
    public override int Neurons => _neurons;

    /// <summary>The activation after the affine part.</summary>
    /// <exception cref="ArgumentNullException">when set to null.</exception>
    public Activation Activation
    {
        get => _activation;
        init
        {
            ArgumentNullException.ThrowIfNull(value, nameof(Activation));
            _activation = value;
        }
    }

    /// <summary>How W and B are drawn.</summary>
    /// <exception cref="ArgumentOutOfRangeException">when set to a value that is not defined.</exception>
    public WeightInit WeightInit
    {
        get => _weightInit;
        init => _weightInit = CheckWeightInit(value);
    }

    /// <summary>
    /// The probability of keeping each output unit in training, in (0, 1]; 1 means no dropout. The
    /// book's deep network of chapter 4 uses 0.8.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">when set to a value outside (0, 1].</exception>
    public double KeepProbability
    {
        get => _keepProbability;
        init => _keepProbability = CheckKeep(value);
    }

    /// <summary>
    /// How dropout is scaled when <see cref="KeepProbability"/> is below 1: <see cref="CSharp.DropoutScaling.Inverted"/>
    /// by default, <see cref="CSharp.DropoutScaling.Book"/> to reproduce the book's runs.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">when set to a value that is not defined.</exception>
    public DropoutScaling DropoutScaling
    {
        get => _dropoutScaling;
        init => _dropoutScaling = Enum.IsDefined(value)
            ? value
            : throw Guard.OutOfRange("Dense", "dropoutScaling", "Inverted or Book", (int)value);
    }

    private static double CheckKeep(double value) =>
        value > 0.0 && value <= 1.0
            ? value
            : throw Guard.OutOfRange("Dense", "keepProbability", "keepProbability in (0, 1]", Guard.Text(value));

    private static WeightInit CheckWeightInit(WeightInit value) =>
        Enum.IsDefined(value)
            ? value
            : throw Guard.OutOfRange("Dense", "weightInit", "StandardNormal, Glorot or BookGlorot", (int)value);

    /// <summary>The facade object for a core dense layer.</summary>
    internal static Dense FromCore(Core.DenseSpec spec) =>
        new(spec.Neurons, Activation.FromCore(spec.Activation), InitFromCore(spec.WeightInit), spec.KeepProbability)
        {
            DropoutScaling = spec.DropoutScaling.IsBook ? DropoutScaling.Book : DropoutScaling.Inverted,
        };

    internal override int[] OutputShape(string op, int position, int[] input, int[]? weights)
    {
        if (input.Length != 1)
            throw Refuse(op, position, "rows of features (flatten images first: Flatten, or Conv2D with flatten)", input);
        if (weights is not null && weights[0] != input[0])
            throw Refuse(op, position, $"rows of {weights[0]} features (its W is {Guard.Format(weights)})", input);
        return [_neurons];
    }

    internal override Core.Layer ToCore()
    {
        var init = InitToCore(_weightInit);
        var scaling = _dropoutScaling == DropoutScaling.Book ? Core.DropoutScaling.Book : Core.DropoutScaling.Inverted;
        return Core.Layer.NewDense(new Core.DenseSpec(_neurons, _activation.ToCore(), init, _keepProbability, scaling));
    }

    /// <summary>
    /// A short description, such as <c>Dense(13, Sigmoid)</c>, or with chapter 4's options
    /// <c>Dense(178, Tanh, Glorot, keep 0.8)</c> (<c>keep 0.8 book</c> with the book's dropout scaling).
    /// </summary>
    public override string ToString()
    {
        string text = $"Dense({_neurons}, {_activation}";
        if (_weightInit != WeightInit.StandardNormal)
            text += $", {_weightInit}";
        if (_keepProbability < 1.0)
            text += $", keep {Guard.Text(_keepProbability)}" + (_dropoutScaling == DropoutScaling.Book ? " book" : "");
        return text + ")";
    }
}
