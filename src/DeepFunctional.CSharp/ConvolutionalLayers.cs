using System;
using System.Linq;
using Core = global::DeepFunctional;

namespace DeepFunctional.CSharp;

/// <summary>
/// A convolutional layer (chapter 5, the book's <c>Conv2D</c>): each of <see cref="Filters"/> kernels of
/// <see cref="KernelSize"/>×<see cref="KernelSize"/> slides over images [channels, height, width], then an
/// activation, optionally a flatten to one row per image (to feed a <see cref="Dense"/> layer), and dropout
/// last. With <c>c</c> input channels the kernel W is [c, filters, k, k] (the book's layout). Write
/// <c>new Conv2D(16, 5, new Tanh(), WeightInit.Glorot, flatten: true, keepProbability: 0.8)</c>.
/// </summary>
/// <remarks>
/// The book's geometry is stride 1 with "same" zero padding <c>k/2</c>, so an odd kernel keeps the image's
/// height and width; <see cref="Stride"/> and <see cref="Padding"/> change it, giving images of
/// (size + 2·padding − k)/stride + 1 pixels a side. The book's layer has no bias; <see cref="Bias"/> adds one
/// per output channel (starting at zero). Dropout works as in <see cref="Dense"/>.
/// </remarks>
public sealed class Conv2D : Layer
{
    private readonly int _filters;
    private readonly int _kernelSize;
    private readonly Activation _activation;
    private readonly WeightInit _weightInit;
    private readonly double _keepProbability;
    private readonly DropoutScaling _dropoutScaling;
    private readonly int _stride = 1;
    private readonly int? _padding;

    /// <summary>A convolutional layer of <paramref name="filters"/> kernels of <paramref name="kernelSize"/>×<paramref name="kernelSize"/>.</summary>
    /// <param name="filters">The number of kernels, which is the number of output channels; at least 1.</param>
    /// <param name="kernelSize">The side of each square kernel; at least 1 (the book uses odd sizes such as 5).</param>
    /// <param name="activation">The activation after the convolution; <see cref="Linear"/> (none) when null.</param>
    /// <param name="weightInit">How the kernels are drawn: standard normal by default; <see cref="WeightInit.Glorot"/>
    /// uses the kernel's fan-in and fan-out, √(2/((in+out)·k²)); <see cref="WeightInit.BookGlorot"/> the book's 2/(in+out).</param>
    /// <param name="flatten">Flatten the output to one row of filters·height·width values per image (the book's <c>flatten=True</c>).</param>
    /// <param name="keepProbability">The probability of keeping each output unit in training, in (0, 1]; 1 (the default) means no dropout.</param>
    /// <exception cref="ArgumentOutOfRangeException">when filters or kernelSize is less than 1, weightInit is not a defined value or
    /// keepProbability is outside (0, 1].</exception>
    public Conv2D(int filters, int kernelSize, Activation? activation = null, WeightInit weightInit = WeightInit.StandardNormal,
        bool flatten = false, double keepProbability = 1.0)
    {
        const string op = "Conv2D";
        Guard.AtLeast(op, nameof(filters), filters, 1);
        Guard.AtLeast(op, nameof(kernelSize), kernelSize, 1);
        _filters = filters;
        _kernelSize = kernelSize;
        _activation = activation ?? new Linear();
        _weightInit = CheckWeightInit(weightInit);
        Flatten = flatten;
        _keepProbability = CheckKeep(keepProbability);
    }

    /// <summary>The number of output channels: <see cref="Filters"/>.</summary>
    public override int Neurons => _filters;

    /// <summary>The number of kernels, which is the number of output channels.</summary>
    public int Filters => _filters;

    /// <summary>The side of each square kernel.</summary>
    public int KernelSize => _kernelSize;

    /// <summary>The activation after the convolution (and the bias, if any).</summary>
    /// <exception cref="ArgumentNullException">when set to null.</exception>
    public Activation Activation
    {
        get => _activation;
        init
        {
            ArgumentNullException.ThrowIfNull(value, nameof(Activation));
            _activation = value;
        }
    }

    /// <summary>How the kernels are drawn.</summary>
    /// <exception cref="ArgumentOutOfRangeException">when set to a value that is not defined.</exception>
    public WeightInit WeightInit
    {
        get => _weightInit;
        init => _weightInit = CheckWeightInit(value);
    }

    /// <summary>Whether the output is flattened to one row of filters·height·width values per image.</summary>
    public bool Flatten { get; init; }

    /// <summary>Whether a bias per output channel is added after the convolution (the book's layer has none).</summary>
    public bool Bias { get; init; }

