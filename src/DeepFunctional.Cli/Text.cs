using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using Microsoft.FSharp.Core;

namespace DeepFunctional.Cli;

/// <summary>How the command line prints numbers, layers, optimizers and tables (printing only; no numerics).</summary>
internal static class Text
{
    /// <summary>A number with a fixed number of decimals, as Python's <c>{:.nf}</c> prints it.</summary>
    internal static string Fixed(double value, int decimals) =>
        value.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    /// <summary>A number as the shortest text that reads back to it.</summary>
    internal static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>An integer in the invariant culture.</summary>
    internal static string Integer(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A layer as the book's summaries show it: <c>Dense(13, Sigmoid)</c>, <c>Conv2D(16, 5x5, Tanh, flatten, keep 0.8)</c>.</summary>
    internal static string Describe(Layer layer)
    {
        switch (layer)
        {
            case Layer.Dense d:
            {
                var s = d.Item;
                string text = $"Dense({s.Neurons}, {s.Activation}";
                if (!s.WeightInit.IsStandardNormal)
                    text += $", {s.WeightInit}";
                if (s.KeepProbability < 1.0)
                    text += $", keep {Number(s.KeepProbability)}" + (s.DropoutScaling.IsClassic ? " book" : "");
                return text + ")";
            }
            case Layer.Conv2D c:
            {
                var s = c.Item;
                string text = $"Conv2D({s.Filters}, {s.KernelSize}x{s.KernelSize}, {s.Activation}";
                if (!s.WeightInit.IsStandardNormal)
                    text += $", {s.WeightInit}";
                if (s.Flatten)
                    text += ", flatten";
                if (s.KeepProbability < 1.0)
                    text += $", keep {Number(s.KeepProbability)}" + (s.DropoutScaling.IsClassic ? " book" : "");
                return text + ")";
            }
            case Layer.Sequence r:
                return SequenceLayer.describe(r.Item);
            default:
                return layer.ToString() ?? "";
        }
    }

    /// <summary>The layers, comma-separated.</summary>
    internal static string Describe(IEnumerable<Layer> layers) => string.Join(", ", layers.Select(Describe));

    /// <summary>An optimizer: <c>SGD(learningRate: 0.1)</c>, <c>SGDMomentum(learningRate: 0.2, momentum: 0.9, Exponential decay to 0.05)</c>.</summary>
    internal static string Describe(Optimizer optimizer)
    {
        string rate = "learningRate: " + Number(optimizer.LearningRate);
        string decay = optimizer.Schedule switch
        {
            Schedule.Decay d => $", {d.Item2} decay to {Number(d.final)}",
            var s when s.IsConstant => "",
            var s => $", {s} per {optimizer.ScheduleUnit}",
        };
        return optimizer.Rule switch
        {
            UpdateRule.Momentum m => $"SGDMomentum({rate}, momentum: {Number(m.momentum)}{decay})",
            UpdateRule.AdaGrad => $"AdaGrad({rate}{decay})",
            UpdateRule.Adam => $"Adam({rate}{decay})",
            _ => $"SGD({rate}{decay})",
        };
    }

    /// <summary>A loss as summaries name it; the book's own loss values are marked <c>(book)</c>: <c>SoftmaxCrossEntropy(book)</c>.</summary>
    internal static string Describe(Loss loss)
    {
        string name = loss.ToString() ?? "";
        return loss.IsCustom && name.StartsWith("Book", StringComparison.Ordinal) ? name["Book".Length..] + "(book)" : name;
    }

    /// <summary>Writes a table: a header, a rule of dashes, the rows; columns two spaces apart, trailing blanks trimmed.</summary>
    internal static void Table(TextWriter stdout, string[] header, IReadOnlyList<string[]> rows, bool[] rightAligned)
    {
        int[] widths = Enumerable.Range(0, header.Length)
            .Select(c => Math.Max(header[c].Length, rows.Count == 0 ? 0 : rows.Max(r => r[c].Length))).ToArray();
        string Line(string[] cs) =>
            string.Join("  ", cs.Select((s, c) => rightAligned[c] ? s.PadLeft(widths[c]) : s.PadRight(widths[c]))).TrimEnd();
        stdout.WriteLine(Line(header));
        stdout.WriteLine(Line(widths.Select(w => new string('-', w)).ToArray()));
        foreach (var row in rows)
            stdout.WriteLine(Line(row));
    }

    /// <summary>The value of an F# option of text (None is null), or null.</summary>
    internal static string? Value(FSharpOption<string>? option) => option?.Value;

    /// <summary>The string with its first letter in upper case.</summary>
    internal static string Capitalise(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];
}
