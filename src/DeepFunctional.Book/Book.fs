namespace DeepFunctional.Book

open System
open System.Numerics
open DeepFunctional

/// The book's 2019 "glorot": normal draws with standard deviation 2/(fanIn + fanOut), not
/// Glorot's √(2/(fanIn + fanOut)), for dense and convolutional layers alike (the kernel's
/// receptive field does not enter). The book's printed chapter-4 and 5 results come from it.
[<RequireQualifiedAccess>]
module BookInit =

    /// The book's "glorot" as a weight initialisation.
    let glorot: WeightInit = WeightInit.Scaled(ScaledInit("BookGlorot", fun fanIn fanOut _ -> 2.0 / float (fanIn + fanOut)))

/// The book's order of draws: every layer re-seeds the generator with the network's seed when
/// it first sees data (so all layers start from the same numbers), and training (the epochs'
/// permutations, the dropout masks) goes on from the stream after the last layer's draws, as
/// NumPy's global `np.random` does in the book's code.
type BookSeeding() =
    inherit SeedingStrategy("Book")
    override _.LayerGenerator(networkSeed: int64, _training: Rng, _layers: Rng) = Rng.seed networkSeed
    override _.SharesTrainingStream = true

/// The book's early stopping (chapter 4's `Trainer`): a copy of the network taken at the start of
/// the last epoch of every evaluation period; when an evaluation does not improve, that copy is
/// kept (its message still names the previous evaluation's epoch).
type BookEarlyStopping() =
    inherit EarlyStoppingStrategy("Book")
    override _.SnapshotBefore(epoch: int, evalEvery: int) = epoch % evalEvery = 0

