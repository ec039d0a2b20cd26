using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using Microsoft.FSharp.Core;
using Core = DeepFunctional;

namespace DeepFunctional.CSharp;

/// <summary>
/// Trains a <see cref="NeuralNetwork"/> with an <see cref="Optimizer"/> (the book's <c>Trainer(net, optim)</c>):
/// every epoch permutes the training rows, walks them in batches with one optimizer step each, and every
/// <see cref="FitOptions.EvalEvery"/> epochs computes the validation loss. The network is updated in place: after a
/// fit it holds the trained parameters (the best evaluated ones when training stopped early).
/// </summary>
public sealed class Trainer
{
    /// <summary>A trainer of <paramref name="network"/> with <paramref name="optimizer"/>.</summary>
    /// <param name="network">The network to train.</param>
    /// <param name="optimizer">The optimizer's settings.</param>
    /// <exception cref="ArgumentNullException">when an argument is null.</exception>
    public Trainer(NeuralNetwork network, Optimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(optimizer);
        Network = network;
        Optimizer = optimizer;
    }

    /// <summary>The network it trains.</summary>
    public NeuralNetwork Network { get; }

    /// <summary>The optimizer's settings.</summary>
    public Optimizer Optimizer { get; }

    /// <summary>Whether a rank-n input array is one this network can train on: checks shapes and values, naming the caller's parameter.</summary>
    private int[] CheckSet<T>(string op, Array x, Array y, string xName, string yName, bool againstTrained) where T : IFloatingPointIeee754<T>
    {
        var xDims = Interop.Dimensions(x);
        var yDims = Interop.Dimensions(y);
        if (xDims[0] != yDims[0])
            throw new Core.ShapeMismatchException(op, $"{yName} with the {xDims[0]} rows of {xName}", $"{yDims[0]} rows", yName);
        if (xDims[0] == 0)
            throw new Core.InvalidValueException(op, $"at least one row in {xName}", "none", xName);
        var output = againstTrained ? Network.CheckInput(op, xName, xDims) : Network.ShapesFor(op, xName, xDims)[^1];
        NeuralNetwork.CheckTargets(op, output, yDims, yName);
        CheckFinite<T>(op, x, xName);
        CheckFinite<T>(op, y, yName);
        Network.CheckIds<T>(op, x);
        return xDims[1..];
    }

    private static void CheckFinite<T>(string op, Array a, string name) where T : IFloatingPointIeee754<T>
    {
        var span = Interop.Elements<T>(a);
        for (int i = 0; i < span.Length; i++)
            if (!T.IsFinite(span[i]))
                throw new Core.InvalidValueException(op, $"finite values in {name}", $"{span[i]} at element {i}", name);
    }

    private FitResult Run<T>(string op, Array x, Array y, Array? xValidation, Array? yValidation, FitOptions? options, string? resumeFrom)
        where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        options ??= new FitOptions();
        var coreOptions = options.ToCore(op);
        var coreOptimizer = Optimizer.ToCore(op);
        bool fresh = options.Restart || resumeFrom is not null || Network.State is null;
        if (!fresh)
            Network.Trained<T>(op, nameof(x));
        var sample = CheckSet<T>(op, x, y, nameof(x), nameof(y), !fresh);
        var validation = FSharpOption<Tuple<Core.Tensor<T>, Core.Tensor<T>>>.None;
        if (xValidation is not null && yValidation is not null)
        {
            var validationSample = CheckSet<T>(op, xValidation, yValidation, nameof(xValidation), nameof(yValidation), false);
            if (!validationSample.SequenceEqual(sample))
                throw new Core.ShapeMismatchException(op, $"validation samples of the training samples' shape {Interop.Format(sample)}",
                    $"shape {Interop.Format(validationSample)}", nameof(xValidation));
            validation = FSharpOption<Tuple<Core.Tensor<T>, Core.Tensor<T>>>.Some(Tuple.Create(Interop.Tensor<T>(xValidation), Interop.Tensor<T>(yValidation)));
        }
        else if (xValidation is not null || yValidation is not null)
            throw new ArgumentNullException(xValidation is null ? nameof(xValidation) : nameof(yValidation), $"{op}: validation needs both inputs and targets");

