using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using Core = DeepFunctional;

namespace DeepFunctional.CSharp.Book;

/// <summary>Training and test inputs and targets as matrices, in double or single precision.</summary>
/// <typeparam name="T"><c>double</c> or <c>float</c>.</typeparam>
public sealed class TrainTestSplit<T> where T : struct
{
    /// <summary>A split of the caller's.</summary>
    /// <param name="xTrain">Training inputs [rows; features].</param>
    /// <param name="yTrain">Training targets, one row per input row.</param>
    /// <param name="xTest">Test inputs [rows; features].</param>
    /// <param name="yTest">Test targets, one row per input row.</param>
    /// <exception cref="ArgumentNullException">when an array is null.</exception>
    /// <exception cref="Core.ShapeMismatchException">when targets and inputs differ in rows (ParamName names the targets).</exception>
    public TrainTestSplit(T[,] xTrain, T[,] yTrain, T[,] xTest, T[,] yTest)
    {
        ArgumentNullException.ThrowIfNull(xTrain);
        ArgumentNullException.ThrowIfNull(yTrain);
        ArgumentNullException.ThrowIfNull(xTest);
        ArgumentNullException.ThrowIfNull(yTest);
        if (typeof(T) != typeof(double) && typeof(T) != typeof(float))
            throw new NotSupportedException($"TrainTestSplit: double or float elements, not {typeof(T).Name}");
        if (yTrain.GetLength(0) != xTrain.GetLength(0))
            throw new Core.ShapeMismatchException("TrainTestSplit", $"{xTrain.GetLength(0)} rows", $"{yTrain.GetLength(0)} rows", nameof(yTrain));
        if (yTest.GetLength(0) != xTest.GetLength(0))
            throw new Core.ShapeMismatchException("TrainTestSplit", $"{xTest.GetLength(0)} rows", $"{yTest.GetLength(0)} rows", nameof(yTest));
        XTrain = xTrain;
        YTrain = yTrain;
        XTest = xTest;
        YTest = yTest;
    }

    /// <summary>Training inputs [rows; features].</summary>
    public T[,] XTrain { get; }

    /// <summary>Training targets [rows; 1].</summary>
    public T[,] YTrain { get; }

    /// <summary>Test inputs [rows; features].</summary>
    public T[,] XTest { get; }

    /// <summary>Test targets [rows; 1].</summary>
    public T[,] YTest { get; }

    internal static TrainTestSplit<T> Of<TCore>(Core.TrainTest<TCore> s) =>
        new((T[,])Interop.ToArray(s.XTrain), (T[,])Interop.ToArray(s.YTrain), (T[,])Interop.ToArray(s.XTest), (T[,])Interop.ToArray(s.YTest));

    internal Core.TrainTest<TCore> ToCore<TCore>() =>
        new(Interop.Tensor<TCore>(XTrain), Interop.Tensor<TCore>(YTrain), Interop.Tensor<TCore>(XTest), Interop.Tensor<TCore>(YTest));
}

/// <summary>The raw Boston housing data (506 rows, 13 features, target MEDV) and the book's split.</summary>
public sealed class BostonHousingData
{
    internal BostonHousingData(Core.BostonData d)
    {
        FeatureNames = d.FeatureNames.ToArray();
        TargetName = d.TargetName;
        Features = (double[,])Interop.ToArray(d.Features);
        Target = (double[,])Interop.ToArray(d.Target);
        TrainRows = d.TrainRows.ToArray();
        TestRows = d.TestRows.ToArray();
    }

    /// <summary>The 13 feature names.</summary>
    public IReadOnlyList<string> FeatureNames { get; }

    /// <summary>"MEDV".</summary>
    public string TargetName { get; }

    /// <summary>[506; 13], not standardised.</summary>
    public double[,] Features { get; }

    /// <summary>[506; 1].</summary>
    public double[,] Target { get; }

    /// <summary>The book's training rows, in its order.</summary>
    public IReadOnlyList<int> TrainRows { get; }

    /// <summary>The book's test rows, in its order.</summary>
    public IReadOnlyList<int> TestRows { get; }
}

/// <summary>The Boston housing data embedded in the library (chapters 2 and 3).</summary>
public static class BostonHousing
{
    /// <summary>The raw data and the book's rows.</summary>
    public static BostonHousingData Load() => new(Core.Datasets.boston());

    /// <summary>
    /// The book's preparation: every feature standardised over all 506 rows, then the book's 354 training and 152 test
    /// rows in its order. XTrain [354; 13], YTrain [354; 1], XTest [152; 13], YTest [152; 1].
    /// </summary>
    public static TrainTestSplit<double> BookSplit() => TrainTestSplit<double>.Of(Core.Datasets.bostonSplit<double>());

    /// <summary><see cref="BookSplit"/> rounded to single precision.</summary>
    public static TrainTestSplit<float> BookSplitSingle() => TrainTestSplit<float>.Of(Core.Datasets.bostonSplit<float>());
}
