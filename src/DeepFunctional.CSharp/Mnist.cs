using System;
using System.Collections.Generic;
using System.IO;
using System.Numerics;
using Core = global::DeepFunctional;

namespace DeepFunctional.CSharp;

/// <summary>
/// Greyscale images and their class labels, as a pair of MNIST-format (IDX) files holds them:
/// <see cref="Count"/> images of <see cref="Rows"/>×<see cref="Columns"/> pixels (0 = background,
/// 255 = full intensity) and one label in 0 .. <see cref="Classes"/> − 1 per image. Immutable.
/// </summary>
public sealed class ImageSet
{
    /// <summary>An image set from pixels and labels (copied).</summary>
    /// <param name="rows">The height of every image in pixels; at least 1.</param>
    /// <param name="columns">The width of every image in pixels; at least 1.</param>
    /// <param name="classes">The number of classes; at least 1 (labels are 0 .. classes − 1).</param>
    /// <param name="pixels">The pixels, image after image, each image row by row: labels.Length·rows·columns bytes.</param>
    /// <param name="labels">The class of each image.</param>
    /// <exception cref="ArgumentNullException">when pixels or labels is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">when rows, columns or classes is less than 1, or a label is outside 0 .. classes − 1.</exception>
    /// <exception cref="ShapeMismatchException">when pixels does not hold labels.Length·rows·columns bytes.</exception>
    public ImageSet(int rows, int columns, int classes, byte[] pixels, int[] labels)
    {
        const string op = "ImageSet";
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentNullException.ThrowIfNull(labels);
        Guard.AtLeast(op, nameof(rows), rows, 1);
        Guard.AtLeast(op, nameof(columns), columns, 1);
        Guard.AtLeast(op, nameof(classes), classes, 1);
        var images = new Core.IdxImages(labels.Length, rows, columns, (byte[])pixels.Clone());
        Inner = Core.Idx.imageSet(classes, images, (int[])labels.Clone());
    }

    internal ImageSet(Core.ImageSet inner)
    {
        Inner = inner;
    }

    /// <summary>The core's image set (its arrays are never written).</summary>
    internal Core.ImageSet Inner { get; }

    /// <summary>The number of images, and of labels.</summary>
    public int Count => Inner.Count;

    /// <summary>The height of every image, in pixels.</summary>
    public int Rows => Inner.Rows;

    /// <summary>The width of every image, in pixels.</summary>
    public int Columns => Inner.Cols;

    /// <summary>The number of pixels of one image: <see cref="Rows"/>·<see cref="Columns"/>.</summary>
    public int PixelsPerImage => Inner.Rows * Inner.Cols;

    /// <summary>The number of classes: every label is in 0 .. Classes − 1.</summary>
    public int Classes => Inner.Classes;

    /// <summary>The pixels, image after image, each image row by row (read-only, not copied).</summary>
    public ReadOnlyMemory<byte> Pixels => Inner.Images;

    /// <summary>The class of each image, in image order (read-only, not copied).</summary>
    public IReadOnlyList<int> Labels => Array.AsReadOnly(Inner.Labels);

    /// <summary>The raw pixels as numbers 0..255, one image per row: a fresh [Count, Rows·Columns] array.</summary>
    public double[,] ToMatrix() => Interop.ToArray(Core.Classification.pixels<double>(Inner));

    /// <summary>The raw pixels as numbers 0..255 in single precision, one image per row: a fresh [Count, Rows·Columns] array.</summary>
    public float[,] ToMatrixSingle() => Interop.ToArray(Core.Classification.pixels<float>(Inner));

    /// <summary>The raw pixels as numbers 0..255, as images of one channel for a convolutional network: a fresh [Count, 1, Rows, Columns] array.</summary>
    public double[,,,] ToImages() => ImagesCore<double>();

    /// <summary>The raw pixels as numbers 0..255 in single precision, as images of one channel: a fresh [Count, 1, Rows, Columns] array.</summary>
    public float[,,,] ToImagesSingle() => ImagesCore<float>();

    private T[,,,] ImagesCore<T>()
        where T : struct, IFloatingPointIeee754<T> =>
        Interop.ToArray4D(Core.Tensor.reshape([Inner.Count, 1, Inner.Rows, Inner.Cols], Core.Classification.pixels<T>(Inner)));

