namespace DeepFunctional.CSharp;

/// <summary>The floating-point type a network computes and stores its parameters in.</summary>
public enum Precision
{
    /// <summary>32-bit floats (<c>float</c>).</summary>
    Single,

    /// <summary>64-bit floats (<c>double</c>), the book's precision.</summary>
    Double,
}
