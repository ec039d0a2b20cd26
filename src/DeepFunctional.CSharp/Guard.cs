using System;
using System.Collections.Generic;
using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
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

    /// <summary>The shape of an array as the core prints it: <c>3x4</c>, <c>60x1x28x28</c>.</summary>
    internal static string Shape(Array a) => Format(Dimensions(a));

    /// <summary>A shape as the core prints it: <c>1x28x28</c>.</summary>
    internal static string Format(IEnumerable<int> dims) => string.Join("x", dims);

    /// <summary>The lengths of every dimension of an array.</summary>
    internal static int[] Dimensions(Array a)
    {
        var dims = new int[a.Rank];
        for (int d = 0; d < dims.Length; d++)
            dims[d] = a.GetLength(d);
        return dims;
    }

    /// <summary>The lengths of every dimension after the first: the shape of one row (or one image).</summary>
    internal static int[] Sample(Array a) => Dimensions(a)[1..];

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

    /// <summary>
    /// Checks an array of images [images, channels, height, width]: not null, every length at least 1,
    /// every element finite. Returns it, for chaining.
    /// </summary>
    internal static T[,,,] Images<T>(string operation, string parameter, T[,,,]? a)
        where T : struct, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(a, parameter);
        if (a.Length == 0)
            throw new ArgumentException(
                Message(operation, $"{parameter} with at least one image, channel, row and column", $"{parameter} of shape {Shape(a)}"), parameter);
        var values = MemoryMarshal.CreateReadOnlySpan(ref Unsafe.As<byte, T>(ref MemoryMarshal.GetArrayDataReference(a)), a.Length);
        for (int i = 0; i < values.Length; i++)
        {
            if (!T.IsFinite(values[i]))
            {
                int w = a.GetLength(3), h = a.GetLength(2), c = a.GetLength(1);
                throw new ArgumentException(
                    Message(operation, $"finite values in {parameter}",
                        $"{Convert.ToString(values[i], CultureInfo.InvariantCulture)} at image {i / (c * h * w)}, channel {i / (h * w) % c}, row {i / w % h}, column {i % w}"),
                    parameter);
            }
        }
        return a;
    }

    /// <summary>Checks an input that is either a matrix [rows, features] or images [images, channels, height, width].</summary>
    internal static void Input<T>(string operation, string parameter, Array? a)
        where T : struct, IFloatingPointIeee754<T>
    {
        switch (a)
        {
            case T[,] matrix:
                Matrix(operation, parameter, matrix);
                break;
            case T[,,,] images:
                Images(operation, parameter, images);
                break;
            case null:
                throw new ArgumentNullException(parameter);
            default:
                throw new InvalidOperationException($"{operation}: unexpected input type {a.GetType()}");
        }
    }

    /// <summary>
    /// Checks that two inputs have rows (or images) of the same shape: the same columns for matrices, the
    /// same channels, height and width for images.
    /// </summary>
    internal static void SameSample(string operation, string nameA, Array a, string nameB, Array b)
    {
        if (a.Rank == 2)
        {
            Columns(operation, nameB, b, a.GetLength(1), "like " + nameA);
            return;
        }
        var sample = Sample(a);
        if (!sample.AsSpan().SequenceEqual(Sample(b)))
            throw new Core.ShapeMismatchException(operation,
                $"{nameB} of images of {Format(sample)} like {nameA} ({Shape(a)})", $"{nameB} of shape {Shape(b)}");
    }

    /// <summary>Checks that two arrays have the same number of rows (or images).</summary>
    internal static void SameRows(string operation, string nameA, Array a, string nameB, Array b)
    {
        if (a.GetLength(0) != b.GetLength(0))
            throw new Core.ShapeMismatchException(operation,
                $"{nameB} with {a.GetLength(0)} rows like {nameA} ({Shape(a)})", $"{nameB} of shape {Shape(b)}");
    }

    /// <summary>Checks that a matrix has the given number of columns.</summary>
    internal static void Columns(string operation, string name, Array a, int columns, string why)
    {
        if (a.GetLength(1) != columns)
            throw new Core.ShapeMismatchException(operation,
                $"{name} with {columns} columns ({why})", $"{name} of shape {Shape(a)}");
    }
}
