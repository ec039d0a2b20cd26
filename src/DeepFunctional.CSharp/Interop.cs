using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.FSharp.Collections;
using Microsoft.FSharp.Core;
using Core = DeepFunctional;

namespace DeepFunctional.CSharp;

/// <summary>Conversions between the facade's .NET values and the core's F# values; internal.</summary>
internal static class Interop
{
    /// <summary>An F# list of the items.</summary>
    internal static FSharpList<T> List<T>(IEnumerable<T> items) => ListModule.OfSeq(items);

    /// <summary>Some value, or None for null.</summary>
    internal static FSharpOption<T> Option<T>(T? value) where T : class =>
        value is null ? FSharpOption<T>.None : FSharpOption<T>.Some(value);

    /// <summary>Some value, or None for null.</summary>
    internal static FSharpOption<T> Option<T>(T? value) where T : struct =>
        value is { } v ? FSharpOption<T>.Some(v) : FSharpOption<T>.None;

    /// <summary>The value of an option, or null.</summary>
    internal static T? ValueOrNull<T>(FSharpOption<T>? option) where T : struct =>
        FSharpOption<T>.get_IsSome(option) ? option!.Value : null;

    /// <summary>The dimensions of an array of any rank.</summary>
    internal static int[] Dimensions(Array a)
    {
        var dims = new int[a.Rank];
        for (int i = 0; i < dims.Length; i++)
            dims[i] = a.GetLength(i);
        return dims;
    }

    /// <summary>The elements of an array of any rank, row-major.</summary>
    internal static Span<T> Elements<T>(Array a) =>
        MemoryMarshal.CreateSpan(ref Unsafe.As<byte, T>(ref MemoryMarshal.GetArrayDataReference(a)), a.Length);

    /// <summary>A tensor with a copy of an array's elements and its shape.</summary>
    internal static Core.Tensor<T> Tensor<T>(Array a) => Core.Tensor.create(Dimensions(a), Elements<T>(a).ToArray());

    /// <summary>A new array of the tensor's rank and shape with a copy of its elements.</summary>
    internal static Array ToArray<T>(Core.Tensor<T> t)
    {
        var a = Array.CreateInstance(typeof(T), t.Shape);
        t.AsSpan().CopyTo(Elements<T>(a));
        return a;
    }

    /// <summary>The precision of an element type.</summary>
    internal static Precision PrecisionOf<T>() =>
        typeof(T) == typeof(float) ? Precision.Single
        : typeof(T) == typeof(double) ? Precision.Double
        : throw new NotSupportedException($"DeepFunctional computes in float or double, not {typeof(T).Name}");

    /// <summary>A shape as the core formats it, e.g. [2; 3].</summary>
    internal static string Format(IEnumerable<int> shape) => "[" + string.Join("; ", shape) + "]";
}
