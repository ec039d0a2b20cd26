using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.FSharp.Collections;
using Microsoft.FSharp.Core;
using Core = global::DeepFunctional;

namespace DeepFunctional.CSharp;

/// <summary>Conversions between the facade's arrays and the core's tensors and F# collections.</summary>
internal static class Interop
{
    /// <summary>A 2-D array as a core matrix (copied).</summary>
    internal static Core.Tensor<T> ToTensor<T>(T[,] a) => Core.Tensor.ofArray2D(a);

    /// <summary>A core matrix as a fresh 2-D array.</summary>
    internal static T[,] ToArray<T>(Core.Tensor<T> t) => Core.Tensor.toArray2D(t);

    /// <summary>An array of any rank as a core tensor of the same shape (copied).</summary>
    internal static Core.Tensor<T> ToTensor<T>(Array a)
    {
        if (a is T[,] matrix)
            return ToTensor(matrix);
        var data = new T[a.Length];
        Elements<T>(a).CopyTo(data);
        return Core.Tensor.wrap(Guard.Dimensions(a), data);
    }

    /// <summary>A core tensor of rank 4 as a fresh 4-D array.</summary>
    internal static T[,,,] ToArray4D<T>(Core.Tensor<T> t)
    {
        var dims = t.Dims;
        if (dims.Length != 4)
            throw new ShapeMismatchException("Interop.ToArray4D", "a tensor of rank 4", Guard.Format(dims));
        var a = new T[dims[0], dims[1], dims[2], dims[3]];
        t.Data.AsSpan().CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.As<byte, T>(ref MemoryMarshal.GetArrayDataReference(a)), a.Length));
        return a;
    }

    /// <summary>A core tensor of rank 1 as a fresh array.</summary>
    internal static T[] ToArray1D<T>(Core.Tensor<T> t) => t.ToArray();

    /// <summary>The elements of an array of any rank, row-major, without copying.</summary>
    internal static ReadOnlySpan<T> Elements<T>(Array a) =>
        MemoryMarshal.CreateReadOnlySpan(ref Unsafe.As<byte, T>(ref MemoryMarshal.GetArrayDataReference(a)), a.Length);

    /// <summary>A core tensor converted to the other precision (or the same one).</summary>
    internal static Core.Tensor<TOut> Convert<TIn, TOut>(Core.Tensor<TIn> t)
        where TIn : struct, INumberBase<TIn>
        where TOut : struct, INumberBase<TOut> =>
        Core.Tensor.convert<TIn, TOut>(t);

    /// <summary>A sequence as an F# list.</summary>
    internal static FSharpList<T> List<T>(IEnumerable<T> items) => ListModule.OfSeq(items);

    /// <summary>An F# list as an array.</summary>
    internal static T[] Array<T>(FSharpList<T> list) => list.ToArray();

    /// <summary>The value of an F# option, or null.</summary>
    internal static T? ValueOrNull<T>(FSharpOption<T>? option) where T : struct =>
        FSharpOption<T>.get_IsSome(option) ? option!.Value : null;

    /// <summary>The value of an F# option of a reference type, or null.</summary>
    internal static T? RefOrNull<T>(FSharpOption<T>? option) where T : class =>
        FSharpOption<T>.get_IsSome(option) ? option!.Value : null;
}
