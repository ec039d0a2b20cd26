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

/// The description of a sequence layer (the book's `RNNLayer`, `LSTMLayer`, `GRULayer`
/// with `hidden_size`, `output_size` and `weight_scale`).
type SequenceLayerSpec =
    { /// The cell run at every step.
      Kind: CellKind
      /// The size of the hidden (and cell) state.
      Hidden: int
      /// The size of the output projection at every step.
      Outputs: int
      /// The standard deviation of the initial draws; None for the book's 2/(features + outputs).
      WeightScale: float option }

/// The parameters of a sequence layer: those of its cell.
[<RequireQualifiedAccess>]
type CellParams<'T> =
    /// The parameters of an RNN layer.
    | Rnn of RnnParams<'T>
    /// The parameters of an LSTM layer.
    | Lstm of LstmParams<'T>
    /// The parameters of a GRU layer.
    | Gru of GruParams<'T>

/// The gradients of a sequence layer's parameters, summed over the time steps.
[<RequireQualifiedAccess>]
type CellGrads<'T> =
    /// The gradients of an RNN layer.
    | Rnn of RnnGrads<'T>
    /// The gradients of an LSTM layer.
    | Lstm of LstmGrads<'T>
    /// The gradients of a GRU layer.
    | Gru of GruGrads<'T>

