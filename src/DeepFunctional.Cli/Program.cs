using System;
using System.IO;
using System.Threading;

namespace DeepFunctional.Cli;

/// <summary>The entry point: parses the arguments and runs a subcommand; never shows a stack trace.</summary>
internal static class Program
{
    /// <summary>Exit code for bad arguments.</summary>
    internal const int UsageError = 2;

    /// <summary>Exit code for a failed run or numbers that do not match the book.</summary>
    internal const int Failure = 1;

    /// <summary>Exit code after Ctrl+C.</summary>
    internal const int Cancelled = 130;

    private static int Main(string[] args)
    {
        using var cancellation = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancellation.Cancel();
        };
        return Run(args, Console.Out, Console.Error, progressToStderr: !Console.IsErrorRedirected, cancellation.Token);
    }

    /// <summary>Runs the command line with the given writers; returns the exit code.</summary>
    /// <param name="args">The arguments, without the program name.</param>
    /// <param name="stdout">Where results go.</param>
    /// <param name="stderr">Where errors and (when <paramref name="progressToStderr"/>) progress go.</param>
    /// <param name="progressToStderr">Show progress on stderr (only when it is a terminal).</param>
    /// <param name="cancellationToken">Stops training between batches.</param>
    internal static int Run(string[] args, TextWriter stdout, TextWriter stderr, bool progressToStderr, CancellationToken cancellationToken)
    {
        Command command;
        try
        {
            command = CommandLine.Parse(args);
        }
        catch (UsageException e)
        {
            stderr.WriteLine($"{CommandLine.ProgramName}: error: {e.Message}");
            return UsageError;
        }
        var progress = progressToStderr ? stderr : null;
        try
        {
            return command.Kind switch
            {
                CommandKind.Help => PrintUsage(stdout),
                CommandKind.Chapter2 => Chapter2Runner.Run(stdout, new TrainingReporter(stdout, progress, "chapter 2")),
                CommandKind.Chapter4 => Chapter4Runner.Run(command.Chapter4, stdout, progress, cancellationToken),
                CommandKind.Chapter6 => Chapter6Runner.Run(command.Chapter6, stdout, progress, cancellationToken),
                CommandKind.Chapter5 => Chapter5Runner.Run(command.Chapter5, stdout, progress, cancellationToken),
                _ => Chapter3Runner.Run(command.Chapter3, stdout, progress, cancellationToken),
            };
        }
        catch (UsageException e)
        {
            stderr.WriteLine($"{CommandLine.ProgramName}: error: {e.Message}");
            return UsageError;
        }
        catch (OperationCanceledException)
        {
            stderr.WriteLine($"{CommandLine.ProgramName}: cancelled");
            return Cancelled;
        }
        catch (RunFailedException e)
        {
            stderr.WriteLine($"{CommandLine.ProgramName}: error: {FirstLine(e.Message)}");
            return Failure;
        }
        catch (Exception e)
        {
            stderr.WriteLine($"{CommandLine.ProgramName}: error: {FirstLine(e.Message)} ({e.GetType().Name})");
            return Failure;
        }
    }

    private static int PrintUsage(TextWriter stdout)
    {
        stdout.WriteLine(CommandLine.Usage);
        return 0;
    }

    private static string FirstLine(string message)
    {
        int i = message.IndexOfAny(['\r', '\n']);
        return i < 0 ? message : message[..i];
    }
}

/// <summary>
/// A run that cannot go on for a reason the user can fix (missing or malformed data, an unwritable file);
/// the message is the one line shown after <c>deepfunctional: error: </c>, and the exit code is 1.
/// </summary>
internal sealed class RunFailedException(string message) : Exception(message);
