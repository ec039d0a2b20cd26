using System;
using Core = global::DeepFunctional;

namespace DeepFunctional.CSharp;

/// <summary>How a <see cref="Dense"/> layer draws its initial weights and bias.</summary>
public enum WeightInit
{
    /// <summary>W and B from the standard normal distribution (the book's default).</summary>
    StandardNormal,

    /// <summary>Glorot's normal initialisation: standard deviation √(2/(in+out)).</summary>
    Glorot,

    /// <summary>
    /// The book's 2019 "glorot": standard deviation 2/(in+out), for runs that reproduce the
    /// book's printed results.
    /// </summary>
    BookGlorot,
}

/// <summary>How a <see cref="Dense"/> layer's dropout keeps the expected activation the same in training and inference.</summary>
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
/// subclasses; this class cannot be derived from outside the library.
/// </summary>
public abstract class Layer
{
    private protected Layer()
    {
    }

    /// <summary>The number of output units.</summary>
    public abstract int Neurons { get; }

    /// <summary>The core's description of this layer.</summary>
    internal abstract Core.Layer ToCore();

    /// <summary>The facade object for a core layer.</summary>
    internal static Layer FromCore(Core.Layer layer)
    {
        if (layer is not Core.Layer.Dense dense)
        {
            throw new NotSupportedException($"The C# facade has no class for the core layer {layer}.");
        }
        var spec = dense.Item;
        var init = spec.WeightInit.Tag switch
        {
            Core.WeightInit.Tags.Glorot => WeightInit.Glorot,
            Core.WeightInit.Tags.BookGlorot => WeightInit.BookGlorot,
            _ => WeightInit.StandardNormal,
        };
        return new Dense(spec.Neurons, Activation.FromCore(spec.Activation), init, spec.KeepProbability)
        {
            DropoutScaling = spec.DropoutScaling.IsBook ? DropoutScaling.Book : DropoutScaling.Inverted,
        };
    }
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

    internal override Core.Layer ToCore()
    {
        var init = _weightInit switch
        {
            WeightInit.Glorot => Core.WeightInit.Glorot,
            WeightInit.BookGlorot => Core.WeightInit.BookGlorot,
            _ => Core.WeightInit.StandardNormal,
        };
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
