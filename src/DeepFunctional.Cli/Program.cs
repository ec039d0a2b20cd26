using System;
using System.IO;
using System.Linq;
using System.Threading;
using Spectre.Console;
using Spectre.Console.Cli;

namespace DeepFunctional.Cli;

/// <summary>
/// Where a run writes and what stops it: results on <see cref="Out"/>, errors and (when <see cref="Progress"/>) progress
/// on <see cref="Error"/>, and the token that cancels training between batches.
/// </summary>
internal sealed record CliIo(TextWriter Out, TextWriter Error, bool Progress, CancellationToken Cancellation)
{
    /// <summary>The writer for progress (stderr when it is a terminal), or null.</summary>
    internal TextWriter? ProgressWriter => Progress ? Error : null;
}

/// <summary>The entry point: builds the command app, runs it, and never shows a stack trace.</summary>
internal static class Program
{
    /// <summary>The program's name in messages and help.</summary>
    internal const string ProgramName = "deepfunctional";

    /// <summary>Exit code for a failed run or numbers that do not match the book.</summary>
    internal const int Failure = 1;

    /// <summary>Exit code for bad arguments.</summary>
    internal const int UsageError = 2;

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
        var io = new CliIo(Console.Out, Console.Error, Progress: !Console.IsErrorRedirected, cancellation.Token);
        var app = new CommandApp();
        app.SetDefaultCommand<Chapter3Command>();
        app.Configure(config => Configure(config, io));
        return app.Run(Arguments(args));
    }

    /// <summary><c>help</c> as a command means <c>--help</c> (and <c>help ch4</c> means <c>ch4 --help</c>).</summary>
    internal static string[] Arguments(string[] args) =>
        args.Length > 0 && args[0] == "help" ? [.. args.Skip(1), "--help"] : args;

    /// <summary>Registers the commands, the output and the error handling; shared with the tests.</summary>
    internal static void Configure(IConfigurator config, CliIo io)
    {
        config.SetApplicationName(ProgramName);
        config.Settings.Registrar.RegisterInstance(io);
        config.UseStrictParsing();
        config.CaseSensitivity(CaseSensitivity.All);
        config.SetHelpProvider(new Help(config.Settings));
        config.SetExceptionHandler((e, _) => Report(e, io.Error));
        config.AddCommand<Chapter3Command>("ch3")
            .WithDescription("Train the chapter-3 models (linear regression, one and two hidden layers) on the Boston data with the book's split and seed, print the book's lines, and compare all 21 numbers with the book's (the default command)")
            .WithExample("ch3", "--epochs", "20");
        config.AddCommand<Chapter4Command>("ch4")
            .WithDescription("Run chapter 4's image-classification experiments on Fashion-MNIST (or any MNIST-format folder): the book's lines, the accuracy, and a table")
            .WithExample("ch4", "--config", "all", "--plot", "losses.png");
        config.AddCommand<Chapter5Command>("ch5")
            .WithDescription("Train chapter 5's convolutional network (or chapter 7's) on Fashion-MNIST for one epoch, printing the test accuracy every 100 batches");
        config.AddCommand<Chapter6Command>("ch6")
            .WithDescription("Train chapter 6's character-level model on a text (the embedded Shakespeare by default), printing the moving-average loss and generated text; or generate text with a saved model");
        config.AddCommand<Chapter2Command>("ch2")
            .WithDescription("Chapter 2: linear regression and a one-hidden-layer network trained by hand, next to the closed-form least-squares fit");
        ModelCommands.Add(config);
    }

    /// <summary>Writes one error line for an exception and returns its exit code.</summary>
    internal static int Report(Exception e, TextWriter stderr)
    {
        switch (e)
        {
            case OperationCanceledException:
                stderr.WriteLine($"{ProgramName}: cancelled");
                return Cancelled;
            case UsageException or CommandAppException:
                // Spectre fills a missing last value with the default command's internal name.
                string message = e.Message.Contains("'__default_command'", StringComparison.Ordinal)
                    ? "the last option expects a value, got nothing"
                    : FirstLine(e.Message);
                stderr.WriteLine($"{ProgramName}: error: {message}");
                return UsageError;
            case RunFailedException:
                stderr.WriteLine($"{ProgramName}: error: {FirstLine(e.Message)}");
                return Failure;
            default:
                stderr.WriteLine($"{ProgramName}: error: {FirstLine(e.Message)} ({e.GetType().Name})");
                return Failure;
        }
    }

    private static string FirstLine(string message)
    {
        int i = message.IndexOfAny(['\r', '\n']);
        return (i < 0 ? message : message[..i]).TrimEnd();
    }
}

/// <summary>A command line that cannot be run; the message is the one line shown after <c>deepfunctional: error: </c> (exit code 2).</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>
/// A run that cannot go on for a reason the user can fix (missing or malformed data, an unwritable file);
/// the message is the one line shown after <c>deepfunctional: error: </c>, and the exit code is 1.
/// </summary>
internal sealed class RunFailedException(string message) : Exception(message);
