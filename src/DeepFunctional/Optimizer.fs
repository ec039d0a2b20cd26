namespace DeepFunctional

open System

/// How the learning rate falls from `lr` to `final_lr` over the epochs of a fit.
[<RequireQualifiedAccess>]
type DecayType =
    /// lr − (lr − final_lr)/(epochs − 1) after every epoch.
    | Linear
    /// lr · (final_lr/lr)^(1/(epochs − 1)) after every epoch.
    | Exponential

/// When a learning-rate schedule's clock ticks: after every epoch or after every batch.
[<RequireQualifiedAccess>]
type ScheduleUnit =
    /// The rate of epoch e (from 0) is the schedule at t = e.
    | Epoch
    /// The rate of step n (from 0, over the whole fit) is the schedule at t = n.
    | Batch

/// A learning-rate schedule: the rate at tick t = 0, 1, … from the optimizer's base rate lr.
/// The trainer applies it (there is no scheduler object to step, so no call order to get
/// wrong); a resumed fit continues it from its checkpoint.
[<RequireQualifiedAccess>]
type Schedule =
    /// lr at every tick.
    | Constant
    /// The book's decay from lr to `final` by the last epoch (per epoch only), applied as the
    /// book's code does, one subtraction or multiplication per epoch (see `DecayType`).
    | Decay of final: float * DecayType
    /// lr · gamma^⌊t/every⌋ (PyTorch's `StepLR`).
    | Step of every: int * gamma: float
    /// minimum + (lr − minimum)·(1 + cos(π·t/period))/2 (PyTorch's `CosineAnnealingLR` in its
    /// closed form: it reaches `minimum` at t = period and rises again after it).
    | Cosine of period: int * minimum: float
    /// lr · (startFactor + (1 − startFactor)·t/steps) for t &lt; steps (PyTorch's `LinearLR` to
    /// factor 1), then `after` at t − steps (PyTorch's `SequentialLR`).
    | Warmup of steps: int * startFactor: float * after: Schedule

/// The update rule of an optimizer.
[<RequireQualifiedAccess>]
type UpdateRule =
    /// param ← param − lr·grad.
    | SGD
    /// v ← momentum·v + lr·grad; param ← param − v.
    | Momentum of momentum: float
    /// AdaGrad as the book writes it: s ← s + (eps + grad²); param ← param − lr/√s · grad.
    | AdaGrad of eps: float
    /// Adam (Kingma and Ba): m ← β1·m + (1 − β1)·grad, v ← β2·v + (1 − β2)·grad²;
    /// param ← param − lr · (m/(1 − β1ᵗ)) / (√(v/(1 − β2ᵗ)) + eps) at step t = 1, 2, ….
    | Adam of beta1: float * beta2: float * eps: float

/// An optimizer's settings (the book's `Optimizer(lr, final_lr, decay_type)` and subclasses).
type Optimizer =
    { /// The update rule.
      Rule: UpdateRule
      /// The learning rate of the first epoch.
      LearningRate: float
      /// How the learning rate changes over the fit (`Schedule.Constant` for not at all).
      Schedule: Schedule
      /// Whether the schedule ticks per epoch or per batch.
      ScheduleUnit: ScheduleUnit
      /// Some c clips every gradient element to [−c, c] before the update (the book's RNN
      /// optimizers clip to [−2, 2]); None leaves gradients as they are.
      Clip: float option }

/// What an optimizer carries from one step to the next: an explicit, immutable record.
type OptimizerState<'T> =
    { /// The learning rate of the next step.
      LearningRate: float
      /// The change applied after every epoch by the book's decay (a difference for linear decay,
      /// a factor for exponential); 0 for the other schedules.
      DecayPerEpoch: float
      /// Momentum velocities (Adam's first moments), one per parameter, once the first step has been taken.
      Velocities: Tensor<'T> list
      /// AdaGrad's sums of squares (Adam's second moments), one per parameter, once the first step has been taken.
      SquareSums: Tensor<'T> list
      /// The number of steps taken.
      Steps: int }

