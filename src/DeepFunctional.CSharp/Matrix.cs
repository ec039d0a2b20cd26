using System;

namespace DeepFunctional.CSharp;

/// <summary>
/// Helpers to bring data into the shapes the facade takes: jagged rows and plain vectors to
/// 2-D arrays, and conversions between double and single precision.
/// </summary>
public static class Matrix
{
    /// <summary>A 2-D array from rows of equal length (row i becomes <c>[i, *]</c>).</summary>
    /// <param name="rows">The rows; every row must have the length of the first.</param>
    /// <returns>A fresh [rows, columns] array (0×0 for no rows).</returns>
    /// <exception cref="ArgumentNullException">when rows or a row is null.</exception>
    /// <exception cref="ArgumentException">when the rows differ in length (jagged).</exception>
    public static double[,] FromRows(double[][] rows) => FromRowsCore(rows);

    /// <summary>A 2-D array from rows of equal length (row i becomes <c>[i, *]</c>).</summary>
    /// <param name="rows">The rows; every row must have the length of the first.</param>
    /// <returns>A fresh [rows, columns] array (0×0 for no rows).</returns>
    /// <exception cref="ArgumentNullException">when rows or a row is null.</exception>
    /// <exception cref="ArgumentException">when the rows differ in length (jagged).</exception>
    public static float[,] FromRows(float[][] rows) => FromRowsCore(rows);

    /// <summary>A column matrix [n, 1] from n values: how a target vector becomes the book's N×1 target.</summary>
    /// <param name="values">The values, top to bottom.</param>
    /// <exception cref="ArgumentNullException">when values is null.</exception>
    public static double[,] Column(double[] values) => ColumnCore(values);

    /// <summary>A column matrix [n, 1] from n values: how a target vector becomes the book's N×1 target.</summary>
    /// <param name="values">The values, top to bottom.</param>
    /// <exception cref="ArgumentNullException">when values is null.</exception>
    public static float[,] Column(float[] values) => ColumnCore(values);

    /// <summary>The rows of a 2-D array as fresh arrays.</summary>
    /// <param name="matrix">The array.</param>
    /// <exception cref="ArgumentNullException">when matrix is null.</exception>
    public static double[][] ToRows(double[,] matrix) => ToRowsCore(matrix);

    /// <summary>The rows of a 2-D array as fresh arrays.</summary>
    /// <param name="matrix">The array.</param>
    /// <exception cref="ArgumentNullException">when matrix is null.</exception>
    public static float[][] ToRows(float[,] matrix) => ToRowsCore(matrix);

    /// <summary>A single-precision copy, each value rounded to the nearest float.</summary>
    /// <param name="matrix">The array.</param>
    /// <exception cref="ArgumentNullException">when matrix is null.</exception>
    public static float[,] ToSingle(double[,] matrix)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        var result = new float[matrix.GetLength(0), matrix.GetLength(1)];
        for (int i = 0; i < matrix.GetLength(0); i++)
            for (int j = 0; j < matrix.GetLength(1); j++)
                result[i, j] = (float)matrix[i, j];
        return result;
    }

    /// <summary>A double-precision copy (exact).</summary>
    /// <param name="matrix">The array.</param>
    /// <exception cref="ArgumentNullException">when matrix is null.</exception>
    public static double[,] ToDouble(float[,] matrix)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        var result = new double[matrix.GetLength(0), matrix.GetLength(1)];
        for (int i = 0; i < matrix.GetLength(0); i++)
            for (int j = 0; j < matrix.GetLength(1); j++)
                result[i, j] = matrix[i, j];
        return result;
    }

    private static T[,] FromRowsCore<T>(T[][] rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        int cols = rows.Length == 0 ? 0 : (rows[0] ?? throw NullRow(0)).Length;
        var result = new T[rows.Length, cols];
        for (int i = 0; i < rows.Length; i++)
        {
            var row = rows[i] ?? throw NullRow(i);
            if (row.Length != cols)
                throw new ArgumentException(
                    Guard.Message("Matrix.FromRows", $"every row with {cols} elements like row 0", $"row {i} with {row.Length}"), nameof(rows));
            for (int j = 0; j < cols; j++)
                result[i, j] = row[j];
        }
        return result;
    }

    private static ArgumentNullException NullRow(int i) =>
        new("rows", Guard.Message("Matrix.FromRows", "a row at every position", $"null at row {i}"));

    private static T[,] ColumnCore<T>(T[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var result = new T[values.Length, 1];
        for (int i = 0; i < values.Length; i++)
            result[i, 0] = values[i];
        return result;
    }

    private static T[][] ToRowsCore<T>(T[,] matrix)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        var rows = new T[matrix.GetLength(0)][];
        for (int i = 0; i < rows.Length; i++)
        {
            rows[i] = new T[matrix.GetLength(1)];
            for (int j = 0; j < rows[i].Length; j++)
                rows[i][j] = matrix[i, j];
        }
        return rows;
    }
}
