using System;
using System.Globalization;
using Microsoft.FSharp.Core;
using Core = DeepFunctional;

namespace DeepFunctional.CSharp;

/// <summary>How the learning rate falls from <see cref="Optimizer.LearningRate"/> to <see cref="Optimizer.FinalLearningRate"/> over a fit.</summary>
public enum DecayType
{
    /// <summary>lr − (lr − final)/(epochs − 1) after every epoch.</summary>
    Linear,

    /// <summary>lr · (final/lr)^(1/(epochs − 1)) after every epoch.</summary>
    Exponential,
}

/// <summary>When a <see cref="LearningRateSchedule"/> ticks.</summary>
public enum ScheduleUnit
{
    /// <summary>After every epoch: epoch e (from 0) trains at the schedule's rate for t = e.</summary>
    Epoch,

    /// <summary>After every batch: step n (from 0, over the whole fit) trains at the rate for t = n.</summary>
    Batch,
}

/// <summary>
/// A learning-rate schedule in closed form, applied by the trainer (there is no scheduler to step, so no
/// call order to get wrong) and continued by <see cref="Trainer"/>'s Resume. The book's decays are
/// <see cref="Optimizer.Decay"/>; set one or the other.
/// </summary>
public sealed class LearningRateSchedule
{
    private LearningRateSchedule(Core.Schedule core) => Core = core;

    internal Core.Schedule Core { get; }

    /// <summary>lr · gamma^⌊t/every⌋ (PyTorch's <c>StepLR</c>).</summary>
    /// <exception cref="Core.InvalidValueException">when every &lt; 1 or gamma is not finite and positive (on use).</exception>
    public static LearningRateSchedule Step(int every, double gamma) => new(DeepFunctional.Schedule.NewStep(every, gamma));

    /// <summary>minimum + (lr − minimum)·(1 + cos(π·t/period))/2 (PyTorch's <c>CosineAnnealingLR</c>, closed form).</summary>
    /// <exception cref="Core.InvalidValueException">when period &lt; 1 or minimum is negative (on use).</exception>
    public static LearningRateSchedule Cosine(int period, double minimum = 0) => new(DeepFunctional.Schedule.NewCosine(period, minimum));

    /// <summary>A linear warm-up from lr·startFactor to lr over <paramref name="steps"/> ticks, then <paramref name="then"/> (constant when null).</summary>
    /// <exception cref="Core.InvalidValueException">when steps &lt; 1 or startFactor is outside (0, 1] (on use).</exception>
    public static LearningRateSchedule Warmup(int steps, double startFactor, LearningRateSchedule? then = null) =>
        new(DeepFunctional.Schedule.NewWarmup(steps, startFactor, then?.Core ?? DeepFunctional.Schedule.Constant));

    /// <summary>The rate at tick <paramref name="t"/> from the base rate <paramref name="learningRate"/>.</summary>
    public double RateAt(double learningRate, int t) => DeepFunctional.ScheduleModule.rate(learningRate, Core, t);

    internal static LearningRateSchedule FromCore(Core.Schedule core) => new(core);

    /// <summary>e.g. "Cosine(period 10, minimum 0.001)".</summary>
    public override string ToString() => Describe(Core);

    private static string Describe(Core.Schedule s) => s switch
    {
        DeepFunctional.Schedule.Step st => $"Step(every {st.every}, gamma {Layer.Number(st.gamma)})",
        DeepFunctional.Schedule.Cosine c => $"Cosine(period {c.period}, minimum {Layer.Number(c.minimum)})",
        DeepFunctional.Schedule.Warmup w => $"Warmup({w.steps} steps from {Layer.Number(w.startFactor)}, then {Describe(w.after)})",
        _ => "Constant",
    };
}

/// <summary>
/// An optimizer's settings: the update rule and its learning rate, optionally decaying to a final rate by
/// the last epoch and clipping gradients. Optimizers are values: a <see cref="Trainer"/> keeps the state.
/// </summary>
public abstract class Optimizer
{
    private readonly double _learningRate;
    private readonly double? _final;
    private readonly double? _clip;

