namespace DeepFunctional.Onnx

open System
open System.Buffers.Binary
open DeepFunctional

/// The element types of ONNX tensors this library writes (TensorProto.DataType).
[<RequireQualifiedAccess>]
type DataType =
    /// 32-bit IEEE 754 float (code 1).
    | Float
    /// 64-bit signed integer (code 7).
    | Int64
    /// 64-bit IEEE 754 float (code 11).
    | Double

    /// The code onnx.proto gives the type.
    member t.Code =
        match t with
        | Float -> 1
        | Int64 -> 7
        | Double -> 11

    /// The size of one element in bytes.
    member t.ElementSize =
        match t with
        | Float -> 4
        | Int64 | Double -> 8

/// A constant tensor (an initializer, or an attribute's tensor): elements stored as raw_data,
/// little-endian, row-major.
type TensorProto =
    { /// The tensor's name (the value name nodes refer to it by).
      Name: string
      /// The element type.
      DataType: DataType
      /// The dimensions, outermost first; empty for a scalar.
      Dims: int64[]
      /// The elements as fixed-width little-endian bytes, row-major.
      RawData: byte[] }

/// The value of a node attribute (AttributeProto's f, i, s, t, floats, ints, strings).
[<RequireQualifiedAccess>]
type AttributeValue =
    /// A float (type FLOAT = 1).
    | Float of float32
    /// An integer (type INT = 2).
    | Int of int64
    /// A UTF-8 string (type STRING = 3).
    | String of string
    /// A tensor (type TENSOR = 4).
    | Tensor of TensorProto
    /// A list of floats (type FLOATS = 6).
    | Floats of float32[]
    /// A list of integers (type INTS = 7).
    | Ints of int64[]
    /// A list of UTF-8 strings (type STRINGS = 8).
    | Strings of string[]

/// A named attribute of a node, such as Gemm's transB or Conv's pads.
type AttributeProto =
    { /// The attribute's name.
      Name: string
      /// Its value, which also gives its type.
      Value: AttributeValue }

/// One operator application in a graph.
type NodeProto =
    { /// The node's name (optional in ONNX; this library names every node).
      Name: string
      /// The operator, e.g. "Gemm".
      OpType: string
      /// The operator set's domain; "" is the default ONNX domain.
      Domain: string
      /// The input value names; "" stands for an optional input left out.
      Inputs: string list
      /// The output value names.
      Outputs: string list
      /// The attributes.
      Attributes: AttributeProto list }

/// One dimension of a declared tensor shape (TensorShapeProto.Dimension).
[<RequireQualifiedAccess>]
type Dimension =
    /// A known size (dim_value).
    | Fixed of int64
    /// A named size left open, such as the batch (dim_param).
    | Symbolic of string

/// A graph input or output: its name, element type and shape (ValueInfoProto with a tensor
/// TypeProto and its TensorShapeProto).
type ValueInfoProto =
    { /// The value's name.
      Name: string
      /// The element type.
      ElemType: DataType
      /// The dimensions, outermost first; empty for a scalar.
      Shape: Dimension list }

/// A computation graph: nodes in topological order, constant initializers, inputs and outputs.
type GraphProto =
    { /// The graph's name.
      Name: string
      /// The nodes, each after the nodes whose outputs it reads.
      Nodes: NodeProto list
      /// The constant tensors (weights, shapes, axes).
      Initializers: TensorProto list
      /// The values a caller feeds.
      Inputs: ValueInfoProto list
      /// The values a caller gets back.
      Outputs: ValueInfoProto list
      /// A description of the graph; "" for none.
      DocString: string }

/// An operator set the model uses (OperatorSetIdProto).
type OperatorSetIdProto =
    { /// The domain; "" is the default ONNX domain.
      Domain: string
      /// The operator set version, e.g. 17.
      Version: int64 }

/// A whole model: the IR version, the operator sets and the graph.
type ModelProto =
    { /// The version of the ONNX IR the model follows, e.g. 8.
      IrVersion: int64
      /// The operator sets the graph's nodes bind to.
      OpsetImport: OperatorSetIdProto list
      /// The name of the program that wrote the model.
      ProducerName: string
      /// The version of that program.
      ProducerVersion: string
      /// The graph.
      Graph: GraphProto
      /// A description of the model; "" for none.
      DocString: string }

