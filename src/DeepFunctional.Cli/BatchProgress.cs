using System.Globalization;
using System.IO;

namespace DeepFunctional.Cli;

/// <summary>
/// The progress of a run by epochs and batches on a <see cref="ProgressLine"/>:
/// <c>sce-sgd  epoch 3/50  120/1000 batches  loss 0.4821</c> (the mean of the epoch's batch losses so far).
/// </summary>
internal sealed class BatchProgress(TextWriter? writer, string label)
{
    private readonly ProgressLine _line = new(writer);
    private double _sum;
    private int _count;
    private int _epochs = 1;

    /// <summary>Sets the number of epochs shown (the events tell it only at the end of an epoch).</summary>
    internal int Epochs { set => _epochs = value; }

    /// <summary>Takes one training event into account.</summary>
    internal void Add(TrainingEvent e)
    {
        if (writer is null)
            return;
        switch (e)
        {
            case TrainingEvent.BatchCompleted b:
                if (b.batch == 1)
                {
                    _sum = 0;
                    _count = 0;
                }
                _sum += b.loss;
                _count++;
                _line.Show(string.Create(CultureInfo.InvariantCulture,
                    $"{label}  epoch {b.epoch}/{_epochs}  {b.batch}/{b.batches} batches  loss {_sum / _count:F4}"));
                break;
            case TrainingEvent.EpochCompleted c:
                _epochs = c.epochs;
                break;
        }
    }

    /// <summary>Removes the progress line before a stdout line.</summary>
    internal void Clear() => _line.Clear();
}
