namespace DeepFunctional

open System
open System.Buffers.Binary
open System.Collections.Generic
open System.IO
open System.Runtime.InteropServices
open System.Security.Cryptography
open System.Text
open System.Text.Encodings.Web
open System.Text.Json

/// The element types of a safetensors tensor that the library reads and writes: every type the
/// format names whose elements are whole bytes, except the 8-bit floats and complex numbers.
[<RequireQualifiedAccess>]
type DType =
    /// IEEE 754 double precision, 8 bytes (`"F64"`; .NET `float`).
    | F64
    /// IEEE 754 single precision, 4 bytes (`"F32"`; .NET `float32`).
    | F32
    /// IEEE 754 half precision, 2 bytes (`"F16"`; .NET `Half`).
    | F16
    /// bfloat16, 2 bytes (`"BF16"`; no .NET type: read its bytes).
    | BF16
    /// Signed 64-bit integer (`"I64"`; .NET `int64`).
    | I64
    /// Signed 32-bit integer (`"I32"`; .NET `int`).
    | I32
    /// Signed 16-bit integer (`"I16"`; .NET `int16`).
    | I16
    /// Signed 8-bit integer (`"I8"`; .NET `sbyte`).
    | I8
    /// Unsigned 64-bit integer (`"U64"`; .NET `uint64`).
    | U64
    /// Unsigned 32-bit integer (`"U32"`; .NET `uint32`).
    | U32
    /// Unsigned 16-bit integer (`"U16"`; .NET `uint16`).
    | U16
    /// Unsigned 8-bit integer (`"U8"`; .NET `byte`).
    | U8
    /// A truth value in one byte, 0 or 1 (`"BOOL"`; .NET `bool`).
    | Bool

/// The names, sizes and .NET types of the element types.
[<RequireQualifiedAccess>]
module DType =

    /// Every element type, largest element first.
    let all = [ DType.F64; DType.I64; DType.U64; DType.F32; DType.I32; DType.U32
                DType.F16; DType.BF16; DType.I16; DType.U16; DType.I8; DType.U8; DType.Bool ]

    /// The name a safetensors header gives the type, such as `"F32"`.
    let name (t: DType) =
        match t with
        | DType.F64 -> "F64" | DType.F32 -> "F32" | DType.F16 -> "F16" | DType.BF16 -> "BF16"
        | DType.I64 -> "I64" | DType.I32 -> "I32" | DType.I16 -> "I16" | DType.I8 -> "I8"
        | DType.U64 -> "U64" | DType.U32 -> "U32" | DType.U16 -> "U16" | DType.U8 -> "U8"
        | DType.Bool -> "BOOL"

    /// The bytes one element takes.
    let size (t: DType) =
        match t with
        | DType.F64 | DType.I64 | DType.U64 -> 8
        | DType.F32 | DType.I32 | DType.U32 -> 4
        | DType.F16 | DType.BF16 | DType.I16 | DType.U16 -> 2
        | DType.I8 | DType.U8 | DType.Bool -> 1

    /// The type a header name stands for (case-sensitive, as the format spells it), if the
    /// library reads it.
    let tryParse (name': string) = all |> List.tryFind (fun t -> name t = name')

    /// The element type that stores .NET values of type `ty`, if there is one.
    let tryOfType (ty: Type) =
        if ty = typeof<float> then Some DType.F64
        elif ty = typeof<float32> then Some DType.F32
        elif ty = typeof<Half> then Some DType.F16
        elif ty = typeof<int64> then Some DType.I64
        elif ty = typeof<int> then Some DType.I32
        elif ty = typeof<int16> then Some DType.I16
        elif ty = typeof<sbyte> then Some DType.I8
        elif ty = typeof<uint64> then Some DType.U64
        elif ty = typeof<uint32> then Some DType.U32
        elif ty = typeof<uint16> then Some DType.U16
        elif ty = typeof<byte> then Some DType.U8
        elif ty = typeof<bool> then Some DType.Bool
        else None

/// One named tensor of a safetensors file: element type, shape (outermost first) and the
/// elements' raw little-endian bytes in row-major order. Immutable: the bytes are copied in
/// and never written afterwards.
[<Sealed>]
type TensorEntry internal (name: string, dtype: DType, shape: int[], bytes: byte[]) =
    /// The tensor's name: its key in the header.
    member _.Name = name
    /// The element type.
    member _.DType = dtype
    /// The dimensions, outermost first (a fresh copy on each call; empty for a scalar).
    member _.Shape: int[] = Array.copy shape
    /// The dimensions without a copy, for the library's own use.
    member internal _.Dims: int[] = shape
    /// The bytes without a copy, for the library's own use. Never written.
    member internal _.Data: byte[] = bytes
    /// The number of elements (0 when a dimension is 0; 1 for a scalar).
    member _.Count = bytes.Length / DType.size dtype
    /// The number of bytes the elements take.
    member _.ByteLength = bytes.Length
    /// A read-only view of the raw bytes.
    member _.AsSpan() = ReadOnlySpan<byte>(bytes)
    /// A copy of the raw bytes.
    member _.ToArray() = Array.copy bytes
    /// The name, element type and shape, such as `dense0.W F32 784x50`.
    override _.ToString() = sprintf "%s %s %s" name (DType.name dtype) (Shape.format shape)

