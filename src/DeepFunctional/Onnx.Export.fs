namespace DeepFunctional.Onnx

open System.Numerics
open DeepFunctional

/// Which time steps a recurrent layer's export returns.
[<RequireQualifiedAccess>]
type SequenceOutput =
    /// The output of every step: [batch; seq; n] (the projection's, or the hidden state itself).
    | AllSteps
    /// The output of the last step only: [batch; n] (a sequence classifier's head).
    | LastStep

/// The ONNX nodes of each layer pattern of this library, appended to a `GraphBuilder`. Every
/// function takes the name of its input value and the builder last and returns the name of
/// its output value and the new builder, so patterns chain:
/// `let h, g = Export.dense p Activation.ReLU x g in Export.softmax h g`.
///
/// Parameters become float32 initializers whatever 'T is: a double model is exported in single
/// precision (its weights rounded to nearest), so its ONNX outputs agree with the double forward
/// pass to float32 accuracy only. Operators are those of the default ONNX domain at opset 17.
[<RequireQualifiedAccess>]
module Export =

    let private ints (xs: int list) = xs |> List.map int64

    // -----------------------------------------------------------------------------------------
    // Elementwise and shape patterns

    /// The activation as its ONNX operator: Sigmoid, Tanh, Relu; Linear adds nothing.
    /// x: any shape -> the same shape.
    let activation (a: Activation) (x: string) (g: GraphBuilder) : string * GraphBuilder =
        match a with
        | Activation.Linear -> x, g
        | Activation.Sigmoid -> GraphBuilder.node "Sigmoid" [ x ] [] g
        | Activation.Tanh -> GraphBuilder.node "Tanh" [ x ] [] g
        | Activation.ReLU -> GraphBuilder.node "Relu" [ x ] [] g

    /// Dropout as it runs at inference: inverted dropout is the identity (adds nothing); the
    /// book's scaling multiplies by the keep probability (`Mul` by a scalar).
    /// <exception cref="InvalidValueException">when keep is outside (0, 1].</exception>
    let dropout (scaling: DropoutScaling) (keep: float) (x: string) (g: GraphBuilder) : string * GraphBuilder =
        Dropout.checkKeep "Export.dropout" keep
        match scaling with
        | DropoutScaling.Inverted -> x, g
        | DropoutScaling.Classic when keep = 1.0 -> x, g
        | DropoutScaling.Classic ->
            let k, g = GraphBuilder.scalar "keep" keep g
            GraphBuilder.node "Mul" [ x; k ] [] g

    /// `Flatten(axis = 1)`: [batch; d1; …; dr] -> [batch; d1·…·dr], row-major as our `Flatten`.
    let flatten (x: string) (g: GraphBuilder) : string * GraphBuilder =
        GraphBuilder.node "Flatten" [ x ] [ AttributeProto.int "axis" 1L ] g

    /// `Reshape` to [batch; sampleShape] (the shape an int64 initializer [0; sampleShape], where
    /// 0 keeps the input's batch). Elements keep their row-major order.
    /// <exception cref="InvalidValueException">when sampleShape is empty or has a dimension below 1.</exception>
    let reshape (sampleShape: int[]) (x: string) (g: GraphBuilder) : string * GraphBuilder =
        if sampleShape.Length = 0 || sampleShape |> Array.exists (fun d -> d < 1) then
            raise (InvalidValueException("Export.reshape", "a sample shape of one or more positive dimensions", sprintf "[%s]" (Shape.format sampleShape)))
        let shape, g = GraphBuilder.int64s "shape" [| sampleShape.Length + 1 |] (Array.append [| 0L |] (Array.map int64 sampleShape)) g
        GraphBuilder.node "Reshape" [ x; shape ] [] g

    /// `Softmax(axis = 1)`: the probabilities of a classifier's logits, [batch; classes] -> the
    /// same shape, as our `Softmax.forward`.
    let softmax (x: string) (g: GraphBuilder) : string * GraphBuilder =
        GraphBuilder.node "Softmax" [ x ] [ AttributeProto.int "axis" 1L ] g

    // -----------------------------------------------------------------------------------------
    // Input preprocessing

    let private checkDivisors (op: string) (stds: float[]) =
        match stds |> Array.tryFindIndex (fun s -> not (System.Double.IsFinite s) || s = 0.0) with
        | Some i -> raise (InvalidValueException(op, "finite, non-zero divisors", sprintf "%g at column %d" stds.[i] i))
        | None -> ()

    /// Per-feature standardisation (x − mean) / std as `Sub` and `Div` by [features]
    /// initializers, broadcast over the batch: [batch; features] -> the same shape. With it in
    /// the graph a client feeds raw values. The statistics are rounded to float32.
    /// <exception cref="InvalidValueException">when a std is zero or not finite.</exception>
    let standardize (s: Standardizer) (x: string) (g: GraphBuilder) : string * GraphBuilder =
        if s.Means.Length <> s.Stds.Length then
            raise (InvalidValueException("Export.standardize", sprintf "as many stds as means (%d)" s.Means.Length, string s.Stds.Length))
        checkDivisors "Export.standardize" s.Stds
        let n = s.Means.Length
        let mean, g = GraphBuilder.floats "mean" [| n |] (Array.map float32 s.Means) g
        let std, g = GraphBuilder.floats "std" [| n |] (Array.map float32 s.Stds) g
        let centred, g = GraphBuilder.node "Sub" [ x; mean ] [] g
        GraphBuilder.node "Div" [ centred; std ] [] g

    /// Global standardisation (x − Mean) / Std with scalar initializers (the book's image
    /// preprocessing, so a client feeds raw 0–255 pixels as float32): any shape -> the same shape.
    /// <exception cref="InvalidValueException">when Std is zero or not finite.</exception>
    let standardizePixels (s: PixelStatistics) (x: string) (g: GraphBuilder) : string * GraphBuilder =
        checkDivisors "Export.standardizePixels" [| s.Std |]
        let mean, g = GraphBuilder.scalar "mean" s.Mean g
        let std, g = GraphBuilder.scalar "std" s.Std g
        let centred, g = GraphBuilder.node "Sub" [ x; mean ] [] g
        GraphBuilder.node "Div" [ centred; std ] [] g

    /// Scaling by a constant factor, e.g. 1/255 for pixels (`Mul` by a scalar): any shape -> the same shape.
    /// <exception cref="InvalidValueException">when the factor is not finite.</exception>
    let scale (factor: float) (x: string) (g: GraphBuilder) : string * GraphBuilder =
        if not (System.Double.IsFinite factor) then
            raise (InvalidValueException("Export.scale", "a finite factor", string factor))
        let f, g = GraphBuilder.scalar "scale" factor g
        GraphBuilder.node "Mul" [ x; f ] [] g

    // -----------------------------------------------------------------------------------------
    // Dense

    /// X·W + B then the activation, as `Gemm` (transA = transB = 0: our W is [in; out] as Gemm's
    /// B wants it; our bias row [1; out] broadcasts as Gemm's C). x: [batch; in] -> [batch; out].
    /// <exception cref="ShapeMismatchException">when W is not a matrix or B is not a [1; out] row.</exception>
    let dense<'T when 'T :> IFloatingPointIeee754<'T>> (p: DenseParams<'T>) (act: Activation) (x: string) (g: GraphBuilder) : string * GraphBuilder =
        Shape.checkRank "Export.dense" "W" 2 p.W.Dims
        Shape.checkExact "Export.dense" "B" [| 1; p.W.Dims.[1] |] p.B.Dims
        let w, g = GraphBuilder.tensor "W" p.W g
        let b, g = GraphBuilder.tensor "B" p.B g
        let attrs =
            [ AttributeProto.float "alpha" 1.0f; AttributeProto.float "beta" 1.0f
              AttributeProto.int "transA" 0L; AttributeProto.int "transB" 0L ]
        let z, g = GraphBuilder.node "Gemm" [ x; w; b ] attrs g
        activation act z g

    /// A whole dense layer at inference, as `Dense.forward` computes it: `dense`, then dropout
    /// in its inference form. x: [batch; in] -> [batch; neurons].
    /// <exception cref="ShapeMismatchException">when the parameters do not fit together.</exception>
    let denseLayer<'T when 'T :> IFloatingPointIeee754<'T>> (spec: DenseSpec) (p: DenseParams<'T>) (x: string) (g: GraphBuilder) : string * GraphBuilder =
        let y, g = dense p spec.Activation x g
        dropout spec.DropoutScaling spec.KeepProbability y g

    // -----------------------------------------------------------------------------------------
    // Convolution and pooling

    /// Our kernel [inChannels; outChannels; k; k] as ONNX Conv's [outChannels; inChannels; k; k]
    /// (the first two axes swapped), as float32.
    let internal convKernel<'T when 'T :> IFloatingPointIeee754<'T>> (w: Tensor<'T>) : float32[] =
        let cin, cout, kh, kw = w.Dims.[0], w.Dims.[1], w.Dims.[2], w.Dims.[3]
        let kk = kh * kw
        let out = Array.zeroCreate<float32> w.Length
        for c in 0 .. cin - 1 do
            for o in 0 .. cout - 1 do
                for q in 0 .. kk - 1 do
                    out.[(o * cin + c) * kk + q] <- float32 (Num.toFloat w.Data.[(c * cout + o) * kk + q])
        out

    let private checkKernel (op: string) (w: Tensor<'T>) (bias: Tensor<'T> option) =
        Shape.checkRank op "kernel [inChannels; outChannels; k; k]" 4 w.Dims
        if w.Dims.[2] <> w.Dims.[3] then
            raise (ShapeMismatchException(op, "a square kernel [inChannels; outChannels; k; k]", sprintf "kernel of shape %s" (Shape.format w.Dims)))
        match bias with
        | Some b -> Shape.checkExact op "bias [outChannels]" [| w.Dims.[1] |] b.Dims
        | None -> ()

    /// `Conv2d.forward` with an optional bias per output channel, as one `Conv`: W swapped from
    /// our [in; out; k; k] to ONNX's [out; in; k; k]; pads [p, p, p, p] (top, left, bottom,
    /// right); strides [s, s]; the bias as Conv's third input.
    /// x: [batch; in; h; w] -> [batch; out; h'; w'].
    /// <exception cref="ShapeMismatchException">when W is not a square kernel of rank 4 or the bias is not [out].</exception>
    /// <exception cref="InvalidValueException">when the geometry is invalid.</exception>
    let conv2d<'T when 'T :> IFloatingPointIeee754<'T>> (geometry: Conv2dGeometry) (p: Conv2DParams<'T>) (x: string) (g: GraphBuilder) : string * GraphBuilder =
        let op = "Export.conv2d"
        checkKernel op p.W p.B
        Conv2dGeometry.checkValues op geometry
        let cin, cout, k = p.W.Dims.[0], p.W.Dims.[1], p.W.Dims.[2]
        let w, g = GraphBuilder.floats "W" [| cout; cin; k; k |] (convKernel p.W) g
        let b, g = match p.B with Some b -> GraphBuilder.tensor "B" b g | None -> "", g
        let pad, s = geometry.Padding, geometry.Stride
        let attrs =
            [ AttributeProto.ints "kernel_shape" (ints [ k; k ])
              AttributeProto.ints "pads" (ints [ pad; pad; pad; pad ])
              AttributeProto.ints "strides" (ints [ s; s ])
              AttributeProto.ints "dilations" [ 1L; 1L ]
              AttributeProto.int "group" 1L ]
        let inputs = if b = "" then [ x; w ] else [ x; w; b ]
        GraphBuilder.node "Conv" inputs attrs g

    /// A whole convolutional layer at inference, as `Conv2D.forward` computes it: `conv2d`
    /// (with the layer's bias), the activation, `Flatten` when the layer flattens, then dropout
    /// in its inference form.
    /// <exception cref="ShapeMismatchException">when the parameters do not fit the spec.</exception>
    let conv2dLayer<'T when 'T :> IFloatingPointIeee754<'T>> (spec: Conv2DSpec) (p: Conv2DParams<'T>) (x: string) (g: GraphBuilder) : string * GraphBuilder =
        checkKernel "Export.conv2dLayer" p.W p.B
        if p.W.Dims.[1] <> spec.Filters || p.W.Dims.[2] <> spec.KernelSize then
            raise (ShapeMismatchException("Export.conv2dLayer", sprintf "a kernel with %d filters of %dx%d" spec.Filters spec.KernelSize spec.KernelSize, sprintf "kernel of shape %s" (Shape.format p.W.Dims)))
        let y, g = conv2d spec.Geometry p x g
        let y, g = activation spec.Activation y g
        let y, g = if spec.Flatten then flatten y g else y, g
        dropout spec.DropoutScaling spec.KeepProbability y g

    /// `ChannelBias.forward` on its own: `Add` of the bias as a [1; channels; 1; 1] initializer.
    /// x: [batch; channels; h; w] -> the same shape.
    /// <exception cref="ShapeMismatchException">when the bias is not of rank 1.</exception>
    let channelBias<'T when 'T :> IFloatingPointIeee754<'T>> (bias: Tensor<'T>) (x: string) (g: GraphBuilder) : string * GraphBuilder =
        Shape.checkRank "Export.channelBias" "bias [channels]" 1 bias.Dims
        let b, g = GraphBuilder.floats "bias" [| 1; bias.Length; 1; 1 |] (bias.Data |> Array.map (fun v -> float32 (Num.toFloat v))) g
        GraphBuilder.node "Add" [ x; b ] [] g

    /// A transposed convolution as one `ConvTranspose`: the kernel [in; out; k; k] as it is (the
    /// layout ONNX wants), strides [s, s], pads [p, p, p, p], output_padding [op, op] (extra rows
    /// and columns at the bottom and right, to reach the odd sizes stride 2 can also come from),
    /// and an optional bias [out]. x: [batch; in; h; w] -> [batch; out; h'; w'] with
    /// h' = (h − 1)·s − 2p + k + op.
    /// <exception cref="ShapeMismatchException">when W is not a square kernel of rank 4 or the bias is not [out].</exception>
    /// <exception cref="InvalidValueException">when the geometry is invalid or outputPadding is not in 0 .. stride − 1.</exception>
    let convTranspose2d<'T when 'T :> IFloatingPointIeee754<'T>> (geometry: Conv2dGeometry) (outputPadding: int) (w: Tensor<'T>) (bias: Tensor<'T> option) (x: string) (g: GraphBuilder) : string * GraphBuilder =
        let op = "Export.convTranspose2d"
        checkKernel op w bias
        Conv2dGeometry.checkValues op geometry
        if outputPadding < 0 || outputPadding >= geometry.Stride then
            raise (InvalidValueException(op, sprintf "an output padding in 0..%d (below the stride)" (geometry.Stride - 1), string outputPadding))
        let k = w.Dims.[2]
        let wName, g = GraphBuilder.tensor "W" w g
        let b, g = match bias with Some b -> GraphBuilder.tensor "B" b g | None -> "", g
        let pad, s = geometry.Padding, geometry.Stride
        let attrs =
            [ AttributeProto.ints "kernel_shape" (ints [ k; k ])
              AttributeProto.ints "pads" (ints [ pad; pad; pad; pad ])
              AttributeProto.ints "strides" (ints [ s; s ])
              AttributeProto.ints "output_padding" (ints [ outputPadding; outputPadding ])
              AttributeProto.ints "dilations" [ 1L; 1L ]
              AttributeProto.int "group" 1L ]
        let inputs = if b = "" then [ x; wName ] else [ x; wName; b ]
        GraphBuilder.node "ConvTranspose" inputs attrs g

    let private checkPool (op: string) (kernel: int) (stride: int) =
        if kernel < 1 then raise (InvalidValueException(op, "a pooling window of at least 1", sprintf "kernel %d" kernel))
        if stride < 1 then raise (InvalidValueException(op, "a stride of at least 1", sprintf "stride %d" stride))

    let private pool (opType: string) (op: string) (kernel: int) (stride: int) (x: string) (g: GraphBuilder) =
        checkPool op kernel stride
        let attrs = [ AttributeProto.ints "kernel_shape" (ints [ kernel; kernel ]); AttributeProto.ints "strides" (ints [ stride; stride ]) ]
        GraphBuilder.node opType [ x ] attrs g

    /// `MaxPool2d.forward` as `MaxPool` (kernel_shape [k, k], strides [s, s], no padding).
    /// x: [batch; c; h; w] -> [batch; c; h'; w'].
    /// <exception cref="InvalidValueException">when kernel or stride is below 1.</exception>
    let maxPool (kernel: int) (stride: int) (x: string) (g: GraphBuilder) : string * GraphBuilder =
        pool "MaxPool" "Export.maxPool" kernel stride x g

    /// `AvgPool2d.forward` as `AveragePool` (kernel_shape [k, k], strides [s, s], no padding).
    /// x: [batch; c; h; w] -> [batch; c; h'; w'].
    /// <exception cref="InvalidValueException">when kernel or stride is below 1.</exception>
    let avgPool (kernel: int) (stride: int) (x: string) (g: GraphBuilder) : string * GraphBuilder =
        pool "AveragePool" "Export.avgPool" kernel stride x g

    // -----------------------------------------------------------------------------------------
    // Recurrent layers

    /// ONNX's gate weights from ours. Each source is one of our matrices over [x_t, h_{t−1}]
    /// ([inputs + hidden; blocks·hidden], rows for x_t first) and the column block it gives, in
    /// ONNX's gate order. Returns W: [1; gates·hidden; inputs] (x_t's rows, transposed) and
    /// R: [1; gates·hidden; hidden] (h_{t−1}'s rows, transposed), row-major float32.
    let internal gateWeights<'T when 'T :> IFloatingPointIeee754<'T>> (inputs: int) (hidden: int) (sources: (Tensor<'T> * int) list) : float32[] * float32[] =
        let gates = sources.Length
        let w = Array.zeroCreate<float32> (gates * hidden * inputs)
        let r = Array.zeroCreate<float32> (gates * hidden * hidden)
        for k, (m: Tensor<'T>, block) in List.indexed sources do
            let cols = m.Dims.[1]
            for j in 0 .. hidden - 1 do
                let row = k * hidden + j
                let col = block * hidden + j
                for c in 0 .. inputs - 1 do
                    w.[row * inputs + c] <- float32 (Num.toFloat m.Data.[c * cols + col])
                for c in 0 .. hidden - 1 do
                    r.[row * hidden + c] <- float32 (Num.toFloat m.Data.[(inputs + c) * cols + col])
        w, r

    /// ONNX's bias B: [1; 2·gates·hidden] = [Wb, Rb] from our bias rows: Wb takes the given
    /// blocks in ONNX's gate order, Rb is zero (our cells have one bias per gate).
    let internal gateBiases<'T when 'T :> IFloatingPointIeee754<'T>> (hidden: int) (sources: (Tensor<'T> * int) list) : float32[] =
        let gates = sources.Length
        let b = Array.zeroCreate<float32> (2 * gates * hidden)
        for k, (row: Tensor<'T>, block) in List.indexed sources do
            for j in 0 .. hidden - 1 do
                b.[k * hidden + j] <- float32 (Num.toFloat row.Data.[block * hidden + j])
        b

    /// The pieces of one ONNX recurrent operator: its type, attributes and gate layout.
    type private Recurrence<'T> =
        { OpType: string
          Attributes: AttributeProto list
          Inputs: int
          Hidden: int
          Weights: (Tensor<'T> * int) list
          Biases: (Tensor<'T> * int) list
          /// Starting states [1; hidden] in the operator's order (initial_h, then initial_c).
          States: Tensor<'T> list
          /// The projection of every step's hidden state, when the layer has one.
          Projection: DenseParams<'T> option }

    /// Transpose to [seq; batch; in] → the operator (layout 0; sequence_lens left out; starting
    /// states expanded from [1; 1; hidden] to [1; batch; hidden]) → Squeeze(axes [1]) → the output
    /// projection, of every step (Transpose back, MatMul, Add) or of the last (Gather −1 on the
    /// time axis, MatMul, Add).
    let private recurrence<'T when 'T :> IFloatingPointIeee754<'T>> (r: Recurrence<'T>) (output: SequenceOutput) (x: string) (g: GraphBuilder) : string * GraphBuilder =
        let gates = r.Weights.Length
        let h = r.Hidden
        let xt, g = GraphBuilder.node "Transpose" [ x ] [ AttributeProto.ints "perm" [ 1L; 0L; 2L ] ] g
        let wv, rv = gateWeights r.Inputs h r.Weights
        let w, g = GraphBuilder.floats "W" [| 1; gates * h; r.Inputs |] wv g
        let rr, g = GraphBuilder.floats "R" [| 1; gates * h; h |] rv g
        let b, g = GraphBuilder.floats "B" [| 1; 2 * gates * h |] (gateBiases h r.Biases) g
        let states, g =
            match r.States with
            | [] -> [], g
            | states ->
                // [1, batch, hidden] from the batch of x, then each state broadcast to it.
                let batch, g = GraphBuilder.node "Shape" [ x ] [ AttributeProto.int "start" 0L; AttributeProto.int "end" 1L ] g
                let one, g = GraphBuilder.int64s "one" [| 1 |] [| 1L |] g
                let hid, g = GraphBuilder.int64s "hidden" [| 1 |] [| int64 h |] g
                let shape, g = GraphBuilder.node "Concat" [ one; batch; hid ] [ AttributeProto.int "axis" 0L ] g
                let expand (g: GraphBuilder) (s: Tensor<'T>) =
                    let s0, g = GraphBuilder.floats "initial_state" [| 1; 1; h |] (s.Data |> Array.map (fun v -> float32 (Num.toFloat v))) g
                    GraphBuilder.node "Expand" [ s0; shape ] [] g
                List.mapFold expand g states
        let inputs = [ xt; w; rr; b; "" ] @ states
        let y, g = GraphBuilder.node r.OpType inputs r.Attributes g
        let axes, g = GraphBuilder.int64s "axes" [| 1 |] [| 1L |] g
        let ys, g = GraphBuilder.node "Squeeze" [ y; axes ] [] g
        let hs, g =
            match output with
            | SequenceOutput.AllSteps -> GraphBuilder.node "Transpose" [ ys ] [ AttributeProto.ints "perm" [ 1L; 0L; 2L ] ] g
            | SequenceOutput.LastStep ->
                let last, g = GraphBuilder.int64s "last" [||] [| -1L |] g
                GraphBuilder.node "Gather" [ ys; last ] [ AttributeProto.int "axis" 0L ] g
        match r.Projection with
        | Some p ->
            let wvName, g = GraphBuilder.tensor "Wv" p.W g
            let bvName, g = GraphBuilder.tensor "Bv" p.B g
            let z, g = GraphBuilder.node "MatMul" [ hs; wvName ] [] g
            GraphBuilder.node "Add" [ z; bvName ] [] g
        | None -> hs, g

    let private recurrentAttributes (hidden: int) (extra: AttributeProto list) =
        [ AttributeProto.int "hidden_size" (int64 hidden)
          AttributeProto.string "direction" "forward"
          AttributeProto.int "layout" 0L ]
        @ extra

    let private checkState (op: string) (name: string) (hidden: int) (s: Tensor<'T> option) =
        match s with
        | Some s -> Shape.checkExact op name [| 1; hidden |] s.Dims; [ s ]
        | None -> []

    /// Our RNN layer (`RnnCell` over every step, then its output projection) as `RNN` with
    /// activations ["Tanh"]: W and R are the x_t and h_{t−1} rows of Wf, transposed; Wb = Bf,
    /// Rb = 0. h0: the carried starting state [1; hidden], or None for zeros.
    /// x: [batch; seq; inputs] -> [batch; seq; outputs] (AllSteps) or [batch; outputs] (LastStep).
    /// <exception cref="ShapeMismatchException">when the parameters or h0 do not fit together.</exception>
    let rnn<'T when 'T :> IFloatingPointIeee754<'T>> (p: RnnParams<'T>) (projection: DenseParams<'T> option) (h0: Tensor<'T> option) (output: SequenceOutput) (x: string) (g: GraphBuilder) : string * GraphBuilder =
        let inputs, hidden = RnnCell.sizes p
        recurrence
            { OpType = "RNN"; Attributes = recurrentAttributes hidden [ AttributeProto.strings "activations" [ "Tanh" ] ]
              Inputs = inputs; Hidden = hidden; Weights = [ p.Wf, 0 ]; Biases = [ p.Bf, 0 ]
              States = checkState "Export.rnn" "h0" hidden h0; Projection = projection }
            output x g

    /// Our LSTM gate blocks f = 0, i = 1, o = 2, C̄ = 3 in ONNX's order i, o, f, c.
    let internal lstmGateOrder = [ 1; 2; 0; 3 ]

    /// `lstm` with our gate blocks taken in the given order (ONNX's positions i, o, f, c).
    let internal lstmWithGateOrder<'T when 'T :> IFloatingPointIeee754<'T>> (order: int list) (p: LstmParams<'T>) (projection: DenseParams<'T> option) (state: (Tensor<'T> * Tensor<'T>) option) (output: SequenceOutput) (x: string) (g: GraphBuilder) =
        let inputs, hidden = LstmCell.sizes p
        let states =
            match state with
            | Some (h0, c0) -> checkState "Export.lstm" "h0" hidden (Some h0) @ checkState "Export.lstm" "c0" hidden (Some c0)
            | None -> []
        recurrence
            { OpType = "LSTM"; Attributes = recurrentAttributes hidden []
              Inputs = inputs; Hidden = hidden
              Weights = [ for k in order -> p.Wg, k ]; Biases = [ for k in order -> p.Bg, k ]
              States = states; Projection = projection }
            output x g

    /// Our LSTM layer (`LstmCell` over every step, then its output projection) as `LSTM`: our
    /// gate column blocks f, i, o, C̄ of Wg and Bg reordered to ONNX's i, o, f, c; W and R are the
    /// x_t and h_{t−1} rows of Wg, transposed ([1; 4·hidden; inputs], [1; 4·hidden; hidden]);
    /// Wb = Bg reordered, Rb = 0; no peepholes. state: the carried starting (h0, C0), each
    /// [1; hidden], or None for zeros.
    /// x: [batch; seq; inputs] -> [batch; seq; outputs] (AllSteps) or [batch; outputs] (LastStep).
    /// <exception cref="ShapeMismatchException">when the parameters or the state do not fit together.</exception>
    let lstm<'T when 'T :> IFloatingPointIeee754<'T>> (p: LstmParams<'T>) (projection: DenseParams<'T> option) (state: (Tensor<'T> * Tensor<'T>) option) (output: SequenceOutput) (x: string) (g: GraphBuilder) : string * GraphBuilder =
        lstmWithGateOrder lstmGateOrder p projection state output x g

    /// Our GRU gate blocks r = 0, u = 1 in ONNX's order z, r (ONNX's z is our u: the share of
    /// the old state kept).
    let internal gruGateOrder = [ 1; 0 ]

    /// `gru` with our gate blocks of Wg taken in the given order (ONNX's positions z, r).
    let internal gruWithGateOrder<'T when 'T :> IFloatingPointIeee754<'T>> (order: int list) (p: GruParams<'T>) (projection: DenseParams<'T> option) (h0: Tensor<'T> option) (output: SequenceOutput) (x: string) (g: GraphBuilder) =
        let inputs, hidden = GruCell.sizes p
        recurrence
            { OpType = "GRU"; Attributes = recurrentAttributes hidden [ AttributeProto.int "linear_before_reset" 0L ]
              Inputs = inputs; Hidden = hidden
              Weights = [ for k in order -> p.Wg, k ] @ [ p.Wc, 0 ]
              Biases = [ for k in order -> p.Bg, k ] @ [ p.Bc, 0 ]
              States = checkState "Export.gru" "h0" hidden h0; Projection = projection }
            output x g

    /// Our GRU layer (`GruCell` over every step, then its output projection) as `GRU` with
    /// linear_before_reset = 0, which is exactly our cell's equations: the reset gate multiplies
    /// h_{t−1} before its product with W_hh, h_t = u⊙h_{t−1} + (1 − u)⊙h̃. Gates z, r, h are our
    /// u and r blocks of Wg and the candidate's Wc; W and R are their x_t and h_{t−1} rows,
    /// transposed ([1; 3·hidden; inputs], [1; 3·hidden; hidden]); Wb = (B_u, B_r, Bc), Rb = 0.
    /// h0: the carried starting state [1; hidden], or None for zeros.
    /// x: [batch; seq; inputs] -> [batch; seq; outputs] (AllSteps) or [batch; outputs] (LastStep).
    /// <exception cref="ShapeMismatchException">when the parameters or h0 do not fit together.</exception>
    let gru<'T when 'T :> IFloatingPointIeee754<'T>> (p: GruParams<'T>) (projection: DenseParams<'T> option) (h0: Tensor<'T> option) (output: SequenceOutput) (x: string) (g: GraphBuilder) : string * GraphBuilder =
        gruWithGateOrder gruGateOrder p projection h0 output x g

    /// A sequence layer with its carried state (None for zeros), as `rnn`, `lstm` or `gru`.
    /// x: [batch; seq; inputs] -> [batch; seq; outputs] (AllSteps) or [batch; outputs] (LastStep).
    /// <exception cref="ShapeMismatchException">when the state does not fit the layer (an LSTM
    /// needs both H and C, the others only H).</exception>
    let sequenceLayer<'T when 'T :> IFloatingPointIeee754<'T>> (layer: SequenceLayer<'T>) (state: SequenceState<'T> option) (output: SequenceOutput) (x: string) (g: GraphBuilder) : string * GraphBuilder =
        let op = "Export.sequenceLayer"
        match layer.Params, state with
        | CellParams.Lstm p, Some { H = h; C = Some c } -> lstm p layer.Projection (Some (h, c)) output x g
        | CellParams.Lstm _, Some { C = None } ->
            raise (ShapeMismatchException(op, sprintf "a cell state C of shape 1x%d for an LSTM layer" layer.Spec.Hidden, "none"))
        | CellParams.Lstm p, None -> lstm p layer.Projection None output x g
        | _, Some { C = Some c } ->
            raise (ShapeMismatchException(op, "no cell state for a layer other than LSTM", sprintf "C of shape %s" (Shape.format c.Dims)))
        | CellParams.Rnn p, s -> rnn p layer.Projection (s |> Option.map (fun s -> s.H)) output x g
        | CellParams.Gru p, s -> gru p layer.Projection (s |> Option.map (fun s -> s.H)) output x g
