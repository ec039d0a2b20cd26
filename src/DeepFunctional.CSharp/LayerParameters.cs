using System;

namespace DeepFunctional.CSharp;

/// <summary>
/// The parameters of one layer as arrays the caller owns: <see cref="DenseParameters"/> for a <see cref="Dense"/>
/// layer, <see cref="Conv2DParameters"/> for a <see cref="Conv2D"/> layer (pooling and flatten layers have none).
/// <see cref="NeuralNetwork.GetLayerParameters"/> and <see cref="NeuralNetwork.SetLayerParameters"/> take one per
/// layer that has parameters. This class cannot be derived from outside the library.
/// </summary>
public abstract class LayerParameters
{
    private protected LayerParameters()
    {
    }
}

/// <summary>
/// The parameters of one <see cref="Conv2D"/> layer as arrays the caller owns: the kernels W
/// [inChannels, filters, k, k] (the book's layout) and, for a layer with <see cref="Conv2D.Bias"/>, one bias
/// per output channel.
/// </summary>
public sealed class Conv2DParameters : LayerParameters
{
    /// <summary>Parameters from arrays (kept as given, not copied).</summary>
    /// <param name="weights">W: [inChannels, filters, k, k], every length at least 1, the kernel square.</param>
    /// <param name="bias">One value per filter, or null for a layer without bias (the book's).</param>
    /// <exception cref="ArgumentNullException">when weights is null.</exception>
    /// <exception cref="ArgumentException">when W is empty.</exception>
    /// <exception cref="ShapeMismatchException">when the kernel is not square or the bias has not one value per filter.</exception>
    public Conv2DParameters(double[,,,] weights, double[]? bias = null)
    {
        const string op = "Conv2DParameters";
        ArgumentNullException.ThrowIfNull(weights);
        if (weights.Length == 0)
            throw new ArgumentException(
                Guard.Message(op, "weights with every length at least 1", $"weights of shape {Guard.Shape(weights)}"), nameof(weights));
        if (weights.GetLength(2) != weights.GetLength(3))
            throw new ShapeMismatchException(op, "weights [inChannels, filters, k, k] with a square kernel", $"weights of shape {Guard.Shape(weights)}");
        if (bias is not null && bias.Length != weights.GetLength(1))
            throw new ShapeMismatchException(op,
                $"a bias of {weights.GetLength(1)} values, one per filter of weights {Guard.Shape(weights)}", $"a bias of {bias.Length} values");
        Weights = weights;
        Bias = bias;
    }

    /// <summary>W: [inChannels, filters, k, k].</summary>
    public double[,,,] Weights { get; }

    /// <summary>The bias of each output channel, or null for a layer without bias.</summary>
    public double[]? Bias { get; }

    /// <summary>The number of input channels (the first length of W).</summary>
    public int InChannels => Weights.GetLength(0);

    /// <summary>The number of kernels, which is the number of output channels (the second length of W).</summary>
    public int Filters => Weights.GetLength(1);

    /// <summary>The side of the square kernel.</summary>
    public int KernelSize => Weights.GetLength(2);

    /// <summary>A short description: <c>Conv2DParameters(1x16x5x5)</c>, with <c>, bias</c> when there is one.</summary>
    public override string ToString() => $"Conv2DParameters({Guard.Shape(Weights)}{(Bias is null ? "" : ", bias")})";
}
