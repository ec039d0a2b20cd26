module DeepFunctional.Tests.ShapeTests

open System
open Expecto
open DeepFunctional
open DeepFunctional.Tests.Check

[<Tests>]
let tests =
    testList "Shape" [
        testCase "Shape.format writes dimensions joined by x" <| fun () ->
            Expect.equal (Shape.format [| 3; 4; 5 |]) "3x4x5" "three dimensions"
            Expect.equal (Shape.format [||]) "[]" "a scalar"

        testCase "Shape.checkMatmul returns m, k and n for compatible matrices" <| fun () ->
            Expect.equal (Shape.checkMatmul "op" [| 2; 3 |] [| 3; 4 |]) (2, 3, 4) "2x3 times 3x4"

        testCase "Shape.checkMatmul names the operation and both shapes when the inner dimensions differ" <| fun () ->
            throwsShape "Tensor.matmul" (fun () -> Shape.checkMatmul "Tensor.matmul" [| 2; 3 |] [| 4; 4 |] |> ignore)
            let e = Expect.throwsC (fun () -> Shape.checkMatmul "X.op" [| 2; 3 |] [| 4; 5 |] |> ignore) id
            Expect.stringContains e.Message "2x3" "names the left shape"
            Expect.stringContains e.Message "4x5" "names the right shape"

        testCase "Shape.checkRowBroadcast accepts a 1xn row and refuses anything else" <| fun () ->
            Shape.checkRowBroadcast "op" [| 5; 3 |] [| 1; 3 |]
            throwsShape "op" (fun () -> Shape.checkRowBroadcast "op" [| 5; 3 |] [| 1; 4 |])
            throwsShape "op" (fun () -> Shape.checkRowBroadcast "op" [| 5; 3 |] [| 2; 3 |])

        testCase "Shape.checkSameRows refuses inputs and targets of different lengths" <| fun () ->
            throwsShape "fit" (fun () -> Shape.checkSameRows "fit" "x" [| 5; 3 |] "y" [| 4; 1 |])

        testCase "Shape.checkRank refuses a tensor of another rank" <| fun () ->
            throwsShape "op" (fun () -> Shape.checkRank "op" "x" 2 [| 5 |])

        testCase "ShapeMismatchException is an ArgumentException" <| fun () ->
            let e = ShapeMismatchException("op", "a", "b")
            Expect.isTrue (box e :? System.ArgumentException) "callers can catch ArgumentException"
            Expect.equal e.Message "op: expected a, got b" "message format"

        testCase "Shape.count gives hand-computed element counts" <| fun () ->
            for shape, expected in [ [||], 1; [| 7 |], 7; [| 2; 3; 4 |], 24; [| 0; 5 |], 0; [| 60; 1; 28; 28 |], 47040
                                     [| 46340; 46340 |], 2147395600; [| Int32.MaxValue |], Int32.MaxValue; [| 65536; 65536; 0 |], 0 ] do
                Expect.equal (Shape.count shape) expected (Shape.format shape)

        testCase "Shape.count refuses a shape of more than Int32.MaxValue elements with a typed error" <| fun () ->
            for shape in [ [| 46341; 46341 |]; [| 65536; 65536 |]; [| Int32.MaxValue; 2 |]; [| 32830; 131072 |]; [| Int32.MaxValue; Int32.MaxValue; Int32.MaxValue |] ] do
                let e = Check.caught<InvalidValueException> (fun () -> Shape.count shape |> ignore)
                Expect.stringContains e.Message (Shape.format shape) "the message names the shape"
                Expect.stringContains e.Message "2147483647" "and the limit"

        testCase "Shape.count gives the exact element count in its overflow message" <| fun () ->
            let e = Check.caught<InvalidValueException> (fun () -> Shape.countFor "Tensor.zeros" [| 32830; 131072 |] |> ignore)
            Expect.equal e.Operation "Tensor.zeros" "the caller's operation"
            Expect.stringContains e.Message "4303093760" "32830 x 131072"

        testCase "Shape.count refuses a negative dimension" <| fun () ->
            throwsShape "Shape.count" (fun () -> Shape.count [| 3; -1 |] |> ignore)

        testCase "Tensor.zeros of an overflowing shape fails at once instead of allocating a wrapped-around size" <| fun () ->
            throwsValue "Tensor.zeros" (fun () -> Tensor.zeros<float32> [| 32830; 131072 |] |> ignore)
    ]
