using System;
using System.Linq;
using Core = global::DeepFunctional;

namespace DeepFunctional.CSharp;

/// <summary>
/// A loss function a <see cref="NeuralNetwork"/> is trained on (the book's <c>Loss</c>).
/// The library's losses are listed as its subclasses; this class cannot be derived from
/// outside the library.
/// </summary>
public abstract class Loss
{
    private protected Loss()
    {
    }

    /// <summary>The core's description of this loss.</summary>
    internal abstract Core.Loss ToCore();

    /// <summary>The facade object for a core loss.</summary>
    internal static Loss FromCore(Core.Loss loss) =>
        loss switch
        {
            Core.Loss.SoftmaxCrossEntropy s => new SoftmaxCrossEntropy(s.eps) { BookCompatible = s.book },
            Core.Loss.NormalizedMeanSquaredError n => new MeanSquaredError { Normalize = true, BookCompatible = n.book },
            _ => new MeanSquaredError(),
        };
}

/// <summary>
/// Mean squared error as the book defines it: Σ(p − y)² / N over an N-row batch (summed over
/// columns, averaged over rows); its gradient with respect to the prediction is 2(p − y)/N.
/// With <see cref="Normalize"/> each prediction row is first divided by its sum (the book's
/// <c>MeanSquaredError(normalize=True)</c> of chapter 4): <c>new MeanSquaredError { Normalize = true }</c>.
/// </summary>
public sealed class MeanSquaredError : Loss
{
    /// <summary>The mean squared error loss.</summary>
    public MeanSquaredError()
    {
    }

    /// <summary>
    /// Divide each prediction row by its sum before comparing it with the target (false by
    /// default). Meant for outputs that are positive, such as a <see cref="Sigmoid"/> layer's.
    /// </summary>
    public bool Normalize { get; init; }

    /// <summary>
    /// With <see cref="Normalize"/>: pass back the book's gradient 2(p̂ − y)/N, taken with respect to
    /// the normalised predictions p̂ as if it were the gradient for the raw ones, to reproduce the
    /// book's runs. False by default: the true gradient through the normalisation. Without
    /// <see cref="Normalize"/> it changes nothing (the book's plain MSE is this one).
    /// </summary>
    public bool BookCompatible { get; init; }

    internal override Core.Loss ToCore() =>
        Normalize ? Core.Loss.NewNormalizedMeanSquaredError(BookCompatible) : Core.Loss.MeanSquaredError;

    /// <summary>The loss's name as the book writes it, with its options: <c>MeanSquaredError(normalize)</c>.</summary>
    public override string ToString() =>
        Normalize ? (BookCompatible ? "MeanSquaredError(normalize, book)" : "MeanSquaredError(normalize)") : "MeanSquaredError";
}

/// <summary>
/// Softmax cross-entropy (chapter 4): the softmax of each row of the network's outputs (logits),
/// then the cross-entropy against one-hot targets, −Σ y·log p / N over an N-row batch, with the
/// probabilities clipped to [eps, 1 − eps]. Its gradient with respect to the logits is (p − y)/N.
/// Write <c>new SoftmaxCrossEntropy()</c>; the network's last layer is usually <see cref="Linear"/>.
/// </summary>
public sealed class SoftmaxCrossEntropy : Loss
{
    /// <summary>The book's clipping constant, 1e-9.</summary>
    public const double DefaultEps = Core.SoftmaxCrossEntropy.DefaultEps;

    private readonly double _eps;

    /// <summary>Softmax cross-entropy with the given clipping constant.</summary>
    /// <param name="eps">Probabilities are clipped to [eps, 1 − eps]; in [0, 0.5). The book's is 1e-9.</param>
    /// <exception cref="ArgumentOutOfRangeException">when eps is not in [0, 0.5).</exception>
    public SoftmaxCrossEntropy(double eps = DefaultEps)
    {
        Eps = eps;
    }

    /// <summary>The clipping constant: probabilities are clipped to [Eps, 1 − Eps]; in [0, 0.5).</summary>
    /// <exception cref="ArgumentOutOfRangeException">when set to a value outside [0, 0.5).</exception>
    public double Eps
    {
        get => _eps;
        init
        {
            if (!(value >= 0.0 && value < 0.5))
                throw Guard.OutOfRange("SoftmaxCrossEntropy", "eps", "eps in [0, 0.5)", Guard.Text(value));
            _eps = value;
        }
    }

    /// <summary>
    /// Report the book's loss value, Σ(−y·log p − (1 − y)·log(1 − p))/N (a sum of binary
    /// cross-entropies), and pass back the book's gradient with clipped probabilities, to reproduce
    /// the book's printed losses and early-stopping decisions. False by default: the standard loss,
    /// whose gradient the book's is.
    /// </summary>
    public bool BookCompatible { get; init; }

    internal override Core.Loss ToCore() => Core.Loss.NewSoftmaxCrossEntropy(_eps, BookCompatible);

    /// <summary>The loss's name, with its options when they are not the defaults: <c>SoftmaxCrossEntropy(book)</c>.</summary>
    public override string ToString()
    {
        string eps = _eps == DefaultEps ? "" : "eps: " + Guard.Text(_eps);
        string book = BookCompatible ? "book" : "";
        string options = string.Join(", ", new[] { eps, book }.Where(s => s.Length > 0));
        return options.Length == 0 ? "SoftmaxCrossEntropy" : $"SoftmaxCrossEntropy({options})";
    }
}
