namespace DeepFunctional

open System

/// How the learning rate falls from `lr` to `final_lr` over the epochs of a fit.
[<RequireQualifiedAccess>]
type DecayType =
    /// lr − (lr − final_lr)/(epochs − 1) after every epoch.
    | Linear
    /// lr · (final_lr/lr)^(1/(epochs − 1)) after every epoch.
    | Exponential

/// The update rule of an optimizer.
[<RequireQualifiedAccess>]
type UpdateRule =
    /// param ← param − lr·grad.
    | SGD
    /// v ← momentum·v + lr·grad; param ← param − v.
    | Momentum of momentum: float

/// An optimizer's settings (the book's `Optimizer(lr, final_lr, decay_type)` and subclasses).
type Optimizer =
    { /// The update rule.
      Rule: UpdateRule
      /// The learning rate of the first epoch.
      LearningRate: float
      /// The learning rate of the last epoch, with its decay type; None for a constant rate.
      Decay: (float * DecayType) option }

/// What an optimizer carries from one step to the next: an explicit, immutable record.
type OptimizerState<'T> =
    { /// The learning rate of the next step.
      LearningRate: float
      /// The change applied after every epoch (a difference for linear decay, a factor for exponential).
      DecayPerEpoch: float
      /// Momentum velocities, one per parameter, once the first step has been taken.
      Velocities: Tensor<'T> list
      /// The number of steps taken.
      Steps: int }

/// Functions over optimizers; all pure.
[<RequireQualifiedAccess>]
module Optimizer =

    let private checkRate (op: string) (name: string) (lr: float) =
        if not (Double.IsFinite lr) || lr <= 0.0 then
            raise (InvalidValueException(op, sprintf "a finite, positive %s" name, string lr))

    /// SGD with the given learning rate.
    /// <exception cref="InvalidValueException">when the rate is not finite and positive.</exception>
    let sgd (learningRate: float) =
        checkRate "Optimizer.sgd" "learning rate" learningRate
        { Rule = UpdateRule.SGD; LearningRate = learningRate; Decay = None }

    /// SGD with momentum (the book's `SGDMomentum(lr, momentum)`).
    /// <exception cref="InvalidValueException">when the rate is not finite and positive or momentum is outside [0, 1).</exception>
    let sgdMomentum (learningRate: float) (momentum: float) =
        checkRate "Optimizer.sgdMomentum" "learning rate" learningRate
        if not (momentum >= 0.0 && momentum < 1.0) then
            raise (InvalidValueException("Optimizer.sgdMomentum", "a momentum in [0, 1)", string momentum))
        { Rule = UpdateRule.Momentum momentum; LearningRate = learningRate; Decay = None }

    /// The same optimizer with the learning rate decaying to `finalLearningRate` by the last epoch.
    /// <exception cref="InvalidValueException">when the final rate is not finite and positive.</exception>
    let withDecay (decay: DecayType) (finalLearningRate: float) (optimizer: Optimizer) =
        checkRate "Optimizer.withDecay" "final learning rate" finalLearningRate
        { optimizer with Decay = Some(finalLearningRate, decay) }

    /// The state before the first step of a fit of `epochs` epochs.
    let init (optimizer: Optimizer) (epochs: int) : OptimizerState<'T> =
        let perEpoch =
            match optimizer.Decay with
            | None -> 0.0
            | Some _ when epochs < 2 -> 0.0
            | Some (final, DecayType.Exponential) -> Math.Pow(final / optimizer.LearningRate, 1.0 / float (epochs - 1))
            | Some (final, DecayType.Linear) -> (optimizer.LearningRate - final) / float (epochs - 1)
        { LearningRate = optimizer.LearningRate; DecayPerEpoch = perEpoch; Velocities = []; Steps = 0 }

    /// One update of the parameters with their gradients.
    let step (optimizer: Optimizer) (state: OptimizerState<'T>) (parameters: Tensor<'T> list) (gradients: Tensor<'T> list) =
        match optimizer.Rule with
        | UpdateRule.SGD -> Sgd.step state.LearningRate parameters gradients, { state with Steps = state.Steps + 1 }
        | UpdateRule.Momentum m ->
            let v = if state.Velocities.IsEmpty then Momentum.init parameters else state.Velocities
            let ps, v = Momentum.step state.LearningRate m v parameters gradients
            ps, { state with Velocities = v; Steps = state.Steps + 1 }

    /// One update written into the parameter (and velocity) buffers themselves: for the
    /// trainer, on copies it owns and nobody else can see. Same arithmetic, rounding for
    /// rounding, as `step`, in one pass per tensor and without allocating.
    let internal stepInPlace<'T when 'T :> Numerics.IFloatingPointIeee754<'T>> (optimizer: Optimizer) (state: OptimizerState<'T>)
                                 (parameters: Tensor<'T> list) (gradients: Tensor<'T> list) : OptimizerState<'T> =
        if parameters.Length <> gradients.Length then
            raise (ShapeMismatchException("Optimizer.step", sprintf "%d gradients, one per parameter" parameters.Length, sprintf "%d" gradients.Length))
        let lr = 'T.CreateTruncating state.LearningRate
        match optimizer.Rule with
        | UpdateRule.SGD ->
            List.iter2 (fun (p: Tensor<'T>) (g: Tensor<'T>) ->
                Shape.checkSame "Optimizer.step" "parameter" p.Dims "gradient" g.Dims
                let ps = Span<'T>(p.Data)
                Numerics.Tensors.TensorPrimitives.MultiplyAdd(ReadOnlySpan<'T>(g.Data), -lr, ReadOnlySpan<'T>(p.Data), ps)) parameters gradients
            { state with Steps = state.Steps + 1 }
        | UpdateRule.Momentum m ->
            let velocities = if state.Velocities.IsEmpty then Momentum.init parameters else state.Velocities
            let momentum = 'T.CreateTruncating m
            List.iter2 (fun ((p: Tensor<'T>), (g: Tensor<'T>)) (v: Tensor<'T>) ->
                Shape.checkSame "Optimizer.step" "parameter" p.Dims "gradient" g.Dims
                let vs = Span<'T>(v.Data)
                Numerics.Tensors.TensorPrimitives.Multiply(ReadOnlySpan<'T>(v.Data), momentum, vs)
                Numerics.Tensors.TensorPrimitives.MultiplyAdd(ReadOnlySpan<'T>(g.Data), lr, ReadOnlySpan<'T>(v.Data), vs)
                Numerics.Tensors.TensorPrimitives.Subtract(ReadOnlySpan<'T>(p.Data), ReadOnlySpan<'T>(v.Data), Span<'T>(p.Data)))
                (List.zip parameters gradients) velocities
            { state with Velocities = velocities; Steps = state.Steps + 1 }

    /// The state after an epoch ends: the learning rate decays one step (no change without decay).
    let endEpoch (optimizer: Optimizer) (state: OptimizerState<'T>) : OptimizerState<'T> =
        match optimizer.Decay with
        | None -> state
        | Some (_, DecayType.Exponential) -> { state with LearningRate = state.LearningRate * state.DecayPerEpoch }
        | Some (_, DecayType.Linear) -> { state with LearningRate = state.LearningRate - state.DecayPerEpoch }
