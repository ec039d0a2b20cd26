using Core = global::DeepFunctional;

namespace DeepFunctional.CSharp;

/// <summary>
/// An activation function a <see cref="Dense"/> layer applies after its affine part
/// (the book's activation <c>Operation</c>s). The library's activations are
/// <see cref="Sigmoid"/>, <see cref="Linear"/>, <see cref="Tanh"/> and <see cref="ReLU"/>;
/// this class cannot be derived from outside the library.
/// </summary>
public abstract class Activation
{
    private protected Activation()
    {
    }

    /// <summary>The core's description of this activation.</summary>
    internal abstract Core.Activation ToCore();

    /// <summary>The activation's name as the book writes it, such as <c>Sigmoid</c>.</summary>
    public override string ToString() => ToCore().ToString();

    /// <summary>The facade object for a core activation.</summary>
    internal static Activation FromCore(Core.Activation a) =>
        a.Tag switch
        {
            Core.Activation.Tags.Sigmoid => new Sigmoid(),
            Core.Activation.Tags.Tanh => new Tanh(),
            Core.Activation.Tags.ReLU => new ReLU(),
            _ => new Linear(),
        };
}

/// <summary>The logistic sigmoid 1/(1+e^−x), elementwise; its gradient is dy·y·(1−y).</summary>
public sealed class Sigmoid : Activation
{
    /// <summary>The sigmoid activation.</summary>
    public Sigmoid()
    {
    }

    internal override Core.Activation ToCore() => Core.Activation.Sigmoid;
}

/// <summary>The identity: a layer with it is purely affine (linear regression's output layer).</summary>
public sealed class Linear : Activation
{
    /// <summary>The identity activation.</summary>
    public Linear()
    {
    }

    internal override Core.Activation ToCore() => Core.Activation.Linear;
}

/// <summary>The hyperbolic tangent, elementwise; its gradient is dy·(1−y²).</summary>
public sealed class Tanh : Activation
{
    /// <summary>The tanh activation.</summary>
    public Tanh()
    {
    }

    internal override Core.Activation ToCore() => Core.Activation.Tanh;
}

/// <summary>
/// The rectified linear unit max(x, 0), elementwise. Its gradient passes only where the input
/// was positive (the book's code lets every gradient through; this one does not).
/// </summary>
public sealed class ReLU : Activation
{
    /// <summary>The ReLU activation.</summary>
    public ReLU()
    {
    }

    internal override Core.Activation ToCore() => Core.Activation.ReLU;
}