/// The closed forms of the learning-rate schedules.
[<RequireQualifiedAccess>]
module Schedule =

    /// Raises `InvalidValueException` naming `op` unless the schedule's settings are in range.
    let rec check (op: string) (schedule: Schedule) =
        let positive name (v: float) =
            if not (Double.IsFinite v) || v <= 0.0 then
                raise (InvalidValueException(op, sprintf "a finite, positive %s" name, string v, "schedule"))
        let atLeastOne name (n: int) =
            if n < 1 then raise (InvalidValueException(op, sprintf "a %s of at least 1" name, string n, "schedule"))
        match schedule with
        | Schedule.Constant -> ()
        | Schedule.Decay (final, _) -> positive "final learning rate" final
        | Schedule.Step (every, gamma) ->
            atLeastOne "step size" every
            positive "gamma" gamma
        | Schedule.Cosine (period, minimum) ->
            atLeastOne "period" period
            if not (Double.IsFinite minimum) || minimum < 0.0 then
                raise (InvalidValueException(op, "a finite, non-negative minimum rate", string minimum, "schedule"))
        | Schedule.Warmup (steps, start, after) ->
            atLeastOne "warm-up length" steps
            if not (Double.IsFinite start) || start <= 0.0 || start > 1.0 then
                raise (InvalidValueException(op, "a warm-up start factor in (0, 1]", string start, "schedule"))
            match after with
            | Schedule.Decay _ -> raise (InvalidValueException(op, "a closed-form schedule after the warm-up", "the book's decay", "schedule"))
            | _ -> check op after

    /// The rate at tick t ≥ 0 of a closed-form schedule from the base rate lr (the book's
    /// `Decay` has no closed form here: it is applied step by step, and gives lr).
    let rec rate (lr: float) (schedule: Schedule) (t: int) : float =
        match schedule with
        | Schedule.Constant | Schedule.Decay _ -> lr
        | Schedule.Step (every, gamma) -> lr * Math.Pow(gamma, float (t / every))
        | Schedule.Cosine (period, minimum) -> minimum + (lr - minimum) * (1.0 + Math.Cos(Math.PI * float t / float period)) / 2.0
        | Schedule.Warmup (steps, start, after) ->
            if t < steps then lr * (start + (1.0 - start) * float t / float steps)
            else rate lr after (t - steps)

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
        { Rule = UpdateRule.SGD; LearningRate = learningRate; Schedule = Schedule.Constant; ScheduleUnit = ScheduleUnit.Epoch; Clip = None }

    /// SGD with momentum (the book's `SGDMomentum(lr, momentum)`).
    /// <exception cref="InvalidValueException">when the rate is not finite and positive or momentum is outside [0, 1).</exception>
    let sgdMomentum (learningRate: float) (momentum: float) =
        checkRate "Optimizer.sgdMomentum" "learning rate" learningRate
        if not (momentum >= 0.0 && momentum < 1.0) then
            raise (InvalidValueException("Optimizer.sgdMomentum", "a momentum in [0, 1)", string momentum))
        { Rule = UpdateRule.Momentum momentum; LearningRate = learningRate; Schedule = Schedule.Constant; ScheduleUnit = ScheduleUnit.Epoch; Clip = None }

    /// AdaGrad with the book's eps of 1e-7.
    /// <exception cref="InvalidValueException">when the rate is not finite and positive.</exception>
    let adaGrad (learningRate: float) =
        checkRate "Optimizer.adaGrad" "learning rate" learningRate
        { Rule = UpdateRule.AdaGrad 1e-7; LearningRate = learningRate; Schedule = Schedule.Constant; ScheduleUnit = ScheduleUnit.Epoch; Clip = None }

    /// Adam with β1, β2 and eps given.
    /// <exception cref="InvalidValueException">when the rate or eps is not finite and positive or a β is outside [0, 1).</exception>
    let adamWith (learningRate: float) (beta1: float) (beta2: float) (eps: float) =
        checkRate "Optimizer.adam" "learning rate" learningRate
        checkRate "Optimizer.adam" "eps" eps
        for name, b in [ "beta1", beta1; "beta2", beta2 ] do
            if not (b >= 0.0 && b < 1.0) then
                raise (InvalidValueException("Optimizer.adam", sprintf "a %s in [0, 1)" name, string b))
        { Rule = UpdateRule.Adam(beta1, beta2, eps); LearningRate = learningRate; Schedule = Schedule.Constant; ScheduleUnit = ScheduleUnit.Epoch; Clip = None }

    /// Adam with the standard β1 = 0.9, β2 = 0.999 and eps = 1e-8.
    /// <exception cref="InvalidValueException">when the rate is not finite and positive.</exception>
    let adam (learningRate: float) = adamWith learningRate 0.9 0.999 1e-8

    /// The same optimizer clipping every gradient element to [−limit, limit] before its update.
    /// <exception cref="InvalidValueException">when the limit is not finite and positive.</exception>
    let withClipping (limit: float) (optimizer: Optimizer) =
        checkRate "Optimizer.withClipping" "clipping limit" limit
        { optimizer with Clip = Some limit }

    /// The same optimizer with the learning rate decaying to `finalLearningRate` by the last epoch.
    /// <exception cref="InvalidValueException">when the final rate is not finite and positive.</exception>
    let withDecay (decay: DecayType) (finalLearningRate: float) (optimizer: Optimizer) =
        checkRate "Optimizer.withDecay" "final learning rate" finalLearningRate
        { optimizer with Schedule = Schedule.Decay(finalLearningRate, decay); ScheduleUnit = ScheduleUnit.Epoch }

    /// The same optimizer with the given schedule, ticking per epoch or per batch (the book's
    /// decay only per epoch).
    /// <exception cref="InvalidValueException">when a setting is out of range, or the book's decay is asked to tick per batch.</exception>
    let withSchedule (unit: ScheduleUnit) (schedule: Schedule) (optimizer: Optimizer) =
        let op = "Optimizer.withSchedule"
        Schedule.check op schedule
        match schedule, unit with
        | Schedule.Decay _, ScheduleUnit.Batch -> raise (InvalidValueException(op, "the book's decay per epoch", "per batch", "unit"))
        | _ -> ()
        { optimizer with Schedule = schedule; ScheduleUnit = unit }

    /// The rate a state starts a fit with, or moves to after `ticks` ticks.
    let private scheduled (optimizer: Optimizer) (ticks: int) = Schedule.rate optimizer.LearningRate optimizer.Schedule ticks

    /// `init` with the backend's power for the exponential decay's factor
    /// (final/lr)^(1/(epochs − 1)) (the book's code takes it from NumPy's `np.power`).
    let initWith (backend: Backend) (optimizer: Optimizer) (epochs: int) : OptimizerState<'T> =
        let perEpoch =
            match optimizer.Schedule with
            | Schedule.Decay _ when epochs < 2 -> 0.0
            | Schedule.Decay (final, DecayType.Exponential) -> backend.Pow(final / optimizer.LearningRate, 1.0 / float (epochs - 1))
            | Schedule.Decay (final, DecayType.Linear) -> (optimizer.LearningRate - final) / float (epochs - 1)
            | _ -> 0.0
        { LearningRate = scheduled optimizer 0; DecayPerEpoch = perEpoch; Velocities = []; SquareSums = []; Steps = 0 }

    /// The state before the first step of a fit of `epochs` epochs.
    let init (optimizer: Optimizer) (epochs: int) : OptimizerState<'T> = initWith Backend.fast optimizer epochs

    /// The gradients clipped to [−limit, limit] in new tensors (the same tensors without clipping).
    let private clipped<'T when 'T :> Numerics.IFloatingPointIeee754<'T>> (optimizer: Optimizer) (gradients: Tensor<'T> list) : Tensor<'T> list =
        match optimizer.Clip with
        | None -> gradients
        | Some c ->
            let hi = 'T.CreateTruncating c
            gradients |> List.map (fun g ->
                let out = Array.zeroCreate<'T> g.Length
                Numerics.Tensors.TensorPrimitives.Min(ReadOnlySpan<'T>(g.Data), hi, Span<'T>(out))
                Numerics.Tensors.TensorPrimitives.Max(ReadOnlySpan<'T>(out), -hi, Span<'T>(out))
                Tensor.wrap g.Dims out)

    /// The buffers an optimizer updates in place for the trainer: the parameters, and the
    /// moments once the first step has made them.
    type internal Work<'T> =
        { Parameters: TensorBuffer<'T> list
          mutable Velocities: TensorBuffer<'T> list
          mutable SquareSums: TensorBuffer<'T> list }

    /// Buffers holding copies of the parameters and of the state's moments.
    let internal work (state: OptimizerState<'T>) (parameters: Tensor<'T> list) : Work<'T> =
        { Parameters = parameters |> List.map TensorBuffer.Of
          Velocities = state.Velocities |> List.map TensorBuffer.Of
          SquareSums = state.SquareSums |> List.map TensorBuffer.Of }

    /// The state with copies of the work's moments (what a fit's result reports).
    let internal snapshot (state: OptimizerState<'T>) (w: Work<'T>) : OptimizerState<'T> =
        { state with
            Velocities = w.Velocities |> List.map (fun b -> b.Snapshot())
            SquareSums = w.SquareSums |> List.map (fun b -> b.Snapshot()) }

    /// The state after one more step: the step count, and a per-batch schedule's next rate.
    let private stepped (optimizer: Optimizer) (state: OptimizerState<'T>) =
        let steps = state.Steps + 1
        match optimizer.ScheduleUnit with
        | ScheduleUnit.Batch -> { state with Steps = steps; LearningRate = scheduled optimizer steps }
        | ScheduleUnit.Epoch -> { state with Steps = steps }

    let private zeros (parameters: TensorBuffer<'T> list) = parameters |> List.map (fun p -> TensorBuffer<'T>.Zeros p.Dims)

    /// One update written into the work's buffers: for the trainer, on copies it owns and nobody
    /// else can see. Same arithmetic, rounding for rounding, as `step`, in one pass per tensor and
    /// without allocating (except for clipped gradients and the adaptive rules' scratch). Returns
    /// the state's new step count (its moments stay in the buffers).
    /// <exception cref="ShapeMismatchException">when the gradients do not match the parameters.</exception>
    let internal stepInPlace<'T when 'T :> Numerics.IFloatingPointIeee754<'T>> (optimizer: Optimizer) (state: OptimizerState<'T>)
                                 (w: Work<'T>) (gradients: Tensor<'T> list) : OptimizerState<'T> =
        let op = "Optimizer.step"
        let parameters = w.Parameters
        if parameters.Length <> gradients.Length then
            raise (ShapeMismatchException(op, sprintf "%d gradients, one per parameter" parameters.Length, sprintf "%d" gradients.Length, "gradients"))
        let gradients = clipped optimizer gradients
        List.iter2 (fun (p: TensorBuffer<'T>) (g: Tensor<'T>) -> Shape.checkSame op "parameter" p.Dims "gradient" g.Dims) parameters gradients
        let lr = 'T.CreateTruncating state.LearningRate
        match optimizer.Rule with
        | UpdateRule.SGD ->
            List.iter2 (fun (p: TensorBuffer<'T>) (g: Tensor<'T>) ->
                Numerics.Tensors.TensorPrimitives.MultiplyAdd(ReadOnlySpan<'T>(g.Data), -lr, ReadOnlySpan<'T>(p.Data), Span<'T>(p.Data))) parameters gradients
        | UpdateRule.Momentum m ->
            if w.Velocities.IsEmpty then w.Velocities <- zeros parameters
            let momentum = 'T.CreateTruncating m
            List.iter2 (fun ((p: TensorBuffer<'T>), (g: Tensor<'T>)) (v: TensorBuffer<'T>) ->
                let vs = Span<'T>(v.Data)
                Numerics.Tensors.TensorPrimitives.Multiply(ReadOnlySpan<'T>(v.Data), momentum, vs)
                Numerics.Tensors.TensorPrimitives.MultiplyAdd(ReadOnlySpan<'T>(g.Data), lr, ReadOnlySpan<'T>(v.Data), vs)
                Numerics.Tensors.TensorPrimitives.Subtract(ReadOnlySpan<'T>(p.Data), ReadOnlySpan<'T>(v.Data), Span<'T>(p.Data)))
                (List.zip parameters gradients) w.Velocities
        | UpdateRule.AdaGrad _ | UpdateRule.Adam _ ->
            if w.SquareSums.IsEmpty then w.SquareSums <- zeros parameters
            match optimizer.Rule with
            | UpdateRule.Adam _ when w.Velocities.IsEmpty -> w.Velocities <- zeros parameters
            | _ -> ()
            let t = state.Steps + 1
            List.iteri2 (fun k (p: TensorBuffer<'T>) (g: Tensor<'T>) ->
                let s = w.SquareSums.[k]
                Shape.checkSame op "parameter" p.Dims "moment" s.Dims
                let tmp = Array.zeroCreate<'T> p.Data.Length
                let gData = g.Data
                let g = ReadOnlySpan<'T>(gData)
                // The step is tmp ⊙ direction: the gradient for AdaGrad, the first moment for Adam.
                let direction =
                    match optimizer.Rule with
                    | UpdateRule.AdaGrad eps ->
                        // s ← s + (eps + g²); p ← p − (lr/√s)·g.
                        Numerics.Tensors.TensorPrimitives.MultiplyAdd(g, g, 'T.CreateTruncating eps, Span<'T>(tmp))
                        Numerics.Tensors.TensorPrimitives.Add(ReadOnlySpan<'T>(s.Data), ReadOnlySpan<'T>(tmp), Span<'T>(s.Data))
                        Numerics.Tensors.TensorPrimitives.Sqrt(ReadOnlySpan<'T>(s.Data), Span<'T>(tmp))
                        Numerics.Tensors.TensorPrimitives.Divide(lr, ReadOnlySpan<'T>(tmp), Span<'T>(tmp))
                        gData
                    | UpdateRule.Adam (beta1, beta2, eps) ->
                        let m = w.Velocities.[k]
                        Shape.checkSame op "parameter" p.Dims "moment" m.Dims
                        let b1, b2 = 'T.CreateTruncating beta1, 'T.CreateTruncating beta2
                        Numerics.Tensors.TensorPrimitives.Multiply(ReadOnlySpan<'T>(m.Data), b1, Span<'T>(m.Data))
                        Numerics.Tensors.TensorPrimitives.MultiplyAdd(g, 'T.One - b1, ReadOnlySpan<'T>(m.Data), Span<'T>(m.Data))
                        Numerics.Tensors.TensorPrimitives.Multiply(ReadOnlySpan<'T>(s.Data), b2, Span<'T>(s.Data))
                        Numerics.Tensors.TensorPrimitives.Multiply(g, g, Span<'T>(tmp))
                        Numerics.Tensors.TensorPrimitives.MultiplyAdd(ReadOnlySpan<'T>(tmp), 'T.One - b2, ReadOnlySpan<'T>(s.Data), Span<'T>(s.Data))
                        // tmp ← (lr/(1 − β1ᵗ)) / (√(v/(1 − β2ᵗ)) + eps), then the step is tmp·m.
                        let c1 = 'T.One - 'T.CreateTruncating (Math.Pow(beta1, float t))
                        let c2 = 'T.One - 'T.CreateTruncating (Math.Pow(beta2, float t))
                        Numerics.Tensors.TensorPrimitives.Divide(ReadOnlySpan<'T>(s.Data), c2, Span<'T>(tmp))
                        Numerics.Tensors.TensorPrimitives.Sqrt(ReadOnlySpan<'T>(tmp), Span<'T>(tmp))
                        Numerics.Tensors.TensorPrimitives.Add(ReadOnlySpan<'T>(tmp), 'T.CreateTruncating eps, Span<'T>(tmp))
                        Numerics.Tensors.TensorPrimitives.Divide(lr / c1, ReadOnlySpan<'T>(tmp), Span<'T>(tmp))
                        m.Data
                    | UpdateRule.SGD | UpdateRule.Momentum _ -> gData
                Numerics.Tensors.TensorPrimitives.Multiply(ReadOnlySpan<'T>(tmp), ReadOnlySpan<'T>(direction), Span<'T>(tmp))
                Numerics.Tensors.TensorPrimitives.Subtract(ReadOnlySpan<'T>(p.Data), ReadOnlySpan<'T>(tmp), Span<'T>(p.Data))) parameters gradients
        stepped optimizer state

    /// One update of the parameters with their gradients (clipped first when the optimizer clips).
    /// Pure: returns new parameters and a new state.
    /// <exception cref="ShapeMismatchException">when the gradients do not match the parameters.</exception>
    let step (optimizer: Optimizer) (state: OptimizerState<'T>) (parameters: Tensor<'T> list) (gradients: Tensor<'T> list) =
        match optimizer.Rule with
        | UpdateRule.SGD -> Sgd.step state.LearningRate parameters (clipped optimizer gradients), stepped optimizer state
        | UpdateRule.Momentum m ->
            let v = if state.Velocities.IsEmpty then Momentum.init parameters else state.Velocities
            let ps, v = Momentum.step state.LearningRate m v parameters (clipped optimizer gradients)
            ps, stepped optimizer { state with Velocities = v }
        | UpdateRule.AdaGrad _ | UpdateRule.Adam _ ->
            // The in-place arithmetic on copies, so that both entry points agree bit for bit.
            let w = work state parameters
            let state = stepInPlace optimizer state w gradients
            w.Parameters |> List.map (fun b -> b.Snapshot()), snapshot state w

    /// The state after epoch `epoch` (from 1) ends: the book's decay takes one step, a per-epoch
    /// schedule moves to its rate at t = epoch; a per-batch schedule has already moved.
    let endEpoch (optimizer: Optimizer) (epoch: int) (state: OptimizerState<'T>) : OptimizerState<'T> =
        match optimizer.Schedule, optimizer.ScheduleUnit with
        | Schedule.Decay (_, DecayType.Exponential), _ -> { state with LearningRate = state.LearningRate * state.DecayPerEpoch }
        | Schedule.Decay (_, DecayType.Linear), _ -> { state with LearningRate = state.LearningRate - state.DecayPerEpoch }
        | Schedule.Constant, _ | _, ScheduleUnit.Batch -> state
        | schedule, ScheduleUnit.Epoch -> { state with LearningRate = Schedule.rate optimizer.LearningRate schedule epoch }
