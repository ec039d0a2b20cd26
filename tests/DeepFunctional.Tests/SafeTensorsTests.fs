/// The safetensors container (SafeTensors): round trips, the file as the format describes it,
/// the checksums against every changed byte and every cut, hostile headers, and atomic writes.
module DeepFunctional.Tests.SafeTensorsTests

open System
open System.Buffers.Binary
open System.IO
open System.Security.Cryptography
open System.Text
open System.Text.Json
open Expecto
open DeepFunctional
open DeepFunctional.Tests.Check

// --- helpers -------------------------------------------------------------------------------

/// A fresh folder in the temporary folder, deleted afterwards.
let withFolder (f: string -> unit) =
    let dir = Path.Combine(Path.GetTempPath(), "df-safetensors-" + Guid.NewGuid().ToString("N"))
    Directory.CreateDirectory dir |> ignore
    try f dir
    finally
        // A test may have made the folder read-only.
        if not (OperatingSystem.IsWindows()) then
            File.SetUnixFileMode(dir, UnixFileMode.UserRead ||| UnixFileMode.UserWrite ||| UnixFileMode.UserExecute)
        Directory.Delete(dir, true)

/// The names of the files in a folder, sorted.
let filesIn (dir: string) = Directory.GetFiles dir |> Array.map Path.GetFileName |> Array.sort

/// Asserts that f raises DataFormatException naming `source`, whose problem contains `words`.
let throwsFormat (source: string) (words: string) (f: unit -> unit) =
    let e = caught<DataFormatException> f
    Expect.equal e.SourceName source "the exception names the source"
    Expect.stringContains e.Message source "the message names the source"
    Expect.stringContains e.Problem words "the problem is named"

/// The name hostile images are read under.
let hostile = "hostile.safetensors"

/// Asserts that readBytes refuses the image with a problem containing `words`.
let refuses (words: string) (image: byte[]) =
    throwsFormat hostile words (fun () -> SafeTensors.readBytes hostile image |> ignore)

/// Asserts that f raises FileWriteException naming `path`, whose problem contains `words`.
let throwsWrite (path: string) (words: string) (f: unit -> unit) =
    let e = caught<FileWriteException> f
    Expect.equal e.Path path "the exception names the path"
    Expect.stringContains e.Message path "the message names the path"
    Expect.stringContains e.Problem words "the problem is named"

/// Tensors of every kind the tests need: several element types, a scalar, an empty tensor.
let sample () =
    [ SafeTensors.ofArray "dense0.W" [| 2; 3 |] [| 1.0f; -2.5f; Single.NaN; Single.PositiveInfinity; 0.0f; -0.0f |]
      SafeTensors.ofArray "dense0.b" [| 1; 3 |] [| 0.125; -1e300; Double.Epsilon |]
      SafeTensors.ofArray "step" [||] [| 42L |]
      SafeTensors.ofArray "labels" [| 4 |] [| 0; -1; Int32.MaxValue; Int32.MinValue |]
      SafeTensors.ofArray "empty" [| 0; 5 |] ([||]: float32[])
      SafeTensors.ofArray "pixels" [| 2; 2 |] [| 0uy; 127uy; 128uy; 255uy |]
      SafeTensors.ofArray "mask" [| 3 |] [| true; false; true |]
      SafeTensors.ofArray "half" [| 2 |] [| Half.One; Half.NegativeInfinity |]
      // bfloat16 1.0 and -2.0: the high halves of the float32 bit patterns, little-endian.
      SafeTensors.entry "bf16" DType.BF16 [| 2 |] [| 0x80uy; 0x3Fuy; 0x00uy; 0xC0uy |] ]

/// Metadata with characters that JSON must escape and characters beyond ASCII and the BMP.
let metadata =
    Map.ofList [ "format", "deepfunctional-test"
                 "名前", "Grüße, мир 😀 \"quoted\" back\\slash\nnew line\ttab \u0001"
                 "", "" ]

/// What identifies an entry: name, element type, shape and bytes.
let describe (e: TensorEntry) = e.Name, e.DType, e.Shape, e.ToArray()

/// Asserts that two lists hold the same entries, whatever their order.
let sameEntries (expected: TensorEntry list) (actual: TensorEntry list) =
    let sorted es = es |> List.map describe |> List.sortBy (fun (n, _, _, _) -> n)
    Expect.equal (sorted actual) (sorted expected) "the same names, element types, shapes and bytes"

let sha256Hex (bytes: byte[]) = Convert.ToHexStringLower(SHA256.HashData bytes)

let zeros = String('0', 64)

/// What the module's documentation says the header starts with, spelled out here again.
let documentedStart = "{\"__metadata__\":{\"deepfunctional.header_sha256\":\""

/// The test's own implementation of the documented checksums: pads the header JSON with spaces
/// to a multiple of 8 bytes, prefixes its length, and, when it begins as documented (with 64
/// zeros for the digest), puts the SHA-256 of prefix and zeroed header in their place.
let seal (json: string) (data: byte[]) =
    let raw = Encoding.UTF8.GetBytes json
    let header = Array.append raw (Array.create ((8 - raw.Length % 8) % 8) (byte ' '))
    let prefix = BitConverter.GetBytes(uint64 header.Length)
    if not BitConverter.IsLittleEndian then Array.Reverse prefix
    if json.StartsWith(documentedStart + zeros) then
        let digest = sha256Hex (Array.append prefix header)
        Encoding.ASCII.GetBytes(digest).CopyTo(header, Encoding.UTF8.GetByteCount documentedStart)
    Array.concat [ prefix; header; data ]

/// A file with valid checksums whose metadata ends with `extraMetadata` (`,"k":"v"...`) and
/// whose header ends with `tensors` (`,"name":{...}...`): the only faults are those put there.
let craftWith (extraMetadata: string) (tensors: string) (data: byte[]) =
    seal (sprintf "%s%s\",\"deepfunctional.data_sha256\":\"%s\"%s}%s}" documentedStart zeros (sha256Hex data) extraMetadata tensors) data

/// `craftWith` without extra metadata.
let craft (tensors: string) (data: byte[]) = craftWith "" tensors data

/// An image with the given header length in front of `rest`.
let withLength (n: uint64) (rest: byte[]) =
    let prefix = Array.zeroCreate<byte> 8
    BinaryPrimitives.WriteUInt64LittleEndian(Span<byte>(prefix), n)
    Array.append prefix rest

