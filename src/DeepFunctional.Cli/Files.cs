using System;
using System.IO;

namespace DeepFunctional.Cli;

/// <summary>Checks of input and output files, done before long work, and reads and writes that fail with one line.</summary>
internal static class Files
{
    /// <summary>
    /// Checks that <paramref name="path"/> can be written: its folder exists and it is not a folder itself.
    /// </summary>
    /// <exception cref="RunFailedException">when it cannot be (the message names the option).</exception>
    internal static void CheckWritable(string option, string? path)
    {
        if (path is null)
            return;
        string full;
        try
        {
            full = Path.GetFullPath(path);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new RunFailedException($"{option}: cannot write '{path}': {e.Message}");
        }
        if (Directory.Exists(full))
            throw new RunFailedException($"{option}: cannot write '{path}': it is a folder");
        string? folder = Path.GetDirectoryName(full);
        if (folder is not null && !Directory.Exists(folder))
            throw new RunFailedException($"{option}: cannot write '{path}': found no folder '{folder}'");
    }

    /// <summary>Runs a read; a missing, unreadable or malformed file becomes a one-line failure naming the option.</summary>
    internal static T Read<T>(string option, string file, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new RunFailedException($"{option}: cannot read '{file}': {FirstLine(e.Message)}");
        }
    }

    /// <summary>Runs a write; a failure becomes a one-line failure naming the option.</summary>
    internal static void Write(string option, string file, Action write)
    {
        try
        {
            write();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RunFailedException($"{option}: cannot write '{file}': {FirstLine(e.Message)}");
        }
    }

    private static string FirstLine(string message)
    {
        int i = message.IndexOfAny(['\r', '\n']);
        return i < 0 ? message : message[..i];
    }
}
