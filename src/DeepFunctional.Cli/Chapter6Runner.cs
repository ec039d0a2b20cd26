using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Spectre.Console;

namespace DeepFunctional.Cli;

// Inside the namespace, so that the facade's names win over the F# core's modules of the same name.
using DeepFunctional.CSharp;

/// <summary>
/// Chapter 6: trains a character-level model on a text, printing the moving-average loss and a generated sample
/// every few iterations (with a progress bar between them on a terminal), optionally plotting the losses and
/// saving the model; or generates text with a saved model.
/// </summary>
internal static class Chapter6Runner
{
    /// <summary>Runs what the settings ask for; returns the exit code (0 when the run finishes).</summary>
    /// <param name="settings">What to run.</param>
    /// <param name="stdout">Where the lines and samples go.</param>
    /// <param name="progress">Where the progress bar goes (stderr when it is a terminal), or null.</param>
    /// <param name="cancellationToken">Stops training between iterations.</param>
    /// <exception cref="RunFailedException">when a file cannot be read or written, or the model file is malformed.</exception>
    internal static int Run(Chapter6Settings settings, TextWriter stdout, TextWriter? progress, CancellationToken cancellationToken)
    {
        if (settings.Generate is int n && settings.ModelFile is string modelFile)
            return Generate(modelFile, n, settings, stdout);

        var layers = settings.ParsedLayers();
        string text, source;
        if (settings.TextFile is string file)
        {
            text = Read("--text", file, () => File.ReadAllText(file));
            source = file;
        }
        else
        {
            text = CharacterModel.ShakespeareText;
            source = "the embedded Shakespeare";
        }
        var model = CharacterModel.Create(text, layers, settings.Precision);
        var optimizer = settings.CreateOptimizer();
        string precision = settings.Precision == Precision.Double ? "double" : "single";
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Text: {source}: {text.Length} characters, {model.Vocabulary.Length} symbols"));
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Model: {string.Join(", ", model.Layers)}; loss: mean cross-entropy per character; optimizer: {optimizer}, gradients clipped to [-{Chapter6Settings.Clip}, {Chapter6Settings.Clip}]"));
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Training: {settings.Iterations} iterations, sequences of {settings.Sequence}, batches of {settings.Batch}, {precision} precision"));
        stdout.WriteLine();

        var options = new CharacterTrainingOptions
        {
            BatchSize = settings.Batch,
            SequenceLength = settings.Sequence,
            Iterations = settings.Iterations,
            SampleEvery = settings.SampleEvery,
            SampleLength = 100,
            Temperature = settings.Temperature,
        };
        var console = EpochProgress.ConsoleFor(progress);
        CharacterTrainingResult result;
        try
        {
            result = console is null
                ? model.Train(text, optimizer, options, new SynchronousProgress<CharacterTrainingReport>(r => WriteReport(r, stdout)), cancellationToken)
                : TrainWithBar(console, model, text, optimizer, options, stdout, cancellationToken);
        }
        catch (ArgumentException e) when (settings.TextFile is not null)
        {
            throw new RunFailedException($"--text: {e.Message}");
        }
        if (settings.Iterations % settings.SampleEvery != 0)
            stdout.WriteLine(Line(settings.Iterations, result.MovingAverages[^1]));

        if (settings.PlotFile is string plot)
        {
            Write("--plot", plot, () => LossPlot.SaveIterations(plot,
                $"Chapter 6: {string.Join(", ", model.Layers)} on {Path.GetFileName(source)} ({precision} precision)", optimizer.ToString()!, result.MovingAverages));
            stdout.WriteLine($"Loss curve written to {plot}");
        }
        if (settings.SaveFile is string save)
        {
            Write("--save", save, () => result.Model.Save(save));
            stdout.WriteLine($"Model saved to {save}");
        }
        return 0;
    }

    /// <summary>The line printed every --sample-every iterations.</summary>
    internal static string Line(int iteration, double loss) =>
        string.Create(CultureInfo.InvariantCulture, $"Iteration {iteration}: moving-average loss {loss:F3}");

    /// <summary>Writes a report that carries a sample: its line, the sample, and a blank line.</summary>
    private static void WriteReport(CharacterTrainingReport report, TextWriter stdout)
    {
        if (report.Sample is null)
            return;
        stdout.WriteLine(Line(report.Iteration, report.MovingAverageLoss));
        stdout.WriteLine(report.Sample);
        stdout.WriteLine();
        stdout.Flush();
    }

    /// <summary>Trains on a worker thread while this thread shows the iterations up to the next sample in a bar.</summary>
    private static CharacterTrainingResult TrainWithBar(IAnsiConsole console, CharacterModel model, string text, DeepFunctional.CSharp.Optimizer optimizer,
        CharacterTrainingOptions options, TextWriter stdout, CancellationToken cancellationToken)
    {
        using var queue = new BlockingCollection<CharacterTrainingReport>();
        var worker = Task.Factory.StartNew(() =>
        {
            try
            {
                return model.Train(text, optimizer, options, new SynchronousProgress<CharacterTrainingReport>(queue.Add), cancellationToken);
            }
            finally
            {
                queue.CompleteAdding();
            }
        }, TaskCreationOptions.LongRunning);
        using (var reports = queue.GetConsumingEnumerable().GetEnumerator())
        {
            bool more = reports.MoveNext();
            while (more)
            {
                if (reports.Current.Sample is not null)
                {
                    WriteReport(reports.Current, stdout);
                    more = reports.MoveNext();
                    continue;
                }
                int from = reports.Current.Iteration - 1;
                int to = Math.Min(options.Iterations, (from / options.SampleEvery + 1) * options.SampleEvery);
                console.Progress()
                    .AutoClear(true)
                    .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
                    .Start(context =>
                    {
                        var task = context.AddTask(Describe(reports.Current, to), maxValue: to - from);
                        while (more && reports.Current.Sample is null)
                        {
                            task.Value = reports.Current.Iteration - from;
                            task.Description = Describe(reports.Current, to);
                            more = reports.MoveNext();
                        }
                    });
            }
        }
        return worker.GetAwaiter().GetResult();
    }

    private static string Describe(CharacterTrainingReport r, int to) =>
        Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"iteration {r.Iteration}/{to}  loss {r.MovingAverageLoss:F3}"));

    /// <summary>Prints N characters generated by a saved model.</summary>
    private static int Generate(string modelFile, int length, Chapter6Settings settings, TextWriter stdout)
    {
        var model = Read("--model", modelFile, () => CharacterModel.Load(modelFile, settings.Precision));
        stdout.WriteLine(model.Generate(length, temperature: settings.Temperature));
        return 0;
    }

    /// <summary>Runs a read; a missing, unreadable or malformed file becomes a one-line failure naming the option.</summary>
    private static T Read<T>(string option, string file, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (Exception e) when (e is DataFormatException or IOException or UnauthorizedAccessException)
        {
            throw new RunFailedException($"{option}: cannot read '{file}': {e.Message}");
        }
    }

    /// <summary>Runs a write; a failure becomes a one-line failure naming the option.</summary>
    private static void Write(string option, string file, Action write)
    {
        try
        {
            write();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RunFailedException($"{option}: cannot write '{file}': {e.Message}");
        }
    }
}
