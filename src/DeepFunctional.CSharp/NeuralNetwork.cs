using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using Microsoft.FSharp.Collections;
using Microsoft.FSharp.Core;
using Core = global::DeepFunctional;

namespace DeepFunctional.CSharp;

/// <summary>The floating-point type a network computes in.</summary>
public enum Precision
{
    /// <summary>64-bit <see cref="double"/>: the book's arithmetic; <c>double[,]</c> in and out.</summary>
    Double,

    /// <summary>32-bit <see cref="float"/>: half the memory, slightly different digits; <c>float[,]</c> in and out.</summary>
    Single,
}

/// <summary>How a network's layers draw their initial parameters from its seed.</summary>
public enum Seeding
{
    /// <summary>
    /// One generator seeded with the network's seed; the layers draw from it in order, so each
    /// layer gets different numbers, and the training generator is left alone.
    /// </summary>
    PerNetwork,

    /// <summary>
    /// The book's order: every layer re-seeds the generator with the network's seed when it
    /// first sees data, and training goes on from the stream after the last layer's draws.
    /// Needed to reproduce the book's printed numbers.
    /// </summary>
    Book,
}

/// <summary>How a network rounds: the order of its sums and the exp, log and tanh it uses.</summary>
public enum Arithmetic
{
    /// <summary>Ours: blocked matrix products with fused multiply-adds, vectorised functions. The default, and fast.</summary>
    Fast,

    /// <summary>
    /// The book's code as NumPy 1.24 with the reference BLAS runs it on an AVX-512 processor:
    /// products summed in order without fused multiply-adds, NumPy's pairwise sums, SciPy's
    /// softmax, NumPy's own exp, log and tanh. With <see cref="Seeding.Book"/> and the book's
    /// losses, a run repeats the book's code bit for bit. Networks of <see cref="Dense"/> layers
    /// only, and it applies in double precision (a single-precision run computes as <see cref="Fast"/>).
    /// Several times slower on the matrix products.
    /// </summary>
    NumPy,
}

/// <summary>
/// The parameters of one <see cref="Dense"/> layer as arrays the caller owns: the weights W
/// (inputs × neurons) and the bias row B (1 × neurons).
/// </summary>
public sealed class DenseParameters : LayerParameters
{
    /// <summary>Parameters from arrays (kept as given, not copied).</summary>
    /// <param name="weights">W: [inputs, neurons], at least 1×1.</param>
    /// <param name="bias">B: [1, neurons], with as many columns as W.</param>
    /// <exception cref="ArgumentNullException">when an array is null.</exception>
    /// <exception cref="ShapeMismatchException">when the shapes do not fit each other.</exception>
    /// <exception cref="ArgumentException">when W is empty.</exception>
    public DenseParameters(double[,] weights, double[,] bias)
    {
        const string op = "DenseParameters";
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(bias);
        if (weights.GetLength(0) == 0 || weights.GetLength(1) == 0)
            throw new ArgumentException(
                Guard.Message(op, "weights with at least one row and one column", $"weights of shape {Guard.Shape(weights)}"), nameof(weights));
        if (bias.GetLength(0) != 1 || bias.GetLength(1) != weights.GetLength(1))
            throw new ShapeMismatchException(op,
                $"bias of shape 1x{weights.GetLength(1)} for weights {Guard.Shape(weights)}", $"bias of shape {Guard.Shape(bias)}");
        Weights = weights;
        Bias = bias;
    }

    /// <summary>W: [inputs, neurons].</summary>
    public double[,] Weights { get; }

    /// <summary>B: [1, neurons].</summary>
    public double[,] Bias { get; }

    /// <summary>The number of input features (rows of W).</summary>
    public int Inputs => Weights.GetLength(0);

    /// <summary>The number of output units (columns of W).</summary>
    public int Neurons => Weights.GetLength(1);

    /// <summary>A short description: <c>DenseParameters(13x1)</c>, the shape of W.</summary>
    public override string ToString() => $"DenseParameters({Guard.Shape(Weights)})";
}

/// <summary>How well a network's predictions match targets: the book's chapter-2 and 3 metrics.</summary>
public sealed class RegressionMetrics
{
    internal RegressionMetrics(double meanAbsoluteError, double rootMeanSquaredError)
    {
        MeanAbsoluteError = meanAbsoluteError;
        RootMeanSquaredError = rootMeanSquaredError;
    }

    /// <summary>mean(|prediction − target|) over all elements.</summary>
    public double MeanAbsoluteError { get; }

    /// <summary>√mean((prediction − target)²) over all elements.</summary>
    public double RootMeanSquaredError { get; }

    /// <summary>Both metrics, rounded as the book prints them.</summary>
    public override string ToString() =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"MAE {MeanAbsoluteError:F2}, RMSE {RootMeanSquaredError:F2}");
}

/// <summary>
/// A neural network as the book builds it: layers, a loss and a seed. Its parameters are drawn
/// when it is first trained (by <see cref="Trainer.Fit(double[,], double[,], double[,], double[,], int, int, int, long, bool, bool, EarlyStoppingModel, IProgress{TrainingProgress}?, System.Threading.CancellationToken)"/>)
/// or given with <see cref="SetParameters"/>.
/// </summary>
/// <remarks>
/// <para>The object is a mutable handle, like the book's: it holds the current immutable core
/// network and replaces it when training finishes. It is not safe for concurrent use.</para>
/// <para><b>Precision.</b> <c>double[,]</c> arguments run the network in double precision,
/// <c>float[,]</c> arguments in single precision. The parameters live in the precision of the
/// last training run (or <see cref="SetParameters"/> call), reported by <see cref="Precision"/>.
/// Using the network with arrays of the other precision converts a copy of the parameters to
/// that precision (double → single rounds each value to nearest; single → double is exact) and
/// computes in it; the stored parameters are not changed. Training with the other precision and
/// <c>restart: false</c> continues from the converted parameters, after which they live in the
/// new precision.</para>
/// <para><b>Images</b> (chapter 5). A network with <see cref="Conv2D"/> or pooling layers takes images:
/// every method that takes inputs x has an overload for <c>double[,,,]</c> and <c>float[,,,]</c> arrays
/// [images, channels, height, width]; its output for each image must be a row of values (end the
/// network with <see cref="Dense"/>, <see cref="Flatten"/> or a <see cref="Conv2D"/> with flatten).
/// Predictions for images are computed 1,000 images at a time. The parameters of such a network are
/// read and given with <see cref="GetLayerParameters"/> and <see cref="SetLayerParameters"/>.</para>
/// </remarks>
public sealed class NeuralNetwork
{
    private readonly Layer[] _layers;
    private readonly Loss _loss;
    private readonly Seeding _seeding;
    private readonly Arithmetic _arithmetic;

