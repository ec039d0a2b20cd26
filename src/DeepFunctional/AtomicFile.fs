namespace DeepFunctional

open System
open System.IO

/// Files written whole or not at all, for every file the library writes (model files,
/// checkpoints, ONNX graphs, character models): a temporary file beside the target is written,
/// flushed to the disk and renamed over it, so the target holds the old file or the new one,
/// never a part of either; the temporary is removed whatever fails. Paths are checked first,
/// and `checkWritable` lets a caller fail before long work whose result it means to save.
[<RequireQualifiedAccess>]
module AtomicFile =

    /// Whether a file name (or path) is one of the temporaries that `write` and `checkWritable`
    /// create beside their target: `.` + the target's name + `.` + 32 hexadecimal digits +
    /// `.tmp`. Never a model's name; one left by a killed writer can be deleted when no write
    /// is running.
    let isTemporary (path: string) =
        match Path.GetFileName path with
        | null -> false
        | name when not (name.StartsWith '.' && name.EndsWith ".tmp") -> false
        | name ->
            let core = name.Substring(0, name.Length - 4)
            let dot = core.LastIndexOf '.'
            dot > 0 && core.Length - dot - 1 = 32 && core.Substring(dot + 1) |> Seq.forall Char.IsAsciiHexDigitLower

    /// A fresh temporary path beside `full` (see `isTemporary`).
    let internal temporaryPath (full: string) =
        let dir = match Path.GetDirectoryName full with null -> "." | d -> d
        let name = match Path.GetFileName full with null -> "" | n -> n
        // A long target name is cut, so that the temporary's name stays within file system limits.
        let stem = if name.Length > 100 then name.Substring(0, 100) else name
        Path.Combine(dir, sprintf ".%s.%s.tmp" stem (Guid.NewGuid().ToString("N")))

    /// The full path of a write target whose folder exists.
    /// <exception cref="FileWriteException">when the path is not a file path in an existing folder.</exception>
    let target (path: string) : string =
        if isNull (box path) then raise (FileWriteException("(null)", "is not a path"))
        let full =
            try Path.GetFullPath path
            with
            | :? ArgumentException
            | :? NotSupportedException
            | :? PathTooLongException -> raise (FileWriteException(path, "is not a valid file path"))
        if Directory.Exists full then raise (FileWriteException(path, "is a folder; give the path of a file inside it"))
        if String.IsNullOrEmpty(Path.GetFileName full) then raise (FileWriteException(path, "names a folder, not a file"))
        match Path.GetDirectoryName full with
        | null -> raise (FileWriteException(path, "has no folder to write into"))
        | dir when not (Directory.Exists dir) -> raise (FileWriteException(path, sprintf "cannot be written: its folder %s does not exist" dir))
        | _ -> ()
        if OperatingSystem.IsWindows() && File.Exists full && (File.GetAttributes full).HasFlag FileAttributes.ReadOnly then
            raise (FileWriteException(path, "is a read-only file"))
        full

    /// An I/O failure while writing `path`, as a FileWriteException naming it.
    let private writeFailure (path: string) (e: exn) : exn =
        match e with
        | :? FileWriteException -> e
        | :? UnauthorizedAccessException -> FileWriteException(path, sprintf "cannot be written: permission denied (%s)" e.Message, e)
        | :? IOException -> FileWriteException(path, sprintf "could not be written (%s)" e.Message, e)
        | _ -> e

    /// Creates a temporary file for writing; `write` uses it, tests replace it.
    let internal createTemporary (temp: string) : Stream =
        new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 <<< 16)

    /// `write` with the opening of the temporary file given, so that tests can make it fail.
    let internal writeWith (openTemporary: string -> Stream) (path: string) (emit: Stream -> unit) : unit =
        let full = target path
        let temp = temporaryPath full
        try
            try
                (use stream = openTemporary temp
                 emit stream
                 match stream with
                 | :? FileStream as f -> f.Flush(true)
                 | s -> s.Flush())
                File.Move(temp, full, true)
            with
            | :? IOException | :? UnauthorizedAccessException as e -> raise (writeFailure path e)
        finally
            // After a successful move there is no temporary; after any failure, remove it.
            try
                if File.Exists temp then File.Delete temp
            with
            | :? IOException | :? UnauthorizedAccessException -> ()

    /// Writes what `emit` writes to a stream into the file at `path`, atomically (see the module).
    /// <exception cref="FileWriteException">naming the path, when it is a folder, its folder is
    /// missing or not writable, or writing fails (disk full, ...); nothing is left behind.</exception>
    let write (path: string) (emit: Stream -> unit) : unit = writeWith createTemporary path emit

    /// Writes bytes to the file at `path`, atomically.
    /// <exception cref="FileWriteException">as for `write`.</exception>
    let writeBytes (path: string) (bytes: byte[]) : unit = write path (fun s -> s.Write(bytes, 0, bytes.Length))

    /// Checks cheaply that `write` could create `path` now: it is not a folder, its folder
    /// exists, and a file can be created in that folder (a temporary is created and removed).
    /// For callers to fail fast, before long work whose result they mean to save.
    /// <exception cref="FileWriteException">naming the path and what is wrong; nothing is left behind.</exception>
    let checkWritable (path: string) : unit =
        let full = target path
        let probe = temporaryPath full
        try
            try
                (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose)).Dispose()
            with
            | :? IOException | :? UnauthorizedAccessException as e -> raise (writeFailure path e)
        finally
            try
                if File.Exists probe then File.Delete probe
            with
            | :? IOException | :? UnauthorizedAccessException -> ()
