namespace DeepFunctional.Book

open System
open System.Threading
open DeepFunctional

/// Chapter 7's convolutional autoencoder as data: the book's network (and two variants), its
/// pixel scaling, and one function that trains it on images without their labels and returns
/// the test error and the 28-number codes of the test images.
[<RequireQualifiedAccess>]
module Chapter7 =

    /// The decoder's upsampling layers.
    [<RequireQualifiedAccess>]
    type Decoder =
        /// The book's: "same" convolutions after the reshape.
        | Conv
        /// The same decoder with transposed convolutions (`--decoder deconv`).
        | Deconv

    /// The network's shape.
    [<RequireQualifiedAccess>]
    type Net =
        /// The book's: every layer at 28x28.
        | Book
        /// Downsampling with stride-2 convolutions to 14x14 and 7x7, upsampling with stride-2
        /// transposed convolutions (`--net strided`).
        | Strided

    /// One autoencoder experiment.
    type Config =
        { Net: Net
          Decoder: Decoder
          /// Epochs over the 60,000 training images (the book: 1).
          Epochs: int
          /// The book's: SGD with momentum (0.01, 0.9).
          Optimizer: Optimizer
          /// The seed of the network and of training.
          Seed: int64 }

    /// The size of an image's code: the output of the encoder's Dense layer.
    [<Literal>]
    let CodeSize = 28

    /// The book's batch size.
    [<Literal>]
    let BatchSize = 60

    /// The training loss is reported every this many batches.
    [<Literal>]
    let ReportEvery = 100

    /// The book's experiment: its network, one epoch, SGD with momentum (0.01, 0.9), seed 20190901.
    let book =
        { Net = Net.Book; Decoder = Decoder.Conv; Epochs = 1; Optimizer = Optimizer.sgdMomentum 0.01 0.9; Seed = 20190901L }

    let private conv filters act = Conv2D.create filters 5 act |> Conv2D.withWeightInit WeightInit.Glorot |> Conv2D.withBias true
    let private deconv filters act = ConvTranspose2D.create filters 5 act |> ConvTranspose2D.withWeightInit WeightInit.Glorot |> ConvTranspose2D.withBias true
    let private dense n act = Dense.create n act |> Dense.withWeightInit WeightInit.Glorot

    /// The layers: the encoder (two 5x5 tanh convolutions, 14 then 7 channels, flattened, then
    /// Dense(28, tanh): the code), then the decoder (Dense back to 7 channels of the encoder's
    /// last image size, a reshape, and two 5x5 tanh layers to 14 channels and 1). Glorot's
    /// initialisation and a bias everywhere, as PyTorch's layers have.
    let layers (net: Net) (decoder: Decoder) : Layer list =
        let up filters act =
            match net, decoder with
            | Net.Book, Decoder.Conv -> Layer.Conv2D (conv filters act)
            | Net.Book, Decoder.Deconv -> Layer.ConvTranspose2D (deconv filters act)
            // Stride 2, padding 2, output padding 1: (h − 1)·2 − 4 + 5 + 1 = 2h.
            | Net.Strided, _ -> Layer.ConvTranspose2D (deconv filters act |> ConvTranspose2D.withGeometry 2 2 1)
        let down filters act =
            match net with
            | Net.Book -> conv filters act
            | Net.Strided -> conv filters act |> Conv2D.withGeometry 2 2
        let side = match net with Net.Book -> 28 | Net.Strided -> 7
        [ Layer.Conv2D (down 14 Activation.Tanh)
          Layer.Conv2D (down 7 Activation.Tanh |> Conv2D.withFlatten true)
          Layer.Dense (dense CodeSize Activation.Tanh)
          Layer.Dense (dense (7 * side * side) Activation.Tanh)
          Layer.Reshape [| 7; side; side |]
          up 14 Activation.Tanh
          up 1 Activation.Tanh ]

    /// The number of layers that make the encoder (its output is the code).
    let EncoderLayers = 3

    /// The network of an experiment: mean squared error over every value (PyTorch's `MSELoss`).
    let network<'T> (config: Config) : NeuralNetwork<'T> =
        NeuralNetwork.create (layers config.Net config.Decoder) Loss.MeanSquaredErrorPerValue config.Seed

    /// Pixels scaled to [−1, 1] by the training set's smallest and largest pixel: x·2/(max − min)
    /// − 1 − 2·min/(max − min), the range of the decoder's tanh.
    /// <exception cref="InvalidValueException">when every training pixel has the same value.</exception>
    let scaling (train: ImageSet) : Preprocessing =
        if train.Images.Length = 0 then
            raise (InvalidValueException("Chapter7.scaling", "training images", "none", "train"))
        let lo = float (Array.min train.Images)
        let hi = float (Array.max train.Images)
        if hi = lo then
            raise (InvalidValueException("Chapter7.scaling", "training pixels of more than one value", sprintf "every pixel %g" lo, "train"))
        let scale = 2.0 / (hi - lo)
        Preprocessing.Affine(scale, -1.0 - lo * scale)

    /// The images of a set as [count; 1; rows; cols] raw pixels.
    let images<'T when 'T :> Numerics.IFloatingPointIeee754<'T>> (set: ImageSet) : Tensor<'T> =
        Tensor.reshape [| set.Count; 1; set.Rows; set.Cols |] (Classification.pixels<'T> set)

    /// The encoder of a trained autoencoder: its first `EncoderLayers` layers and their parameters.
    /// <exception cref="InvalidOperationException">when the network is not initialised.</exception>
    let encoder (net: NeuralNetwork<'T>) : NeuralNetwork<'T> =
        match net.Params with
        | Some ps -> { net with Layers = List.truncate EncoderLayers net.Layers; Params = Some (List.truncate EncoderLayers ps) }
        | None -> raise (InvalidOperationException "Chapter7.encoder: the autoencoder has no parameters yet; train it first")

    /// What a run gives.
    type Result<'T> =
        { Config: Config
          /// The fit (its network is the trained autoencoder).
          Fit: FitResult<'T>
          /// The scaling its inputs went through.
          Preprocessing: Preprocessing
          /// The mean squared error per pixel of the test images' reconstructions (scaled pixels).
          TestMse: float
          /// The test images' codes: [count; 28].
          Codes: Tensor<'T> }

    /// Trains an experiment on the training images (their labels unused), each image its own
    /// target, then measures the test reconstructions' error and encodes the test images.
    /// <exception cref="InvalidValueException">when the epochs are not positive.</exception>
    let run (onEvent: TrainingEvent -> unit) (cancellation: CancellationToken) (config: Config) (train: ImageSet) (test: ImageSet) : Result<'T> =
        if config.Epochs < 1 then
            raise (InvalidValueException("Chapter7.run", "at least 1 epoch", string config.Epochs, "Epochs"))
        let scale = scaling train
        let xTrain = Preprocessing.apply scale (images<'T> train)
        let xTest = Preprocessing.apply scale (images<'T> test)
        let options = { FitOptions.defaults with Epochs = config.Epochs; EvalEvery = config.Epochs; BatchSize = BatchSize; Seed = config.Seed; EarlyStopping = false }
        let fit = Trainer.fitWith onEvent cancellation options config.Optimizer (network<'T> config) xTrain xTrain xTest xTest
        { Config = config; Fit = fit; Preprocessing = scale
          TestMse = NeuralNetwork.loss fit.Network xTest xTest
          Codes = NeuralNetwork.predict (encoder fit.Network) xTest }
