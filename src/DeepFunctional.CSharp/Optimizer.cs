using System;
using System.Globalization;
using Microsoft.FSharp.Core;
using Core = global::DeepFunctional;

namespace DeepFunctional.CSharp;

/// <summary>How an optimizer's learning rate changes from epoch to epoch (chapter 4).</summary>
public enum DecayType
{
    /// <summary>No decay: the learning rate stays the same (the default).</summary>
    None,

    /// <summary>
    /// Linear decay: after every epoch the rate falls by (LearningRate − FinalLearningRate)/(epochs − 1),
    /// so the last epoch trains with FinalLearningRate.
    /// </summary>
    Linear,

    /// <summary>
    /// Exponential decay: after every epoch the rate is multiplied by
    /// (FinalLearningRate/LearningRate)^(1/(epochs − 1)), so the last epoch trains with FinalLearningRate.
    /// </summary>
    Exponential,
}

/// <summary>
/// An optimizer: how a <see cref="Trainer"/> updates the parameters from their gradients after
/// each batch (the book's <c>Optimizer(lr, final_lr, decay_type)</c>). The learning rate may decay
/// from epoch to epoch: set both <see cref="DecayType"/> and <see cref="FinalLearningRate"/>, as in
/// <c>new SGD(0.15) { DecayType = DecayType.Linear, FinalLearningRate = 0.05 }</c>. The library's
/// optimizers are listed as its subclasses; this class cannot be derived from outside the library.
/// </summary>
public abstract class Optimizer
{
    private readonly double _learningRate;
    private readonly double? _finalLearningRate;
    private readonly DecayType _decayType;

    private protected Optimizer(double learningRate)
    {
        LearningRate = learningRate;
    }

    /// <summary>The name used in messages: <c>SGD</c>, <c>SGDMomentum</c>.</summary>
    private protected abstract string Name { get; }

    /// <summary>The step size of the first epoch (of every epoch without decay): finite and greater than zero.</summary>
    /// <exception cref="ArgumentOutOfRangeException">when set to a value that is not finite and positive.</exception>
    public double LearningRate
    {
        get => _learningRate;
        init
        {
            Guard.PositiveFinite(Name, "learningRate", value);
            _learningRate = value;
        }
    }

    /// <summary>
    /// The learning rate of the last epoch when <see cref="DecayType"/> is not
    /// <see cref="CSharp.DecayType.None"/>: finite and greater than zero; null (the default) without decay.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">when set to a value that is not finite and positive.</exception>
    public double? FinalLearningRate
    {
        get => _finalLearningRate;
        init
        {
            if (value is double v)
                Guard.PositiveFinite(Name, "finalLearningRate", v);
            _finalLearningRate = value;
        }
    }

    /// <summary>
    /// How the learning rate falls to <see cref="FinalLearningRate"/> over the epochs of a fit, applied
    /// at the end of every epoch; <see cref="CSharp.DecayType.None"/> by default. A decay needs a
    /// <see cref="FinalLearningRate"/>, and a <see cref="FinalLearningRate"/> needs a decay: the
    /// <see cref="Trainer"/> refuses an optimizer with only one of them.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">when set to a value that is not defined.</exception>
    public DecayType DecayType
    {
        get => _decayType;
        init => _decayType = Enum.IsDefined(value)
            ? value
            : throw Guard.OutOfRange(Name, "decayType", "None, Linear or Exponential", (int)value);
    }

    private readonly double? _gradientClip;

    /// <summary>
    /// When set, every gradient element is clipped to [−GradientClip, GradientClip] before the update (the book
    /// clips its RNN optimizers to [−2, 2]); null (the default) leaves gradients as they are. Finite and positive.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">when set to a value that is not finite and positive.</exception>
    public double? GradientClip
    {
        get => _gradientClip;
        init
        {
            if (value is double v)
                Guard.PositiveFinite(Name, "gradientClip", v);
            _gradientClip = value;
        }
    }

