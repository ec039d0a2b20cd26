namespace DeepFunctional.Book

open System.Threading
open DeepFunctional

/// The book's chapter 3 as data, defined once: the three models trained on the Boston data,
/// their settings, and the numbers the book's code prints for each (NumPy 1.24, double precision).
[<RequireQualifiedAccess>]
module Chapter3 =

    /// One of the chapter's models with the numbers the book's code prints for it.
    type Model =
        { /// The model's name, e.g. "one hidden layer".
          Name: string
          /// Its layers: dense, sigmoid hidden units, one linear output.
          Layers: Layer list
          /// The validation losses printed after 10, 20, 30, 40 and 50 epochs, as printed.
          Losses: string list
          /// The mean absolute error printed at the end (two decimals).
          Mae: string
          /// The root mean squared error printed at the end (two decimals).
          Rmse: string }

    /// The book's seed, for the networks and for `fit`.
    [<Literal>]
    let Seed = 20190501L

    /// The book's learning rate (SGD).
    [<Literal>]
    let LearningRate = 0.01

    /// The book's number of epochs.
    [<Literal>]
    let Epochs = 50

    /// The book's evaluation period.
    [<Literal>]
    let EvalEvery = 10

    /// The book's batch size.
    [<Literal>]
    let BatchSize = 32

    /// The epochs after which the book prints a validation loss.
    let bookEpochs = [ 10; 20; 30; 40; 50 ]

    let private sigmoid n = Layer.Dense (Dense.create n Activation.Sigmoid)
    let private linear n = Layer.Dense (Dense.create n Activation.Linear)

    /// The three models and what the book's code prints for them.
    let models: Model list =
        [ { Name = "linear regression"; Layers = [ linear 1 ]
            Losses = [ "30.293"; "28.469"; "26.293"; "25.541"; "25.087" ]; Mae = "3.52"; Rmse = "5.01" }
          { Name = "one hidden layer"; Layers = [ sigmoid 13; linear 1 ]
            Losses = [ "27.435"; "21.839"; "18.918"; "17.195"; "16.215" ]; Mae = "2.60"; Rmse = "4.03" }
          { Name = "two hidden layers"; Layers = [ sigmoid 13; sigmoid 13; linear 1 ]
            Losses = [ "44.143"; "25.278"; "22.339"; "16.500"; "14.655" ]; Mae = "2.45"; Rmse = "3.83" } ]

    /// The network of a model as the book builds it: mean squared error, the book's seeding.
    let network<'T> (seed: int64) (model: Model) : NeuralNetwork<'T> =
        NeuralNetwork.create model.Layers Loss.MeanSquaredError seed |> NeuralNetwork.withSeeding Book.seeding

    /// The book's `fit` settings: 50 epochs, evaluation every 10, batches of 32, seed 20190501.
    let options =
        { FitOptions.defaults with Epochs = Epochs; EvalEvery = EvalEvery; BatchSize = BatchSize; Seed = Seed }

    /// What one model's run produced.
    type Result<'T> =
        { /// The model.
          Model: Model
          /// The fit's result.
          Fit: FitResult<'T>
          /// The mean absolute error of the final network on the test set.
          Mae: float
          /// The root mean squared error of the final network on the test set.
          Rmse: float }

    /// Trains a model on the book's split as the book does (`Book.line` gives the lines it prints).
    let run (onEvent: TrainingEvent -> unit) (cancellation: CancellationToken) (model: Model) (data: TrainTest<'T>) : Result<'T> =
        let fit = Trainer.fitWith onEvent cancellation options (Optimizer.sgd LearningRate) (network Seed model) data.XTrain data.YTrain data.XTest data.YTest
        let p = NeuralNetwork.forward fit.Network data.XTest
        { Model = model; Fit = fit; Mae = Metrics.meanAbsoluteError p data.YTest; Rmse = Metrics.rootMeanSquaredError p data.YTest }
