/// The ONNX export (Onnx.Protobuf, Onnx.Model, Onnx.Graph, Onnx.Export, Onnx.File). The wire
/// format is checked against bytes computed by hand from the protobuf encoding rules; every
/// layer pattern is exported, loaded in ONNX Runtime (the real client of an export) and run on
/// random inputs, and its outputs are compared with our own forward pass in float32, within
/// 1e-5 (absolute). The recurrent layers are compared with their cells stepped by hand from a
/// non-zero starting state, and a gate order other than ONNX's is shown to fail that comparison.
module DeepFunctional.Tests.OnnxTests

open System
open System.Collections.Generic
open System.IO
open Expecto
open Microsoft.ML.OnnxRuntime
open DeepFunctional
open DeepFunctional.Onnx
open DeepFunctional.Tests.Check
open DeepFunctional.Tests.OnnxRuntimeRun

/// The largest accepted difference between ONNX Runtime's float32 outputs and ours.
let tolerance = 1e-5

// ---------------------------------------------------------------------------------------------
// Helpers

let bytes (xs: int list) = xs |> List.map byte |> Array.ofList

/// Hex of a byte array, for readable failures.
let hex (b: byte[]) = b |> Array.map (sprintf "%02X") |> String.concat " "

let expectBytes (actual: byte[]) (expected: byte[]) (what: string) =
    Expect.equal (hex actual) (hex expected) what

/// The largest absolute difference, after checking the shapes agree.
let maxDiff (ours: Tensor<float32>) (onnx: Tensor<float32>) =
    Expect.equal onnx.Shape ours.Shape "ONNX Runtime's output has our output's shape"
    float (Tensor.maxAbsDiff ours onnx)

/// Asserts that ONNX Runtime's output matches ours within `tolerance`.
let expectClose (what: string) (ours: Tensor<float32>) (onnx: Tensor<float32>) =
    let d = maxDiff ours onnx
    Expect.isTrue (d <= tolerance) (sprintf "%s: ONNX Runtime and our forward pass differ by %g (tolerance %g)" what d tolerance)

/// A one-input, one-output model: x declared with the given shape, `body` appended, y declared.
let singleModel (inputShape: Dimension list) (outputShape: Dimension list) (body: string -> GraphBuilder -> string * GraphBuilder) : ModelProto =
    let x, g = GraphBuilder.create "test" |> GraphBuilder.input "x" inputShape
    let y, g = body x g
    g |> GraphBuilder.output "y" y outputShape |> GraphBuilder.toModel

/// Runs a one-input model on x and returns its only output.
let runSingle (model: ModelProto) (x: Tensor<float32>) : Tensor<float32> =
    match runOnnx model [ "x", x ] with
    | [ y ] -> y
    | outs -> failtestf "expected one output, got %d" outs.Length

let batch = Dimension.Symbolic "batch"
let fixedDims (dims: int list) = dims |> List.map (int64 >> Dimension.Fixed)

/// A random tensor scaled by s.
let scaled (s: float) (seed: int64) (shape: int[]) : Tensor<float32> =
    Tensor.scale (float32 s) (randomTensor<float32> seed shape)

/// A [1; n] state repeated for every row of a batch.
let broadcastRows (rows: int) (s: Tensor<float32>) : Tensor<float32> =
    Tensor.create [| rows; s.Length |] (Array.concat (Array.create rows (s.ToArray())))

/// The ops of a model's nodes, in order.
let opTypes (m: ModelProto) = m.Graph.Nodes |> List.map (fun n -> n.OpType)

// ---------------------------------------------------------------------------------------------
// References written here: a transposed convolution and the recurrent layers stepped by hand.

/// The transposed convolution from its definition: every input pixel scatters its kernel,
/// y[n, o, i·s − p + u, j·s − p + v] += x[n, c, i, j]·w[c, o, u, v] (w: [in; out; k; k]), on an
/// output of side (h − 1)·s − 2p + k + op, then the bias per output channel. In double.
let convTransposeReference (stride: int) (pad: int) (outPad: int) (w: Tensor<float32>) (bias: Tensor<float32> option) (x: Tensor<float32>) : Tensor<float32> =
    let n, cin, h, wd = x.Shape.[0], x.Shape.[1], x.Shape.[2], x.Shape.[3]
    let cout, k = w.Shape.[1], w.Shape.[2]
    let oh = (h - 1) * stride - 2 * pad + k + outPad
    let ow = (wd - 1) * stride - 2 * pad + k + outPad
    let xs, ws = floats x, floats w
    let y = Array.zeroCreate<float> (n * cout * oh * ow)
    for b in 0 .. n - 1 do
        for c in 0 .. cin - 1 do
            for i in 0 .. h - 1 do
                for j in 0 .. wd - 1 do
                    let xv = xs.[((b * cin + c) * h + i) * wd + j]
                    for o in 0 .. cout - 1 do
                        for u in 0 .. k - 1 do
                            for v in 0 .. k - 1 do
                                let r, q = i * stride - pad + u, j * stride - pad + v
                                if r >= 0 && r < oh && q >= 0 && q < ow then
                                    let at = ((b * cout + o) * oh + r) * ow + q
                                    y.[at] <- y.[at] + xv * ws.[((c * cout + o) * k + u) * k + v]
    match bias with
    | Some bt ->
        let bs = floats bt
        for b in 0 .. n - 1 do
            for o in 0 .. cout - 1 do
                for q in 0 .. oh * ow - 1 do
                    let at = (b * cout + o) * oh * ow + q
                    y.[at] <- y.[at] + bs.[o]
    | None -> ()
    Tensor.ofFloats [| n; cout; oh; ow |] y

/// x_t of x [batch; seq; n]: [batch; n].
let stepOf (x: Tensor<float32>) (t: int) : Tensor<float32> =
    let b, s, n = x.Shape.[0], x.Shape.[1], x.Shape.[2]
    let v = x.ToArray()
    Tensor.create [| b; n |] (Array.init (b * n) (fun i -> v.[((i / n) * s + t) * n + i % n]))

/// Steps [batch; n] interleaved into [batch; seq; n].
let stackSteps (steps: Tensor<float32> list) : Tensor<float32> =
    let arr = Array.ofList steps
    let b, n, s = arr.[0].Shape.[0], arr.[0].Shape.[1], arr.Length
    let vs = arr |> Array.map (fun t -> t.ToArray())
    Tensor.create [| b; s; n |] (Array.init (b * s * n) (fun i -> vs.[(i / n) % s].[(i / (s * n)) * n + i % n]))