/// Constructors of constant tensors.
[<RequireQualifiedAccess>]
module TensorProto =

    let private checkCount (op: string) (dims: int[]) (count: int) =
        Shape.checkValid op dims
        if Shape.count dims <> count then
            raise (ShapeMismatchException(op, sprintf "%d elements for dimensions %s" (Shape.count dims) (Shape.format dims), sprintf "%d elements" count))

    /// A float tensor of the given dimensions from its elements in row-major order.
    /// <exception cref="ShapeMismatchException">when the element count does not match the dimensions.</exception>
    let ofFloat32 (name: string) (dims: int[]) (values: float32[]) : TensorProto =
        checkCount "TensorProto.ofFloat32" dims values.Length
        let raw = Array.zeroCreate (4 * values.Length)
        for i in 0 .. values.Length - 1 do
            BinaryPrimitives.WriteSingleLittleEndian(Span<byte>(raw, 4 * i, 4), values.[i])
        { Name = name; DataType = DataType.Float; Dims = Array.map int64 dims; RawData = raw }

    /// A double tensor of the given dimensions from its elements in row-major order.
    /// <exception cref="ShapeMismatchException">when the element count does not match the dimensions.</exception>
    let ofDouble (name: string) (dims: int[]) (values: float[]) : TensorProto =
        checkCount "TensorProto.ofDouble" dims values.Length
        let raw = Array.zeroCreate (8 * values.Length)
        for i in 0 .. values.Length - 1 do
            BinaryPrimitives.WriteDoubleLittleEndian(Span<byte>(raw, 8 * i, 8), values.[i])
        { Name = name; DataType = DataType.Double; Dims = Array.map int64 dims; RawData = raw }

    /// An int64 tensor of the given dimensions from its elements in row-major order (shapes,
    /// axes, indices).
    /// <exception cref="ShapeMismatchException">when the element count does not match the dimensions.</exception>
    let ofInt64 (name: string) (dims: int[]) (values: int64[]) : TensorProto =
        checkCount "TensorProto.ofInt64" dims values.Length
        let raw = Array.zeroCreate (8 * values.Length)
        for i in 0 .. values.Length - 1 do
            BinaryPrimitives.WriteInt64LittleEndian(Span<byte>(raw, 8 * i, 8), values.[i])
        { Name = name; DataType = DataType.Int64; Dims = Array.map int64 dims; RawData = raw }

    /// The elements of a float tensor, read back from its raw bytes.
    /// <exception cref="InvalidValueException">when the tensor is not of type Float.</exception>
    let toFloat32 (t: TensorProto) : float32[] =
        if t.DataType <> DataType.Float then
            raise (InvalidValueException("TensorProto.toFloat32", "a tensor of type Float", sprintf "%A" t.DataType))
        Array.init (t.RawData.Length / 4) (fun i -> BinaryPrimitives.ReadSingleLittleEndian(ReadOnlySpan<byte>(t.RawData, 4 * i, 4)))

/// Constructors of node attributes.
[<RequireQualifiedAccess>]
module AttributeProto =

    /// An integer attribute.
    let int (name: string) (v: int64) = { Name = name; Value = AttributeValue.Int v }

    /// A list-of-integers attribute.
    let ints (name: string) (vs: int64 list) = { Name = name; Value = AttributeValue.Ints (Array.ofList vs) }

    /// A float attribute.
    let float (name: string) (v: float32) = { Name = name; Value = AttributeValue.Float v }

    /// A list-of-floats attribute.
    let floats (name: string) (vs: float32 list) = { Name = name; Value = AttributeValue.Floats (Array.ofList vs) }

    /// A string attribute.
    let string (name: string) (v: string) = { Name = name; Value = AttributeValue.String v }

    /// A list-of-strings attribute.
    let strings (name: string) (vs: string list) = { Name = name; Value = AttributeValue.Strings (Array.ofList vs) }

    /// A tensor attribute.
    let tensor (name: string) (t: TensorProto) = { Name = name; Value = AttributeValue.Tensor t }

