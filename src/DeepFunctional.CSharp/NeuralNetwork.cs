using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Numerics;
using Microsoft.FSharp.Collections;
using Microsoft.FSharp.Core;
using Core = DeepFunctional;

namespace DeepFunctional.CSharp;

/// <summary>A network's trained state in one precision: the core network with parameters and the sample shape it takes.</summary>
internal abstract class NetworkState
{
    internal abstract Precision Precision { get; }

    /// <summary>The shape of one sample (the input without its batch dimension).</summary>
    internal abstract int[] InputShape { get; }
}

/// <summary>The trained state in the precision <typeparamref name="T"/>.</summary>
internal sealed class NetworkState<T>(Core.NeuralNetwork<T> net, int[] inputShape) : NetworkState
    where T : IFloatingPointIeee754<T>
{
    internal Core.NeuralNetwork<T> Net { get; } = net;

    internal override int[] InputShape { get; } = inputShape;

    internal override Precision Precision => Interop.PrecisionOf<T>();
}

/// <summary>One parameter tensor of a network: its layer, name, shape and values.</summary>
public sealed class ParameterTensor
{
    internal ParameterTensor(int layer, string name, int[] shape, double[] values)
    {
        Layer = layer;
        Name = name;
        Shape = shape;
        Values = values;
    }

    /// <summary>The 0-based index of the layer it belongs to.</summary>
    public int Layer { get; }

    /// <summary>Its name within the layer, e.g. "W" or "B".</summary>
    public string Name { get; }

    /// <summary>Its dimensions.</summary>
    public int[] Shape { get; }

    /// <summary>Its values, row-major, as doubles (single-precision values widen exactly, so equality is bit equality).</summary>
    public double[] Values { get; }

    /// <summary>e.g. "layers.0.W [13; 1]".</summary>
    public override string ToString() => $"layers.{Layer}.{Name} {Interop.Format(Shape)}";
}

/// <summary>
/// A neural network (the book's <c>NeuralNetwork(layers, loss, seed)</c>): layers, a loss and a seed. Its
/// parameters are drawn from the seed on the first batch of training (or by <see cref="Initialize"/>), in the
/// precision of that data: <c>double</c> arrays make a double network, <c>float</c> arrays a single-precision one.
/// A <see cref="Trainer"/> trains it; inputs are [rows; features] matrices for dense layers, [rows; seq; features]
/// sequences for recurrent ones, [rows; channels; h; w] images for convolutional ones, and token ids for an embedding.
/// </summary>
public sealed class NeuralNetwork
{
    internal readonly FSharpList<Core.Layer> CoreLayers;
    internal readonly Core.Loss CoreLoss;
    internal Core.Seeding Seeding = Core.Seeding.PerNetwork;
    internal Core.Backend Backend = Core.BackendModule.fast;
    internal NetworkState? State;

    /// <summary>A network of the given layers, loss and seed; parameters are drawn on the first batch.</summary>
    /// <param name="layers">The layers, input first (at least one).</param>
    /// <param name="loss">The loss it is trained on.</param>
    /// <param name="seed">The seed its layers draw their parameters with, in 0..4294967295.</param>
    /// <exception cref="ArgumentNullException">when an argument or a layer is null.</exception>
    /// <exception cref="Core.InvalidValueException">when there is no layer or the seed is out of range.</exception>
    public NeuralNetwork(IReadOnlyList<Layer> layers, Loss loss, long seed = 1)
    {
        ArgumentNullException.ThrowIfNull(layers);
        ArgumentNullException.ThrowIfNull(loss);
        if (layers.Count == 0)
            throw new Core.InvalidValueException("NeuralNetwork", "at least one layer", "none", nameof(layers));
        for (int i = 0; i < layers.Count; i++)
            if (layers[i] is null)
                throw new ArgumentNullException(nameof(layers), $"NeuralNetwork: layer {i} is null");
        if (seed < 0 || seed > uint.MaxValue)
            throw new Core.InvalidValueException("NeuralNetwork", "a seed in 0..4294967295", seed.ToString(CultureInfo.InvariantCulture), nameof(seed));
        Layers = layers.ToArray();
        Loss = loss;
        Seed = seed;
        CoreLayers = Interop.List(Layers.Select(l => l.ToCore()));
        CoreLoss = loss.ToCore();
    }