    /// <summary>The core's update rule and learning rate, without decay.</summary>
    private protected abstract Core.Optimizer CoreRule();

    /// <summary>The core's rule with this optimizer's clipping.</summary>
    private Core.Optimizer ClippedRule() =>
        _gradientClip is double c ? Core.OptimizerModule.withClipping(c, CoreRule()) : CoreRule();

    /// <summary>The core's description of this optimizer, with its decay.</summary>
    /// <exception cref="ArgumentException">when only one of DecayType and FinalLearningRate is set.</exception>
    internal Core.Optimizer ToCore()
    {
        var rule = ClippedRule();
        return (_decayType, _finalLearningRate) switch
        {
            (DecayType.None, null) => rule,
            (DecayType.None, double final) => throw new ArgumentException(
                Guard.Message(Name, "a DecayType (Linear or Exponential) with FinalLearningRate " + Guard.Text(final), "DecayType None"),
                nameof(DecayType)),
            (_, null) => throw new ArgumentException(
                Guard.Message(Name, $"a FinalLearningRate with DecayType {_decayType}", "none"), nameof(FinalLearningRate)),
            (DecayType.Linear, double final) => Core.OptimizerModule.withDecay(Core.DecayType.Linear, final, rule),
            (_, double final) => Core.OptimizerModule.withDecay(Core.DecayType.Exponential, final, rule),
        };
    }

    /// <summary>The facade object for a core optimizer.</summary>
    internal static Optimizer FromCore(Core.Optimizer optimizer)
    {
        var decay = FSharpOption<Tuple<double, Core.DecayType>>.get_IsSome(optimizer.Decay) ? optimizer.Decay!.Value : null;
        double? final = decay?.Item1;
        var type = decay is null ? DecayType.None : decay.Item2.IsLinear ? DecayType.Linear : DecayType.Exponential;
        return optimizer.Rule switch
        {
            Core.UpdateRule.Momentum m => new SGDMomentum(optimizer.LearningRate, m.momentum) { FinalLearningRate = final, DecayType = type },
            _ when optimizer.Rule.IsSGD => new SGD(optimizer.LearningRate) { FinalLearningRate = final, DecayType = type },
            _ => throw new NotSupportedException(Guard.Message("Optimizer.FromCore", "an SGD or SGDMomentum optimizer", optimizer.Rule.ToString() ?? "another rule")),
        };
    }

    /// <summary>The decay as it is appended to a description: <c>, Linear decay to 0.05</c>, or nothing.</summary>
    private protected string DecayText() =>
        _decayType == DecayType.None || _finalLearningRate is not double final
            ? ""
            : $", {_decayType} decay to {final.ToString("R", CultureInfo.InvariantCulture)}";
}

/// <summary>
/// Stochastic gradient descent: after every batch, param ← param − LearningRate·grad.
/// Write <c>new SGD(learningRate: 0.01)</c> or <c>new SGD { LearningRate = 0.01 }</c>.
/// </summary>
public sealed class SGD : Optimizer
{
    /// <summary>SGD with the given learning rate (the book's default is 0.01).</summary>
    /// <param name="learningRate">The step size; finite and greater than zero.</param>
    /// <exception cref="ArgumentOutOfRangeException">when the learning rate is not finite and positive.</exception>
    public SGD(double learningRate = 0.01)
        : base(learningRate)
    {
    }

    private protected override string Name => "SGD";

    private protected override Core.Optimizer CoreRule() => Core.OptimizerModule.sgd(LearningRate);

    /// <summary>A short description, such as <c>SGD(learningRate: 0.01)</c>.</summary>
    public override string ToString() =>
        $"SGD(learningRate: {LearningRate.ToString("R", CultureInfo.InvariantCulture)}{DecayText()})";
}