    // True when every layer is Dense: inputs are then rows of features, checked as in chapters 2 to 4.
    private readonly bool _allDense;

    // Images are classified this many at a time, so that no prediction holds the activations of a whole test set.
    private const int ImageChunk = 1000;

    // The trained core network (Core.NeuralNetwork<double> or <float>, with parameters), or null.
    private object? _current;

    // _current converted to the other precision, made on first use; dropped when _current changes.
    private object? _converted;

    /// <summary>A network of the given layers, loss and seed (the book's <c>NeuralNetwork(layers, loss, seed)</c>).</summary>
    /// <param name="layers">The layers, input first; at least one.</param>
    /// <param name="loss">The loss the network is trained on.</param>
    /// <param name="seed">The seed its layers draw their parameters with, in 0..4294967295 (the book's default is 1).</param>
    /// <exception cref="ArgumentNullException">when layers, a layer or loss is null.</exception>
    /// <exception cref="ArgumentException">when there is no layer.</exception>
    /// <exception cref="ArgumentOutOfRangeException">when the seed is outside 0..4294967295.</exception>
    public NeuralNetwork(IEnumerable<Layer> layers, Loss loss, long seed = 1)
    {
        const string op = "NeuralNetwork";
        ArgumentNullException.ThrowIfNull(layers);
        ArgumentNullException.ThrowIfNull(loss);
        _layers = layers.ToArray();
        for (int i = 0; i < _layers.Length; i++)
        {
            if (_layers[i] is null)
                throw new ArgumentNullException(nameof(layers), Guard.Message(op, "a layer at every position", $"null at position {i}"));
        }
        if (_layers.Length == 0)
            throw new ArgumentException(Guard.Message(op, "at least one layer", "none"), nameof(layers));
        Guard.Seed(op, nameof(seed), seed);
        _allDense = _layers.All(l => l is Dense);
        _loss = loss;
        Seed = seed;
    }

    /// <summary>The layers, input first.</summary>
    public IReadOnlyList<Layer> Layers => Array.AsReadOnly(_layers);

    /// <summary>The loss the network is trained on (<see cref="Loss(double[,], double[,])"/> computes it).</summary>
    public Loss LossFunction => _loss;

    /// <summary>The seed the layers draw their parameters with.</summary>
    public long Seed { get; }

    /// <summary>
    /// How the layers use the seed: <see cref="CSharp.Seeding.PerNetwork"/> by default;
    /// <see cref="CSharp.Seeding.Book"/> to reproduce the book's numbers.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">when set to a value that is not defined.</exception>
    public Seeding Seeding
    {
        get => _seeding;
        init => _seeding = Enum.IsDefined(value)
            ? value
            : throw Guard.OutOfRange("NeuralNetwork", nameof(Seeding), "PerNetwork or Book", (int)value);
    }

    /// <summary>
    /// How the network rounds: <see cref="CSharp.Arithmetic.Fast"/> by default;
    /// <see cref="CSharp.Arithmetic.NumPy"/>, with <see cref="CSharp.Seeding.Book"/>, repeats the
    /// book's code bit for bit (double precision, Dense layers only).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">when set to a value that is not defined.</exception>
    /// <exception cref="ArgumentException">when set to NumPy on a network with layers other than Dense.</exception>
    public Arithmetic Arithmetic
    {
        get => _arithmetic;
        init
        {
            if (!Enum.IsDefined(value))
                throw Guard.OutOfRange("NeuralNetwork", nameof(Arithmetic), "Fast or NumPy", (int)value);
            if (value == Arithmetic.NumPy && !_allDense)
                throw new ArgumentException(
                    $"NeuralNetwork.Arithmetic: expected only Dense layers for NumPy arithmetic, got {string.Join(", ", _layers.Select(l => l.ToString()))}",
                    nameof(Arithmetic));
            _arithmetic = value;
        }
    }

    /// <summary>True once the network has parameters (after training or <see cref="SetParameters"/>).</summary>
    public bool HasParameters => _current is not null;

    /// <summary>The precision the parameters live in, or null before the network has any.</summary>
    public Precision? Precision =>
        _current switch
        {
            Core.NeuralNetwork<double> => CSharp.Precision.Double,
            Core.NeuralNetwork<float> => CSharp.Precision.Single,
            _ => null,
        };

    /// <summary>
    /// The number of input features the parameters expect (the rows of the first layer's W), or null before
    /// the network has any, or when its first layer is not <see cref="Dense"/> (a network that takes images).
    /// </summary>
    public int? InputFeatures { get; private set; }

    /// <summary>
    /// The number of outputs: the last layer's <see cref="Layer.Neurons"/>. For a network that ends in a
    /// <see cref="Dense"/> layer (every network of the book) this is the length of each output row; for one that
    /// ends in another layer that length depends on the size of the images.
    /// </summary>
    public int OutputFeatures => _layers[^1].Neurons;

    /// <summary>The network's predictions for x (the book's <c>forward</c> in inference).</summary>
    /// <param name="x">Inputs: [rows, features].</param>
    /// <returns>A fresh array: [rows, outputs].</returns>
    /// <exception cref="ArgumentNullException">when x is null.</exception>
    /// <exception cref="ArgumentException">when x is empty or holds NaN or infinity.</exception>
    /// <exception cref="ShapeMismatchException">when x's columns differ from <see cref="InputFeatures"/>.</exception>
    /// <exception cref="InvalidOperationException">when the network has no parameters yet.</exception>
    public double[,] Predict(double[,] x) => PredictCore<double>(x);

    /// <summary>The network's predictions for x, in single precision.</summary>
    /// <param name="x">Inputs: [rows, features].</param>
    /// <returns>A fresh array: [rows, outputs].</returns>
    /// <exception cref="ArgumentNullException">when x is null.</exception>
    /// <exception cref="ArgumentException">when x is empty or holds NaN or infinity.</exception>
    /// <exception cref="ShapeMismatchException">when x's columns differ from <see cref="InputFeatures"/>.</exception>
    /// <exception cref="InvalidOperationException">when the network has no parameters yet.</exception>
    public float[,] Predict(float[,] x) => PredictCore<float>(x);

