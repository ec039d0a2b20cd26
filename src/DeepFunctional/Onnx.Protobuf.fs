namespace DeepFunctional.Onnx

open System
open System.Buffers.Binary
open System.Text
open DeepFunctional

/// The value of one protobuf field as it goes on the wire. A message is a list of fields; the
/// wire type (0 varint, 1 fixed 64-bit, 2 length-delimited, 5 fixed 32-bit) follows from the case.
[<RequireQualifiedAccess>]
type WireValue =
    /// Wire type 0: a base-128 varint (int32, int64, uint64, bool, enum). Signed values are
    /// given as their 64-bit two's complement, so a negative number takes ten bytes.
    | Varint of uint64
    /// Wire type 1: eight bytes, little-endian (fixed64, double).
    | Fixed64 of uint64
    /// Wire type 5: four bytes, little-endian (fixed32, float).
    | Fixed32 of uint32
    /// Wire type 2: a length, then the bytes (bytes, string).
    | Bytes of byte[]
    /// Wire type 2: a length, then the encoded fields of an embedded message.
    | Message of ProtoField list
    /// Wire type 2: a packed repeated scalar field of varints, one length for all of them.
    | PackedVarints of uint64[]
    /// Wire type 2: a packed repeated scalar field of 32-bit values (float, fixed32).
    | PackedFixed32 of uint32[]
    /// Wire type 2: a packed repeated scalar field of 64-bit values (double, fixed64).
    | PackedFixed64 of uint64[]

/// One field of a protobuf message: its number and its value. A repeated field that is not
/// packed is the same number given several times.
and ProtoField =
    { /// The field number, 1 .. 2²⁹−1 (19000 .. 19999 are reserved by protobuf).
      Number: int
      /// What the field carries.
      Value: WireValue }

