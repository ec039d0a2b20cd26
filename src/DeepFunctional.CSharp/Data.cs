using System;
using System.Linq;
using System.Numerics;
using Core = DeepFunctional;

namespace DeepFunctional.CSharp;

/// <summary>Regression metrics over all elements of predictions and targets.</summary>
public static class Metrics
{
    private static double Of<T>(Func<Core.Tensor<T>, Core.Tensor<T>, double> f, string op, Array prediction, Array target)
        where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(prediction);
        ArgumentNullException.ThrowIfNull(target);
        var p = Interop.Dimensions(prediction);
        var t = Interop.Dimensions(target);
        if (!p.SequenceEqual(t))
            throw new Core.ShapeMismatchException(op, $"a target of the prediction's shape {Interop.Format(p)}", $"shape {Interop.Format(t)}", nameof(target));
        if (prediction.Length == 0)
            throw new Core.InvalidValueException(op, "at least one element", "none", nameof(prediction));
        return f(Interop.Tensor<T>(prediction), Interop.Tensor<T>(target));
    }

    /// <summary>mean(|prediction − target|), summed in NumPy's order (so the book's printed digits come out).</summary>
    /// <param name="prediction">[rows; outputs].</param>
    /// <param name="target">The same shape.</param>
    /// <exception cref="Core.ShapeMismatchException">when the shapes differ (ParamName "target").</exception>
    public static double MeanAbsoluteError(double[,] prediction, double[,] target) =>
        Of<double>(Core.Metrics.meanAbsoluteError, "Metrics.MeanAbsoluteError", prediction, target);

    /// <summary>mean(|prediction − target|) in single precision.</summary>
    /// <param name="prediction">[rows; outputs].</param>
    /// <param name="target">The same shape.</param>
    /// <exception cref="Core.ShapeMismatchException">when the shapes differ (ParamName "target").</exception>
    public static double MeanAbsoluteError(float[,] prediction, float[,] target) =>
        Of<float>(Core.Metrics.meanAbsoluteError, "Metrics.MeanAbsoluteError", prediction, target);

    /// <summary>√mean((prediction − target)²).</summary>
    /// <param name="prediction">[rows; outputs].</param>
    /// <param name="target">The same shape.</param>
    /// <exception cref="Core.ShapeMismatchException">when the shapes differ (ParamName "target").</exception>
    public static double RootMeanSquaredError(double[,] prediction, double[,] target) =>
        Of<double>(Core.Metrics.rootMeanSquaredError, "Metrics.RootMeanSquaredError", prediction, target);

    /// <summary>√mean((prediction − target)²) in single precision.</summary>
    /// <param name="prediction">[rows; outputs].</param>
    /// <param name="target">The same shape.</param>
    /// <exception cref="Core.ShapeMismatchException">when the shapes differ (ParamName "target").</exception>
    public static double RootMeanSquaredError(float[,] prediction, float[,] target) =>
        Of<float>(Core.Metrics.rootMeanSquaredError, "Metrics.RootMeanSquaredError", prediction, target);
}

/// <summary>Helpers for classifiers: one-hot targets, predicted classes, accuracy.</summary>
public static class Classification
{
    /// <summary>One-hot rows: row i has a 1 in column labels[i].</summary>
    /// <param name="labels">Classes in 0..classes−1.</param>
    /// <param name="classes">The number of classes (at least 1).</param>
    /// <exception cref="Core.InvalidValueException">when a label is out of range (ParamName "labels").</exception>
    public static double[,] OneHot(int[] labels, int classes)
    {
        ArgumentNullException.ThrowIfNull(labels);
        Layer.CheckPositive("Classification.OneHot", "a number of classes", classes, nameof(classes));
        var y = new double[labels.Length, classes];
        for (int i = 0; i < labels.Length; i++)
        {
            if (labels[i] < 0 || labels[i] >= classes)
                throw new Core.InvalidValueException("Classification.OneHot", $"labels in 0..{classes - 1}", $"label {labels[i]} at index {i}", nameof(labels));
            y[i, labels[i]] = 1;
        }
        return y;
    }

    /// <summary>The column of the largest value of each row (the first on ties).</summary>
    /// <param name="scores">[rows; classes].</param>
    public static int[] Argmax(double[,] scores)
    {
        ArgumentNullException.ThrowIfNull(scores);
        return Core.Classification.argmax(Interop.Tensor<double>(scores));
    }

    /// <summary>The column of the largest value of each row (the first on ties).</summary>
    /// <param name="scores">[rows; classes].</param>
    public static int[] Argmax(float[,] scores)
    {
        ArgumentNullException.ThrowIfNull(scores);
        return Core.Classification.argmax(Interop.Tensor<float>(scores));
    }

    /// <summary>The fraction of predictions that equal their label, in 0..1.</summary>
    /// <param name="predicted">Predicted classes.</param>
    /// <param name="labels">True classes, as many.</param>
    /// <exception cref="Core.ShapeMismatchException">when the lengths differ (ParamName "predicted").</exception>
    public static double Accuracy(int[] predicted, int[] labels)
    {
        ArgumentNullException.ThrowIfNull(predicted);
        ArgumentNullException.ThrowIfNull(labels);
        if (predicted.Length != labels.Length)
            throw new Core.ShapeMismatchException("Classification.Accuracy", $"{labels.Length} predictions, one per label", $"{predicted.Length}", nameof(predicted));
        if (labels.Length == 0)
            throw new Core.InvalidValueException("Classification.Accuracy", "at least one label", "none", nameof(labels));
        return Core.Classification.accuracy(predicted, labels);
    }
}

