using System.Collections.Generic;
using System.Linq;
using System.Numerics;
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