/// A reader written from the format's description alone, sharing no code with the library:
/// it checks the rules the description states and returns the metadata and, per name, the
/// element type, shape and bytes.
let referenceRead (file: byte[]) =
    let n = BinaryPrimitives.ReadUInt64LittleEndian(ReadOnlySpan<byte>(file, 0, 8))
    Expect.isLessThanOrEqual n 100_000_000UL "the header is within the reference reader's limit"
    let header = file.[8 .. 8 + int n - 1]
    let data = file.[8 + int n ..]
    Expect.equal header.[0] (byte '{') "the header begins with {"
    let text = UTF8Encoding(false, true).GetString header
    Expect.isTrue (text.TrimEnd(' ').EndsWith "}") "only spaces follow the JSON object"
    use doc = JsonDocument.Parse text
    let names = Collections.Generic.HashSet<string>()
    let mutable meta = Map.empty
    let mutable tensors = []
    for p in doc.RootElement.EnumerateObject() do
        Expect.isTrue (names.Add p.Name) "no key appears twice"
        if p.Name = "__metadata__" then
            for m in p.Value.EnumerateObject() do
                Expect.equal m.Value.ValueKind JsonValueKind.String "metadata values are strings"
                meta <- meta.Add(m.Name, m.Value.GetString() |> string)
        else
            let dtype = p.Value.GetProperty("dtype").GetString() |> string
            let shape = [| for d in p.Value.GetProperty("shape").EnumerateArray() -> d.GetInt64() |]
            let offsets = [| for o in p.Value.GetProperty("data_offsets").EnumerateArray() -> o.GetInt64() |]
            let size = match dtype with "F64" | "I64" | "U64" -> 8L | "F32" | "I32" | "U32" -> 4L | "F16" | "BF16" | "I16" | "U16" -> 2L | _ -> 1L
            Expect.equal (offsets.[1] - offsets.[0]) (Array.fold (*) 1L shape * size) "end - begin is the element count times the element size"
            tensors <- (p.Name, dtype, shape, offsets.[0], offsets.[1]) :: tensors
    let byOffset = tensors |> List.sortBy (fun (_, _, _, b, e) -> b, e)
    let covered =
        byOffset |> List.fold (fun next (_, _, _, b, e) ->
            Expect.equal b next "the byte buffer has no hole and no overlap"
            e) 0L
    Expect.equal covered data.LongLength "the tensors index the whole byte buffer"
    meta, byOffset |> List.map (fun (name, dtype, shape, b, e) -> name, (dtype, shape, data.[int b .. int e - 1])) |> Map.ofList

/// A stream that passes `limit` bytes to `inner` and then raises `error ()`, as a disk that
/// fills up or a writer that breaks does.
type FailingStream(inner: Stream, limit: int64, error: unit -> exn) =
    inherit Stream()
    let mutable written = 0L
    override _.CanRead = false
    override _.CanSeek = false
    override _.CanWrite = true
    override _.Length = raise (NotSupportedException())
    override _.Position with get () = written and set _ = raise (NotSupportedException())
    override _.Flush() = inner.Flush()
    override _.Read(_: byte[], _: int, _: int) : int = raise (NotSupportedException())
    override _.Seek(_: int64, _: SeekOrigin) : int64 = raise (NotSupportedException())
    override _.SetLength(_: int64) = raise (NotSupportedException())
    override _.Write(buffer: byte[], offset: int, count: int) =
        if written + int64 count > limit then
            let room = int (limit - written)
            inner.Write(buffer, offset, room)
            written <- limit
            raise (error ())
        inner.Write(buffer, offset, count)
        written <- written + int64 count
    override _.Dispose(disposing: bool) =
        if disposing then inner.Dispose()
        base.Dispose disposing

/// A stream that cannot seek, over bytes.
type ForwardOnlyStream(bytes: byte[]) =
    inherit MemoryStream(bytes, false)
    override _.CanSeek = false

// --- round trips ---------------------------------------------------------------------------

