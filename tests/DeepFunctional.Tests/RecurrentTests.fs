/// The recurrent cells of chapter 6 (RnnCell, LstmCell, GruCell). Each is unrolled over four
/// time steps with its state carried from step to step, and the hand-written backward passes
/// (through time) are checked against central finite differences and against autodiff of the
/// same cell written independently from the equations, per gate, with `Autodiff` primitives —
/// for every parameter, every input and the initial state, in both precisions. Then the gate
/// conventions, the initial draws and the error paths.
module DeepFunctional.Tests.RecurrentTests

open System
open Expecto
open DeepFunctional
open DeepFunctional.Tests.Check

let batch, inputs, hidden, steps = 3, 4, 5, 4

/// A cell unrolled over `steps` steps as a function of all its tensors.
type Unrolled<'T> =
    { /// The cell's name, e.g. "LstmCell".
      Name: string
      /// The names of the tensors: the parameters, the initial states, then x_0 .. x_{T−1}.
      Names: string list
      /// The values the gradients are taken at.
      Tensors: Tensor<'T> list
      /// The loss through the hand-written forward steps, in double.
      Loss: Tensor<'T> list -> float
      /// The gradient of Loss through the hand-written backward steps, one per tensor.
      Gradients: Tensor<'T> list -> Tensor<'T> list
      /// The same loss written with autodiff primitives.
      Autodiff: Var<'T> list -> Var<'T> }

/// The loss weights: L = Σ_t Σ h_t ⊙ R_t + Σ h_T ⊙ R_h (+ Σ C_T ⊙ R_c), so that every step's
/// hidden state and the final state receive a gradient.
let outWeights<'T when 'T :> Numerics.IFloatingPointIeee754<'T>> () = [ for t in 0 .. steps - 1 -> randomTensor<'T> (100L + int64 t) [| batch; hidden |] ]
let hWeight<'T when 'T :> Numerics.IFloatingPointIeee754<'T>> () = randomTensor<'T> 200L [| batch; hidden |]
let cWeight<'T when 'T :> Numerics.IFloatingPointIeee754<'T>> () = randomTensor<'T> 201L [| batch; hidden |]

let xsOf<'T when 'T :> Numerics.IFloatingPointIeee754<'T>> () = [ for t in 0 .. steps - 1 -> randomTensor<'T> (30L + int64 t) [| batch; inputs |] ]
let xNames = [ for t in 0 .. steps - 1 -> sprintf "x_%d" t ]

/// Σ a ⊙ b in double.
let dot (a: Tensor<'T>) (b: Tensor<'T>) = Array.fold2 (fun s x y -> s + x * y) 0.0 (floats a) (floats b)

/// Σ a ⊙ constant b as an autodiff scalar.
let weighted (a: Var<'T>) (b: Tensor<'T>) = Autodiff.sum (Autodiff.mul a (Autodiff.constant b))

