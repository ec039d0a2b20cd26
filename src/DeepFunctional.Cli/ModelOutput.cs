using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Numerics;
using Microsoft.FSharp.Collections;
using Microsoft.FSharp.Core;

namespace DeepFunctional.Cli;

/// <summary>Writing a trained model with <c>--save</c> (the core's model file) and <c>--onnx</c> (ONNX export).</summary>
internal static class ModelOutput
{
    /// <summary>The provenance of a run of this program: the library version, the seed, the epochs and the final numbers.</summary>
    internal static Provenance Provenance(long? seed, int? epochs, IEnumerable<(string Name, double Value)> finalLosses) =>
        new(ModelFile.libraryVersion,
            seed is long s ? FSharpOption<long>.Some(s) : FSharpOption<long>.None,
            epochs is int e ? FSharpOption<int>.Some(e) : FSharpOption<int>.None,
            ListModule.OfSeq(finalLosses.Select(f => System.Tuple.Create(f.Name, f.Value))));

    /// <summary>A saved model with the given preprocessing and provenance.</summary>
    internal static SavedModel<T> With<T>(SavedModel<T> model, Preprocessing preprocessing, FSharpOption<string[]>? classes, Provenance provenance) =>
        new(model.Network, model.InputShape, preprocessing, classes!, model.Vocabulary, provenance);

    /// <summary>An image classifier trained on raw 0..255 pixels standardised as the book does.</summary>
    internal static SavedModel<T> Classifier<T>(NeuralNetwork<T> network, ImageTrainTest images, ClassificationData<T> data, long seed, int epochs,
        IEnumerable<(string, double)> finals, bool asImages = false)
    {
        int[] shape = asImages ? [1, images.TrainSet.Rows, images.TrainSet.Cols] : [images.TrainSet.Rows * images.TrainSet.Cols];
        var classes = Enumerable.Range(0, data.Classes).Select(c => Text.Integer(c)).ToArray();
        return With(ModelFile.ofNetwork(shape, network), Preprocessing.NewPixels(data.Statistics),
            FSharpOption<string[]>.Some(classes), Provenance(seed, epochs, finals));
    }

    /// <summary>Writes the model where the settings ask (paths checked before training) and says so on stdout.</summary>
    internal static void Write<T>(ModelOutputSettings settings, TextWriter stdout, SavedModel<T> model) where T : IFloatingPointIeee754<T> =>
        Write(settings.SaveFile, settings.OnnxFile, stdout, model);

    /// <summary>Writes the model to the files given (either may be null) and says so on stdout.</summary>
    internal static void Write<T>(string? saveFile, string? onnxFile, TextWriter stdout, SavedModel<T> model) where T : IFloatingPointIeee754<T>
    {
        if (saveFile is string save)
        {
            Files.Write("--save", save, () => ModelFile.save(save, model));
            stdout.WriteLine($"Model saved to {save}");
        }
        if (onnxFile is string onnx)
        {
            Files.Write("--onnx", onnx, () => DeepFunctional.Onnx.Onnx.export(onnx, model));
            stdout.WriteLine($"ONNX model written to {onnx}");
        }
    }
}