    /// <summary>The network's predictions for images, in double precision.</summary>
    /// <param name="x">Images: [images, channels, height, width].</param>
    /// <returns>A fresh array: [images, outputs].</returns>
    /// <exception cref="ArgumentNullException">when x is null.</exception>
    /// <exception cref="ArgumentException">when x is empty or holds NaN or infinity.</exception>
    /// <exception cref="ShapeMismatchException">when the images do not fit the layers or the parameters (the message names the layer).</exception>
    /// <exception cref="InvalidOperationException">when the network has no parameters yet.</exception>
    public double[,] Predict(double[,,,] x) => PredictCore<double>(x);

    /// <summary>The network's predictions for images, in single precision.</summary>
    /// <param name="x">Images: [images, channels, height, width].</param>
    /// <returns>A fresh array: [images, outputs].</returns>
    /// <exception cref="ArgumentNullException">when x is null.</exception>
    /// <exception cref="ArgumentException">when x is empty or holds NaN or infinity.</exception>
    /// <exception cref="ShapeMismatchException">when the images do not fit the layers or the parameters (the message names the layer).</exception>
    /// <exception cref="InvalidOperationException">when the network has no parameters yet.</exception>
    public float[,] Predict(float[,,,] x) => PredictCore<float>(x);

    /// <summary>
    /// The predicted class of each row of x: the column of the largest output (chapter 4's classifiers,
    /// NumPy's <c>argmax(axis=1)</c>), computed in double precision.
    /// </summary>
    /// <param name="x">Inputs: [rows, features].</param>
    /// <returns>One class index in 0 .. <see cref="OutputFeatures"/> − 1 per row.</returns>
    /// <exception cref="ArgumentNullException">when x is null.</exception>
    /// <exception cref="ArgumentException">when x is empty or holds NaN or infinity.</exception>
    /// <exception cref="ShapeMismatchException">when x's columns differ from <see cref="InputFeatures"/>.</exception>
    /// <exception cref="InvalidOperationException">when the network has no parameters yet.</exception>
    public int[] PredictClasses(double[,] x) => PredictClassesCore<double>(x);

    /// <summary>The predicted class of each row of x, computed in single precision; see <see cref="PredictClasses(double[,])"/>.</summary>
    /// <param name="x">Inputs: [rows, features].</param>
    /// <returns>One class index in 0 .. <see cref="OutputFeatures"/> − 1 per row.</returns>
    /// <exception cref="ArgumentNullException">when x is null.</exception>
    /// <exception cref="ArgumentException">when x is empty or holds NaN or infinity.</exception>
    /// <exception cref="ShapeMismatchException">when x's columns differ from <see cref="InputFeatures"/>.</exception>
    /// <exception cref="InvalidOperationException">when the network has no parameters yet.</exception>
    public int[] PredictClasses(float[,] x) => PredictClassesCore<float>(x);

    /// <summary>The predicted class of each image, computed in double precision; see <see cref="PredictClasses(double[,])"/>.</summary>
    /// <param name="x">Images: [images, channels, height, width].</param>
    /// <returns>One class index per image.</returns>
    /// <exception cref="ArgumentNullException">when x is null.</exception>
    /// <exception cref="ArgumentException">when x is empty or holds NaN or infinity.</exception>
    /// <exception cref="ShapeMismatchException">when the images do not fit the layers or the parameters (the message names the layer).</exception>
    /// <exception cref="InvalidOperationException">when the network has no parameters yet.</exception>
    public int[] PredictClasses(double[,,,] x) => PredictClassesCore<double>(x);

    /// <summary>The predicted class of each image, computed in single precision; see <see cref="PredictClasses(double[,])"/>.</summary>
    /// <param name="x">Images: [images, channels, height, width].</param>
    /// <returns>One class index per image.</returns>
    /// <exception cref="ArgumentNullException">when x is null.</exception>
    /// <exception cref="ArgumentException">when x is empty or holds NaN or infinity.</exception>
    /// <exception cref="ShapeMismatchException">when the images do not fit the layers or the parameters (the message names the layer).</exception>
    /// <exception cref="InvalidOperationException">when the network has no parameters yet.</exception>
    public int[] PredictClasses(float[,,,] x) => PredictClassesCore<float>(x);

    /// <summary>
    /// The class probabilities of each row of x: the softmax of the network's outputs, each row
    /// non-negative and summing to 1 — what a network trained with <see cref="SoftmaxCrossEntropy"/>
    /// predicts. Computed in double precision.
    /// </summary>
    /// <param name="x">Inputs: [rows, features].</param>
    /// <returns>A fresh array: [rows, outputs].</returns>
    /// <exception cref="ArgumentNullException">when x is null.</exception>
    /// <exception cref="ArgumentException">when x is empty or holds NaN or infinity.</exception>
    /// <exception cref="ShapeMismatchException">when x's columns differ from <see cref="InputFeatures"/>.</exception>
    /// <exception cref="InvalidOperationException">when the network has no parameters yet.</exception>
    public double[,] PredictProbabilities(double[,] x) => PredictProbabilitiesCore<double>(x);

    /// <summary>The class probabilities of each row of x in single precision; see <see cref="PredictProbabilities(double[,])"/>.</summary>
    /// <param name="x">Inputs: [rows, features].</param>
    /// <returns>A fresh array: [rows, outputs].</returns>
    /// <exception cref="ArgumentNullException">when x is null.</exception>
    /// <exception cref="ArgumentException">when x is empty or holds NaN or infinity.</exception>
    /// <exception cref="ShapeMismatchException">when x's columns differ from <see cref="InputFeatures"/>.</exception>
    /// <exception cref="InvalidOperationException">when the network has no parameters yet.</exception>
    public float[,] PredictProbabilities(float[,] x) => PredictProbabilitiesCore<float>(x);

    /// <summary>The class probabilities of each image in double precision; see <see cref="PredictProbabilities(double[,])"/>.</summary>
    /// <param name="x">Images: [images, channels, height, width].</param>
    /// <returns>A fresh array: [images, outputs].</returns>
    /// <exception cref="ArgumentNullException">when x is null.</exception>
    /// <exception cref="ArgumentException">when x is empty or holds NaN or infinity.</exception>
    /// <exception cref="ShapeMismatchException">when the images do not fit the layers or the parameters (the message names the layer).</exception>
    /// <exception cref="InvalidOperationException">when the network has no parameters yet.</exception>
    public double[,] PredictProbabilities(double[,,,] x) => PredictProbabilitiesCore<double>(x);

