/// Entry point of the Expecto suite: `dotnet run --project tests/DeepFunctional.Tests`.
module DeepFunctional.Tests.Main

open Expecto

[<EntryPoint>]
let main argv = runTestsInAssemblyWithCLIArgs [ Summary ] argv