/// The book's softmax cross-entropy loss value (chapter 4): Σ(−y·log p − (1 − y)·log(1 − p))/N
/// with p = clip(softmax, eps, 1 − eps), a sum of binary cross-entropies, which is not the loss
/// whose gradient it back-propagates: (clip(softmax) − y)/N. With the NumPy backend it is
/// computed as the book's code computes it (SciPy's softmax, NumPy's log and pairwise sum).
type BookSoftmaxCrossEntropy(eps: float) =
    inherit CustomLoss("BookSoftmaxCrossEntropy", Loss.SoftmaxCrossEntropy(eps, Reduction.Mean))

    /// The clipping constant.
    member _.Eps = eps

    /// clip(softmax of the rows, eps, 1 − eps) with the backend's softmax.
    member internal _.Clipped<'T when 'T :> IFloatingPointIeee754<'T>>(backend: Backend, logits: Tensor<'T>) : Tensor<'T> =
        let p = backend.Softmax(SoftmaxCrossEntropy.rows logits)
        let out = Array.zeroCreate<'T> p.Length
        Tensors.TensorPrimitives.Max(ReadOnlySpan<'T>(p.Data), 'T.CreateTruncating eps, Span<'T>(out))
        Tensors.TensorPrimitives.Min(ReadOnlySpan<'T>(out), 'T.CreateTruncating (1.0 - eps), Span<'T>(out))
        Tensor.wrap p.Dims out

    override this.Forward<'T when 'T :> IFloatingPointIeee754<'T>>(backend: Backend, logits: Tensor<'T>, target: Tensor<'T>) =
        let n, _ = SoftmaxCrossEntropy.check "SoftmaxCrossEntropy.forward" eps logits target
        match backend with
        | :? NumPyBackend when typeof<'T> = typeof<float> ->
            let p = this.Clipped(backend, logits).Data |> Array.map Num.toFloat
            let y = target.Data |> Array.map Num.toFloat
            let terms = Array.zeroCreate<float> p.Length
            for i in 0 .. p.Length - 1 do
                // -1.0 * target * np.log(p) - (1.0 - target) * np.log(1 - p), left to right.
                terms.[i] <- -1.0 * y.[i] * NumPyArithmetic.log p.[i] - (1.0 - y.[i]) * NumPyArithmetic.log (1.0 - p.[i])
            NumPyArithmetic.sum terms / float n
        | _ ->
            let p = (Tensor.softmaxRows (SoftmaxCrossEntropy.rows logits)).Data
            let mutable s = 0.0
            for i in 0 .. p.Length - 1 do
                let pi = min (1.0 - eps) (max eps (Num.toFloat p.[i]))
                let y = Num.toFloat target.Data.[i]
                s <- s + (-y * log pi - (1.0 - y) * log (1.0 - pi))
            s / float n

    override this.Backward<'T when 'T :> IFloatingPointIeee754<'T>>(backend: Backend, logits: Tensor<'T>, target: Tensor<'T>) =
        let n, _ = SoftmaxCrossEntropy.check "SoftmaxCrossEntropy.backward" eps logits target
        let p = this.Clipped(backend, logits)
        let out = p.Data
        Tensors.TensorPrimitives.Subtract(ReadOnlySpan<'T>(out), ReadOnlySpan<'T>(target.Data), Span<'T>(out))
        Tensors.TensorPrimitives.Divide(ReadOnlySpan<'T>(out), 'T.CreateTruncating n, Span<'T>(out))
        Tensor.wrap logits.Dims out

/// The book's `MeanSquaredError(normalize=True)` gradient: the loss of the row-normalised
/// predictions, with the gradient 2(p̂ − y)/N with respect to the *normalised* predictions passed
/// back as if it were the gradient for the raw ones.
type BookNormalizedMeanSquaredError() =
    inherit CustomLoss("BookNormalizedMeanSquaredError", Loss.NormalizedMeanSquaredError)
    override _.Forward<'T when 'T :> IFloatingPointIeee754<'T>>(backend: Backend, prediction: Tensor<'T>, target: Tensor<'T>) =
        NormalizedMeanSquaredError.forwardWith backend prediction target |> Num.toFloat
    override _.Backward<'T when 'T :> IFloatingPointIeee754<'T>>(backend: Backend, prediction: Tensor<'T>, target: Tensor<'T>) =
        Shape.checkSame "NormalizedMeanSquaredError.backward" "prediction" prediction.Dims "target" target.Dims
        MeanSquaredError.backward (NormalizedMeanSquaredError.normalizeWith backend prediction) target

/// The book's chapter-6 sequence loss: the sum over batch and time of its chapter-4 loss value,
/// with the gradient p − y (clipped p), not divided by the number of predictions.
type BookSequenceLoss(eps: float) =
    inherit CustomLoss("BookSequenceLoss", Loss.SoftmaxCrossEntropy(eps, Reduction.Sum))
    let perStep = BookSoftmaxCrossEntropy(eps)
    override _.Forward<'T when 'T :> IFloatingPointIeee754<'T>>(backend: Backend, logits: Tensor<'T>, target: Tensor<'T>) =
        let n, _ = SoftmaxCrossEntropy.check "SoftmaxCrossEntropy.forward" eps logits target
        perStep.Forward(backend, logits, target) * float n
    override _.Backward<'T when 'T :> IFloatingPointIeee754<'T>>(backend: Backend, logits: Tensor<'T>, target: Tensor<'T>) =
        let n, _ = SoftmaxCrossEntropy.check "SoftmaxCrossEntropy.backward" eps logits target
        let g = perStep.Backward(backend, logits, target)
        Tensors.TensorPrimitives.Multiply(ReadOnlySpan<'T>(g.Data), 'T.CreateTruncating n, Span<'T>(g.Data))
        g

/// The book's behaviour as values the core accepts: its seeding, "glorot", dropout, early
/// stopping, losses and arithmetic, and the lines its code prints.
[<RequireQualifiedAccess>]
module Book =

    /// The book's seeding (`BookSeeding`).
    let seeding: Seeding = Seeding.Strategy(BookSeeding())

    /// The book's "glorot" (`BookInit.glorot`).
    let glorot = BookInit.glorot

    /// The book's dropout: the original form, masks without rescaling in training and × keep in inference.
    let dropoutScaling = DropoutScaling.Classic

    /// The book's early-stopping copy (`BookEarlyStopping`).
    let earlyStopping: EarlyStoppingModel = EarlyStoppingModel.Strategy(BookEarlyStopping())

    /// The book's softmax cross-entropy with its eps of 1e-9 (`BookSoftmaxCrossEntropy`).
    let softmaxCrossEntropy: Loss = Loss.Custom(BookSoftmaxCrossEntropy(SoftmaxCrossEntropy.DefaultEps))

    /// The book's normalised mean squared error (`BookNormalizedMeanSquaredError`).
    let normalizedMeanSquaredError: Loss = Loss.Custom(BookNormalizedMeanSquaredError())

    /// The book's chapter-6 sequence loss (`BookSequenceLoss`).
    let sequenceLoss: Loss = Loss.Custom(BookSequenceLoss(SoftmaxCrossEntropy.DefaultEps))

    /// NumPy's arithmetic (`NumPyBackend`).
    let numPy: Backend = NumPyBackend.instance

    /// The line the book's chapter-3 code prints for an event, if it prints one.
    let line (event: TrainingEvent) : string option =
        match event with
        | Evaluated (e, loss, _) -> Some(sprintf "Validation loss after %d epochs is %.3f" e loss)
        | EarlyStopped (e, _, best, bestEpoch) ->
            Some(sprintf "Loss increased after epoch %d, final loss was %.3f, using the model from epoch %d" e best bestEpoch)
        | _ -> None

    /// The lines of the book's chapter-4 code for an event (its early-stopping message differs from chapter 3's).
    let chapter4Line (event: TrainingEvent) : string option =
        match event with
        | EarlyStopped (e, _, best, bestEpoch) ->
            Some(sprintf "\nLoss increased after epoch %d, final loss was %.3f, \nusing the model from epoch %d" e best bestEpoch)
        | other -> line other