    /// <summary>
    /// Writes the images and labels as an idx3 and an idx1 file (replacing files there), as MNIST
    /// stores them; gzip-compressed when asked (name the files <c>*.gz</c> then, as MNIST does).
    /// </summary>
    /// <param name="imagesPath">The image file, e.g. <c>train-images-idx3-ubyte</c>.</param>
    /// <param name="labelsPath">The label file, e.g. <c>train-labels-idx1-ubyte</c>.</param>
    /// <param name="gzip">Compress both files with gzip.</param>
    /// <exception cref="ArgumentNullException">when a path is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">when a label does not fit a byte (more than 256 classes).</exception>
    /// <exception cref="IOException">when a file cannot be written.</exception>
    public void Save(string imagesPath, string labelsPath, bool gzip = false)
    {
        ArgumentNullException.ThrowIfNull(imagesPath);
        ArgumentNullException.ThrowIfNull(labelsPath);
        var compression = gzip ? Core.IdxCompression.Gzip : Core.IdxCompression.Uncompressed;
        Core.Idx.writeImages(compression, imagesPath, new Core.IdxImages(Inner.Count, Inner.Rows, Inner.Cols, Inner.Images));
        Core.Idx.writeLabels(compression, labelsPath, Inner.Labels);
    }

    /// <summary>A short description: <c>60000 images of 28x28, 10 classes</c>.</summary>
    public override string ToString() => $"{Count} images of {Rows}x{Columns}, {Classes} classes";
}

/// <summary>A training set and a test set of images, such as MNIST's 60,000 and 10,000.</summary>
public sealed class ImageDataSet
{
    /// <summary>A data set from its two image sets.</summary>
    /// <param name="train">The training images.</param>
    /// <param name="test">The test images: the same image size and number of classes.</param>
    /// <exception cref="ArgumentNullException">when a set is null.</exception>
    /// <exception cref="ShapeMismatchException">when the images differ in size.</exception>
    /// <exception cref="ArgumentOutOfRangeException">when the sets differ in their number of classes.</exception>
    public ImageDataSet(ImageSet train, ImageSet test)
    {
        const string op = "ImageDataSet";
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        if (train.Rows != test.Rows || train.Columns != test.Columns)
            throw new ShapeMismatchException(op, $"test images of {train.Rows}x{train.Columns} like the training images",
                $"test images of {test.Rows}x{test.Columns}");
        if (train.Classes != test.Classes)
            throw Guard.OutOfRange(op, nameof(test), $"a test set of {train.Classes} classes like the training set", $"{test.Classes} classes");
        Train = train;
        Test = test;
    }

    /// <summary>The training images and labels (MNIST: the <c>train-*</c> files).</summary>
    public ImageSet Train { get; }

    /// <summary>The test images and labels (MNIST: the <c>t10k-*</c> files).</summary>
    public ImageSet Test { get; }

    /// <summary>
    /// The book's chapter-4 preparation in double precision: every image a row of Rows·Columns pixels,
    /// standardised as (p − mean)/std with the mean and standard deviation of all training pixels
    /// (computed exactly as the book's NumPy code does; the test set never contributes to them), and
    /// one-hot targets. Fashion-MNIST: 60000×784 and 10000×784 inputs, about 430 MB.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">when the training pixels are all equal (standard deviation 0) or there are none.</exception>
    public ClassificationData<double> BookSplit() => new(Core.Classification.prepare<double>(Train.Inner, Test.Inner));

    /// <summary>
    /// <see cref="BookSplit"/> in single precision: the same double-precision standardisation, each value
    /// then rounded to the nearest float.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">when the training pixels are all equal (standard deviation 0) or there are none.</exception>
    public ClassificationData<float> BookSplitSingle() => new(Core.Classification.prepare<float>(Train.Inner, Test.Inner));

    /// <summary>
    /// <see cref="BookSplit"/> with the images kept as images, for a convolutional network (chapter 5): the same
    /// standardised pixels as inputs [Count, 1, Rows, Columns] (one channel), and one-hot targets.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">when the training pixels are all equal (standard deviation 0) or there are none.</exception>
    public ClassificationData<double> BookSplitImages() => new(Core.Classification.prepareImages<double>(Train.Inner, Test.Inner));

