using System;

namespace DeepFunctional.CSharp;

/// <summary>
/// An <see cref="IProgress{T}"/> that calls an action at once, on the reporting thread, for every
/// report. Unlike <see cref="Progress{T}"/>, which posts each report to a synchronization context or
/// the thread pool (so reports may arrive late and out of order), it sees training as it happens:
/// <c>trainer.Fit(..., progress: new SynchronousProgress&lt;TrainingProgress&gt;(p =&gt; ...))</c>.
/// </summary>
/// <typeparam name="T">The report type, such as <see cref="TrainingProgress"/>.</typeparam>
public sealed class SynchronousProgress<T> : IProgress<T>
{
    private readonly Action<T> _handler;

    /// <summary>A progress that calls <paramref name="handler"/> for every report.</summary>
    /// <param name="handler">What to do with a report; an exception it throws ends the training run.</param>
    /// <exception cref="ArgumentNullException">when handler is null.</exception>
    public SynchronousProgress(Action<T> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        _handler = handler;
    }

    /// <summary>Calls the handler with the report.</summary>
    /// <param name="value">The report.</param>
    public void Report(T value) => _handler(value);
}
