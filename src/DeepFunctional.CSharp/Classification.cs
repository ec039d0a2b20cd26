using System;
using System.Numerics;
using Core = global::DeepFunctional;

namespace DeepFunctional.CSharp;

/// <summary>
/// Helpers for classifiers (chapter 4): one-hot targets, the predicted class of each row of
/// scores, accuracy and the confusion matrix. Classes are numbered 0 .. classes − 1.
/// </summary>
public static class Classification
{
    /// <summary>One-hot targets: row i has a 1 in column labels[i] and 0 elsewhere.</summary>
    /// <param name="labels">The class of each row, in 0 .. classes − 1.</param>
    /// <param name="classes">The number of classes (columns); at least 1.</param>
    /// <returns>A fresh [labels.Length, classes] array.</returns>
    /// <exception cref="ArgumentNullException">when labels is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">when classes is less than 1 or a label is outside 0 .. classes − 1 (the message names its index).</exception>
    public static double[,] OneHot(int[] labels, int classes) => OneHotCore<double>(labels, classes);

    /// <summary>One-hot targets in single precision: row i has a 1 in column labels[i] and 0 elsewhere.</summary>
    /// <param name="labels">The class of each row, in 0 .. classes − 1.</param>
    /// <param name="classes">The number of classes (columns); at least 1.</param>
    /// <returns>A fresh [labels.Length, classes] array.</returns>
    /// <exception cref="ArgumentNullException">when labels is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">when classes is less than 1 or a label is outside 0 .. classes − 1.</exception>
    public static float[,] OneHotSingle(int[] labels, int classes) => OneHotCore<float>(labels, classes);

    /// <summary>
    /// The column of the largest value of each row: the predicted class of each row of scores
    /// (NumPy's <c>argmax(axis=1)</c>: on ties the first such column wins, and a NaN counts as the largest).
    /// </summary>
    /// <param name="scores">Scores, logits or probabilities: [rows, classes], at least one column.</param>
    /// <returns>One class index per row.</returns>
    /// <exception cref="ArgumentNullException">when scores is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">when scores has rows but no columns.</exception>
    public static int[] Argmax(double[,] scores) => ArgmaxCore(scores);

    /// <summary>The column of the largest value of each row, in single precision; see <see cref="Argmax(double[,])"/>.</summary>
    /// <param name="scores">Scores, logits or probabilities: [rows, classes], at least one column.</param>
    /// <returns>One class index per row.</returns>
    /// <exception cref="ArgumentNullException">when scores is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">when scores has rows but no columns.</exception>
    public static int[] Argmax(float[,] scores) => ArgmaxCore(scores);

    /// <summary>The fraction of predictions equal to their label, in 0..1 (the book prints it times 100).</summary>
    /// <param name="predicted">The predicted class of each item.</param>
    /// <param name="labels">The true class of each item; as many as predictions.</param>
    /// <exception cref="ArgumentNullException">when an array is null.</exception>
    /// <exception cref="ShapeMismatchException">when the arrays differ in length.</exception>
    /// <exception cref="ArgumentOutOfRangeException">when they are empty.</exception>
    public static double Accuracy(int[] predicted, int[] labels)
    {
        ArgumentNullException.ThrowIfNull(predicted);
        ArgumentNullException.ThrowIfNull(labels);
        return Core.Classification.accuracy(predicted, labels);
    }

    /// <summary>
    /// Counts of (true class, predicted class) pairs: entry [t, p] is the number of items of class t
    /// predicted as p. Rows are true classes, columns predicted ones; the diagonal holds the hits and
    /// row t sums to the number of items of class t.
    /// </summary>
    /// <param name="predicted">The predicted class of each item, in 0 .. classes − 1.</param>
    /// <param name="labels">The true class of each item, in 0 .. classes − 1; as many as predictions.</param>
    /// <param name="classes">The number of classes; at least 1.</param>
    /// <returns>A fresh [classes, classes] array.</returns>
    /// <exception cref="ArgumentNullException">when an array is null.</exception>
    /// <exception cref="ShapeMismatchException">when the arrays differ in length.</exception>
    /// <exception cref="ArgumentOutOfRangeException">when classes is less than 1 or a value is outside 0 .. classes − 1 (the message names the array and the index).</exception>
    public static int[,] ConfusionMatrix(int[] predicted, int[] labels, int classes)
    {
        ArgumentNullException.ThrowIfNull(predicted);
        ArgumentNullException.ThrowIfNull(labels);
        return Core.Classification.confusionMatrix(classes, predicted, labels);
    }

    private static T[,] OneHotCore<T>(int[] labels, int classes)
        where T : struct, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(labels);
        return Interop.ToArray(Core.Classification.oneHot<T>(classes, labels));
    }

    private static int[] ArgmaxCore<T>(T[,] scores)
        where T : struct, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(scores);
        return Core.Classification.argmax(Interop.ToTensor(scores));
    }
}
