/// Tests of the test suite's own checker: every tolerance check fails on a NaN or infinite
/// error, the gradient checker and `Tensor.maxAbsDiff` propagate NaN, and no test list of the
/// suite is left unregistered.
module DeepFunctional.Tests.CheckTests

open System
open System.Reflection
open Expecto
open DeepFunctional
open DeepFunctional.Tests.Check

/// True when f raises (an Expecto assertion or anything else).
let private fails (f: unit -> unit) =
    try
        f ()
        false
    with _ -> true

/// A sigmoid case of `Check.op`, whose forward or backward the tests below replace.
let private sigmoidCase () : OpCase<float> =
    OpTests.activation Activation.Sigmoid OpTests.sigmoidRef "Sigmoid.backward"

[<Tests>]
let tests =
    testList "Check" [
        testCase "Check.within fails on a NaN, an infinite or a too large error and passes a small one" <| fun () ->
            for err in [ nan; infinity; -infinity; 1e-3 ] do
                Expect.isTrue (fails (fun () -> within 1e-6 err "error")) (sprintf "an error of %g fails" err)
            Expect.isFalse (fails (fun () -> within 1e-6 1e-7 "error")) "an error of 1e-7 passes"
            Expect.isFalse (fails (fun () -> within 1e-6 1e-6 "error")) "an error equal to the tolerance passes"

        testCase "Check.isBelow, isAbove, isAtMost and isAtLeast fail when either side is NaN" <| fun () ->
            Expect.isTrue (fails (fun () -> isBelow nan 1.0 "x")) "isBelow NaN"
            Expect.isTrue (fails (fun () -> isAbove nan 1.0 "x")) "isAbove NaN"
            Expect.isTrue (fails (fun () -> isAtMost nan 1.0 "x")) "isAtMost NaN"
            Expect.isTrue (fails (fun () -> isAtLeast 1.0 nan "x")) "isAtLeast NaN"
            Expect.isFalse (fails (fun () -> isBelow 0.5 1.0 "x")) "0.5 < 1"
            Expect.isTrue (fails (fun () -> isBelow 1.0 1.0 "x")) "1 < 1 is false"

        testCase "Check.allClose fails on a NaN or an infinity anywhere but the first element" <| fun () ->
            for bad in [ nan; infinity ] do
                Expect.isTrue (fails (fun () -> allClose 1e-6 [| 1.0; bad; 3.0 |] [| 1.0; 2.0; 3.0 |] "x")) (sprintf "%g in the middle" bad)
                Expect.isTrue (fails (fun () -> allClose 1e-6 [| 1.0; 2.0; bad |] [| 1.0; 2.0; 3.0 |] "x")) (sprintf "%g last" bad)
            Expect.isTrue (fails (fun () -> allClose 1e-6 [| 1.0 |] [| 1.0; 2.0 |] "x")) "a length mismatch"

        testCase "Tensor.maxAbsDiff is NaN when either tensor holds a NaN, wherever it is" <| fun () ->
            let a = Tensor.create [| 2; 3 |] [| 1.0; 2.0; 3.0; 4.0; 5.0; 6.0 |]
            for i in 0 .. 5 do
                let d = a.ToArray()
                d.[i] <- nan
                Expect.isTrue (Double.IsNaN (Tensor.maxAbsDiff a (Tensor.create [| 2; 3 |] d))) (sprintf "NaN at %d on the right" i)
                Expect.isTrue (Double.IsNaN (Tensor.maxAbsDiff (Tensor.create [| 2; 3 |] d) a)) (sprintf "NaN at %d on the left" i)
            let d = a.ToArray()
            d.[4] <- infinity
            Expect.equal (Tensor.maxAbsDiff a (Tensor.create [| 2; 3 |] d)) infinity "an infinity against a finite value"
            Expect.isTrue (fails (fun () -> tensorsClose 1e-6 a (Tensor.create [| 2; 3 |] d) "x")) "tensorsClose fails on it"

        testCase "GradCheck.compare reports a NaN error when the analytic gradient holds a NaN past its first element" <| fun () ->
            let x = Tensor.create [| 1; 4 |] [| 0.1; 0.2; 0.3; 0.4 |]
            let f (t: Tensor<float>) = Tensor.sum (Tensor.mul t t)
            let good = Tensor.scale 2.0 x
            Expect.isFalse (fails (fun () -> gradientClose 1e-6 (GradCheck.compare 1e-6 f x good) "good")) "the true gradient passes"
            for i in 0 .. 3 do
                for bad in [ nan; infinity ] do
                    let d = good.ToArray()
                    d.[i] <- bad
                    let r = GradCheck.compare 1e-6 f x (Tensor.create [| 1; 4 |] d)
                    Expect.isTrue (Double.IsNaN r.MaxRelError || Double.IsInfinity r.MaxRelError) (sprintf "%g at %d: MaxRelError %g" bad i r.MaxRelError)
                    Expect.isTrue (fails (fun () -> gradientClose 1e-6 r "x")) (sprintf "%g at %d fails gradientClose" bad i)

        testCase "Check.op of a sigmoid passes, and fails its forward check when forward returns NaN" <| fun () ->
            let c = sigmoidCase ()
            Expect.isEmpty (failingTests (Check.op Check.double c)) "the real sigmoid passes every check"
            let poisoned = { c with Forward = fun x -> Tensor.map (fun _ -> nan) (c.Forward x) }
            let failed = failingTests (Check.op Check.double poisoned)
            Expect.isTrue (failed |> List.exists (fun n -> n.Contains "forward matches")) (sprintf "the forward check fails (failed: %A)" failed)

        testCase "Check.op of a sigmoid fails its gradient check when backward returns NaN or an infinity" <| fun () ->
            let c = sigmoidCase ()
            for bad in [ nan; infinity ] do
                let poisoned = { c with Backward = fun x dy -> Tensor.map (fun _ -> bad) (c.Backward x dy) }
                let failed = failingTests (Check.op Check.double poisoned)
                Expect.isTrue (failed |> List.exists (fun n -> n.Contains "backward matches")) (sprintf "%g: the gradient check fails (failed: %A)" bad failed)

        testCase "every test list of the suite is registered with the Tests attribute" <| fun () ->
            // A module whose `tests` value lost its [<Tests>] attribute would silently drop out
            // of the run; every public value of type Test named `tests` must carry it.
            let unregistered =
                [ for t in Assembly.GetExecutingAssembly().GetTypes() do
                    for p in t.GetProperties(BindingFlags.Public ||| BindingFlags.Static) do
                        if p.PropertyType = typeof<Test> && p.Name = "tests" && isNull (p.GetCustomAttribute<TestsAttribute>()) then
                            yield t.FullName ]
            Expect.isEmpty unregistered "modules with an unregistered tests value"
            let registered =
                Assembly.GetExecutingAssembly().GetTypes()
                |> Array.sumBy (fun t ->
                    t.GetProperties(BindingFlags.Public ||| BindingFlags.Static)
                    |> Array.filter (fun p -> p.PropertyType = typeof<Test> && not (isNull (p.GetCustomAttribute<TestsAttribute>())))
                    |> Array.length)
            Check.isAtLeast registered 23 "registered test lists"
    ]