/// The protobuf fields of each message, with the field numbers of onnx.proto. Fields are
/// written in field-number order; empty optional strings and empty repeated fields are left
/// out, as protobuf 3 does with default values. Repeated integers and floats are packed.
[<RequireQualifiedAccess>]
module Encode =

    let private optionalString (number: int) (s: string) =
        if String.IsNullOrEmpty s then [] else [ Protobuf.stringField number s ]

    let private packedInts (number: int) (vs: int64[]) =
        if vs.Length = 0 then [] else [ Protobuf.packedInt64Field number vs ]

    /// TensorProto: dims = 1, data_type = 2, name = 8, raw_data = 9.
    let tensor (t: TensorProto) : ProtoField list =
        packedInts 1 t.Dims
        @ [ Protobuf.int64Field 2 (int64 t.DataType.Code) ]
        @ optionalString 8 t.Name
        @ [ Protobuf.bytesField 9 t.RawData ]

    /// AttributeProto: name = 1, f = 2, i = 3, s = 4, t = 5, floats = 7, ints = 8, strings = 9,
    /// type = 20 (FLOAT 1, INT 2, STRING 3, TENSOR 4, FLOATS 6, INTS 7, STRINGS 8). A list is
    /// written even when empty: its type field still says what it is.
    let attribute (a: AttributeProto) : ProtoField list =
        let value, typeCode =
            match a.Value with
            | AttributeValue.Float f -> [ Protobuf.floatField 2 f ], 1L
            | AttributeValue.Int i -> [ Protobuf.int64Field 3 i ], 2L
            | AttributeValue.String s -> [ Protobuf.stringField 4 s ], 3L
            | AttributeValue.Tensor t -> [ Protobuf.messageField 5 (tensor t) ], 4L
            | AttributeValue.Floats fs -> (if fs.Length = 0 then [] else [ Protobuf.packedFloatField 7 fs ]), 6L
            | AttributeValue.Ints is -> packedInts 8 is, 7L
            | AttributeValue.Strings ss -> [ for s in ss -> Protobuf.stringField 9 s ], 8L
        [ Protobuf.stringField 1 a.Name ] @ value @ [ Protobuf.int64Field 20 typeCode ]

    /// NodeProto: input = 1, output = 2, name = 3, op_type = 4, attribute = 5, domain = 7.
    /// Every input is written, "" included (an optional input left out keeps its position).
    let node (n: NodeProto) : ProtoField list =
        [ for i in n.Inputs -> Protobuf.stringField 1 i ]
        @ [ for o in n.Outputs -> Protobuf.stringField 2 o ]
        @ optionalString 3 n.Name
        @ [ Protobuf.stringField 4 n.OpType ]
        @ [ for a in n.Attributes -> Protobuf.messageField 5 (attribute a) ]
        @ optionalString 7 n.Domain

    /// TensorShapeProto.Dimension: dim_value = 1 or dim_param = 2 (a oneof, written even when 0).
    let dimension (d: Dimension) : ProtoField list =
        match d with
        | Dimension.Fixed n -> [ Protobuf.int64Field 1 n ]
        | Dimension.Symbolic s -> [ Protobuf.stringField 2 s ]

    /// ValueInfoProto: name = 1, type = 2; TypeProto: tensor_type = 1; TypeProto.Tensor:
    /// elem_type = 1, shape = 2; TensorShapeProto: dim = 1.
    let valueInfo (v: ValueInfoProto) : ProtoField list =
        let shape = [ for d in v.Shape -> Protobuf.messageField 1 (dimension d) ]
        let tensorType = [ Protobuf.int64Field 1 (int64 v.ElemType.Code); Protobuf.messageField 2 shape ]
        [ Protobuf.stringField 1 v.Name; Protobuf.messageField 2 [ Protobuf.messageField 1 tensorType ] ]

    /// GraphProto: node = 1, name = 2, initializer = 5, doc_string = 10, input = 11, output = 12.
    let graph (g: GraphProto) : ProtoField list =
        [ for n in g.Nodes -> Protobuf.messageField 1 (node n) ]
        @ optionalString 2 g.Name
        @ [ for t in g.Initializers -> Protobuf.messageField 5 (tensor t) ]
        @ optionalString 10 g.DocString
        @ [ for i in g.Inputs -> Protobuf.messageField 11 (valueInfo i) ]
        @ [ for o in g.Outputs -> Protobuf.messageField 12 (valueInfo o) ]

    /// OperatorSetIdProto: domain = 1, version = 2.
    let operatorSet (o: OperatorSetIdProto) : ProtoField list =
        optionalString 1 o.Domain @ [ Protobuf.int64Field 2 o.Version ]

    /// ModelProto: ir_version = 1, producer_name = 2, producer_version = 3, doc_string = 6,
    /// graph = 7, opset_import = 8.
    let model (m: ModelProto) : ProtoField list =
        [ Protobuf.int64Field 1 m.IrVersion ]
        @ optionalString 2 m.ProducerName
        @ optionalString 3 m.ProducerVersion
        @ optionalString 6 m.DocString
        @ [ Protobuf.messageField 7 (graph m.Graph) ]
        @ [ for o in m.OpsetImport -> Protobuf.messageField 8 (operatorSet o) ]

/// Models as bytes.
[<RequireQualifiedAccess>]
module ModelProto =

    /// The IR version this library writes by default: 8 (read by ONNX Runtime 1.10 and later).
    [<Literal>]
    let DefaultIrVersion = 8L

    /// The default-domain operator set version this library writes by default: 17.
    [<Literal>]
    let DefaultOpset = 17L

    /// A model of the graph with IR version 8, the default ONNX operator set 17 and this
    /// library as the producer.
    let ofGraph (graph: GraphProto) : ModelProto =
        { IrVersion = DefaultIrVersion
          OpsetImport = [ { Domain = ""; Version = DefaultOpset } ]
          ProducerName = "DeepFunctional"
          ProducerVersion = (match typeof<TensorProto>.Assembly.GetName().Version with null -> "0.0" | v -> v.ToString())
          Graph = graph
          DocString = "" }

    /// The model in the protobuf wire format (the contents of a .onnx file).
    let toBytes (m: ModelProto) : byte[] = Protobuf.encode (Encode.model m)
