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
}

/// <summary>
/// A dense (fully connected) layer: X·W + B, then an activation. With <c>n</c> input features
/// W is n×<see cref="Neurons"/> and B is 1×<see cref="Neurons"/>.
/// Write <c>new Dense(neurons: 13, activation: new Sigmoid())</c>.
/// </summary>
public sealed class Dense : Layer
{
    private readonly int _neurons;
    private readonly Activation _activation;
    private readonly WeightInit _weightInit;

    /// <summary>A dense layer of <paramref name="neurons"/> units.</summary>
    /// <param name="neurons">The number of output units; at least 1.</param>
    /// <param name="activation">The activation after the affine part; the book's default, <see cref="Sigmoid"/>, when null.</param>
    /// <param name="weightInit">How W and B are drawn; standard normal by default, as in the book.</param>
    /// <exception cref="ArgumentOutOfRangeException">when neurons is less than 1 or weightInit is not a defined value.</exception>
    public Dense(int neurons, Activation? activation = null, WeightInit weightInit = WeightInit.StandardNormal)
    {
        Guard.AtLeast("Dense", nameof(neurons), neurons, 1);
        _neurons = neurons;
        _activation = activation ?? new Sigmoid();
        _weightInit = CheckWeightInit(weightInit);
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
        return Core.Layer.NewDense(new Core.DenseSpec(_neurons, _activation.ToCore(), init, 1.0, Core.DropoutScaling.Inverted));
    }

    /// <summary>A short description, such as <c>Dense(13, Sigmoid)</c>.</summary>
    public override string ToString() =>
        _weightInit == WeightInit.StandardNormal
            ? $"Dense({_neurons}, {_activation})"
            : $"Dense({_neurons}, {_activation}, {_weightInit})";
}