let private roundTripTests =
    testList "round trips" [
        testCase "SafeTensors.readBytes returns every entry and the metadata SafeTensors.toBytes stored" <| fun () ->
            let file = SafeTensors.readBytes "memory" (SafeTensors.toBytes metadata (sample ()))
            sameEntries (sample ()) file.Entries
            Expect.equal file.Metadata metadata "the metadata, unicode and escapes included, without the checksums"
            Expect.equal file.Source "memory" "the source is the name given"

        testCase "SafeTensors.read returns what SafeTensors.write stored in a file" <| fun () ->
            withFolder (fun dir ->
                let path = Path.Combine(dir, "model.safetensors")
                SafeTensors.write path metadata (sample ())
                let file = SafeTensors.read path
                sameEntries (sample ()) file.Entries
                Expect.equal file.Metadata metadata "metadata"
                Expect.equal file.Source path "the source is the path")

        testCase "SafeTensors.write stores the same bytes as SafeTensors.toBytes and SafeTensors.writeStream" <| fun () ->
            withFolder (fun dir ->
                let path = Path.Combine(dir, "model.safetensors")
                SafeTensors.write path metadata (sample ())
                use buffer = new MemoryStream()
                SafeTensors.writeStream buffer metadata (sample ())
                Expect.equal (File.ReadAllBytes path) (SafeTensors.toBytes metadata (sample ())) "write and toBytes agree"
                Expect.equal (buffer.ToArray()) (SafeTensors.toBytes metadata (sample ())) "writeStream and toBytes agree")

        testCase "SafeTensors.readBytes returns a file of no tensors and no metadata as it was written" <| fun () ->
            let file = SafeTensors.readBytes "empty" (SafeTensors.toBytes Map.empty [])
            Expect.isEmpty file.Entries "no entries"
            Expect.isEmpty file.Metadata "no metadata"

        testCase "SafeTensors.toBytes stores the largest elements first, in the caller's order among equal sizes, each aligned to its size" <| fun () ->
            let image = SafeTensors.toBytes metadata (sample ())
            let file = SafeTensors.readBytes "memory" image
            Expect.equal (file.Entries |> List.map (fun e -> e.Name))
                [ "dense0.b"; "step"; "dense0.W"; "labels"; "empty"; "half"; "bf16"; "pixels"; "mask" ] "file order"
            let _, tensors = referenceRead image
            let n = BinaryPrimitives.ReadUInt64LittleEndian(ReadOnlySpan<byte>(image, 0, 8))
            Expect.equal (n % 8UL) 0UL "the header is a multiple of 8 bytes, so the data starts at a multiple of 8"
            let header = Encoding.UTF8.GetString(image, 8, int n)
            Expect.isTrue (header.TrimEnd(' ').EndsWith "}" && header.Length - header.TrimEnd(' ').Length < 8) "padded with fewer than 8 spaces"
            use doc = JsonDocument.Parse header
            for e in file.Entries do
                let b = doc.RootElement.GetProperty(e.Name).GetProperty("data_offsets").[0].GetInt64()
                Expect.equal (b % int64 (DType.size e.DType)) 0L (sprintf "%s starts at a multiple of its element size" e.Name)
            Expect.equal tensors.Count 9 "every tensor is in the header"

        testCase "SafeTensors.toArray returns the values SafeTensors.ofArray stored, bit for bit, NaN and infinities included" <| fun () ->
            let image = SafeTensors.toBytes Map.empty (sample ())
            let file = SafeTensors.readBytes "memory" image
            let get name = SafeTensors.find name file
            let bits32 (xs: float32[]) = xs |> Array.map BitConverter.SingleToInt32Bits
            let bits64 (xs: float[]) = xs |> Array.map BitConverter.DoubleToInt64Bits
            Expect.equal (bits32 (SafeTensors.toArray<float32> (get "dense0.W"))) (bits32 [| 1.0f; -2.5f; Single.NaN; Single.PositiveInfinity; 0.0f; -0.0f |]) "float32, NaN, infinity and -0"
            Expect.equal (bits64 (SafeTensors.toArray<float> (get "dense0.b"))) (bits64 [| 0.125; -1e300; Double.Epsilon |]) "float, subnormal included"
            Expect.equal (SafeTensors.toArray<int64> (get "step")) [| 42L |] "a scalar int64"
            Expect.equal (SafeTensors.toArray<int> (get "labels")) [| 0; -1; Int32.MaxValue; Int32.MinValue |] "int32 extremes"
            Expect.equal (SafeTensors.toArray<float32> (get "empty")) [||] "an empty tensor"
            Expect.equal (get "empty").Shape [| 0; 5 |] "the empty tensor keeps its shape"
            Expect.equal (get "step").Shape [||] "the scalar keeps its shape []"
            Expect.equal (SafeTensors.toArray<byte> (get "pixels")) [| 0uy; 127uy; 128uy; 255uy |] "bytes"
            Expect.equal (SafeTensors.toArray<bool> (get "mask")) [| true; false; true |] "truth values"
            Expect.equal (SafeTensors.toArray<Half> (get "half")) [| Half.One; Half.NegativeInfinity |] "halves"
            Expect.equal ((get "bf16").ToArray()) [| 0x80uy; 0x3Fuy; 0x00uy; 0xC0uy |] "bfloat16 bytes"

        testCase "SafeTensors.ofArray stores float32 values little-endian, as the format requires" <| fun () ->
            let e = SafeTensors.ofArray "x" [| 2 |] [| 1.0f; -2.0f |]
            Expect.equal (e.ToArray()) [| 0x00uy; 0x00uy; 0x80uy; 0x3Fuy; 0x00uy; 0x00uy; 0x00uy; 0xC0uy |] "IEEE 754 bits, least significant byte first"
            Expect.equal (e.Count, e.ByteLength, e.DType) (2, 8, DType.F32) "count, bytes and element type"

        testCase "SafeTensors.toTensor returns the Tensor<float> and Tensor<float32> SafeTensors.ofTensor stored" <| fun () ->
            let d = Tensor.create [| 2; 2 |] [| 1.0; 2.0; 3.0; 4.0 |]
            let s = Tensor.create [| 3 |] [| 0.5f; -0.25f; 8.0f |]
            let file = SafeTensors.readBytes "memory" (SafeTensors.toBytes Map.empty [ SafeTensors.ofTensor "d" d; SafeTensors.ofTensor "s" s ])
            let d' = SafeTensors.toTensor<float> (SafeTensors.find "d" file)
            let s' = SafeTensors.toTensor<float32> (SafeTensors.find "s" file)
            Expect.equal (d'.Shape, d'.ToArray()) (d.Shape, d.ToArray()) "Tensor<float>"
            Expect.equal (s'.Shape, s'.ToArray()) (s.Shape, s.ToArray()) "Tensor<float32>"
            Expect.equal (SafeTensors.find "d" file).DType DType.F64 "float is F64"
            Expect.equal (SafeTensors.find "s" file).DType DType.F32 "float32 is F32"

        testCase "SafeTensors.findArray returns the elements of a tensor of the expected type and shape" <| fun () ->
            let file = SafeTensors.readBytes "memory" (SafeTensors.toBytes Map.empty (sample ()))
            Expect.equal (SafeTensors.findArray<int> "labels" [| 4 |] file) [| 0; -1; Int32.MaxValue; Int32.MinValue |] "labels"

        testCase "SafeTensors.readStream reads from the stream's position, and from a stream that cannot seek" <| fun () ->
            let image = SafeTensors.toBytes metadata (sample ())
            use seekable = new MemoryStream(Array.append [| 1uy; 2uy; 3uy |] image)
            seekable.Position <- 3L
            sameEntries (sample ()) (SafeTensors.readStream "seekable" seekable).Entries
            use forward = new ForwardOnlyStream(image)
            sameEntries (sample ()) (SafeTensors.readStream "forward" forward).Entries

        testProperty "SafeTensors.readBytes returns any F64 values and metadata string stored, or toBytes refuses a string that is not well-formed Unicode" <| fun (values: float[]) (text: string | null) ->
            let text = match text with null -> "" | t -> t
            let entries = [ SafeTensors.ofArray "v" [| values.Length |] values ]
            let wellFormed = try UTF8Encoding(false, true).GetByteCount text |> ignore; true with :? EncoderFallbackException -> false
            if wellFormed then
                let file = SafeTensors.readBytes "p" (SafeTensors.toBytes (Map.ofList [ text, text ]) entries)
                file.Metadata = Map.ofList [ text, text ]
                && (SafeTensors.toArray<float> file.Entries.Head |> Array.map BitConverter.DoubleToInt64Bits) = (values |> Array.map BitConverter.DoubleToInt64Bits)
            else
                (caught<InvalidValueException> (fun () -> SafeTensors.toBytes (Map.ofList [ text, text ]) entries |> ignore)).Operation = "SafeTensors.toBytes"
    ]

// --- the file as the format describes it ----------------------------------------------------

