namespace DeepFunctional

open System
open System.IO

/// Raised when a tensor's shape does not fit an operation. The message names the
/// operation, the shape it expected and the shape it got.
type ShapeMismatchException(operation: string, expected: string, actual: string) =
    inherit ArgumentException(sprintf "%s: expected %s, got %s" operation expected actual)
    /// The operation that refused its input, such as `WeightMultiply.forward`.
    member _.Operation = operation
    /// What the operation expected, in words and numbers.
    member _.Expected = expected
    /// What the operation got.
    member _.Actual = actual

/// Raised when a value is out of the range an operation accepts (a negative size,
/// a learning rate that is not finite, a NaN in the data, ...).
type InvalidValueException(operation: string, expected: string, actual: string) =
    inherit ArgumentOutOfRangeException(operation, sprintf "%s: expected %s, got %s" operation expected actual)
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
    /// Where the data came from (a file path or a resource name).
    member _.Source' = source
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
