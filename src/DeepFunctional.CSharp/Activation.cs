using Core = DeepFunctional;

namespace DeepFunctional.CSharp;

/// <summary>An activation function applied element-wise by a layer.</summary>
public abstract class Activation
{
    private protected Activation() { }

    internal abstract Core.Activation ToCore();

    internal static Activation FromCore(Core.Activation a) =>
        a.Tag switch
        {
            Core.Activation.Tags.Sigmoid => new Sigmoid(),
            Core.Activation.Tags.Tanh => new Tanh(),
            Core.Activation.Tags.ReLU => new ReLU(),
            _ => new Linear(),
        };

    /// <summary>The activation's name, e.g. "Sigmoid".</summary>
    public override string ToString() => GetType().Name;

    /// <summary>Equal when the other value is the same activation.</summary>
    public override bool Equals(object? obj) => obj is Activation a && a.GetType() == GetType();

    /// <summary>Consistent with <see cref="Equals"/>.</summary>
    public override int GetHashCode() => GetType().Name.GetHashCode(System.StringComparison.Ordinal);
}

/// <summary>The identity: y = x (the book's <c>Linear</c>).</summary>
public sealed class Linear : Activation
{
    internal override Core.Activation ToCore() => Core.Activation.Linear;
}

/// <summary>The logistic sigmoid: y = 1 / (1 + e^−x).</summary>
public sealed class Sigmoid : Activation
{
    internal override Core.Activation ToCore() => Core.Activation.Sigmoid;
}

/// <summary>The hyperbolic tangent.</summary>
public sealed class Tanh : Activation
{
    internal override Core.Activation ToCore() => Core.Activation.Tanh;
}

/// <summary>The rectified linear unit: y = max(0, x).</summary>
public sealed class ReLU : Activation
{
    internal override Core.Activation ToCore() => Core.Activation.ReLU;
}