let private formatTests =
    testList "the format" [
        testCase "A file SafeTensors.toBytes writes obeys the format's rules, read by a reader written from its description alone" <| fun () ->
            let meta, tensors = referenceRead (SafeTensors.toBytes metadata (sample ()))
            Expect.equal (meta |> Map.filter (fun k _ -> not (k.StartsWith "deepfunctional."))) metadata "the metadata, with the checksums besides"
            for e in sample () do
                let dtype, shape, bytes = tensors.[e.Name]
                Expect.equal dtype (DType.name e.DType) (sprintf "%s: dtype" e.Name)
                Expect.equal shape (e.Shape |> Array.map int64) (sprintf "%s: shape" e.Name)
                Expect.equal bytes (e.ToArray()) (sprintf "%s: bytes" e.Name)

        testCase "A one-scalar file is, byte for byte, the layout and checksums the module's documentation describes" <| fun () ->
            let image = SafeTensors.toBytes Map.empty [ SafeTensors.ofArray "x" [||] [| 1.0f |] ]
            let data = [| 0x00uy; 0x00uy; 0x80uy; 0x3Fuy |]
            let json digest = sprintf "%s%s\",\"deepfunctional.data_sha256\":\"%s\"},\"x\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]}}" documentedStart digest (sha256Hex data)
            let pad (s: string) = s + String(' ', (8 - s.Length % 8) % 8)
            let n = (pad (json zeros)).Length
            let prefix = [| byte n; byte (n >>> 8); 0uy; 0uy; 0uy; 0uy; 0uy; 0uy |]
            let digest = sha256Hex (Array.append prefix (Encoding.ASCII.GetBytes(pad (json zeros))))
            let expected = Array.concat [ prefix; Encoding.ASCII.GetBytes(pad (json digest)); data ]
            Expect.equal image expected "length prefix, padded header with both digests, data"

        testCase "A crafted file with the documented checksums is read, so the hostile files below fail for their fault alone" <| fun () ->
            let data = Array.append (BitConverter.GetBytes 1.5f) (BitConverter.GetBytes 2.5f)
            let file = SafeTensors.readBytes hostile (craftWith ",\"k\":\"v\"" ",\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}" data)
            Expect.equal (SafeTensors.toArray<float32> file.Entries.Head) [| 1.5f; 2.5f |] "the tensor"
            Expect.equal file.Metadata (Map.ofList [ "k", "v" ]) "the metadata"

        testCase "SafeTensors.readBytes accepts an empty tensor whose other dimension is as large as the library allows" <| fun () ->
            let file = SafeTensors.readBytes hostile (craft ",\"e\":{\"dtype\":\"F64\",\"shape\":[0,2147483647],\"data_offsets\":[0,0]}" [||])
            Expect.equal file.Entries.Head.Shape [| 0; Int32.MaxValue |] "a valid empty tensor"
    ]

// --- damage ----------------------------------------------------------------------------------

/// The offsets at which changing a byte with `change` goes unnoticed by readBytes. Any
/// exception other than DataFormatException escapes and fails the test.
let undetected (image: byte[]) (change: byte -> byte) =
    [ for i in 0 .. image.Length - 1 do
        let damaged = Array.copy image
        damaged.[i] <- change damaged.[i]
        if damaged.[i] <> image.[i] then
            let refused = try SafeTensors.readBytes "damaged" damaged |> ignore; false with :? DataFormatException -> true
            if not refused then yield i ]

let private damageTests =
    testList "damage" [
        for name, change in [ "xor 0xFF", (fun b -> b ^^^ 0xFFuy); "xor 0x01", (fun b -> b ^^^ 0x01uy); "xor 0x80", (fun b -> b ^^^ 0x80uy); "xor 0x20", (fun b -> b ^^^ 0x20uy) ] do
            testCase (sprintf "SafeTensors.readBytes refuses a file with any one byte changed by %s" name) <| fun () ->
                let image = SafeTensors.toBytes metadata (sample ())
                Expect.isEmpty (undetected image change) "offsets whose change went unnoticed"

        testCase "SafeTensors.readBytes refuses a one-tensor file with any one byte set to any other value" <| fun () ->
            let image = SafeTensors.toBytes (Map.ofList [ "k", "v" ]) [ SafeTensors.ofArray "x" [| 2 |] [| 1.0f; 2.0f |] ]
            for v in 1 .. 255 do
                Expect.isEmpty (undetected image (fun b -> b + byte v)) (sprintf "offsets where adding %d went unnoticed" v)

        testCase "SafeTensors.readBytes refuses a file cut short at any length" <| fun () ->
            let image = SafeTensors.toBytes metadata (sample ())
            for length in 0 .. image.Length - 1 do
                let e = caught<DataFormatException> (fun () -> SafeTensors.readBytes "cut" image.[.. length - 1] |> ignore)
                Expect.equal e.SourceName "cut" (sprintf "cut to %d bytes: the source is named" length)

        testCase "SafeTensors.readBytes refuses a file with a byte appended" <| fun () ->
            refuses "bytes follow the header" (Array.append (SafeTensors.toBytes metadata (sample ())) [| 0uy |])

        testCase "SafeTensors.readBytes refuses a file whose header digest was recomputed without the zeroed digest" <| fun () ->
            // Digesting the header with its digest in place cannot match: the digest is of the zeroed form.
            let image = SafeTensors.toBytes Map.empty [ SafeTensors.ofArray "x" [||] [| 1.0f |] ]
            let n = int (BitConverter.ToUInt64(image, 0))
            let at = 8 + Encoding.UTF8.GetByteCount documentedStart
            let wrong = Encoding.ASCII.GetBytes(sha256Hex image.[.. 8 + n - 1])
            let forged = Array.copy image
            wrong.CopyTo(forged, at)
            refuses "header checksum does not match" forged
    ]

// --- hostile headers -------------------------------------------------------------------------

let private f32 = ",\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}"
let private four = [| 0uy; 0uy; 0x80uy; 0x3Fuy |]
let private eight = Array.append four four

