namespace DeepFunctional

open System
open System.Numerics

/// Shape checks and span kernels shared by the recurrent cells.
module internal RecurrentKernel =

    /// Checks the weights over Z = [x, h] of a cell: w: [inputs + hidden; blocks·hidden] and
    /// b: [1; blocks·hidden]; returns inputs.
    let checkGates (op: string) (wName: string) (bName: string) (blocks: int) (hidden: int) (w: Tensor<'T>) (b: Tensor<'T>) =
        Shape.checkRank op wName 2 w.Dims
        if w.Dims.[0] <= hidden || w.Dims.[1] <> blocks * hidden then
            raise (ShapeMismatchException(op, sprintf "%s of shape (inputs+%d)x%d with inputs >= 1" wName hidden (blocks * hidden), sprintf "%s of shape %s" wName (Shape.format w.Dims)))
        Shape.checkExact op bName [| 1; blocks * hidden |] b.Dims
        w.Dims.[0] - hidden

    /// Checks x_t: [batch; inputs] and a state: [batch; hidden]; returns batch.
    let checkStep (op: string) (inputs: int) (hidden: int) (x: Tensor<'T>) (states: (string * Tensor<'T>) list) =
        Shape.checkColumns op "x_t [batch; inputs]" inputs x.Dims
        let batch = x.Dims.[0]
        for name, s in states do
            Shape.checkExact op name [| batch; hidden |] s.Dims
        batch

    /// x·w + b (b a 1×n row), the bias added in place into the fresh product.
    let affine<'T when 'T :> IFloatingPointIeee754<'T>> (x: Tensor<'T>) (w: Tensor<'T>) (b: Tensor<'T>) : Tensor<'T> =
        let y = Tensor.matmul x w
        let n = y.Dims.[1]
        let bias = ReadOnlySpan<'T>(b.Data)
        for i in 0 .. y.Dims.[0] - 1 do
            Tensors.TensorPrimitives.Add(ReadOnlySpan<'T>(y.Data, i * n, n), bias, Span<'T>(y.Data, i * n, n))
        y

    /// dest = g·s·(1 − s): the gradient through a sigmoid s, with tmp a scratch array of the
    /// spans' length. dest may be g itself.
    let sigmoidGrad<'T when 'T :> IFloatingPointIeee754<'T>> (s: ReadOnlySpan<'T>, g: ReadOnlySpan<'T>, tmp: 'T[], dest: Span<'T>) =
        Tensors.TensorPrimitives.Subtract('T.One, s, Span<'T>(tmp))
        Tensors.TensorPrimitives.Multiply(ReadOnlySpan<'T>(tmp), s, Span<'T>(tmp))
        Tensors.TensorPrimitives.Multiply(ReadOnlySpan<'T>(tmp), g, dest)

    /// dest = g·(1 − t²): the gradient through a tanh t, with tmp a scratch array of the
    /// spans' length. dest may be g itself.
    let tanhGrad<'T when 'T :> IFloatingPointIeee754<'T>> (t: ReadOnlySpan<'T>, g: ReadOnlySpan<'T>, tmp: 'T[], dest: Span<'T>) =
        Tensors.TensorPrimitives.Multiply(t, t, Span<'T>(tmp))
        Tensors.TensorPrimitives.Subtract('T.One, ReadOnlySpan<'T>(tmp), Span<'T>(tmp))
        Tensors.TensorPrimitives.Multiply(ReadOnlySpan<'T>(tmp), g, dest)

    /// Raises `InvalidValueException` unless both sizes are at least 1.
    let checkSizes (op: string) (inputs: int) (hidden: int) =
        if inputs < 1 || hidden < 1 then
            raise (InvalidValueException(op, "inputs and hidden of at least 1", sprintf "inputs %d, hidden %d" inputs hidden))

    /// The hidden size of a cell from its bias row [1; blocks·hidden].
    let hiddenOf (op: string) (blocks: int) (b: Tensor<'T>) =
        Shape.checkRank op "the bias row" 2 b.Dims
        if b.Dims.[0] <> 1 || b.Dims.[1] < blocks || b.Dims.[1] % blocks <> 0 then
            raise (ShapeMismatchException(op, sprintf "a bias row of shape 1x(%d·hidden)" blocks, sprintf "bias of shape %s" (Shape.format b.Dims)))
        b.Dims.[1] / blocks

    /// A tensor of the given shape filled row-major with draws of normal(0, scale).
    let draw<'T when 'T :> IFloatingPointIeee754<'T>> (scale: float) (shape: int[]) (rng: Rng) : Tensor<'T> * Rng =
        let values, rng = Rng.normal 0.0 scale (Shape.count shape) rng
        Tensor.ofFloats shape values, rng

// ---------------------------------------------------------------------------------------------
// Vanilla RNN

/// The parameters of a vanilla RNN cell (the book's `RNNNode`).
type RnnParams<'T> =
    { /// The hidden weights over Z = [x_t, h_{t−1}]: [inputs + hidden; hidden] (rows for x_t first).
      Wf: Tensor<'T>
      /// The hidden bias: [1; hidden].
      Bf: Tensor<'T> }

/// The gradients of an RNN cell's parameters, shaped like `RnnParams`.
type RnnGrads<'T> =
    { /// The gradient of Wf: [inputs + hidden; hidden].
      dWf: Tensor<'T>
      /// The gradient of Bf: [1; hidden].
      dBf: Tensor<'T> }

/// What an RNN cell's forward step saw, for its backward step.
type RnnCache<'T> =
    { /// Z = [x_t, h_{t−1}]: [batch; inputs + hidden].
      Z: Tensor<'T>
      /// The new hidden state h_t: [batch; hidden].
      H: Tensor<'T> }

/// The vanilla RNN cell: Z = [x_t, h_{t−1}], h_t = tanh(Z·Wf + Bf).
/// Shapes: x_t [batch; inputs], h [batch; hidden].
[<RequireQualifiedAccess>]
module RnnCell =

    let private check (op: string) (p: RnnParams<'T>) =
        let hidden = RecurrentKernel.hiddenOf op 1 p.Bf
        RecurrentKernel.checkGates op "Wf" "Bf" 1 hidden p.Wf p.Bf, hidden

    /// (inputs, hidden) of the parameters.
    /// <exception cref="ShapeMismatchException">when the parameters do not fit together.</exception>
    let sizes (p: RnnParams<'T>) = check "RnnCell.sizes" p

    /// Draws Wf then Bf (each row-major) from normal(0, weightScale).
    /// <exception cref="InvalidValueException">when a size is below 1.</exception>
    let init<'T when 'T :> IFloatingPointIeee754<'T>> (inputs: int) (hidden: int) (weightScale: float) (rng: Rng) : RnnParams<'T> * Rng =
        RecurrentKernel.checkSizes "RnnCell.init" inputs hidden
        let wf, rng = RecurrentKernel.draw weightScale [| inputs + hidden; hidden |] rng
        let bf, rng = RecurrentKernel.draw weightScale [| 1; hidden |] rng
        { Wf = wf; Bf = bf }, rng

    /// One step: x_t: [batch; inputs], h_{t−1}: [batch; hidden] -> (h_t: [batch; hidden], the
    /// cache for `backward`).
    /// <exception cref="ShapeMismatchException">when a shape does not fit the parameters.</exception>
    let forward<'T when 'T :> IFloatingPointIeee754<'T>> (p: RnnParams<'T>) (x: Tensor<'T>) (hPrev: Tensor<'T>) : Tensor<'T> * RnnCache<'T> =
        let op = "RnnCell.forward"
        let inputs, hidden = check op p
        RecurrentKernel.checkStep op inputs hidden x [ "h_prev", hPrev ] |> ignore
        let z = Columns.concat [ x; hPrev ]
        let h = RecurrentKernel.affine z p.Wf p.Bf
        Tensors.TensorPrimitives.Tanh(ReadOnlySpan<'T>(h.Data), Span<'T>(h.Data))
        h, { Z = z; H = h }

    /// The step backwards: from dh: [batch; hidden], the whole gradient reaching h_t (from the
    /// step's output and from the next step) -> (dx_t: [batch; inputs], dh_{t−1}: [batch; hidden],
    /// the parameter gradients of this step).
    /// <exception cref="ShapeMismatchException">when a gradient's shape does not fit.</exception>
    let backward<'T when 'T :> IFloatingPointIeee754<'T>> (p: RnnParams<'T>) (cache: RnnCache<'T>) (dh: Tensor<'T>) : Tensor<'T> * Tensor<'T> * RnnGrads<'T> =
        let op = "RnnCell.backward"
        let inputs, hidden = check op p
        let batch = cache.H.Dims.[0]
        Shape.checkExact op "cache.Z" [| batch; inputs + hidden |] cache.Z.Dims
        Shape.checkExact op "dh" [| batch; hidden |] dh.Dims
        // da = dh·(1 − h²).
        let da = Array.zeroCreate<'T> dh.Length
        let tmp = Array.zeroCreate<'T> dh.Length
        RecurrentKernel.tanhGrad (ReadOnlySpan<'T>(cache.H.Data), ReadOnlySpan<'T>(dh.Data), tmp, Span<'T>(da))
        let da = Tensor.wrap dh.Dims da
        let dz = Tensor.matmulNT da p.Wf
        Columns.slice 0 inputs dz, Columns.slice inputs hidden dz,
        { dWf = Tensor.matmulTN cache.Z da; dBf = Tensor.sumRows da }

    /// The sum of two gradient records (the gradients of two time steps).
    let addGrads (a: RnnGrads<'T>) (b: RnnGrads<'T>) : RnnGrads<'T> =
        { dWf = Tensor.add a.dWf b.dWf; dBf = Tensor.add a.dBf b.dBf }

// ---------------------------------------------------------------------------------------------
// LSTM

/// The parameters of an LSTM cell (the book's `LSTMNode`). The four gates share one weight
/// matrix, their blocks side by side in the order forget, input, output, candidate, so that
/// one matrix product per step computes all four.
type LstmParams<'T> =
    { /// The gate weights over Z = [x_t, h_{t−1}]: [inputs + hidden; 4·hidden], rows for x_t
      /// first, column blocks f, i, o, C̄.
      Wg: Tensor<'T>
      /// The gate biases: [1; 4·hidden], blocks f, i, o, C̄.
      Bg: Tensor<'T> }

/// The gradients of an LSTM cell's parameters, shaped like `LstmParams`.
type LstmGrads<'T> =
    { /// The gradient of Wg: [inputs + hidden; 4·hidden].
      dWg: Tensor<'T>
      /// The gradient of Bg: [1; 4·hidden].
      dBg: Tensor<'T> }

/// What an LSTM cell's forward step saw, for its backward step.
type LstmCache<'T> =
    { /// Z = [x_t, h_{t−1}]: [batch; inputs + hidden].
      Z: Tensor<'T>
      /// The activated gates f, i, o (sigmoid) and C̄ (tanh) side by side: [batch; 4·hidden].
      Gates: Tensor<'T>
      /// The previous cell state C_{t−1}: [batch; hidden].
      CPrev: Tensor<'T>
      /// tanh(C_t): [batch; hidden].
      TanhC: Tensor<'T>
      /// The new hidden state h_t: [batch; hidden].
      H: Tensor<'T> }

/// The LSTM cell: Z = [x_t, h_{t−1}]; f, i, o = σ(Z·W + B) and C̄ = tanh(Z·W_c + B_c), all
/// four from one product Z·Wg + Bg; C_t = f⊙C_{t−1} + i⊙C̄; h_t = o⊙tanh(C_t).
/// Shapes: x_t [batch; inputs], h and C [batch; hidden].
[<RequireQualifiedAccess>]
module LstmCell =

    let private check (op: string) (p: LstmParams<'T>) =
        let hidden = RecurrentKernel.hiddenOf op 4 p.Bg
        RecurrentKernel.checkGates op "Wg" "Bg" 4 hidden p.Wg p.Bg, hidden

    /// (inputs, hidden) of the parameters.
    /// <exception cref="ShapeMismatchException">when the parameters do not fit together.</exception>
    let sizes (p: LstmParams<'T>) = check "LstmCell.sizes" p

    /// Draws Wg then Bg (each row-major) from normal(0, weightScale).
    /// <exception cref="InvalidValueException">when a size is below 1.</exception>
    let init<'T when 'T :> IFloatingPointIeee754<'T>> (inputs: int) (hidden: int) (weightScale: float) (rng: Rng) : LstmParams<'T> * Rng =
        RecurrentKernel.checkSizes "LstmCell.init" inputs hidden
        let wg, rng = RecurrentKernel.draw weightScale [| inputs + hidden; 4 * hidden |] rng
        let bg, rng = RecurrentKernel.draw weightScale [| 1; 4 * hidden |] rng
        { Wg = wg; Bg = bg }, rng

    /// One step: x_t: [batch; inputs], h_{t−1}, C_{t−1}: [batch; hidden] -> (h_t: [batch; hidden],
    /// C_t: [batch; hidden], the cache for `backward`).
    /// <exception cref="ShapeMismatchException">when a shape does not fit the parameters.</exception>
    let forward<'T when 'T :> IFloatingPointIeee754<'T>> (p: LstmParams<'T>) (x: Tensor<'T>) (hPrev: Tensor<'T>) (cPrev: Tensor<'T>)
                : Tensor<'T> * Tensor<'T> * LstmCache<'T> =
        let op = "LstmCell.forward"
        let inputs, hidden = check op p
        let batch = RecurrentKernel.checkStep op inputs hidden x [ "h_prev", hPrev; "c_prev", cPrev ]
        let z = Columns.concat [ x; hPrev ]
        let gates = RecurrentKernel.affine z p.Wg p.Bg
        let g = gates.Data
        let c = Array.zeroCreate<'T> (batch * hidden)
        let w = 4 * hidden
        for r in 0 .. batch - 1 do
            let row = r * w
            // σ over the blocks f, i, o (contiguous), tanh over C̄, in place.
            Tensors.TensorPrimitives.Sigmoid(ReadOnlySpan<'T>(g, row, 3 * hidden), Span<'T>(g, row, 3 * hidden))
            Tensors.TensorPrimitives.Tanh(ReadOnlySpan<'T>(g, row + 3 * hidden, hidden), Span<'T>(g, row + 3 * hidden, hidden))
            // C_t = f⊙C_{t−1} + i⊙C̄.
            Tensors.TensorPrimitives.Multiply(ReadOnlySpan<'T>(g, row, hidden), ReadOnlySpan<'T>(cPrev.Data, r * hidden, hidden), Span<'T>(c, r * hidden, hidden))
            Tensors.TensorPrimitives.MultiplyAdd(ReadOnlySpan<'T>(g, row + hidden, hidden), ReadOnlySpan<'T>(g, row + 3 * hidden, hidden),
                                                 ReadOnlySpan<'T>(c, r * hidden, hidden), Span<'T>(c, r * hidden, hidden))
        let tanhC = Array.zeroCreate<'T> c.Length
        Tensors.TensorPrimitives.Tanh(ReadOnlySpan<'T>(c), Span<'T>(tanhC))
        let h = Array.zeroCreate<'T> c.Length
        for r in 0 .. batch - 1 do
            // h_t = o⊙tanh(C_t).
            Tensors.TensorPrimitives.Multiply(ReadOnlySpan<'T>(g, r * w + 2 * hidden, hidden), ReadOnlySpan<'T>(tanhC, r * hidden, hidden), Span<'T>(h, r * hidden, hidden))
        let state = [| batch; hidden |]
        let hT = Tensor.wrap state h
        hT, Tensor.wrap state c, { Z = z; Gates = gates; CPrev = cPrev; TanhC = Tensor.wrap state tanhC; H = hT }

    /// The step backwards: from dh: [batch; hidden], the whole gradient reaching h_t (from the
    /// step's output and from the next step), and dC_next: [batch; hidden] (the gradient reaching
    /// C_t from the next step; zeros after the last) -> (dx_t: [batch; inputs], dh_{t−1},
    /// dC_{t−1}: [batch; hidden], the parameter gradients of this step).
    /// <exception cref="ShapeMismatchException">when a gradient's shape does not fit.</exception>
    let backward<'T when 'T :> IFloatingPointIeee754<'T>> (p: LstmParams<'T>) (cache: LstmCache<'T>) (dh: Tensor<'T>) (dcNext: Tensor<'T>)
                 : Tensor<'T> * Tensor<'T> * Tensor<'T> * LstmGrads<'T> =
        let op = "LstmCell.backward"
        let inputs, hidden = check op p
        let batch = cache.H.Dims.[0]
        Shape.checkExact op "cache.Gates" [| batch; 4 * hidden |] cache.Gates.Dims
        Shape.checkExact op "cache.Z" [| batch; inputs + hidden |] cache.Z.Dims
        Shape.checkExact op "dh" [| batch; hidden |] dh.Dims
        Shape.checkExact op "dc_next" [| batch; hidden |] dcNext.Dims
        let w = 4 * hidden
        let g = cache.Gates.Data
        let dg = Array.zeroCreate<'T> (batch * w)
        let dcPrev = Array.zeroCreate<'T> (batch * hidden)
        let dc = Array.zeroCreate<'T> hidden
        let t1 = Array.zeroCreate<'T> hidden
        let t2 = Array.zeroCreate<'T> hidden
        for r in 0 .. batch - 1 do
            let s = r * hidden
            let at = r * w
            let f = ReadOnlySpan<'T>(g, at, hidden)
            let i = ReadOnlySpan<'T>(g, at + hidden, hidden)
            let o = ReadOnlySpan<'T>(g, at + 2 * hidden, hidden)
            let cBar = ReadOnlySpan<'T>(g, at + 3 * hidden, hidden)
            let tanhC = ReadOnlySpan<'T>(cache.TanhC.Data, s, hidden)
            let dhRow = ReadOnlySpan<'T>(dh.Data, s, hidden)
            // dC = dC_next + dh⊙o⊙(1 − tanh²C_t).
            Tensors.TensorPrimitives.Multiply(dhRow, o, Span<'T>(t1))
            RecurrentKernel.tanhGrad (tanhC, ReadOnlySpan<'T>(t1), t2, Span<'T>(t1))
            Tensors.TensorPrimitives.Add(ReadOnlySpan<'T>(t1), ReadOnlySpan<'T>(dcNext.Data, s, hidden), Span<'T>(dc))
            let dcRow = ReadOnlySpan<'T>(dc)
            // Pre-activation gradients: do = dh⊙tanh C_t, df = dC⊙C_{t−1}, di = dC⊙C̄, dC̄ = dC⊙i.
            Tensors.TensorPrimitives.Multiply(dhRow, tanhC, Span<'T>(t1))
            RecurrentKernel.sigmoidGrad (o, ReadOnlySpan<'T>(t1), t2, Span<'T>(dg, at + 2 * hidden, hidden))
            Tensors.TensorPrimitives.Multiply(dcRow, ReadOnlySpan<'T>(cache.CPrev.Data, s, hidden), Span<'T>(t1))
            RecurrentKernel.sigmoidGrad (f, ReadOnlySpan<'T>(t1), t2, Span<'T>(dg, at, hidden))
            Tensors.TensorPrimitives.Multiply(dcRow, cBar, Span<'T>(t1))
            RecurrentKernel.sigmoidGrad (i, ReadOnlySpan<'T>(t1), t2, Span<'T>(dg, at + hidden, hidden))
            Tensors.TensorPrimitives.Multiply(dcRow, i, Span<'T>(t1))
            RecurrentKernel.tanhGrad (cBar, ReadOnlySpan<'T>(t1), t2, Span<'T>(dg, at + 3 * hidden, hidden))
            // dC_{t−1} = dC⊙f.
            Tensors.TensorPrimitives.Multiply(dcRow, f, Span<'T>(dcPrev, s, hidden))
        let dG = Tensor.wrap [| batch; w |] dg
        let dz = Tensor.matmulNT dG p.Wg
        Columns.slice 0 inputs dz, Columns.slice inputs hidden dz, Tensor.wrap [| batch; hidden |] dcPrev,
        { dWg = Tensor.matmulTN cache.Z dG; dBg = Tensor.sumRows dG }

    /// The sum of two gradient records (the gradients of two time steps).
    let addGrads (a: LstmGrads<'T>) (b: LstmGrads<'T>) : LstmGrads<'T> =
        { dWg = Tensor.add a.dWg b.dWg; dBg = Tensor.add a.dBg b.dBg }

// ---------------------------------------------------------------------------------------------
// GRU

/// The parameters of a GRU cell. The reset and update gates share one weight matrix over
/// Z = [x_t, h_{t−1}]; the candidate has its own over [x_t, r⊙h_{t−1}].
type GruParams<'T> =
    { /// The gate weights over Z = [x_t, h_{t−1}]: [inputs + hidden; 2·hidden], rows for x_t
      /// first, column blocks r (reset) then u (update).
      Wg: Tensor<'T>
      /// The gate biases: [1; 2·hidden], blocks r then u.
      Bg: Tensor<'T>
      /// The candidate weights over [x_t, r⊙h_{t−1}]: [inputs + hidden; hidden] (W_hx above W_hh).
      Wc: Tensor<'T>
      /// The candidate bias b_h: [1; hidden].
      Bc: Tensor<'T> }

/// The gradients of a GRU cell's parameters, shaped like `GruParams`.
type GruGrads<'T> =
    { /// The gradient of Wg: [inputs + hidden; 2·hidden].
      dWg: Tensor<'T>
      /// The gradient of Bg: [1; 2·hidden].
      dBg: Tensor<'T>
      /// The gradient of Wc: [inputs + hidden; hidden].
      dWc: Tensor<'T>
      /// The gradient of Bc: [1; hidden].
      dBc: Tensor<'T> }

/// What a GRU cell's forward step saw, for its backward step.
type GruCache<'T> =
    { /// Z = [x_t, h_{t−1}]: [batch; inputs + hidden].
      Z: Tensor<'T>
      /// The gates r and u (after the sigmoid) side by side: [batch; 2·hidden].
      Gates: Tensor<'T>
      /// [x_t, r⊙h_{t−1}]: [batch; inputs + hidden].
      Zc: Tensor<'T>
      /// The candidate h̃: [batch; hidden].
      Candidate: Tensor<'T>
      /// The previous hidden state h_{t−1}: [batch; hidden].
      HPrev: Tensor<'T>
      /// The new hidden state h_t: [batch; hidden].
      H: Tensor<'T> }

/// The GRU cell with the standard equations (Cho et al. 2014):
/// r = σ([x_t, h_{t−1}]·W_r + b_r), u = σ([x_t, h_{t−1}]·W_u + b_u) (one product Z·Wg + Bg),
/// h̃ = tanh(x_t·W_hx + (r⊙h_{t−1})·W_hh + b_h) (one product [x_t, r⊙h_{t−1}]·Wc + Bc),
/// h_t = u⊙h_{t−1} + (1 − u)⊙h̃.
/// Convention: u is the share of the OLD state kept (u = 1 copies h_{t−1}), as in Cho et al.
/// and PyTorch; the reset gate multiplies h_{t−1} before its product with W_hh. (The book's
/// code computes its update gate from the reset gate's products; this cell does not.)
/// Shapes: x_t [batch; inputs], h [batch; hidden].
[<RequireQualifiedAccess>]
module GruCell =

    let private check (op: string) (p: GruParams<'T>) =
        let hidden = RecurrentKernel.hiddenOf op 2 p.Bg
        let inputs = RecurrentKernel.checkGates op "Wg" "Bg" 2 hidden p.Wg p.Bg
        Shape.checkExact op "Wc" [| inputs + hidden; hidden |] p.Wc.Dims
        Shape.checkExact op "Bc" [| 1; hidden |] p.Bc.Dims
        inputs, hidden

    /// (inputs, hidden) of the parameters.
    /// <exception cref="ShapeMismatchException">when the parameters do not fit together.</exception>
    let sizes (p: GruParams<'T>) = check "GruCell.sizes" p

    /// Draws Wg, Bg, Wc, Bc (in that order, each row-major) from normal(0, weightScale).
    /// <exception cref="InvalidValueException">when a size is below 1.</exception>
    let init<'T when 'T :> IFloatingPointIeee754<'T>> (inputs: int) (hidden: int) (weightScale: float) (rng: Rng) : GruParams<'T> * Rng =
        RecurrentKernel.checkSizes "GruCell.init" inputs hidden
        let wg, rng = RecurrentKernel.draw weightScale [| inputs + hidden; 2 * hidden |] rng
        let bg, rng = RecurrentKernel.draw weightScale [| 1; 2 * hidden |] rng
        let wc, rng = RecurrentKernel.draw weightScale [| inputs + hidden; hidden |] rng
        let bc, rng = RecurrentKernel.draw weightScale [| 1; hidden |] rng
        { Wg = wg; Bg = bg; Wc = wc; Bc = bc }, rng

    /// One step: x_t: [batch; inputs], h_{t−1}: [batch; hidden] -> (h_t: [batch; hidden], the
    /// cache for `backward`).
    /// <exception cref="ShapeMismatchException">when a shape does not fit the parameters.</exception>
    let forward<'T when 'T :> IFloatingPointIeee754<'T>> (p: GruParams<'T>) (x: Tensor<'T>) (hPrev: Tensor<'T>) : Tensor<'T> * GruCache<'T> =
        let op = "GruCell.forward"
        let inputs, hidden = check op p
        let batch = RecurrentKernel.checkStep op inputs hidden x [ "h_prev", hPrev ]
        let z = Columns.concat [ x; hPrev ]
        let gates = RecurrentKernel.affine z p.Wg p.Bg
        Tensors.TensorPrimitives.Sigmoid(ReadOnlySpan<'T>(gates.Data), Span<'T>(gates.Data))
        let g = gates.Data
        let w = 2 * hidden
        // [x_t, r⊙h_{t−1}], written row by row.
        let zc = Array.zeroCreate<'T> (batch * (inputs + hidden))
        for r in 0 .. batch - 1 do
            let at = r * (inputs + hidden)
            Array.blit x.Data (r * inputs) zc at inputs
            Tensors.TensorPrimitives.Multiply(ReadOnlySpan<'T>(g, r * w, hidden), ReadOnlySpan<'T>(hPrev.Data, r * hidden, hidden), Span<'T>(zc, at + inputs, hidden))
        let zcT = Tensor.wrap [| batch; inputs + hidden |] zc
        let candidate = RecurrentKernel.affine zcT p.Wc p.Bc
        Tensors.TensorPrimitives.Tanh(ReadOnlySpan<'T>(candidate.Data), Span<'T>(candidate.Data))
        // h_t = h̃ + u⊙(h_{t−1} − h̃).
        let h = Array.zeroCreate<'T> (batch * hidden)
        Tensors.TensorPrimitives.Subtract(ReadOnlySpan<'T>(hPrev.Data), ReadOnlySpan<'T>(candidate.Data), Span<'T>(h))
        for r in 0 .. batch - 1 do
            let s = r * hidden
            Tensors.TensorPrimitives.MultiplyAdd(ReadOnlySpan<'T>(g, r * w + hidden, hidden), ReadOnlySpan<'T>(h, s, hidden),
                                                 ReadOnlySpan<'T>(candidate.Data, s, hidden), Span<'T>(h, s, hidden))
        let hT = Tensor.wrap [| batch; hidden |] h
        hT, { Z = z; Gates = gates; Zc = zcT; Candidate = candidate; HPrev = hPrev; H = hT }

    /// The step backwards: from dh: [batch; hidden], the whole gradient reaching h_t (from the
    /// step's output and from the next step) -> (dx_t: [batch; inputs], dh_{t−1}: [batch; hidden],
    /// the parameter gradients of this step).
    /// <exception cref="ShapeMismatchException">when a gradient's shape does not fit.</exception>
    let backward<'T when 'T :> IFloatingPointIeee754<'T>> (p: GruParams<'T>) (cache: GruCache<'T>) (dh: Tensor<'T>) : Tensor<'T> * Tensor<'T> * GruGrads<'T> =
        let op = "GruCell.backward"
        let inputs, hidden = check op p
        let batch = cache.H.Dims.[0]
        Shape.checkExact op "cache.Gates" [| batch; 2 * hidden |] cache.Gates.Dims
        Shape.checkExact op "cache.Z" [| batch; inputs + hidden |] cache.Z.Dims
        Shape.checkExact op "cache.Zc" [| batch; inputs + hidden |] cache.Zc.Dims
        Shape.checkExact op "dh" [| batch; hidden |] dh.Dims
        let w = 2 * hidden
        let g = cache.Gates.Data
        let hPrev = cache.HPrev.Data
        let cand = cache.Candidate.Data
        let dg = Array.zeroCreate<'T> (batch * w)
        let dCand = Array.zeroCreate<'T> (batch * hidden)
        let dhPrev = Array.zeroCreate<'T> (batch * hidden)
        let t1 = Array.zeroCreate<'T> hidden
        let t2 = Array.zeroCreate<'T> hidden
        for r in 0 .. batch - 1 do
            let s = r * hidden
            let u = ReadOnlySpan<'T>(g, r * w + hidden, hidden)
            let dhRow = ReadOnlySpan<'T>(dh.Data, s, hidden)
            let candRow = ReadOnlySpan<'T>(cand, s, hidden)
            // Through h_t = u⊙h_{t−1} + (1 − u)⊙h̃: dh_{t−1} = dh⊙u, dh̃ = dh⊙(1 − u), du = dh⊙(h_{t−1} − h̃).
            Tensors.TensorPrimitives.Multiply(dhRow, u, Span<'T>(dhPrev, s, hidden))
            Tensors.TensorPrimitives.Subtract(dhRow, ReadOnlySpan<'T>(dhPrev, s, hidden), Span<'T>(t1))
            RecurrentKernel.tanhGrad (candRow, ReadOnlySpan<'T>(t1), t2, Span<'T>(dCand, s, hidden))
            Tensors.TensorPrimitives.Subtract(ReadOnlySpan<'T>(hPrev, s, hidden), candRow, Span<'T>(t1))
            Tensors.TensorPrimitives.Multiply(ReadOnlySpan<'T>(t1), dhRow, Span<'T>(t1))
            RecurrentKernel.sigmoidGrad (u, ReadOnlySpan<'T>(t1), t2, Span<'T>(dg, r * w + hidden, hidden))
        let dCandT = Tensor.wrap [| batch; hidden |] dCand
        let dzc = Tensor.matmulNT dCandT p.Wc
        // Through r⊙h_{t−1}: dr = d(r⊙h)⊙h_{t−1}, dh_{t−1} += d(r⊙h)⊙r.
        for r in 0 .. batch - 1 do
            let s = r * hidden
            let rGate = ReadOnlySpan<'T>(g, r * w, hidden)
            let dRh = ReadOnlySpan<'T>(dzc.Data, r * (inputs + hidden) + inputs, hidden)
            Tensors.TensorPrimitives.MultiplyAdd(dRh, rGate, ReadOnlySpan<'T>(dhPrev, s, hidden), Span<'T>(dhPrev, s, hidden))
            Tensors.TensorPrimitives.Multiply(dRh, ReadOnlySpan<'T>(hPrev, s, hidden), Span<'T>(t1))
            RecurrentKernel.sigmoidGrad (rGate, ReadOnlySpan<'T>(t1), t2, Span<'T>(dg, r * w, hidden))
        let dG = Tensor.wrap [| batch; w |] dg
        let dz = Tensor.matmulNT dG p.Wg
        // dx_t from both products, dh_{t−1} += the h block of dZ.
        let dx = Tensor.add (Columns.slice 0 inputs dz) (Columns.slice 0 inputs dzc)
        for r in 0 .. batch - 1 do
            let s = r * hidden
            Tensors.TensorPrimitives.Add(ReadOnlySpan<'T>(dhPrev, s, hidden), ReadOnlySpan<'T>(dz.Data, r * (inputs + hidden) + inputs, hidden), Span<'T>(dhPrev, s, hidden))
        dx, Tensor.wrap [| batch; hidden |] dhPrev,
        { dWg = Tensor.matmulTN cache.Z dG; dBg = Tensor.sumRows dG
          dWc = Tensor.matmulTN cache.Zc dCandT; dBc = Tensor.sumRows dCandT }

    /// The sum of two gradient records (the gradients of two time steps).
    let addGrads (a: GruGrads<'T>) (b: GruGrads<'T>) : GruGrads<'T> =
        { dWg = Tensor.add a.dWg b.dWg; dBg = Tensor.add a.dBg b.dBg
          dWc = Tensor.add a.dWc b.dWc; dBc = Tensor.add a.dBc b.dBc }