    private protected Optimizer(double learningRate) => _learningRate = CheckRate(learningRate, "learningRate");

    /// <summary>The learning rate of the first epoch (finite and positive).</summary>
    /// <exception cref="Core.InvalidValueException">when the rate is not finite and positive.</exception>
    public double LearningRate
    {
        get => _learningRate;
        init => _learningRate = CheckRate(value, nameof(LearningRate));
    }

    /// <summary>How the rate decays to <see cref="FinalLearningRate"/>; null (the default) keeps it constant.</summary>
    public DecayType? Decay { get; init; }

    /// <summary>The rate of the last epoch when <see cref="Decay"/> is set.</summary>
    /// <exception cref="Core.InvalidValueException">when the rate is not finite and positive.</exception>
    public double? FinalLearningRate
    {
        get => _final;
        init => _final = value is { } v ? CheckRate(v, nameof(FinalLearningRate)) : null;
    }

    /// <summary>A closed-form learning-rate schedule (null: none); not together with <see cref="Decay"/>.</summary>
    public LearningRateSchedule? Schedule { get; init; }

    /// <summary>Whether <see cref="Schedule"/> ticks per epoch (the default) or per batch.</summary>
    public ScheduleUnit ScheduleUnit { get; init; } = ScheduleUnit.Epoch;

    /// <summary>When set, every gradient element is clipped to [−limit, limit] before the update.</summary>
    /// <exception cref="Core.InvalidValueException">when the limit is not finite and positive.</exception>
    public double? ClipGradients
    {
        get => _clip;
        init => _clip = value is { } v ? CheckRate(v, nameof(ClipGradients)) : null;
    }

    private protected double CheckRate(double value, string paramName)
    {
        if (!double.IsFinite(value) || value <= 0)
            throw new Core.InvalidValueException(GetType().Name, $"a finite, positive {paramName}", Layer.Number(value), paramName);
        return value;
    }

    private protected static double CheckUnit(string operation, double value, string paramName)
    {
        if (!(value >= 0 && value < 1))
            throw new Core.InvalidValueException(operation, $"a {paramName} in [0, 1)", Layer.Number(value), paramName);
        return value;
    }

    private protected abstract Core.UpdateRule Rule { get; }

    /// <summary>The core optimizer, <paramref name="operation"/> naming the caller when a decay is half given.</summary>
    internal Core.Optimizer ToCore(string operation)
    {
        if (Decay.HasValue != FinalLearningRate.HasValue)
            throw new Core.InvalidValueException(operation, "a decay with both Decay and FinalLearningRate set",
                Decay.HasValue ? "no FinalLearningRate" : "no Decay", Decay.HasValue ? nameof(FinalLearningRate) : nameof(Decay));
        if (Decay.HasValue && Schedule is not null)
            throw new Core.InvalidValueException(operation, "one learning-rate schedule: Decay or Schedule", "both", nameof(Schedule));
        var core = new Core.Optimizer(Rule, LearningRate, DeepFunctional.Schedule.Constant, Core.ScheduleUnit.Epoch, Interop.Option(ClipGradients));
        if (Decay is { } d && FinalLearningRate is { } f)
            return Core.OptimizerModule.withDecay(d == DecayType.Linear ? Core.DecayType.Linear : Core.DecayType.Exponential, f, core);
        if (Schedule is { } s)
        {
            try
            {
                return Core.OptimizerModule.withSchedule(ScheduleUnit == ScheduleUnit.Batch ? Core.ScheduleUnit.Batch : Core.ScheduleUnit.Epoch, s.Core, core);
            }
            catch (Core.InvalidValueException e)
            {
                throw new Core.InvalidValueException(operation, e.Expected, e.Actual, nameof(Schedule));
            }
        }
        return core;
    }