let private hostileTests =
    testList "hostile headers" [
        testCase "SafeTensors.readBytes refuses a file shorter than the 8-byte header length" <| fun () ->
            refuses "too few" [||]
            refuses "too few" [| 1uy; 0uy; 0uy; 0uy; 0uy; 0uy; 0uy |]

        testCase "SafeTensors.readBytes refuses a header length of 0" <| fun () ->
            refuses "header length is 0" (withLength 0UL (Encoding.ASCII.GetBytes "{}      "))

        testCase "SafeTensors.readBytes refuses a header length longer than the file" <| fun () ->
            let image = craft f32 four
            refuses "only" (withLength (uint64 (image.Length - 8 + 1)) image.[8..])

        testCase "SafeTensors.readBytes refuses header lengths of 2^63, 2^64-1 and just over the limit before reading further" <| fun () ->
            for n in [ 1UL <<< 63; UInt64.MaxValue; uint64 SafeTensors.MaxHeaderBytes + 1UL ] do
                refuses "more than the limit" (withLength n (Encoding.ASCII.GetBytes "{}"))

        testCase "SafeTensors.readBytes refuses a header length that swallows the first data bytes" <| fun () ->
            let image = craft f32 four
            let n = BitConverter.ToUInt64(image, 0)
            refuses "JSON" (withLength (n + 1UL) image.[8..])

        testCase "SafeTensors.readBytes refuses a header that does not begin with {" <| fun () ->
            refuses "not with '{'" (seal "[1,2,3]" [||])
            refuses "not with '{'" (seal " {}" [||])

        testCase "SafeTensors.readBytes refuses a header that is not JSON" <| fun () ->
            refuses "not well-formed JSON" (seal "{this is not json}" [||])
            refuses "not well-formed JSON" (seal "{\"a\":" [||])
            refuses "not well-formed JSON" (craft (f32 + "}garbage") four)
            refuses "not well-formed JSON" (craft (f32 + ",") four)
            refuses "not well-formed JSON" (withLength 8UL (Array.append (Encoding.ASCII.GetBytes "{}") (Array.zeroCreate 6)))

        testCase "SafeTensors.readBytes refuses a header that is not UTF-8" <| fun () ->
            refuses "not valid UTF-8" (withLength 8UL [| byte '{'; byte '"'; 0xC3uy; byte '"'; byte ':'; byte '1'; byte '}'; byte ' ' |])

        testCase "SafeTensors.readBytes refuses deeply nested JSON quickly" <| fun () ->
            let deep = 100_000
            refuses "nested at most" (craft (",\"x\":" + String('[', deep) + String(']', deep)) [||])
            refuses "nested at most" (craftWith (",\"m\":" + String.replicate deep "{\"m\":" + "\"v\"" + String('}', deep)) "" [||])

        testCase "SafeTensors.readBytes refuses a shape whose element count overflows 64 bits" <| fun () ->
            refuses "overflows 64 bits" (craft ",\"a\":{\"dtype\":\"F32\",\"shape\":[2147483647,2147483647,2147483647],\"data_offsets\":[0,4]}" four)

        testCase "SafeTensors.readBytes refuses a shape whose byte count overflows 64 bits though its element count does not" <| fun () ->
            refuses "overflows 64 bits" (craft ",\"a\":{\"dtype\":\"F64\",\"shape\":[2147483647,2147483647,2],\"data_offsets\":[0,8]}" eight)

        testCase "SafeTensors.readBytes refuses a dimension beyond 2^31-1" <| fun () ->
            refuses "larger than the library's limit" (craft ",\"a\":{\"dtype\":\"U8\",\"shape\":[2147483648],\"data_offsets\":[0,4]}" four)

        testCase "SafeTensors.readBytes refuses negative dimensions" <| fun () ->
            refuses "negative" (craft ",\"a\":{\"dtype\":\"U8\",\"shape\":[-1,-4],\"data_offsets\":[0,4]}" four)

        testCase "SafeTensors.readBytes refuses dimensions that are not whole numbers" <| fun () ->
            for dim in [ "4.0"; "4e0"; "\"4\""; "null"; "[4]"; "18446744073709551616" ] do
                refuses "not a whole number" (craft (sprintf ",\"a\":{\"dtype\":\"U8\",\"shape\":[%s],\"data_offsets\":[0,4]}" dim) four)

        testCase "SafeTensors.readBytes refuses tensors whose offsets are out of header order" <| fun () ->
            refuses "begins at byte 4" (craft ",\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}" eight)

        testCase "SafeTensors.readBytes refuses overlapping tensors" <| fun () ->
            refuses "the tensor before it ends at 8" (craft ",\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}" (Array.append eight four))

        testCase "SafeTensors.readBytes refuses a gap between tensors" <| fun () ->
            refuses "begins at byte 8" (craft ",\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}" (Array.append eight four))

        testCase "SafeTensors.readBytes refuses a tensor that ends past the end of the file" <| fun () ->
            refuses "past the end" (craft ",\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}" eight)

        testCase "SafeTensors.readBytes refuses offsets that end before they begin, or are not two whole numbers" <| fun () ->
            refuses "spans bytes 4..0" (craft ",\"a\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[4,0]}" four)
            refuses "negative" (craft ",\"a\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[-4,0]}" four)
            refuses "not an array [begin, end]" (craft ",\"a\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4,8]}" four)
            refuses "not an array [begin, end]" (craft ",\"a\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":{\"begin\":0}}" four)
            refuses "not a whole number" (craft ",\"a\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,1e30]}" four)

        testCase "SafeTensors.readBytes refuses data the tensors do not cover" <| fun () ->
            refuses "the tensors cover 4 bytes of data, but 8 bytes follow the header" (craft f32 eight)

        testCase "SafeTensors.readBytes refuses a byte span that is not the element count times the element size" <| fun () ->
            refuses "take 12 bytes" (craft ",\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}" eight)

        testCase "SafeTensors.readBytes refuses unknown element types" <| fun () ->
            for dtype in [ "F8_E4M3"; "C64"; "f32"; "F128"; "" ] do
                refuses "which the library does not read" (craft (sprintf ",\"a\":{\"dtype\":\"%s\",\"shape\":[4],\"data_offsets\":[0,4]}" dtype) four)
            refuses "not a string" (craft ",\"a\":{\"dtype\":4,\"shape\":[4],\"data_offsets\":[0,4]}" four)

        testCase "SafeTensors.readBytes refuses a tensor description that lacks a field, has another, or is not an object" <| fun () ->
            refuses "has no shape" (craft ",\"a\":{\"dtype\":\"U8\",\"data_offsets\":[0,4]}" four)
            refuses "has no dtype" (craft ",\"a\":{\"shape\":[4],\"data_offsets\":[0,4]}" four)
            refuses "has no data_offsets" (craft ",\"a\":{\"dtype\":\"U8\",\"shape\":[4]}" four)
            refuses "has the field 'offsets'" (craft ",\"a\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4],\"offsets\":[0,4]}" four)
            refuses "not by an object" (craft ",\"a\":[1,2]" [||])

        testCase "SafeTensors.readBytes refuses a tensor name that appears twice, even when escaped differently" <| fun () ->
            refuses "has the key 'a' twice" (craft ",\"a\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4]},\"a\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[4,8]}" eight)
            refuses "has the key 'a' twice" (craft ",\"a\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4]},\"\\u0061\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[4,8]}" eight)

        testCase "SafeTensors.readBytes refuses a field of a tensor that appears twice" <| fun () ->
            refuses "has the key 'shape' twice" (craft ",\"a\":{\"dtype\":\"U8\",\"shape\":[4],\"shape\":[2,2],\"data_offsets\":[0,4]}" four)

        testCase "SafeTensors.readBytes refuses a metadata key that appears twice, and a second __metadata__" <| fun () ->
            refuses "__metadata__ has the key 'k' twice" (craftWith ",\"k\":\"v\",\"k\":\"w\"" f32 four)
            refuses "has the key '__metadata__' twice" (craft (f32 + ",\"__metadata__\":{}") four)

        testCase "SafeTensors.readBytes refuses metadata values that are not strings" <| fun () ->
            for value in [ "1"; "null"; "true"; "{\"x\":\"y\"}"; "[\"x\"]" ] do
                refuses "not a string" (craftWith (sprintf ",\"k\":%s" value) f32 four)

        testCase "SafeTensors.readBytes refuses __metadata__ that is not an object" <| fun () ->
            refuses "__metadata__ is not an object" (seal ("{\"__metadata__\":\"checksums\"" + f32 + "}") four)

        testCase "SafeTensors.readBytes refuses a file without __metadata__, as a reference writer makes without metadata" <| fun () ->
            refuses "no __metadata__" (seal ("{" + f32.Substring 1 + "}") four)

        testCase "SafeTensors.readBytes refuses metadata without the header checksum or without the data checksum" <| fun () ->
            refuses "no deepfunctional.header_sha256" (seal (sprintf "{\"__metadata__\":{\"deepfunctional.data_sha256\":\"%s\"}%s}" (sha256Hex four) f32) four)
            refuses "no deepfunctional.data_sha256" (seal (sprintf "%s%s\"}%s}" documentedStart zeros f32) four)

        testCase "SafeTensors.readBytes refuses checksums that are not 64 lowercase hexadecimal digits" <| fun () ->
            let upper = (sha256Hex four).ToUpperInvariant()
            refuses "not 64 lowercase hexadecimal digits" (seal (sprintf "%s%s\",\"deepfunctional.data_sha256\":\"%s\"}%s}" documentedStart zeros upper f32) four)
            refuses "not 64 lowercase hexadecimal digits" (seal (sprintf "%s%s\",\"deepfunctional.data_sha256\":\"%s\"}%s}" documentedStart zeros "abc" f32) four)
            refuses "not 64 lowercase hexadecimal digits" (seal (sprintf "%s%s\",\"deepfunctional.data_sha256\":\"%s\"}%s}" documentedStart "0" (sha256Hex four) f32) four)

        testCase "SafeTensors.readBytes refuses a header whose checksum is not where the library writes it" <| fun () ->
            let json = sprintf "{\"__metadata__\":{\"deepfunctional.data_sha256\":\"%s\",\"deepfunctional.header_sha256\":\"%s\"}%s}" (sha256Hex four) zeros f32
            refuses "does not begin with __metadata__" (seal json four)
            let spaced = sprintf "{ \"__metadata__\":{\"deepfunctional.header_sha256\":\"%s\",\"deepfunctional.data_sha256\":\"%s\"}%s}" zeros (sha256Hex four) f32
            refuses "does not begin with __metadata__" (seal spaced four)

        testCase "SafeTensors.readBytes refuses a header checksum that does not match" <| fun () ->
            let image = craft f32 four
            let at = 8 + Encoding.UTF8.GetByteCount documentedStart
            let forged = Array.copy image
            Encoding.ASCII.GetBytes(zeros).CopyTo(forged, at)
            refuses "header checksum does not match" forged

        testCase "SafeTensors.readBytes refuses a data checksum that does not match" <| fun () ->
            refuses "data checksum does not match" (craft f32 four |> fun image -> Array.append image.[.. image.Length - 5] [| 1uy; 2uy; 3uy; 4uy |])

        testCase "SafeTensors.readBytes refuses names and values with an escaped lone surrogate" <| fun () ->
            refuses "not well-formed Unicode" (craft ",\"\\ud800\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4]}" four)
            refuses "not well-formed Unicode" (craftWith ",\"k\":\"\\udc00\"" f32 four)
    ]

// --- writing ---------------------------------------------------------------------------------

let private writerTests =
    testList "writer checks" [
        testCase "SafeTensors.toBytes and SafeTensors.write refuse two tensors of one name" <| fun () ->
            let twice = [ SafeTensors.ofArray "a" [| 1 |] [| 1.0f |]; SafeTensors.ofArray "a" [| 1 |] [| 2.0 |] ]
            throwsValue "SafeTensors.toBytes" (fun () -> SafeTensors.toBytes Map.empty twice |> ignore)
            withFolder (fun dir ->
                throwsValue "SafeTensors.write" (fun () -> SafeTensors.write (Path.Combine(dir, "m.safetensors")) Map.empty twice)
                Expect.isEmpty (filesIn dir) "nothing is written")

        testCase "SafeTensors.toBytes refuses metadata under the checksum keys" <| fun () ->
            for key in [ SafeTensors.HeaderChecksumKey; SafeTensors.DataChecksumKey ] do
                throwsValue "SafeTensors.toBytes" (fun () -> SafeTensors.toBytes (Map.ofList [ key, "x" ]) [] |> ignore)

        testCase "SafeTensors.toBytes refuses metadata that is not well-formed Unicode" <| fun () ->
            // Built from chars: the F# compiler turns a lone surrogate in a string literal into U+FFFD.
            throwsValue "SafeTensors.toBytes" (fun () -> SafeTensors.toBytes (Map.ofList [ "k", string (char 0xD800) ]) [] |> ignore)
            throwsValue "SafeTensors.toBytes" (fun () -> SafeTensors.toBytes (Map.ofList [ string (char 0xDC00) + "x", "v" ]) [] |> ignore)
            throwsValue "SafeTensors.toBytes" (fun () -> SafeTensors.toBytes (Map.ofList [ "k", "x" + string (char 0xDBFF) ]) [] |> ignore)

        testCase "SafeTensors.entry refuses the name __metadata__ and names that are not well-formed Unicode" <| fun () ->
            throwsValue "SafeTensors.entry" (fun () -> SafeTensors.entry "__metadata__" DType.U8 [||] [| 1uy |] |> ignore)
            throwsValue "SafeTensors.entry" (fun () -> SafeTensors.entry ("w" + string (char 0xD800)) DType.U8 [||] [| 1uy |] |> ignore)
            // A surrogate pair is well-formed: a name beyond the BMP is accepted and read back.
            let emoji = SafeTensors.entry "w😀" DType.U8 [||] [| 1uy |]
            Expect.equal (SafeTensors.readBytes "m" (SafeTensors.toBytes Map.empty [ emoji ])).Entries.Head.Name "w😀" "a name beyond the BMP"

        testCase "SafeTensors.entry refuses bytes that do not fit the shape and negative dimensions" <| fun () ->
            throwsShape "SafeTensors.entry" (fun () -> SafeTensors.entry "a" DType.F32 [| 2 |] [| 1uy; 2uy; 3uy; 4uy |] |> ignore)
            throwsShape "SafeTensors.entry" (fun () -> SafeTensors.entry "a" DType.U8 [| -1 |] [||] |> ignore)
            throwsShape "SafeTensors.entry" (fun () -> SafeTensors.ofArray "a" [| 2; 2 |] [| 1.0 |] |> ignore)
            throwsShape "SafeTensors.entry" (fun () -> SafeTensors.entry "a" DType.F64 [| Int32.MaxValue; Int32.MaxValue; Int32.MaxValue |] [||] |> ignore)

        testCase "SafeTensors.entry copies the bytes it is given" <| fun () ->
            let bytes = [| 1uy; 2uy |]
            let e = SafeTensors.entry "a" DType.U8 [| 2 |] bytes
            bytes.[0] <- 9uy
            Expect.equal (e.ToArray()) [| 1uy; 2uy |] "the entry keeps its own bytes"

        testCase "SafeTensors.ofArray refuses element types a safetensors file cannot hold" <| fun () ->
            throwsValue "SafeTensors.ofArray" (fun () -> SafeTensors.ofArray "c" [| 1 |] [| 'c' |] |> ignore)

        testCase "SafeTensors.toArray refuses a .NET type other than the entry's element type" <| fun () ->
            throwsValue "SafeTensors.toArray" (fun () -> SafeTensors.toArray<float> (SafeTensors.ofArray "a" [| 1 |] [| 1.0f |]) |> ignore)

        testCase "SafeTensors.find and SafeTensors.findArray name the file when a tensor is missing, of another type or shape" <| fun () ->
            let file = SafeTensors.readBytes "model.safetensors" (SafeTensors.toBytes Map.empty (sample ()))
            throwsFormat "model.safetensors" "has no tensor named 'dense1.W'" (fun () -> SafeTensors.find "dense1.W" file |> ignore)
            throwsFormat "model.safetensors" "holds F32 elements where F64 belong" (fun () -> SafeTensors.findArray<float> "dense0.W" [| 2; 3 |] file |> ignore)
            throwsFormat "model.safetensors" "has shape 2x3 where 3x2 belongs" (fun () -> SafeTensors.findArray<float32> "dense0.W" [| 3; 2 |] file |> ignore)
    ]

// --- files -----------------------------------------------------------------------------------

/// Writes with the temporary opened by `openTemporary`, recording the temporary's path.
let writeVia (openTemporary: string -> Stream) (path: string) (entries: TensorEntry list) =
    let temporaries = Collections.Generic.List<string>()
    let result =
        try
            SafeTensors.writeWith (fun temp -> temporaries.Add temp; openTemporary temp) path metadata entries
            None
        with e -> Some e
    result, List.ofSeq temporaries

let private fileTests =
    testList "files" [
        testCase "SafeTensors.write replaces an existing file and leaves nothing else in the folder" <| fun () ->
            withFolder (fun dir ->
                let path = Path.Combine(dir, "model.safetensors")
                SafeTensors.write path Map.empty [ SafeTensors.ofArray "old" [| 1 |] [| 1.0f |] ]
                SafeTensors.write path metadata (sample ())
                sameEntries (sample ()) (SafeTensors.read path).Entries
                Expect.equal (filesIn dir) [| "model.safetensors" |] "only the model")

        testCase "SafeTensors.write refuses a folder as its target, naming it and leaving nothing behind" <| fun () ->
            withFolder (fun dir ->
                let target = Path.Combine(dir, "model.safetensors")
                Directory.CreateDirectory target |> ignore
                throwsWrite target "is a folder" (fun () -> SafeTensors.write target metadata (sample ()))
                throwsWrite dir "is a folder" (fun () -> SafeTensors.write dir metadata (sample ()))
                Expect.isEmpty (filesIn dir) "no file in the folder"
                Expect.isEmpty (Directory.GetFileSystemEntries target) "nothing in the target folder")

        testCase "SafeTensors.write refuses a target whose folder is missing, naming it and creating nothing" <| fun () ->
            withFolder (fun dir ->
                let target = Path.Combine(dir, "missing", "model.safetensors")
                throwsWrite target "does not exist" (fun () -> SafeTensors.write target metadata (sample ()))
                Expect.isEmpty (Directory.GetFileSystemEntries dir) "no folder or file is created")

        testCase "SafeTensors.write refuses a target whose folder is a file" <| fun () ->
            withFolder (fun dir ->
                File.WriteAllText(Path.Combine(dir, "notes.txt"), "x")
                let target = Path.Combine(dir, "notes.txt", "model.safetensors")
                throwsWrite target "does not exist" (fun () -> SafeTensors.write target metadata (sample ()))
                Expect.equal (filesIn dir) [| "notes.txt" |] "nothing else")

        testCase "SafeTensors.write turns a refused temporary file (a read-only folder) into FileWriteException naming the target" <| fun () ->
            withFolder (fun dir ->
                let path = Path.Combine(dir, "model.safetensors")
                let failure, temps = writeVia (fun temp -> raise (UnauthorizedAccessException(sprintf "Access to the path '%s' is denied." temp))) path (sample ())
                match failure with
                | Some (:? FileWriteException as e) ->
                    Expect.equal e.Path path "names the target"
                    Expect.stringContains e.Problem "permission denied" "says why"
                    Expect.isTrue (e.InnerException :? UnauthorizedAccessException) "keeps the cause"
                | other -> failtestf "expected FileWriteException, got %A" other
                Expect.equal temps.Length 1 "one temporary was attempted"
                Expect.isEmpty (filesIn dir) "nothing left behind")

        testCase "SafeTensors.write and checkWritable refuse a read-only folder, leaving nothing behind" <| fun () ->
            if OperatingSystem.IsWindows() then skiptest "folder permissions are POSIX modes here"
            withFolder (fun dir ->
                File.SetUnixFileMode(dir, UnixFileMode.UserRead ||| UnixFileMode.UserExecute)
                let canStillWrite =
                    try
                        File.WriteAllText(Path.Combine(dir, "probe"), "")
                        File.Delete(Path.Combine(dir, "probe"))
                        true
                    with :? UnauthorizedAccessException | :? IOException -> false
                if canStillWrite then skiptest "this user (root?) writes into read-only folders; the refusal is covered by the simulated test"
                let path = Path.Combine(dir, "model.safetensors")
                throwsWrite path "permission denied" (fun () -> SafeTensors.checkWritable path)
                throwsWrite path "permission denied" (fun () -> SafeTensors.write path metadata (sample ()))
                Expect.isEmpty (filesIn dir) "nothing left behind")

        for name, limit in [ "at its first byte", 0L; "in the length prefix", 5L; "in the header", 100L; "in the tensor bytes", -20L ] do
            testCase (sprintf "SafeTensors.write that fails %s keeps the old file intact and removes its temporary" name) <| fun () ->
                withFolder (fun dir ->
                    let path = Path.Combine(dir, "model.safetensors")
                    SafeTensors.write path Map.empty [ SafeTensors.ofArray "old" [| 1 |] [| 1.0f |] ]
                    let before = File.ReadAllBytes path
                    let size = int64 (SafeTensors.toBytes metadata (sample ())).Length
                    let limit = if limit < 0L then size + limit else limit
                    let failure, temps =
                        writeVia (fun temp -> new FailingStream(SafeTensors.createTemporary temp, limit, fun () -> IOException "No space left on device") :> Stream) path (sample ())
                    match failure with
                    | Some (:? FileWriteException as e) ->
                        Expect.equal e.Path path "names the target"
                        Expect.stringContains e.Problem "No space left on device" "says why"
                    | other -> failtestf "expected FileWriteException, got %A" other
                    Expect.equal (File.ReadAllBytes path) before "the old file is intact"
                    Expect.isTrue (temps |> List.forall (fun t -> not (File.Exists t))) "the temporary is removed"
                    Expect.equal (filesIn dir) [| "model.safetensors" |] "nothing left behind")

        testCase "SafeTensors.write interrupted by an exception that is not an I/O failure lets it through, keeps the old file and removes its temporary" <| fun () ->
            withFolder (fun dir ->
                let path = Path.Combine(dir, "model.safetensors")
                SafeTensors.write path Map.empty [ SafeTensors.ofArray "old" [| 1 |] [| 1.0f |] ]
                let before = File.ReadAllBytes path
                let failure, temps =
                    writeVia (fun temp -> new FailingStream(SafeTensors.createTemporary temp, 200L, fun () -> OperationCanceledException "stopped") :> Stream) path (sample ())
                Expect.isTrue (match failure with Some (:? OperationCanceledException) -> true | _ -> false) "the exception comes through unchanged"
                Expect.isTrue (SafeTensors.isTemporary temps.Head) "the temporary had a temporary's name"
                Expect.equal (File.ReadAllBytes path) before "the old file is intact"
                Expect.equal (filesIn dir) [| "model.safetensors" |] "nothing left behind")

        testCase "A temporary left by a killed writer is ignored: SafeTensors.read of the target loads the previous model" <| fun () ->
            withFolder (fun dir ->
                let path = Path.Combine(dir, "model.safetensors")
                let old = [ SafeTensors.ofArray "old" [| 1 |] [| 1.0f |] ]
                SafeTensors.write path Map.empty old
                // What a writer killed half-way leaves: part of the new file under a temporary's name.
                let stale = SafeTensors.temporaryPath (Path.GetFullPath path)
                let image = SafeTensors.toBytes metadata (sample ())
                File.WriteAllBytes(stale, image.[.. image.Length / 2])
                sameEntries old (SafeTensors.read path).Entries
                Expect.equal (Directory.GetFiles(dir, "*.safetensors") |> Array.map Path.GetFileName) [| "model.safetensors" |] "the stale temporary does not match *.safetensors"
                Expect.isTrue (SafeTensors.isTemporary stale) "it is recognised as a temporary"
                Expect.isTrue ((Path.GetFileName stale |> string).StartsWith "." && stale.EndsWith ".tmp") "hidden, with the .tmp suffix"
                // The next write succeeds beside it and leaves it alone.
                SafeTensors.write path metadata (sample ())
                sameEntries (sample ()) (SafeTensors.read path).Entries
                Expect.isTrue (File.Exists stale) "another writer's temporary is not touched")

        testCase "SafeTensors.isTemporary recognises the temporaries' names and no model's name" <| fun () ->
            let t = SafeTensors.temporaryPath (Path.GetFullPath "model.safetensors")
            Expect.isTrue (SafeTensors.isTemporary t) "a temporary"
            Expect.isFalse (t.EndsWith ".safetensors") "never ends like a model"
            for name in [ "model.safetensors"; ".model.safetensors"; "model.safetensors.tmp"; ".model.safetensors.tmp"
                          ".model.safetensors.0123456789ABCDEF0123456789ABCDEF.tmp"; ".0123456789abcdef0123456789abcdef.tmp" ] do
                Expect.isFalse (SafeTensors.isTemporary name) name

        testCase "SafeTensors.write keeps a temporary's name short for a very long target name" <| fun () ->
            withFolder (fun dir ->
                let path = Path.Combine(dir, String('m', 200) + ".safetensors")
                SafeTensors.write path Map.empty (sample ())
                sameEntries (sample ()) (SafeTensors.read path).Entries)

        testCase "SafeTensors.checkWritable passes a writable target and leaves nothing behind" <| fun () ->
            withFolder (fun dir ->
                SafeTensors.checkWritable (Path.Combine(dir, "model.safetensors"))
                Expect.isEmpty (Directory.GetFileSystemEntries dir) "nothing left")

        testCase "SafeTensors.checkWritable refuses a folder, a missing folder and a folder that is a file" <| fun () ->
            withFolder (fun dir ->
                throwsWrite dir "is a folder" (fun () -> SafeTensors.checkWritable dir)
                let missing = Path.Combine(dir, "missing", "model.safetensors")
                throwsWrite missing "does not exist" (fun () -> SafeTensors.checkWritable missing)
                File.WriteAllText(Path.Combine(dir, "notes.txt"), "x")
                let underFile = Path.Combine(dir, "notes.txt", "m.safetensors")
                throwsWrite underFile "does not exist" (fun () -> SafeTensors.checkWritable underFile)
                Expect.equal (filesIn dir) [| "notes.txt" |] "nothing left")

        testCase "SafeTensors.read of a damaged file names the path" <| fun () ->
            withFolder (fun dir ->
                let path = Path.Combine(dir, "model.safetensors")
                let image = SafeTensors.toBytes metadata (sample ())
                image.[image.Length - 1] <- image.[image.Length - 1] ^^^ 1uy
                File.WriteAllBytes(path, image)
                throwsFormat path "data checksum does not match" (fun () -> SafeTensors.read path |> ignore))

        testCase "SafeTensors.read of a missing file raises FileNotFoundException, an I/O failure rather than a format fault" <| fun () ->
            withFolder (fun dir ->
                Expect.throwsT<FileNotFoundException> (fun () -> SafeTensors.read (Path.Combine(dir, "none.safetensors")) |> ignore) "no such file")
    ]

[<Tests>]
let tests = testList "SafeTensors" [ roundTripTests; formatTests; damageTests; hostileTests; writerTests; fileTests ]