    /// <summary>The class probabilities of each image in single precision; see <see cref="PredictProbabilities(double[,])"/>.</summary>
    /// <param name="x">Images: [images, channels, height, width].</param>
    /// <returns>A fresh array: [images, outputs].</returns>
    /// <exception cref="ArgumentNullException">when x is null.</exception>
    /// <exception cref="ArgumentException">when x is empty or holds NaN or infinity.</exception>
    /// <exception cref="ShapeMismatchException">when the images do not fit the layers or the parameters (the message names the layer).</exception>
    /// <exception cref="InvalidOperationException">when the network has no parameters yet.</exception>
    public float[,] PredictProbabilities(float[,,,] x) => PredictProbabilitiesCore<float>(x);

    /// <summary>
    /// The fraction of rows of x whose predicted class (<see cref="PredictClasses(double[,])"/>) is their
    /// label, in 0..1: the book's "model validation accuracy" divided by 100. Computed in double precision.
    /// </summary>
    /// <param name="x">Inputs: [rows, features].</param>
    /// <param name="labels">The true class of each row.</param>
    /// <exception cref="ArgumentNullException">when x or labels is null.</exception>
    /// <exception cref="ArgumentException">when x is empty or holds NaN or infinity.</exception>
    /// <exception cref="ShapeMismatchException">when x's columns differ from <see cref="InputFeatures"/> or labels has not one entry per row.</exception>
    /// <exception cref="InvalidOperationException">when the network has no parameters yet.</exception>
    public double Accuracy(double[,] x, int[] labels) => Classification.Accuracy(PredictClassesCore<double>(x, labels), labels);

    /// <summary>The fraction of rows of x whose predicted class is their label, computed in single precision.</summary>
    /// <param name="x">Inputs: [rows, features].</param>
    /// <param name="labels">The true class of each row.</param>
    /// <exception cref="ArgumentNullException">when x or labels is null.</exception>
    /// <exception cref="ArgumentException">when x is empty or holds NaN or infinity.</exception>
    /// <exception cref="ShapeMismatchException">when x's columns differ from <see cref="InputFeatures"/> or labels has not one entry per row.</exception>
    /// <exception cref="InvalidOperationException">when the network has no parameters yet.</exception>
    public double Accuracy(float[,] x, int[] labels) => Classification.Accuracy(PredictClassesCore<float>(x, labels), labels);

    /// <summary>
    /// The fraction of images whose predicted class is their label, in 0..1 (the book's chapter-5 "validation
    /// accuracy" divided by 100), computed in double precision.
    /// </summary>
    /// <param name="x">Images: [images, channels, height, width].</param>
    /// <param name="labels">The true class of each image.</param>
    /// <exception cref="ArgumentNullException">when x or labels is null.</exception>
    /// <exception cref="ArgumentException">when x is empty or holds NaN or infinity.</exception>
    /// <exception cref="ShapeMismatchException">when the images do not fit the layers or the parameters, or labels has not one entry per image.</exception>
    /// <exception cref="InvalidOperationException">when the network has no parameters yet.</exception>
    public double Accuracy(double[,,,] x, int[] labels) => Classification.Accuracy(PredictClassesCore<double>(x, labels), labels);

    /// <summary>The fraction of images whose predicted class is their label, computed in single precision.</summary>
    /// <param name="x">Images: [images, channels, height, width].</param>
    /// <param name="labels">The true class of each image.</param>
    /// <exception cref="ArgumentNullException">when x or labels is null.</exception>
    /// <exception cref="ArgumentException">when x is empty or holds NaN or infinity.</exception>
    /// <exception cref="ShapeMismatchException">when the images do not fit the layers or the parameters, or labels has not one entry per image.</exception>
    /// <exception cref="InvalidOperationException">when the network has no parameters yet.</exception>
    public double Accuracy(float[,,,] x, int[] labels) => Classification.Accuracy(PredictClassesCore<float>(x, labels), labels);

    /// <summary>The loss of the network's predictions for x against y, computed in double precision.</summary>
    /// <param name="x">Inputs: [rows, features].</param>
    /// <param name="y">Targets: [rows, outputs].</param>
    /// <exception cref="ArgumentNullException">when x or y is null.</exception>
    /// <exception cref="ArgumentException">when x or y is empty or holds NaN or infinity.</exception>
    /// <exception cref="ShapeMismatchException">when the shapes do not fit the network or each other.</exception>
    /// <exception cref="InvalidOperationException">when the network has no parameters yet.</exception>
    public double Loss(double[,] x, double[,] y) => LossCore(x, y);

    /// <summary>The loss of the network's predictions for x against y, computed in single precision.</summary>
    /// <param name="x">Inputs: [rows, features].</param>
    /// <param name="y">Targets: [rows, outputs].</param>
    /// <exception cref="ArgumentNullException">when x or y is null.</exception>
    /// <exception cref="ArgumentException">when x or y is empty or holds NaN or infinity.</exception>
    /// <exception cref="ShapeMismatchException">when the shapes do not fit the network or each other.</exception>
    /// <exception cref="InvalidOperationException">when the network has no parameters yet.</exception>
    public double Loss(float[,] x, float[,] y) => LossCore(x, y);

    /// <summary>The loss of the network's predictions for images against y, computed in double precision.</summary>
    /// <param name="x">Images: [images, channels, height, width].</param>
    /// <param name="y">Targets: [images, outputs].</param>
    /// <exception cref="ArgumentNullException">when x or y is null.</exception>
    /// <exception cref="ArgumentException">when x or y is empty or holds NaN or infinity.</exception>
    /// <exception cref="ShapeMismatchException">when the shapes do not fit the network or each other.</exception>
    /// <exception cref="InvalidOperationException">when the network has no parameters yet.</exception>
    public double Loss(double[,,,] x, double[,] y) => LossCore(x, y);

    /// <summary>The loss of the network's predictions for images against y, computed in single precision.</summary>
    /// <param name="x">Images: [images, channels, height, width].</param>
    /// <param name="y">Targets: [images, outputs].</param>
    /// <exception cref="ArgumentNullException">when x or y is null.</exception>
    /// <exception cref="ArgumentException">when x or y is empty or holds NaN or infinity.</exception>
    /// <exception cref="ShapeMismatchException">when the shapes do not fit the network or each other.</exception>
    /// <exception cref="InvalidOperationException">when the network has no parameters yet.</exception>
    public double Loss(float[,,,] x, float[,] y) => LossCore(x, y);

