namespace DeepFunctional.Book

open System
open System.Threading
open DeepFunctional

/// The book's chapter-4 experiments (classification of 28x28 images into 10 classes) as data,
/// and one function that runs any of them, in the book's mode or ours.
[<RequireQualifiedAccess>]
module Chapter4 =

    /// One experiment: its network, loss, optimizer and length.
    type Config =
        { /// The name used on the command line, e.g. "sce-momentum".
          Name: string
          /// What the experiment adds, in a few words.
          Description: string
          /// The layers, given whether the run is in book mode (Glorot and dropout differ).
          Layers: bool -> Layer list
          /// The loss, given whether the run is in book mode.
          Loss: bool -> Loss
          /// The optimizer.
          Optimizer: Optimizer
          /// The number of epochs.
          Epochs: int }

    /// The book's batch size for every chapter-4 experiment.
    [<Literal>]
    let BatchSize = 60

    /// The book's evaluation period.
    [<Literal>]
    let EvalEvery = 5

    /// The book's seed, for the network and for `fit`.
    [<Literal>]
    let Seed = 190119L

    let private dense neurons activation = Dense.create neurons activation
    let private glorot book (spec: DenseSpec) =
        spec |> Dense.withWeightInit (if book then Book.glorot else WeightInit.Glorot)
    let private dropout book keep (spec: DenseSpec) =
        spec |> Dense.withDropout (if book then Book.dropoutScaling else DropoutScaling.Inverted) keep
    let private shallow (output: Activation) (init: bool -> DenseSpec -> DenseSpec) book =
        [ Layer.Dense (dense 89 Activation.Sigmoid |> init book); Layer.Dense (dense 10 output |> init book) ]
    let private noInit (_: bool) (spec: DenseSpec) = spec
    let private sce book = if book then Book.softmaxCrossEntropy else Loss.softmaxCrossEntropy
    let private momentum = Optimizer.sgdMomentum 0.1 0.9
    let private expDecay = Optimizer.sgdMomentum 0.2 0.9 |> Optimizer.withDecay DecayType.Exponential 0.05

    /// The experiments in the book's order.
    let configs: Config list =
        [ { Name = "mse"; Description = "sigmoid outputs, mean squared error, SGD 0.1"
            Layers = shallow Activation.Sigmoid noInit; Loss = (fun _ -> Loss.MeanSquaredError)
            Optimizer = Optimizer.sgd 0.1; Epochs = 50 }
          { Name = "mse-normalized"; Description = "as mse, each output row divided by its sum"
            Layers = shallow Activation.Sigmoid noInit; Loss = (fun book -> if book then Book.normalizedMeanSquaredError else Loss.NormalizedMeanSquaredError)
            Optimizer = Optimizer.sgd 0.1; Epochs = 50 }
          { Name = "sce-sgd"; Description = "linear outputs, softmax cross-entropy, SGD 0.1"
            Layers = shallow Activation.Linear noInit; Loss = sce; Optimizer = Optimizer.sgd 0.1; Epochs = 50 }
          { Name = "sce-momentum"; Description = "softmax cross-entropy, SGD with momentum 0.9"
            Layers = shallow Activation.Linear noInit; Loss = sce; Optimizer = momentum; Epochs = 50 }
          { Name = "linear-decay"; Description = "momentum, learning rate 0.15 to 0.05 linearly"
            Layers = shallow Activation.Linear noInit; Loss = sce
            Optimizer = Optimizer.sgdMomentum 0.15 0.9 |> Optimizer.withDecay DecayType.Linear 0.05; Epochs = 25 }
          { Name = "exp-decay"; Description = "momentum, learning rate 0.2 to 0.05 exponentially"
            Layers = shallow Activation.Linear noInit; Loss = sce; Optimizer = expDecay; Epochs = 25 }
          { Name = "glorot"; Description = "exp-decay with Glorot initialisation"
            Layers = shallow Activation.Linear glorot; Loss = sce; Optimizer = expDecay; Epochs = 25 }
          { Name = "deep-dropout"; Description = "178 and 46 tanh units with dropout 0.8, Glorot, exp-decay"
            Layers = (fun book ->
                [ Layer.Dense (dense 178 Activation.Tanh |> glorot book |> dropout book 0.8)
                  Layer.Dense (dense 46 Activation.Tanh |> glorot book |> dropout book 0.8)
                  Layer.Dense (dense 10 Activation.Linear |> glorot book) ])
            Loss = sce; Optimizer = expDecay; Epochs = 20 } ]

    /// The experiment of that name.
    /// <exception cref="InvalidValueException">when no experiment has that name.</exception>
    let find (name: string) =
        match configs |> List.tryFind (fun c -> c.Name = name) with
        | Some c -> c
        | None ->
            raise (InvalidValueException("Chapter4.find", sprintf "one of %s" (configs |> List.map (fun c -> c.Name) |> String.concat ", "), name))

    /// What a run produced.
    type Result<'T> =
        { /// The experiment.
          Config: Config
          /// Whether it ran in book mode.
          Book: bool
          /// The fit's result (the network, evaluations, early stop).
          Fit: FitResult<'T>
          /// The fraction of test images classified correctly: by the final network, or in book
          /// mode by the network as the last epoch left it, as the book's `calc_accuracy_model(model, ...)`
          /// measures it (the book's early stopping restores only the trainer's copy).
          Accuracy: float
          /// The predicted class of every test image.
          Predictions: int[] }

    /// The network an experiment starts from: seed 190119; in book mode the book's seeding and,
    /// in double precision, NumPy's arithmetic (so that the run repeats the book's code bit for bit).
    let network<'T> (book: bool) (config: Config) : NeuralNetwork<'T> =
        NeuralNetwork.create (config.Layers book) (config.Loss book) Seed
        |> NeuralNetwork.withSeeding (if book then Book.seeding else Seeding.PerNetwork)
        |> NeuralNetwork.withBackend (if book && typeof<'T> = typeof<float> then Book.numPy else Backend.fast)

    /// The fit options of an experiment: batch 60, evaluation every 5 epochs, seed 190119; in book
    /// mode early stopping keeps the book's snapshot, otherwise the best evaluated model.
    let options (book: bool) (config: Config) =
        { FitOptions.defaults with
            Epochs = config.Epochs; EvalEvery = EvalEvery; BatchSize = BatchSize; Seed = Seed
            EarlyStoppingModel = if book then Book.earlyStopping else EarlyStoppingModel.Best }

    /// Runs an experiment on prepared data (inputs standardised, one-hot targets) and measures
    /// the test accuracy of the network it ends with.
    let run (book: bool) (onEvent: TrainingEvent -> unit) (cancellation: CancellationToken) (config: Config)
            (data: ClassificationData<'T>) : Result<'T> =
        let d = data.Split
        let fit = Trainer.fitWith onEvent cancellation (options book config) config.Optimizer (network book config) d.XTrain d.YTrain d.XTest d.YTest
        let measured = if book then fit.LastTrained else fit.Network
        let predictions = Classification.argmax (NeuralNetwork.forward measured d.XTest)
        { Config = config; Book = book; Fit = fit; Accuracy = Classification.accuracy predictions data.TestLabels; Predictions = predictions }

    /// The book's lines for a chapter-4 event (its early-stopping message differs from chapter 3's).
    let bookLine (event: TrainingEvent) : string option = Book.chapter4Line event

    /// The accuracy line the book prints, e.g. "The model validation accuracy is: 83.93%".
    let accuracyLine (accuracy: float) = sprintf "The model validation accuracy is: %.2f%%" (accuracy * 100.0)