    /// <summary>A network wrapping a core network (a loaded or book one).</summary>
    internal NeuralNetwork(FSharpList<Core.Layer> layers, Core.Loss loss, long seed, Core.Seeding seeding, Core.Backend backend)
    {
        CoreLayers = layers;
        CoreLoss = loss;
        Seed = seed;
        Seeding = seeding;
        Backend = backend;
        Layers = layers.Select(Layer.FromCore).ToArray();
        Loss = Loss.FromCore(loss);
    }

    /// <summary>The layers, input first.</summary>
    public IReadOnlyList<Layer> Layers { get; }

    /// <summary>The loss it is trained on.</summary>
    public Loss Loss { get; }

    /// <summary>The seed its layers draw their parameters with.</summary>
    public long Seed { get; }

    /// <summary>The precision of its parameters, or null before they are drawn.</summary>
    public Precision? Precision => State?.Precision;

    /// <summary>Whether the parameters have been drawn (by training, <see cref="Initialize"/> or <see cref="Load"/>).</summary>
    public bool IsInitialized => State is not null;

    /// <summary>The shape of one input sample (without the batch dimension), or null before the parameters are drawn.</summary>
    public int[]? InputShape => State?.InputShape.ToArray();

    /// <summary>A core network of this description in the precision <typeparamref name="T"/>, without parameters.</summary>
    internal Core.NeuralNetwork<T> Fresh<T>() where T : IFloatingPointIeee754<T> =>
        new(CoreLayers, CoreLoss, Seed, Seeding, Backend, FSharpOption<FSharpList<Core.LayerParams<T>>>.None);

    /// <summary>
    /// Draws the parameters for samples of <paramref name="inputShape"/> in the given precision, as the first batch of
    /// training would (replacing any parameters the network had).
    /// </summary>
    /// <param name="inputShape">The shape of one sample, e.g. [13] for 13 features, [seq, features], [channels, h, w].</param>
    /// <param name="precision">The precision of the parameters.</param>
    /// <exception cref="Core.ShapeMismatchException">when a layer cannot take the shape that reaches it.</exception>
    public void Initialize(int[] inputShape, Precision precision = CSharp.Precision.Double)
    {
        ArgumentNullException.ThrowIfNull(inputShape);
        if (precision == CSharp.Precision.Single)
            InitializeAs<float>(inputShape);
        else
            InitializeAs<double>(inputShape);
    }

    private void InitializeAs<T>(int[] inputShape) where T : IFloatingPointIeee754<T>
    {
        const string op = "NeuralNetwork.Initialize";
        int[] full = [1, .. inputShape];
        if (inputShape.Length == 0)
            throw new Core.ShapeMismatchException(op, "a sample shape of rank 1 or more", "rank 0", nameof(inputShape));
        ShapesFor(op, nameof(inputShape), full);
        var net = Core.NeuralNetwork.initialise(Core.Tensor.zeros<T>(full), Core.RngModule.seed(0), Fresh<T>()).Item1;
        State = new NetworkState<T>(net, inputShape.ToArray());
    }

    /// <summary>The output shape of every layer for samples of <paramref name="inputShape"/> (without the batch dimension), input first.</summary>
    /// <param name="inputShape">The shape of one sample.</param>
    /// <exception cref="Core.ShapeMismatchException">when a layer cannot take the shape that reaches it (ParamName "inputShape").</exception>
    public int[][] OutputShapes(int[] inputShape)
    {
        ArgumentNullException.ThrowIfNull(inputShape);
        return ShapesFor("NeuralNetwork.OutputShapes", nameof(inputShape), [1, .. inputShape]).Select(s => s[1..]).ToArray();
    }

    /// <summary>The output shape of every layer for inputs of <paramref name="full"/> shape, errors naming the caller's operation and parameter.</summary>
    internal int[][] ShapesFor(string op, string paramName, int[] full)
    {
        var shapes = new List<int[]>();
        var shape = full;
        int i = 0;
        foreach (var layer in CoreLayers)
        {
            try
            {
                shape = Core.NeuralNetwork.layerOutputShape(layer, shape);
            }
            catch (Core.ShapeMismatchException e)
            {
                throw new Core.ShapeMismatchException(op, $"{e.Expected} (layer {i}, {Layers[i]})", e.Actual, paramName);
            }
            catch (Core.InvalidValueException e)
            {
                throw new Core.InvalidValueException(op, $"{e.Expected} (layer {i}, {Layers[i]})", e.Actual, paramName);
            }
            shapes.Add(shape);
            i++;
        }
        return shapes.ToArray();
    }

