using System.IO;

namespace DeepFunctional.Cli;

/// <summary>
/// A one-line progress display on a writer (stderr when it is a terminal, else none): each status overwrites the
/// last with a carriage return, and <see cref="Clear"/> blanks it before a stdout line, so the two never share a line.
/// </summary>
internal sealed class ProgressLine(TextWriter? writer)
{
    private int _shown;

    /// <summary>Shows a status in place of the previous one.</summary>
    internal void Show(string text)
    {
        if (writer is null)
            return;
        string padded = text.Length < _shown ? text.PadRight(_shown) : text;
        writer.Write("\r" + padded);
        writer.Flush();
        _shown = text.Length;
    }

    /// <summary>Removes the status, if one is shown.</summary>
    internal void Clear()
    {
        if (writer is null || _shown == 0)
            return;
        writer.Write("\r" + new string(' ', _shown) + "\r");
        writer.Flush();
        _shown = 0;
    }
}