/// The autodiff loss of the outputs and final states.
let autodiffLoss (outs: Var<'T> list) (finals: (Var<'T> * Tensor<'T>) list) =
    let terms = (List.map2 weighted outs (outWeights<'T> ())) @ [ for v, w in finals -> weighted v w ]
    List.reduce Autodiff.add terms

/// The hand-written loss of the outputs and final states.
let handLoss (outs: Tensor<'T> list) (finals: (Tensor<'T> * Tensor<'T>) list) =
    List.sum (List.map2 dot outs (outWeights<'T> ())) + List.sum [ for v, w in finals -> dot v w ]

let private fail () : 'a = failtest "unexpected tensor list"

// --- RNN --------------------------------------------------------------------------------------

let rnn<'T when 'T :> Numerics.IFloatingPointIeee754<'T>> () : Unrolled<'T> =
    let p, _ = RnnCell.init<'T> inputs hidden 0.5 (Rng.seed 11L)
    let split (ts: Tensor<'T> list) =
        match ts with
        | wf :: bf :: h0 :: xs -> { Wf = wf; Bf = bf }, h0, xs
        | _ -> fail ()
    let run (ts: Tensor<'T> list) =
        let p, h0, xs = split ts
        let steps, hT =
            xs |> List.mapFold (fun h x -> let h, cache = RnnCell.forward p x h in (h, cache), h) h0
        p, steps, hT
    { Name = "RnnCell"
      Names = [ "Wf"; "Bf"; "h_0" ] @ xNames
      Tensors = [ p.Wf; p.Bf; randomTensor<'T> 21L [| batch; hidden |] ] @ xsOf<'T> ()
      Loss = fun ts ->
        let _, steps, hT = run ts
        handLoss (List.map fst steps) [ hT, hWeight<'T> () ]
      Gradients = fun ts ->
        let p, steps, _ = run ts
        let dxs, (dh, grads) =
            List.mapFoldBack (fun ((cache: RnnCache<'T>), r) (dh, acc) ->
                let dx, dhPrev, g = RnnCell.backward p cache (Tensor.add r dh)
                dx, (dhPrev, match acc with Some a -> Some (RnnCell.addGrads a g) | None -> Some g))
                (List.zip (List.map snd steps) (outWeights<'T> ())) (hWeight<'T> (), None)
        let g = Option.get grads
        [ g.dWf; g.dBf; dh ] @ dxs
      Autodiff = fun vs ->
        match vs with
        | wf :: bf :: h0 :: xs ->
            let outs, hT =
                xs |> List.mapFold (fun h x ->
                    let h = Autodiff.tanh (Autodiff.addRow (Autodiff.matmul (Autodiff.concatColumns [ x; h ]) wf) bf)
                    h, h) h0
            autodiffLoss outs [ hT, hWeight<'T> () ]
        | _ -> fail () }

// --- LSTM -------------------------------------------------------------------------------------

let lstm<'T when 'T :> Numerics.IFloatingPointIeee754<'T>> () : Unrolled<'T> =
    let p, _ = LstmCell.init<'T> inputs hidden 0.5 (Rng.seed 12L)
    let split (ts: Tensor<'T> list) =
        match ts with
        | wg :: bg :: h0 :: c0 :: xs -> { Wg = wg; Bg = bg }, h0, c0, xs
        | _ -> fail ()
    let run (ts: Tensor<'T> list) =
        let p, h0, c0, xs = split ts
        let steps, (hT, cT) =
            xs |> List.mapFold (fun (h, c) x -> let h, c, cache = LstmCell.forward p x h c in (h, cache), (h, c)) (h0, c0)
        p, steps, hT, cT
    { Name = "LstmCell"
      Names = [ "Wg"; "Bg"; "h_0"; "C_0" ] @ xNames
      Tensors = [ p.Wg; p.Bg; randomTensor<'T> 21L [| batch; hidden |]; randomTensor<'T> 22L [| batch; hidden |] ] @ xsOf<'T> ()
      Loss = fun ts ->
        let _, steps, hT, cT = run ts
        handLoss (List.map fst steps) [ hT, hWeight<'T> (); cT, cWeight<'T> () ]
      Gradients = fun ts ->
        let p, steps, _, _ = run ts
        let dxs, (dh, dc, grads) =
            List.mapFoldBack (fun ((cache: LstmCache<'T>), r) (dh, dc, acc) ->
                let dx, dhPrev, dcPrev, g = LstmCell.backward p cache (Tensor.add r dh) dc
                dx, (dhPrev, dcPrev, match acc with Some a -> Some (LstmCell.addGrads a g) | None -> Some g))
                (List.zip (List.map snd steps) (outWeights<'T> ())) (hWeight<'T> (), cWeight<'T> (), None)
        let g = Option.get grads
        [ g.dWg; g.dBg; dh; dc ] @ dxs
      Autodiff = fun vs ->
        match vs with
        | wg :: bg :: h0 :: c0 :: xs ->
            // Each gate on its own, σ(Z·W_k + B_k), as the book writes them.
            let gate k (activation: Var<'T> -> Var<'T>) (z: Var<'T>) =
                let w = Autodiff.sliceColumns (k * hidden) hidden wg
                let b = Autodiff.sliceColumns (k * hidden) hidden bg
                activation (Autodiff.addRow (Autodiff.matmul z w) b)
            let outs, (hT, cT) =
                xs |> List.mapFold (fun (h, c) x ->
                    let z = Autodiff.concatColumns [ x; h ]
                    let f, i, o, cBar = gate 0 Autodiff.sigmoid z, gate 1 Autodiff.sigmoid z, gate 2 Autodiff.sigmoid z, gate 3 Autodiff.tanh z
                    let c = Autodiff.add (Autodiff.mul f c) (Autodiff.mul i cBar)
                    let h = Autodiff.mul o (Autodiff.tanh c)
                    h, (h, c)) (h0, c0)
            autodiffLoss outs [ hT, hWeight<'T> (); cT, cWeight<'T> () ]
        | _ -> fail () }

// --- GRU --------------------------------------------------------------------------------------

let gru<'T when 'T :> Numerics.IFloatingPointIeee754<'T>> () : Unrolled<'T> =
    let p, _ = GruCell.init<'T> inputs hidden 0.5 (Rng.seed 13L)
    let split (ts: Tensor<'T> list) =
        match ts with
        | wg :: bg :: wc :: bc :: h0 :: xs -> { Wg = wg; Bg = bg; Wc = wc; Bc = bc }, h0, xs
        | _ -> fail ()
    let run (ts: Tensor<'T> list) =
        let p, h0, xs = split ts
        let steps, hT =
            xs |> List.mapFold (fun h x -> let h, cache = GruCell.forward p x h in (h, cache), h) h0
        p, steps, hT
    let ones = Tensor.fill [| batch; hidden |] Num.one<'T>
    { Name = "GruCell"
      Names = [ "Wg"; "Bg"; "Wc"; "Bc"; "h_0" ] @ xNames
      Tensors = [ p.Wg; p.Bg; p.Wc; p.Bc; randomTensor<'T> 21L [| batch; hidden |] ] @ xsOf<'T> ()
      Loss = fun ts ->
        let _, steps, hT = run ts
        handLoss (List.map fst steps) [ hT, hWeight<'T> () ]
      Gradients = fun ts ->
        let p, steps, _ = run ts
        let dxs, (dh, grads) =
            List.mapFoldBack (fun ((cache: GruCache<'T>), r) (dh, acc) ->
                let dx, dhPrev, g = GruCell.backward p cache (Tensor.add r dh)
                dx, (dhPrev, match acc with Some a -> Some (GruCell.addGrads a g) | None -> Some g))
                (List.zip (List.map snd steps) (outWeights<'T> ())) (hWeight<'T> (), None)
        let g = Option.get grads
        [ g.dWg; g.dBg; g.dWc; g.dBc; dh ] @ dxs
      Autodiff = fun vs ->
        match vs with
        | wg :: bg :: wc :: bc :: h0 :: xs ->
            // The standard equations term by term: separate W_r, W_u, W_hx, W_hh.
            let block k (w: Var<'T>) = Autodiff.sliceColumns (k * hidden) hidden w
            let wHx, wHh = Autodiff.sliceRows 0 inputs wc, Autodiff.sliceRows inputs hidden wc
            let outs, hT =
                xs |> List.mapFold (fun h x ->
                    let z = Autodiff.concatColumns [ x; h ]
                    let r = Autodiff.sigmoid (Autodiff.addRow (Autodiff.matmul z (block 0 wg)) (block 0 bg))
                    let u = Autodiff.sigmoid (Autodiff.addRow (Autodiff.matmul z (block 1 wg)) (block 1 bg))
                    let candidate =
                        Autodiff.tanh (Autodiff.addRow (Autodiff.add (Autodiff.matmul x wHx) (Autodiff.matmul (Autodiff.mul r h) wHh)) bc)
                    let h = Autodiff.add (Autodiff.mul u h) (Autodiff.mul (Autodiff.sub (Autodiff.constant ones) u) candidate)
                    h, h) h0
            autodiffLoss outs [ hT, hWeight<'T> () ]
        | _ -> fail () }

// --- the checks -------------------------------------------------------------------------------

/// The checks of one unrolled cell in one precision; `agreement` bounds the difference from
/// autodiff relative to max(1, largest gradient element).
let unrolled (p: Precision) (agreement: float) (c: Unrolled<'T>) =
    testList (sprintf "%s over %d steps in %s" c.Name steps p.Name) [
        testCase (sprintf "%s.backward through %d steps matches central finite differences for every parameter, input and initial state" c.Name steps) <| fun () ->
            let grads = c.Gradients c.Tensors
            Expect.equal grads.Length c.Tensors.Length "one gradient per tensor"
            List.iteri2 (fun k (name: string) (x: Tensor<'T>) ->
                let loss (xk: Tensor<'T>) = c.Loss (List.mapi (fun j t -> if j = k then xk else t) c.Tensors)
                Check.gradientClose p.GradTolerance (GradCheck.compare p.Delta loss x grads.[k]) (sprintf "d%s" name))
                c.Names c.Tensors

        testCase (sprintf "%s.backward through %d steps equals autodiff of the cell written from its equations" c.Name steps) <| fun () ->
            let grads = c.Gradients c.Tensors
            let value, auto = Autodiff.gradients c.Autodiff c.Tensors
            let loss = c.Loss c.Tensors
            Check.within agreement (Check.relativeError (Num.toFloat value) loss) "the same loss"
            List.iteri2 (fun k (name: string) (hand: Tensor<'T>) ->
                let scale = max 1.0 (Array.max (Array.map abs (floats hand)))
                Check.within agreement (Num.toFloat (Tensor.maxAbsDiff hand auto.[k]) / scale) (sprintf "d%s agrees with autodiff" name))
                c.Names grads
    ]

let cells (p: Precision) (single: bool) =
    if single then [ unrolled p 1e-4 (rnn<float32> ()); unrolled p 1e-4 (lstm<float32> ()); unrolled p 1e-4 (gru<float32> ()) ]
    else [ unrolled p 1e-12 (rnn<float> ()); unrolled p 1e-12 (lstm<float> ()); unrolled p 1e-12 (gru<float> ()) ]

/// A row of `hidden` values per block, block k holding values.[k].
let blocks (values: float list) = Tensor.create [| 1; values.Length * hidden |] [| for v in values do for _ in 1 .. hidden -> v |]

let x0 () = randomTensor<float> 30L [| batch; inputs |]
let h0 () = randomTensor<float> 21L [| batch; hidden |]
let c0 () = randomTensor<float> 22L [| batch; hidden |]

[<Tests>]
let tests =
    testList "Recurrent" [
        testList "double precision" (cells Check.double false)
        testList "single precision" (cells Check.single true)

        testCase "RnnCell.forward is tanh([x, h]·Wf + Bf)" <| fun () ->
            let p, _ = RnnCell.init<float> inputs hidden 0.5 (Rng.seed 11L)
            let h, _ = RnnCell.forward p (x0 ()) (h0 ())
            let z = Columns.concat [ x0 (); h0 () ]
            Check.tensorsClose 1e-15 h (Tensor.tanh (Tensor.addRow (Tensor.matmul z p.Wf) p.Bf)) "h_t"

        testCase "LstmCell's gate blocks are f, i, o, C̄: an open forget gate and a closed input gate keep C" <| fun () ->
            let p, _ = LstmCell.init<float> inputs hidden 0.5 (Rng.seed 12L)
            let p = { p with Bg = blocks [ 40.0; -40.0; 40.0; 0.0 ] }
            let h, c, _ = LstmCell.forward p (x0 ()) (h0 ()) (c0 ())
            Check.tensorsClose 1e-12 c (c0 ()) "C_t = C_{t-1}"
            Check.tensorsClose 1e-12 h (Tensor.tanh (c0 ())) "h_t = tanh C_t with the output gate open"

        testCase "LstmCell with a closed forget gate and an open input gate replaces C by the candidate" <| fun () ->
            let p, _ = LstmCell.init<float> inputs hidden 0.5 (Rng.seed 12L)
            let p = { p with Bg = blocks [ -40.0; 40.0; -40.0; 0.0 ] }
            let h, c, _ = LstmCell.forward p (x0 ()) (h0 ()) (c0 ())
            let z = Columns.concat [ x0 (); h0 () ]
            let candidate = Tensor.tanh (Tensor.matmul z (Columns.slice (3 * hidden) hidden p.Wg))
            Check.tensorsClose 1e-12 c candidate "C_t = C̄"
            Check.tensorsClose 1e-12 h (Tensor.zeros [| batch; hidden |]) "h_t = 0 with the output gate closed"

        testCase "GruCell's update gate u = 1 keeps h, whatever the reset gate (the book's update-gate bug would not)" <| fun () ->
            let p, _ = GruCell.init<float> inputs hidden 0.5 (Rng.seed 13L)
            let p = { p with Bg = blocks [ -40.0; 40.0 ] }
            let h, _ = GruCell.forward p (x0 ()) (h0 ())
            Check.tensorsClose 1e-12 h (h0 ()) "h_t = h_{t-1}"

        testCase "GruCell with u = 0 takes the candidate, whose reset gate multiplies h before W_hh" <| fun () ->
            let p, _ = GruCell.init<float> inputs hidden 0.5 (Rng.seed 13L)
            for reset, hScale in [ 40.0, 1.0; -40.0, 0.0 ] do
                let p = { p with Bg = blocks [ reset; -40.0 ] }
                let h, _ = GruCell.forward p (x0 ()) (h0 ())
                let z = Columns.concat [ x0 (); Tensor.scale hScale (h0 ()) ]
                let candidate = Tensor.tanh (Tensor.addRow (Tensor.matmul z p.Wc) p.Bc)
                Check.tensorsClose 1e-12 h candidate (sprintf "h_t = tanh(x W_hx + (%g h) W_hh + b_h)" hScale)

        testCase "the cells draw their parameters in record order from normal(0, weightScale)" <| fun () ->
            let draws, rngAfter = Rng.normal 0.0 0.1 (9 * 20 + 20) (Rng.seed 5L)
            let p, rng = LstmCell.init<float> inputs hidden 0.1 (Rng.seed 5L)
            Expect.equal (p.Wg.Shape, p.Bg.Shape) ([| 9; 20 |], [| 1; 20 |]) "LSTM shapes"
            Expect.equal (Array.concat [ p.Wg.ToArray(); p.Bg.ToArray() ]) draws "LSTM draws Wg, Bg"
            Expect.equal rng rngAfter "and returns the generator after them"
            let g, _ = GruCell.init<float32> inputs hidden 0.1 (Rng.seed 5L)
            Expect.equal (g.Wg.Shape, g.Bg.Shape, g.Wc.Shape, g.Bc.Shape) ([| 9; 10 |], [| 1; 10 |], [| 9; 5 |], [| 1; 5 |]) "GRU shapes"
            let r, _ = RnnCell.init<float> inputs hidden 0.1 (Rng.seed 5L)
            Expect.equal (r.Wf.Shape, r.Bf.Shape) ([| 9; 5 |], [| 1; 5 |]) "RNN shapes"
            Expect.equal (r.Wf.ToArray()) draws.[0 .. 44] "RNN draws Wf first"
            Expect.equal (RnnCell.sizes r, LstmCell.sizes p, GruCell.sizes g) ((4, 5), (4, 5), (4, 5)) "sizes"

        testCase "the cells refuse sizes below 1" <| fun () ->
            throwsValue "RnnCell.init" (fun () -> RnnCell.init<float> 0 hidden 0.1 (Rng.seed 1L) |> ignore)
            throwsValue "LstmCell.init" (fun () -> LstmCell.init<float> inputs 0 0.1 (Rng.seed 1L) |> ignore)
            throwsValue "GruCell.init" (fun () -> GruCell.init<float> inputs 0 0.1 (Rng.seed 1L) |> ignore)

        testCase "the forward steps refuse an input, a state or parameters of the wrong shape, naming the cell" <| fun () ->
            let r, _ = RnnCell.init<float> inputs hidden 0.1 (Rng.seed 1L)
            let l, _ = LstmCell.init<float> inputs hidden 0.1 (Rng.seed 1L)
            let g, _ = GruCell.init<float> inputs hidden 0.1 (Rng.seed 1L)
            let x, h = x0 (), h0 ()
            let xBad = randomTensor<float> 1L [| batch; inputs + 1 |]
            let hBad = randomTensor<float> 1L [| batch + 1; hidden |]
            throwsShape "RnnCell.forward" (fun () -> RnnCell.forward r xBad h |> ignore)
            throwsShape "RnnCell.forward" (fun () -> RnnCell.forward r x hBad |> ignore)
            throwsShape "RnnCell.forward" (fun () -> RnnCell.forward { r with Bf = Tensor.zeros [| 1; hidden + 1 |] } x h |> ignore)
            throwsShape "LstmCell.forward" (fun () -> LstmCell.forward l xBad h (c0 ()) |> ignore)
            throwsShape "LstmCell.forward" (fun () -> LstmCell.forward l x h hBad |> ignore)
            throwsShape "LstmCell.forward" (fun () -> LstmCell.forward { l with Wg = Tensor.zeros [| inputs + hidden; 3 * hidden |] } x h (c0 ()) |> ignore)
            throwsShape "GruCell.forward" (fun () -> GruCell.forward g xBad h |> ignore)
            throwsShape "GruCell.forward" (fun () -> GruCell.forward g x hBad |> ignore)
            throwsShape "GruCell.forward" (fun () -> GruCell.forward { g with Wc = Tensor.zeros [| inputs + hidden; hidden + 1 |] } x h |> ignore)

        testCase "the backward steps refuse gradients of the wrong shape, naming the cell" <| fun () ->
            let r, _ = RnnCell.init<float> inputs hidden 0.1 (Rng.seed 1L)
            let l, _ = LstmCell.init<float> inputs hidden 0.1 (Rng.seed 1L)
            let g, _ = GruCell.init<float> inputs hidden 0.1 (Rng.seed 1L)
            let x, h, c = x0 (), h0 (), c0 ()
            let dh, dhBad = Tensor.zeros<float> [| batch; hidden |], Tensor.zeros<float> [| batch - 1; hidden |]
            let _, rc = RnnCell.forward r x h
            let _, _, lc = LstmCell.forward l x h c
            let _, gc = GruCell.forward g x h
            throwsShape "RnnCell.backward" (fun () -> RnnCell.backward r rc dhBad |> ignore)
            throwsShape "LstmCell.backward" (fun () -> LstmCell.backward l lc dhBad dh |> ignore)
            throwsShape "LstmCell.backward" (fun () -> LstmCell.backward l lc dh dhBad |> ignore)
            throwsShape "GruCell.backward" (fun () -> GruCell.backward g gc dhBad |> ignore)
    ]