    /// <summary><see cref="BookSplitImages"/> in single precision (the standardisation is computed in double, then rounded).</summary>
    /// <exception cref="ArgumentOutOfRangeException">when the training pixels are all equal (standard deviation 0) or there are none.</exception>
    public ClassificationData<float> BookSplitImagesSingle() => new(Core.Classification.prepareImages<float>(Train.Inner, Test.Inner));

    /// <summary>A short description of both sets.</summary>
    public override string ToString() => $"train: {Train}; test: {Test}";
}

/// <summary>
/// Classification data ready for a network: standardised inputs, one-hot targets, and the class
/// labels of both sets (<see cref="ImageDataSet.BookSplit"/> makes it from images; the constructor
/// from any arrays). The inputs are rows of features, or images [channels, height, width] for a
/// convolutional network (<see cref="ImageDataSet.BookSplitImages"/>, <see cref="ImageShape"/>).
/// Immutable: <see cref="ToSplit"/> and <see cref="ToImageSplit"/> hand out copies.
/// </summary>
/// <typeparam name="T"><see cref="double"/> or <see cref="float"/>.</typeparam>
public sealed class ClassificationData<T>
    where T : struct, IFloatingPointIeee754<T>
{
    /// <summary>
    /// Classification data from inputs and labels (copied; the inputs are used as given, not
    /// standardised). The targets are the one-hot rows of the labels.
    /// </summary>
    /// <param name="xTrain">Training inputs: [rows, features], finite.</param>
    /// <param name="trainLabels">The class of each training row, in 0 .. classes − 1.</param>
    /// <param name="xTest">Test inputs: [testRows, features], finite.</param>
    /// <param name="testLabels">The class of each test row, in 0 .. classes − 1.</param>
    /// <param name="classes">The number of classes; at least 1.</param>
    /// <exception cref="NotSupportedException">when T is neither double nor float.</exception>
    /// <exception cref="ArgumentNullException">when an array is null.</exception>
    /// <exception cref="ArgumentException">when an input array is empty or holds NaN or infinity.</exception>
    /// <exception cref="ArgumentOutOfRangeException">when classes is less than 1 or a label is outside 0 .. classes − 1.</exception>
    /// <exception cref="ShapeMismatchException">when a label array has not one label per row, or the test inputs differ from the training inputs in columns.</exception>
    public ClassificationData(T[,] xTrain, int[] trainLabels, T[,] xTest, int[] testLabels, int classes)
    {
        const string op = "ClassificationData";
        if (typeof(T) != typeof(double) && typeof(T) != typeof(float))
            throw new NotSupportedException(Guard.Message(op, "double or float elements", typeof(T).Name));
        Guard.Matrix(op, nameof(xTrain), xTrain);
        Guard.Matrix(op, nameof(xTest), xTest);
        ArgumentNullException.ThrowIfNull(trainLabels);
        ArgumentNullException.ThrowIfNull(testLabels);
        Guard.AtLeast(op, nameof(classes), classes, 1);
        Guard.Columns(op, nameof(xTest), xTest, xTrain.GetLength(1), "like xTrain");
        if (trainLabels.Length != xTrain.GetLength(0))
            throw new ShapeMismatchException(op, $"one label for each of the {xTrain.GetLength(0)} rows of xTrain", $"{trainLabels.Length} trainLabels");
        if (testLabels.Length != xTest.GetLength(0))
            throw new ShapeMismatchException(op, $"one label for each of the {xTest.GetLength(0)} rows of xTest", $"{testLabels.Length} testLabels");
        var split = new Core.TrainTest<T>(
            Interop.ToTensor(xTrain), Core.Classification.oneHot<T>(classes, trainLabels),
            Interop.ToTensor(xTest), Core.Classification.oneHot<T>(classes, testLabels));
        Inner = new Core.ClassificationData<T>(split, (int[])trainLabels.Clone(), (int[])testLabels.Clone(), classes,
            new Core.PixelStatistics(0.0, 1.0));
    }

    /// <summary>
    /// Classification data from images and labels (copied; the images are used as given, not standardised),
    /// for a convolutional network. The targets are the one-hot rows of the labels.
    /// </summary>
    /// <param name="xTrain">Training images: [images, channels, height, width], finite.</param>
    /// <param name="trainLabels">The class of each training image, in 0 .. classes − 1.</param>
    /// <param name="xTest">Test images: [testImages, channels, height, width] of the training images' size, finite.</param>
    /// <param name="testLabels">The class of each test image, in 0 .. classes − 1.</param>
    /// <param name="classes">The number of classes; at least 1.</param>
    /// <exception cref="NotSupportedException">when T is neither double nor float.</exception>
    /// <exception cref="ArgumentNullException">when an array is null.</exception>
    /// <exception cref="ArgumentException">when an image array is empty or holds NaN or infinity.</exception>
    /// <exception cref="ArgumentOutOfRangeException">when classes is less than 1 or a label is outside 0 .. classes − 1.</exception>
    /// <exception cref="ShapeMismatchException">when a label array has not one label per image, or the test images differ from the training images in size.</exception>
    public ClassificationData(T[,,,] xTrain, int[] trainLabels, T[,,,] xTest, int[] testLabels, int classes)
    {
        const string op = "ClassificationData";
        if (typeof(T) != typeof(double) && typeof(T) != typeof(float))
            throw new NotSupportedException(Guard.Message(op, "double or float elements", typeof(T).Name));
        Guard.Images(op, nameof(xTrain), xTrain);
        Guard.Images(op, nameof(xTest), xTest);
        ArgumentNullException.ThrowIfNull(trainLabels);
        ArgumentNullException.ThrowIfNull(testLabels);
        Guard.AtLeast(op, nameof(classes), classes, 1);
        Guard.SameSample(op, nameof(xTrain), xTrain, nameof(xTest), xTest);
        if (trainLabels.Length != xTrain.GetLength(0))
            throw new ShapeMismatchException(op, $"one label for each of the {xTrain.GetLength(0)} images of xTrain", $"{trainLabels.Length} trainLabels");
        if (testLabels.Length != xTest.GetLength(0))
            throw new ShapeMismatchException(op, $"one label for each of the {xTest.GetLength(0)} images of xTest", $"{testLabels.Length} testLabels");
        var split = new Core.TrainTest<T>(
            Interop.ToTensor<T>(xTrain), Core.Classification.oneHot<T>(classes, trainLabels),
            Interop.ToTensor<T>(xTest), Core.Classification.oneHot<T>(classes, testLabels));
        Inner = new Core.ClassificationData<T>(split, (int[])trainLabels.Clone(), (int[])testLabels.Clone(), classes,
            new Core.PixelStatistics(0.0, 1.0));
    }

    internal ClassificationData(Core.ClassificationData<T> inner)
    {
        Inner = inner;
    }

    /// <summary>The core's data (its tensors and arrays are never written).</summary>
    internal Core.ClassificationData<T> Inner { get; }

    /// <summary>The core's data with every input as a row of features (images flattened, without copying).</summary>
    internal Core.ClassificationData<T> Rows
    {
        get
        {
            var s = Inner.Split;
            if (s.XTrain.Rank == 2)
                return Inner;
            var flat = new Core.TrainTest<T>(
                Core.Tensor.reshape([s.XTrain.Rows, s.XTrain.Cols], s.XTrain), s.YTrain,
                Core.Tensor.reshape([s.XTest.Rows, s.XTest.Cols], s.XTest), s.YTest);
            return new Core.ClassificationData<T>(flat, Inner.TrainLabels, Inner.TestLabels, Inner.Classes, Inner.Statistics);
        }
    }

    /// <summary>The shape of one input image, [channels, height, width], or null when the inputs are rows of features.</summary>
    public IReadOnlyList<int>? ImageShape =>
        Inner.Split.XTrain.Rank == 4 ? Array.AsReadOnly(Inner.Split.XTrain.Shape[1..]) : null;

    /// <summary>The precision of the inputs and targets.</summary>
    public Precision Precision => typeof(T) == typeof(double) ? Precision.Double : Precision.Single;

    /// <summary>The number of classes: columns of the one-hot targets.</summary>
    public int Classes => Inner.Classes;

    /// <summary>The number of input features (Rows·Columns for images; channels·height·width when the inputs are images).</summary>
    public int Features => Inner.Split.XTrain.Cols;

    /// <summary>The number of training rows.</summary>
    public int TrainCount => Inner.TrainLabels.Length;

    /// <summary>The number of test rows.</summary>
    public int TestCount => Inner.TestLabels.Length;

    /// <summary>The class of each training row (read-only).</summary>
    public IReadOnlyList<int> TrainLabels => Array.AsReadOnly(Inner.TrainLabels);

    /// <summary>The class of each test row (read-only).</summary>
    public IReadOnlyList<int> TestLabels => Array.AsReadOnly(Inner.TestLabels);

    /// <summary>The mean subtracted from every pixel (0 for data given to the constructor).</summary>
    public double Mean => Inner.Statistics.Mean;

    /// <summary>The standard deviation every pixel was divided by (1 for data given to the constructor).</summary>
    public double Std => Inner.Statistics.Std;

    /// <summary>
    /// The inputs and one-hot targets as fresh arrays, for <see cref="Trainer"/>: XTrain [TrainCount, Features],
    /// YTrain [TrainCount, Classes], XTest [TestCount, Features], YTest [TestCount, Classes] (images flattened to rows).
    /// </summary>
    public TrainTestSplit<T> ToSplit()
    {
        var s = Rows.Split;
        return new TrainTestSplit<T>(Interop.ToArray(s.XTrain), Interop.ToArray(s.YTrain), Interop.ToArray(s.XTest), Interop.ToArray(s.YTest));
    }

    /// <summary>
    /// The images and one-hot targets as fresh arrays, for <see cref="Trainer"/> and a convolutional network:
    /// XTrain [TrainCount, channels, height, width], YTrain [TrainCount, Classes], XTest [TestCount, channels,
    /// height, width], YTest [TestCount, Classes].
    /// </summary>
    /// <exception cref="InvalidOperationException">when the inputs are rows of features (<see cref="ImageShape"/> is null).</exception>
    public ImageTrainTestSplit<T> ToImageSplit()
    {
        var s = Inner.Split;
        if (s.XTrain.Rank != 4)
            throw new InvalidOperationException(
                "ClassificationData.ToImageSplit: the inputs are rows of features, not images; make the data with ImageDataSet.BookSplitImages or from 4-D arrays");
        return new ImageTrainTestSplit<T>(Interop.ToArray4D(s.XTrain), Interop.ToArray(s.YTrain), Interop.ToArray4D(s.XTest), Interop.ToArray(s.YTest));
    }

    /// <summary>A short description: rows and features (or images and their shape), classes and precision.</summary>
    public override string ToString() =>
        (ImageShape is { } shape
            ? $"{TrainCount} training and {TestCount} test images of {Guard.Format(shape)}"
            : $"{TrainCount} training and {TestCount} test rows of {Features} features")
        + $", {Classes} classes, {Precision.ToString().ToLowerInvariant()} precision";
}