    /// <summary>The probability of keeping each output unit in training, in (0, 1]; 1 means no dropout.</summary>
    /// <exception cref="ArgumentOutOfRangeException">when set to a value outside (0, 1].</exception>
    public double KeepProbability
    {
        get => _keepProbability;
        init => _keepProbability = CheckKeep(value);
    }

    /// <summary>How dropout is scaled when <see cref="KeepProbability"/> is below 1 (see <see cref="Dense.DropoutScaling"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">when set to a value that is not defined.</exception>
    public DropoutScaling DropoutScaling
    {
        get => _dropoutScaling;
        init => _dropoutScaling = Enum.IsDefined(value)
            ? value
            : throw Guard.OutOfRange("Conv2D", "dropoutScaling", "Inverted or Book", (int)value);
    }

    /// <summary>The step between neighbouring kernel positions, in pixels; 1 (the book's) by default.</summary>
    /// <exception cref="ArgumentOutOfRangeException">when set to less than 1.</exception>
    public int Stride
    {
        get => _stride;
        init
        {
            Guard.AtLeast("Conv2D", "stride", value, 1);
            _stride = value;
        }
    }

    /// <summary>
    /// The zero rows and columns added on every side of the image; by default <see cref="KernelSize"/>/2, the
    /// book's "same" padding, which keeps the image's size for an odd kernel and stride 1.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">when set to less than 0.</exception>
    public int Padding
    {
        get => _padding ?? _kernelSize / 2;
        init
        {
            Guard.AtLeast("Conv2D", "padding", value, 0);
            _padding = value;
        }
    }

    private static double CheckKeep(double value) =>
        value > 0.0 && value <= 1.0
            ? value
            : throw Guard.OutOfRange("Conv2D", "keepProbability", "keepProbability in (0, 1]", Guard.Text(value));

    private static WeightInit CheckWeightInit(WeightInit value) =>
        Enum.IsDefined(value)
            ? value
            : throw Guard.OutOfRange("Conv2D", "weightInit", "StandardNormal, Glorot or BookGlorot", (int)value);

    /// <summary>The facade object for a core convolutional layer.</summary>
    internal static Conv2D FromCore(Core.Conv2DSpec spec) =>
        new(spec.Filters, spec.KernelSize, Activation.FromCore(spec.Activation), InitFromCore(spec.WeightInit), spec.Flatten, spec.KeepProbability)
        {
            DropoutScaling = spec.DropoutScaling.IsBook ? DropoutScaling.Book : DropoutScaling.Inverted,
            Bias = spec.Bias,
            Stride = spec.Geometry.Stride,
            Padding = spec.Geometry.Padding,
        };

    internal override Core.Layer ToCore()
    {
        var scaling = _dropoutScaling == DropoutScaling.Book ? Core.DropoutScaling.Book : Core.DropoutScaling.Inverted;
        var geometry = new Core.Conv2dGeometry(_stride, Padding);
        return Core.Layer.NewConv2D(new Core.Conv2DSpec(_filters, _kernelSize, geometry, _activation.ToCore(), InitToCore(_weightInit),
            Bias, Flatten, _keepProbability, scaling));
    }

    internal override int[] OutputShape(string op, int position, int[] input, int[]? weights)
    {
        CheckImages(op, position, input);
        if (weights is not null && weights[0] != input[0])
            throw Refuse(op, position, $"images of {weights[0]} channel{(weights[0] == 1 ? "" : "s")} (its kernel is {Guard.Format(weights)})", input);
        int padded = Math.Min(input[1], input[2]) + 2 * Padding;
        if (padded < _kernelSize)
        {
            int least = _kernelSize - 2 * Padding;
            throw Refuse(op, position, $"images of at least {least}x{least} pixels", input);
        }
        int height = (input[1] + 2 * Padding - _kernelSize) / _stride + 1;
        int width = (input[2] + 2 * Padding - _kernelSize) / _stride + 1;
        return Flatten ? [_filters * height * width] : [_filters, height, width];
    }

    /// <summary>
    /// A short description, such as <c>Conv2D(16, 5x5, Tanh)</c>, or with options
    /// <c>Conv2D(16, 5x5, Tanh, Glorot, flatten, keep 0.8)</c> (also <c>bias</c>, <c>stride 2</c>, <c>padding 0</c>).
    /// </summary>
    public override string ToString()
    {
        string text = $"Conv2D({_filters}, {_kernelSize}x{_kernelSize}, {_activation}";
        if (_weightInit != WeightInit.StandardNormal)
            text += $", {_weightInit}";
        if (Bias)
            text += ", bias";
        if (_stride != 1)
            text += $", stride {_stride}";
        if (_padding is int p && p != _kernelSize / 2)
            text += $", padding {p}";
        if (Flatten)
            text += ", flatten";
        if (_keepProbability < 1.0)
            text += $", keep {Guard.Text(_keepProbability)}" + (_dropoutScaling == DropoutScaling.Book ? " book" : "");
        return text + ")";
    }
}