    internal static Optimizer FromCore(Core.Optimizer core)
    {
        Optimizer o = core.Rule switch
        {
            Core.UpdateRule.Momentum m => new SGDMomentum(core.LearningRate, m.momentum),
            Core.UpdateRule.AdaGrad a => new AdaGrad(core.LearningRate) { Eps = a.eps },
            Core.UpdateRule.Adam a => new Adam(core.LearningRate) { Beta1 = a.beta1, Beta2 = a.beta2, Eps = a.eps },
            _ => new SGD(core.LearningRate),
        };
        var clip = Interop.ValueOrNull(core.Clip);
        return core.Schedule switch
        {
            DeepFunctional.Schedule.Decay d => o.With(d.Item2.IsLinear ? DecayType.Linear : DecayType.Exponential, d.final, clip),
            var s when s.IsConstant => o.With(null, null, clip),
            var s => o.With(null, null, clip, LearningRateSchedule.FromCore(s), core.ScheduleUnit.IsBatch ? ScheduleUnit.Batch : ScheduleUnit.Epoch),
        };
    }

    private protected abstract Optimizer With(DecayType? decay, double? final, double? clip, LearningRateSchedule? schedule = null, ScheduleUnit unit = ScheduleUnit.Epoch);

    /// <summary>e.g. "SGDMomentum(learningRate: 0.2, momentum: 0.9, Exponential decay to 0.05)".</summary>
    public override string ToString() =>
        $"{GetType().Name}(learningRate: {Layer.Number(LearningRate)}{Details}"
        + $"{(Decay is { } d ? $", {d} decay to {Layer.Number(FinalLearningRate ?? 0)}" : "")}"
        + $"{(Schedule is { } s ? $", {s} per {ScheduleUnit.ToString().ToLowerInvariant()}" : "")}"
        + $"{(ClipGradients is { } c ? $", clip {Layer.Number(c)}" : "")})";

    private protected virtual string Details => "";

    /// <summary>Equal when the other optimizer has the same settings.</summary>
    public override bool Equals(object? obj) => obj is Optimizer o && o.ToString() == ToString();

    /// <summary>Consistent with <see cref="Equals"/>.</summary>
    public override int GetHashCode() => ToString().GetHashCode(StringComparison.Ordinal);
}

/// <summary>Stochastic gradient descent: param ← param − lr·grad (the book's <c>SGD(lr=0.01)</c>).</summary>
public sealed class SGD : Optimizer
{
    /// <summary>SGD with the given learning rate.</summary>
    /// <param name="learningRate">Finite and positive; the book's 0.01 unless given.</param>
    /// <exception cref="Core.InvalidValueException">when the rate is not finite and positive.</exception>
    public SGD(double learningRate = 0.01) : base(learningRate) { }

    private protected override Core.UpdateRule Rule => Core.UpdateRule.SGD;

    private protected override Optimizer With(DecayType? decay, double? final, double? clip, LearningRateSchedule? schedule = null, ScheduleUnit unit = ScheduleUnit.Epoch) =>
        new SGD(LearningRate) { Decay = decay, FinalLearningRate = final, ClipGradients = clip, Schedule = schedule, ScheduleUnit = unit };
}

/// <summary>SGD with momentum: v ← momentum·v + lr·grad; param ← param − v (the book's <c>SGDMomentum</c>).</summary>
public sealed class SGDMomentum : Optimizer
{
    /// <summary>SGD with momentum.</summary>
    /// <param name="learningRate">Finite and positive.</param>
    /// <param name="momentum">In [0, 1).</param>
    /// <exception cref="Core.InvalidValueException">when a value is out of range.</exception>
    public SGDMomentum(double learningRate = 0.01, double momentum = 0.9) : base(learningRate) =>
        Momentum = CheckUnit("SGDMomentum", momentum, nameof(momentum));

    /// <summary>The momentum.</summary>
    public double Momentum { get; }

    private protected override Core.UpdateRule Rule => Core.UpdateRule.NewMomentum(Momentum);

    private protected override string Details => $", momentum: {Layer.Number(Momentum)}";

