namespace DeepFunctional

open System
open System.Numerics

/// The recurrent cell a sequence layer runs at every time step.
[<RequireQualifiedAccess>]
type CellKind =
    /// The vanilla RNN cell (the book's `RNNNode`).
    | Rnn
    /// The LSTM cell (the book's `LSTMNode`).
    | Lstm
    /// The GRU cell with the standard equations.
    | Gru

    /// The cell's usual name: RNN, LSTM or GRU.
    override k.ToString() =
        match k with
        | Rnn -> "RNN"
        | Lstm -> "LSTM"
        | Gru -> "GRU"

/// The description of a sequence (recurrent) layer over [batch; seq; features] inputs: the
/// book's `RNNLayer`, `LSTMLayer`, `GRULayer` (`hidden_size`, `output_size`, `weight_scale`,
/// a starting state carried from batch to batch), and the layers of Keras and PyTorch (the hidden
/// state itself as output, every step or the last one, a fresh zero state every batch).
type SequenceLayerSpec =
    { /// The cell run at every step.
      Kind: CellKind
      /// The size of the hidden (and cell) state.
      Hidden: int
      /// The size of a projection h·Wv + Bv applied at every step (the book's `output_size`), or
      /// None for the hidden state itself.
      Outputs: int option
      /// The output of every step ([batch; seq; n]), or of the last step only ([batch; n]).
      ReturnSequences: bool
      /// Whether a batch starts from the batch mean of the previous batch's last state (the
      /// book's layers) or from zeros.
      CarryState: bool
      /// The standard deviation of the initial draws; None for 2/(features + outputs) (the
      /// book's; outputs is the hidden size without a projection).
      WeightScale: float option }

/// The parameters of a sequence layer's cell.
[<RequireQualifiedAccess>]
type CellParams<'T> =
    /// The parameters of an RNN cell.
    | Rnn of RnnParams<'T>
    /// The parameters of an LSTM cell.
    | Lstm of LstmParams<'T>
    /// The parameters of a GRU cell.
    | Gru of GruParams<'T>