/// <summary>Images and targets split into a training set and a test set, as arrays the caller owns (chapter 5).</summary>
/// <typeparam name="T"><see cref="double"/> or <see cref="float"/>.</typeparam>
public sealed class ImageTrainTestSplit<T>
    where T : struct, IFloatingPointIeee754<T>
{
    /// <summary>A split from its four arrays (kept as given, not copied).</summary>
    /// <param name="xTrain">Training images: [images, channels, height, width].</param>
    /// <param name="yTrain">Training targets: [images, targets].</param>
    /// <param name="xTest">Test images: [testImages, channels, height, width].</param>
    /// <param name="yTest">Test targets: [testImages, targets].</param>
    /// <exception cref="ArgumentNullException">when an array is null.</exception>
    /// <exception cref="ShapeMismatchException">when images and targets differ in count, or training and test data in shape.</exception>
    public ImageTrainTestSplit(T[,,,] xTrain, T[,] yTrain, T[,,,] xTest, T[,] yTest)
    {
        const string op = "ImageTrainTestSplit";
        ArgumentNullException.ThrowIfNull(xTrain);
        ArgumentNullException.ThrowIfNull(yTrain);
        ArgumentNullException.ThrowIfNull(xTest);
        ArgumentNullException.ThrowIfNull(yTest);
        Guard.SameRows(op, nameof(xTrain), xTrain, nameof(yTrain), yTrain);
        Guard.SameRows(op, nameof(xTest), xTest, nameof(yTest), yTest);
        Guard.SameSample(op, nameof(xTrain), xTrain, nameof(xTest), xTest);
        Guard.Columns(op, nameof(yTest), yTest, yTrain.GetLength(1), "like yTrain");
        XTrain = xTrain;
        YTrain = yTrain;
        XTest = xTest;
        YTest = yTest;
    }

    /// <summary>Training images: [images, channels, height, width].</summary>
    public T[,,,] XTrain { get; }

    /// <summary>Training targets: [images, targets].</summary>
    public T[,] YTrain { get; }

    /// <summary>Test images: [testImages, channels, height, width].</summary>
    public T[,,,] XTest { get; }

    /// <summary>Test targets: [testImages, targets].</summary>
    public T[,] YTest { get; }
}

