namespace DeepFunctional.Book

open System
open DeepFunctional
open MathNet.Numerics.LinearAlgebra

/// The book's chapter 2, step by step: linear regression and a one-hidden-layer network
/// written out by hand — a forward pass that keeps every intermediate, gradients by the
/// chain rule, and mini-batch SGD — plus the closed-form least-squares fit to compare with.
/// Everything is in double precision. Randomness comes from an explicit `Rng` (NumPy's
/// legacy generator), drawn in the book's order:
/// seed, initial weights (row-major `randn`), one permutation before the first batch,
/// then a fresh permutation of the already permuted rows each time the rows run out.
[<RequireQualifiedAccess>]
module Chapter2 =

    /// The settings of chapter 2's training loop.
    type TrainConfig =
        { /// The SGD step size: param ← param − LearningRate · gradient.
          LearningRate: float
          /// Rows per batch; the last batch of a pass over the rows may be shorter.
          BatchSize: int
          /// The number of batches (SGD steps) to train for: the book's `n_iter`, which counts
          /// batches, not epochs (354 rows in batches of 23 make 16 batches per epoch).
          Iterations: int
          /// The seed `linearRegression` and `neuralNetwork` give the generator before drawing,
          /// as the book's `train` calls `np.random.seed(seed)`.
          Seed: int64 }

    /// The settings of the one-hidden-layer network.
    type NetworkConfig =
        { /// The training loop's settings.
          Training: TrainConfig
          /// The number of sigmoid units in the hidden layer.
          HiddenSize: int
          /// False (the default): each hidden bias gets its own gradient, the column sums of
          /// dL/dN1. True: the book's code, which sums that row once more
          /// (`dLdB1.sum(axis=0)`) and so moves every hidden bias by the same total.
          BookBiasGradient: bool }

    /// The parameters of linear regression ŷ = X·W + B.
    type LinearWeights =
        { /// The weights: [features; 1].
          W: Tensor<float>
          /// The intercept: [1; 1].
          B: Tensor<float> }

    /// What the linear model's forward pass keeps for the backward pass.
    type LinearForward =
        { /// The batch inputs: [batch; features].
          X: Tensor<float>
          /// N = X·W: [batch; 1].
          N: Tensor<float>
          /// The predictions P = N + B: [batch; 1].
          P: Tensor<float>
          /// The batch targets: [batch; 1].
          Y: Tensor<float> }

    /// The gradients of the linear model's batch loss.
    type LinearGrads =
        { /// dL/dW: [features; 1].
          dW: Tensor<float>
          /// dL/dB: [1; 1].
          dB: Tensor<float> }

    /// The parameters of the network ŷ = σ(X·W1 + B1)·W2 + B2.
    type NetworkWeights =
        { /// Input to hidden weights: [features; hidden].
          W1: Tensor<float>
          /// Hidden biases: [1; hidden].
          B1: Tensor<float>
          /// Hidden to output weights: [hidden; 1].
          W2: Tensor<float>
          /// The output bias: [1; 1].
          B2: Tensor<float> }

    /// What the network's forward pass keeps for the backward pass.
    type NetworkForward =
        { /// The batch inputs: [batch; features].
          X: Tensor<float>
          /// M1 = X·W1: [batch; hidden].
          M1: Tensor<float>
          /// N1 = M1 + B1: [batch; hidden].
          N1: Tensor<float>
          /// O1 = σ(N1): [batch; hidden].
          O1: Tensor<float>
          /// M2 = O1·W2: [batch; 1].
          M2: Tensor<float>
          /// The predictions P = M2 + B2: [batch; 1].
          P: Tensor<float>
          /// The batch targets: [batch; 1].
          Y: Tensor<float> }

    /// The gradients of the network's batch loss.
    type NetworkGrads =
        { /// dL/dW1: [features; hidden].
          dW1: Tensor<float>
          /// dL/dB1: [1; hidden].
          dB1: Tensor<float>
          /// dL/dW2: [hidden; 1].
          dW2: Tensor<float>
          /// dL/dB2: [1; 1].
          dB2: Tensor<float> }

    /// A trained linear model and how it did on the test rows.
    type LinearResult =
        { /// The weights after the last step.
          Weights: LinearWeights
          /// The mean squared error of every training batch, before its step.
          Losses: float[]
          /// The mean absolute error on the test rows.
          Mae: float
          /// The root mean squared error on the test rows.
          Rmse: float }

    /// A trained network and how it did on the test rows.
    type NetworkResult =
        { /// The weights after the last step.
          Weights: NetworkWeights
          /// The mean squared error of every training batch, before its step.
          Losses: float[]
          /// The mean absolute error on the test rows.
          Mae: float
          /// The root mean squared error on the test rows.
          Rmse: float }

    /// The closed-form least-squares fit and how it did on the test rows.
    type LeastSquaresResult =
        { /// The coefficients (W) and the intercept (B).
          Weights: LinearWeights
          /// The mean absolute error on the test rows.
          Mae: float
          /// The root mean squared error on the test rows.
          Rmse: float }

    /// The book's linear-regression settings: learning rate 0.001, batches of 23,
    /// 1,000 batches, seed 180708.
    let linearDefaults: TrainConfig =
        { LearningRate = 0.001; BatchSize = 23; Iterations = 1000; Seed = 180708L }

    /// The book's network settings: 13 hidden units, learning rate 0.001, batches of 23,
    /// 10,000 batches, seed 180807 (the seed of the run whose test errors the book reports),
    /// with the correct per-unit hidden-bias gradient.
    let networkDefaults: NetworkConfig =
        { Training = { LearningRate = 0.001; BatchSize = 23; Iterations = 10000; Seed = 180807L }
          HiddenSize = 13
          BookBiasGradient = false }

    /// A matrix of standard normals drawn row-major (NumPy's `randn(rows, cols)`).
    let private randn (rows: int) (cols: int) (rng: Rng) =
        let values, rng = Rng.standardNormals (rows * cols) rng
        Tensor.wrap [| rows; cols |] values, rng

    /// The mean squared error of predictions against targets (both [batch; 1]), NumPy's
    /// `np.mean(np.power(y - P, 2))`.
    let private mse (p: Tensor<float>) (y: Tensor<float>) = Metrics.meanSquaredError p y

    // ---------------------------------------------------------------- linear regression

    /// The book's `init_weights`: W = randn(features, 1), then B = randn(1, 1).
    /// <exception cref="InvalidValueException">when features is not positive.</exception>
    let initLinear (features: int) (rng: Rng) : LinearWeights * Rng =
        if features < 1 then
            raise (InvalidValueException("Chapter2.initLinear", "at least one feature", string features))
        let w, rng = randn features 1 rng
        let b, rng = randn 1 1 rng
        { W = w; B = b }, rng

    /// Predictions X·W + B: x [rows; features] -> [rows; 1].
    /// <exception cref="ShapeMismatchException">when x has not W's number of rows as columns, or B is not 1×1.</exception>
    let predictLinear (weights: LinearWeights) (x: Tensor<float>) : Tensor<float> =
        Shape.checkMatmul "Chapter2.predictLinear" x.Dims weights.W.Dims |> ignore
        Shape.checkColumns "Chapter2.predictLinear" "W" 1 weights.W.Dims
        Shape.checkRowBroadcast "Chapter2.predictLinear" [| x.Rows; 1 |] weights.B.Dims
        Tensor.addRow (Tensor.matmul x weights.W) weights.B

    /// The forward pass: N = X·W, P = N + B, and the batch loss mean((Y − P)²), keeping
    /// every intermediate. x: [batch; features], y: [batch; 1].
    /// <exception cref="ShapeMismatchException">when the shapes do not fit.</exception>
    let forwardLinear (x: Tensor<float>) (y: Tensor<float>) (weights: LinearWeights) : float * LinearForward =
        Shape.checkSameRows "Chapter2.forwardLinear" "x" x.Dims "y" y.Dims
        Shape.checkColumns "Chapter2.forwardLinear" "y" 1 y.Dims
        Shape.checkMatmul "Chapter2.forwardLinear" x.Dims weights.W.Dims |> ignore
        Shape.checkColumns "Chapter2.forwardLinear" "W" 1 weights.W.Dims
        Shape.checkRowBroadcast "Chapter2.forwardLinear" y.Dims weights.B.Dims
        let n = Tensor.matmul x weights.W
        let p = Tensor.addRow n weights.B
        mse p y, { X = x; N = n; P = p; Y = y }

    /// The backward pass of the linear model by the chain rule, for the book's batch loss
    /// L = Σ(P − Y)² (the sum, not the mean, over the batch):
    /// dL/dP = 2(P − Y); dP/dN = 1, so dL/dN = dL/dP; dL/dW = Xᵀ·dL/dN; dL/dB = Σ_rows dL/dP.
    let linearGradients (forward: LinearForward) (weights: LinearWeights) : LinearGrads =
        ignore weights // dP/dB = 1 whatever B is; kept for the book's signature.
        let dP = Tensor.scale 2.0 (Tensor.sub forward.P forward.Y)
        let dN = dP
        { dW = Tensor.matmulTN forward.X dN
          dB = Tensor.sumRows dP }

    /// Checks a training configuration and the training data.
    let private checkTraining (op: string) (config: TrainConfig) (x: Tensor<float>) (y: Tensor<float>) =
        if not (Double.IsFinite config.LearningRate) || config.LearningRate <= 0.0 then
            raise (InvalidValueException(op, "a finite learning rate > 0", string config.LearningRate))
        if config.BatchSize < 1 then
            raise (InvalidValueException(op, "a batch size >= 1", string config.BatchSize))
        if config.Iterations < 0 then
            raise (InvalidValueException(op, "iterations >= 0", string config.Iterations))
        Shape.checkSameRows op "x" x.Dims "y" y.Dims
        Shape.checkColumns op "y" 1 y.Dims
        if x.Rows = 0 then
            raise (InvalidValueException(op, "at least one training row", "x of shape " + Shape.format x.Dims))

    /// The book's training loop after the weights are drawn: permute the rows, then take
    /// batches in order; when the rows run out, permute them again (composing with the
    /// previous order) and start over. `step` does one batch and returns its loss.
    let private sgd (config: TrainConfig) (step: Tensor<float> -> Tensor<float> -> 'W -> float * 'W)
                    (x: Tensor<float>) (y: Tensor<float>) (weights: 'W) (rng: Rng) : 'W * float[] * Rng =
        let n = x.Rows
        let perm, rng = Rng.permutation n rng
        let mutable rng = rng
        let mutable xs = Tensor.gatherRows perm x
        let mutable ys = Tensor.gatherRows perm y
        let mutable start = 0
        let mutable w = weights
        let losses = Array.zeroCreate config.Iterations
        for i in 0 .. config.Iterations - 1 do
            if start >= n then
                let perm, next = Rng.permutation n rng
                rng <- next
                xs <- Tensor.gatherRows perm xs
                ys <- Tensor.gatherRows perm ys
                start <- 0
            let count = min config.BatchSize (n - start)
            let loss, next = step (Tensor.sliceRows start count xs) (Tensor.sliceRows start count ys) w
            losses.[i] <- loss
            w <- next
            start <- start + config.BatchSize
        w, losses, rng

    /// Trains linear regression as the book's `train`: draws the weights (`initLinear`), then
    /// runs `config.Iterations` SGD steps on batches of x: [rows; features], y: [rows; 1].
    /// Returns the weights, the loss of every batch and the generator after the last draw.
    /// `config.Seed` is not used: the generator is the caller's.
    /// <exception cref="ShapeMismatchException">when x and y do not fit.</exception>
    /// <exception cref="InvalidValueException">when the configuration is out of range or x has no rows.</exception>
    let trainLinear (config: TrainConfig) (x: Tensor<float>) (y: Tensor<float>) (rng: Rng) : LinearWeights * float[] * Rng =
        checkTraining "Chapter2.trainLinear" config x y
        let weights, rng = initLinear x.Cols rng
        let lr = config.LearningRate
        let step xb yb (w: LinearWeights) =
            let loss, forward = forwardLinear xb yb w
            let g = linearGradients forward w
            loss, { W = Tensor.axpy (-lr) g.dW w.W; B = Tensor.axpy (-lr) g.dB w.B }
        sgd config step x y weights rng

    /// The book's linear-regression experiment: seeds the generator with `config.Seed`, trains
    /// on the training rows and measures MAE and RMSE on the test rows.
    /// <exception cref="ShapeMismatchException">when the split's tensors do not fit.</exception>
    /// <exception cref="InvalidValueException">when the configuration is out of range.</exception>
    let linearRegression (config: TrainConfig) (data: TrainTest<float>) : LinearResult =
        let weights, losses, _ = trainLinear config data.XTrain data.YTrain (Rng.seed config.Seed)
        let p = predictLinear weights data.XTest
        { Weights = weights
          Losses = losses
          Mae = Metrics.meanAbsoluteError p data.YTest
          Rmse = Metrics.rootMeanSquaredError p data.YTest }

    // ---------------------------------------------------------------- the network

    /// The book's `init_weights` for the network, drawn in this order: W1 = randn(features, hidden),
    /// B1 = randn(1, hidden), W2 = randn(hidden, 1), B2 = randn(1, 1).
    /// <exception cref="InvalidValueException">when features or hidden is not positive.</exception>
    let initNetwork (features: int) (hidden: int) (rng: Rng) : NetworkWeights * Rng =
        if features < 1 || hidden < 1 then
            raise (InvalidValueException("Chapter2.initNetwork", "at least one feature and one hidden unit", sprintf "%d features, %d hidden" features hidden))
        let w1, rng = randn features hidden rng
        let b1, rng = randn 1 hidden rng
        let w2, rng = randn hidden 1 rng
        let b2, rng = randn 1 1 rng
        { W1 = w1; B1 = b1; W2 = w2; B2 = b2 }, rng

    /// Checks the network's weights against inputs with `rows` rows and x's columns.
    let private checkNetwork (op: string) (xDims: int[]) (weights: NetworkWeights) =
        let _, _, hidden = Shape.checkMatmul op xDims weights.W1.Dims
        Shape.checkRowBroadcast op [| xDims.[0]; hidden |] weights.B1.Dims
        Shape.checkMatmul op [| xDims.[0]; hidden |] weights.W2.Dims |> ignore
        Shape.checkColumns op "W2" 1 weights.W2.Dims
        Shape.checkRowBroadcast op [| xDims.[0]; 1 |] weights.B2.Dims

    /// Predictions σ(X·W1 + B1)·W2 + B2: x [rows; features] -> [rows; 1].
    /// <exception cref="ShapeMismatchException">when the shapes do not fit.</exception>
    let predictNetwork (weights: NetworkWeights) (x: Tensor<float>) : Tensor<float> =
        checkNetwork "Chapter2.predictNetwork" x.Dims weights
        let o1 = Tensor.sigmoid (Tensor.addRow (Tensor.matmul x weights.W1) weights.B1)
        Tensor.addRow (Tensor.matmul o1 weights.W2) weights.B2

    /// The forward pass: M1 = X·W1, N1 = M1 + B1, O1 = σ(N1), M2 = O1·W2, P = M2 + B2, and
    /// the batch loss mean((Y − P)²), keeping every intermediate. x: [batch; features], y: [batch; 1].
    /// <exception cref="ShapeMismatchException">when the shapes do not fit.</exception>
    let forwardNetwork (x: Tensor<float>) (y: Tensor<float>) (weights: NetworkWeights) : float * NetworkForward =
        Shape.checkSameRows "Chapter2.forwardNetwork" "x" x.Dims "y" y.Dims
        Shape.checkColumns "Chapter2.forwardNetwork" "y" 1 y.Dims
        checkNetwork "Chapter2.forwardNetwork" x.Dims weights
        let m1 = Tensor.matmul x weights.W1
        let n1 = Tensor.addRow m1 weights.B1
        let o1 = Tensor.sigmoid n1
        let m2 = Tensor.matmul o1 weights.W2
        let p = Tensor.addRow m2 weights.B2
        mse p y, { X = x; M1 = m1; N1 = n1; O1 = o1; M2 = m2; P = p; Y = y }

    /// The backward pass of the network by the chain rule, for the book's batch loss
    /// L = ½·Σ(P − Y)² (the book's network drops the factor 2 of the linear model):
    /// dL/dP = P − Y; dL/dB2 = Σ_rows dL/dP; dL/dW2 = O1ᵀ·dL/dP; dL/dO1 = dL/dP·W2ᵀ;
    /// dL/dN1 = dL/dO1 ⊙ σ(N1)(1 − σ(N1)) (σ(N1) is O1); dL/dB1 = Σ_rows dL/dN1; dL/dW1 = Xᵀ·dL/dN1.
    let networkGradients (forward: NetworkForward) (weights: NetworkWeights) : NetworkGrads =
        let dP = Tensor.sub forward.P forward.Y
        let dM2 = dP
        let dO1 = Tensor.matmulNT dM2 weights.W2
        let dN1 = Tensor.map2 (fun g s -> g * (s * (1.0 - s))) dO1 forward.O1
        let dM1 = dN1
        { dW1 = Tensor.matmulTN forward.X dM1
          dB1 = Tensor.sumRows dN1
          dW2 = Tensor.matmulTN forward.O1 dM2
          dB2 = Tensor.sumRows dP }

    /// Trains the network as the book's `train`: draws the weights (`initNetwork`), then runs
    /// `config.Training.Iterations` SGD steps on batches of x: [rows; features], y: [rows; 1].
    /// Returns the weights, the loss of every batch and the generator after the last draw.
    /// `config.Training.Seed` is not used: the generator is the caller's.
    /// <exception cref="ShapeMismatchException">when x and y do not fit.</exception>
    /// <exception cref="InvalidValueException">when the configuration is out of range or x has no rows.</exception>
    let trainNetwork (config: NetworkConfig) (x: Tensor<float>) (y: Tensor<float>) (rng: Rng) : NetworkWeights * float[] * Rng =
        checkTraining "Chapter2.trainNetwork" config.Training x y
        let weights, rng = initNetwork x.Cols config.HiddenSize rng
        let lr = config.Training.LearningRate
        let step xb yb (w: NetworkWeights) =
            let loss, forward = forwardNetwork xb yb w
            let g = networkGradients forward w
            let dB1 =
                if config.BookBiasGradient then
                    Tensor.fill g.dB1.Shape (Summation.ofArray (g.dB1.ToArray()))
                else g.dB1
            loss,
            { W1 = Tensor.axpy (-lr) g.dW1 w.W1
              B1 = Tensor.axpy (-lr) dB1 w.B1
              W2 = Tensor.axpy (-lr) g.dW2 w.W2
              B2 = Tensor.axpy (-lr) g.dB2 w.B2 }
        sgd config.Training step x y weights rng

    /// The book's network experiment: seeds the generator with `config.Training.Seed`, trains
    /// on the training rows and measures MAE and RMSE on the test rows.
    /// <exception cref="ShapeMismatchException">when the split's tensors do not fit.</exception>
    /// <exception cref="InvalidValueException">when the configuration is out of range.</exception>
    let neuralNetwork (config: NetworkConfig) (data: TrainTest<float>) : NetworkResult =
        let weights, losses, _ = trainNetwork config data.XTrain data.YTrain (Rng.seed config.Training.Seed)
        let p = predictNetwork weights data.XTest
        { Weights = weights
          Losses = losses
          Mae = Metrics.meanAbsoluteError p data.YTest
          Rmse = Metrics.rootMeanSquaredError p data.YTest }

    // ---------------------------------------------------------------- closed form

    /// The least-squares fit with an intercept on the training rows, solved in closed form by
    /// a Householder QR decomposition of [1 | XTrain] (MathNet.Numerics), then measured on the
    /// test rows. Deterministic: it is what scikit-learn's `LinearRegression` computes.
    /// <exception cref="ShapeMismatchException">when the split's tensors do not fit (targets must be [rows; 1]).</exception>
    /// <exception cref="InvalidValueException">when there are fewer training rows than coefficients.</exception>
    let leastSquares (data: TrainTest<float>) : LeastSquaresResult =
        let op = "Chapter2.leastSquares"
        Shape.checkSameRows op "XTrain" data.XTrain.Dims "YTrain" data.YTrain.Dims
        Shape.checkColumns op "YTrain" 1 data.YTrain.Dims
        let rows, features = data.XTrain.Dims.[0], data.XTrain.Dims.[1]
        if rows < features + 1 then
            raise (InvalidValueException(op, sprintf "at least %d training rows for %d features and an intercept" (features + 1) features, string rows))
        let x = data.XTrain.Data
        let a = Matrix<float>.Build.Dense(rows, features + 1, fun i j -> if j = 0 then 1.0 else x.[i * features + j - 1])
        let b = Vector<float>.Build.DenseOfArray(data.YTrain.ToArray())
        let solution = a.QR().Solve(b)
        let weights =
            { W = Tensor.wrap [| features; 1 |] (Array.init features (fun j -> solution.[j + 1]))
              B = Tensor.wrap [| 1; 1 |] [| solution.[0] |] }
        let p = predictLinear weights data.XTest
        { Weights = weights
          Mae = Metrics.meanAbsoluteError p data.YTest
          Rmse = Metrics.rootMeanSquaredError p data.YTest }