/// What a safetensors file holds, as `SafeTensors.read` returns it.
type TensorFile =
    { /// Where the bytes came from: the path, or the name given to `readBytes` or `readStream`.
      Source: string
      /// The string-to-string metadata of the header, without the checksums of the container.
      Metadata: Map<string, string>
      /// The tensors, in the order their bytes appear in the file.
      Entries: TensorEntry list }

/// The safetensors file container: the one file format the library stores tensors in, and that
/// other tools (the `safetensors` package of Python, Rust, ...) read without code of ours.
///
/// **The format.** 8 bytes: N, the header length, an unsigned little-endian 64-bit integer.
/// Then N bytes of header, a UTF-8 JSON object that begins with `{` and may be padded at the end
/// with spaces. Its keys are tensor names, each mapped to
/// `{"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}`, plus an optional
/// `"__metadata__"` object mapping strings to strings. Then the data section: every tensor's
/// elements, little-endian and row-major, at bytes `begin .. end - 1` counted from the first
/// byte after the header; `end - begin` is the element count times the element size. A scalar
/// has shape `[]`; a tensor with a 0 dimension takes no bytes.
///
/// **What `write` adds.** It pads the header with spaces to a multiple of 8 bytes and stores the
/// tensors largest element first (keeping the caller's order among equal sizes), so that every
/// tensor's bytes are aligned to its element size, as the reference writer does. `__metadata__`
/// comes first in the header and begins with two checksums, both lowercase hexadecimal SHA-256
/// digests of 64 characters:
///
/// - `deepfunctional.header_sha256` (`HeaderChecksumKey`), the first key of `__metadata__`, so
///   that the header begins with exactly `{"__metadata__":{"deepfunctional.header_sha256":"`
///   followed by the digest. It is the SHA-256 of the file from its first byte to the last byte
///   of the header (length prefix, JSON, padding) with the 64 digest characters themselves
///   replaced by 64 ASCII zeros (`'0'`). It covers every byte before the data section but its own
///   64 characters; and a change to those is seen because the digest no longer matches the
///   zeroed bytes, whose digest has not changed.
/// - `deepfunctional.data_sha256` (`DataChecksumKey`), the SHA-256 of the whole data section.
///   Being inside the header, it is itself covered by the header checksum.
///
/// A single changed byte anywhere (length prefix, JSON, metadata strings, padding, tensor bytes)
/// therefore changes a digested message or a digest, and `read` refuses the file; so does a file
/// cut short or lengthened (the tensors must cover the data section exactly). The checksums
/// guard against damage, not against forgery: anyone can recompute them.
///
/// **Reading** treats the bytes as hostile: the header length is checked against the bytes there
/// are and `MaxHeaderBytes`; the JSON against its depth, duplicate keys and the exact form above;
/// every dimension is a non-negative integer, the byte count of each tensor is computed with
/// overflow checks and must equal its `end - begin`; the tensors must follow one another in header
/// order from byte 0 with no gap or overlap, and end where the file ends; then both checksums are
/// compared. Only then are the tensors' bytes read, so no number in the file makes the reader
/// allocate more than the file holds. Every fault raises `DataFormatException` naming the source
/// and the fault.
///
/// **Writing** is atomic: `write` writes a hidden temporary file beside the target (its name
/// begins with `.` and ends with `.tmp`, see `isTemporary`), flushes it to the disk, and renames
/// it over the target, so the target holds the old file or the new one, never a part. A failed
/// write removes its temporary; one killed mid-write may leave it behind, and readers of the
/// target never see it.
[<RequireQualifiedAccess>]
module SafeTensors =

    /// The largest header `read` accepts and `write` produces, in bytes (the reference
    /// implementation's limit).
    [<Literal>]
    let MaxHeaderBytes = 100_000_000

    /// The `__metadata__` key of the header checksum (see the module's documentation).
    [<Literal>]
    let HeaderChecksumKey = "deepfunctional.header_sha256"

    /// The `__metadata__` key of the data checksum (see the module's documentation).
    [<Literal>]
    let DataChecksumKey = "deepfunctional.data_sha256"

    /// The key of the metadata object in the header.
    [<Literal>]
    let private MetadataKey = "__metadata__"

    /// JSON nesting the header may have. The format needs three levels (header, tensor, shape);
    /// the reader refuses anything nested deeper than it expects anyway, this only caps the
    /// work of the JSON parser on hostile input.
    [<Literal>]
    let private MaxJsonDepth = 8

    /// Length of a SHA-256 digest in hexadecimal.
    [<Literal>]
    let private DigestChars = 64

    /// The bytes every header written by `write` begins with; the header digest follows them.
    let private headerStart = Encoding.UTF8.GetBytes(sprintf "{\"%s\":{\"%s\":\"" MetadataKey HeaderChecksumKey)

    // --- entries ---------------------------------------------------------------------------

    /// The elements of a shape, or None when the count overflows 64 bits. Any 0 dimension
    /// makes the count 0, however large the others.
    let private tryCount (dims: int64[]) : int64 option =
        if Array.contains 0L dims then Some 0L
        else
            dims |> Array.fold (fun acc d ->
                match acc with
                | Some a when a <= Int64.MaxValue / d -> Some (a * d)
                | _ -> None) (Some 1L)

    /// Bytes of a tensor of this shape and type, or None when the count overflows 64 bits.
    let private tryByteCount (dtype: DType) (dims: int64[]) : int64 option =
        let size = int64 (DType.size dtype)
        match tryCount dims with
        | Some c when c <= Int64.MaxValue / size -> Some (c * size)
        | _ -> None

    /// Whether a string is well-formed UTF-16 (no lone surrogate), so that UTF-8 can hold it.
    let private isWellFormed (s: string) =
        let mutable ok = true
        let mutable i = 0
        while ok && i < s.Length do
            let c = s.[i]
            if Char.IsHighSurrogate c && i + 1 < s.Length && Char.IsLowSurrogate s.[i + 1] then i <- i + 2
            elif Char.IsSurrogate c then ok <- false
            else i <- i + 1
        ok

    /// A string for a message: at most 60 characters, control characters escaped.
    let private show (s: string) =
        let cut = if s.Length > 60 then s.Substring(0, 57) + "..." else s
        let b = StringBuilder("'")
        for c in cut do
            if Char.IsControl c || Char.IsSurrogate c then b.AppendFormat("\\u{0:X4}", int c) |> ignore
            else b.Append(c) |> ignore
        b.Append("'").ToString()

    /// Reverses the bytes of every element in place (little-endian ↔ the machine's order).
    let private swapElements (size: int) (bytes: byte[]) =
        if size > 1 then
            for i in 0 .. size .. bytes.Length - size do
                Array.Reverse(bytes, i, size)

    /// A tensor entry of raw little-endian bytes, copied.
    /// <exception cref="InvalidValueException">when the name is null, `__metadata__`, or not well-formed Unicode.</exception>
    /// <exception cref="ShapeMismatchException">when a dimension is negative, or the byte count is not the element count of the shape times the element size.</exception>
    let entry (name: string) (dtype: DType) (shape: int[]) (bytes: byte[]) : TensorEntry =
        let op = "SafeTensors.entry"
        if isNull (box name) then raise (InvalidValueException(op, "a tensor name", "null"))
        if name = MetadataKey then raise (InvalidValueException(op, "a tensor name other than __metadata__, which the format keeps for the metadata", show name))
        if not (isWellFormed name) then raise (InvalidValueException(op, "a tensor name of well-formed Unicode (no lone surrogate)", show name))
        if isNull (box shape) then raise (InvalidValueException(op, "a shape", "null"))
        if isNull (box bytes) then raise (InvalidValueException(op, "the tensor's bytes", "null"))
        Shape.checkValid op shape
        let expected = tryByteCount dtype (Array.map int64 shape)
        if expected <> Some (int64 bytes.Length) then
            let wanted = match expected with Some b -> sprintf "%d bytes" b | None -> "more bytes than 64 bits count"
            raise (ShapeMismatchException(op, sprintf "%s for %s of shape %s" wanted (DType.name dtype) (Shape.format shape), sprintf "%d bytes for tensor %s" bytes.Length (show name)))
        TensorEntry(name, dtype, Array.copy shape, Array.copy bytes)

    /// A tensor entry holding a copy of `values` (row-major) as the element type of 'T:
    /// `float` → F64, `float32` → F32, `Half` → F16, `int64` → I64, `int` → I32, `int16` → I16,
    /// `sbyte` → I8, `uint64` → U64, `uint32` → U32, `uint16` → U16, `byte` → U8, `bool` → BOOL.
    /// <exception cref="InvalidValueException">when 'T is none of those, or the name is not acceptable (see `entry`).</exception>
    /// <exception cref="ShapeMismatchException">when the element count does not match the shape.</exception>
    let ofArray<'T when 'T: unmanaged and 'T: struct and 'T: (new: unit -> 'T) and 'T :> ValueType>
        (name: string) (shape: int[]) (values: 'T[]) : TensorEntry =
        let op = "SafeTensors.ofArray"
        let dtype =
            match DType.tryOfType typeof<'T> with
            | Some t -> t
            | None -> raise (InvalidValueException(op, "elements of a type a safetensors file holds (float, float32, Half, integers, bool)", typeof<'T>.Name))
        if isNull (box values) then raise (InvalidValueException(op, "an array of values", "null"))
        let bytes =
            if dtype = DType.Bool then values |> Array.map (fun v -> if unbox<bool> (box v) then 1uy else 0uy)
            else MemoryMarshal.AsBytes(ReadOnlySpan<'T>(values)).ToArray()
        if not BitConverter.IsLittleEndian then swapElements (DType.size dtype) bytes
        entry name dtype shape bytes

    /// A copy of the elements as .NET values of type 'T, which must be the type of the entry's
    /// element type (see `ofArray`); a BOOL byte other than 0 reads as true.
    /// <exception cref="InvalidValueException">when 'T is not the .NET type of the entry's element type.</exception>
    let toArray<'T when 'T: unmanaged and 'T: struct and 'T: (new: unit -> 'T) and 'T :> ValueType> (e: TensorEntry) : 'T[] =
        if DType.tryOfType typeof<'T> <> Some e.DType then
            raise (InvalidValueException("SafeTensors.toArray", sprintf "the element type of tensor %s, which is %s" (show e.Name) (DType.name e.DType), sprintf "elements of type %s" typeof<'T>.Name))
        if e.DType = DType.Bool then e.Data |> Array.map (fun b -> unbox<'T> (box (b <> 0uy)))
        elif BitConverter.IsLittleEndian then MemoryMarshal.Cast<byte, 'T>(ReadOnlySpan<byte>(e.Data)).ToArray()
        else
            let swapped = Array.copy e.Data
            swapElements (DType.size e.DType) swapped
            MemoryMarshal.Cast<byte, 'T>(ReadOnlySpan<byte>(swapped)).ToArray()

    /// A tensor entry holding a copy of a tensor: F64 for `Tensor<float>`, F32 for `Tensor<float32>`.
    /// <exception cref="InvalidValueException">when the element type has no safetensors type, or the name is not acceptable (see `entry`).</exception>
    let ofTensor<'T when 'T: unmanaged and 'T: struct and 'T: (new: unit -> 'T) and 'T :> ValueType> (name: string) (t: Tensor<'T>) : TensorEntry =
        ofArray name t.Dims t.Data

    /// The entry as a tensor of its shape (`Tensor<float>` for F64, `Tensor<float32>` for F32).
    /// <exception cref="InvalidValueException">when 'T is not the .NET type of the entry's element type.</exception>
    let toTensor<'T when 'T: unmanaged and 'T: struct and 'T: (new: unit -> 'T) and 'T :> ValueType> (e: TensorEntry) : Tensor<'T> =
        Tensor.wrap (Array.copy e.Dims) (toArray<'T> e)

    /// The entry of that name, if the file has one.
    let tryFind (name: string) (file: TensorFile) : TensorEntry option =
        file.Entries |> List.tryFind (fun e -> e.Name = name)

    /// The entry of that name.
    /// <exception cref="DataFormatException">naming the file, when it has no tensor of that name.</exception>
    let find (name: string) (file: TensorFile) : TensorEntry =
        match tryFind name file with
        | Some e -> e
        | None -> raise (DataFormatException(file.Source, 0, 0, sprintf "has no tensor named %s" (show name)))

    /// The elements of the tensor of that name, which must have the element type of 'T and
    /// the given shape: what a model loader asks of a file.
    /// <exception cref="DataFormatException">naming the file and the tensor, when there is no such tensor or its element type or shape differ.</exception>
    /// <exception cref="InvalidValueException">when 'T has no safetensors element type.</exception>
    let findArray<'T when 'T: unmanaged and 'T: struct and 'T: (new: unit -> 'T) and 'T :> ValueType>
        (name: string) (shape: int[]) (file: TensorFile) : 'T[] =
        let e = find name file
        let dtype =
            match DType.tryOfType typeof<'T> with
            | Some t -> t
            | None -> raise (InvalidValueException("SafeTensors.findArray", "elements of a type a safetensors file holds", typeof<'T>.Name))
        let fail problem = raise (DataFormatException(file.Source, 0, 0, sprintf "tensor %s %s" (show name) problem))
        if e.DType <> dtype then fail (sprintf "holds %s elements where %s belong" (DType.name e.DType) (DType.name dtype))
        if e.Dims <> shape then fail (sprintf "has shape %s where %s belongs" (Shape.format e.Dims) (Shape.format shape))
        toArray<'T> e

    // --- writing ---------------------------------------------------------------------------

    /// A file image ready to be written: length prefix and header (checksums in place), then
    /// the tensors in the order of their bytes.
    type private Image = { Prefix: byte[]; Header: byte[]; Entries: TensorEntry list }

    /// Checks metadata and entries and lays out the file.
    let private prepare (op: string) (metadata: Map<string, string>) (entries: TensorEntry list) : Image =
        if isNull (box metadata) then raise (InvalidValueException(op, "a metadata map", "null"))
        if isNull (box entries) then raise (InvalidValueException(op, "a list of tensor entries", "null"))
        for KeyValue(k, v) in metadata do
            if isNull (box k) || isNull (box v) then raise (InvalidValueException(op, "metadata keys and values that are not null", "null"))
            if k = HeaderChecksumKey || k = DataChecksumKey then
                raise (InvalidValueException(op, sprintf "metadata keys other than %s and %s, which hold the container's checksums" HeaderChecksumKey DataChecksumKey, show k))
            if not (isWellFormed k && isWellFormed v) then
                raise (InvalidValueException(op, "metadata of well-formed Unicode (no lone surrogate)", sprintf "key %s" (show k)))
        let seen = HashSet<string>(StringComparer.Ordinal)
        for e in entries do
            if isNull (box e) then raise (InvalidValueException(op, "tensor entries", "null"))
            if not (seen.Add e.Name) then raise (InvalidValueException(op, "distinct tensor names", sprintf "tensor %s twice" (show e.Name)))
        // Largest element first, the caller's order otherwise (List.sortWith is stable): with a
        // header of a multiple of 8 bytes every tensor then starts at a multiple of its element size.
        let ordered = entries |> List.sortWith (fun a b -> compare (DType.size b.DType) (DType.size a.DType))
        let dataDigest =
            use h = IncrementalHash.CreateHash HashAlgorithmName.SHA256
            for e in ordered do h.AppendData e.Data
            Convert.ToHexStringLower(h.GetHashAndReset())
        let json =
            use buffer = new MemoryStream()
            use w = new Utf8JsonWriter(buffer, JsonWriterOptions(Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping))
            w.WriteStartObject()
            w.WriteStartObject(MetadataKey)
            w.WriteString(HeaderChecksumKey, String('0', DigestChars))
            w.WriteString(DataChecksumKey, dataDigest)
            for KeyValue(k, v) in metadata do w.WriteString(k, v)
            w.WriteEndObject()
            let mutable offset = 0L
            for e in ordered do
                w.WriteStartObject(e.Name)
                w.WriteString("dtype", DType.name e.DType)
                w.WriteStartArray("shape")
                for d in e.Dims do w.WriteNumberValue d
                w.WriteEndArray()
                w.WriteStartArray("data_offsets")
                w.WriteNumberValue offset
                offset <- offset + int64 e.Data.Length
                w.WriteNumberValue offset
                w.WriteEndArray()
                w.WriteEndObject()
            w.WriteEndObject()
            w.Flush()
            buffer.ToArray()
        let padded = (json.Length + 7) / 8 * 8
        if padded > MaxHeaderBytes then
            raise (InvalidValueException(op, sprintf "a header of at most %d bytes" MaxHeaderBytes, sprintf "%d bytes of names, shapes and metadata" padded))
        let header = Array.create padded (byte ' ')
        json.CopyTo(header, 0)
        let prefix = Array.zeroCreate<byte> 8
        BinaryPrimitives.WriteUInt64LittleEndian(Span<byte>(prefix), uint64 padded)
        let headerDigest = SHA256.HashData(ReadOnlySpan<byte>(Array.append prefix header))
        Encoding.ASCII.GetBytes(Convert.ToHexStringLower headerDigest).CopyTo(header, headerStart.Length)
        { Prefix = prefix; Header = header; Entries = ordered }

    /// Writes an image to a stream.
    let private emit (stream: Stream) (image: Image) =
        stream.Write(image.Prefix, 0, image.Prefix.Length)
        stream.Write(image.Header, 0, image.Header.Length)
        for e in image.Entries do stream.Write(e.Data, 0, e.Data.Length)

    /// Writes the safetensors form of the metadata and entries to a stream, at its position.
    /// Checks everything before writing a byte.
    /// <exception cref="InvalidValueException">when two entries share a name, a metadata key is one of the checksum keys, a string is not well-formed Unicode, or the header would exceed `MaxHeaderBytes`.</exception>
    let writeStream (stream: Stream) (metadata: Map<string, string>) (entries: TensorEntry list) : unit =
        if isNull (box stream) then raise (InvalidValueException("SafeTensors.writeStream", "a stream", "null"))
        emit stream (prepare "SafeTensors.writeStream" metadata entries)

    /// The safetensors form of the metadata and entries, as `write` would store it.
    /// <exception cref="InvalidValueException">as for `writeStream`.</exception>
    let toBytes (metadata: Map<string, string>) (entries: TensorEntry list) : byte[] =
        use buffer = new MemoryStream()
        emit buffer (prepare "SafeTensors.toBytes" metadata entries)
        buffer.ToArray()

    /// Whether a file name (or path) is one of the temporaries that `write` and `checkWritable`
    /// create beside their target (see `AtomicFile.isTemporary`).
    let isTemporary (path: string) = AtomicFile.isTemporary path

    /// A fresh temporary path beside `full` (see `AtomicFile.isTemporary`).
    let internal temporaryPath (full: string) = AtomicFile.temporaryPath full

    /// Creates a temporary file for writing; `write` uses it, tests replace it.
    let internal createTemporary (temp: string) : Stream = AtomicFile.createTemporary temp

    /// `write` with the opening of the temporary file given, so that tests can make it fail.
    let internal writeWith (openTemporary: string -> Stream) (path: string) (metadata: Map<string, string>) (entries: TensorEntry list) : unit =
        let image = prepare "SafeTensors.write" metadata entries
        AtomicFile.writeWith openTemporary path (fun stream -> emit stream image)

    /// Writes the metadata and entries to a safetensors file at `path`, replacing any file there
    /// atomically (`AtomicFile`): `path` holds the old file or the new one, never a part of either.
    /// Checks the entries and metadata before touching the disk.
    /// <exception cref="InvalidValueException">as for `writeStream`.</exception>
    /// <exception cref="FileWriteException">naming the path, when it is a folder, its folder is missing or not writable, or writing fails (disk full, ...); nothing is left behind.</exception>
    let write (path: string) (metadata: Map<string, string>) (entries: TensorEntry list) : unit =
        writeWith createTemporary path metadata entries

    /// Checks cheaply that `write` could create `path` now (`AtomicFile.checkWritable`).
    /// <exception cref="FileWriteException">naming the path and what is wrong; nothing is left behind.</exception>
    let checkWritable (path: string) : unit = AtomicFile.checkWritable path

    // --- reading ---------------------------------------------------------------------------

    /// A tensor as the header describes it, before its bytes are read.
    type private Described = { Name: string; DType: DType; Dims: int[]; Begin: int64; End: int64 }

    /// Reads exactly buffer.Length bytes, or fails as a file cut short.
    let private readExactly (fail: string -> unit) (stream: Stream) (buffer: byte[]) =
        try stream.ReadExactly(buffer, 0, buffer.Length)
        with :? EndOfStreamException -> fail "ends before the end its header announces (the file is cut short or shrank while being read)"

    /// Parses and checks the header JSON: the tensors in header order and the metadata.
    let private parseHeader (fail: string -> exn) (header: byte[]) : Described list * (string * string) list =
        let doc =
            try JsonDocument.Parse(ReadOnlyMemory<byte>(header), JsonDocumentOptions(MaxDepth = MaxJsonDepth))
            with :? JsonException as e -> raise (fail (sprintf "the header is not well-formed JSON nested at most %d deep (%s)" MaxJsonDepth e.Message))
        use _ = doc
        let root = doc.RootElement
        if root.ValueKind <> JsonValueKind.Object then raise (fail "the header is not a JSON object")
        // A name or string with an escaped lone surrogate cannot become a .NET string.
        let text (what: string) (get: unit -> string | null) : string =
            let s = try get () with :? InvalidOperationException -> raise (fail (sprintf "%s is not well-formed Unicode (an escaped lone surrogate)" what))
            match s with
            | null -> raise (fail (sprintf "%s is null" what))
            | s -> s
        let properties (what: string) (o: JsonElement) =
            let seen = HashSet<string>(StringComparer.Ordinal)
            [ for p in o.EnumerateObject() do
                let name = text (sprintf "a key of %s" what) (fun () -> p.Name)
                if not (seen.Add name) then raise (fail (sprintf "%s has the key %s twice" what (show name)))
                yield name, p.Value ]
        let wholeNumber (what: string) (e: JsonElement) : int64 =
            let mutable v = 0L
            if e.ValueKind <> JsonValueKind.Number || not (e.TryGetInt64(&v)) then
                raise (fail (sprintf "%s is %s, not a whole number" what (e.GetRawText() |> show)))
            if v < 0L then raise (fail (sprintf "%s is negative (%d)" what v))
            v
        let describe (name: string) (v: JsonElement) : Described =
            let what = sprintf "tensor %s" (show name)
            if v.ValueKind <> JsonValueKind.Object then raise (fail (sprintf "%s is described by %s, not by an object" what (v.ValueKind.ToString().ToLowerInvariant())))
            let fields = properties what v
            for f, _ in fields do
                if f <> "dtype" && f <> "shape" && f <> "data_offsets" then
                    raise (fail (sprintf "%s has the field %s; a tensor has only dtype, shape and data_offsets" what (show f)))
            let field (f: string) =
                match fields |> List.tryFind (fun (k, _) -> k = f) with
                | Some (_, x) -> x
                | None -> raise (fail (sprintf "%s has no %s" what f))
            let dt = field "dtype"
            if dt.ValueKind <> JsonValueKind.String then raise (fail (sprintf "%s has a dtype that is not a string" what))
            let dtName = text (sprintf "the dtype of %s" what) (fun () -> dt.GetString())
            let dtype =
                match DType.tryParse dtName with
                | Some t -> t
                | None -> raise (fail (sprintf "%s has dtype %s, which the library does not read (it reads %s)" what (show dtName) (DType.all |> List.map DType.name |> String.concat ", ")))
            let sh = field "shape"
            if sh.ValueKind <> JsonValueKind.Array then raise (fail (sprintf "%s has a shape that is not an array" what))
            let dims = [| for d in sh.EnumerateArray() -> wholeNumber (sprintf "a dimension of %s" what) d |]
            for d in dims do
                if d > int64 Int32.MaxValue then raise (fail (sprintf "%s has the dimension %d, larger than the library's limit of %d" what d Int32.MaxValue))
            let off = field "data_offsets"
            if off.ValueKind <> JsonValueKind.Array || off.GetArrayLength() <> 2 then
                raise (fail (sprintf "%s has data_offsets that are not an array [begin, end]" what))
            let b = wholeNumber (sprintf "the begin offset of %s" what) off.[0]
            let e = wholeNumber (sprintf "the end offset of %s" what) off.[1]
            match tryByteCount dtype dims with
            | None -> raise (fail (sprintf "%s has shape %s, whose byte count overflows 64 bits" what (dims |> Array.map string |> String.concat "x")))
            | Some bytes when e < b || e - b <> bytes ->
                raise (fail (sprintf "%s spans bytes %d..%d (%d bytes), but %s of shape %s take %d bytes" what b e (e - b) (DType.name dtype) (dims |> Array.map string |> String.concat "x") bytes))
            | Some bytes when bytes > int64 Array.MaxLength ->
                raise (fail (sprintf "%s takes %d bytes, more than one .NET array holds" what bytes))
            | Some _ -> { Name = name; DType = dtype; Dims = Array.map int dims; Begin = b; End = e }
        let entries = properties "the header" root
        let metadata =
            match entries |> List.tryFind (fun (k, _) -> k = MetadataKey) with
            | None -> raise (fail "the header has no __metadata__, so not the checksums the library writes (not a file of this library, or its header is damaged)")
            | Some (_, v) when v.ValueKind <> JsonValueKind.Object -> raise (fail "__metadata__ is not an object of strings")
            | Some (_, v) ->
                [ for k, x in properties "__metadata__" v do
                    if x.ValueKind <> JsonValueKind.String then
                        raise (fail (sprintf "the metadata value of %s is %s, not a string" (show k) (x.ValueKind.ToString().ToLowerInvariant())))
                    yield k, text (sprintf "the metadata value of %s" (show k)) (fun () -> x.GetString()) ]
        let tensors = [ for name, v in entries do if name <> MetadataKey then yield describe name v ]
        tensors, metadata

    /// Reads a safetensors file from a stream that holds `available` more bytes.
    let private readFrom (source: string) (stream: Stream) (available: int64) : TensorFile =
        let fail (problem: string) : exn = DataFormatException(source, 0, 0, problem)
        let failNow (problem: string) : unit = raise (fail problem)
        if available < 8L then
            raise (fail (sprintf "holds %d bytes, too few for a safetensors file, which begins with an 8-byte header length" available))
        let prefix = Array.zeroCreate<byte> 8
        readExactly failNow stream prefix
        let n = BinaryPrimitives.ReadUInt64LittleEndian(ReadOnlySpan<byte>(prefix))
        if n = 0UL then raise (fail "the header length is 0; a header is at least the JSON object {}")
        if n > uint64 MaxHeaderBytes then raise (fail (sprintf "the header length is %d bytes, more than the limit of %d" n MaxHeaderBytes))
        if n > uint64 (available - 8L) then raise (fail (sprintf "the header length is %d bytes, but only %d bytes follow it" n (available - 8L)))
        let header = Array.zeroCreate<byte> (int n)
        readExactly failNow stream header
        if header.[0] <> byte '{' then raise (fail (sprintf "the header begins with byte 0x%02X, not with '{'" header.[0]))
        if not (Unicode.Utf8.IsValid(ReadOnlySpan<byte>(header))) then raise (fail "the header is not valid UTF-8")
        let described, metadata = parseHeader fail header
        // The tensors follow one another in header order and cover the data section exactly.
        let dataLength = available - 8L - int64 n
        let mutable next = 0L
        for d in described do
            if d.Begin <> next then
                raise (fail (sprintf "tensor %s begins at byte %d of the data, but the tensor before it ends at %d; tensors must follow one another in header order, without gaps or overlaps" (show d.Name) d.Begin next))
            if d.End > dataLength then
                raise (fail (sprintf "tensor %s ends at byte %d, past the end of the %d bytes of data the file holds" (show d.Name) d.End dataLength))
            next <- d.End
        if next <> dataLength then
            raise (fail (sprintf "the tensors cover %d bytes of data, but %d bytes follow the header" next dataLength))
        // The checksums: present, well-formed, and matching.
        let digest (key: string) =
            match metadata |> List.tryFind (fun (k, _) -> k = key) with
            | None -> raise (fail (sprintf "the metadata has no %s (not a file of this library, or its header is damaged)" key))
            | Some (_, v) when v.Length <> DigestChars || not (Seq.forall Char.IsAsciiHexDigitLower v) ->
                raise (fail (sprintf "the %s is %s, not %d lowercase hexadecimal digits" key (show v) DigestChars))
            | Some (_, v) -> v
        let headerDigest = digest HeaderChecksumKey
        let dataDigest = digest DataChecksumKey
        let at = headerStart.Length
        if header.Length < at + DigestChars + 1
           || not (ReadOnlySpan<byte>(header, 0, at).SequenceEqual(ReadOnlySpan<byte>(headerStart)))
           || header.[at + DigestChars] <> byte '"' then
            raise (fail (sprintf "the header does not begin with __metadata__ and its %s, as the library writes it" HeaderChecksumKey))
        let zeroed = Array.append prefix header
        Array.fill zeroed (8 + at) DigestChars (byte '0')
        if Convert.ToHexStringLower(SHA256.HashData(ReadOnlySpan<byte>(zeroed))) <> headerDigest then
            raise (fail "the header checksum does not match: the length prefix or the header was changed or damaged")
        // Only now, with every size bounded by the file's, are the tensors' bytes read.
        use hash = IncrementalHash.CreateHash HashAlgorithmName.SHA256
        let entries =
            [ for d in described do
                let bytes = Array.zeroCreate<byte> (int (d.End - d.Begin))
                readExactly failNow stream bytes
                hash.AppendData bytes
                yield TensorEntry(d.Name, d.DType, d.Dims, bytes) ]
        if Convert.ToHexStringLower(hash.GetHashAndReset()) <> dataDigest then
            raise (fail "the data checksum does not match: tensor bytes were changed or damaged")
        { Source = source
          Metadata = metadata |> List.filter (fun (k, _) -> k <> HeaderChecksumKey && k <> DataChecksumKey) |> Map.ofList
          Entries = entries }

    /// Reads a safetensors file held in memory; `source` names it in error messages.
    /// <exception cref="DataFormatException">naming the source, when the bytes are not a complete, undamaged safetensors file written by this library (see the module's documentation).</exception>
    let readBytes (source: string) (bytes: byte[]) : TensorFile =
        if isNull (box bytes) then raise (InvalidValueException("SafeTensors.readBytes", "an array of bytes", "null"))
        use stream = new MemoryStream(bytes, false)
        readFrom source stream bytes.LongLength

    /// Reads a safetensors file from a stream, from its position to its end; `source` names it in
    /// error messages. A stream that cannot seek is first read to its end into memory.
    /// <exception cref="DataFormatException">as for `readBytes`.</exception>
    let readStream (source: string) (stream: Stream) : TensorFile =
        if isNull (box stream) then raise (InvalidValueException("SafeTensors.readStream", "a stream", "null"))
        if stream.CanSeek then readFrom source stream (stream.Length - stream.Position)
        else
            use copy = new MemoryStream()
            stream.CopyTo copy
            readBytes source (copy.ToArray())

    /// Reads a safetensors file (see the module's documentation for what is checked).
    /// <exception cref="DataFormatException">naming the path and the fault, when the file is not a complete, undamaged safetensors file written by this library.</exception>
    /// <exception cref="FileNotFoundException">when there is no such file (other I/O failures raise their own IOException).</exception>
    let read (path: string) : TensorFile =
        use stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 <<< 16, FileOptions.SequentialScan)
        readStream path stream
