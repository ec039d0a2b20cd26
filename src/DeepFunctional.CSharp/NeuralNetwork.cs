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

/// <summary>
/// The parameters of one <see cref="Dense"/> layer as arrays the caller owns: the weights W
/// (inputs × neurons) and the bias row B (1 × neurons).
/// </summary>
public sealed class DenseParameters
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
/// </remarks>
public sealed class NeuralNetwork
{
    private readonly Layer[] _layers;
    private readonly Loss _loss;
    private readonly Seeding _seeding;

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

    /// <summary>The number of input features the parameters expect, or null before the network has any.</summary>
    public int? InputFeatures { get; private set; }

    /// <summary>The number of outputs: the last layer's neurons.</summary>
    public int OutputFeatures => _layers[^1].Neurons;

    /// <summary>The network's predictions for x (the book's <c>forward</c> in inference).</summary>
    /// <param name="x">Inputs: [rows, features].</param>
    /// <returns>A fresh array: [rows, outputs].</returns>
    /// <exception cref="ArgumentNullException">when x is null.</exception>
    /// <exception cref="ArgumentException">when x is empty or holds NaN or infinity.</exception>
    /// <exception cref="ShapeMismatchException">when x's columns differ from <see cref="InputFeatures"/>.</exception>
    /// <exception cref="InvalidOperationException">when the network has no parameters yet.</exception>
    public double[,] Predict(double[,] x) => PredictCore(x);

    /// <summary>The network's predictions for x, in single precision.</summary>
    /// <param name="x">Inputs: [rows, features].</param>
    /// <returns>A fresh array: [rows, outputs].</returns>
    /// <exception cref="ArgumentNullException">when x is null.</exception>
    /// <exception cref="ArgumentException">when x is empty or holds NaN or infinity.</exception>
    /// <exception cref="ShapeMismatchException">when x's columns differ from <see cref="InputFeatures"/>.</exception>
    /// <exception cref="InvalidOperationException">when the network has no parameters yet.</exception>
    public float[,] Predict(float[,] x) => PredictCore(x);

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
    public int[] PredictClasses(double[,] x) => PredictClassesCore(x);

    /// <summary>The predicted class of each row of x, computed in single precision; see <see cref="PredictClasses(double[,])"/>.</summary>
    /// <param name="x">Inputs: [rows, features].</param>
    /// <returns>One class index in 0 .. <see cref="OutputFeatures"/> − 1 per row.</returns>
    /// <exception cref="ArgumentNullException">when x is null.</exception>
    /// <exception cref="ArgumentException">when x is empty or holds NaN or infinity.</exception>
    /// <exception cref="ShapeMismatchException">when x's columns differ from <see cref="InputFeatures"/>.</exception>
    /// <exception cref="InvalidOperationException">when the network has no parameters yet.</exception>
    public int[] PredictClasses(float[,] x) => PredictClassesCore(x);

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
    public double[,] PredictProbabilities(double[,] x) => PredictProbabilitiesCore(x);

    /// <summary>The class probabilities of each row of x in single precision; see <see cref="PredictProbabilities(double[,])"/>.</summary>
    /// <param name="x">Inputs: [rows, features].</param>
    /// <returns>A fresh array: [rows, outputs].</returns>
    /// <exception cref="ArgumentNullException">when x is null.</exception>
    /// <exception cref="ArgumentException">when x is empty or holds NaN or infinity.</exception>
    /// <exception cref="ShapeMismatchException">when x's columns differ from <see cref="InputFeatures"/>.</exception>
    /// <exception cref="InvalidOperationException">when the network has no parameters yet.</exception>
    public float[,] PredictProbabilities(float[,] x) => PredictProbabilitiesCore(x);

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
    public double Accuracy(double[,] x, int[] labels) => Classification.Accuracy(PredictClassesCore(x, labels), labels);

    /// <summary>The fraction of rows of x whose predicted class is their label, computed in single precision.</summary>
    /// <param name="x">Inputs: [rows, features].</param>
    /// <param name="labels">The true class of each row.</param>
    /// <exception cref="ArgumentNullException">when x or labels is null.</exception>
    /// <exception cref="ArgumentException">when x is empty or holds NaN or infinity.</exception>
    /// <exception cref="ShapeMismatchException">when x's columns differ from <see cref="InputFeatures"/> or labels has not one entry per row.</exception>
    /// <exception cref="InvalidOperationException">when the network has no parameters yet.</exception>
    public double Accuracy(float[,] x, int[] labels) => Classification.Accuracy(PredictClassesCore(x, labels), labels);

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