/// A protobuf wire-format writer (the encoding of protobuf 2 and 3): fields are built as values,
/// then `encode` measures the whole message once and writes it into one array.
[<RequireQualifiedAccess>]
module Protobuf =

    /// The largest field number protobuf allows: 2²⁹ − 1.
    [<Literal>]
    let MaxFieldNumber = 536870911

    /// The number of bytes of v as a base-128 varint: 1 for 0 .. 127, 2 from 128, … 10 for
    /// values of 2⁶³ and more (every negative int64).
    let varintSize (v: uint64) : int =
        let mutable n = 1
        let mutable rest = v >>> 7
        while rest <> 0UL do
            n <- n + 1
            rest <- rest >>> 7
        n

    /// Writes v as a varint at `at` (seven bits per byte, least significant group first, the
    /// high bit set on every byte but the last); returns the position after it.
    let internal writeVarint (buffer: byte[]) (at: int) (v: uint64) : int =
        let mutable i = at
        let mutable rest = v
        while rest >= 0x80UL do
            buffer.[i] <- byte (rest &&& 0x7FUL) ||| 0x80uy
            rest <- rest >>> 7
            i <- i + 1
        buffer.[i] <- byte rest
        i + 1

    /// The varint encoding of v alone.
    let varint (v: uint64) : byte[] =
        let out = Array.zeroCreate (varintSize v)
        writeVarint out 0 v |> ignore
        out

    let private wireType (v: WireValue) =
        match v with
        | WireValue.Varint _ -> 0
        | WireValue.Fixed64 _ -> 1
        | WireValue.Fixed32 _ -> 5
        | WireValue.Bytes _ | WireValue.Message _ | WireValue.PackedVarints _
        | WireValue.PackedFixed32 _ | WireValue.PackedFixed64 _ -> 2

    let private checkNumber (number: int) =
        if number < 1 || number > MaxFieldNumber || (number >= 19000 && number <= 19999) then
            raise (InvalidValueException("Protobuf.encode", "a field number in 1..536870911 outside the reserved 19000..19999", string number))

    /// The key of a field: (number &lt;&lt;&lt; 3) ||| wire type.
    let private key (f: ProtoField) = (uint64 f.Number <<< 3) ||| uint64 (wireType f.Value)

    /// The number of bytes of a field's payload after its key (the length prefix included).
    let rec private payloadSize (v: WireValue) : int =
        let delimited n = varintSize (uint64 n) + n
        match v with
        | WireValue.Varint x -> varintSize x
        | WireValue.Fixed64 _ -> 8
        | WireValue.Fixed32 _ -> 4
        | WireValue.Bytes b -> delimited b.Length
        | WireValue.Message fields -> delimited (messageSize fields)
        | WireValue.PackedVarints xs -> delimited (Array.sumBy varintSize xs)
        | WireValue.PackedFixed32 xs -> delimited (4 * xs.Length)
        | WireValue.PackedFixed64 xs -> delimited (8 * xs.Length)

    /// The number of bytes the fields take when encoded.
    and private messageSize (fields: ProtoField list) : int =
        fields |> List.sumBy (fun f -> checkNumber f.Number; varintSize (key f) + payloadSize f.Value)

    /// The number of bytes `encode fields` returns.
    /// <exception cref="InvalidValueException">when a field number is out of range or reserved.</exception>
    let size (fields: ProtoField list) : int = messageSize fields

    let rec private writeFields (buffer: byte[]) (at: int) (fields: ProtoField list) : int =
        let mutable i = at
        for f in fields do
            i <- writeVarint buffer i (key f)
            match f.Value with
            | WireValue.Varint x -> i <- writeVarint buffer i x
            | WireValue.Fixed64 x ->
                BinaryPrimitives.WriteUInt64LittleEndian(Span<byte>(buffer, i, 8), x)
                i <- i + 8
            | WireValue.Fixed32 x ->
                BinaryPrimitives.WriteUInt32LittleEndian(Span<byte>(buffer, i, 4), x)
                i <- i + 4
            | WireValue.Bytes b ->
                i <- writeVarint buffer i (uint64 b.Length)
                Array.blit b 0 buffer i b.Length
                i <- i + b.Length
            | WireValue.Message inner ->
                i <- writeVarint buffer i (uint64 (messageSize inner))
                i <- writeFields buffer i inner
            | WireValue.PackedVarints xs ->
                i <- writeVarint buffer i (uint64 (Array.sumBy varintSize xs))
                for x in xs do i <- writeVarint buffer i x
            | WireValue.PackedFixed32 xs ->
                i <- writeVarint buffer i (uint64 (4 * xs.Length))
                for x in xs do
                    BinaryPrimitives.WriteUInt32LittleEndian(Span<byte>(buffer, i, 4), x)
                    i <- i + 4
            | WireValue.PackedFixed64 xs ->
                i <- writeVarint buffer i (uint64 (8 * xs.Length))
                for x in xs do
                    BinaryPrimitives.WriteUInt64LittleEndian(Span<byte>(buffer, i, 8), x)
                    i <- i + 8
        i

    /// The wire-format bytes of a message: its fields in the order given.
    /// <exception cref="InvalidValueException">when a field number is out of range or reserved.</exception>
    let encode (fields: ProtoField list) : byte[] =
        let buffer = Array.zeroCreate (messageSize fields)
        let written = writeFields buffer 0 fields
        if written <> buffer.Length then
            raise (InvalidOperationException(sprintf "Protobuf.encode: measured %d bytes but wrote %d" buffer.Length written))
        buffer

    /// An int64 field (also int32 and enum values, which protobuf sign-extends to 64 bits).
    let int64Field (number: int) (v: int64) : ProtoField = { Number = number; Value = WireValue.Varint (uint64 v) }

    /// A uint64 field.
    let uint64Field (number: int) (v: uint64) : ProtoField = { Number = number; Value = WireValue.Varint v }

    /// A float field: the IEEE 754 bits as fixed32.
    let floatField (number: int) (v: float32) : ProtoField =
        { Number = number; Value = WireValue.Fixed32 (BitConverter.SingleToUInt32Bits v) }

    /// A double field: the IEEE 754 bits as fixed64.
    let doubleField (number: int) (v: float) : ProtoField =
        { Number = number; Value = WireValue.Fixed64 (BitConverter.DoubleToUInt64Bits v) }

    /// A bytes field.
    let bytesField (number: int) (v: byte[]) : ProtoField = { Number = number; Value = WireValue.Bytes v }

    /// A string field: its UTF-8 bytes.
    let stringField (number: int) (v: string) : ProtoField = { Number = number; Value = WireValue.Bytes (Encoding.UTF8.GetBytes v) }

    /// An embedded message field.
    let messageField (number: int) (fields: ProtoField list) : ProtoField = { Number = number; Value = WireValue.Message fields }

    /// A packed repeated int64 field.
    let packedInt64Field (number: int) (vs: int64[]) : ProtoField =
        { Number = number; Value = WireValue.PackedVarints (Array.map uint64 vs) }

    /// A packed repeated float field.
    let packedFloatField (number: int) (vs: float32[]) : ProtoField =
        { Number = number; Value = WireValue.PackedFixed32 (Array.map BitConverter.SingleToUInt32Bits vs) }

    /// A packed repeated double field.
    let packedDoubleField (number: int) (vs: float[]) : ProtoField =
        { Number = number; Value = WireValue.PackedFixed64 (Array.map BitConverter.DoubleToUInt64Bits vs) }