    private protected override Optimizer With(DecayType? decay, double? final, double? clip, LearningRateSchedule? schedule = null, ScheduleUnit unit = ScheduleUnit.Epoch) =>
        new SGDMomentum(LearningRate, Momentum) { Decay = decay, FinalLearningRate = final, ClipGradients = clip, Schedule = schedule, ScheduleUnit = unit };
}

/// <summary>AdaGrad as the book writes it: s ← s + (eps + grad²); param ← param − lr/√s · grad.</summary>
public sealed class AdaGrad : Optimizer
{
    private readonly double _eps = 1e-7;

    /// <summary>AdaGrad with the given learning rate.</summary>
    /// <param name="learningRate">Finite and positive.</param>
    /// <exception cref="Core.InvalidValueException">when the rate is not finite and positive.</exception>
    public AdaGrad(double learningRate = 0.01) : base(learningRate) { }

    /// <summary>The constant added to every sum of squares (the book's 1e-7 unless set).</summary>
    /// <exception cref="Core.InvalidValueException">when the value is not finite and positive.</exception>
    public double Eps { get => _eps; init => _eps = CheckRate(value, nameof(Eps)); }

    private protected override Core.UpdateRule Rule => Core.UpdateRule.NewAdaGrad(Eps);

    private protected override string Details => Eps != 1e-7 ? $", eps: {Layer.Number(Eps)}" : "";

    private protected override Optimizer With(DecayType? decay, double? final, double? clip, LearningRateSchedule? schedule = null, ScheduleUnit unit = ScheduleUnit.Epoch) =>
        new AdaGrad(LearningRate) { Eps = Eps, Decay = decay, FinalLearningRate = final, ClipGradients = clip, Schedule = schedule, ScheduleUnit = unit };
}

/// <summary>Adam (Kingma and Ba) with bias-corrected moments.</summary>
public sealed class Adam : Optimizer
{
    private readonly double _beta1 = 0.9, _beta2 = 0.999, _eps = 1e-8;

    /// <summary>Adam with the given learning rate and the standard β1 = 0.9, β2 = 0.999, eps = 1e-8.</summary>
    /// <param name="learningRate">Finite and positive.</param>
    /// <exception cref="Core.InvalidValueException">when the rate is not finite and positive.</exception>
    public Adam(double learningRate = 0.001) : base(learningRate) { }

    /// <summary>The first moment's decay, in [0, 1).</summary>
    /// <exception cref="Core.InvalidValueException">when the value is outside [0, 1).</exception>
    public double Beta1 { get => _beta1; init => _beta1 = CheckUnit("Adam", value, nameof(Beta1)); }

    /// <summary>The second moment's decay, in [0, 1).</summary>
    /// <exception cref="Core.InvalidValueException">when the value is outside [0, 1).</exception>
    public double Beta2 { get => _beta2; init => _beta2 = CheckUnit("Adam", value, nameof(Beta2)); }

    /// <summary>The constant added to the denominator.</summary>
    /// <exception cref="Core.InvalidValueException">when the value is not finite and positive.</exception>
    public double Eps { get => _eps; init => _eps = CheckRate(value, nameof(Eps)); }

    private protected override Core.UpdateRule Rule => Core.UpdateRule.NewAdam(Beta1, Beta2, Eps);

    private protected override string Details =>
        Beta1 != 0.9 || Beta2 != 0.999 || Eps != 1e-8 ? $", beta1: {Layer.Number(Beta1)}, beta2: {Layer.Number(Beta2)}, eps: {Layer.Number(Eps)}" : "";

    private protected override Optimizer With(DecayType? decay, double? final, double? clip, LearningRateSchedule? schedule = null, ScheduleUnit unit = ScheduleUnit.Epoch) =>
        new Adam(LearningRate) { Beta1 = Beta1, Beta2 = Beta2, Eps = Eps, Decay = decay, FinalLearningRate = final, ClipGradients = clip, Schedule = schedule, ScheduleUnit = unit };
}
