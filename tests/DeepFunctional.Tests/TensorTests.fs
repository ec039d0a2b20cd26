module DeepFunctional.Tests.TensorTests

open System
open Expecto
open DeepFunctional
open DeepFunctional.Tests.Check

let m23 = Tensor.create [| 2; 3 |] [| 1.0; 2.0; 3.0; 4.0; 5.0; 6.0 |]

[<Tests>]
let tests =
    testList "Tensor" [
        testCase "Tensor.create copies its data so later writes to the array do not change it" <| fun () ->
            let data = [| 1.0; 2.0 |]
            let t = Tensor.create [| 1; 2 |] data
            data.[0] <- 99.0
            Expect.equal (t.ToArray()) [| 1.0; 2.0 |] "the tensor is immutable"

        testCase "Tensor.Shape returns a copy" <| fun () ->
            let s = m23.Shape
            s.[0] <- 7
            Expect.equal m23.Shape [| 2; 3 |] "the shape is immutable"

        testCase "Tensor.create refuses a data length that does not match the shape" <| fun () ->
            throwsShape "Tensor.create" (fun () -> Tensor.create [| 2; 2 |] [| 1.0 |] |> ignore)

        testCase "Tensor.ofArray2D and toArray2D round-trip" <| fun () ->
            let a = array2D [ [ 1.0f; 2.0f ]; [ 3.0f; 4.0f ]; [ 5.0f; 6.0f ] ]
            let t = Tensor.ofArray2D a
            Expect.equal t.Shape [| 3; 2 |] "rows by columns"
            Expect.equal (Tensor.toArray2D t) a "same values"
            Expect.equal t.[2, 1] 6.0f "indexer reads row 2, column 1"

        testCase "Tensor.ofRows refuses ragged rows" <| fun () ->
            throwsShape "Tensor.ofRows" (fun () -> Tensor.ofRows [| [| 1.0 |]; [| 1.0; 2.0 |] |] |> ignore)

        testCase "Tensor.addRow broadcasts a row and sumRows is its gradient" <| fun () ->
            let r = Tensor.create [| 1; 3 |] [| 10.0; 20.0; 30.0 |]
            Expect.equal ((Tensor.addRow m23 r).ToArray()) [| 11.0; 22.0; 33.0; 14.0; 25.0; 36.0 |] "each row plus r"
            Expect.equal ((Tensor.sumRows m23).ToArray()) [| 5.0; 7.0; 9.0 |] "column sums"

        testCase "Tensor.matmulTN and matmulNT equal products with explicit transposes" <| fun () ->
            let a = randomTensor<float> 1L [| 7; 5 |]
            let b = randomTensor<float> 2L [| 7; 3 |]
            let c = randomTensor<float> 3L [| 4; 5 |]
            Check.tensorsClose 1e-12 (Tensor.matmulTN a b) (Tensor.matmul (Tensor.transpose a) b) "a^T b"
            Check.tensorsClose 1e-12 (Tensor.matmulNT a c) (Tensor.matmul a (Tensor.transpose c)) "a c^T"

        testCase "Tensor.gatherRows picks rows in the given order and refuses an index out of range" <| fun () ->
            Expect.equal ((Tensor.gatherRows [| 1; 0; 1 |] m23).ToArray()) [| 4.0; 5.0; 6.0; 1.0; 2.0; 3.0; 4.0; 5.0; 6.0 |] "rows 1, 0, 1"
            throwsValue "Tensor.gatherRows" (fun () -> Tensor.gatherRows [| 2 |] m23 |> ignore)

        testCase "Tensor.sliceRows takes consecutive rows and refuses a range past the end" <| fun () ->
            Expect.equal ((Tensor.sliceRows 1 1 m23).ToArray()) [| 4.0; 5.0; 6.0 |] "row 1"
            throwsValue "Tensor.sliceRows" (fun () -> Tensor.sliceRows 1 2 m23 |> ignore)

        testCase "Tensor.checkFinite names the row and column of a NaN" <| fun () ->
            let t = Tensor.create [| 2; 2 |] [| 1.0; 2.0; 3.0; nan |]
            let e = Expect.throwsC (fun () -> Tensor.checkFinite "op" "x" t |> ignore) id
            Expect.stringContains e.Message "row 1, column 1" "names where"
            Expect.isFalse (Tensor.isFinite (Tensor.create [| 1 |] [| infinity |])) "infinity is not finite"

        testCase "Tensor.checkFinite finds a bad element anywhere in a long single-precision tensor, vector body or tail" <| fun () ->
            for index in [ 0; 15; 16; 63; 500; 1000; 1036 ] do
                for bad in [ nan; infinity; -infinity ] do
                    let data = Array.init 1037 (fun i -> float32 i)
                    data.[index] <- float32 bad
                    let t = Tensor.create [| 1; 1037 |] data
                    Expect.isFalse (Tensor.isFinite t) (sprintf "%g at %d is seen by isFinite" bad index)
                    let e = Expect.throwsC (fun () -> Tensor.checkFinite "op" "x" t |> ignore) id
                    Expect.stringContains e.Message (sprintf "column %d" index) (sprintf "%g at %d is named" bad index)
            Expect.isTrue (Tensor.isFinite (Tensor.create [| 1037 |] (Array.init 1037 float32))) "all finite"

        testCase "Tensor.convert goes from double to single and back within single precision" <| fun () ->
            let t = randomTensor<float> 4L [| 3; 3 |]
            let back = t |> Tensor.convert<float, float32> |> Tensor.convert<float32, float>
            Check.tensorsClose 1e-6 t back "round trip"

        testCase "Tensor.axpy computes x*s + y" <| fun () ->
            let x = Tensor.create [| 2 |] [| 1.0; 2.0 |]
            let y = Tensor.create [| 2 |] [| 10.0; 20.0 |]
            Expect.equal ((Tensor.axpy -0.5 x y).ToArray()) [| 9.5; 19.0 |] "y - 0.5 x"

        testCase "elementwise sigmoid, tanh and relu match their scalar definitions" <| fun () ->
            let t = randomTensor<float> 5L [| 4; 4 |]
            let v = t.ToArray()
            let close (a: float[]) (b: float[]) = Array.forall2 (fun x y -> abs (x - y) < 1e-14) a b
            Expect.isTrue (close ((Tensor.sigmoid t).ToArray()) (v |> Array.map (fun x -> 1.0 / (1.0 + exp -x)))) "sigmoid"
            Expect.isTrue (close ((Tensor.tanh t).ToArray()) (Array.map tanh v)) "tanh"
            Expect.isTrue (close ((Tensor.relu t).ToArray()) (v |> Array.map (max 0.0))) "relu"

        testCase "Tensor.exp and Tensor.log are inverse and Tensor.mean averages all elements" <| fun () ->
            let t = Tensor.create [| 2; 2 |] [| 0.0; 1.0; -2.0; 0.5 |]
            Check.tensorsClose 1e-15 (Tensor.log (Tensor.exp t)) t "log (exp x) = x"
            Expect.floatClose Accuracy.veryHigh ((Tensor.exp t).ToArray().[1]) (exp 1.0) "e"
            Expect.equal (Tensor.mean t) (-0.125) "(0 + 1 - 2 + 0.5) / 4"

        testCase "exp, log, tanh and sigmoid give the same bits wherever the values lie in memory, extreme inputs included" <| fun () ->
            // Some inputs beyond TensorPrimitives' vector range (|x| > 708 for e^x in double), between ordinary ones.
            let rnd = Random(11)
            let values = Array.init 10_000 (fun i -> (rnd.NextDouble() * 2.0 - 1.0) * (if i % 37 = 0 then 2000.0 else 6.0))
            let check (name: string) (f: Transcendental) (values: 'T[]) (reference: 'T -> 'T) =
                let results =
                    [ for offset in 0 .. 15 ->
                        let buffer = Array.zeroCreate<'T> (values.Length + 16)
                        Array.blit values 0 buffer offset values.Length
                        let out = Array.zeroCreate<'T> (values.Length + 16)
                        Transcendental.into f (ReadOnlySpan<'T>(buffer, offset, values.Length)) (Span<'T>(out, offset, values.Length))
                        Array.sub out offset values.Length ]
                let bits (r: 'T[]) = r |> Array.map (Num.toFloat >> BitConverter.DoubleToInt64Bits)
                for r in results do
                    Expect.sequenceEqual (bits r) (bits results.[0]) (sprintf "%s: the same bits at every alignment" name)
                Array.iter2 (fun (x: 'T) (y: 'T) ->
                    let expected = reference x
                    let e, a = Num.toFloat expected, Num.toFloat y
                    if not (Double.IsNaN e && Double.IsNaN a) && not (Double.IsInfinity e && a = e) then
                        // TensorPrimitives' tanh is least accurate near 0: about 1e-11 in double, 1e-4 in single.
                        Check.within (if typeof<'T> = typeof<float32> then 1e-3 else 1e-10) (abs (a - e) / max (abs e) 1e-300)
                            (sprintf "%s(%g) = %g, expected %g" name (Num.toFloat x) a e)) values results.[0]
            check "exp" Transcendental.Exp values Math.Exp
            check "tanh" Transcendental.Tanh values Math.Tanh
            check "sigmoid" Transcendental.Sigmoid values (fun x -> 1.0 / (1.0 + Math.Exp(-x)))
            check "log" Transcendental.Log (values |> Array.map (fun v -> if v > 100.0 then 0.0 else v)) Math.Log
            let singles = values |> Array.map float32
            check "exp in single precision" Transcendental.Exp singles MathF.Exp
            check "tanh in single precision" Transcendental.Tanh singles MathF.Tanh
            // An extreme input is evaluated on its own: its neighbours get the bits they get without it.
            let ordinary = Array.init 64 (fun i -> float i / 10.0 - 3.0)
            let withExtreme = Array.copy ordinary
            withExtreme.[5] <- -1000.0
            let run (xs: float[]) = let out = Array.zeroCreate xs.Length in Transcendental.into Transcendental.Exp (ReadOnlySpan xs) (Span out); out
            let a, b = run ordinary, run withExtreme
            Expect.equal b.[5] 0.0 "e^-1000 underflows to 0"
            Expect.sequenceEqual (Array.removeAt 5 b) (Array.removeAt 5 a) "the other 63 values unchanged"

        testProperty "Tensor.transpose twice is the identity" <| fun (r: byte) (c: byte) ->
            let r, c = int r % 9 + 1, int c % 9 + 1
            let t = randomTensor<float> 3L [| r; c |]
            (Tensor.transpose (Tensor.transpose t)).ToArray() = t.ToArray()

        testProperty "Tensor.reshape keeps the elements in order" <| fun (r: byte) (c: byte) ->
            let r, c = int r % 9 + 1, int c % 9 + 1
            let t = randomTensor<float> 3L [| r; c |]
            let u = Tensor.reshape [| c; r |] t
            u.Shape = [| c; r |] && u.ToArray() = t.ToArray()

        testProperty "Tensor.matmul has the shape m x n for m x k times k x n" <| fun (m: byte) (k: byte) (n: byte) ->
            let m, k, n = int m % 7 + 1, int k % 7, int n % 7 + 1
            (Tensor.matmul (randomTensor<float32> 1L [| m; k |]) (randomTensor<float32> 2L [| k; n |])).Shape = [| m; n |]
    ]
