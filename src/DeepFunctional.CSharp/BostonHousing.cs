using System;
using System.Collections.Generic;
using System.Numerics;
using Core = global::DeepFunctional;

namespace DeepFunctional.CSharp;

/// <summary>Inputs and targets split into a training set and a test set, as 2-D arrays the caller owns.</summary>
/// <typeparam name="T"><see cref="double"/> or <see cref="float"/>.</typeparam>
public sealed class TrainTestSplit<T>
    where T : struct, IFloatingPointIeee754<T>
{
    /// <summary>A split from its four arrays (kept as given, not copied).</summary>
    /// <param name="xTrain">Training inputs: [rows, features].</param>
    /// <param name="yTrain">Training targets: [rows, targets].</param>
    /// <param name="xTest">Test inputs: [testRows, features].</param>
    /// <param name="yTest">Test targets: [testRows, targets].</param>
    /// <exception cref="ArgumentNullException">when an array is null.</exception>
    /// <exception cref="ShapeMismatchException">when inputs and targets differ in rows, or training and test data in columns.</exception>
    public TrainTestSplit(T[,] xTrain, T[,] yTrain, T[,] xTest, T[,] yTest)
    {
        const string op = "TrainTestSplit";
        ArgumentNullException.ThrowIfNull(xTrain);
        ArgumentNullException.ThrowIfNull(yTrain);
        ArgumentNullException.ThrowIfNull(xTest);
        ArgumentNullException.ThrowIfNull(yTest);
        Guard.SameRows(op, nameof(xTrain), xTrain, nameof(yTrain), yTrain);
        Guard.SameRows(op, nameof(xTest), xTest, nameof(yTest), yTest);
        Guard.Columns(op, nameof(xTest), xTest, xTrain.GetLength(1), "like xTrain");
        Guard.Columns(op, nameof(yTest), yTest, yTrain.GetLength(1), "like yTrain");
        XTrain = xTrain;
        YTrain = yTrain;
        XTest = xTest;
        YTest = yTest;
    }

    /// <summary>Training inputs: [rows, features].</summary>
    public T[,] XTrain { get; }

    /// <summary>Training targets: [rows, targets].</summary>
    public T[,] YTrain { get; }

    /// <summary>Test inputs: [testRows, features].</summary>
    public T[,] XTest { get; }

    /// <summary>Test targets: [testRows, targets].</summary>
    public T[,] YTest { get; }
}

/// <summary>The Boston housing data as shipped inside the library, raw (not standardised).</summary>
public sealed class BostonHousingData
{
    internal BostonHousingData(IReadOnlyList<string> featureNames, string targetName, double[,] features, double[,] target,
        IReadOnlyList<int> trainRows, IReadOnlyList<int> testRows)
    {
        FeatureNames = featureNames;
        TargetName = targetName;
        Features = features;
        Target = target;
        TrainRows = trainRows;
        TestRows = testRows;
    }

    /// <summary>The 13 feature names: CRIM, ZN, INDUS, CHAS, NOX, RM, AGE, DIS, RAD, TAX, PTRATIO, B, LSTAT.</summary>
    public IReadOnlyList<string> FeatureNames { get; }

    /// <summary>The target's name, MEDV (median home value in $1000s).</summary>
    public string TargetName { get; }

    /// <summary>The raw features: [506, 13], in file order.</summary>
    public double[,] Features { get; }

    /// <summary>The target: [506, 1], in file order.</summary>
    public double[,] Target { get; }

    /// <summary>The book's 354 training rows (0-based, in the order the book uses them).</summary>
    public IReadOnlyList<int> TrainRows { get; }

    /// <summary>The book's 152 test rows (0-based, in the order the book uses them).</summary>
    public IReadOnlyList<int> TestRows { get; }
}

/// <summary>The Boston housing data set of the book's chapters 2 and 3, embedded in the library.</summary>
public static class BostonHousing
{
    /// <summary>The raw data: features, target, and the book's train/test rows. Every call returns fresh arrays.</summary>
    public static BostonHousingData Load()
    {
        var b = Core.Datasets.boston();
        return new BostonHousingData(Array.AsReadOnly(b.FeatureNames), b.TargetName,
            Interop.ToArray(b.Features), Interop.ToArray(b.Target),
            Array.AsReadOnly(b.TrainRows), Array.AsReadOnly(b.TestRows));
    }

    /// <summary>
    /// The book's chapter-2 and 3 preparation in double precision: each of the 13 features
    /// standardised over all 506 rows (mean, population standard deviation) before splitting, the
    /// target MEDV as an N×1 matrix, then the book's rows in their order. XTrain: [354, 13],
    /// YTrain: [354, 1], XTest: [152, 13], YTest: [152, 1]. Every call returns fresh arrays.
    /// </summary>
    public static TrainTestSplit<double> BookSplit() => Split<double>();

    /// <summary>
    /// <see cref="BookSplit"/> in single precision: the same double-precision preparation, each value
    /// then rounded to the nearest float.
    /// </summary>
    public static TrainTestSplit<float> BookSplitSingle() => Split<float>();

    private static TrainTestSplit<T> Split<T>()
        where T : struct, IFloatingPointIeee754<T>
    {
        var s = Core.Datasets.bostonSplit<T>();
        return new TrainTestSplit<T>(Interop.ToArray(s.XTrain), Interop.ToArray(s.YTrain), Interop.ToArray(s.XTest), Interop.ToArray(s.YTest));
    }
}
