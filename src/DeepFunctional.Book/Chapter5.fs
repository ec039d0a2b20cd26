namespace DeepFunctional.Book

open System
open System.Threading
open DeepFunctional

/// The book's chapter-5 experiment (a convolutional network on 28x28 images, one epoch,
/// the test accuracy every 100 batches) and chapter 7's deeper convolutional network, as
/// data, and one function that runs either, in the book's mode or ours.
[<RequireQualifiedAccess>]
module Chapter5 =

    /// One experiment: its network, loss, optimizer and length (the same record as chapter 4's;
    /// Name is "book" or "ch7").
    type Config = Chapter4.Config

    /// The book's batch size: 60 (1,000 batches per epoch of 60,000 images).
    [<Literal>]
    let BatchSize = 60

    /// The test accuracy is measured every this many batches, as the book's `conv_testing` does.
    [<Literal>]
    let CheckEvery = 100

    /// The seed of the networks and of training.
    [<Literal>]
    let Seed = 190119L

    let private glorot book (spec: Conv2DSpec) =
        spec |> Conv2D.withWeightInit (if book then Book.glorot else WeightInit.Glorot)
    let private convDropout book keep (spec: Conv2DSpec) =
        spec |> Conv2D.withDropout (if book then Book.dropoutScaling else DropoutScaling.Inverted) keep
    let private denseGlorot book (spec: DenseSpec) =
        spec |> Dense.withWeightInit (if book then Book.glorot else WeightInit.Glorot)
    let private denseDropout book keep (spec: DenseSpec) =
        spec |> Dense.withDropout (if book then Book.dropoutScaling else DropoutScaling.Inverted) keep
    let private sce book = if book then Book.softmaxCrossEntropy else Loss.softmaxCrossEntropy

    /// The book's chapter-5 network: 16 kernels of 5x5 with tanh, "glorot", flattened to
    /// 16·28·28 = 12,544 units with dropout 0.8, then 10 linear outputs; softmax cross-entropy
    /// and SGD with momentum (0.1, 0.9).
    let book: Config =
        { Name = "book"
          Description = "the book's chapter 5: Conv2D(16, 5x5, tanh) flattened, Dense(10)"
          Layers = (fun b ->
            [ Layer.Conv2D (Conv2D.create 16 5 Activation.Tanh |> glorot b |> Conv2D.withFlatten true |> convDropout b 0.8)
              Layer.Dense (Dense.create 10 Activation.Linear) ])
          Loss = sce
          Optimizer = Optimizer.sgdMomentum 0.1 0.9
          Epochs = 1 }

    /// Chapter 7's network (written there in PyTorch): two tanh convolutions of 5x5, 1→14 and
    /// 14→7 channels, flattened to 7·28·28 = 5,488 units, a dense layer of 32 tanh units with
    /// dropout 0.8 and 10 linear outputs; softmax cross-entropy and SGD with momentum (0.01,
    /// 0.9). Every layer starts from Glorot's initialisation (the book's "glorot" in book mode,
    /// where the book's seeding, loss value and dropout scaling apply too).
    let ch7: Config =
        { Name = "ch7"
          Description = "chapter 7's CNN: Conv2D(14, 5x5, tanh), Conv2D(7, 5x5, tanh) flattened, Dense(32, tanh), Dense(10)"
          Layers = (fun b ->
            [ Layer.Conv2D (Conv2D.create 14 5 Activation.Tanh |> glorot b)
              Layer.Conv2D (Conv2D.create 7 5 Activation.Tanh |> glorot b |> Conv2D.withFlatten true)
              Layer.Dense (Dense.create 32 Activation.Tanh |> denseGlorot b |> denseDropout b 0.8)
              Layer.Dense (Dense.create 10 Activation.Linear |> denseGlorot b) ])
          Loss = sce
          Optimizer = Optimizer.sgdMomentum 0.01 0.9
          Epochs = 1 }

    /// The experiments: the book's network, then chapter 7's.
    let configs: Config list = [ book; ch7 ]

    /// The experiment of that name.
    /// <exception cref="InvalidValueException">when no experiment has that name.</exception>
    let find (name: string) =
        match configs |> List.tryFind (fun c -> c.Name = name) with
        | Some c -> c
        | None ->
            raise (InvalidValueException("Chapter5.find", sprintf "one of %s" (configs |> List.map (fun c -> c.Name) |> String.concat ", "), name))

    /// The test accuracy measured during training.
    type AccuracyCheck =
        { /// The 1-based epoch.
          Epoch: int
          /// The number of batches trained in that epoch so far.
          Batches: int
          /// The fraction of test images classified correctly, in 0..1.
          Accuracy: float }

    /// What a run produced.
    type Result<'T> =
        { /// The experiment.
          Config: Config
          /// Whether it ran in book mode.
          Book: bool
          /// The fit's result (the network, evaluations, early stop).
          Fit: FitResult<'T>
          /// The accuracies measured every `CheckEvery` batches, in order.
          Checks: AccuracyCheck list
          /// The fraction of test images classified correctly by the final network (in book
          /// mode by the network as the last epoch left it, as in chapter 4).
          Accuracy: float
          /// The test loss of that network, from the fit's evaluations (no extra pass over the test set).
          ValidationLoss: float
          /// The predicted class of every test image.
          Predictions: int[] }

    /// The network an experiment starts from: seed 190119, book seeding in book mode.
    let network<'T> (book: bool) (config: Config) : NeuralNetwork<'T> =
        NeuralNetwork.create (config.Layers book) (config.Loss book) Seed
        |> NeuralNetwork.withSeeding (if book then Book.seeding else Seeding.PerNetwork)

    /// The fit options of an experiment: batch 60, the test loss after every epoch (the book's
    /// `eval_every=1`), seed 190119; in book mode early stopping keeps the book's snapshot,
    /// otherwise the best evaluated model.
    let options (book: bool) (config: Config) =
        { FitOptions.defaults with
            Epochs = config.Epochs; EvalEvery = 1; BatchSize = BatchSize; Seed = Seed
            EarlyStoppingModel = if book then Book.earlyStopping else EarlyStoppingModel.Best }

    /// The predicted class of every image of x: [count; channels; h; w] -> count classes, in
    /// inference mode (`NeuralNetwork.predict`: a chunk of the backend's `EvaluationRows` at a time).
    let predictClasses (net: NeuralNetwork<'T>) (x: Tensor<'T>) : int[] =
        Classification.argmax (NeuralNetwork.predict net x)

    /// Runs an experiment on prepared images (`Classification.prepareImages`: inputs
    /// [count; 1; rows; cols] standardised, one-hot targets): trains it, every `CheckEvery`
    /// batches of an epoch measures the accuracy on the whole test set in inference mode and
    /// hands it to `onCheck`, and at the end measures the accuracy of the network it keeps.
    /// <exception cref="ShapeMismatchException">when the inputs are not images of rank 4.</exception>
    let run (book: bool) (onEvent: TrainingEvent -> unit) (onCheck: AccuracyCheck -> unit) (cancellation: CancellationToken)
            (config: Config) (data: ClassificationData<'T>) : Result<'T> =
        let d = data.Split
        Shape.checkRank "Chapter5.run" "XTrain (images from Classification.prepareImages)" 4 d.XTrain.Dims
        Shape.checkRank "Chapter5.run" "XTest (images from Classification.prepareImages)" 4 d.XTest.Dims
        let checks = ResizeArray()
        let monitor =
            { OnEvent = onEvent
              CheckEvery = CheckEvery
              CheckLastBatch = false
              Cancellation = cancellation
              OnCheck = fun epoch batches net ->
                let c = { Epoch = epoch; Batches = batches; Accuracy = Classification.accuracy (predictClasses net d.XTest) data.TestLabels }
                checks.Add c
                onCheck c }
        let fit = Trainer.fitMonitored monitor (options book config) config.Optimizer (network book config) d.XTrain d.YTrain d.XTest d.YTest
        let measured = if book then fit.LastTrained else fit.Network
        let predictions = predictClasses measured d.XTest
        // Every epoch is evaluated; the last evaluation is of the last trained network, and our
        // early stopping keeps the best evaluated one.
        let losses = fit.Evaluations |> List.map (fun e -> e.Loss)
        let validationLoss =
            match fit.StoppedEarlyAt, losses |> List.filter Double.IsFinite with
            | Some _, (_ :: _ as finite) when not book -> List.min finite
            | _ -> List.last losses
        { Config = config; Book = book; Fit = fit; Checks = List.ofSeq checks
          Accuracy = Classification.accuracy predictions data.TestLabels; ValidationLoss = validationLoss; Predictions = predictions }

    /// The book's line for a check: "Validation accuracy after 100 batches is 79.65%".
    let checkLine (check: AccuracyCheck) =
        sprintf "Validation accuracy after %d batches is %.2f%%" check.Batches (check.Accuracy * 100.0)

    /// The accuracy line the book prints, e.g. "The model validation accuracy is: 90.12%".
    let accuracyLine (accuracy: float) = Chapter4.accuracyLine accuracy