/// The gradients of a sequence layer's parameters, summed over the time steps.
type SequenceGrads<'T> =
    { /// The cell's parameter gradients, in the order of `SequenceLayer.parameters`.
      Cell: Tensor<'T> list
      /// The projection's dW and dB, when the layer has one.
      Projection: DenseGrads<'T> option }

/// A sequence layer with its parameters drawn.
type SequenceLayer<'T> =
    { /// What the layer was built from.
      Spec: SequenceLayerSpec
      /// The number of input features per step.
      Inputs: int
      /// The cell's parameters.
      Params: CellParams<'T>
      /// The projection's W [hidden; outputs] and B [1; outputs], when the spec has one.
      Projection: DenseParams<'T> option }

/// The starting state a sequence layer carries from one batch to the next (as the book does):
/// the batch mean of the last step's state, one row broadcast to every sequence of the next batch.
type SequenceState<'T> =
    { /// The starting hidden state: [1; hidden].
      H: Tensor<'T>
      /// The starting cell state of an LSTM: [1; hidden]; None for the other cells.
      C: Tensor<'T> option }

/// What one step of a sequence layer's forward pass saw.
[<RequireQualifiedAccess>]
type internal StepCache<'T> =
    | Rnn of RnnCache<'T>
    | Lstm of LstmCache<'T>
    | Gru of GruCache<'T>

/// What an LSTM layer's forward pass over all steps saw, time-major (row t·batch + b for
/// sequence b at step t), for its backward pass.
type internal LstmRun<'T> =
    { /// The inputs: [seq·batch; inputs].
      X: Tensor<'T>
      /// When every input row is one-hot, the column of its 1 (then X·W is a row lookup).
      OneHot: int[] voption
      /// The input rows of Wg: [inputs; 4·hidden].
      Wx: Tensor<'T>
      /// The hidden rows of Wg: [hidden; 4·hidden].
      Wh: Tensor<'T>
      /// The activated gates f, i, o, C̄ of every step: [seq·batch; 4·hidden].
      Gates: 'T[]
      /// h_{t−1} of every step: [seq·batch; hidden] (the starting state first).
      HPrev: Tensor<'T>
      /// C_{t−1} of every step: [seq·batch; hidden].
      CPrev: 'T[]
      /// tanh(C_t) of every step: [seq·batch; hidden].
      TanhC: 'T[] }

/// The forward record of a sequence layer: per-step cell caches, or one LSTM run.
[<RequireQualifiedAccess>]
type internal SequenceRun<'T> =
    | Steps of StepCache<'T>[]
    | Lstm of LstmRun<'T>

/// What a sequence layer's forward pass saw, for its backward pass through time.
type SequenceCache<'T> =
    internal
        { Batch: int
          Seq: int
          Run: SequenceRun<'T>
          /// h_t of every step, time-major: [seq·batch; hidden].
          H: Tensor<'T>
          /// The input of the projection: H, or the last step's rows of H.
          ProjectionInput: Tensor<'T> }

/// Time-major layouts and the LSTM layer run as a whole.
module internal LstmSequence =

    /// [batch; seq; n] -> [seq·batch; n] (time-major rows).
    let toTimeMajor<'T> (x: Tensor<'T>) : Tensor<'T> =
        let batch, seq, n = x.Dims.[0], x.Dims.[1], x.Dims.[2]
        let out = Array.zeroCreate<'T> x.Length
        for b in 0 .. batch - 1 do
            for t in 0 .. seq - 1 do
                Array.blit x.Data ((b * seq + t) * n) out ((t * batch + b) * n) n
        Tensor.wrap [| seq * batch; n |] out

    /// [seq·batch; n] (time-major rows) -> [batch; seq; n].
    let toBatchMajor<'T> (batch: int) (seq: int) (x: Tensor<'T>) : Tensor<'T> =
        let n = x.Dims.[1]
        let out = Array.zeroCreate<'T> x.Length
        for b in 0 .. batch - 1 do
            for t in 0 .. seq - 1 do
                Array.blit x.Data ((t * batch + b) * n) out ((b * seq + t) * n) n
        Tensor.wrap [| batch; seq; n |] out

    /// Rows start .. start+count−1 of a matrix, copied.
    let rows<'T> (start: int) (count: int) (x: Tensor<'T>) : Tensor<'T> =
        let w = x.Dims.[1]
        Tensor.wrap [| count; w |] (Array.sub x.Data (start * w) (count * w))

    /// The column of the single 1 of every row when every row is one-hot (zeros and one 1).
    let oneHot<'T when 'T :> IFloatingPointIeee754<'T>> (x: Tensor<'T>) : int[] voption =
        let n = x.Dims.[1]
        let d = x.Data
        let columns = Array.zeroCreate<int> x.Dims.[0]
        let mutable ok = true
        let mutable r = 0
        while ok && r < columns.Length do
            let row = ReadOnlySpan<'T>(d, r * n, n)
            let k = row.IndexOf('T.One)
            if k < 0 || row.Slice(0, k).ContainsAnyExcept('T.Zero) || row.Slice(k + 1).ContainsAnyExcept('T.Zero) then ok <- false
            else columns.[r] <- k
            r <- r + 1
        if ok then ValueSome columns else ValueNone

    /// Adds a [1; n] row to every row of m, in place (m is a fresh array of the caller's).
    let addRowInPlace<'T when 'T :> IFloatingPointIeee754<'T>> (m: Tensor<'T>) (row: Tensor<'T>) =
        let n = row.Length
        for r in 0 .. m.Dims.[0] - 1 do
            Tensors.TensorPrimitives.Add(ReadOnlySpan<'T>(m.Data, r * n, n), ReadOnlySpan<'T>(row.Data), Span<'T>(m.Data, r * n, n))

    /// The forward pass from h_0, C_0: [batch; hidden] over xt: [seq·batch; inputs] (time-major)
    /// -> (h of every step [seq·batch; hidden], the run, h_T, C_T). The input products of all
    /// steps are one product (a row lookup for one-hot inputs); only h·W_h runs step by step.
    /// The same arithmetic as `LstmCell` step after step, in a different order.
    let forward<'T when 'T :> IFloatingPointIeee754<'T>> (p: LstmParams<'T>) (inputs: int) (hidden: int) (batch: int) (seq: int) (xt: Tensor<'T>) (h0: Tensor<'T>) (c0: Tensor<'T>) =
        let w = 4 * hidden
        let sb = seq * batch
        let wx = rows 0 inputs p.Wg
        let wh = rows inputs hidden p.Wg
        let hot = oneHot xt
        let xw =
            match hot with
            | ValueSome columns ->
                // One-hot rows pick rows of W_x.
                let out = Array.zeroCreate<'T> (sb * w)
                columns |> Array.iteri (fun r k -> Array.blit wx.Data (k * w) out (r * w) w)
                Tensor.wrap [| sb; w |] out
            | ValueNone -> Tensor.matmul xt wx
        addRowInPlace xw p.Bg
        let gates = xw.Data
        let hPrev = Array.zeroCreate<'T> (sb * hidden)
        let hAll = Array.zeroCreate<'T> (sb * hidden)
        let cPrevAll = Array.zeroCreate<'T> (sb * hidden)
        let tanhC = Array.zeroCreate<'T> (sb * hidden)
        let bh = batch * hidden
        let mutable h = h0
        let mutable c = c0.Data
        for t in 0 .. seq - 1 do
            Array.blit h.Data 0 hPrev (t * bh) bh
            Array.blit c 0 cPrevAll (t * bh) bh
            let hw = Tensor.matmul h wh
            let at = t * batch * w
            Tensors.TensorPrimitives.Add(ReadOnlySpan<'T>(gates, at, batch * w), ReadOnlySpan<'T>(hw.Data), Span<'T>(gates, at, batch * w))
            let cNext = Array.zeroCreate<'T> bh
            for r in 0 .. batch - 1 do
                let row = at + r * w
                let s = r * hidden
                Tensors.TensorPrimitives.Sigmoid(ReadOnlySpan<'T>(gates, row, 3 * hidden), Span<'T>(gates, row, 3 * hidden))
                Tensors.TensorPrimitives.Tanh(ReadOnlySpan<'T>(gates, row + 3 * hidden, hidden), Span<'T>(gates, row + 3 * hidden, hidden))
                Tensors.TensorPrimitives.Multiply(ReadOnlySpan<'T>(gates, row, hidden), ReadOnlySpan<'T>(c, s, hidden), Span<'T>(cNext, s, hidden))
                Tensors.TensorPrimitives.MultiplyAdd(ReadOnlySpan<'T>(gates, row + hidden, hidden), ReadOnlySpan<'T>(gates, row + 3 * hidden, hidden),
                                                     ReadOnlySpan<'T>(cNext, s, hidden), Span<'T>(cNext, s, hidden))
            let tc = Span<'T>(tanhC, t * bh, bh)
            Tensors.TensorPrimitives.Tanh(ReadOnlySpan<'T>(cNext), tc)
            for r in 0 .. batch - 1 do
                Tensors.TensorPrimitives.Multiply(ReadOnlySpan<'T>(gates, at + r * w + 2 * hidden, hidden), ReadOnlySpan<'T>(tanhC, t * bh + r * hidden, hidden),
                                                  Span<'T>(hAll, t * bh + r * hidden, hidden))
            h <- Tensor.wrap [| batch; hidden |] (Array.sub hAll (t * bh) bh)
            c <- cNext
        Tensor.wrap [| sb; hidden |] hAll,
        { X = xt; OneHot = hot; Wx = wx; Wh = wh; Gates = gates; HPrev = Tensor.wrap [| sb; hidden |] hPrev; CPrev = cPrevAll; TanhC = tanhC },
        h, Tensor.wrap [| batch; hidden |] c

    /// Backpropagation through time from dhOut [seq·batch; hidden] (the gradient reaching every
    /// step's h from the layer's output, time-major) -> (dx [seq·batch; inputs] time-major when
    /// wanted, the cell's gradients dWg, dBg summed over the steps).
    let backward<'T when 'T :> IFloatingPointIeee754<'T>> (p: LstmParams<'T>) (hidden: int) (batch: int) (seq: int) (run: LstmRun<'T>) (dhOut: Tensor<'T>) (wantDx: bool) =
        let w = 4 * hidden
        let sb = seq * batch
        let bh = batch * hidden
        let g = run.Gates
        let dg = Array.zeroCreate<'T> (sb * w)
        let mutable dhNext = Array.zeroCreate<'T> bh
        let mutable dcNext = Array.zeroCreate<'T> bh
        let dh = Array.zeroCreate<'T> bh
        let dc = Array.zeroCreate<'T> hidden
        let t1 = Array.zeroCreate<'T> hidden
        let t2 = Array.zeroCreate<'T> hidden
        for t in seq - 1 .. -1 .. 0 do
            Tensors.TensorPrimitives.Add(ReadOnlySpan<'T>(dhOut.Data, t * bh, bh), ReadOnlySpan<'T>(dhNext), Span<'T>(dh))
            let dcPrev = Array.zeroCreate<'T> bh
            for r in 0 .. batch - 1 do
                let s = r * hidden
                let at = (t * batch + r) * w
                let f = ReadOnlySpan<'T>(g, at, hidden)
                let i = ReadOnlySpan<'T>(g, at + hidden, hidden)
                let o = ReadOnlySpan<'T>(g, at + 2 * hidden, hidden)
                let cBar = ReadOnlySpan<'T>(g, at + 3 * hidden, hidden)
                let tanhC = ReadOnlySpan<'T>(run.TanhC, t * bh + s, hidden)
                let dhRow = ReadOnlySpan<'T>(dh, s, hidden)
                // dC = dC_next + dh⊙o⊙(1 − tanh²C_t).
                Tensors.TensorPrimitives.Multiply(dhRow, o, Span<'T>(t1))
                RecurrentKernel.tanhGrad (tanhC, ReadOnlySpan<'T>(t1), t2, Span<'T>(t1))
                Tensors.TensorPrimitives.Add(ReadOnlySpan<'T>(t1), ReadOnlySpan<'T>(dcNext, s, hidden), Span<'T>(dc))
                let dcRow = ReadOnlySpan<'T>(dc)
                Tensors.TensorPrimitives.Multiply(dhRow, tanhC, Span<'T>(t1))
                RecurrentKernel.sigmoidGrad (o, ReadOnlySpan<'T>(t1), t2, Span<'T>(dg, at + 2 * hidden, hidden))
                Tensors.TensorPrimitives.Multiply(dcRow, ReadOnlySpan<'T>(run.CPrev, t * bh + s, hidden), Span<'T>(t1))
                RecurrentKernel.sigmoidGrad (f, ReadOnlySpan<'T>(t1), t2, Span<'T>(dg, at, hidden))
                Tensors.TensorPrimitives.Multiply(dcRow, cBar, Span<'T>(t1))
                RecurrentKernel.sigmoidGrad (i, ReadOnlySpan<'T>(t1), t2, Span<'T>(dg, at + hidden, hidden))
                Tensors.TensorPrimitives.Multiply(dcRow, i, Span<'T>(t1))
                RecurrentKernel.tanhGrad (cBar, ReadOnlySpan<'T>(t1), t2, Span<'T>(dg, at + 3 * hidden, hidden))
                Tensors.TensorPrimitives.Multiply(dcRow, f, Span<'T>(dcPrev, s, hidden))
            let dG = Tensor.wrap [| batch; w |] (Array.sub dg (t * batch * w) (batch * w))
            dhNext <- (Tensor.matmulNT dG run.Wh).Data
            dcNext <- dcPrev
        let dGAll = Tensor.wrap [| sb; w |] dg
        let dWx =
            match run.OneHot with
            | ValueSome columns ->
                // Xᵀ·dG for one-hot rows: each row of dG added into the row of W_x it picked.
                let inputs = run.X.Dims.[1]
                let out = Array.zeroCreate<'T> (inputs * w)
                columns |> Array.iteri (fun r k ->
                    Tensors.TensorPrimitives.Add(ReadOnlySpan<'T>(out, k * w, w), ReadOnlySpan<'T>(dg, r * w, w), Span<'T>(out, k * w, w)))
                Tensor.wrap [| inputs; w |] out
            | ValueNone -> Tensor.matmulTN run.X dGAll
        let dWh = Tensor.matmulTN run.HPrev dGAll
        let grads = { dWg = Tensor.wrap p.Wg.Dims (Array.append dWx.Data dWh.Data); dBg = Tensor.sumRows dGAll }
        let dx = if wantDx then ValueSome (Tensor.matmulNT dGAll run.Wx) else ValueNone
        dx, grads

/// Sequence layers: a cell run over the time steps of [batch; seq; features] inputs, with an
/// optional projection at every step and backpropagation through time. Pure: the carried state
/// is passed in and returned.
[<RequireQualifiedAccess>]
module SequenceLayer =

    let private spec kind hidden outputs =
        if hidden < 1 || outputs < 1 then
            raise (InvalidValueException("SequenceLayer.create", "hidden and output sizes of at least 1", sprintf "hidden %d, outputs %d" hidden outputs))
        { Kind = kind; Hidden = hidden; Outputs = Some outputs; ReturnSequences = true; CarryState = true; WeightScale = None }

    /// The book's `RNNLayer(hidden_size, output_size)`: a projection to `outputs` at every step,
    /// every step's output, the state carried from batch to batch.
    /// <exception cref="InvalidValueException">when a size is below 1.</exception>
    let rnn (hidden: int) (outputs: int) = spec CellKind.Rnn hidden outputs

    /// The book's `LSTMLayer(hidden_size, output_size)` (see `rnn`).
    /// <exception cref="InvalidValueException">when a size is below 1.</exception>
    let lstm (hidden: int) (outputs: int) = spec CellKind.Lstm hidden outputs

    /// The book's `GRULayer(hidden_size, output_size)` (see `rnn`) with the standard GRU equations.
    /// <exception cref="InvalidValueException">when a size is below 1.</exception>
    let gru (hidden: int) (outputs: int) = spec CellKind.Gru hidden outputs

    /// A layer of the given cell whose output is its hidden state (no projection): every step's
    /// ([batch; seq; hidden]) or, with `returnSequences` false, the last step's ([batch; hidden]);
    /// every batch starts from a zero state (Keras' and PyTorch's layers).
    /// <exception cref="InvalidValueException">when hidden is below 1.</exception>
    let create (kind: CellKind) (hidden: int) (returnSequences: bool) =
        if hidden < 1 then
            raise (InvalidValueException("SequenceLayer.create", "a hidden size of at least 1", string hidden, "hidden"))
        { Kind = kind; Hidden = hidden; Outputs = None; ReturnSequences = returnSequences; CarryState = false; WeightScale = None }

    /// The same layer drawing its weights from normal(0, weightScale).
    /// <exception cref="InvalidValueException">when the scale is not finite and positive.</exception>
    let withWeightScale (weightScale: float) (s: SequenceLayerSpec) =
        if not (Double.IsFinite weightScale) || weightScale <= 0.0 then
            raise (InvalidValueException("SequenceLayer.withWeightScale", "a finite, positive weight scale", string weightScale, "weightScale"))
        { s with WeightScale = Some weightScale }

    /// The same layer carrying (true) or not its state from batch to batch.
    let withCarryState (carry: bool) (s: SequenceLayerSpec) = { s with CarryState = carry }

    /// The same layer returning every step's output (true) or the last step's.
    let withReturnSequences (all: bool) (s: SequenceLayerSpec) = { s with ReturnSequences = all }

    /// The number of values the layer outputs per step: the projection's size or the hidden size.
    let outputSize (s: SequenceLayerSpec) = defaultArg s.Outputs s.Hidden

    /// The output shape for inputs [batch; seq; features].
    /// <exception cref="ShapeMismatchException">when the input is not of rank 3.</exception>
    let outputShape (s: SequenceLayerSpec) (input: int[]) : int[] =
        Shape.checkRank "SequenceLayer.forward" "input [batch; seq; features]" 3 input
        if s.ReturnSequences then [| input.[0]; input.[1]; outputSize s |] else [| input.[0]; outputSize s |]

    /// The layer's name as a summary shows it, e.g. "LSTM(256 -> 62)".
    let describe (s: SequenceLayerSpec) =
        match s.Outputs with
        | Some o -> sprintf "%O(%d -> %d)" s.Kind s.Hidden o
        | None -> sprintf "%O(%d)" s.Kind s.Hidden

    /// Draws the parameters of a layer that sees `features` inputs per step, from normal(0, weight
    /// scale) with the book's default scale 2/(features + outputs): the cell's, then the projection's.
    /// <exception cref="InvalidValueException">when features is below 1.</exception>
    let init<'T when 'T :> IFloatingPointIeee754<'T>> (s: SequenceLayerSpec) (features: int) (rng: Rng) : SequenceLayer<'T> * Rng =
        let scale = defaultArg s.WeightScale (2.0 / float (features + outputSize s))
        let p, rng =
            match s.Kind with
            | CellKind.Rnn -> let p, rng = RnnCell.init<'T> features s.Hidden scale rng in CellParams.Rnn p, rng
            | CellKind.Lstm -> let p, rng = LstmCell.init<'T> features s.Hidden scale rng in CellParams.Lstm p, rng
            | CellKind.Gru -> let p, rng = GruCell.init<'T> features s.Hidden scale rng in CellParams.Gru p, rng
        let projection, rng =
            match s.Outputs with
            | Some o ->
                let wv, rng = RecurrentKernel.draw scale [| s.Hidden; o |] rng
                let bv, rng = RecurrentKernel.draw scale [| 1; o |] rng
                Some ({ W = wv; B = bv }: DenseParams<'T>), rng
            | None -> None, rng
        { Spec = s; Inputs = features; Params = p; Projection = projection }, rng

    /// The zero starting state (the state of a fresh layer, and what a reset returns).
    let initialState<'T when 'T :> IFloatingPointIeee754<'T>> (layer: SequenceLayer<'T>) : SequenceState<'T> =
        let h = layer.Spec.Hidden
        { H = Tensor.zeros [| 1; h |]; C = (if layer.Spec.Kind = CellKind.Lstm then Some (Tensor.zeros [| 1; h |]) else None) }

    /// The cell's parameter tensors in a fixed order (the cell record's field order).
    let private cellParameters (p: CellParams<'T>) : Tensor<'T> list =
        match p with
        | CellParams.Rnn p -> [ p.Wf; p.Bf ]
        | CellParams.Lstm p -> [ p.Wg; p.Bg ]
        | CellParams.Gru p -> [ p.Wg; p.Bg; p.Wc; p.Bc ]

    /// The parameter tensors: the cell's (in its record's field order), then the projection's W and B.
    let parameters (layer: SequenceLayer<'T>) : Tensor<'T> list =
        cellParameters layer.Params @ (match layer.Projection with Some p -> [ p.W; p.B ] | None -> [])

    /// The gradient tensors in the order of `parameters`.
    let gradients (grads: SequenceGrads<'T>) : Tensor<'T> list =
        grads.Cell @ (match grads.Projection with Some g -> [ g.dW; g.dB ] | None -> [])

    /// The names and shapes of a layer's parameter tensors for `features` inputs per step, in the
    /// order of `parameters` (the cell's record fields, then the projection's W and B), computed
    /// from the spec alone (nothing is drawn or allocated).
    let parameterShapes (s: SequenceLayerSpec) (features: int) : (string * int[]) list =
        let h = s.Hidden
        let cell =
            match s.Kind with
            | CellKind.Rnn -> [ "Wf", [| features + h; h |]; "Bf", [| 1; h |] ]
            | CellKind.Lstm -> [ "Wg", [| features + h; 4 * h |]; "Bg", [| 1; 4 * h |] ]
            | CellKind.Gru -> [ "Wg", [| features + h; 2 * h |]; "Bg", [| 1; 2 * h |]; "Wc", [| features + h; h |]; "Bc", [| 1; h |] ]
        cell @ (match s.Outputs with Some o -> [ "Wv", [| h; o |]; "Bv", [| 1; o |] ] | None -> [])

    /// The names and shapes of the carried state's tensors: H, and C for an LSTM, each [1; hidden].
    let stateShapes (s: SequenceLayerSpec) : (string * int[]) list =
        [ "H", [| 1; s.Hidden |] ] @ (if s.Kind = CellKind.Lstm then [ "C", [| 1; s.Hidden |] ] else [])

    let private build<'T> (op: string) (s: SequenceLayerSpec) (features: int) (tensors: Tensor<'T> list) : SequenceLayer<'T> =
        let shapes = parameterShapes s features
        if shapes.Length <> tensors.Length then
            raise (ShapeMismatchException(op, sprintf "%d parameter tensors" shapes.Length, sprintf "%d" tensors.Length, "tensors"))
        List.iter2 (fun (name, shape) (t: Tensor<'T>) -> Shape.checkExact op name shape t.Dims) shapes tensors
        let cell, projection =
            match s.Kind, tensors with
            | CellKind.Rnn, wf :: bf :: rest -> CellParams.Rnn { Wf = wf; Bf = bf }, rest
            | CellKind.Lstm, wg :: bg :: rest -> CellParams.Lstm { Wg = wg; Bg = bg }, rest
            | CellKind.Gru, wg :: bg :: wc :: bc :: rest -> CellParams.Gru { Wg = wg; Bg = bg; Wc = wc; Bc = bc }, rest
            | _ -> raise (ShapeMismatchException(op, "tensors for the layer's cell", sprintf "%d tensors" tensors.Length, "tensors"))
        let projection =
            match projection with
            | [ w; b ] -> Some ({ W = w; B = b }: DenseParams<'T>)
            | _ -> None
        { Spec = s; Inputs = features; Params = cell; Projection = projection }

    /// A layer from its spec and parameter tensors in the order of `parameters` (nothing drawn).
    /// <exception cref="ShapeMismatchException">when the count or a shape differs from `parameterShapes`.</exception>
    let ofParameters<'T> (s: SequenceLayerSpec) (features: int) (tensors: Tensor<'T> list) : SequenceLayer<'T> =
        build "SequenceLayer.ofParameters" s features tensors

    /// The same layer with new parameter tensors, given in the order of `parameters`.
    /// <exception cref="ShapeMismatchException">when the count or a shape differs.</exception>
    let withParameters (layer: SequenceLayer<'T>) (tensors: Tensor<'T> list) : SequenceLayer<'T> =
        build "SequenceLayer.withParameters" layer.Spec layer.Inputs tensors

    /// x_t of a time-major [seq·batch; f] matrix: [batch; f].
    let private step<'T> (batch: int) (xt: Tensor<'T>) (t: int) : Tensor<'T> = LstmSequence.rows (t * batch) batch xt

    /// A [1; n] row repeated for every one of `batch` rows.
    let private broadcast<'T> (batch: int) (row: Tensor<'T>) : Tensor<'T> =
        let n = row.Dims.[1]
        let out = Array.zeroCreate<'T> (batch * n)
        for b in 0 .. batch - 1 do Array.blit row.Data 0 out (b * n) n
        Tensor.wrap [| batch; n |] out

    /// The mean of the rows of [batch; n]: [1; n].
    let private meanRow<'T when 'T :> IFloatingPointIeee754<'T>> (x: Tensor<'T>) : Tensor<'T> =
        let s: Tensor<'T> = Tensor.sumRows x
        let out = Array.zeroCreate<'T> s.Length
        Tensors.TensorPrimitives.Divide(ReadOnlySpan<'T>(s.Data), 'T.CreateTruncating x.Dims.[0], Span<'T>(out))
        Tensor.wrap [| 1; s.Length |] out

    let private checkState (op: string) (layer: SequenceLayer<'T>) (state: SequenceState<'T>) =
        Shape.checkExact op "state.H" [| 1; layer.Spec.Hidden |] state.H.Dims
        match layer.Spec.Kind, state.C with
        | CellKind.Lstm, Some c -> Shape.checkExact op "state.C" [| 1; layer.Spec.Hidden |] c.Dims
        | CellKind.Lstm, None -> raise (ShapeMismatchException(op, sprintf "a cell state C of shape 1x%d for an LSTM layer" layer.Spec.Hidden, "none"))
        | _, Some c -> raise (ShapeMismatchException(op, "no cell state for a layer other than LSTM", sprintf "C of shape %s" (Shape.format c.Dims)))
        | _, None -> ()

    /// The cell over every step: (h of every step time-major [seq·batch; hidden], the run, h_T, C_T).
    let private runCell<'T when 'T :> IFloatingPointIeee754<'T>> (layer: SequenceLayer<'T>) (state: SequenceState<'T>) (batch: int) (seq: int) (xt: Tensor<'T>) =
        let hidden = layer.Spec.Hidden
        match layer.Params, state.C with
        | CellParams.Lstm p, Some c0 ->
            let hAll, run, hT, cT = LstmSequence.forward p layer.Inputs hidden batch seq xt (broadcast batch state.H) (broadcast batch c0)
            hAll, SequenceRun.Lstm run, hT, Some cT
        | _ ->
            let caches = Array.zeroCreate<StepCache<'T>> seq
            let hAll = Array.zeroCreate<'T> (seq * batch * hidden)
            let mutable h = broadcast batch state.H
            let mutable c = match state.C with Some c -> broadcast batch c | None -> h
            for t in 0 .. seq - 1 do
                let x = step batch xt t
                match layer.Params with
                | CellParams.Rnn p ->
                    let h', cache = RnnCell.forward p x h
                    h <- h'; caches.[t] <- StepCache.Rnn cache
                | CellParams.Lstm p ->
                    let h', c', cache = LstmCell.forward p x h c
                    h <- h'; c <- c'; caches.[t] <- StepCache.Lstm cache
                | CellParams.Gru p ->
                    let h', cache = GruCell.forward p x h
                    h <- h'; caches.[t] <- StepCache.Gru cache
                Array.blit h.Data 0 hAll (t * batch * hidden) (batch * hidden)
            Tensor.wrap [| seq * batch; hidden |] hAll, SequenceRun.Steps caches, h, (match state.C with Some _ -> Some c | None -> None)

    /// The forward pass over all time steps: x: [batch; seq; features] -> (the output: [batch; seq;
    /// n] or, with `ReturnSequences` false, [batch; n]; the cache for `backward`; the state for the
    /// next batch: the batch mean of the last step's state, or the state given when the layer does
    /// not carry its state).
    /// <exception cref="ShapeMismatchException">when x or the state does not fit the layer.</exception>
    let forward<'T when 'T :> IFloatingPointIeee754<'T>> (layer: SequenceLayer<'T>) (state: SequenceState<'T>) (x: Tensor<'T>)
                : Tensor<'T> * SequenceCache<'T> * SequenceState<'T> =
        let op = "SequenceLayer.forward"
        Shape.checkRank op "x [batch; seq; features]" 3 x.Dims
        if x.Dims.[2] <> layer.Inputs || x.Dims.[0] < 1 || x.Dims.[1] < 1 then
            raise (ShapeMismatchException(op, sprintf "x of shape batch x seq x %d with batch, seq >= 1" layer.Inputs, sprintf "x of shape %s" (Shape.format x.Dims)))
        checkState op layer state
        let batch, seq = x.Dims.[0], x.Dims.[1]
        let xt = LstmSequence.toTimeMajor x
        let hAll, run, hT, cT = runCell layer state batch seq xt
        let projectionInput = if layer.Spec.ReturnSequences then hAll else LstmSequence.rows ((seq - 1) * batch) batch hAll
        let out =
            match layer.Projection with
            | Some p ->
                let out = Tensor.matmul projectionInput p.W
                LstmSequence.addRowInPlace out p.B
                out
            | None -> projectionInput
        let y = if layer.Spec.ReturnSequences then LstmSequence.toBatchMajor batch seq out else out
        let next =
            if layer.Spec.CarryState then { H = meanRow hT; C = cT |> Option.map meanRow }
            else state
        y, { Batch = batch; Seq = seq; Run = run; H = hAll; ProjectionInput = projectionInput }, next

    /// Adds b into a, element by element, in place (a is a buffer this module owns).
    let private accumulate<'T when 'T :> IFloatingPointIeee754<'T>> (a: Tensor<'T>) (b: Tensor<'T>) =
        Tensors.TensorPrimitives.Add(ReadOnlySpan<'T>(a.Data), ReadOnlySpan<'T>(b.Data), Span<'T>(a.Data))

    /// `backward`, skipping the input gradient (None) when `wantDx` is false.
    let internal backwardWith<'T when 'T :> IFloatingPointIeee754<'T>> (wantDx: bool) (layer: SequenceLayer<'T>) (cache: SequenceCache<'T>) (dy: Tensor<'T>)
                                : Tensor<'T> option * SequenceGrads<'T> =
        let op = "SequenceLayer.backward"
        let batch, seq, hidden = cache.Batch, cache.Seq, layer.Spec.Hidden
        let n = outputSize layer.Spec
        Shape.checkExact op "dy" (if layer.Spec.ReturnSequences then [| batch; seq; n |] else [| batch; n |]) dy.Dims
        // The gradient at the projection's output, time-major (every step or the last).
        let dOut = if layer.Spec.ReturnSequences then LstmSequence.toTimeMajor dy else dy
        let dProjectionInput, projectionGrads =
            match layer.Projection with
            | Some p ->
                let dW = Tensor.matmulTN cache.ProjectionInput dOut
                let dB = Tensor.sumRows dOut
                Tensor.matmulNT dOut p.W, Some ({ dW = dW; dB = dB }: DenseGrads<'T>)
            | None -> dOut, None
        // dh of every step from the output, time-major [seq·batch; hidden].
        let dhOut =
            if layer.Spec.ReturnSequences then dProjectionInput
            else
                let all = Array.zeroCreate<'T> (seq * batch * hidden)
                Array.blit dProjectionInput.Data 0 all ((seq - 1) * batch * hidden) (batch * hidden)
                Tensor.wrap [| seq * batch; hidden |] all
        let dxTime, cellGrads =
            match layer.Params, cache.Run with
            | CellParams.Lstm p, SequenceRun.Lstm run ->
                let dx, g = LstmSequence.backward p hidden batch seq run dhOut wantDx
                dx, [ g.dWg; g.dBg ]
            | _, SequenceRun.Lstm _ -> raise (ShapeMismatchException(op, sprintf "a cache of a %O layer" layer.Spec.Kind, "a cache of an LSTM layer"))
            | _, SequenceRun.Steps steps ->
                let inputs = layer.Inputs
                let dxAll = Array.zeroCreate<'T> (seq * batch * inputs)
                let mutable dhNext = Tensor.zeros<'T> [| batch; hidden |]
                let mutable dc = Tensor.zeros<'T> [| batch; hidden |]
                let mutable total: Tensor<'T> list = []
                let add (gs: Tensor<'T> list) =
                    if total.IsEmpty then total <- gs |> List.map Tensor.copy
                    else List.iter2 accumulate total gs
                for t in seq - 1 .. -1 .. 0 do
                    let dh = Tensor.add (step batch dhOut t) dhNext
                    let dx =
                        match layer.Params, steps.[t] with
                        | CellParams.Rnn p, StepCache.Rnn sc ->
                            let dx, dhPrev, g = RnnCell.backward p sc dh
                            dhNext <- dhPrev; add [ g.dWf; g.dBf ]; dx
                        | CellParams.Lstm p, StepCache.Lstm sc ->
                            let dx, dhPrev, dcPrev, g = LstmCell.backward p sc dh dc
                            dhNext <- dhPrev; dc <- dcPrev; add [ g.dWg; g.dBg ]; dx
                        | CellParams.Gru p, StepCache.Gru sc ->
                            let dx, dhPrev, g = GruCell.backward p sc dh
                            dhNext <- dhPrev; add [ g.dWg; g.dBg; g.dWc; g.dBc ]; dx
                        | _ -> raise (ShapeMismatchException(op, sprintf "a cache of a %O layer" layer.Spec.Kind, "a cache of another cell"))
                    Array.blit dx.Data 0 dxAll (t * batch * inputs) (batch * inputs)
                (if wantDx then ValueSome (Tensor.wrap [| seq * batch; inputs |] dxAll) else ValueNone), total
        let dx = match dxTime with ValueSome d -> Some (LstmSequence.toBatchMajor batch seq d) | ValueNone -> None
        dx, { Cell = cellGrads; Projection = projectionGrads }

    /// Backpropagation through time: from dy (the output's shape) -> (dx: [batch; seq; features],
    /// the parameter gradients summed over the steps). The starting state is a constant carried
    /// over from the previous batch, so no gradient flows into it.
    /// <exception cref="ShapeMismatchException">when dy does not fit the forward pass.</exception>
    let backward<'T when 'T :> IFloatingPointIeee754<'T>> (layer: SequenceLayer<'T>) (cache: SequenceCache<'T>) (dy: Tensor<'T>) : Tensor<'T> * SequenceGrads<'T> =
        match backwardWith true layer cache dy with
        | Some dx, g -> dx, g
        | None, _ -> raise (InvalidOperationException "SequenceLayer.backward: no input gradient")

/// A stack of sequence layers: each layer's outputs are the next layer's inputs.
[<RequireQualifiedAccess>]
module SequenceStack =

    /// Draws every layer in order; the first sees `features` inputs, each next one the
    /// previous layer's outputs.
    let init<'T when 'T :> IFloatingPointIeee754<'T>> (specs: SequenceLayerSpec list) (features: int) (rng: Rng) : SequenceLayer<'T> list * Rng =
        let layers, (_, rng) =
            specs |> List.mapFold (fun (f, rng) s -> let l, rng = SequenceLayer.init<'T> s f rng in l, (SequenceLayer.outputSize s, rng)) (features, rng)
        layers, rng

    /// Every layer's zero starting state.
    let initialStates<'T when 'T :> IFloatingPointIeee754<'T>> (layers: SequenceLayer<'T> list) : SequenceState<'T> list =
        layers |> List.map SequenceLayer.initialState

    /// x: [batch; seq; features] through every layer -> ([batch; seq; last outputs], the caches,
    /// the states for the next batch).
    /// <exception cref="ShapeMismatchException">when a shape does not fit.</exception>
    let forward<'T when 'T :> IFloatingPointIeee754<'T>> (layers: SequenceLayer<'T> list) (states: SequenceState<'T> list) (x: Tensor<'T>)
                : Tensor<'T> * SequenceCache<'T> list * SequenceState<'T> list =
        if layers.Length <> states.Length then
            raise (ShapeMismatchException("SequenceStack.forward", sprintf "%d states, one per layer" layers.Length, sprintf "%d" states.Length))
        let results, y =
            List.mapFold (fun x (l, s) -> let y, c, s' = SequenceLayer.forward l s x in (c, s'), y) x (List.zip layers states)
        y, List.map fst results, List.map snd results

    /// dy of the last layer back through every layer -> (dx of the first, each layer's gradients).
    /// <exception cref="ShapeMismatchException">when dy does not fit.</exception>
    let backward<'T when 'T :> IFloatingPointIeee754<'T>> (layers: SequenceLayer<'T> list) (caches: SequenceCache<'T> list) (dy: Tensor<'T>)
                 : Tensor<'T> * SequenceGrads<'T> list =
        let grads, dx = List.mapFoldBack (fun (l, c) dy -> let dx, g = SequenceLayer.backward l c dy in g, dx) (List.zip layers caches) dy
        dx, grads