        var net = fresh ? Network.Fresh<T>() : Network.Trained<T>(op, nameof(x));
        var losses = new List<double>();
        int lastEpoch = 0;
        var progress = options.Progress;
        var output = options.Output;
        var lines = options.Lines ?? (e => Core.Book.Book.line(e)!);
        void OnEvent(Core.TrainingEvent e)
        {
            TrainingProgress? report = e switch
            {
                Core.TrainingEvent.BatchCompleted b => new(TrainingProgressKind.Batch, b.epoch, coreOptions.Epochs, b.batch, b.batches, b.loss, false, double.NaN, 0),
                Core.TrainingEvent.EpochCompleted ep => new(TrainingProgressKind.Epoch, ep.epoch, ep.epochs, 0, 0, double.NaN, false, double.NaN, 0),
                Core.TrainingEvent.Evaluated ev => new(TrainingProgressKind.Evaluation, ev.epoch, coreOptions.Epochs, 0, 0, ev.loss, ev.improved, double.NaN, 0),
                Core.TrainingEvent.EarlyStopped s => new(TrainingProgressKind.EarlyStop, s.epoch, coreOptions.Epochs, 0, 0, s.loss, false, s.bestLoss, s.bestEpoch),
                _ => null,
            };
            if (e is Core.TrainingEvent.BatchCompleted batch)
                losses.Add(batch.loss);
            if (e is Core.TrainingEvent.EpochCompleted epoch)
                lastEpoch = epoch.epoch;
            if (output is not null && lines.Invoke(e) is { } line && FSharpOption<string>.get_IsSome(line))
                output.WriteLine(line.Value);
            if (report is not null)
                progress?.Report(report);
        }
        var monitor = new Core.FitMonitor<T>(FuncConvert.FromAction<Core.TrainingEvent>(OnEvent), 0, false,
            FuncConvert.FromAction<int, int, Core.NeuralNetwork<T>>((_, _, _) => { }), options.Cancellation);
        var data = Core.TrainingData<T>.NewRows(Interop.Tensor<T>(x), Interop.Tensor<T>(y));
        Core.FitResult<T> result;
        try
        {
            if (resumeFrom is not null)
                result = Core.Checkpoint.resume(new Core.CheckpointOptions(resumeFrom, options.Checkpoint?.Every ?? 100), monitor, coreOptions,
                    coreOptimizer, net, data, validation);
            else if (options.Checkpoint is { } c)
                result = Core.Checkpoint.fit(new Core.CheckpointOptions(c.Path, c.Every), monitor, coreOptions, coreOptimizer, net, data, validation);
            else
                result = Core.Trainer.train(monitor, coreOptions, coreOptimizer, net, data, validation);
        }
        catch (Core.InvalidValueException e) when (e.Operation.StartsWith("Trainer.", StringComparison.Ordinal) && e.Operation != op)
        {
            // The core's own check (e.g. a checkpoint of other settings): the same type, naming the caller's operation.
            throw new Core.InvalidValueException(op, e.Expected, e.Actual, e.ParamName);
        }
        catch (Core.ShapeMismatchException e) when (e.Operation.StartsWith("Trainer.", StringComparison.Ordinal) && e.Operation != op)
        {
            throw new Core.ShapeMismatchException(op, e.Expected, e.Actual, e.ParamName);
        }
        catch (Core.FitCancelledException<T> e)
        {
            if (Core.NeuralNetwork.isInitialised(e.Result.Network))
                Network.State = new NetworkState<T>(e.Result.Network, sample);
            throw new OperationCanceledException(
                $"{op}: cancelled before batch {e.Position.Batch + 1} of epoch {e.Position.Epoch}; the network keeps the parameters of the last completed batch",
                e, options.Cancellation);
        }
        Network.State = new NetworkState<T>(result.Network, sample);
        var stopped = Interop.ValueOrNull(result.StoppedEarlyAt);
        return new FitResult(result.Evaluations.Select(ev => new Evaluation(ev.Epoch, ev.Loss)).ToArray(), stopped,
            stopped ?? lastEpoch, Interop.PrecisionOf<T>(), losses.ToArray());
    }
    /// <summary>Trains on rows of features.</summary>
    /// <param name="x">Training inputs [rows; features].</param>
    /// <param name="y">Training targets [rows; outputs], one row per input row.</param>
    /// <param name="options">The settings; the book's defaults when null.</param>
    /// <returns>The evaluations and how the fit ended.</returns>
    /// <exception cref="Core.ShapeMismatchException">when an array does not fit the network (ParamName names it).</exception>
    /// <exception cref="Core.InvalidValueException">when a setting is out of range (ParamName names the FitOptions property) or the data is empty or not finite.</exception>
    /// <exception cref="OperationCanceledException">when <see cref="FitOptions.Cancellation"/> is cancelled; the network keeps the parameters of the last completed batch.</exception>
    public FitResult Fit(double[,] x, double[,] y, FitOptions? options = null) =>
        Run<double>("Trainer.Fit", x, y, null, null, options, null);

    /// <summary>Trains on rows of features, evaluating on the validation set.</summary>
    /// <param name="x">Training inputs [rows; features].</param>
    /// <param name="y">Training targets [rows; outputs], one row per input row.</param>
    /// <param name="xValidation">Validation inputs, samples shaped as x's.</param>
    /// <param name="yValidation">Validation targets.</param>
    /// <param name="options">The settings; the book's defaults when null.</param>
    /// <returns>The evaluations and how the fit ended.</returns>
    /// <exception cref="Core.ShapeMismatchException">when an array does not fit the network (ParamName names it).</exception>
    /// <exception cref="Core.InvalidValueException">when a setting is out of range (ParamName names the FitOptions property) or the data is empty or not finite.</exception>
    /// <exception cref="OperationCanceledException">when <see cref="FitOptions.Cancellation"/> is cancelled; the network keeps the parameters of the last completed batch.</exception>
    public FitResult Fit(double[,] x, double[,] y, double[,] xValidation, double[,] yValidation, FitOptions? options = null) =>
        Run<double>("Trainer.Fit", x, y, xValidation, yValidation, options, null);

    /// <summary>
    /// Resumes the fit whose last checkpoint is <paramref name="checkpointPath"/> on rows of features: the same options, optimizer,
    /// network and data as the interrupted fit; it ends with the same parameters, bit for bit, as the fit uninterrupted.
    /// Further checkpoints are written to the same file.
    /// </summary>
    /// <param name="checkpointPath">The checkpoint the interrupted fit wrote (<see cref="FitOptions.Checkpoint"/>).</param>
    /// <param name="x">Training inputs [rows; features].</param>
    /// <param name="y">Training targets [rows; outputs].</param>
    /// <param name="options">The interrupted fit's settings.</param>
    /// <returns>The evaluations and how the fit ended.</returns>
    /// <exception cref="Core.DataFormatException">when the file is not a checkpoint of this network.</exception>
    /// <exception cref="Core.InvalidValueException">when it was written by a fit of other settings.</exception>
    /// <exception cref="OperationCanceledException">when <see cref="FitOptions.Cancellation"/> is cancelled.</exception>
    public FitResult Resume(string checkpointPath, double[,] x, double[,] y, FitOptions? options = null) =>
        Run<double>("Trainer.Resume", x, y, null, null, options, CheckPath(checkpointPath));

    /// <summary>
    /// Resumes the fit whose last checkpoint is <paramref name="checkpointPath"/> on rows of features, evaluating on the validation set: the same options, optimizer,
    /// network and data as the interrupted fit; it ends with the same parameters, bit for bit, as the fit uninterrupted.
    /// Further checkpoints are written to the same file.
    /// </summary>
    /// <param name="checkpointPath">The checkpoint the interrupted fit wrote (<see cref="FitOptions.Checkpoint"/>).</param>
    /// <param name="x">Training inputs [rows; features].</param>
    /// <param name="y">Training targets [rows; outputs].</param>
    /// <param name="xValidation">Validation inputs, samples shaped as x's.</param>
    /// <param name="yValidation">Validation targets.</param>
    /// <param name="options">The interrupted fit's settings.</param>
    /// <returns>The evaluations and how the fit ended.</returns>
    /// <exception cref="Core.DataFormatException">when the file is not a checkpoint of this network.</exception>
    /// <exception cref="Core.InvalidValueException">when it was written by a fit of other settings.</exception>
    /// <exception cref="OperationCanceledException">when <see cref="FitOptions.Cancellation"/> is cancelled.</exception>
    public FitResult Resume(string checkpointPath, double[,] x, double[,] y, double[,] xValidation, double[,] yValidation, FitOptions? options = null) =>
        Run<double>("Trainer.Resume", x, y, xValidation, yValidation, options, CheckPath(checkpointPath));

    /// <summary>Trains on rows of features in single precision.</summary>
    /// <param name="x">Training inputs [rows; features].</param>
    /// <param name="y">Training targets [rows; outputs], one row per input row.</param>
    /// <param name="options">The settings; the book's defaults when null.</param>
    /// <returns>The evaluations and how the fit ended.</returns>
    /// <exception cref="Core.ShapeMismatchException">when an array does not fit the network (ParamName names it).</exception>
    /// <exception cref="Core.InvalidValueException">when a setting is out of range (ParamName names the FitOptions property) or the data is empty or not finite.</exception>
    /// <exception cref="OperationCanceledException">when <see cref="FitOptions.Cancellation"/> is cancelled; the network keeps the parameters of the last completed batch.</exception>
    public FitResult Fit(float[,] x, float[,] y, FitOptions? options = null) =>
        Run<float>("Trainer.Fit", x, y, null, null, options, null);

    /// <summary>Trains on rows of features in single precision, evaluating on the validation set.</summary>
    /// <param name="x">Training inputs [rows; features].</param>
    /// <param name="y">Training targets [rows; outputs], one row per input row.</param>
    /// <param name="xValidation">Validation inputs, samples shaped as x's.</param>
    /// <param name="yValidation">Validation targets.</param>
    /// <param name="options">The settings; the book's defaults when null.</param>
    /// <returns>The evaluations and how the fit ended.</returns>
    /// <exception cref="Core.ShapeMismatchException">when an array does not fit the network (ParamName names it).</exception>
    /// <exception cref="Core.InvalidValueException">when a setting is out of range (ParamName names the FitOptions property) or the data is empty or not finite.</exception>
    /// <exception cref="OperationCanceledException">when <see cref="FitOptions.Cancellation"/> is cancelled; the network keeps the parameters of the last completed batch.</exception>
    public FitResult Fit(float[,] x, float[,] y, float[,] xValidation, float[,] yValidation, FitOptions? options = null) =>
        Run<float>("Trainer.Fit", x, y, xValidation, yValidation, options, null);

    /// <summary>
    /// Resumes the fit whose last checkpoint is <paramref name="checkpointPath"/> on rows of features in single precision: the same options, optimizer,
    /// network and data as the interrupted fit; it ends with the same parameters, bit for bit, as the fit uninterrupted.
    /// Further checkpoints are written to the same file.
    /// </summary>
    /// <param name="checkpointPath">The checkpoint the interrupted fit wrote (<see cref="FitOptions.Checkpoint"/>).</param>
    /// <param name="x">Training inputs [rows; features].</param>
    /// <param name="y">Training targets [rows; outputs].</param>
    /// <param name="options">The interrupted fit's settings.</param>
    /// <returns>The evaluations and how the fit ended.</returns>
    /// <exception cref="Core.DataFormatException">when the file is not a checkpoint of this network.</exception>
    /// <exception cref="Core.InvalidValueException">when it was written by a fit of other settings.</exception>
    /// <exception cref="OperationCanceledException">when <see cref="FitOptions.Cancellation"/> is cancelled.</exception>
    public FitResult Resume(string checkpointPath, float[,] x, float[,] y, FitOptions? options = null) =>
        Run<float>("Trainer.Resume", x, y, null, null, options, CheckPath(checkpointPath));

    /// <summary>
    /// Resumes the fit whose last checkpoint is <paramref name="checkpointPath"/> on rows of features in single precision, evaluating on the validation set: the same options, optimizer,
    /// network and data as the interrupted fit; it ends with the same parameters, bit for bit, as the fit uninterrupted.
    /// Further checkpoints are written to the same file.
    /// </summary>
    /// <param name="checkpointPath">The checkpoint the interrupted fit wrote (<see cref="FitOptions.Checkpoint"/>).</param>
    /// <param name="x">Training inputs [rows; features].</param>
    /// <param name="y">Training targets [rows; outputs].</param>
    /// <param name="xValidation">Validation inputs, samples shaped as x's.</param>
    /// <param name="yValidation">Validation targets.</param>
    /// <param name="options">The interrupted fit's settings.</param>
    /// <returns>The evaluations and how the fit ended.</returns>
    /// <exception cref="Core.DataFormatException">when the file is not a checkpoint of this network.</exception>
    /// <exception cref="Core.InvalidValueException">when it was written by a fit of other settings.</exception>
    /// <exception cref="OperationCanceledException">when <see cref="FitOptions.Cancellation"/> is cancelled.</exception>
    public FitResult Resume(string checkpointPath, float[,] x, float[,] y, float[,] xValidation, float[,] yValidation, FitOptions? options = null) =>
        Run<float>("Trainer.Resume", x, y, xValidation, yValidation, options, CheckPath(checkpointPath));

    /// <summary>Trains on sequences.</summary>
    /// <param name="x">Training inputs [rows; seq; features].</param>
    /// <param name="y">Training targets [rows; outputs], one row per input row.</param>
    /// <param name="options">The settings; the book's defaults when null.</param>
    /// <returns>The evaluations and how the fit ended.</returns>
    /// <exception cref="Core.ShapeMismatchException">when an array does not fit the network (ParamName names it).</exception>
    /// <exception cref="Core.InvalidValueException">when a setting is out of range (ParamName names the FitOptions property) or the data is empty or not finite.</exception>
    /// <exception cref="OperationCanceledException">when <see cref="FitOptions.Cancellation"/> is cancelled; the network keeps the parameters of the last completed batch.</exception>
    public FitResult Fit(double[,,] x, double[,] y, FitOptions? options = null) =>
        Run<double>("Trainer.Fit", x, y, null, null, options, null);

    /// <summary>Trains on sequences, evaluating on the validation set.</summary>
    /// <param name="x">Training inputs [rows; seq; features].</param>
    /// <param name="y">Training targets [rows; outputs], one row per input row.</param>
    /// <param name="xValidation">Validation inputs, samples shaped as x's.</param>
    /// <param name="yValidation">Validation targets.</param>
    /// <param name="options">The settings; the book's defaults when null.</param>
    /// <returns>The evaluations and how the fit ended.</returns>
    /// <exception cref="Core.ShapeMismatchException">when an array does not fit the network (ParamName names it).</exception>
    /// <exception cref="Core.InvalidValueException">when a setting is out of range (ParamName names the FitOptions property) or the data is empty or not finite.</exception>
    /// <exception cref="OperationCanceledException">when <see cref="FitOptions.Cancellation"/> is cancelled; the network keeps the parameters of the last completed batch.</exception>
    public FitResult Fit(double[,,] x, double[,] y, double[,,] xValidation, double[,] yValidation, FitOptions? options = null) =>
        Run<double>("Trainer.Fit", x, y, xValidation, yValidation, options, null);

    /// <summary>
    /// Resumes the fit whose last checkpoint is <paramref name="checkpointPath"/> on sequences: the same options, optimizer,
    /// network and data as the interrupted fit; it ends with the same parameters, bit for bit, as the fit uninterrupted.
    /// Further checkpoints are written to the same file.
    /// </summary>
    /// <param name="checkpointPath">The checkpoint the interrupted fit wrote (<see cref="FitOptions.Checkpoint"/>).</param>
    /// <param name="x">Training inputs [rows; seq; features].</param>
    /// <param name="y">Training targets [rows; outputs].</param>
    /// <param name="options">The interrupted fit's settings.</param>
    /// <returns>The evaluations and how the fit ended.</returns>
    /// <exception cref="Core.DataFormatException">when the file is not a checkpoint of this network.</exception>
    /// <exception cref="Core.InvalidValueException">when it was written by a fit of other settings.</exception>
    /// <exception cref="OperationCanceledException">when <see cref="FitOptions.Cancellation"/> is cancelled.</exception>
    public FitResult Resume(string checkpointPath, double[,,] x, double[,] y, FitOptions? options = null) =>
        Run<double>("Trainer.Resume", x, y, null, null, options, CheckPath(checkpointPath));

    /// <summary>
    /// Resumes the fit whose last checkpoint is <paramref name="checkpointPath"/> on sequences, evaluating on the validation set: the same options, optimizer,
    /// network and data as the interrupted fit; it ends with the same parameters, bit for bit, as the fit uninterrupted.
    /// Further checkpoints are written to the same file.
    /// </summary>
    /// <param name="checkpointPath">The checkpoint the interrupted fit wrote (<see cref="FitOptions.Checkpoint"/>).</param>
    /// <param name="x">Training inputs [rows; seq; features].</param>
    /// <param name="y">Training targets [rows; outputs].</param>
    /// <param name="xValidation">Validation inputs, samples shaped as x's.</param>
    /// <param name="yValidation">Validation targets.</param>
    /// <param name="options">The interrupted fit's settings.</param>
    /// <returns>The evaluations and how the fit ended.</returns>
    /// <exception cref="Core.DataFormatException">when the file is not a checkpoint of this network.</exception>
    /// <exception cref="Core.InvalidValueException">when it was written by a fit of other settings.</exception>
    /// <exception cref="OperationCanceledException">when <see cref="FitOptions.Cancellation"/> is cancelled.</exception>
    public FitResult Resume(string checkpointPath, double[,,] x, double[,] y, double[,,] xValidation, double[,] yValidation, FitOptions? options = null) =>
        Run<double>("Trainer.Resume", x, y, xValidation, yValidation, options, CheckPath(checkpointPath));

    /// <summary>Trains on sequences in single precision.</summary>
    /// <param name="x">Training inputs [rows; seq; features].</param>
    /// <param name="y">Training targets [rows; outputs], one row per input row.</param>
    /// <param name="options">The settings; the book's defaults when null.</param>
    /// <returns>The evaluations and how the fit ended.</returns>
    /// <exception cref="Core.ShapeMismatchException">when an array does not fit the network (ParamName names it).</exception>
    /// <exception cref="Core.InvalidValueException">when a setting is out of range (ParamName names the FitOptions property) or the data is empty or not finite.</exception>
    /// <exception cref="OperationCanceledException">when <see cref="FitOptions.Cancellation"/> is cancelled; the network keeps the parameters of the last completed batch.</exception>
    public FitResult Fit(float[,,] x, float[,] y, FitOptions? options = null) =>
        Run<float>("Trainer.Fit", x, y, null, null, options, null);

    /// <summary>Trains on sequences in single precision, evaluating on the validation set.</summary>
    /// <param name="x">Training inputs [rows; seq; features].</param>
    /// <param name="y">Training targets [rows; outputs], one row per input row.</param>
    /// <param name="xValidation">Validation inputs, samples shaped as x's.</param>
    /// <param name="yValidation">Validation targets.</param>
    /// <param name="options">The settings; the book's defaults when null.</param>
    /// <returns>The evaluations and how the fit ended.</returns>
    /// <exception cref="Core.ShapeMismatchException">when an array does not fit the network (ParamName names it).</exception>
    /// <exception cref="Core.InvalidValueException">when a setting is out of range (ParamName names the FitOptions property) or the data is empty or not finite.</exception>
    /// <exception cref="OperationCanceledException">when <see cref="FitOptions.Cancellation"/> is cancelled; the network keeps the parameters of the last completed batch.</exception>
    public FitResult Fit(float[,,] x, float[,] y, float[,,] xValidation, float[,] yValidation, FitOptions? options = null) =>
        Run<float>("Trainer.Fit", x, y, xValidation, yValidation, options, null);

    /// <summary>
    /// Resumes the fit whose last checkpoint is <paramref name="checkpointPath"/> on sequences in single precision: the same options, optimizer,
    /// network and data as the interrupted fit; it ends with the same parameters, bit for bit, as the fit uninterrupted.
    /// Further checkpoints are written to the same file.
    /// </summary>
    /// <param name="checkpointPath">The checkpoint the interrupted fit wrote (<see cref="FitOptions.Checkpoint"/>).</param>
    /// <param name="x">Training inputs [rows; seq; features].</param>
    /// <param name="y">Training targets [rows; outputs].</param>
    /// <param name="options">The interrupted fit's settings.</param>
    /// <returns>The evaluations and how the fit ended.</returns>
    /// <exception cref="Core.DataFormatException">when the file is not a checkpoint of this network.</exception>
    /// <exception cref="Core.InvalidValueException">when it was written by a fit of other settings.</exception>
    /// <exception cref="OperationCanceledException">when <see cref="FitOptions.Cancellation"/> is cancelled.</exception>
    public FitResult Resume(string checkpointPath, float[,,] x, float[,] y, FitOptions? options = null) =>
        Run<float>("Trainer.Resume", x, y, null, null, options, CheckPath(checkpointPath));

    /// <summary>
    /// Resumes the fit whose last checkpoint is <paramref name="checkpointPath"/> on sequences in single precision, evaluating on the validation set: the same options, optimizer,
    /// network and data as the interrupted fit; it ends with the same parameters, bit for bit, as the fit uninterrupted.
    /// Further checkpoints are written to the same file.
    /// </summary>
    /// <param name="checkpointPath">The checkpoint the interrupted fit wrote (<see cref="FitOptions.Checkpoint"/>).</param>
    /// <param name="x">Training inputs [rows; seq; features].</param>
    /// <param name="y">Training targets [rows; outputs].</param>
    /// <param name="xValidation">Validation inputs, samples shaped as x's.</param>
    /// <param name="yValidation">Validation targets.</param>
    /// <param name="options">The interrupted fit's settings.</param>
    /// <returns>The evaluations and how the fit ended.</returns>
    /// <exception cref="Core.DataFormatException">when the file is not a checkpoint of this network.</exception>
    /// <exception cref="Core.InvalidValueException">when it was written by a fit of other settings.</exception>
    /// <exception cref="OperationCanceledException">when <see cref="FitOptions.Cancellation"/> is cancelled.</exception>
    public FitResult Resume(string checkpointPath, float[,,] x, float[,] y, float[,,] xValidation, float[,] yValidation, FitOptions? options = null) =>
        Run<float>("Trainer.Resume", x, y, xValidation, yValidation, options, CheckPath(checkpointPath));

    /// <summary>Trains on sequences with targets at every step.</summary>
    /// <param name="x">Training inputs [rows; seq; features].</param>
    /// <param name="y">Training targets [rows; seq; outputs], one row per input row.</param>
    /// <param name="options">The settings; the book's defaults when null.</param>
    /// <returns>The evaluations and how the fit ended.</returns>
    /// <exception cref="Core.ShapeMismatchException">when an array does not fit the network (ParamName names it).</exception>
    /// <exception cref="Core.InvalidValueException">when a setting is out of range (ParamName names the FitOptions property) or the data is empty or not finite.</exception>
    /// <exception cref="OperationCanceledException">when <see cref="FitOptions.Cancellation"/> is cancelled; the network keeps the parameters of the last completed batch.</exception>
    public FitResult Fit(double[,,] x, double[,,] y, FitOptions? options = null) =>
        Run<double>("Trainer.Fit", x, y, null, null, options, null);

    /// <summary>Trains on sequences with targets at every step, evaluating on the validation set.</summary>
    /// <param name="x">Training inputs [rows; seq; features].</param>
    /// <param name="y">Training targets [rows; seq; outputs], one row per input row.</param>
    /// <param name="xValidation">Validation inputs, samples shaped as x's.</param>
    /// <param name="yValidation">Validation targets.</param>
    /// <param name="options">The settings; the book's defaults when null.</param>
    /// <returns>The evaluations and how the fit ended.</returns>
    /// <exception cref="Core.ShapeMismatchException">when an array does not fit the network (ParamName names it).</exception>
    /// <exception cref="Core.InvalidValueException">when a setting is out of range (ParamName names the FitOptions property) or the data is empty or not finite.</exception>
    /// <exception cref="OperationCanceledException">when <see cref="FitOptions.Cancellation"/> is cancelled; the network keeps the parameters of the last completed batch.</exception>
    public FitResult Fit(double[,,] x, double[,,] y, double[,,] xValidation, double[,,] yValidation, FitOptions? options = null) =>
        Run<double>("Trainer.Fit", x, y, xValidation, yValidation, options, null);

    /// <summary>
    /// Resumes the fit whose last checkpoint is <paramref name="checkpointPath"/> on sequences with targets at every step: the same options, optimizer,
    /// network and data as the interrupted fit; it ends with the same parameters, bit for bit, as the fit uninterrupted.
    /// Further checkpoints are written to the same file.
    /// </summary>
    /// <param name="checkpointPath">The checkpoint the interrupted fit wrote (<see cref="FitOptions.Checkpoint"/>).</param>
    /// <param name="x">Training inputs [rows; seq; features].</param>
    /// <param name="y">Training targets [rows; seq; outputs].</param>
    /// <param name="options">The interrupted fit's settings.</param>
    /// <returns>The evaluations and how the fit ended.</returns>
    /// <exception cref="Core.DataFormatException">when the file is not a checkpoint of this network.</exception>
    /// <exception cref="Core.InvalidValueException">when it was written by a fit of other settings.</exception>
    /// <exception cref="OperationCanceledException">when <see cref="FitOptions.Cancellation"/> is cancelled.</exception>
    public FitResult Resume(string checkpointPath, double[,,] x, double[,,] y, FitOptions? options = null) =>
        Run<double>("Trainer.Resume", x, y, null, null, options, CheckPath(checkpointPath));

    /// <summary>
    /// Resumes the fit whose last checkpoint is <paramref name="checkpointPath"/> on sequences with targets at every step, evaluating on the validation set: the same options, optimizer,
    /// network and data as the interrupted fit; it ends with the same parameters, bit for bit, as the fit uninterrupted.
    /// Further checkpoints are written to the same file.
    /// </summary>
    /// <param name="checkpointPath">The checkpoint the interrupted fit wrote (<see cref="FitOptions.Checkpoint"/>).</param>
    /// <param name="x">Training inputs [rows; seq; features].</param>
    /// <param name="y">Training targets [rows; seq; outputs].</param>
    /// <param name="xValidation">Validation inputs, samples shaped as x's.</param>
    /// <param name="yValidation">Validation targets.</param>
    /// <param name="options">The interrupted fit's settings.</param>
    /// <returns>The evaluations and how the fit ended.</returns>
    /// <exception cref="Core.DataFormatException">when the file is not a checkpoint of this network.</exception>
    /// <exception cref="Core.InvalidValueException">when it was written by a fit of other settings.</exception>
    /// <exception cref="OperationCanceledException">when <see cref="FitOptions.Cancellation"/> is cancelled.</exception>
    public FitResult Resume(string checkpointPath, double[,,] x, double[,,] y, double[,,] xValidation, double[,,] yValidation, FitOptions? options = null) =>
        Run<double>("Trainer.Resume", x, y, xValidation, yValidation, options, CheckPath(checkpointPath));

    /// <summary>Trains on sequences with targets at every step in single precision.</summary>
    /// <param name="x">Training inputs [rows; seq; features].</param>
    /// <param name="y">Training targets [rows; seq; outputs], one row per input row.</param>
    /// <param name="options">The settings; the book's defaults when null.</param>
    /// <returns>The evaluations and how the fit ended.</returns>
    /// <exception cref="Core.ShapeMismatchException">when an array does not fit the network (ParamName names it).</exception>
    /// <exception cref="Core.InvalidValueException">when a setting is out of range (ParamName names the FitOptions property) or the data is empty or not finite.</exception>
    /// <exception cref="OperationCanceledException">when <see cref="FitOptions.Cancellation"/> is cancelled; the network keeps the parameters of the last completed batch.</exception>
    public FitResult Fit(float[,,] x, float[,,] y, FitOptions? options = null) =>
        Run<float>("Trainer.Fit", x, y, null, null, options, null);

    /// <summary>Trains on sequences with targets at every step in single precision, evaluating on the validation set.</summary>
    /// <param name="x">Training inputs [rows; seq; features].</param>
    /// <param name="y">Training targets [rows; seq; outputs], one row per input row.</param>
    /// <param name="xValidation">Validation inputs, samples shaped as x's.</param>
    /// <param name="yValidation">Validation targets.</param>
    /// <param name="options">The settings; the book's defaults when null.</param>
    /// <returns>The evaluations and how the fit ended.</returns>
    /// <exception cref="Core.ShapeMismatchException">when an array does not fit the network (ParamName names it).</exception>
    /// <exception cref="Core.InvalidValueException">when a setting is out of range (ParamName names the FitOptions property) or the data is empty or not finite.</exception>
    /// <exception cref="OperationCanceledException">when <see cref="FitOptions.Cancellation"/> is cancelled; the network keeps the parameters of the last completed batch.</exception>
    public FitResult Fit(float[,,] x, float[,,] y, float[,,] xValidation, float[,,] yValidation, FitOptions? options = null) =>
        Run<float>("Trainer.Fit", x, y, xValidation, yValidation, options, null);

    /// <summary>
    /// Resumes the fit whose last checkpoint is <paramref name="checkpointPath"/> on sequences with targets at every step in single precision: the same options, optimizer,
    /// network and data as the interrupted fit; it ends with the same parameters, bit for bit, as the fit uninterrupted.
    /// Further checkpoints are written to the same file.
    /// </summary>
    /// <param name="checkpointPath">The checkpoint the interrupted fit wrote (<see cref="FitOptions.Checkpoint"/>).</param>
    /// <param name="x">Training inputs [rows; seq; features].</param>
    /// <param name="y">Training targets [rows; seq; outputs].</param>
    /// <param name="options">The interrupted fit's settings.</param>
    /// <returns>The evaluations and how the fit ended.</returns>
    /// <exception cref="Core.DataFormatException">when the file is not a checkpoint of this network.</exception>
    /// <exception cref="Core.InvalidValueException">when it was written by a fit of other settings.</exception>
    /// <exception cref="OperationCanceledException">when <see cref="FitOptions.Cancellation"/> is cancelled.</exception>
    public FitResult Resume(string checkpointPath, float[,,] x, float[,,] y, FitOptions? options = null) =>
        Run<float>("Trainer.Resume", x, y, null, null, options, CheckPath(checkpointPath));

    /// <summary>
    /// Resumes the fit whose last checkpoint is <paramref name="checkpointPath"/> on sequences with targets at every step in single precision, evaluating on the validation set: the same options, optimizer,
    /// network and data as the interrupted fit; it ends with the same parameters, bit for bit, as the fit uninterrupted.
    /// Further checkpoints are written to the same file.
    /// </summary>
    /// <param name="checkpointPath">The checkpoint the interrupted fit wrote (<see cref="FitOptions.Checkpoint"/>).</param>
    /// <param name="x">Training inputs [rows; seq; features].</param>
    /// <param name="y">Training targets [rows; seq; outputs].</param>
    /// <param name="xValidation">Validation inputs, samples shaped as x's.</param>
    /// <param name="yValidation">Validation targets.</param>
    /// <param name="options">The interrupted fit's settings.</param>
    /// <returns>The evaluations and how the fit ended.</returns>
    /// <exception cref="Core.DataFormatException">when the file is not a checkpoint of this network.</exception>
    /// <exception cref="Core.InvalidValueException">when it was written by a fit of other settings.</exception>
    /// <exception cref="OperationCanceledException">when <see cref="FitOptions.Cancellation"/> is cancelled.</exception>
    public FitResult Resume(string checkpointPath, float[,,] x, float[,,] y, float[,,] xValidation, float[,,] yValidation, FitOptions? options = null) =>
        Run<float>("Trainer.Resume", x, y, xValidation, yValidation, options, CheckPath(checkpointPath));

    /// <summary>Trains on images.</summary>
    /// <param name="x">Training inputs [rows; channels; h; w].</param>
    /// <param name="y">Training targets [rows; outputs], one row per input row.</param>
    /// <param name="options">The settings; the book's defaults when null.</param>
    /// <returns>The evaluations and how the fit ended.</returns>
    /// <exception cref="Core.ShapeMismatchException">when an array does not fit the network (ParamName names it).</exception>
    /// <exception cref="Core.InvalidValueException">when a setting is out of range (ParamName names the FitOptions property) or the data is empty or not finite.</exception>
    /// <exception cref="OperationCanceledException">when <see cref="FitOptions.Cancellation"/> is cancelled; the network keeps the parameters of the last completed batch.</exception>
    public FitResult Fit(double[,,,] x, double[,] y, FitOptions? options = null) =>
        Run<double>("Trainer.Fit", x, y, null, null, options, null);

    /// <summary>Trains on images, evaluating on the validation set.</summary>
    /// <param name="x">Training inputs [rows; channels; h; w].</param>
    /// <param name="y">Training targets [rows; outputs], one row per input row.</param>
    /// <param name="xValidation">Validation inputs, samples shaped as x's.</param>
    /// <param name="yValidation">Validation targets.</param>
    /// <param name="options">The settings; the book's defaults when null.</param>
    /// <returns>The evaluations and how the fit ended.</returns>
    /// <exception cref="Core.ShapeMismatchException">when an array does not fit the network (ParamName names it).</exception>
    /// <exception cref="Core.InvalidValueException">when a setting is out of range (ParamName names the FitOptions property) or the data is empty or not finite.</exception>
    /// <exception cref="OperationCanceledException">when <see cref="FitOptions.Cancellation"/> is cancelled; the network keeps the parameters of the last completed batch.</exception>
    public FitResult Fit(double[,,,] x, double[,] y, double[,,,] xValidation, double[,] yValidation, FitOptions? options = null) =>
        Run<double>("Trainer.Fit", x, y, xValidation, yValidation, options, null);

    /// <summary>
    /// Resumes the fit whose last checkpoint is <paramref name="checkpointPath"/> on images: the same options, optimizer,
    /// network and data as the interrupted fit; it ends with the same parameters, bit for bit, as the fit uninterrupted.
    /// Further checkpoints are written to the same file.
    /// </summary>
    /// <param name="checkpointPath">The checkpoint the interrupted fit wrote (<see cref="FitOptions.Checkpoint"/>).</param>
    /// <param name="x">Training inputs [rows; channels; h; w].</param>
    /// <param name="y">Training targets [rows; outputs].</param>
    /// <param name="options">The interrupted fit's settings.</param>
    /// <returns>The evaluations and how the fit ended.</returns>
    /// <exception cref="Core.DataFormatException">when the file is not a checkpoint of this network.</exception>
    /// <exception cref="Core.InvalidValueException">when it was written by a fit of other settings.</exception>
    /// <exception cref="OperationCanceledException">when <see cref="FitOptions.Cancellation"/> is cancelled.</exception>
    public FitResult Resume(string checkpointPath, double[,,,] x, double[,] y, FitOptions? options = null) =>
        Run<double>("Trainer.Resume", x, y, null, null, options, CheckPath(checkpointPath));

    /// <summary>
    /// Resumes the fit whose last checkpoint is <paramref name="checkpointPath"/> on images, evaluating on the validation set: the same options, optimizer,
    /// network and data as the interrupted fit; it ends with the same parameters, bit for bit, as the fit uninterrupted.
    /// Further checkpoints are written to the same file.
    /// </summary>
    /// <param name="checkpointPath">The checkpoint the interrupted fit wrote (<see cref="FitOptions.Checkpoint"/>).</param>
    /// <param name="x">Training inputs [rows; channels; h; w].</param>
    /// <param name="y">Training targets [rows; outputs].</param>
    /// <param name="xValidation">Validation inputs, samples shaped as x's.</param>
    /// <param name="yValidation">Validation targets.</param>
    /// <param name="options">The interrupted fit's settings.</param>
    /// <returns>The evaluations and how the fit ended.</returns>
    /// <exception cref="Core.DataFormatException">when the file is not a checkpoint of this network.</exception>
    /// <exception cref="Core.InvalidValueException">when it was written by a fit of other settings.</exception>
    /// <exception cref="OperationCanceledException">when <see cref="FitOptions.Cancellation"/> is cancelled.</exception>
    public FitResult Resume(string checkpointPath, double[,,,] x, double[,] y, double[,,,] xValidation, double[,] yValidation, FitOptions? options = null) =>
        Run<double>("Trainer.Resume", x, y, xValidation, yValidation, options, CheckPath(checkpointPath));

    /// <summary>Trains on images in single precision.</summary>
    /// <param name="x">Training inputs [rows; channels; h; w].</param>
    /// <param name="y">Training targets [rows; outputs], one row per input row.</param>
    /// <param name="options">The settings; the book's defaults when null.</param>
    /// <returns>The evaluations and how the fit ended.</returns>
    /// <exception cref="Core.ShapeMismatchException">when an array does not fit the network (ParamName names it).</exception>
    /// <exception cref="Core.InvalidValueException">when a setting is out of range (ParamName names the FitOptions property) or the data is empty or not finite.</exception>
    /// <exception cref="OperationCanceledException">when <see cref="FitOptions.Cancellation"/> is cancelled; the network keeps the parameters of the last completed batch.</exception>
    public FitResult Fit(float[,,,] x, float[,] y, FitOptions? options = null) =>
        Run<float>("Trainer.Fit", x, y, null, null, options, null);

    /// <summary>Trains on images in single precision, evaluating on the validation set.</summary>
    /// <param name="x">Training inputs [rows; channels; h; w].</param>
    /// <param name="y">Training targets [rows; outputs], one row per input row.</param>
    /// <param name="xValidation">Validation inputs, samples shaped as x's.</param>
    /// <param name="yValidation">Validation targets.</param>
    /// <param name="options">The settings; the book's defaults when null.</param>
    /// <returns>The evaluations and how the fit ended.</returns>
    /// <exception cref="Core.ShapeMismatchException">when an array does not fit the network (ParamName names it).</exception>
    /// <exception cref="Core.InvalidValueException">when a setting is out of range (ParamName names the FitOptions property) or the data is empty or not finite.</exception>
    /// <exception cref="OperationCanceledException">when <see cref="FitOptions.Cancellation"/> is cancelled; the network keeps the parameters of the last completed batch.</exception>
    public FitResult Fit(float[,,,] x, float[,] y, float[,,,] xValidation, float[,] yValidation, FitOptions? options = null) =>
        Run<float>("Trainer.Fit", x, y, xValidation, yValidation, options, null);

    /// <summary>
    /// Resumes the fit whose last checkpoint is <paramref name="checkpointPath"/> on images in single precision: the same options, optimizer,
    /// network and data as the interrupted fit; it ends with the same parameters, bit for bit, as the fit uninterrupted.
    /// Further checkpoints are written to the same file.
    /// </summary>
    /// <param name="checkpointPath">The checkpoint the interrupted fit wrote (<see cref="FitOptions.Checkpoint"/>).</param>
    /// <param name="x">Training inputs [rows; channels; h; w].</param>
    /// <param name="y">Training targets [rows; outputs].</param>
    /// <param name="options">The interrupted fit's settings.</param>
    /// <returns>The evaluations and how the fit ended.</returns>
    /// <exception cref="Core.DataFormatException">when the file is not a checkpoint of this network.</exception>
    /// <exception cref="Core.InvalidValueException">when it was written by a fit of other settings.</exception>
    /// <exception cref="OperationCanceledException">when <see cref="FitOptions.Cancellation"/> is cancelled.</exception>
    public FitResult Resume(string checkpointPath, float[,,,] x, float[,] y, FitOptions? options = null) =>
        Run<float>("Trainer.Resume", x, y, null, null, options, CheckPath(checkpointPath));

    /// <summary>
    /// Resumes the fit whose last checkpoint is <paramref name="checkpointPath"/> on images in single precision, evaluating on the validation set: the same options, optimizer,
    /// network and data as the interrupted fit; it ends with the same parameters, bit for bit, as the fit uninterrupted.
    /// Further checkpoints are written to the same file.
    /// </summary>
    /// <param name="checkpointPath">The checkpoint the interrupted fit wrote (<see cref="FitOptions.Checkpoint"/>).</param>
    /// <param name="x">Training inputs [rows; channels; h; w].</param>
    /// <param name="y">Training targets [rows; outputs].</param>
    /// <param name="xValidation">Validation inputs, samples shaped as x's.</param>
    /// <param name="yValidation">Validation targets.</param>
    /// <param name="options">The interrupted fit's settings.</param>
    /// <returns>The evaluations and how the fit ended.</returns>
    /// <exception cref="Core.DataFormatException">when the file is not a checkpoint of this network.</exception>
    /// <exception cref="Core.InvalidValueException">when it was written by a fit of other settings.</exception>
    /// <exception cref="OperationCanceledException">when <see cref="FitOptions.Cancellation"/> is cancelled.</exception>
    public FitResult Resume(string checkpointPath, float[,,,] x, float[,] y, float[,,,] xValidation, float[,] yValidation, FitOptions? options = null) =>
        Run<float>("Trainer.Resume", x, y, xValidation, yValidation, options, CheckPath(checkpointPath));

    private static string CheckPath(string checkpointPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(checkpointPath);
        return checkpointPath;
    }

    /// <summary>e.g. "Trainer(NeuralNetwork(...), SGD(learningRate: 0.01))".</summary>
    public override string ToString() => $"Trainer({Network}, {Optimizer})";
}
