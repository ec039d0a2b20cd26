using System;
using System.IO;

namespace DeepFunctional.Cli;

// Inside the namespace, so that the facade's names win over the F# core's modules of the same name
// (DeepFunctional.Trainer, DeepFunctional.Dense, ...), which the enclosing namespace would otherwise find first.
using DeepFunctional.CSharp;

/// <summary>
/// Receives a training run's reports: writes the book's lines to stdout and, when stderr is a
/// terminal, keeps a one-line progress display there (cleared before each stdout line, so the two
/// never share a line).
/// </summary>
internal sealed class TrainingReporter(TextWriter stdout, TextWriter? progressOut, string label) : IProgress<TrainingProgress>
{
    private int _shown;

    /// <summary>Handles one report, synchronously.</summary>
    public void Report(TrainingProgress value)
    {
        if (value.BookLine is not null)
        {
            Clear();
            stdout.WriteLine(value.BookLine);
            stdout.Flush();
        }
        else if (progressOut is not null && value.Kind == TrainingProgressKind.BatchCompleted && value.Batch == value.Batches)
        {
            Show($"{label}: epoch {value.Epoch}/{value.Epochs}");
        }
    }

    /// <summary>Writes a status line on the progress writer.</summary>
    internal void Show(string text)
    {
        if (progressOut is null)
            return;
        string padded = text.Length < _shown ? text.PadRight(_shown) : text;
        progressOut.Write("\r" + padded);
        progressOut.Flush();
        _shown = text.Length;
    }

    /// <summary>Removes the progress line, if one is shown.</summary>
    internal void Clear()
    {
        if (progressOut is null || _shown == 0)
            return;
        progressOut.Write("\r" + new string(' ', _shown) + "\r");
        progressOut.Flush();
        _shown = 0;
    }
}