/// <summary>
/// Stochastic gradient descent with momentum (the book's <c>SGDMomentum</c>, chapter 4): after every
/// batch, v ← Momentum·v + LearningRate·grad, then param ← param − v, with v starting at zero for
/// each parameter. Write <c>new SGDMomentum(learningRate: 0.1, momentum: 0.9)</c>.
/// </summary>
public sealed class SGDMomentum : Optimizer
{
    private readonly double _momentum;

    /// <summary>SGD with momentum.</summary>
    /// <param name="learningRate">The step size; finite and greater than zero.</param>
    /// <param name="momentum">How much of the previous velocity is kept; in [0, 1). The book's default is 0.9.</param>
    /// <exception cref="ArgumentOutOfRangeException">when the learning rate is not finite and positive or momentum is outside [0, 1).</exception>
    public SGDMomentum(double learningRate = 0.01, double momentum = 0.9)
        : base(learningRate)
    {
        Momentum = momentum;
    }

    private protected override string Name => "SGDMomentum";

    /// <summary>How much of the previous velocity is kept: in [0, 1).</summary>
    /// <exception cref="ArgumentOutOfRangeException">when set to a value outside [0, 1).</exception>
    public double Momentum
    {
        get => _momentum;
        init
        {
            if (!(value >= 0.0 && value < 1.0))
                throw Guard.OutOfRange("SGDMomentum", "momentum", "momentum in [0, 1)", Guard.Text(value));
            _momentum = value;
        }
    }

    private protected override Core.Optimizer CoreRule() => Core.OptimizerModule.sgdMomentum(LearningRate, _momentum);

    /// <summary>A short description, such as <c>SGDMomentum(learningRate: 0.1, momentum: 0.9)</c>.</summary>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture,
            $"SGDMomentum(learningRate: {LearningRate:R}, momentum: {_momentum:R}{DecayText()})");
}

/// <summary>
/// AdaGrad as the book writes it (chapter 6): for every parameter a running sum s of squared gradients,
/// s ← s + (1e-7 + grad²), then param ← param − LearningRate/√s · grad. Write <c>new AdaGrad(0.01) { GradientClip = 2 }</c>
/// for the book's character model.
/// </summary>
public sealed class AdaGrad : Optimizer
{
    /// <summary>AdaGrad with the given learning rate.</summary>
    /// <param name="learningRate">The step size; finite and greater than zero.</param>
    /// <exception cref="ArgumentOutOfRangeException">when the learning rate is not finite and positive.</exception>
    public AdaGrad(double learningRate = 0.01)
        : base(learningRate)
    {
    }

    private protected override string Name => "AdaGrad";

    private protected override Core.Optimizer CoreRule() => Core.OptimizerModule.adaGrad(LearningRate);

    /// <summary>A short description, such as <c>AdaGrad(learningRate: 0.01)</c>.</summary>
    public override string ToString() =>
        $"AdaGrad(learningRate: {LearningRate.ToString("R", CultureInfo.InvariantCulture)}{DecayText()})";
}

/// <summary>
/// Adam (Kingma and Ba) with the standard β1 = 0.9, β2 = 0.999 and eps = 1e-8 and bias correction.
/// Write <c>new Adam(0.001)</c>.
/// </summary>
public sealed class Adam : Optimizer
{
    /// <summary>Adam with the given learning rate.</summary>
    /// <param name="learningRate">The step size; finite and greater than zero.</param>
    /// <exception cref="ArgumentOutOfRangeException">when the learning rate is not finite and positive.</exception>
    public Adam(double learningRate = 0.001)
        : base(learningRate)
    {
    }

    private protected override string Name => "Adam";

    private protected override Core.Optimizer CoreRule() => Core.OptimizerModule.adam(LearningRate);

    /// <summary>A short description, such as <c>Adam(learningRate: 0.001)</c>.</summary>
    public override string ToString() =>
        $"Adam(learningRate: {LearningRate.ToString("R", CultureInfo.InvariantCulture)}{DecayText()})";
}