    /// <summary>
    /// The parameters of every layer, input first, as fresh arrays (the book's <c>params()</c>,
    /// grouped by layer). Single-precision parameters are widened to double exactly.
    /// </summary>
    /// <exception cref="InvalidOperationException">when the network has no parameters yet.</exception>
    public IReadOnlyList<DenseParameters> GetParameters()
    {
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
    /// Gives the network parameters, one <see cref="DenseParameters"/> per layer, input first
    /// (copied). Layer i's W must have as many columns as its neurons, and as many rows as the
    /// previous layer's neurons (the first layer's rows set <see cref="InputFeatures"/>).
    /// </summary>
    /// <param name="parameters">One entry per layer.</param>
    /// <param name="precision">The precision to hold them in (double values are rounded to single when asked).</param>
    /// <exception cref="ArgumentNullException">when parameters or an entry is null.</exception>
    /// <exception cref="ArgumentException">when a value is NaN or infinite.</exception>
    /// <exception cref="ArgumentOutOfRangeException">when precision is not a defined value.</exception>
    /// <exception cref="ShapeMismatchException">when the count or a shape does not fit the layers.</exception>
    public void SetParameters(IEnumerable<DenseParameters> parameters, Precision precision = CSharp.Precision.Double)
    {
        const string op = "NeuralNetwork.SetParameters";
        ArgumentNullException.ThrowIfNull(parameters);
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
        var fresh = Fresh<double>();
        object net = precision switch
        {
            CSharp.Precision.Double => WithParameters(fresh, tensors),
            CSharp.Precision.Single => WithParameters(Fresh<float>(), tensors.Select(Interop.Convert<double, float>).ToList()),
            _ => throw Guard.OutOfRange(op, nameof(precision), "Double or Single", (int)precision),
        };
        Replace(net);
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
        return Core.NeuralNetwork.withSeeding(seeding, net);
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
        InputFeatures = net switch
        {
            Core.NeuralNetwork<double> d => Core.NeuralNetwork.parameters(d).Head.Shape[0],
            Core.NeuralNetwork<float> f => Core.NeuralNetwork.parameters(f).Head.Shape[0],
            _ => null,
        };
    }

    private Core.NeuralNetwork<TOut> ConvertTo<TIn, TOut>(Core.NeuralNetwork<TIn> net)
        where TIn : struct, INumberBase<TIn>
        where TOut : struct, INumberBase<TOut> =>
        WithParameters(Fresh<TOut>(), Core.NeuralNetwork.parameters(net).Select(Interop.Convert<TIn, TOut>).ToList());

    /// <summary>A core network with parameter tensors W, B, W, B, ... in layer order.</summary>
    private static Core.NeuralNetwork<T> WithParameters<T>(Core.NeuralNetwork<T> fresh, IReadOnlyList<Core.Tensor<T>> tensors)
    {
        var layers = new List<Core.LayerParams<T>>();
        for (int i = 0; i < tensors.Count; i += 2)
            layers.Add(Core.LayerParams<T>.NewDense(new Core.DenseParams<T>(tensors[i], tensors[i + 1])));
        return new Core.NeuralNetwork<T>(fresh.Layers, fresh.Loss, fresh.Seed, fresh.Seeding,
            FSharpOption<FSharpList<Core.LayerParams<T>>>.Some(Interop.List(layers)));
    }

    /// <summary>The current core network in precision T, which must have parameters.</summary>
    private Core.NeuralNetwork<T> Trained<T>(string op)
        where T : struct, INumberBase<T> =>
        _current is null ? throw NoParameters(op) : Current<T>();

    private static InvalidOperationException NoParameters(string op) =>
        new($"{op}: the network has no parameters yet; train it with Trainer.Fit or give it parameters with SetParameters first");

    /// <summary>Checks x against the parameters' input features.</summary>
    private void CheckInputs<T>(string op, T[,] x)
    {
        if (InputFeatures is int features)
            Guard.Columns(op, "x", x, features, "the network's input features");
    }

    private T[,] PredictCore<T>(T[,] x)
        where T : struct, IFloatingPointIeee754<T>
    {
        const string op = "NeuralNetwork.Predict";
        Guard.Matrix(op, nameof(x), x);
        var net = Trained<T>(op);
        CheckInputs(op, x);
        return Interop.ToArray(Core.NeuralNetwork.forward(net, Interop.ToTensor(x)));
    }

    private int[] PredictClassesCore<T>(T[,] x, int[]? labels = null)
        where T : struct, IFloatingPointIeee754<T>
    {
        const string op = "NeuralNetwork.PredictClasses";
        Guard.Matrix(op, nameof(x), x);
        if (labels is not null && labels.Length != x.GetLength(0))
            throw new ShapeMismatchException("NeuralNetwork.Accuracy",
                $"one label for each of the {x.GetLength(0)} rows of x", $"{labels.Length} labels");
        var net = Trained<T>(op);
        CheckInputs(op, x);
        return Core.Classification.argmax(Core.NeuralNetwork.forward(net, Interop.ToTensor(x)));
    }

    private T[,] PredictProbabilitiesCore<T>(T[,] x)
        where T : struct, IFloatingPointIeee754<T>
    {
        const string op = "NeuralNetwork.PredictProbabilities";
        Guard.Matrix(op, nameof(x), x);
        var net = Trained<T>(op);
        CheckInputs(op, x);
        return Interop.ToArray(Core.Softmax.forward(Core.NeuralNetwork.forward(net, Interop.ToTensor(x))));
    }

    private Core.NeuralNetwork<T> CheckPair<T>(string op, T[,] x, T[,] y)
        where T : struct, IFloatingPointIeee754<T>
    {
        Guard.Matrix(op, nameof(x), x);
        Guard.Matrix(op, nameof(y), y);
        var net = Trained<T>(op);
        CheckInputs(op, x);
        Guard.SameRows(op, "x", x, "y", y);
        Guard.Columns(op, "y", y, OutputFeatures, "the network's outputs");
        return net;
    }

    private double LossCore<T>(T[,] x, T[,] y)
        where T : struct, IFloatingPointIeee754<T>
    {
        var net = CheckPair("NeuralNetwork.Loss", x, y);
        return Core.NeuralNetwork.loss(net, Interop.ToTensor(x), Interop.ToTensor(y));
    }

    private RegressionMetrics EvaluateCore<T>(T[,] x, T[,] y)
        where T : struct, IFloatingPointIeee754<T>
    {
        var net = CheckPair("NeuralNetwork.Evaluate", x, y);
        var prediction = Core.NeuralNetwork.forward(net, Interop.ToTensor(x));
        var target = Interop.ToTensor(y);
        return new RegressionMetrics(
            Core.Metrics.meanAbsoluteError(prediction, target),
            Core.Metrics.rootMeanSquaredError(prediction, target));
    }
}
