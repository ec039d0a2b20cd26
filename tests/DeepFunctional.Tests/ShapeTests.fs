module DeepFunctional.Tests.ShapeTests

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

        testProperty "Shape.count is the product of the dimensions" <| fun (dims: byte list) ->
            let shape = dims |> List.truncate 4 |> List.map int |> Array.ofList
            Shape.count shape = Array.fold (*) 1 shape
    ]