/// <summary>Labelled grey-scale images (MNIST's format): pixels 0–255, row-major, one image after another.</summary>
public sealed class ImageSet
{
    internal ImageSet(Core.ImageSet core) => CoreSet = core;

    /// <summary>Images of <paramref name="rows"/>×<paramref name="cols"/> pixels with their labels.</summary>
    /// <param name="rows">Pixel rows per image.</param>
    /// <param name="cols">Pixel columns per image.</param>
    /// <param name="classes">The number of classes.</param>
    /// <param name="pixels">count·rows·cols pixels (copied).</param>
    /// <param name="labels">One label per image in 0..classes−1 (copied).</param>
    /// <exception cref="Core.ShapeMismatchException">when the counts do not fit.</exception>
    /// <exception cref="Core.InvalidValueException">when a label or size is out of range.</exception>
    public ImageSet(int rows, int cols, int classes, byte[] pixels, int[] labels)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentNullException.ThrowIfNull(labels);
        Layer.CheckPositive("ImageSet", "a number of rows", rows, nameof(rows));
        Layer.CheckPositive("ImageSet", "a number of columns", cols, nameof(cols));
        Layer.CheckPositive("ImageSet", "a number of classes", classes, nameof(classes));
        if (pixels.Length != labels.Length * rows * cols)
            throw new Core.ShapeMismatchException("ImageSet", $"{labels.Length * rows * cols} pixels for {labels.Length} images of {rows}x{cols}",
                $"{pixels.Length} pixels", nameof(pixels));
        for (int i = 0; i < labels.Length; i++)
            if (labels[i] < 0 || labels[i] >= classes)
                throw new Core.InvalidValueException("ImageSet", $"labels in 0..{classes - 1}", $"label {labels[i]} at index {i}", nameof(labels));
        CoreSet = new Core.ImageSet(labels.Length, rows, cols, classes, pixels.ToArray(), labels.ToArray());
    }

    internal Core.ImageSet CoreSet { get; }

    /// <summary>The number of images.</summary>
    public int Count => CoreSet.Count;

    /// <summary>Pixel rows per image.</summary>
    public int Rows => CoreSet.Rows;

    /// <summary>Pixel columns per image.</summary>
    public int Cols => CoreSet.Cols;

    /// <summary>The number of classes.</summary>
    public int Classes => CoreSet.Classes;

    /// <summary>The label of every image (a copy).</summary>
    public int[] Labels => CoreSet.Labels.ToArray();

    /// <summary>The pixels (a copy).</summary>
    public byte[] Pixels => CoreSet.Images.ToArray();

    /// <summary>Reads an IDX image file and its label file (raw or gzip'd), classes 0..9.</summary>
    /// <param name="imagesPath">The images file.</param>
    /// <param name="labelsPath">The labels file.</param>
    /// <exception cref="System.IO.FileNotFoundException">when a file is missing.</exception>
    /// <exception cref="Core.DataFormatException">when a file is malformed.</exception>
    public static ImageSet Load(string imagesPath, string labelsPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(imagesPath);
        ArgumentException.ThrowIfNullOrEmpty(labelsPath);
        return new ImageSet(global::DeepFunctional.Idx.loadImageSet(imagesPath, labelsPath));
    }

    /// <summary>e.g. "ImageSet(600 images of 6x6, 10 classes)".</summary>
    public override string ToString() => $"ImageSet({Count} images of {Rows}x{Cols}, {Classes} classes)";
}

/// <summary>A training and a test set of images (MNIST's layout).</summary>
public sealed class ImageDataSet
{
    /// <summary>The two sets.</summary>
    /// <param name="train">The training images.</param>
    /// <param name="test">The test images (same size and classes).</param>
    /// <exception cref="Core.ShapeMismatchException">when the images differ in size.</exception>
    /// <exception cref="Core.InvalidValueException">when the classes differ.</exception>
    public ImageDataSet(ImageSet train, ImageSet test)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        if (train.Rows != test.Rows || train.Cols != test.Cols)
            throw new Core.ShapeMismatchException("ImageDataSet", $"test images of {train.Rows}x{train.Cols}", $"{test.Rows}x{test.Cols}", nameof(test));
        if (train.Classes != test.Classes)
            throw new Core.InvalidValueException("ImageDataSet", $"{train.Classes} classes", $"{test.Classes}", nameof(test));
        Train = train;
        Test = test;
    }

    /// <summary>The training images.</summary>
    public ImageSet Train { get; }

    /// <summary>The test images.</summary>
    public ImageSet Test { get; }

    /// <summary>Reads MNIST or Fashion-MNIST from a folder of its four files (each raw or gzip'd).</summary>
    /// <param name="folder">The folder.</param>
    /// <exception cref="System.IO.IOException">when the folder or a file is missing.</exception>
    /// <exception cref="Core.DataFormatException">when a file is malformed.</exception>
    public static ImageDataSet LoadMnist(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        var both = global::DeepFunctional.Idx.loadMnistFolder(folder);
        return new ImageDataSet(new ImageSet(both.TrainSet), new ImageSet(both.TestSet));
    }
}