    /// <summary>
    /// The mean absolute error and root mean squared error of the network's predictions for x
    /// against y (the book's chapter-3 evaluation), computed in double precision.
    /// </summary>
    /// <param name="x">Inputs: [rows, features].</param>
    /// <param name="y">Targets: [rows, outputs].</param>
    /// <exception cref="ArgumentNullException">when x or y is null.</exception>
    /// <exception cref="ArgumentException">when x or y is empty or holds NaN or infinity.</exception>
    /// <exception cref="ShapeMismatchException">when the shapes do not fit the network or each other.</exception>
    /// <exception cref="InvalidOperationException">when the network has no parameters yet.</exception>
    public RegressionMetrics Evaluate(double[,] x, double[,] y) => EvaluateCore(x, y);

    /// <summary>
    /// The mean absolute error and root mean squared error of the network's single-precision
    /// predictions for x against y (the differences are taken in double).
    /// </summary>
    /// <param name="x">Inputs: [rows, features].</param>
    /// <param name="y">Targets: [rows, outputs].</param>
    /// <exception cref="ArgumentNullException">when x or y is null.</exception>
    /// <exception cref="ArgumentException">when x or y is empty or holds NaN or infinity.</exception>
    /// <exception cref="ShapeMismatchException">when the shapes do not fit the network or each other.</exception>
    /// <exception cref="InvalidOperationException">when the network has no parameters yet.</exception>
    public RegressionMetrics Evaluate(float[,] x, float[,] y) => EvaluateCore(x, y);

    /// <summary>The mean absolute error and root mean squared error of the network's predictions for images against y, in double precision.</summary>
    /// <param name="x">Images: [images, channels, height, width].</param>
    /// <param name="y">Targets: [images, outputs].</param>
    /// <exception cref="ArgumentNullException">when x or y is null.</exception>
    /// <exception cref="ArgumentException">when x or y is empty or holds NaN or infinity.</exception>
    /// <exception cref="ShapeMismatchException">when the shapes do not fit the network or each other.</exception>
    /// <exception cref="InvalidOperationException">when the network has no parameters yet.</exception>
    public RegressionMetrics Evaluate(double[,,,] x, double[,] y) => EvaluateCore(x, y);

    /// <summary>The mean absolute error and root mean squared error of the network's single-precision predictions for images against y.</summary>
    /// <param name="x">Images: [images, channels, height, width].</param>
    /// <param name="y">Targets: [images, outputs].</param>
    /// <exception cref="ArgumentNullException">when x or y is null.</exception>
    /// <exception cref="ArgumentException">when x or y is empty or holds NaN or infinity.</exception>
    /// <exception cref="ShapeMismatchException">when the shapes do not fit the network or each other.</exception>
    /// <exception cref="InvalidOperationException">when the network has no parameters yet.</exception>
    public RegressionMetrics Evaluate(float[,,,] x, float[,] y) => EvaluateCore(x, y);

    /// <summary>
    /// The parameters of every layer of a network of <see cref="Dense"/> layers, input first, as fresh arrays
    /// (the book's <c>params()</c>, grouped by layer). Single-precision parameters are widened to double exactly.
    /// <see cref="GetLayerParameters"/> covers every kind of layer.
    /// </summary>
    /// <exception cref="InvalidOperationException">when the network has no parameters yet, or has a layer other than Dense.</exception>
    public IReadOnlyList<DenseParameters> GetParameters()
    {
        CheckAllDense("NeuralNetwork.GetParameters", nameof(GetLayerParameters));
        var tensors = _current switch
        {
            Core.NeuralNetwork<double> d => Core.NeuralNetwork.parameters(d).ToArray(),
            Core.NeuralNetwork<float> f => Core.NeuralNetwork.parameters(f).Select(Interop.Convert<float, double>).ToArray(),
            _ => throw NoParameters("NeuralNetwork.GetParameters"),
        };
        var result = new DenseParameters[tensors.Length / 2];
        for (int i = 0; i < result.Length; i++)
            result[i] = new DenseParameters(Interop.ToArray(tensors[2 * i]), Interop.ToArray(tensors[2 * i + 1]));
        return Array.AsReadOnly(result);
    }

    /// <summary>
    /// Gives a network of <see cref="Dense"/> layers parameters, one <see cref="DenseParameters"/> per layer, input
    /// first (copied). Layer i's W must have as many columns as its neurons, and as many rows as the
    /// previous layer's neurons (the first layer's rows set <see cref="InputFeatures"/>).
    /// <see cref="SetLayerParameters"/> covers every kind of layer.
    /// </summary>
    /// <param name="parameters">One entry per layer.</param>
    /// <param name="precision">The precision to hold them in (double values are rounded to single when asked).</param>
    /// <exception cref="ArgumentNullException">when parameters or an entry is null.</exception>
    /// <exception cref="ArgumentException">when a value is NaN or infinite.</exception>
    /// <exception cref="ArgumentOutOfRangeException">when precision is not a defined value.</exception>
    /// <exception cref="ShapeMismatchException">when the count or a shape does not fit the layers.</exception>
    /// <exception cref="InvalidOperationException">when the network has a layer other than Dense.</exception>
    public void SetParameters(IEnumerable<DenseParameters> parameters, Precision precision = CSharp.Precision.Double)
    {
        const string op = "NeuralNetwork.SetParameters";
        ArgumentNullException.ThrowIfNull(parameters);
        CheckAllDense(op, nameof(SetLayerParameters));
        var ps = parameters.ToArray();
        if (ps.Length != _layers.Length)
            throw new ShapeMismatchException(op, $"{_layers.Length} layer parameters, one per layer", $"{ps.Length}");
        var tensors = new List<Core.Tensor<double>>();
        int inputs = 0;
        for (int i = 0; i < ps.Length; i++)
        {
            var p = ps[i] ?? throw new ArgumentNullException(nameof(parameters), Guard.Message(op, "parameters at every position", $"null at position {i}"));
            int neurons = _layers[i].Neurons;
            if (p.Neurons != neurons || (i > 0 && p.Inputs != inputs))
            {
                string expected = i == 0 ? $"any number of rows and {neurons} columns" : $"{inputs}x{neurons}";
                throw new ShapeMismatchException(op, $"weights of layer {i} ({_layers[i]}) of shape {expected}", $"weights of shape {Guard.Shape(p.Weights)}");
            }
            Guard.Matrix(op, $"weights of layer {i}", p.Weights);
            Guard.Matrix(op, $"bias of layer {i}", p.Bias);
            tensors.Add(Interop.ToTensor(p.Weights));
            tensors.Add(Interop.ToTensor(p.Bias));
            inputs = neurons;
        }
        Replace(Build(op, tensors, precision));
    }