    /// <summary>Checks that the layers take inputs of this full shape (and, once trained, that the sample shape is the trained one).</summary>
    internal int[] CheckInput(string op, string paramName, int[] full)
    {
        if (full.Length < 2)
            throw new Core.ShapeMismatchException(op, "an input of rank 2 or more ([rows; ...])", $"rank {full.Length}", paramName);
        if (State is { } s && !s.InputShape.SequenceEqual(full[1..]))
            throw new Core.ShapeMismatchException(op, $"samples of shape {Interop.Format(s.InputShape)}, as the network was trained on",
                $"samples of shape {Interop.Format(full[1..])}", paramName);
        return ShapesFor(op, paramName, full)[^1];
    }

    /// <summary>The trained core network in precision <typeparamref name="T"/>.</summary>
    internal Core.NeuralNetwork<T> Trained<T>(string op, string paramName) where T : IFloatingPointIeee754<T> =>
        State switch
        {
            NetworkState<T> s => s.Net,
            null => throw new InvalidOperationException($"{op}: the network has no parameters yet; train it or call NeuralNetwork.Initialize first"),
            var other => throw new Core.InvalidValueException(op, $"data of the network's precision, {other.Precision}",
                $"{Interop.PrecisionOf<T>()} data", paramName),
        };

    private Array Run<T>(string op, Array x, int outputRank) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(x);
        var net = Trained<T>(op, nameof(x));
        var output = CheckInput(op, nameof(x), Interop.Dimensions(x));
        if (output.Length != outputRank)
            throw new Core.ShapeMismatchException(op, $"a network whose output has rank {outputRank}",
                $"an output of shape {Interop.Format(output)} ({output.Length switch { 2 => "use Predict", 3 => "use PredictSequence", _ => "end the network with a Flatten layer" }})", nameof(x));
        CheckIds<T>(op, x);
        return Interop.ToArray(Core.NeuralNetwork.predict(net, Interop.Tensor<T>(x)));
    }

    /// <summary>Checks that an embedding's token ids are whole numbers of its vocabulary.</summary>
    internal void CheckIds<T>(string op, Array x) where T : IFloatingPointIeee754<T>
    {
        if (Layers.Count == 0 || Layers[0] is not Embedding e)
            return;
        foreach (var v in Interop.Elements<T>(x))
        {
            if (!T.IsInteger(v) || v < T.Zero || v >= T.CreateChecked(e.Vocabulary))
                throw new Core.InvalidValueException(op, $"token ids in 0..{e.Vocabulary - 1}", v.ToString() ?? "", nameof(x));
        }
    }

    /// <summary>The network's outputs for rows of features (inference: no dropout).</summary>
    /// <param name="x">[rows; features] (or token ids [rows; seq] for an embedding).</param>
    /// <returns>[rows; outputs].</returns>
    /// <exception cref="Core.ShapeMismatchException">when x does not fit the network (ParamName "x").</exception>
    /// <exception cref="InvalidOperationException">when the network has no parameters yet.</exception>
    public double[,] Predict(double[,] x) => (double[,])Run<double>("NeuralNetwork.Predict", x, 2);

    /// <summary>The network's outputs for rows of features, in single precision.</summary>
    /// <param name="x">[rows; features].</param>
    /// <returns>[rows; outputs].</returns>
    /// <exception cref="Core.ShapeMismatchException">when x does not fit the network (ParamName "x").</exception>
    /// <exception cref="InvalidOperationException">when the network has no parameters yet.</exception>
    public float[,] Predict(float[,] x) => (float[,])Run<float>("NeuralNetwork.Predict", x, 2);

    /// <summary>The network's outputs for sequences.</summary>
    /// <param name="x">[rows; seq; features].</param>
    /// <returns>[rows; outputs].</returns>
    /// <exception cref="Core.ShapeMismatchException">when x does not fit the network or its output is not a matrix (ParamName "x").</exception>
    /// <exception cref="InvalidOperationException">when the network has no parameters yet.</exception>
    public double[,] Predict(double[,,] x) => (double[,])Run<double>("NeuralNetwork.Predict", x, 2);

    /// <summary>The network's outputs for sequences, in single precision.</summary>
    /// <param name="x">[rows; seq; features].</param>
    /// <returns>[rows; outputs].</returns>
    /// <exception cref="Core.ShapeMismatchException">when x does not fit the network or its output is not a matrix (ParamName "x").</exception>
    /// <exception cref="InvalidOperationException">when the network has no parameters yet.</exception>
    public float[,] Predict(float[,,] x) => (float[,])Run<float>("NeuralNetwork.Predict", x, 2);

    /// <summary>The network's outputs for images.</summary>
    /// <param name="x">[rows; channels; h; w].</param>
    /// <returns>[rows; outputs].</returns>
    /// <exception cref="Core.ShapeMismatchException">when x does not fit the network or its output is not a matrix (ParamName "x").</exception>
    /// <exception cref="InvalidOperationException">when the network has no parameters yet.</exception>
    public double[,] Predict(double[,,,] x) => (double[,])Run<double>("NeuralNetwork.Predict", x, 2);

    /// <summary>The network's outputs for images, in single precision.</summary>
    /// <param name="x">[rows; channels; h; w].</param>
    /// <returns>[rows; outputs].</returns>
    /// <exception cref="Core.ShapeMismatchException">when x does not fit the network or its output is not a matrix (ParamName "x").</exception>
    /// <exception cref="InvalidOperationException">when the network has no parameters yet.</exception>
    public float[,] Predict(float[,,,] x) => (float[,])Run<float>("NeuralNetwork.Predict", x, 2);

    /// <summary>Every step's outputs of a network that returns sequences.</summary>
    /// <param name="x">[rows; seq; features].</param>
    /// <returns>[rows; seq; outputs].</returns>
    /// <exception cref="Core.ShapeMismatchException">when x does not fit the network or its output is not a sequence (ParamName "x").</exception>
    /// <exception cref="InvalidOperationException">when the network has no parameters yet.</exception>
    public double[,,] PredictSequence(double[,,] x) => (double[,,])Run<double>("NeuralNetwork.PredictSequence", x, 3);

    /// <summary>Every step's outputs of a network that returns sequences, in single precision.</summary>
    /// <param name="x">[rows; seq; features].</param>
    /// <returns>[rows; seq; outputs].</returns>
    /// <exception cref="Core.ShapeMismatchException">when x does not fit the network or its output is not a sequence (ParamName "x").</exception>
    /// <exception cref="InvalidOperationException">when the network has no parameters yet.</exception>
    public float[,,] PredictSequence(float[,,] x) => (float[,,])Run<float>("NeuralNetwork.PredictSequence", x, 3);

    /// <summary>Every step's outputs for token ids (a network starting with an <see cref="Embedding"/>).</summary>
    /// <param name="x">Token ids [rows; seq].</param>
    /// <returns>[rows; seq; outputs].</returns>
    /// <exception cref="Core.ShapeMismatchException">when x does not fit the network or its output is not a sequence (ParamName "x").</exception>
    /// <exception cref="InvalidOperationException">when the network has no parameters yet.</exception>
    public double[,,] PredictSequence(double[,] x) => (double[,,])Run<double>("NeuralNetwork.PredictSequence", x, 3);

    /// <summary>Every step's outputs for token ids, in single precision.</summary>
    /// <param name="x">Token ids [rows; seq].</param>
    /// <returns>[rows; seq; outputs].</returns>
    /// <exception cref="Core.ShapeMismatchException">when x does not fit the network or its output is not a sequence (ParamName "x").</exception>
    /// <exception cref="InvalidOperationException">when the network has no parameters yet.</exception>
    public float[,,] PredictSequence(float[,] x) => (float[,,])Run<float>("NeuralNetwork.PredictSequence", x, 3);

    private double LossOf<T>(string op, Array x, Array y) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        var net = Trained<T>(op, nameof(x));
        CheckTargets(op, CheckInput(op, nameof(x), Interop.Dimensions(x)), Interop.Dimensions(y), nameof(y));
        return Core.NeuralNetwork.loss(net, Interop.Tensor<T>(x), Interop.Tensor<T>(y));
    }

    /// <summary>Checks that targets have the output's shape.</summary>
    internal static void CheckTargets(string op, int[] output, int[] targets, string paramName)
    {
        if (!output.SequenceEqual(targets))
            throw new Core.ShapeMismatchException(op, $"targets of the output's shape {Interop.Format(output)}", $"shape {Interop.Format(targets)}", paramName);
    }

    /// <summary>The loss of the network's predictions for x against y (inference mode), as the trainer's evaluations compute it.</summary>
    /// <param name="x">[rows; features].</param>
    /// <param name="y">[rows; outputs].</param>
    /// <exception cref="Core.ShapeMismatchException">when x or y does not fit (ParamName "x" or "y").</exception>
    public double ComputeLoss(double[,] x, double[,] y) => LossOf<double>("NeuralNetwork.ComputeLoss", x, y);

    /// <summary>The loss in single precision.</summary>
    /// <param name="x">[rows; features].</param>
    /// <param name="y">[rows; outputs].</param>
    /// <exception cref="Core.ShapeMismatchException">when x or y does not fit (ParamName "x" or "y").</exception>
    public double ComputeLoss(float[,] x, float[,] y) => LossOf<float>("NeuralNetwork.ComputeLoss", x, y);

    /// <summary>The loss for sequences.</summary>
    /// <param name="x">[rows; seq; features].</param>
    /// <param name="y">[rows; outputs].</param>
    /// <exception cref="Core.ShapeMismatchException">when x or y does not fit (ParamName "x" or "y").</exception>
    public double ComputeLoss(double[,,] x, double[,] y) => LossOf<double>("NeuralNetwork.ComputeLoss", x, y);

    /// <summary>The loss for sequences in single precision.</summary>
    /// <param name="x">[rows; seq; features].</param>
    /// <param name="y">[rows; outputs].</param>
    /// <exception cref="Core.ShapeMismatchException">when x or y does not fit (ParamName "x" or "y").</exception>
    public double ComputeLoss(float[,,] x, float[,] y) => LossOf<float>("NeuralNetwork.ComputeLoss", x, y);

    /// <summary>The loss for images.</summary>
    /// <param name="x">[rows; channels; h; w].</param>
    /// <param name="y">[rows; outputs].</param>
    /// <exception cref="Core.ShapeMismatchException">when x or y does not fit (ParamName "x" or "y").</exception>
    public double ComputeLoss(double[,,,] x, double[,] y) => LossOf<double>("NeuralNetwork.ComputeLoss", x, y);

    /// <summary>The loss for images in single precision.</summary>
    /// <param name="x">[rows; channels; h; w].</param>
    /// <param name="y">[rows; outputs].</param>
    /// <exception cref="Core.ShapeMismatchException">when x or y does not fit (ParamName "x" or "y").</exception>
    public double ComputeLoss(float[,,,] x, float[,] y) => LossOf<float>("NeuralNetwork.ComputeLoss", x, y);

    /// <summary>Every parameter tensor in layer order (a dense or convolutional layer's W then B; a recurrent layer's cell weights; an embedding's table).</summary>
    /// <exception cref="InvalidOperationException">when the network has no parameters yet.</exception>
    public IReadOnlyList<ParameterTensor> GetParameters() =>
        State switch
        {
            NetworkState<double> d => ParametersOf(d),
            NetworkState<float> f => ParametersOf(f),
            _ => throw new InvalidOperationException("NeuralNetwork.GetParameters: the network has no parameters yet; train it or call NeuralNetwork.Initialize first"),
        };

    private static ParameterTensor[] ParametersOf<T>(NetworkState<T> s) where T : IFloatingPointIeee754<T>
    {
        var names = Core.NeuralNetwork.parameterShapes(s.Net, [1, .. s.InputShape])
            .SelectMany((layer, i) => layer.Select(p => (Layer: i, Name: p.Item1)))
            .ToArray();
        var tensors = Core.NeuralNetwork.parameters(s.Net).ToArray();
        return tensors.Select((t, k) => new ParameterTensor(names[k].Layer, names[k].Name, t.Shape,
            t.ToArray().Select(v => double.CreateChecked(v)).ToArray())).ToArray();
    }

    /// <summary>The number of parameters (0 before they are drawn).</summary>
    public int ParameterCount => State is null ? 0 : GetParameters().Sum(p => p.Values.Length);

    /// <summary>
    /// A table of the layers: each layer's output shape and number of parameters (for the trained input shape, or
    /// for <paramref name="inputShape"/> when given).
    /// </summary>
    /// <param name="inputShape">The shape of one sample; the trained one when null.</param>
    /// <exception cref="InvalidOperationException">when no shape is given and the network has none yet.</exception>
    public string Summary(int[]? inputShape = null)
    {
        var sample = inputShape ?? State?.InputShape
            ?? throw new InvalidOperationException("NeuralNetwork.Summary: give an input shape, or train the network first");
        ShapesFor("NeuralNetwork.Summary", nameof(inputShape), [1, .. sample]);
        var rows = Core.Summary.ofNetwork(Fresh<double>(), sample);
        return Core.Summary.format(rows).ReplaceLineEndings() + Environment.NewLine + $"input {Interop.Format(sample)}, loss {Loss}";
    }

    /// <summary>
    /// Saves the network to a model file (safetensors: its layers, loss, seed, input shape and parameters, in its precision).
    /// <see cref="Load"/> reads it back to a network that predicts bit for bit as this one.
    /// </summary>
    /// <param name="path">The file to write (written atomically).</param>
    /// <exception cref="InvalidOperationException">when the network has no parameters yet.</exception>
    /// <exception cref="Core.FileWriteException">when the file cannot be written there.</exception>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        switch (State)
        {
            case NetworkState<double> d: Core.ModelFile.save(path, Core.ModelFile.ofNetwork(d.InputShape, d.Net)); break;
            case NetworkState<float> f: Core.ModelFile.save(path, Core.ModelFile.ofNetwork(f.InputShape, f.Net)); break;
            default: throw new InvalidOperationException("NeuralNetwork.Save: the network has no parameters yet; train it or call NeuralNetwork.Initialize first");
        }
    }

    /// <summary>Reads a network saved by <see cref="Save"/>, in the precision the file holds.</summary>
    /// <param name="path">The model file.</param>
    /// <exception cref="Core.DataFormatException">when the file is not a valid model file.</exception>
    /// <exception cref="System.IO.IOException">when the file cannot be read.</exception>
    public static NeuralNetwork Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Core.ModelFile.precision(path) == "float32" ? LoadAs<float>(path) : LoadAs<double>(path);
    }

    private static NeuralNetwork LoadAs<T>(string path) where T : IFloatingPointIeee754<T>
    {
        var model = Core.ModelFile.load<T>(path);
        var n = model.Network;
        return new NeuralNetwork(n.Layers, n.Loss, n.Seed, n.Seeding, n.Backend) { State = new NetworkState<T>(n, model.InputShape.ToArray()) };
    }

    /// <summary>
    /// Writes the network as an ONNX model (opset 17, float32; input "x" of shape [batch; InputShape], output "y";
    /// a softmax head for a softmax cross-entropy network). A double network is exported with its weights rounded to float.
    /// </summary>
    /// <param name="path">The .onnx file to write.</param>
    /// <exception cref="InvalidOperationException">when the network has no parameters yet.</exception>
    /// <exception cref="Core.FileWriteException">when the file cannot be written there.</exception>
    public void ExportOnnx(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        switch (State)
        {
            case NetworkState<double> d: Core.Onnx.Onnx.export(path, Core.ModelFile.ofNetwork(d.InputShape, d.Net)); break;
            case NetworkState<float> f: Core.Onnx.Onnx.export(path, Core.ModelFile.ofNetwork(f.InputShape, f.Net)); break;
            default: throw new InvalidOperationException("NeuralNetwork.ExportOnnx: the network has no parameters yet; train it or call NeuralNetwork.Initialize first");
        }
    }

    /// <summary>Drops the parameters (they are drawn again on the next batch, from the same seed).</summary>
    public void Reset() => State = null;

    /// <summary>e.g. "NeuralNetwork([Dense(13, Sigmoid), Dense(1, Linear)], MeanSquaredError, seed: 20190501)".</summary>
    public override string ToString() => $"NeuralNetwork([{string.Join(", ", Layers)}], {Loss}, seed: {Seed})";
}
