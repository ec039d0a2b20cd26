using System;
using System.Collections.Generic;
using System.Linq;
using Core = DeepFunctional;
using Ch3 = DeepFunctional.Book.Chapter3;

namespace DeepFunctional.CSharp.Book;

/// <summary>One of chapter 3's models with the numbers the book's code prints for it.</summary>
public sealed class Chapter3Model
{
    internal Chapter3Model(Ch3.Model m)
    {
        Core = m;
        Name = m.Name;
        Layers = m.Layers.Select(Layer.FromCore).ToArray();
        Losses = m.Losses.ToArray();
        MeanAbsoluteError = m.Mae;
        RootMeanSquaredError = m.Rmse;
    }

    internal Ch3.Model Core { get; }

    /// <summary>The model's name, e.g. "one hidden layer".</summary>
    public string Name { get; }

    /// <summary>Its layers.</summary>
    public IReadOnlyList<Layer> Layers { get; }

    /// <summary>The validation losses the book prints after 10, 20, 30, 40 and 50 epochs, as printed.</summary>
    public IReadOnlyList<string> Losses { get; }

    /// <summary>The mean absolute error printed at the end (two decimals).</summary>
    public string MeanAbsoluteError { get; }

    /// <summary>The root mean squared error printed at the end (two decimals).</summary>
    public string RootMeanSquaredError { get; }

    /// <summary>The model's network as the book builds it: mean squared error, seed 20190501, the book's seeding.</summary>
    public NeuralNetwork CreateNetwork() => new NeuralNetwork(Layers, new MeanSquaredError(), Chapter3.Seed).WithBookSeeding();

    /// <summary>The model's name.</summary>
    public override string ToString() => Name;
}

/// <summary>The book's chapter 3: three models on the Boston data, trained with <see cref="Trainer"/> and SGD(0.01).</summary>
public static class Chapter3
{
    /// <summary>The book's seed for the networks and for the fit.</summary>
    public const long Seed = Ch3.Seed;

    /// <summary>The book's learning rate.</summary>
    public const double LearningRate = Ch3.LearningRate;

    /// <summary>The three models: linear regression, one hidden layer, two hidden layers.</summary>
    public static IReadOnlyList<Chapter3Model> Models { get; } = Ch3.models.Select(m => new Chapter3Model(m)).ToArray();

    /// <summary>The model of that name.</summary>
    /// <param name="name">"linear regression", "one hidden layer" or "two hidden layers".</param>
    /// <exception cref="Core.InvalidValueException">when no model has that name.</exception>
    public static Chapter3Model Find(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Models.FirstOrDefault(m => m.Name == name)
            ?? throw new Core.InvalidValueException("Chapter3.Find", "one of " + string.Join(", ", Models.Select(m => m.Name)), $"'{name}'", nameof(name));
    }

    /// <summary>The book's fit settings: 50 epochs, evaluation every 10, batches of 32, seed 20190501, early stopping.</summary>
    public static FitOptions Options => new() { Epochs = Ch3.Epochs, EvalEvery = Ch3.EvalEvery, BatchSize = Ch3.BatchSize, Seed = Seed };
}
