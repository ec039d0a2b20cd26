using System;
using Core = DeepFunctional;

namespace DeepFunctional.CSharp.Book;

/// <summary>The book's behaviour for networks of the main namespace: its seeding and its NumPy arithmetic.</summary>
public static class BookSettings
{
    /// <summary>
    /// A copy of the network (without parameters) drawing its layers' parameters the book's way: every layer re-seeds
    /// the generator with the network's seed, and training goes on from the stream after the last layer's draws.
    /// </summary>
    /// <param name="network">The network to copy.</param>
    /// <exception cref="ArgumentNullException">when the network is null.</exception>
    public static NeuralNetwork WithBookSeeding(this NeuralNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        return new NeuralNetwork(network.CoreLayers, network.CoreLoss, network.Seed, Core.Book.Book.seeding, network.Backend);
    }

    /// <summary>A copy of the network (without parameters) computing with NumPy's arithmetic in double precision, as the book's code does.</summary>
    /// <param name="network">The network to copy.</param>
    /// <exception cref="ArgumentNullException">when the network is null.</exception>
    public static NeuralNetwork WithNumPyArithmetic(this NeuralNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        return new NeuralNetwork(network.CoreLayers, network.CoreLoss, network.Seed, network.Seeding, Core.Book.Book.numPy);
    }

    /// <summary>Whether the network draws its parameters the book's way.</summary>
    /// <param name="network">The network.</param>
    public static bool UsesBookSeeding(this NeuralNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        return !network.Seeding.IsPerNetwork;
    }

    /// <summary>Whether the network computes with NumPy's arithmetic.</summary>
    /// <param name="network">The network.</param>
    public static bool UsesNumPyArithmetic(this NeuralNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        return ReferenceEquals(network.Backend, Core.Book.Book.numPy);
    }

    /// <summary>The book's softmax cross-entropy loss value (chapter 4): a sum of binary cross-entropies with the gradient (p − y)/N.</summary>
    public static Loss SoftmaxCrossEntropy => Loss.FromCore(Core.Book.Book.softmaxCrossEntropy);

    /// <summary>Options that keep, on early stopping, the book's copy of the network (taken before the last epoch of an evaluation period).</summary>
    /// <param name="options">The options to copy; defaults when null.</param>
    public static FitOptions WithBookEarlyStopping(this FitOptions? options) =>
        Copy(options ?? new FitOptions(), Core.Book.Book.earlyStopping, null);

    internal static FitOptions Copy(FitOptions o, Core.EarlyStoppingModel model, Func<Core.TrainingEvent, Microsoft.FSharp.Core.FSharpOption<string>>? lines) => new()
    {
        Epochs = o.Epochs, EvalEvery = o.EvalEvery, BatchSize = o.BatchSize, Seed = o.Seed, Restart = o.Restart, EarlyStopping = o.EarlyStopping,
        Progress = o.Progress, Cancellation = o.Cancellation, Checkpoint = o.Checkpoint, Output = o.Output,
        EarlyStoppingModel = model, Lines = lines ?? o.Lines,
    };
}
