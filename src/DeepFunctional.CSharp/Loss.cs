using Core = global::DeepFunctional;

namespace DeepFunctional.CSharp;

/// <summary>
/// A loss function a <see cref="NeuralNetwork"/> is trained on (the book's <c>Loss</c>).
/// The library's losses are listed as its subclasses; this class cannot be derived from
/// outside the library.
/// </summary>
public abstract class Loss
{
    private protected Loss()
    {
    }

    /// <summary>The core's description of this loss.</summary>
    internal abstract Core.Loss ToCore();
}

/// <summary>
/// Mean squared error as the book defines it: Σ(p − y)² / N over an N-row batch (summed over
/// columns, averaged over rows); its gradient with respect to the prediction is 2(p − y)/N.
/// </summary>
public sealed class MeanSquaredError : Loss
{
    /// <summary>The mean squared error loss.</summary>
    public MeanSquaredError()
    {
    }

    internal override Core.Loss ToCore() => Core.Loss.MeanSquaredError;

    /// <summary>The loss's name as the book writes it.</summary>
    public override string ToString() => "MeanSquaredError";
}
