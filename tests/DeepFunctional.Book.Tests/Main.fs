/// Entry point of the book layer's Expecto suite: `dotnet run --project tests/DeepFunctional.Book.Tests`.
module DeepFunctional.Book.Tests.Main

open Expecto

[<EntryPoint>]
let main argv =
    // `.ci/run` reads the suite's name from this line to hold its count to the suite's minimum.
    printfn "Expecto suite: DeepFunctional.Book.Tests"
    runTestsInAssemblyWithCLIArgs [ Fail_On_Focused_Tests ] argv