/// The output projection the recurrent exports are tested with: 5 hidden -> 2 outputs.
let projection: DenseParams<float32> = { W = scaled 0.5 23L [| 5; 2 |]; B = scaled 0.5 24L [| 1; 2 |] }

/// Our cell's step function over a whole sequence, then the projection at every step:
/// x [batch; seq; inputs] -> [batch; seq; outputs], the state carried from step to step.
let stepped (step: Tensor<float32> -> 'S -> Tensor<float32> * 'S) (state: 'S) (x: Tensor<float32>) : Tensor<float32> =
    let seq = x.Shape.[1]
    let hs, _ = List.mapFold (fun s t -> step (stepOf x t) s) state [ 0 .. seq - 1 ]
    hs |> List.map (fun h -> Tensor.addRow (Tensor.matmul h projection.W) projection.B) |> stackSteps

/// The last step of [batch; seq; n]: [batch; n].
let lastStep (y: Tensor<float32>) : Tensor<float32> = stepOf y (y.Shape.[1] - 1)

let rnnParams () = fst (RnnCell.init<float32> 3 5 0.5 (Rng.seed 11L))
let lstmParams () = fst (LstmCell.init<float32> 3 5 0.5 (Rng.seed 12L))
let gruParams () = fst (GruCell.init<float32> 3 5 0.5 (Rng.seed 13L))
let seqInput (rows: int) (seed: int64) = randomTensor<float32> seed [| rows; 6; 3 |]
let h0 = scaled 0.5 21L [| 1; 5 |]
let c0 = scaled 0.5 22L [| 1; 5 |]

let rnnReference (p: RnnParams<float32>) (h: Tensor<float32>) (x: Tensor<float32>) =
    stepped (fun xt h -> let h, _ = RnnCell.forward p xt h in h, h) (broadcastRows x.Shape.[0] h) x

let lstmReference (p: LstmParams<float32>) (h: Tensor<float32>) (c: Tensor<float32>) (x: Tensor<float32>) =
    let rows = x.Shape.[0]
    stepped (fun xt (h, c) -> let h, c, _ = LstmCell.forward p xt h c in h, (h, c)) (broadcastRows rows h, broadcastRows rows c) x

let gruReference (p: GruParams<float32>) (h: Tensor<float32>) (x: Tensor<float32>) =
    stepped (fun xt h -> let h, _ = GruCell.forward p xt h in h, h) (broadcastRows x.Shape.[0] h) x

let seqIn = [ batch; Dimension.Fixed 6L; Dimension.Fixed 3L ]
let seqOut = [ batch; Dimension.Fixed 6L; Dimension.Fixed 2L ]
let lastOut = [ batch; Dimension.Fixed 2L ]

// ---------------------------------------------------------------------------------------------

let protobufTests =
    testList "Protobuf" [
        testCase "Varints take one byte up to 127 and two from 128" <| fun () ->
            expectBytes (Protobuf.varint 0UL) (bytes [ 0x00 ]) "0"
            expectBytes (Protobuf.varint 1UL) (bytes [ 0x01 ]) "1"
            expectBytes (Protobuf.varint 127UL) (bytes [ 0x7F ]) "127, the largest one-byte varint"
            expectBytes (Protobuf.varint 128UL) (bytes [ 0x80; 0x01 ]) "128, the smallest two-byte varint"
            expectBytes (Protobuf.varint 300UL) (bytes [ 0xAC; 0x02 ]) "300, the encoding guide's example"
            expectBytes (Protobuf.varint 16383UL) (bytes [ 0xFF; 0x7F ]) "2^14 - 1, the largest two-byte varint"
            expectBytes (Protobuf.varint 16384UL) (bytes [ 0x80; 0x80; 0x01 ]) "2^14 takes three bytes"

        testCase "Varints around 2^32 and the largest uint64 take five and ten bytes" <| fun () ->
            expectBytes (Protobuf.varint 4294967295UL) (bytes [ 0xFF; 0xFF; 0xFF; 0xFF; 0x0F ]) "2^32 - 1"
            expectBytes (Protobuf.varint 4294967296UL) (bytes [ 0x80; 0x80; 0x80; 0x80; 0x10 ]) "2^32"
            expectBytes (Protobuf.varint UInt64.MaxValue) (bytes [ 0xFF; 0xFF; 0xFF; 0xFF; 0xFF; 0xFF; 0xFF; 0xFF; 0xFF; 0x01 ]) "2^64 - 1"
            for v in [ 0UL; 127UL; 128UL; 16384UL; 4294967296UL; UInt64.MaxValue ] do
                Expect.equal (Protobuf.varintSize v) (Protobuf.varint v).Length (sprintf "varintSize %d" v)

        testCase "A negative int64 field is its two's complement in ten bytes" <| fun () ->
            expectBytes (Protobuf.encode [ Protobuf.int64Field 1 -1L ])
                (bytes [ 0x08; 0xFF; 0xFF; 0xFF; 0xFF; 0xFF; 0xFF; 0xFF; 0xFF; 0xFF; 0x01 ]) "-1"
            expectBytes (Protobuf.encode [ Protobuf.int64Field 1 -2L ])
                (bytes [ 0x08; 0xFE; 0xFF; 0xFF; 0xFF; 0xFF; 0xFF; 0xFF; 0xFF; 0xFF; 0x01 ]) "-2"
            expectBytes (Protobuf.encode [ Protobuf.int64Field 1 Int64.MinValue ])
                (bytes [ 0x08; 0x80; 0x80; 0x80; 0x80; 0x80; 0x80; 0x80; 0x80; 0x80; 0x01 ]) "-2^63"

        testCase "Fields carry their number and wire type in the key, as in the encoding guide's examples" <| fun () ->
            expectBytes (Protobuf.encode [ Protobuf.int64Field 1 150L ]) (bytes [ 0x08; 0x96; 0x01 ]) "field 1 = 150"
            expectBytes (Protobuf.encode [ Protobuf.stringField 2 "testing" ])
                (bytes [ 0x12; 0x07; 0x74; 0x65; 0x73; 0x74; 0x69; 0x6E; 0x67 ]) "field 2 = \"testing\""
            expectBytes (Protobuf.encode [ Protobuf.messageField 3 [ Protobuf.int64Field 1 150L ] ])
                (bytes [ 0x1A; 0x03; 0x08; 0x96; 0x01 ]) "field 3 = a message with field 1 = 150"
            expectBytes (Protobuf.encode [ Protobuf.int64Field 16 1L ]) (bytes [ 0x80; 0x01; 0x01 ]) "field 16 needs a two-byte key"

        testCase "Floats and doubles are fixed32 and fixed64, little-endian" <| fun () ->
            expectBytes (Protobuf.encode [ Protobuf.floatField 2 1.0f ]) (bytes [ 0x15; 0x00; 0x00; 0x80; 0x3F ]) "float 1.0"
            expectBytes (Protobuf.encode [ Protobuf.floatField 2 -2.5f ]) (bytes [ 0x15; 0x00; 0x00; 0x20; 0xC0 ]) "float -2.5"
            expectBytes (Protobuf.encode [ Protobuf.doubleField 1 1.0 ])
                (bytes [ 0x09; 0x00; 0x00; 0x00; 0x00; 0x00; 0x00; 0xF0; 0x3F ]) "double 1.0"

        testCase "Packed repeated fields have one key and one length for all elements" <| fun () ->
            expectBytes (Protobuf.encode [ Protobuf.packedInt64Field 4 [| 3L; 270L; 86942L |] ])
                (bytes [ 0x22; 0x06; 0x03; 0x8E; 0x02; 0x9E; 0xA7; 0x05 ]) "the encoding guide's packed example"
            expectBytes (Protobuf.encode [ Protobuf.packedFloatField 1 [| 1.0f; -2.0f |] ])
                (bytes [ 0x0A; 0x08; 0x00; 0x00; 0x80; 0x3F; 0x00; 0x00; 0x00; 0xC0 ]) "two floats"
            expectBytes (Protobuf.encode [ Protobuf.packedDoubleField 1 [| 2.0 |] ])
                (bytes [ 0x0A; 0x08; 0x00; 0x00; 0x00; 0x00; 0x00; 0x00; 0x00; 0x40 ]) "one double"
            expectBytes (Protobuf.encode [ Protobuf.packedInt64Field 1 [| -1L |] ])
                (bytes [ 0x0A; 0x0A; 0xFF; 0xFF; 0xFF; 0xFF; 0xFF; 0xFF; 0xFF; 0xFF; 0xFF; 0x01 ]) "a packed -1 takes ten bytes"

        testCase "A length prefix of 128 bytes or more is itself a multi-byte varint" <| fun () ->
            let payload = Array.create 200 0xABuy
            let encoded = Protobuf.encode [ Protobuf.bytesField 1 payload ]
            expectBytes encoded.[0..2] (bytes [ 0x0A; 0xC8; 0x01 ]) "key, then 200 as a two-byte varint"
            Expect.equal encoded.Length 203 "key, length and payload"
            Expect.equal (Protobuf.size [ Protobuf.bytesField 1 payload ]) 203 "size measures what encode writes"

        testCase "Field numbers outside 1 .. 2^29 - 1 or in the reserved range are refused" <| fun () ->
            for n in [ 0; -1; 19000; 19999; Protobuf.MaxFieldNumber + 1 ] do
                throwsValue "Protobuf.encode" (fun () -> Protobuf.encode [ Protobuf.int64Field n 1L ] |> ignore)
            expectBytes (Protobuf.encode [ Protobuf.int64Field Protobuf.MaxFieldNumber 0L ]) (bytes [ 0xF8; 0xFF; 0xFF; 0xFF; 0x0F; 0x00 ]) "the largest field number"
    ]

let modelTests =
    testList "Model" [
        testCase "TensorProto stores floats and int64s as little-endian raw data" <| fun () ->
            let t = TensorProto.ofFloat32 "w" [| 2 |] [| 1.0f; -2.0f |]
            expectBytes t.RawData (bytes [ 0x00; 0x00; 0x80; 0x3F; 0x00; 0x00; 0x00; 0xC0 ]) "two floats"
            Expect.equal t.Dims [| 2L |] "dims"
            let i = TensorProto.ofInt64 "s" [||] [| -1L |]
            expectBytes i.RawData (Array.create 8 0xFFuy) "a scalar -1"
            let d = TensorProto.ofDouble "d" [| 1; 1 |] [| 1.0 |]
            expectBytes d.RawData (bytes [ 0; 0; 0; 0; 0; 0; 0xF0; 0x3F ]) "one double"
            Expect.equal (TensorProto.toFloat32 t) [| 1.0f; -2.0f |] "read back"

        testCase "TensorProto refuses an element count that does not match its dimensions" <| fun () ->
            throwsShape "TensorProto.ofFloat32" (fun () -> TensorProto.ofFloat32 "w" [| 2; 2 |] [| 1.0f |] |> ignore)
            throwsShape "TensorProto.ofInt64" (fun () -> TensorProto.ofInt64 "s" [| 3 |] [| 1L |] |> ignore)

        testCase "A tensor encodes dims, data_type, name and raw_data with onnx.proto's field numbers" <| fun () ->
            let t = TensorProto.ofFloat32 "w" [| 2 |] [| 1.0f; -2.0f |]
            expectBytes (Protobuf.encode (Encode.tensor t))
                (bytes [ 0x0A; 0x01; 0x02                 // dims = 1, packed [2]
                         0x10; 0x01                       // data_type = 2: FLOAT
                         0x42; 0x01; 0x77                 // name = 8: "w"
                         0x4A; 0x08; 0x00; 0x00; 0x80; 0x3F; 0x00; 0x00; 0x00; 0xC0 ]) // raw_data = 9
                "TensorProto"

        testCase "An ints attribute encodes name, packed ints and its type INTS in field 20" <| fun () ->
            expectBytes (Protobuf.encode (Encode.attribute (AttributeProto.ints "pads" [ 1L; 2L ])))
                (bytes [ 0x0A; 0x04; 0x70; 0x61; 0x64; 0x73 // name = 1: "pads"
                         0x42; 0x02; 0x01; 0x02             // ints = 8, packed
                         0xA0; 0x01; 0x07 ])                // type = 20: INTS (7)
                "AttributeProto"
            expectBytes (Protobuf.encode (Encode.attribute (AttributeProto.float "alpha" 1.0f)))
                (bytes [ 0x0A; 0x05; 0x61; 0x6C; 0x70; 0x68; 0x61; 0x15; 0x00; 0x00; 0x80; 0x3F; 0xA0; 0x01; 0x01 ]) "a FLOAT attribute"
            expectBytes (Protobuf.encode (Encode.attribute (AttributeProto.int "axis" 0L)))
                (bytes [ 0x0A; 0x04; 0x61; 0x78; 0x69; 0x73; 0x18; 0x00; 0xA0; 0x01; 0x02 ]) "an INT attribute writes its 0"
            expectBytes (Protobuf.encode (Encode.attribute (AttributeProto.strings "a" [ "T" ])))
                (bytes [ 0x0A; 0x01; 0x61; 0x4A; 0x01; 0x54; 0xA0; 0x01; 0x08 ]) "a STRINGS attribute"

        testCase "A graph input with a symbolic batch writes dim_param and dim_value" <| fun () ->
            let v = { Name = "x"; ElemType = DataType.Float; Shape = [ Dimension.Symbolic "N"; Dimension.Fixed 3L ] }
            expectBytes (Protobuf.encode (Encode.valueInfo v))
                (bytes [ 0x0A; 0x01; 0x78                         // name = 1: "x"
                         0x12; 0x0F                               // type = 2 (TypeProto)
                         0x0A; 0x0D                               //   tensor_type = 1
                         0x08; 0x01                               //     elem_type = 1: FLOAT
                         0x12; 0x09                               //     shape = 2
                         0x0A; 0x03; 0x12; 0x01; 0x4E             //       dim: dim_param = 2 "N"
                         0x0A; 0x02; 0x08; 0x03 ])                //       dim: dim_value = 1 3
                "ValueInfoProto"

        testCase "A node writes every input, an omitted optional one as an empty string" <| fun () ->
            let n = { Name = ""; OpType = "Op"; Domain = ""; Inputs = [ "a"; "" ]; Outputs = [ "b" ]; Attributes = [] }
            expectBytes (Protobuf.encode (Encode.node n))
                (bytes [ 0x0A; 0x01; 0x61; 0x0A; 0x00; 0x12; 0x01; 0x62; 0x22; 0x02; 0x4F; 0x70 ]) "NodeProto"

        testCase "A model starts with IR version 8 and imports the default operator set 17" <| fun () ->
            let x, g = GraphBuilder.create "g" |> GraphBuilder.input "x" [ batch ]
            let model = g |> GraphBuilder.output "x" x [ batch ] |> GraphBuilder.toModel
            Expect.equal model.IrVersion 8L "IR version"
            Expect.equal model.OpsetImport [ { Domain = ""; Version = 17L } ] "opset import"
            let b = ModelProto.toBytes model
            expectBytes b.[0..1] (bytes [ 0x08; 0x08 ]) "ir_version = 1: 8"
            expectBytes b.[b.Length - 4 ..] (bytes [ 0x42; 0x02; 0x10; 0x11 ]) "opset_import = 8: { version = 2: 17 }"
    ]

let builderTests =
    testList "GraphBuilder" [
        testCase "Fresh names never repeat a name the graph already has" <| fun () ->
            let g = GraphBuilder.create "g"
            let a, g = GraphBuilder.freshName "W" g
            let b, g = GraphBuilder.freshName "W" g
            let c, _ = GraphBuilder.freshName "W" g
            Expect.equal [ a; b; c ] [ "W"; "W_1"; "W_2" ] "a stem, then numbered"

        testCase "Initializers and node outputs get distinct names when two layers share a stem" <| fun () ->
            let p: DenseParams<float32> = { W = randomTensor<float32> 1L [| 4; 4 |]; B = randomTensor<float32> 2L [| 1; 4 |] }
            let x, g = GraphBuilder.create "g" |> GraphBuilder.input "x" [ batch; Dimension.Fixed 4L ]
            let h, g = Export.dense p Activation.ReLU x g
            let y, g = Export.dense p Activation.ReLU h g
            let m = g |> GraphBuilder.output "y" y [ batch; Dimension.Fixed 4L ] |> GraphBuilder.toModel
            let names = (m.Graph.Initializers |> List.map (fun t -> t.Name)) @ (m.Graph.Nodes |> List.collect (fun n -> n.Name :: n.Outputs))
            Expect.equal (List.distinct names) names "every name is unique"
            Expect.equal m.Graph.Initializers.Length 4 "two W and two B"

        testCase "A node reading a value the graph does not have is refused" <| fun () ->
            let g = GraphBuilder.create "g"
            throwsValue "GraphBuilder.node (Relu)" (fun () -> GraphBuilder.node "Relu" [ "nowhere" ] [] g |> ignore)

        testCase "A graph input whose name is taken is refused" <| fun () ->
            let _, g = GraphBuilder.create "g" |> GraphBuilder.input "x" [ batch ]
            throwsValue "GraphBuilder.input" (fun () -> GraphBuilder.input "x" [ batch ] g |> ignore)

        testCase "A graph without an output cannot become a model" <| fun () ->
            let _, g = GraphBuilder.create "g" |> GraphBuilder.input "x" [ batch ]
            throwsValue "GraphBuilder.toGraph" (fun () -> GraphBuilder.toModel g |> ignore)

        testCase "An output under a new name is an Identity node that ONNX Runtime runs" <| fun () ->
            let m = singleModel [ batch; Dimension.Fixed 2L ] [ batch; Dimension.Fixed 2L ] (fun x g -> x, g)
            Expect.equal (opTypes m) [ "Identity" ] "x renamed to y"
            let x = randomTensor<float32> 3L [| 3; 2 |]
            Expect.equal ((runSingle m x).ToArray()) (x.ToArray()) "the identity"
    ]

// ---------------------------------------------------------------------------------------------

let denseTests =
    testList "Dense" [
        for act in [ Activation.Linear; Activation.Sigmoid; Activation.Tanh; Activation.ReLU ] do
            testCase (sprintf "Dense with %O exports to a Gemm that ONNX Runtime evaluates like our forward pass" act) <| fun () ->
                let spec = Dense.create 3 act
                let (p: DenseParams<float32>), _ = Dense.init spec 4 (Rng.seed 5L)
                let m = singleModel [ batch; Dimension.Fixed 4L ] [ batch; Dimension.Fixed 3L ] (Export.denseLayer spec p)
                Expect.equal (List.head (opTypes m)) "Gemm" "a Gemm first"
                let x = randomTensor<float32> 6L [| 7; 4 |]
                expectClose "Dense" (fst (Dense.forward spec p x)) (runSingle m x)

        testCase "One exported Dense model serves batches of any size (the batch is symbolic)" <| fun () ->
            let spec = Dense.create 3 Activation.Tanh
            let (p: DenseParams<float32>), _ = Dense.init spec 4 (Rng.seed 5L)
            let m = singleModel [ batch; Dimension.Fixed 4L ] [ batch; Dimension.Fixed 3L ] (Export.denseLayer spec p)
            use session = new InferenceSession(ModelProto.toBytes m)
            for rows in [ 1; 2; 9 ] do
                let x = randomTensor<float32> (int64 rows) [| rows; 4 |]
                expectClose (sprintf "batch of %d" rows) (fst (Dense.forward spec p x)) (List.head (runSession session [ "x", x ]))

        testCase "A double-precision Dense layer exports as float32 and agrees with its double forward pass to float32 accuracy" <| fun () ->
            let spec = Dense.create 3 Activation.Sigmoid
            let (p: DenseParams<float>), _ = Dense.init spec 4 (Rng.seed 5L)
            let m = singleModel [ batch; Dimension.Fixed 4L ] [ batch; Dimension.Fixed 3L ] (Export.denseLayer spec p)
            Expect.isTrue (m.Graph.Initializers |> List.forall (fun t -> t.DataType = DataType.Float)) "every initializer is float32"
            let x = randomTensor<float> 6L [| 5; 4 |]
            let ours = fst (Dense.forward spec p x) |> Tensor.convert<float, float32>
            expectClose "Dense in double" ours (runSingle m (Tensor.convert<float, float32> x))

        testCase "Book-scaled dropout exports as a Mul by the keep probability and inverted dropout as nothing" <| fun () ->
            for scaling, ops in [ DropoutScaling.Classic, [ "Gemm"; "Relu"; "Mul"; "Identity" ]; DropoutScaling.Inverted, [ "Gemm"; "Relu"; "Identity" ] ] do
                let spec = Dense.create 3 Activation.ReLU |> Dense.withDropout scaling 0.8
                let (p: DenseParams<float32>), _ = Dense.init spec 4 (Rng.seed 8L)
                let m = singleModel [ batch; Dimension.Fixed 4L ] [ batch; Dimension.Fixed 3L ] (Export.denseLayer spec p)
                Expect.equal (opTypes m) ops (sprintf "%A dropout's nodes" scaling)
                let x = randomTensor<float32> 9L [| 6; 4 |]
                expectClose (sprintf "%A dropout" scaling) (fst (Dense.forward spec p x)) (runSingle m x)

        testCase "A softmax head exports as Softmax over axis 1 and gives our Softmax.forward" <| fun () ->
            let (p: DenseParams<float32>), _ = Dense.init (Dense.create 5 Activation.Linear) 4 (Rng.seed 10L)
            let m =
                singleModel [ batch; Dimension.Fixed 4L ] [ batch; Dimension.Fixed 5L ] (fun x g ->
                    let z, g = Export.dense p Activation.Linear x g
                    Export.softmax z g)
            let x = randomTensor<float32> 11L [| 4; 4 |]
            let ours = Softmax.forward (fst (Dense.forward (Dense.create 5 Activation.Linear) p x))
            expectClose "softmax head" ours (runSingle m x)

        testCase "Dense refuses a bias that is not a [1; out] row" <| fun () ->
            let p: DenseParams<float32> = { W = randomTensor<float32> 1L [| 4; 3 |]; B = randomTensor<float32> 2L [| 1; 4 |] }
            throwsShape "Export.dense" (fun () -> singleModel [ batch ] [ batch ] (Export.dense p Activation.Linear) |> ignore)
    ]

let preprocessingTests =
    testList "Preprocessing" [
        testCase "Per-feature standardisation exports as Sub and Div and gives Standardizer.apply" <| fun () ->
            let raw = Tensor.add (scaled 30.0 31L [| 20; 3 |]) (Tensor.fill [| 20; 3 |] 100.0f)
            let s = Data.Standardizer.fit raw
            let m = singleModel [ batch; Dimension.Fixed 3L ] [ batch; Dimension.Fixed 3L ] (Export.standardize s)
            Expect.equal (opTypes m |> List.take 2) [ "Sub"; "Div" ] "Sub then Div"
            expectClose "standardised" (Data.Standardizer.apply s raw) (runSingle m raw)

        testCase "Pixel standardisation lets a client feed raw 0-255 pixels to a model trained on standardised ones" <| fun () ->
            let stats: PixelStatistics = { Mean = 33.3; Std = 78.6 }
            let pixels = Tensor.create [| 2; 1; 2; 2 |] [| 0.0f; 255.0f; 128.0f; 7.0f; 1.0f; 2.0f; 254.0f; 100.0f |]
            let m = singleModel [ batch; Dimension.Fixed 1L; Dimension.Fixed 2L; Dimension.Fixed 2L ] [ batch; Dimension.Fixed 1L; Dimension.Fixed 2L; Dimension.Fixed 2L ] (Export.standardizePixels stats)
            let ours = pixels |> Tensor.map (fun p -> float32 ((float p - stats.Mean) / stats.Std))
            expectClose "standardised pixels" ours (runSingle m pixels)

        testCase "Pixel scaling exports as a Mul by the factor" <| fun () ->
            let pixels = Tensor.create [| 1; 4 |] [| 0.0f; 51.0f; 128.0f; 255.0f |]
            let m = singleModel [ batch; Dimension.Fixed 4L ] [ batch; Dimension.Fixed 4L ] (Export.scale (1.0 / 255.0))
            expectClose "scaled" (pixels |> Tensor.map (fun p -> p / 255.0f)) (runSingle m pixels)

        testCase "Standardisation refuses a zero or non-finite divisor" <| fun () ->
            throwsValue "Export.standardize" (fun () -> singleModel [ batch ] [ batch ] (Export.standardize ({ Means = [| 0.0 |]; Stds = [| 0.0 |] }: Standardizer)) |> ignore)
            throwsValue "Export.standardizePixels" (fun () -> singleModel [ batch ] [ batch ] (Export.standardizePixels ({ Mean = 0.0; Std = nan }: PixelStatistics)) |> ignore)
    ]

let image = [ batch; Dimension.Fixed 2L; Dimension.Fixed 7L; Dimension.Fixed 6L ]
let imageInput (rows: int) (seed: int64) = randomTensor<float32> seed [| rows; 2; 7; 6 |]
let anyImage = [ batch; Dimension.Symbolic "c"; Dimension.Symbolic "h"; Dimension.Symbolic "w" ]

let convTests =
    testList "Conv2d" [
        for k, stride, pad, bias in [ 3, 1, 1, false; 3, 2, 0, true; 2, 1, 0, true; 5, 2, 2, false; 1, 3, 0, true ] do
            testCase (sprintf "Conv2d (k %d, stride %d, padding %d, bias %b) exports to a Conv that ONNX Runtime evaluates like Conv2d.forward" k stride pad bias) <| fun () ->
                let geometry = Conv2dGeometry.create stride pad
                let p: Conv2DParams<float32> = { W = scaled 0.3 40L [| 2; 3; k; k |]; B = (if bias then Some (randomTensor<float32> 41L [| 3 |]) else None) }
                let m = singleModel image anyImage (Export.conv2d geometry p)
                let x = imageInput 3 42L
                let conv = Conv2d.forward geometry p.W x
                let ours = match p.B with Some b -> ChannelBias.forward conv b | None -> conv
                expectClose "Conv" ours (runSingle m x)

        testCase "A Conv2D layer with bias, activation, flatten and book dropout exports like Conv2D.forward" <| fun () ->
            let spec = Conv2D.create 4 3 Activation.Tanh |> Conv2D.withBias true |> Conv2D.withFlatten true |> Conv2D.withDropout DropoutScaling.Classic 0.75
            let (p0: Conv2DParams<float32>), _ = Conv2D.init spec 2 (Rng.seed 43L)
            let p = { p0 with B = Some (randomTensor<float32> 44L [| 4 |]) }
            let m = singleModel image [ batch; Dimension.Fixed (int64 (4 * 7 * 6)) ] (Export.conv2dLayer spec p)
            Expect.equal (opTypes m) [ "Conv"; "Tanh"; "Flatten"; "Mul"; "Identity" ] "the layer's nodes"
            let x = imageInput 2 45L
            expectClose "Conv2D layer" (fst (Conv2D.forward spec p x)) (runSingle m x)

        testCase "A per-channel bias on its own exports as an Add that gives ChannelBias.forward" <| fun () ->
            let b = randomTensor<float32> 46L [| 2 |]
            let m = singleModel image image (Export.channelBias b)
            let x = imageInput 2 47L
            expectClose "ChannelBias" (ChannelBias.forward x b) (runSingle m x)

        testCase "A Conv2D layer whose kernel does not fit its spec is refused" <| fun () ->
            let spec = Conv2D.create 4 3 Activation.Tanh
            let p: Conv2DParams<float32> = { W = randomTensor<float32> 1L [| 2; 5; 3; 3 |]; B = None }
            throwsShape "Export.conv2dLayer" (fun () -> singleModel image anyImage (Export.conv2dLayer spec p) |> ignore)

        for k, stride in [ 2, 2; 3, 1; 3, 2 ] do
            testCase (sprintf "Max and average pooling (k %d, stride %d) export to MaxPool and AveragePool like our pooling" k stride) <| fun () ->
                let x = imageInput 3 48L
                let mMax = singleModel image anyImage (Export.maxPool k stride)
                expectClose "MaxPool" (MaxPool2d.forward k stride x) (runSingle mMax x)
                let mAvg = singleModel image anyImage (Export.avgPool k stride)
                expectClose "AveragePool" (AvgPool2d.forward k stride x) (runSingle mAvg x)

        testCase "Flatten and Reshape keep the row-major order of our Flatten and Tensor.reshape" <| fun () ->
            let x = imageInput 3 49L
            let flat = singleModel image [ batch; Dimension.Fixed 84L ] Export.flatten
            expectClose "Flatten" (Flatten.forward x) (runSingle flat x)
            let re = singleModel image [ batch; Dimension.Fixed 14L; Dimension.Fixed 6L ] (Export.reshape [| 14; 6 |])
            expectClose "Reshape" (Tensor.reshape [| 3; 14; 6 |] x) (runSingle re x)
            throwsValue "Export.reshape" (fun () -> singleModel image image (Export.reshape [| 0; 3 |]) |> ignore)

        testCase "A small convolutional classifier exports as one graph from raw pixels to probabilities" <| fun () ->
            let stats: PixelStatistics = { Mean = 100.0; Std = 60.0 }
            let convSpec = Conv2D.create 3 3 Activation.ReLU |> Conv2D.withWeightInit WeightInit.Glorot
            let (pc: Conv2DParams<float32>), rng = Conv2D.init convSpec 2 (Rng.seed 50L)
            let denseSpec = Dense.create 4 Activation.Linear |> Dense.withWeightInit WeightInit.Glorot
            let (pd: DenseParams<float32>), _ = Dense.init denseSpec (3 * 3 * 3) rng
            let m =
                singleModel image [ batch; Dimension.Fixed 4L ] (fun x g ->
                    let h, g = Export.standardizePixels stats x g
                    let h, g = Export.conv2dLayer convSpec pc h g
                    let h, g = Export.maxPool 2 2 h g
                    let h, g = Export.flatten h g
                    let h, g = Export.denseLayer denseSpec pd h g
                    Export.softmax h g)
            let pixels = imageInput 4 51L |> Tensor.map (fun v -> float32 (Math.Round(Math.Clamp(128.0 + 60.0 * float v, 0.0, 255.0))))
            let standardised = pixels |> Tensor.map (fun p -> float32 ((float p - stats.Mean) / stats.Std))
            let h = fst (Conv2D.forward convSpec pc standardised) |> MaxPool2d.forward 2 2 |> Flatten.forward
            let ours = Softmax.forward (fst (Dense.forward denseSpec pd h))
            expectClose "classifier" ours (runSingle m pixels)
    ]

let convTransposeTests =
    testList "ConvTranspose" [
        testCase "The naive transposed-convolution reference is the adjoint of Conv2d.forward" <| fun () ->
            // <Conv(x), y> = <x, ConvT(y)>, with ConvT's kernel the same [in; out; k; k] tensor read
            // the other way round: Conv maps in -> out channels, its adjoint out -> in.
            let geometry = Conv2dGeometry.create 2 1
            let w = randomTensor<float32> 60L [| 2; 3; 3; 3 |]
            let x = randomTensor<float32> 61L [| 1; 2; 7; 7 |]
            let cx = Conv2d.forward geometry w x
            let y = randomTensor<float32> 62L cx.Shape
            let wT = Tensor.create [| 3; 2; 3; 3 |] [| for o in 0 .. 2 do for c in 0 .. 1 do for q in 0 .. 8 -> (w.ToArray()).[(c * 3 + o) * 9 + q] |]
            let ty = convTransposeReference 2 1 0 wT None y
            let dot (a: Tensor<float32>) (b: Tensor<float32>) = Array.fold2 (fun s u v -> s + u * v) 0.0 (floats a) (floats b)
            Expect.equal ty.Shape x.Shape "ConvT brings the image back to its size"
            Expect.floatClose Accuracy.low (dot cx y) (dot x ty) "<Conv x, y> = <x, ConvT y>"

        for stride, pad, outPad, bias in [ 1, 0, 0, false; 2, 1, 1, true; 2, 0, 0, true; 3, 1, 2, false; 2, 1, 0, false ] do
            testCase (sprintf "ConvTranspose (stride %d, padding %d, output padding %d, bias %b) evaluates like the naive reference" stride pad outPad bias) <| fun () ->
                let geometry = Conv2dGeometry.create stride pad
                let w = scaled 0.3 63L [| 2; 3; 3; 3 |]
                let b = if bias then Some (randomTensor<float32> 64L [| 3 |]) else None
                let m = singleModel [ batch; Dimension.Fixed 2L; Dimension.Fixed 4L; Dimension.Fixed 5L ] anyImage (Export.convTranspose2d geometry outPad w b)
                let x = randomTensor<float32> 65L [| 2; 2; 4; 5 |]
                let ours = convTransposeReference stride pad outPad w b x
                Expect.equal ours.Shape.[2] ((4 - 1) * stride - 2 * pad + 3 + outPad) "the reference's height"
                expectClose "ConvTranspose" ours (runSingle m x)

        testCase "ConvTranspose refuses an output padding not below the stride" <| fun () ->
            let w = randomTensor<float32> 66L [| 2; 3; 3; 3 |]
            throwsValue "Export.convTranspose2d" (fun () -> singleModel image anyImage (Export.convTranspose2d (Conv2dGeometry.create 2 0) 2 w None) |> ignore)
    ]

let recurrentTests =
    testList "Recurrent" [
        testCase "An RNN layer with a carried state exports to RNN and ONNX Runtime gives our cell's outputs step by step" <| fun () ->
            let p = rnnParams ()
            let m = singleModel seqIn seqOut (Export.rnn p (Some projection) (Some h0) SequenceOutput.AllSteps)
            Expect.equal (opTypes m) [ "Transpose"; "Shape"; "Concat"; "Expand"; "RNN"; "Squeeze"; "Transpose"; "MatMul"; "Add"; "Identity" ] "the pattern's nodes"
            let x = seqInput 4 70L
            expectClose "RNN" (rnnReference p h0 x) (runSingle m x)

        testCase "An LSTM layer with a carried state exports to LSTM (gates i, o, f, c) and ONNX Runtime gives our cell's outputs step by step" <| fun () ->
            let p = lstmParams ()
            let m = singleModel seqIn seqOut (Export.lstm p (Some projection) (Some (h0, c0)) SequenceOutput.AllSteps)
            let x = seqInput 4 71L
            expectClose "LSTM" (lstmReference p h0 c0 x) (runSingle m x)

        testCase "A GRU layer with a carried state exports to GRU (gates z, r, h, linear_before_reset 0) and ONNX Runtime gives our cell's outputs step by step" <| fun () ->
            let p = gruParams ()
            let m = singleModel seqIn seqOut (Export.gru p (Some projection) (Some h0) SequenceOutput.AllSteps)
            Expect.contains (m.Graph.Nodes |> List.find (fun n -> n.OpType = "GRU")).Attributes (AttributeProto.int "linear_before_reset" 0L) "our GRU resets h before its product"
            let x = seqInput 4 72L
            expectClose "GRU" (gruReference p h0 x) (runSingle m x)

        testCase "The last-step variants give the last step of our outputs as [batch; outputs]" <| fun () ->
            let x = seqInput 3 73L
            let run body = runSingle (singleModel seqIn lastOut body) x
            expectClose "RNN, last step" (lastStep (rnnReference (rnnParams ()) h0 x)) (run (Export.rnn (rnnParams ()) (Some projection) (Some h0) SequenceOutput.LastStep))
            expectClose "LSTM, last step" (lastStep (lstmReference (lstmParams ()) h0 c0 x)) (run (Export.lstm (lstmParams ()) (Some projection) (Some (h0, c0)) SequenceOutput.LastStep))
            expectClose "GRU, last step" (lastStep (gruReference (gruParams ()) h0 x)) (run (Export.gru (gruParams ()) (Some projection) (Some h0) SequenceOutput.LastStep))
            Expect.contains (opTypes (singleModel seqIn lastOut (Export.lstm (lstmParams ()) (Some projection) None SequenceOutput.LastStep))) "Gather" "a Gather of the last step"

        testCase "Without a carried state the recurrent exports start from zeros" <| fun () ->
            let zero = Tensor.zeros<float32> [| 1; 5 |]
            let x = seqInput 2 74L
            let run body = runSingle (singleModel seqIn seqOut body) x
            let lstmModel = singleModel seqIn seqOut (Export.lstm (lstmParams ()) (Some projection) None SequenceOutput.AllSteps)
            Expect.isFalse (opTypes lstmModel |> List.contains "Expand") "no starting state in the graph"
            expectClose "RNN from zeros" (rnnReference (rnnParams ()) zero x) (run (Export.rnn (rnnParams ()) (Some projection) None SequenceOutput.AllSteps))
            expectClose "LSTM from zeros" (lstmReference (lstmParams ()) zero zero x) (runSingle lstmModel x)
            expectClose "GRU from zeros" (gruReference (gruParams ()) zero x) (run (Export.gru (gruParams ()) (Some projection) None SequenceOutput.AllSteps))

        testCase "Sequence layers with their carried states export like SequenceLayer.forward, for batches of any size" <| fun () ->
            for spec in [ SequenceLayer.rnn 5 2; SequenceLayer.lstm 5 2; SequenceLayer.gru 5 2 ] do
                let layer, _ = SequenceLayer.init<float32> (SequenceLayer.withWeightScale 0.5 spec) 3 (Rng.seed 75L)
                let state: SequenceState<float32> = { H = h0; C = (if spec.Kind = CellKind.Lstm then Some c0 else None) }
                let m = singleModel seqIn seqOut (Export.sequenceLayer layer (Some state) SequenceOutput.AllSteps)
                use session = new InferenceSession(ModelProto.toBytes m)
                for rows in [ 1; 5 ] do
                    let x = seqInput rows 76L
                    let ours, _, _ = SequenceLayer.forward layer state x
                    expectClose (sprintf "%A layer, batch of %d" spec.Kind rows) ours (List.head (runSession session [ "x", x ]))

        testCase "Sequence layers refuse a carried state that does not fit their cell" <| fun () ->
            let lstm, _ = SequenceLayer.init<float32> (SequenceLayer.lstm 5 2) 3 (Rng.seed 77L)
            let gru, _ = SequenceLayer.init<float32> (SequenceLayer.gru 5 2) 3 (Rng.seed 77L)
            let body layer state = Export.sequenceLayer layer (Some state) SequenceOutput.AllSteps
            throwsShape "Export.sequenceLayer" (fun () -> singleModel seqIn seqOut (body lstm ({ H = h0; C = None }: SequenceState<float32>)) |> ignore)
            throwsShape "Export.sequenceLayer" (fun () -> singleModel seqIn seqOut (body gru ({ H = h0; C = Some c0 }: SequenceState<float32>)) |> ignore)
            throwsShape "Export.gru" (fun () -> singleModel seqIn seqOut (body gru ({ H = Tensor.zeros [| 1; 4 |]; C = None }: SequenceState<float32>)) |> ignore)

        testCase "An LSTM exported with its gates in our order f, i, o, c instead of ONNX's loads, runs and is far from our forward pass" <| fun () ->
            let p = lstmParams ()
            let x = seqInput 4 78L
            let ours = lstmReference p h0 c0 x
            let right = runSingle (singleModel seqIn seqOut (Export.lstmWithGateOrder Export.lstmGateOrder p (Some projection) (Some (h0, c0)) SequenceOutput.AllSteps)) x
            let wrong = runSingle (singleModel seqIn seqOut (Export.lstmWithGateOrder [ 0; 1; 2; 3 ] p (Some projection) (Some (h0, c0)) SequenceOutput.AllSteps)) x
            Expect.isLessThanOrEqual (maxDiff ours right) tolerance "ONNX's order i, o, f, c matches"
            Expect.isGreaterThan (maxDiff ours wrong) (1000.0 * tolerance) "our order f, i, o, c does not: it is off by more than 1000 times the tolerance"

        testCase "A GRU exported with its gates in our order r, u instead of ONNX's z, r is far from our forward pass" <| fun () ->
            let p = gruParams ()
            let x = seqInput 4 79L
            let ours = gruReference p h0 x
            let right = runSingle (singleModel seqIn seqOut (Export.gruWithGateOrder Export.gruGateOrder p (Some projection) (Some h0) SequenceOutput.AllSteps)) x
            let wrong = runSingle (singleModel seqIn seqOut (Export.gruWithGateOrder [ 0; 1 ] p (Some projection) (Some h0) SequenceOutput.AllSteps)) x
            Expect.isLessThanOrEqual (maxDiff ours right) tolerance "ONNX's order z, r matches"
            Expect.isGreaterThan (maxDiff ours wrong) (1000.0 * tolerance) "our order r, u does not: it is off by more than 1000 times the tolerance"
    ]

// ---------------------------------------------------------------------------------------------

/// A fresh empty folder under the system's temporary folder, deleted after f.
let withTempFolder (f: string -> unit) =
    let dir = Path.Combine(Path.GetTempPath(), sprintf "df-onnx-%s" (Guid.NewGuid().ToString("N")))
    Directory.CreateDirectory dir |> ignore
    try f dir
    finally Directory.Delete(dir, true)

let denseModel () =
    let spec = Dense.create 3 Activation.Sigmoid
    let (p: DenseParams<float32>), _ = Dense.init spec 4 (Rng.seed 90L)
    spec, p, singleModel [ batch; Dimension.Fixed 4L ] [ batch; Dimension.Fixed 3L ] (Export.denseLayer spec p)

let fileTests =
    testList "OnnxFile" [
        testCase "A model written to a file loads in ONNX Runtime from its path and leaves no temporary file" <| fun () ->
            withTempFolder (fun dir ->
                let spec, p, m = denseModel ()
                let path = Path.Combine(dir, "dense.onnx")
                OnnxFile.write path m
                Expect.equal (Directory.GetFiles dir |> Array.map Path.GetFileName) [| "dense.onnx" |] "only the model"
                Expect.equal (File.ReadAllBytes path) (ModelProto.toBytes m) "the model's bytes"
                use session = new InferenceSession(path)
                let x = randomTensor<float32> 91L [| 2; 4 |]
                expectClose "from the file" (fst (Dense.forward spec p x)) (List.head (runSession session [ "x", x ])))

        testCase "Writing over an existing file replaces it whole" <| fun () ->
            withTempFolder (fun dir ->
                let _, _, m = denseModel ()
                let path = Path.Combine(dir, "model.onnx")
                File.WriteAllText(path, String('x', 100000))
                OnnxFile.write path m
                Expect.equal (File.ReadAllBytes path) (ModelProto.toBytes m) "the new model only"
                Expect.equal (Directory.GetFiles dir).Length 1 "no temporary file")

        testCase "A path in a folder that does not exist is refused with a typed error and nothing is created" <| fun () ->
            withTempFolder (fun dir ->
                let _, _, m = denseModel ()
                let missing = Path.Combine(dir, "missing")
                let e = caught<FileWriteException> (fun () -> OnnxFile.write (Path.Combine(missing, "m.onnx")) m)
                Expect.equal e.Path (Path.Combine(missing, "m.onnx")) "names the path"
                Expect.stringContains e.Message "does not exist" "says what is wrong"
                Expect.isFalse (Directory.Exists missing) "the folder was not created"
                Expect.isEmpty (Directory.GetFileSystemEntries dir) "nothing was left behind")

        testCase "A folder given as the file is refused with a typed error and left as it was" <| fun () ->
            withTempFolder (fun dir ->
                let _, _, m = denseModel ()
                let folder = Path.Combine(dir, "model.onnx")
                Directory.CreateDirectory folder |> ignore
                let e = caught<FileWriteException> (fun () -> OnnxFile.write folder m)
                Expect.equal e.Path folder "names the path"
                Expect.stringContains e.Message "is a folder" "says what is wrong"
                Expect.isEmpty (Directory.GetFileSystemEntries folder) "the folder is still empty"
                Expect.equal (Directory.GetFileSystemEntries dir |> Array.map Path.GetFileName) [| "model.onnx" |] "nothing was left beside it"
                caught<FileWriteException> (fun () -> OnnxFile.write (dir + string Path.DirectorySeparatorChar) m) |> ignore)
    ]

[<Tests>]
let tests =
    testList "Onnx" [
        protobufTests
        modelTests
        builderTests
        denseTests
        preprocessingTests
        convTests
        convTransposeTests
        recurrentTests
        fileTests
    ]
