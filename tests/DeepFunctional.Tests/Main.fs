/// Entry point of the Expecto suite: `dotnet run --project tests/DeepFunctional.Tests`
/// (Expecto's own options follow `--`, e.g. `-- --filter "Chapter 3"` or `-- --summary`).
module DeepFunctional.Tests.Main

open Expecto

[<EntryPoint>]
let main argv = runTestsInAssemblyWithCLIArgs [] argv