    /// <summary>
    /// The parameters of every layer that has some, input first, as fresh arrays (the book's <c>params()</c>,
    /// grouped by layer): a <see cref="DenseParameters"/> for each <see cref="Dense"/> layer and a
    /// <see cref="Conv2DParameters"/> for each <see cref="Conv2D"/> layer; pooling and flatten layers have none.
    /// Single-precision parameters are widened to double exactly.
    /// </summary>
    /// <exception cref="InvalidOperationException">when the network has no parameters yet.</exception>
    public IReadOnlyList<LayerParameters> GetLayerParameters()
    {
        var net = Trained<double>("NeuralNetwork.GetLayerParameters");
        var result = new List<LayerParameters>();
        foreach (var p in net.Params!.Value)
        {
            switch (p)
            {
                case Core.LayerParams<double>.Dense d:
                    result.Add(new DenseParameters(Interop.ToArray(d.Item.W), Interop.ToArray(d.Item.B)));
                    break;
                case Core.LayerParams<double>.Conv2D c:
                    result.Add(new Conv2DParameters(Interop.ToArray4D(c.Item.W), Interop.RefOrNull(c.Item.B)?.ToArray()));
                    break;
            }
        }
        return result.AsReadOnly();
    }

    /// <summary>
    /// Gives the network parameters (copied): one entry per layer that has parameters, input first, as
    /// <see cref="GetLayerParameters"/> returns them. A <see cref="Dense"/> layer takes <see cref="DenseParameters"/>
    /// whose W has as many columns as its neurons; a <see cref="Conv2D"/> layer takes <see cref="Conv2DParameters"/>
    /// with its filters and kernel size, and a bias exactly when the layer has <see cref="Conv2D.Bias"/>. Where the
    /// layers fix it, W's inputs must match what the previous layers hand on (a Dense layer after a Dense layer,
    /// a Conv2D layer's channels after a Conv2D layer); a Dense layer after images takes any number of rows,
    /// which the images' size must then fit.
    /// </summary>
    /// <param name="parameters">One entry per Dense or Conv2D layer.</param>
    /// <param name="precision">The precision to hold them in (double values are rounded to single when asked).</param>
    /// <exception cref="ArgumentNullException">when parameters or an entry is null.</exception>
    /// <exception cref="ArgumentException">when an entry is for another kind of layer, or a value is NaN or infinite.</exception>
    /// <exception cref="ArgumentOutOfRangeException">when precision is not a defined value.</exception>
    /// <exception cref="ShapeMismatchException">when the count or a shape does not fit the layers.</exception>
    public void SetLayerParameters(IEnumerable<LayerParameters> parameters, Precision precision = CSharp.Precision.Double)
    {
        const string op = "NeuralNetwork.SetLayerParameters";
        ArgumentNullException.ThrowIfNull(parameters);
        var ps = parameters.ToArray();
        int owners = _layers.Count(l => l is Dense or Conv2D);
        if (ps.Length != owners)
            throw new ShapeMismatchException(op, $"{owners} layer parameters, one per Dense or Conv2D layer", $"{ps.Length}");
        var tensors = new List<Core.Tensor<double>>();
        int? features = null;   // the features a row hands on, when the layers so far fix them
        int? channels = null;   // the channels an image hands on, when the layers so far fix them
        int k = 0;
        for (int i = 0; i < _layers.Length; i++)
        {
            var layer = _layers[i];
            if (layer is not (Dense or Conv2D))
            {
                features = layer is Flatten ? features : null;
                channels = layer is Flatten ? null : channels;
                continue;
            }
            var p = ps[k++] ?? throw new ArgumentNullException(nameof(parameters), Guard.Message(op, "parameters at every position", $"null at position {k - 1}"));
            if (layer is Dense dense)
            {
                if (p is not DenseParameters dp)
                    throw new ArgumentException(Guard.Message(op, $"DenseParameters for layer {i} ({dense})", p.ToString() ?? p.GetType().Name), nameof(parameters));
                if (dp.Neurons != dense.Neurons || (features is int f && dp.Inputs != f))
                {
                    string expected = features is int rows ? $"{rows}x{dense.Neurons}" : $"any number of rows and {dense.Neurons} columns";
                    throw new ShapeMismatchException(op, $"weights of layer {i} ({dense}) of shape {expected}", $"weights of shape {Guard.Shape(dp.Weights)}");
                }
                Guard.Matrix(op, $"weights of layer {i}", dp.Weights);
                Guard.Matrix(op, $"bias of layer {i}", dp.Bias);
                tensors.Add(Interop.ToTensor(dp.Weights));
                tensors.Add(Interop.ToTensor(dp.Bias));
                features = dense.Neurons;
                channels = null;
            }
            else
            {
                var conv = (Conv2D)layer;
                if (p is not Conv2DParameters cp)
                    throw new ArgumentException(Guard.Message(op, $"Conv2DParameters for layer {i} ({conv})", p.ToString() ?? p.GetType().Name), nameof(parameters));
                if (cp.Filters != conv.Filters || cp.KernelSize != conv.KernelSize || (channels is int c && cp.InChannels != c))
                {
                    string inputs = channels is int c2 ? c2.ToString(System.Globalization.CultureInfo.InvariantCulture) : "any number of";
                    throw new ShapeMismatchException(op,
                        $"weights of layer {i} ({conv}) of shape [{inputs} input channels, {conv.Filters}, {conv.KernelSize}, {conv.KernelSize}]",
                        $"weights of shape {Guard.Shape(cp.Weights)}");
                }
                if ((cp.Bias is null) == conv.Bias)
                    throw new ShapeMismatchException(op, $"{(conv.Bias ? "a bias" : "no bias")} for layer {i} ({conv})",
                        cp.Bias is null ? "no bias" : $"a bias of {cp.Bias.Length} values");
                Guard.Images(op, $"weights of layer {i}", cp.Weights);
                tensors.Add(Interop.ToTensor<double>(cp.Weights));
                if (cp.Bias is double[] bias)
                {
                    for (int j = 0; j < bias.Length; j++)
                    {
                        if (!double.IsFinite(bias[j]))
                            throw new ArgumentException(Guard.Message(op, $"finite values in bias of layer {i}", $"{Guard.Text(bias[j])} at {j}"), nameof(parameters));
                    }
                    tensors.Add(Core.Tensor.create([bias.Length], bias));
                }
                features = null;
                channels = conv.Flatten ? null : conv.Filters;
            }
        }
        Replace(Build(op, tensors, precision));
    }

