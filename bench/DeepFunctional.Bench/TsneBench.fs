/// Chapter 7's map: t-SNE of 10,000 points of 28 dimensions (the size of the autoencoder's
/// codes of the Fashion-MNIST test set), with the default options, so Barnes–Hut with θ = 0.5,
/// perplexity 30 and 1000 iterations on all cores. The data are 10 seeded Gaussian clusters
/// (`SyntheticClusters.gaussian`, centres N(0, 3² I), unit noise).
///
/// - `tsne.sec_per_10000`: seconds of one whole `Tsne.embed` (neighbours, similarities and the
///   1000 updates), the median of `DF_TSNE_RUNS` runs (default 3) after a short warm-up run.
///   Each run's time, its phases and the map's 10-NN accuracy go to stderr as `#` lines.
module internal DeepFunctional.Bench.TsneBench

open System
open System.Diagnostics
open DeepFunctional
open DeepFunctional.Bench.Benchmarks

/// The benchmark's data: 10,000 points of 28 dimensions in 10 clusters.
let private data () =
    let points, labels, _ = SyntheticClusters.gaussian 10 10000 28 3.0 (Rng.seed 7L)
    points, labels

/// How many timed runs (the environment variable DF_TSNE_RUNS, default 3).
let private runs () =
    match Environment.GetEnvironmentVariable "DF_TSNE_RUNS" |> Option.ofObj |> Option.bind (fun v -> match Int32.TryParse v with | true, r when r > 0 -> Some r | _ -> None) with
    | Some r -> r
    | None -> 3

/// Seconds per t-SNE of the 10,000 points (median of the runs).
let private seconds () =
    let points, labels = data ()
    // Warm-up: compile the kernels of both paths on a small set.
    Tsne.embed { Tsne.defaults with Iterations = 60; ExactThreshold = 0 } (Array.sub points 0 2000) |> ignore
    Tsne.embed { Tsne.defaults with Iterations = 5 } (Array.sub points 0 300) |> ignore
    let times =
        Array.init (runs ()) (fun run ->
            let clock = Stopwatch.StartNew()
            let mutable firstReport = 0.0
            let progress (p: TsneProgress) =
                if p.Iteration = 50 then firstReport <- clock.Elapsed.TotalSeconds
            let result = Tsne.embed { Tsne.defaults with Progress = progress } points
            let total = clock.Elapsed.TotalSeconds
            let accuracy = Embedding2D.knnAccuracy 10 result.Coordinates labels
            eprintfn "# run %d: %.2f s (to update 50: %.2f s, then %.1f ms per update); KL %.4f; 10-NN accuracy %.4f"
                (run + 1) total firstReport (1000.0 * (total - firstReport) / 950.0) result.KlDivergence accuracy
            total)
    Array.sortInPlace times
    times.[times.Length / 2]

/// The t-SNE benchmark.
let all : Benchmark list =
    [ { Name = "tsne.sec_per_10000"; Unit = "s"; Measure = seconds } ]
