using System;
using System.Collections.Concurrent;
using System.Globalization;
using System.IO;
using System.Threading.Tasks;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace DeepFunctional.Cli;

// Inside the namespace, so that the facade's names win over the F# core's modules of the same name.
using DeepFunctional.CSharp;

/// <summary>
/// Runs a training function and shows its progress: the book's lines go to stdout as they come; when a
/// progress console is given (stderr, only when it is a terminal), a Spectre.Console bar shows the batches
/// of the running epoch and the running mean of their losses, and disappears at the end of the epoch.
/// </summary>
/// <remarks>
/// Training then runs on a worker thread and this thread draws: the bar is live only while an epoch's
/// batches run and is cleared before any stdout line is written, so the two never share the terminal's
/// lines. Without a console the function runs on this thread and only the book's lines are written.
/// </remarks>
internal sealed class EpochProgress(TextWriter stdout, IAnsiConsole? console)
{
    /// <summary>The Spectre console for progress on a writer (stderr), or null when there is none.</summary>
    internal static IAnsiConsole? ConsoleFor(TextWriter? progress) =>
        progress is null
            ? null
            : AnsiConsole.Create(new AnsiConsoleSettings
            {
                Out = new AnsiConsoleOutput(progress),
                Ansi = AnsiSupport.Detect,
                ColorSystem = ColorSystemSupport.Detect,
                Interactive = InteractionSupport.Yes,
            });

    /// <summary>Runs <paramref name="load"/> under a spinner labelled <paramref name="what"/> when there is a console.</summary>
    internal T Loading<T>(string what, Func<T> load) =>
        console is null ? load() : console.Status().Start(Markup.Escape(what), _ => load());

    /// <summary>
    /// Runs <paramref name="train"/>, giving it the progress to report to; writes every report's book line to
    /// stdout and shows the epoch's progress labelled <paramref name="label"/>. Exceptions of the training
    /// function (cancellation included) come out of this call.
    /// </summary>
    internal T Run<T>(string label, Func<IProgress<TrainingProgress>, T> train)
    {
        if (console is null)
            return train(new SynchronousProgress<TrainingProgress>(WriteBookLine));

        using var queue = new BlockingCollection<TrainingProgress>();
        var worker = Task.Factory.StartNew(() =>
        {
            try
            {
                return train(new SynchronousProgress<TrainingProgress>(queue.Add));
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
                var report = reports.Current;
                if (report.Kind != TrainingProgressKind.BatchCompleted)
                {
                    WriteBookLine(report);
                    more = reports.MoveNext();
                    continue;
                }
                // An epoch's batches: show them until the first report that is not a batch.
                console.Progress()
                    .AutoClear(true)
                    .HideCompleted(false)
                    .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new BatchesColumn(),
                        new ElapsedTimeColumn(), new RemainingTimeColumn())
                    .Start(context =>
                    {
                        var task = context.AddTask(Describe(label, report, double.NaN), maxValue: report.Batches);
                        double sum = 0;
                        int count = 0;
                        while (more && reports.Current.Kind == TrainingProgressKind.BatchCompleted)
                        {
                            var batch = reports.Current;
                            sum += batch.Loss;
                            count++;
                            task.Value = batch.Batch;
                            task.Description = Describe(label, batch, sum / count);
                            more = reports.MoveNext();
                        }
                    });
            }
        }
        return worker.GetAwaiter().GetResult();
    }

    private void WriteBookLine(TrainingProgress report)
    {
        if (report.BookLine is null)
            return;
        stdout.WriteLine(report.BookLine);
        stdout.Flush();
    }

    /// <summary>The bar's label: <c>sce-sgd  epoch 3/50  loss 0.4821</c> (the mean of the epoch's batch losses so far).</summary>
    internal static string Describe(string label, TrainingProgress report, double runningLoss) =>
        Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"{label}  epoch {report.Epoch}/{report.Epochs}  loss {(double.IsNaN(runningLoss) ? "-" : runningLoss.ToString("F4", CultureInfo.InvariantCulture))}"));

    /// <summary>A progress column showing <c>batch/batches</c>.</summary>
    private sealed class BatchesColumn : ProgressColumn
    {
        protected override bool NoWrap => true;

        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
            new Text(string.Create(CultureInfo.InvariantCulture, $"{task.Value:0}/{task.MaxValue:0} batches"));
    }
}