/// A sequence layer with its parameters drawn.
type SequenceLayer<'T> =
    { /// What the layer was built from.
      Spec: SequenceLayerSpec
      /// The number of input features per step.
      Inputs: int
      /// The cell's parameters.
      Params: CellParams<'T> }

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
      /// h_t of every step: [seq·batch; hidden].
      H: Tensor<'T>
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
          Run: SequenceRun<'T> }

/// The LSTM layer as a whole: the input products of all steps, the output projection of all
/// steps and the weight gradients each in one matrix product; only h·W_h and its gradient run
/// step by step. The same arithmetic as `LstmCell` step after step, in a different order.
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
    let private rows<'T> (start: int) (count: int) (x: Tensor<'T>) : Tensor<'T> =
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

    /// Adds a [1; n] row to every row of m, in place.
    let private addRowInPlace<'T when 'T :> IFloatingPointIeee754<'T>> (m: Tensor<'T>) (row: Tensor<'T>) =
        let n = row.Length
        for r in 0 .. m.Dims.[0] - 1 do
            Tensors.TensorPrimitives.Add(ReadOnlySpan<'T>(m.Data, r * n, n), ReadOnlySpan<'T>(row.Data), Span<'T>(m.Data, r * n, n))

    /// The forward pass from h_0, C_0: [batch; hidden] -> (y [batch; seq; outputs], the run, h_T, C_T).
    let forward<'T when 'T :> IFloatingPointIeee754<'T>> (p: LstmParams<'T>) (inputs: int) (hidden: int) (x: Tensor<'T>) (h0: Tensor<'T>) (c0: Tensor<'T>) =
        let batch, seq = x.Dims.[0], x.Dims.[1]
        let w = 4 * hidden
        let sb = seq * batch
        let wx = rows 0 inputs p.Wg
        let wh = rows inputs hidden p.Wg
        let xt = toTimeMajor x
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
        let hT = Tensor.wrap [| sb; hidden |] hAll
        let out = Tensor.matmul hT p.Wv
        addRowInPlace out p.Bv
        toBatchMajor batch seq out,
        { X = xt; OneHot = hot; Wx = wx; Wh = wh; Gates = gates; HPrev = Tensor.wrap [| sb; hidden |] hPrev; H = hT; CPrev = cPrevAll; TanhC = tanhC },
        h, Tensor.wrap [| batch; hidden |] c

    /// Backpropagation through time from dy [batch; seq; outputs] -> (dx [batch; seq; inputs]
    /// unless not wanted, the gradients summed over the steps).
    let backward<'T when 'T :> IFloatingPointIeee754<'T>> (p: LstmParams<'T>) (hidden: int) (batch: int) (seq: int) (run: LstmRun<'T>) (dy: Tensor<'T>) (wantDx: bool) =
        let w = 4 * hidden
        let sb = seq * batch
        let bh = batch * hidden
        let dyT = toTimeMajor dy
        let dWv = Tensor.matmulTN run.H dyT
        let dBv = Tensor.sumRows dyT
        let dhOut = Tensor.matmulNT dyT p.Wv
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
        let grads =
            { dWg = Tensor.wrap p.Wg.Dims (Array.append dWx.Data dWh.Data); dBg = Tensor.sumRows dGAll
              dWv = dWv; dBv = dBv }
        let dx = if wantDx then toBatchMajor batch seq (Tensor.matmulNT dGAll run.Wx) else Tensor.zeros [| batch; seq; run.X.Dims.[1] |]
        dx, grads

/// Sequence layers: a cell run over the time steps of [batch; seq; features] inputs, with
/// backpropagation through time. Pure: the carried state is passed in and returned.
[<RequireQualifiedAccess>]
module SequenceLayer =

    let private spec kind hidden outputs =
        if hidden < 1 || outputs < 1 then
            raise (InvalidValueException("SequenceLayer.create", "hidden and output sizes of at least 1", sprintf "hidden %d, outputs %d" hidden outputs))
        { Kind = kind; Hidden = hidden; Outputs = outputs; WeightScale = None }

    /// The book's `RNNLayer(hidden_size, output_size)`.
    /// <exception cref="InvalidValueException">when a size is below 1.</exception>
    let rnn (hidden: int) (outputs: int) = spec CellKind.Rnn hidden outputs

    /// The book's `LSTMLayer(hidden_size, output_size)`.
    /// <exception cref="InvalidValueException">when a size is below 1.</exception>
    let lstm (hidden: int) (outputs: int) = spec CellKind.Lstm hidden outputs

    /// The book's `GRULayer(hidden_size, output_size)` with the standard GRU equations.
    /// <exception cref="InvalidValueException">when a size is below 1.</exception>
    let gru (hidden: int) (outputs: int) = spec CellKind.Gru hidden outputs

    /// The same layer drawing its weights from normal(0, weightScale).
    /// <exception cref="InvalidValueException">when the scale is not finite and positive.</exception>
    let withWeightScale (weightScale: float) (s: SequenceLayerSpec) =
        if not (Double.IsFinite weightScale) || weightScale <= 0.0 then
            raise (InvalidValueException("SequenceLayer.withWeightScale", "a finite, positive weight scale", string weightScale))
        { s with WeightScale = Some weightScale }

    /// Draws the parameters of a layer that sees `features` inputs per step, from
    /// normal(0, weight scale) with the book's default scale 2/(features + outputs).
    /// <exception cref="InvalidValueException">when features is below 1.</exception>
    let init<'T when 'T :> IFloatingPointIeee754<'T>> (s: SequenceLayerSpec) (features: int) (rng: Rng) : SequenceLayer<'T> * Rng =
        let scale = defaultArg s.WeightScale (2.0 / float (features + s.Outputs))
        let p, rng =
            match s.Kind with
            | CellKind.Rnn -> let p, rng = RnnCell.init<'T> features s.Hidden s.Outputs scale rng in CellParams.Rnn p, rng
            | CellKind.Lstm -> let p, rng = LstmCell.init<'T> features s.Hidden s.Outputs scale rng in CellParams.Lstm p, rng
            | CellKind.Gru -> let p, rng = GruCell.init<'T> features s.Hidden s.Outputs scale rng in CellParams.Gru p, rng
        { Spec = s; Inputs = features; Params = p }, rng

    /// The zero starting state (the state of a fresh layer, and what a reset returns).
    let initialState<'T when 'T :> IFloatingPointIeee754<'T>> (layer: SequenceLayer<'T>) : SequenceState<'T> =
        let h = layer.Spec.Hidden
        { H = Tensor.zeros [| 1; h |]; C = (if layer.Spec.Kind = CellKind.Lstm then Some (Tensor.zeros [| 1; h |]) else None) }

    /// The parameter tensors in a fixed order (the cell record's field order).
    let parameters (layer: SequenceLayer<'T>) : Tensor<'T> list =
        match layer.Params with
        | CellParams.Rnn p -> [ p.Wf; p.Bf; p.Wv; p.Bv ]
        | CellParams.Lstm p -> [ p.Wg; p.Bg; p.Wv; p.Bv ]
        | CellParams.Gru p -> [ p.Wg; p.Bg; p.Wc; p.Bc; p.Wv; p.Bv ]

    /// The gradient tensors in the order of `parameters`.
    let gradients (grads: CellGrads<'T>) : Tensor<'T> list =
        match grads with
        | CellGrads.Rnn g -> [ g.dWf; g.dBf; g.dWv; g.dBv ]
        | CellGrads.Lstm g -> [ g.dWg; g.dBg; g.dWv; g.dBv ]
        | CellGrads.Gru g -> [ g.dWg; g.dBg; g.dWc; g.dBc; g.dWv; g.dBv ]

    /// The same layer with new parameter tensors, given in the order of `parameters`.
    /// <exception cref="ShapeMismatchException">when the count or a shape differs.</exception>
    let withParameters (layer: SequenceLayer<'T>) (tensors: Tensor<'T> list) : SequenceLayer<'T> =
        let op = "SequenceLayer.withParameters"
        let old = parameters layer
        if old.Length <> tensors.Length then
            raise (ShapeMismatchException(op, sprintf "%d parameter tensors" old.Length, sprintf "%d" tensors.Length))
        List.iteri2 (fun i (a: Tensor<'T>) (b: Tensor<'T>) -> Shape.checkSame op (sprintf "parameter %d" i) a.Dims (sprintf "tensor %d" i) b.Dims) old tensors
        let p =
            match layer.Params, tensors with
            | CellParams.Rnn _, [ wf; bf; wv; bv ] -> CellParams.Rnn { Wf = wf; Bf = bf; Wv = wv; Bv = bv }
            | CellParams.Lstm _, [ wg; bg; wv; bv ] -> CellParams.Lstm { Wg = wg; Bg = bg; Wv = wv; Bv = bv }
            | CellParams.Gru _, [ wg; bg; wc; bc; wv; bv ] -> CellParams.Gru { Wg = wg; Bg = bg; Wc = wc; Bc = bc; Wv = wv; Bv = bv }
            | _ -> raise (ShapeMismatchException(op, "tensors for the layer's cell", sprintf "%d tensors" tensors.Length))
        { layer with Params = p }

    /// x_t of [batch; seq; features]: [batch; features].
    let internal step<'T> (x: Tensor<'T>) (t: int) : Tensor<'T> =
        let batch, seq, f = x.Dims.[0], x.Dims.[1], x.Dims.[2]
        let out = Array.zeroCreate<'T> (batch * f)
        for b in 0 .. batch - 1 do
            Array.blit x.Data ((b * seq + t) * f) out (b * f) f
        Tensor.wrap [| batch; f |] out

    /// The steps [batch; n] (t = 0 .. seq−1) interleaved into [batch; seq; n].
    let internal stack<'T> (steps: Tensor<'T>[]) : Tensor<'T> =
        let batch, n = steps.[0].Dims.[0], steps.[0].Dims.[1]
        let seq = steps.Length
        let out = Array.zeroCreate<'T> (batch * seq * n)
        steps |> Array.iteri (fun t (s: Tensor<'T>) ->
            for b in 0 .. batch - 1 do
                Array.blit s.Data (b * n) out ((b * seq + t) * n) n)
        Tensor.wrap [| batch; seq; n |] out

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

    /// The forward pass step by step through the cell (the RNN and GRU layers).
    let private forwardSteps<'T when 'T :> IFloatingPointIeee754<'T>> (layer: SequenceLayer<'T>) (state: SequenceState<'T>) (x: Tensor<'T>)
                             : Tensor<'T> * SequenceCache<'T> * SequenceState<'T> =
        let batch, seq = x.Dims.[0], x.Dims.[1]
        let outs = Array.zeroCreate<Tensor<'T>> seq
        let caches = Array.zeroCreate<StepCache<'T>> seq
        let mutable h = broadcast batch state.H
        let mutable c = match state.C with Some c -> broadcast batch c | None -> h
        for t in 0 .. seq - 1 do
            let xt = step x t
            match layer.Params with
            | CellParams.Rnn p ->
                let out, h', cache = RnnCell.forward p xt h
                outs.[t] <- out; h <- h'; caches.[t] <- StepCache.Rnn cache
            | CellParams.Lstm p ->
                let out, h', c', cache = LstmCell.forward p xt h c
                outs.[t] <- out; h <- h'; c <- c'; caches.[t] <- StepCache.Lstm cache
            | CellParams.Gru p ->
                let out, h', cache = GruCell.forward p xt h
                outs.[t] <- out; h <- h'; caches.[t] <- StepCache.Gru cache
        let next = { H = meanRow h; C = (match state.C with Some _ -> Some (meanRow c) | None -> None) }
        stack outs, { Batch = batch; Seq = seq; Run = SequenceRun.Steps caches }, next

    /// The forward pass over all time steps: x: [batch; seq; features] -> ([batch; seq; outputs],
    /// the cache for `backward`, the state for the next batch: the batch mean of the last step's state).
    /// <exception cref="ShapeMismatchException">when x or the state does not fit the layer.</exception>
    let forward<'T when 'T :> IFloatingPointIeee754<'T>> (layer: SequenceLayer<'T>) (state: SequenceState<'T>) (x: Tensor<'T>)
                : Tensor<'T> * SequenceCache<'T> * SequenceState<'T> =
        let op = "SequenceLayer.forward"
        Shape.checkRank op "x [batch; seq; features]" 3 x.Dims
        if x.Dims.[2] <> layer.Inputs || x.Dims.[0] < 1 || x.Dims.[1] < 1 then
            raise (ShapeMismatchException(op, sprintf "x of shape batch x seq x %d with batch, seq >= 1" layer.Inputs, sprintf "x of shape %s" (Shape.format x.Dims)))
        checkState op layer state
        let batch, seq = x.Dims.[0], x.Dims.[1]
        match layer.Params, state.C with
        | CellParams.Lstm p, Some c0 ->
            let y, run, hT, cT = LstmSequence.forward p layer.Inputs layer.Spec.Hidden x (broadcast batch state.H) (broadcast batch c0)
            y, { Batch = batch; Seq = seq; Run = SequenceRun.Lstm run }, { H = meanRow hT; C = Some (meanRow cT) }
        | _ -> forwardSteps layer state x

    /// Adds b into a, element by element, in place (a is a buffer this module owns).
    let private accumulate<'T when 'T :> IFloatingPointIeee754<'T>> (a: Tensor<'T>) (b: Tensor<'T>) =
        Tensors.TensorPrimitives.Add(ReadOnlySpan<'T>(a.Data), ReadOnlySpan<'T>(b.Data), Span<'T>(a.Data))

    /// `backward`, skipping the input gradient (zeros) when `wantDx` is false where that saves work.
    let internal backwardWith<'T when 'T :> IFloatingPointIeee754<'T>> (wantDx: bool) (layer: SequenceLayer<'T>) (cache: SequenceCache<'T>) (dy: Tensor<'T>) : Tensor<'T> * CellGrads<'T> =
        let op = "SequenceLayer.backward"
        let batch, seq, hidden = cache.Batch, cache.Seq, layer.Spec.Hidden
        Shape.checkExact op "dy" [| batch; seq; layer.Spec.Outputs |] dy.Dims
        match layer.Params, cache.Run with
        | CellParams.Lstm p, SequenceRun.Lstm run ->
            let dx, g = LstmSequence.backward p hidden batch seq run dy wantDx
            dx, CellGrads.Lstm g
        | _, SequenceRun.Lstm _ -> raise (ShapeMismatchException(op, sprintf "a cache of a %A layer" layer.Spec.Kind, "a cache of an LSTM layer"))
        | _, SequenceRun.Steps steps ->
            let dxs = Array.zeroCreate<Tensor<'T>> seq
            let mutable dh = Tensor.zeros<'T> [| batch; hidden |]
            let mutable dc = Tensor.zeros<'T> [| batch; hidden |]
            let mutable total: Tensor<'T> list = []
            let add (gs: Tensor<'T> list) =
                if total.IsEmpty then total <- gs |> List.map Tensor.copy
                else List.iter2 accumulate total gs
            for t in seq - 1 .. -1 .. 0 do
                let dout = step dy t
                match layer.Params, steps.[t] with
                | CellParams.Rnn p, StepCache.Rnn sc ->
                    let dx, dhPrev, g = RnnCell.backward p sc dout dh
                    dxs.[t] <- dx; dh <- dhPrev; add (gradients (CellGrads.Rnn g))
                | CellParams.Lstm p, StepCache.Lstm sc ->
                    let dx, dhPrev, dcPrev, g = LstmCell.backward p sc dout dh dc
                    dxs.[t] <- dx; dh <- dhPrev; dc <- dcPrev; add (gradients (CellGrads.Lstm g))
                | CellParams.Gru p, StepCache.Gru sc ->
                    let dx, dhPrev, g = GruCell.backward p sc dout dh
                    dxs.[t] <- dx; dh <- dhPrev; add (gradients (CellGrads.Gru g))
                | _ -> raise (ShapeMismatchException(op, sprintf "a cache of a %A layer" layer.Spec.Kind, "a cache of another cell"))
            let grads =
                match layer.Params, total with
                | CellParams.Rnn _, [ wf; bf; wv; bv ] -> CellGrads.Rnn { dWf = wf; dBf = bf; dWv = wv; dBv = bv }
                | CellParams.Lstm _, [ wg; bg; wv; bv ] -> CellGrads.Lstm { dWg = wg; dBg = bg; dWv = wv; dBv = bv }
                | CellParams.Gru _, [ wg; bg; wc; bc; wv; bv ] -> CellGrads.Gru { dWg = wg; dBg = bg; dWc = wc; dBc = bc; dWv = wv; dBv = bv }
                | _ -> raise (ShapeMismatchException(op, "gradients for the layer's cell", sprintf "%d tensors" total.Length))
            stack dxs, grads

    /// Backpropagation through time: from dy: [batch; seq; outputs] -> (dx: [batch; seq; features],
    /// the parameter gradients summed over the steps). The starting state is a constant carried
    /// over from the previous batch, so no gradient flows into it.
    /// <exception cref="ShapeMismatchException">when dy does not fit the forward pass.</exception>
    let backward<'T when 'T :> IFloatingPointIeee754<'T>> (layer: SequenceLayer<'T>) (cache: SequenceCache<'T>) (dy: Tensor<'T>) : Tensor<'T> * CellGrads<'T> =
        backwardWith true layer cache dy

/// A stack of sequence layers: each layer's outputs are the next layer's inputs.
[<RequireQualifiedAccess>]
module SequenceStack =

    /// Draws every layer in order; the first sees `features` inputs, each next one the
    /// previous layer's outputs.
    let init<'T when 'T :> IFloatingPointIeee754<'T>> (specs: SequenceLayerSpec list) (features: int) (rng: Rng) : SequenceLayer<'T> list * Rng =
        let layers, (_, rng) =
            specs |> List.mapFold (fun (f, rng) s -> let l, rng = SequenceLayer.init<'T> s f rng in l, (s.Outputs, rng)) (features, rng)
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
                 : Tensor<'T> * CellGrads<'T> list =
        let grads, dx = List.mapFoldBack (fun (l, c) dy -> let dx, g = SequenceLayer.backward l c dy in g, dx) (List.zip layers caches) dy
        dx, grads

    /// The layers' gradients only: as `backward`, without the first layer's input gradient.
    let internal gradients<'T when 'T :> IFloatingPointIeee754<'T>> (layers: SequenceLayer<'T> list) (caches: SequenceCache<'T> list) (dy: Tensor<'T>) : CellGrads<'T> list =
        let pairs = List.zip layers caches
        let grads, _ =
            List.mapFoldBack (fun (k, (l, c)) dy -> let dx, g = SequenceLayer.backwardWith (k > 0) l c dy in g, dx) (List.indexed pairs) dy
        grads
