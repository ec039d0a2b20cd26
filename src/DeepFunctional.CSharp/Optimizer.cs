using System.Globalization;
using Core = global::DeepFunctional;

namespace DeepFunctional.CSharp;

/// <summary>
/// An optimizer: how a <see cref="Trainer"/> updates the parameters from their gradients after
/// each batch (the book's <c>Optimizer</c>). The library's optimizers are listed as its
/// subclasses; this class cannot be derived from outside the library.
/// </summary>
public abstract class Optimizer
{
    private protected Optimizer()
    {
    }

    /// <summary>The core's description of this optimizer (validated).</summary>
    internal abstract Core.Optimizer ToCore();
}

/// <summary>
/// Stochastic gradient descent: after every batch, param ← param − LearningRate·grad.
/// Write <c>new SGD(learningRate: 0.01)</c> or <c>new SGD { LearningRate = 0.01 }</c>.
/// </summary>
public sealed class SGD : Optimizer
{
    private readonly double _learningRate;

    /// <summary>SGD with the given learning rate (the book's default is 0.01).</summary>
    /// <param name="learningRate">The step size; finite and greater than zero.</param>
    /// <exception cref="System.ArgumentOutOfRangeException">when the learning rate is not finite and positive.</exception>
    public SGD(double learningRate = 0.01)
    {
        LearningRate = learningRate;
    }

    /// <summary>The step size: finite and greater than zero.</summary>
    /// <exception cref="System.ArgumentOutOfRangeException">when set to a value that is not finite and positive.</exception>
    public double LearningRate
    {
        get => _learningRate;
        init
        {
            Guard.PositiveFinite("SGD", "learningRate", value);
            _learningRate = value;
        }
    }

    internal override Core.Optimizer ToCore() => Core.OptimizerModule.sgd(_learningRate);

    /// <summary>A short description, such as <c>SGD(learningRate: 0.01)</c>.</summary>
    public override string ToString() =>
        $"SGD(learningRate: {_learningRate.ToString("R", CultureInfo.InvariantCulture)})";
}
