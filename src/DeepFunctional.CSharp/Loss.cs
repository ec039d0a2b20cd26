using System;
using Core = DeepFunctional;

namespace DeepFunctional.CSharp;

/// <summary>The loss a network is trained on.</summary>
public abstract class Loss
{
    private protected Loss() { }

    internal abstract Core.Loss ToCore();

    internal static Loss FromCore(Core.Loss core) =>
        core switch
        {
            _ when core.IsMeanSquaredError => new MeanSquaredError(),
            _ when core.IsNormalizedMeanSquaredError => new MeanSquaredError { Normalize = true },
            Core.Loss.SoftmaxCrossEntropy s when s.reduction.IsMean => new SoftmaxCrossEntropy(s.eps),
            _ => new CoreLoss(core),
        };

    /// <summary>Equal when the other loss is the same loss.</summary>
    public override bool Equals(object? obj) => obj is Loss l && l.ToCore().Equals(ToCore());

    /// <summary>Consistent with <see cref="Equals"/>.</summary>
    public override int GetHashCode() => ToCore().GetHashCode();

    /// <summary>The loss's name, e.g. "MeanSquaredError".</summary>
    public override string ToString() => ToCore().ToString();
}

/// <summary>A core loss the facade has no class of its own for (the book's loss values).</summary>
internal sealed class CoreLoss(Core.Loss core) : Loss
{
    internal override Core.Loss ToCore() => core;
}

/// <summary>Mean squared error Σ(p − y)² / N over N rows (chapter 3), on predictions of any shape.</summary>
public sealed class MeanSquaredError : Loss
{
    /// <summary>
    /// Whether each prediction row is divided by its sum before comparing (chapter 4's <c>normalize=True</c>),
    /// with the true gradient through the normalisation. False unless set.
    /// </summary>
    public bool Normalize { get; init; }

    internal override Core.Loss ToCore() => Normalize ? Core.Loss.NormalizedMeanSquaredError : Core.Loss.MeanSquaredError;
}

/// <summary>
/// Softmax cross-entropy on logits over the last axis (chapter 4): the mean over rows of −Σ y·log p with
/// p = softmax clipped to [eps, 1 − eps]. Its gradient (p − y)/N is the gradient of that value.
/// </summary>
public sealed class SoftmaxCrossEntropy : Loss
{
    /// <summary>The loss with clipping constant <paramref name="eps"/>.</summary>
    /// <param name="eps">In (0, 0.5); the book's 1e-9 unless given.</param>
    /// <exception cref="Core.InvalidValueException">when eps is outside (0, 0.5).</exception>
    public SoftmaxCrossEntropy(double eps = 1e-9)
    {
        if (!(eps > 0 && eps < 0.5))
            throw new Core.InvalidValueException("SoftmaxCrossEntropy", "an eps in (0, 0.5)", Layer.Number(eps), nameof(eps));
        Eps = eps;
    }

    /// <summary>The clipping constant.</summary>
    public double Eps { get; }

    internal override Core.Loss ToCore() => Core.Loss.NewSoftmaxCrossEntropy(Eps, Core.Reduction.Mean);
}
