using System;
using System.Globalization;
using System.Numerics;
using Core = global::DeepFunctional;

namespace DeepFunctional.CSharp;

/// <summary>
/// Argument checks shared by every entry point. Each failure names the operation, what it
/// expected and what it got, in the core's words: <c>Trainer.Fit: expected ..., got ...</c>.
/// </summary>
internal static class Guard
{
    /// <summary>The message format of the whole library.</summary>
    internal static string Message(string operation, string expected, string actual) =>
        $"{operation}: expected {expected}, got {actual}";

    /// <summary>Formats a number the same way on every machine.</summary>
    internal static string Text(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Formats a number the same way on every machine.</summary>
    internal static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Raises <see cref="ArgumentOutOfRangeException"/> for a value outside its range.</summary>
    internal static ArgumentOutOfRangeException OutOfRange(string operation, string parameter, string expected, object actual) =>
        new(parameter, actual, Message(operation, expected, Convert.ToString(actual, CultureInfo.InvariantCulture) ?? "null"));

    /// <summary>Checks that a count-like argument is at least <paramref name="minimum"/>.</summary>
    internal static void AtLeast(string operation, string parameter, int value, int minimum)
    {
        if (value < minimum)
            throw OutOfRange(operation, parameter, $"{parameter} >= {minimum}", value);
    }

    /// <summary>Checks that a learning rate is finite and positive.</summary>
    internal static void PositiveFinite(string operation, string parameter, double value)
    {
        if (!double.IsFinite(value) || value <= 0.0)
            throw OutOfRange(operation, parameter, $"a finite {parameter} > 0", Text(value));
    }

    /// <summary>Checks that a seed fits NumPy's 32-bit seeding.</summary>
    internal static void Seed(string operation, string parameter, long value)
    {
        if (value < 0 || value > uint.MaxValue)
            throw OutOfRange(operation, parameter, $"{parameter} in 0..{uint.MaxValue}", value);
    }

    /// <summary>The shape of a matrix as the core prints it: <c>3x4</c>.</summary>
    internal static string Shape<T>(T[,] a) => $"{a.GetLength(0)}x{a.GetLength(1)}";

    /// <summary>
    /// Checks a matrix argument: not null, at least one row and one column, every element
    /// finite. Returns it, for chaining.
    /// </summary>
    internal static T[,] Matrix<T>(string operation, string parameter, T[,]? a)
        where T : struct, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(a, parameter);
        if (a.GetLength(0) == 0 || a.GetLength(1) == 0)
            throw new ArgumentException(
                Message(operation, $"{parameter} with at least one row and one column", $"{parameter} of shape {Shape(a)}"), parameter);
        int rows = a.GetLength(0), cols = a.GetLength(1);
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < cols; j++)
            {
                if (!T.IsFinite(a[i, j]))
                    throw new ArgumentException(
                        Message(operation, $"finite values in {parameter}",
                            $"{Convert.ToString(a[i, j], CultureInfo.InvariantCulture)} at row {i}, column {j}"),
                        parameter);
            }
        }
        return a;
    }

    /// <summary>Checks that two matrices have the same number of rows.</summary>
    internal static void SameRows<T, U>(string operation, string nameA, T[,] a, string nameB, U[,] b)
    {
        if (a.GetLength(0) != b.GetLength(0))
            throw new Core.ShapeMismatchException(operation,
                $"{nameB} with {a.GetLength(0)} rows like {nameA} ({Shape(a)})", $"{nameB} of shape {Shape(b)}");
    }

    /// <summary>Checks that a matrix has the given number of columns.</summary>
    internal static void Columns<T>(string operation, string name, T[,] a, int columns, string why)
    {
        if (a.GetLength(1) != columns)
            throw new Core.ShapeMismatchException(operation,
                $"{name} with {columns} columns ({why})", $"{name} of shape {Shape(a)}");
    }
}