/// <summary>
/// Reads MNIST-format data: MNIST itself, Fashion-MNIST, or any folder of IDX files laid out the same way.
/// </summary>
public static class Mnist
{
    /// <summary>
    /// Where Debian's <c>dataset-fashion-mnist</c> package installs Fashion-MNIST:
    /// <c>/usr/share/datasets/fashion-mnist</c>.
    /// </summary>
    public const string FashionMnistFolder = "/usr/share/datasets/fashion-mnist";

    /// <summary>The four file names of an MNIST-format folder, without <c>.gz</c>: training images and labels, test images and labels.</summary>
    public static IReadOnlyList<string> FileNames { get; } = Array.AsReadOnly(new[]
    {
        "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte",
    });

    /// <summary>
    /// Reads a folder holding <c>train-images-idx3-ubyte</c>, <c>train-labels-idx1-ubyte</c>,
    /// <c>t10k-images-idx3-ubyte</c> and <c>t10k-labels-idx1-ubyte</c>, each under that name or with
    /// <c>.gz</c> appended (gzip is recognised by content; the plain name wins when both exist).
    /// Labels are classes 0..9.
    /// </summary>
    /// <param name="folder">The folder, e.g. <see cref="FashionMnistFolder"/>.</param>
    /// <exception cref="ArgumentNullException">when folder is null.</exception>
    /// <exception cref="DirectoryNotFoundException">when the folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">when files are missing: the message names every missing one and the folder.</exception>
    /// <exception cref="DataFormatException">when a file is malformed (wrong magic number, truncated, a label outside 0..9,
    /// corrupt gzip) or a pair's counts differ; the one-line message names the file and the problem.</exception>
    public static ImageDataSet LoadFolder(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var data = Core.Idx.loadMnistFolder(folder);
        return new ImageDataSet(new ImageSet(data.TrainSet), new ImageSet(data.TestSet));
    }

    /// <summary>Reads one idx3 image file and its idx1 label file, each raw or gzip-compressed.</summary>
    /// <param name="imagesPath">The image file.</param>
    /// <param name="labelsPath">The label file: one label per image.</param>
    /// <param name="classes">The number of classes, 1..256: every label must be below it (10 for MNIST).</param>
    /// <exception cref="ArgumentNullException">when a path is null.</exception>
    /// <exception cref="FileNotFoundException">when a file is missing (the message names it).</exception>
    /// <exception cref="DataFormatException">when a file is malformed, a label is not below classes, or the counts differ.</exception>
    /// <exception cref="ArgumentOutOfRangeException">when classes is not in 1..256.</exception>
    public static ImageSet LoadImageSet(string imagesPath, string labelsPath, int classes = 10)
    {
        ArgumentNullException.ThrowIfNull(imagesPath);
        ArgumentNullException.ThrowIfNull(labelsPath);
        return new ImageSet(Core.Idx.loadImageSetWith(classes, imagesPath, labelsPath));
    }
}
