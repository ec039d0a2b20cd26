/// Entry point of the Expecto suite: `dotnet run --project tests/DeepFunctional.Tests`
/// (Expecto's own options follow `--`, e.g. `-- --filter "Chapter 3"` or `-- --summary`).
module DeepFunctional.Tests.Main

open Expecto

[<EntryPoint>]
let main argv =
    // The child process of the killed-fit test (CheckpointProcessTests) runs a fit, not the tests.
    if argv.Length = 2 && argv.[0] = CheckpointProcessTests.ChildFlag then CheckpointProcessTests.child argv.[1] else
    // `.ci/run` reads the suite's name from this line to hold its count to the suite's minimum.
    printfn "Expecto suite: DeepFunctional.Tests"
    // A focused test (ftestCase) left in by mistake would silently skip every other test.
    runTestsInAssemblyWithCLIArgs [ Fail_On_Focused_Tests ] argv
