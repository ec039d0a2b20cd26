namespace DeepFunctional

open System
open System.IO

/// Raised when a tensor's shape does not fit an operation. The message names the
/// operation, the shape it expected and the shape it got; `ParamName` is the caller's
/// parameter that holds the mis-shaped value, when the operation knows it.
type ShapeMismatchException(operation: string, expected: string, actual: string, paramName: string | null) =
    inherit ArgumentException(sprintf "%s: expected %s, got %s" operation expected actual, paramName)
    /// Without a parameter name.
    new(operation: string, expected: string, actual: string) = ShapeMismatchException(operation, expected, actual, null)
    /// The operation that refused its input, such as `WeightMultiply.forward`.
    member _.Operation = operation
    /// What the operation expected, in words and numbers.
    member _.Expected = expected
    /// What the operation got.
    member _.Actual = actual

/// Raised when a value is out of the range an operation accepts (a negative size,
/// a learning rate that is not finite, a NaN in the data, ...). `ParamName` is the caller's
/// parameter that holds the value, when the operation knows it.
type InvalidValueException(operation: string, expected: string, actual: string, paramName: string | null) =
    inherit ArgumentOutOfRangeException(paramName, sprintf "%s: expected %s, got %s" operation expected actual)
    /// Without a parameter name.
    new(operation: string, expected: string, actual: string) = InvalidValueException(operation, expected, actual, null)
    /// The operation that refused the value.
    member _.Operation = operation
    /// What the operation expected.
    member _.Expected = expected
    /// What the operation got.
    member _.Actual = actual

/// Raised when a data file or text cannot be read: names the source, the line and
/// the column (both 1-based; 0 when the fault is not in one place) and what is wrong.
type DataFormatException(source: string, line: int, column: int, problem: string) =
    inherit FormatException(
        if line > 0 && column > 0 then sprintf "%s, line %d, column %d: %s" source line column problem
        elif line > 0 then sprintf "%s, line %d: %s" source line problem
        else sprintf "%s: %s" source problem)
    /// Where the data came from (a file path or a resource name). (Exception's own `Source`
    /// names the assembly that threw, so this one has another name.)
    member _.SourceName = source
    /// The 1-based line of the fault, or 0.
    member _.Line = line
    /// The 1-based column of the fault, or 0.
    member _.Column = column
    /// What is wrong there.
    member _.Problem = problem

/// Raised when a file cannot be written where the caller asked (the path is a folder, its
/// folder is missing or not writable, the disk is full, ...): names the path and what is
/// wrong. An `IOException`, so code that handles I/O failures handles this one too.
type FileWriteException(path: string, problem: string, inner: exn | null) =
    inherit IOException(sprintf "%s: %s" path problem, inner)
    /// A failure found by a check of the library's own, with no underlying exception.
    new(path: string, problem: string) = FileWriteException(path, problem, null)
    /// The path the caller asked to write.
    member _.Path = path
    /// What is wrong with writing there.
    member _.Problem = problem

/// A value of a caller's that the library holds inside its settings (a custom loss, seeding,
/// early-stopping strategy or initialisation): it compares, hashes and prints by its name, so
/// settings holding it keep structural equality.
[<AbstractClass>]
type Named(name: string) =
    /// The name it compares by.
    member _.Name = name
    /// Equal when the other value is a `Named` of the same name.
    override _.Equals(other: obj) = match other with :? Named as n -> n.Name = name | _ -> false
    /// Consistent with `Equals`.
    override _.GetHashCode() = hash name
    /// The name.
    override _.ToString() = name