/// <summary>
/// The shared part of <see cref="MaxPool2D"/> and <see cref="AvgPool2D"/>: a window of
/// <see cref="KernelSize"/>×<see cref="KernelSize"/> pixels moved by <see cref="Stride"/> over every
/// channel of images [channels, height, width], giving (size − kernel)/stride + 1 pixels a side.
/// No parameters, no padding. This class cannot be derived from outside the library.
/// </summary>
public abstract class Pooling2D : Layer
{
    private protected Pooling2D(string op, int kernelSize, int? stride)
    {
        Guard.AtLeast(op, nameof(kernelSize), kernelSize, 1);
        if (stride is int s)
            Guard.AtLeast(op, nameof(stride), s, 1);
        KernelSize = kernelSize;
        Stride = stride ?? kernelSize;
    }

    /// <summary>The side of the square window.</summary>
    public int KernelSize { get; }

    /// <summary>The step between neighbouring windows, in pixels (by default the window's side: windows do not overlap).</summary>
    public int Stride { get; }

    /// <summary>0: a pooling layer has no units of its own.</summary>
    public override int Neurons => 0;

    internal override int[] OutputShape(string op, int position, int[] input, int[]? weights)
    {
        CheckImages(op, position, input);
        if (input[1] < KernelSize || input[2] < KernelSize)
            throw Refuse(op, position, $"images of at least {KernelSize}x{KernelSize} pixels", input);
        return [input[0], (input[1] - KernelSize) / Stride + 1, (input[2] - KernelSize) / Stride + 1];
    }

    /// <summary>A short description: <c>MaxPool2D(2)</c>, or <c>MaxPool2D(3, stride 2)</c> when the windows overlap or leave gaps.</summary>
    public override string ToString() =>
        $"{GetType().Name}({KernelSize}{(Stride == KernelSize ? "" : $", stride {Stride}")})";
}

/// <summary>
/// Max pooling: each output pixel is the largest of its window (per channel); the gradient flows back to
/// that pixel only. <c>new MaxPool2D(2)</c> halves the height and width.
/// </summary>
public sealed class MaxPool2D : Pooling2D
{
    /// <summary>Max pooling over windows of <paramref name="kernelSize"/>×<paramref name="kernelSize"/>.</summary>
    /// <param name="kernelSize">The side of the window; at least 1.</param>
    /// <param name="stride">The step between windows; at least 1; the window's side when null.</param>
    /// <exception cref="ArgumentOutOfRangeException">when kernelSize or stride is less than 1.</exception>
    public MaxPool2D(int kernelSize, int? stride = null)
        : base("MaxPool2D", kernelSize, stride)
    {
    }

    internal override Core.Layer ToCore() => Core.Layer.NewMaxPool2D(KernelSize, Stride);
}

/// <summary>
/// Average pooling: each output pixel is the mean of its window (per channel); the gradient is shared
/// equally by the window's pixels. <c>new AvgPool2D(2)</c> halves the height and width.
/// </summary>
public sealed class AvgPool2D : Pooling2D
{
    /// <summary>Average pooling over windows of <paramref name="kernelSize"/>×<paramref name="kernelSize"/>.</summary>
    /// <param name="kernelSize">The side of the window; at least 1.</param>
    /// <param name="stride">The step between windows; at least 1; the window's side when null.</param>
    /// <exception cref="ArgumentOutOfRangeException">when kernelSize or stride is less than 1.</exception>
    public AvgPool2D(int kernelSize, int? stride = null)
        : base("AvgPool2D", kernelSize, stride)
    {
    }

    internal override Core.Layer ToCore() => Core.Layer.NewAvgPool2D(KernelSize, Stride);
}

/// <summary>
/// Reshapes each row of input, whatever its shape, to one row of all its values (the book's <c>Flatten</c>):
/// images [channels, height, width] become rows of channels·height·width features for a <see cref="Dense"/>
/// layer. No parameters.
/// </summary>
public sealed class Flatten : Layer
{
    /// <summary>The flatten layer.</summary>
    public Flatten()
    {
    }

    /// <summary>0: a flatten layer has no units of its own.</summary>
    public override int Neurons => 0;

    internal override Core.Layer ToCore() => Core.Layer.Flatten;

    internal override int[] OutputShape(string op, int position, int[] input, int[]? weights) =>
        [input.Aggregate(1, (a, b) => a * b)];

    /// <summary><c>Flatten</c>.</summary>
    public override string ToString() => "Flatten";
}
