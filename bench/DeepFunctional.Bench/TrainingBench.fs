/// Training benchmarks: the cost of one optimizer step of the book's networks, as the
/// trainer runs it (forward, loss, backward, in-place update), and of a whole chapter-4 epoch.
module internal DeepFunctional.Bench.TrainingBench

open System
open System.Numerics
open System.Threading
open DeepFunctional
open DeepFunctional.Bench.Benchmarks

/// Seeded standard-normal inputs and one-hot targets of the given sizes.
let private data<'T when 'T :> IFloatingPointIeee754<'T>> (rows: int) (features: int) (classes: int) =
    let values, rng = Rng.standardNormals (rows * features) (Rng.seed 7L)
    let labels, _ = Rng.randint 0L (int64 classes) rows rng
    Tensor.ofFloats<'T> [| rows; features |] values, Classification.oneHot<'T> classes (labels |> Array.map int)

/// One training step of `net` as `Trainer.fit` takes it: the batch's forward and backward
/// pass (gradients written into the previous step's buffers), then the optimizer's in-place
/// update of the trainer's own parameters. Successive calls take successive batches of
/// `batch` rows of x and y, and every pass over the data starts again from the initial
/// parameters, so values stay those of real training (one batch trained on forever drives
/// the network into saturated units and tiny numbers, which is not what is being measured).
let private stepper (optimizer: Optimizer) (batch: int) (net: NeuralNetwork<'T>) (x: Tensor<'T>) (y: Tensor<'T>) =
    let net, _ = NeuralNetwork.initialise (Tensor.sliceRows 0 batch x) (Rng.seed 1L) net
    let initial = NeuralNetwork.parameters net |> List.map Tensor.copy
    let mutable state: OptimizerState<'T> = Optimizer.init optimizer 1
    // The trainer's buffers: the parameters live in `work`, the network holds views of them.
    let work = Optimizer.work state initial
    let net = NeuralNetwork.withParameters (work.Parameters |> List.map (fun b -> b.View)) net
    let batches = x.Rows / batch
    let xs = Array.init batches (fun b -> Tensor.sliceRows (b * batch) batch x)
    let ys = Array.init batches (fun b -> Tensor.sliceRows (b * batch) batch y)
    let mutable gradients = ValueNone
    let mutable b = 0
    let rng = Rng.seed 3L
    fun () ->
        if b = batches then
            b <- 0
            state <- Optimizer.init optimizer 1
            work.Velocities <- []
            work.SquareSums <- []
            List.iter2 (fun (p: TensorBuffer<'T>) (p0: Tensor<'T>) -> Array.blit p0.Data 0 p.Data 0 p0.Length) work.Parameters initial
        let r = NeuralNetwork.trainBatchInto gradients rng net xs.[b] ys.[b]
        if gradients.IsNone then gradients <- ValueSome (NeuralNetwork.gradientBuffers r.Gradients)
        state <- Optimizer.stepInPlace optimizer state work (NeuralNetwork.gradients r.Gradients)
        b <- b + 1

/// Bytes allocated per call of `run`, over all threads, after a warm-up.
let private bytesPerCall (run: unit -> unit) =
    for _ in 1 .. 50 do run ()
    let calls = 200
    let before = GC.GetTotalAllocatedBytes true
    for _ in 1 .. calls do run ()
    float (GC.GetTotalAllocatedBytes true - before) / float calls

/// The chapter-3 deep network: 13 → 13 sigmoid → 13 sigmoid → 1, MSE, SGD 0.01, batch 32.
let private boston<'T when 'T :> IFloatingPointIeee754<'T>> () =
    let x, _ = data<'T> 320 13 2
    let y = fst (data<'T> 320 1 2)
    let net: NeuralNetwork<'T> =
        NeuralNetwork.create
            [ Layer.Dense (Dense.create 13 Activation.Sigmoid); Layer.Dense (Dense.create 13 Activation.Sigmoid)
              Layer.Dense (Dense.create 1 Activation.Linear) ] Loss.MeanSquaredError 20190501L
    stepper (Optimizer.sgd 0.01) 32 net x y

/// The chapter-4 `sce-momentum` network: 784 → 89 sigmoid → 10, softmax cross-entropy,
/// SGD with momentum 0.9.
let private mlpNet<'T when 'T :> IFloatingPointIeee754<'T>> () : NeuralNetwork<'T> =
    NeuralNetwork.create [ Layer.Dense (Dense.create 89 Activation.Sigmoid); Layer.Dense (Dense.create 10 Activation.Linear) ]
        Loss.softmaxCrossEntropy 190119L

let private mlpStep<'T when 'T :> IFloatingPointIeee754<'T>> () =
    let x, y = data<'T> 6000 784 10
    stepper (Optimizer.sgdMomentum 0.1 0.9) 60 (mlpNet<'T> ()) x y

/// Seconds per epoch of `Trainer.fit` over 60,000 synthetic images in batches of 60: a fit of
/// three epochs, divided by three. Each epoch permutes the rows, gathers every batch from
/// the shuffled order, trains and updates; what a fit does once (checking 47 million inputs
/// for NaN, about 12 ms, and drawing the initial weights, about 5 ms) is shared by the
/// epochs, as in the book's 25- to 50-epoch runs.
let private mlpEpoch<'T when 'T :> IFloatingPointIeee754<'T>> () =
    let x, y = data<'T> 60000 784 10
    let xt, yt = data<'T> 60 784 10
    let epochs = 3
    let options = { FitOptions.defaults with Epochs = epochs; EvalEvery = epochs + 1; BatchSize = 60; Seed = 190119L }
    Timing.secondsPerCall (fun () ->
        Trainer.fitWith ignore CancellationToken.None options (Optimizer.sgdMomentum 0.1 0.9) (mlpNet<'T> ()) x y xt yt |> ignore)
    / float epochs

/// The book's chapter-5 network without dropout: Conv2D(16, 5x5, Tanh, flatten) → Dense(10),
/// softmax cross-entropy, SGD with momentum 0.9.
let private cnnNet<'T when 'T :> IFloatingPointIeee754<'T>> () : NeuralNetwork<'T> =
    NeuralNetwork.create
        [ Layer.Conv2D (Conv2D.create 16 5 Activation.Tanh |> Conv2D.withWeightInit WeightInit.Glorot |> Conv2D.withFlatten true)
          Layer.Dense (Dense.create 10 Activation.Linear |> Dense.withWeightInit WeightInit.Glorot) ]
        Loss.softmaxCrossEntropy 190119L

/// Seconds per 1,000 training images of the chapter-5 network (batch 60 of 28x28 images): a
/// training step (forward, backward, in-place update) over successive batches, as `stepper`.
let private cnnPer1000<'T when 'T :> IFloatingPointIeee754<'T>> () =
    let x, y = data<'T> 6000 784 10
    let x = Tensor.reshape [| 6000; 1; 28; 28 |] x
    1000.0 / 60.0 * Timing.secondsPerCall (stepper (Optimizer.sgdMomentum 0.01 0.9) 60 (cnnNet<'T> ()) x y)

/// One benchmark per precision: `boston.*.usec_per_step`, `boston.*.bytes_per_step`,
/// `mlp.*.usec_per_step`, `mlp.*.bytes_per_step`, `mlp.*.sec_per_epoch`,
/// `cnn.*.sec_per_1000_images` and `cnn.*.bytes_per_step`.
let all : Benchmark list =
    [ for p in [ "f64"; "f32" ] do
        let single = p = "f32"
        yield { Name = sprintf "boston.%s.usec_per_step" p; Unit = "us"
                Measure = fun () -> 1e6 * Timing.secondsPerCall (if single then boston<float32> () else boston<float> ()) }
        yield { Name = sprintf "boston.%s.bytes_per_step" p; Unit = "bytes"
                Measure = fun () -> bytesPerCall (if single then boston<float32> () else boston<float> ()) }
        yield { Name = sprintf "mlp.%s.usec_per_step" p; Unit = "us"
                Measure = fun () -> 1e6 * Timing.secondsPerCall (if single then mlpStep<float32> () else mlpStep<float> ()) }
        yield { Name = sprintf "mlp.%s.bytes_per_step" p; Unit = "bytes"
                Measure = fun () -> bytesPerCall (if single then mlpStep<float32> () else mlpStep<float> ()) }
        yield { Name = sprintf "mlp.%s.sec_per_epoch" p; Unit = "s"
                Measure = fun () -> if single then mlpEpoch<float32> () else mlpEpoch<float> () }
        yield { Name = sprintf "cnn.%s.sec_per_1000_images" p; Unit = "s"
                Measure = fun () -> if single then cnnPer1000<float32> () else cnnPer1000<float> () }
        yield { Name = sprintf "cnn.%s.bytes_per_step" p; Unit = "bytes"
                Measure = fun () ->
                    let x, y = data<float32> 600 784 10
                    if single then bytesPerCall (stepper (Optimizer.sgdMomentum 0.01 0.9) 60 (cnnNet<float32> ()) (Tensor.reshape [| 600; 1; 28; 28 |] x) y)
                    else bytesPerCall (stepper (Optimizer.sgdMomentum 0.01 0.9) 60 (cnnNet<float> ()) (Tensor.reshape [| 600; 1; 28; 28 |] (Tensor.convert<float32, float> x)) (Tensor.convert<float32, float> y)) } ]