    /// <summary>Drops the parameters: they are drawn again on the next training run.</summary>
    public void Reset() => Replace(null);

    /// <summary>A short description: layers, loss and seed.</summary>
    public override string ToString() =>
        $"NeuralNetwork([{string.Join(", ", _layers.Select(l => l.ToString()))}], {_loss}, seed: {Seed})";

    // ---------------------------------------------------------------- the core network

    /// <summary>The core network without parameters, in precision T.</summary>
    internal Core.NeuralNetwork<T> Fresh<T>()
    {
        var net = Core.NeuralNetwork.create<T>(Interop.List(_layers.Select(l => l.ToCore())), _loss.ToCore(), Seed);
        var seeding = _seeding == Seeding.Book ? Core.Seeding.Book : Core.Seeding.PerNetwork;
        var arithmetic = _arithmetic == Arithmetic.NumPy && typeof(T) == typeof(double) ? Core.Arithmetic.NumPy : Core.Arithmetic.Fast;
        return Core.NeuralNetwork.withArithmetic(arithmetic, Core.NeuralNetwork.withSeeding(seeding, net));
    }

    /// <summary>The current core network in precision T: the stored one, a converted copy, or a fresh one without parameters.</summary>
    internal Core.NeuralNetwork<T> Current<T>()
        where T : struct, INumberBase<T>
    {
        switch (_current)
        {
            case Core.NeuralNetwork<T> same:
                return same;
            case null:
                return Fresh<T>();
        }
        if (_converted is Core.NeuralNetwork<T> cached)
            return cached;
        var converted = _current switch
        {
            Core.NeuralNetwork<double> d => ConvertTo<double, T>(d),
            Core.NeuralNetwork<float> f => ConvertTo<float, T>(f),
            _ => throw new InvalidOperationException("NeuralNetwork: unexpected core network " + _current.GetType()),
        };
        _converted = converted;
        return converted;
    }

    /// <summary>Stores a trained core network (double or single precision), or null to drop the parameters.</summary>
    internal void Replace(object? net)
    {
        _current = net;
        _converted = null;
        InputFeatures = _layers[0] is not Dense
            ? null
            : net switch
            {
                Core.NeuralNetwork<double> d => Core.NeuralNetwork.parameters(d).Head.Shape[0],
                Core.NeuralNetwork<float> f => Core.NeuralNetwork.parameters(f).Head.Shape[0],
                _ => null,
            };
    }

    /// <summary>A core network holding the given double-precision parameter tensors, in the precision asked for.</summary>
    private object Build(string op, IReadOnlyList<Core.Tensor<double>> tensors, Precision precision) =>
        precision switch
        {
            CSharp.Precision.Double => WithParameters(Fresh<double>(), tensors),
            CSharp.Precision.Single => WithParameters(Fresh<float>(), tensors.Select(Interop.Convert<double, float>).ToList()),
            _ => throw Guard.OutOfRange(op, nameof(precision), "Double or Single", (int)precision),
        };

    private Core.NeuralNetwork<TOut> ConvertTo<TIn, TOut>(Core.NeuralNetwork<TIn> net)
        where TIn : struct, INumberBase<TIn>
        where TOut : struct, INumberBase<TOut> =>
        WithParameters(Fresh<TOut>(), Core.NeuralNetwork.parameters(net).Select(Interop.Convert<TIn, TOut>).ToList());

    /// <summary>
    /// A core network with parameter tensors in layer order, as <c>Core.NeuralNetwork.parameters</c> lists them:
    /// W and B for a dense layer, W (and B with a bias) for a convolutional one, nothing for the others.
    /// </summary>
    private Core.NeuralNetwork<T> WithParameters<T>(Core.NeuralNetwork<T> fresh, IReadOnlyList<Core.Tensor<T>> tensors)
    {
        var layers = new List<Core.LayerParams<T>>();
        int next = 0;
        foreach (var layer in _layers)
        {
            switch (layer)
            {
                case Dense:
                    layers.Add(Core.LayerParams<T>.NewDense(new Core.DenseParams<T>(tensors[next], tensors[next + 1])));
                    next += 2;
                    break;
                case Conv2D conv:
                    var bias = conv.Bias ? FSharpOption<Core.Tensor<T>>.Some(tensors[next + 1]) : FSharpOption<Core.Tensor<T>>.None;
                    layers.Add(Core.LayerParams<T>.NewConv2D(new Core.Conv2DParams<T>(tensors[next], bias)));
                    next += conv.Bias ? 2 : 1;
                    break;
                default:
                    layers.Add(Core.LayerParams<T>.NoParams);
                    break;
            }
        }
        return new Core.NeuralNetwork<T>(fresh.Layers, fresh.Loss, fresh.Seed, fresh.Seeding, fresh.Arithmetic,
            FSharpOption<FSharpList<Core.LayerParams<T>>>.Some(Interop.List(layers)));
    }

    /// <summary>Refuses a Dense-only entry point on a network with other layers, naming the one to use.</summary>
    private void CheckAllDense(string op, string instead)
    {
        if (_allDense)
            return;
        int i = Array.FindIndex(_layers, l => l is not Dense);
        throw new InvalidOperationException(
            $"{op}: the network has a {_layers[i].GetType().Name} layer at position {i} and this method covers Dense layers only; use {instead}");
    }

    /// <summary>The shape of each layer's weights (null for a layer without parameters), or null when the network has no parameters.</summary>
    private int[]?[]? WeightShapes() =>
        _current switch
        {
            Core.NeuralNetwork<double> d => WeightShapes(d),
            Core.NeuralNetwork<float> f => WeightShapes(f),
            _ => null,
        };

    private static int[]?[] WeightShapes<T>(Core.NeuralNetwork<T> net) =>
        net.Params!.Value.Select(p => p switch
        {
            Core.LayerParams<T>.Dense d => d.Item.W.Shape,
            Core.LayerParams<T>.Conv2D c => c.Item.W.Shape,
            _ => null,
        }).ToArray();

