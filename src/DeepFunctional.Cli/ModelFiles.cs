using System;
using System.IO;
using System.Numerics;

namespace DeepFunctional.Cli;

/// <summary>What to do with a model read from a file, in whichever precision the file holds.</summary>
internal interface IModelVisitor<out TResult>
{
    /// <summary>A model file of the core (safetensors with the model's metadata).</summary>
    TResult Visit<T>(string path, SavedModel<T> model) where T : IFloatingPointIeee754<T>;

    /// <summary>An old character-model file (<c>.dfcm</c>, format version 1).</summary>
    TResult VisitCharModel<T>(string path, CharModel<T> model) where T : IFloatingPointIeee754<T>;
}

/// <summary>Reading model files of either kind and precision, with one-line failures naming <c>--model</c>.</summary>
internal static class ModelFiles
{
    /// <summary>The first bytes of an old character-model file.</summary>
    private static readonly byte[] CharModelMagic = "DFCHARMODEL"u8.ToArray();

    /// <summary>Whether the file starts as an old character model does, and then whether it holds single precision.</summary>
    internal static (bool IsCharModel, bool Single) Sniff(string path)
    {
        using var stream = File.OpenRead(path);
        var head = new byte[CharModelMagic.Length + 5];
        int n = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        if (n < CharModelMagic.Length || !head.AsSpan(0, CharModelMagic.Length).SequenceEqual(CharModelMagic))
            return (false, false);
        return (true, n == head.Length && head[^1] == 4);
    }

    /// <summary>Reads the model in <paramref name="path"/> in its own precision and hands it to the visitor.</summary>
    /// <exception cref="RunFailedException">when the file is missing, unreadable or not a model file.</exception>
    internal static TResult Visit<TResult>(string path, IModelVisitor<TResult> visitor, string option = "--model")
    {
        var (isCharModel, single) = Files.Read(option, path, () => Sniff(path));
        if (isCharModel)
            return single
                ? visitor.VisitCharModel(path, Files.Read(option, path, () => CharModel.load<float>(path)))
                : visitor.VisitCharModel(path, Files.Read(option, path, () => CharModel.load<double>(path)));
        string precision = Files.Read(option, path, () => ModelFile.precision(path));
        return precision == "float32"
            ? visitor.Visit(path, Files.Read(option, path, () => ModelFile.load<float>(path)))
            : visitor.Visit(path, Files.Read(option, path, () => ModelFile.load<double>(path)));
    }
}
