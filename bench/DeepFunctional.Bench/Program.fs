/// Runs the benchmarks whose names start with one of the given prefixes (all of them
/// without arguments) and prints `METRIC <name> <value> <unit>` for each.
module internal DeepFunctional.Bench.Program

open System
open System.Globalization
open DeepFunctional

[<EntryPoint>]
let main argv =
    let prefixes = argv |> Array.filter (fun arg -> not (String.IsNullOrWhiteSpace arg))
    let everything = Benchmarks.all @ TrainingBench.all @ ConvBench.all @ LstmBench.all @ TsneBench.all
    let selected =
        everything
        |> List.filter (fun bench ->
            prefixes.Length = 0 || prefixes |> Array.exists (fun prefix -> bench.Name.StartsWith(prefix, StringComparison.Ordinal)))
    if selected.IsEmpty then
        eprintfn "No benchmark name starts with %s. Known: %s" (String.Join(" or ", prefixes)) (String.Join(", ", everything |> List.map (fun bench -> bench.Name)))
        2
    else
        eprintfn "# %s; .NET %O" (Gemm.describe ()) Environment.Version
        for bench in selected do
            let value = bench.Measure ()
            Console.Out.WriteLine(String.Format(CultureInfo.InvariantCulture, "METRIC {0} {1:0.###} {2}", bench.Name, value, bench.Unit))
            Console.Out.Flush()
        0