    /// <summary>
    /// Checks an input (already guarded: not null, not empty, finite) against the layers and, when asked, the
    /// parameters; returns the number of outputs per row. A network of Dense layers given rows of features is
    /// checked as in chapters 2 to 4; otherwise the shape of a row is followed through every layer.
    /// </summary>
    /// <param name="op">The operation named in errors.</param>
    /// <param name="name">The input's name in errors.</param>
    /// <param name="x">A matrix [rows, features] or images [images, channels, height, width].</param>
    /// <param name="withParameters">Check against the parameters too, when the network has some.</param>
    /// <param name="why">What a wrong number of input features is said to contradict.</param>
    /// <exception cref="ShapeMismatchException">when a layer cannot take what reaches it, or the output of a row is not a row of values.</exception>
    internal int CheckInput(string op, string name, Array x, bool withParameters = true, string why = "the network's input features")
    {
        if (_allDense && x.Rank == 2)
        {
            if (withParameters && InputFeatures is int features)
                Guard.Columns(op, name, x, features, why);
            return OutputFeatures;
        }
        return Walk(op, name, Guard.Sample(x), withParameters ? WeightShapes() : null);
    }

    /// <summary>
    /// Follows the shape of one row (or image) of input through every layer, checking that each takes it; returns
    /// the number of outputs per row.
    /// </summary>
    /// <param name="op">The operation named in errors.</param>
    /// <param name="name">The input's name in errors.</param>
    /// <param name="sample">The shape of one row: [features] or [channels, height, width].</param>
    /// <param name="weights">Each layer's weight shape, or null to check against the layers only.</param>
    /// <exception cref="ShapeMismatchException">when a layer cannot take what reaches it, or the output of a row is not a row of values.</exception>
    internal int Walk(string op, string name, int[] sample, int[]?[]? weights = null)
    {
        var shape = sample;
        for (int i = 0; i < _layers.Length; i++)
            shape = _layers[i].OutputShape(op, i, shape, weights?[i]);
        if (shape.Length != 1)
            throw new ShapeMismatchException(op,
                "a network whose output for each row is a row of values (end it with Dense, Flatten or a Conv2D with flatten)",
                $"outputs of shape {Guard.Format(shape)} for each row of {name}");
        return shape[0];
    }

    /// <summary>The current core network in precision T, which must have parameters.</summary>
    private Core.NeuralNetwork<T> Trained<T>(string op)
        where T : struct, INumberBase<T> =>
        _current is null ? throw NoParameters(op) : Current<T>();

    private static InvalidOperationException NoParameters(string op) =>
        new($"{op}: the network has no parameters yet; train it with Trainer.Fit or give it parameters with SetParameters first");

    /// <summary>
    /// The network's output for x in inference: images 1,000 at a time (each image's output does not depend
    /// on the others, so this equals one pass), rows of features in one pass.
    /// </summary>
    private static Core.Tensor<T> Forward<T>(Core.NeuralNetwork<T> net, Array x)
        where T : struct, IFloatingPointIeee754<T>
    {
        var input = Interop.ToTensor<T>(x);
        int n = x.GetLength(0);
        if (x.Rank == 2 || n <= ImageChunk)
            return Core.NeuralNetwork.forward(net, input);
        T[]? output = null;
        int width = 0;
        for (int start = 0; start < n; start += ImageChunk)
        {
            var part = Core.NeuralNetwork.forward(net, Core.Tensor.sliceRows(start, Math.Min(ImageChunk, n - start), input));
            width = part.Cols;
            output ??= new T[n * width];
            part.AsSpan().CopyTo(output.AsSpan(start * width));
        }
        return Core.Tensor.wrap([n, width], output!);
    }

    private T[,] PredictCore<T>(Array x)
        where T : struct, IFloatingPointIeee754<T>
    {
        const string op = "NeuralNetwork.Predict";
        Guard.Input<T>(op, nameof(x), x);
        var net = Trained<T>(op);
        CheckInput(op, nameof(x), x);
        return Interop.ToArray(Forward(net, x));
    }

    private int[] PredictClassesCore<T>(Array x, int[]? labels = null)
        where T : struct, IFloatingPointIeee754<T>
    {
        const string op = "NeuralNetwork.PredictClasses";
        Guard.Input<T>(op, nameof(x), x);
        if (labels is not null && labels.Length != x.GetLength(0))
            throw new ShapeMismatchException("NeuralNetwork.Accuracy",
                $"one label for each of the {x.GetLength(0)} rows of x", $"{labels.Length} labels");
        var net = Trained<T>(op);
        CheckInput(op, nameof(x), x);
        return Core.Classification.argmax(Forward(net, x));
    }

    private T[,] PredictProbabilitiesCore<T>(Array x)
        where T : struct, IFloatingPointIeee754<T>
    {
        const string op = "NeuralNetwork.PredictProbabilities";
        Guard.Input<T>(op, nameof(x), x);
        var net = Trained<T>(op);
        CheckInput(op, nameof(x), x);
        return Interop.ToArray(Core.Softmax.forward(Forward(net, x)));
    }

    private Core.NeuralNetwork<T> CheckPair<T>(string op, Array x, T[,] y)
        where T : struct, IFloatingPointIeee754<T>
    {
        Guard.Input<T>(op, nameof(x), x);
        Guard.Matrix(op, nameof(y), y);
        var net = Trained<T>(op);
        int outputs = CheckInput(op, nameof(x), x);
        Guard.SameRows(op, "x", x, "y", y);
        Guard.Columns(op, "y", y, outputs, "the network's outputs");
        return net;
    }

    private double LossCore<T>(Array x, T[,] y)
        where T : struct, IFloatingPointIeee754<T>
    {
        var net = CheckPair("NeuralNetwork.Loss", x, y);
        return Core.LossModule.forward(net.Loss, Forward(net, x), Interop.ToTensor(y));
    }

    private RegressionMetrics EvaluateCore<T>(Array x, T[,] y)
        where T : struct, IFloatingPointIeee754<T>
    {
        var net = CheckPair("NeuralNetwork.Evaluate", x, y);
        var prediction = Forward(net, x);
        var target = Interop.ToTensor(y);
        return new RegressionMetrics(
            Core.Metrics.meanAbsoluteError(prediction, target),
            Core.Metrics.rootMeanSquaredError(prediction, target));
    }
}
