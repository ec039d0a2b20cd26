/// Tests of the two-dimensional maps: the Jacobi eigendecomposition and PCA against hand-computed
/// cases, each t-SNE kernel against a naive or exact reference (perplexity calibration, nearest
/// neighbours, sparse against dense similarities, Barnes–Hut against the exact gradient), whole
/// maps of separated clusters judged by their 10-NN accuracy, determinism, and the bad inputs.
module DeepFunctional.Tests.Embedding2DTests

open System
open System.Threading
open Expecto
open DeepFunctional

/// 10 clusters in 28 dimensions (centres N(0, 2² I), unit noise), as many points as asked.
let private clusters (count: int) (seed: int64) =
    let points, labels, _ = SyntheticClusters.gaussian 10 count 28 2.0 (Rng.seed seed)
    points, labels

/// Standard normal points: `count` rows of `dim`.
let private gaussianRows (count: int) (dim: int) (seed: int64) =
    let values, _ = Rng.standardNormals (count * dim) (Rng.seed seed)
    Array.init count (fun i -> Array.sub values (i * dim) dim)

/// The entropy −Σ p log p (nats) of a distribution.
let private entropy (p: float[]) = p |> Array.sumBy (fun v -> if v > 0.0 then -v * log v else 0.0)

/// Every bit of a map, for exact comparison.
let private bits (map: float[][]) = map |> Array.collect (Array.map BitConverter.DoubleToInt64Bits)

/// The largest |a − b| over two arrays, relative to the largest |b|.
let private relativeError (a: float[]) (b: float[]) =
    let scale = b |> Array.fold (fun m v -> max m (abs v)) 0.0
    (Array.map2 (fun x y -> abs (x - y)) a b |> Array.max) / scale

/// The gradient (x then y coordinates) of the exact method at the map (xs, ys).
let private exactGradient (n: int) (p: float[]) (xs: float[]) (ys: float[]) =
    let buffers () = Array.zeroCreate<float> n
    let ax, ay, rx, ry, z = buffers (), buffers (), buffers (), buffers (), buffers ()
    TsneGradient.exactTerms 1 n p xs ys ax ay rx ry z
    let total = Array.sum z
    let gx, gy = buffers (), buffers ()
    TsneGradient.combine 1.0 total ax rx gx
    TsneGradient.combine 1.0 total ay ry gy
    Array.append gx gy

/// The gradient of the Barnes–Hut method with sparse P and accuracy θ at the map (xs, ys).
let private barnesHutGradient (n: int) (p: SparseSimilarities) (theta: float) (xs: float[]) (ys: float[]) =
    let buffers () = Array.zeroCreate<float> n
    let ax, ay, rx, ry, z = buffers (), buffers (), buffers (), buffers (), buffers ()
    let tree = QuadTree n
    tree.Build(xs, ys)
    tree.Repulsion(-1, theta, rx, ry, z)
    TsneGradient.sparseAttraction -1 n p xs ys ax ay
    let total = Array.sum z
    let gx, gy = buffers (), buffers ()
    TsneGradient.combine 1.0 total ax rx gx
    TsneGradient.combine 1.0 total ay ry gy
    Array.append gx gy

/// Sparse rows of the off-diagonal entries of dense n×n similarities.
let private sparsify (n: int) (dense: float[]) : SparseSimilarities =
    let rows = Array.init n (fun i -> [| for j in 0 .. n - 1 do if j <> i then yield j, dense.[i * n + j] |])
    { RowStart = Array.scan (+) 0 (rows |> Array.map Array.length)
      Columns = rows |> Array.collect (Array.map fst)
      Values = rows |> Array.collect (Array.map snd) }

/// Dense n×n values of sparse similarities.
let private densify (n: int) (p: SparseSimilarities) =
    let dense = Array.zeroCreate<float> (n * n)
    for i in 0 .. n - 1 do
        for e in p.RowStart.[i] .. p.RowStart.[i + 1] - 1 do
            dense.[i * n + p.Columns.[e]] <- p.Values.[e]
    dense

let private pcaTests =
    testList "PCA" [
        testCase "Pca.eigenSymmetric gives 2 + √2, 2, 2 − √2 and the signed eigenvectors of the tridiagonal (−1, 2, −1) matrix" <| fun () ->
            let e = Pca.eigenSymmetric [| [| 2.0; -1.0; 0.0 |]; [| -1.0; 2.0; -1.0 |]; [| 0.0; -1.0; 2.0 |] |]
            let r = sqrt 2.0
            Expect.isLessThan (relativeError e.Values [| 2.0 + r; 2.0; 2.0 - r |]) 1e-14 "eigenvalues to 1e-14"
            // Largest entry positive: (−1, √2, −1)/2 and (1, √2, 1)/2. The middle one, (1, 0, −1)/√2,
            // has two entries of equal magnitude, so rounding picks its sign: compared up to sign.
            Expect.isLessThan (relativeError e.Vectors.[0] [| -0.5; r / 2.0; -0.5 |]) 1e-14 "first eigenvector to 1e-14"
            Expect.isLessThan (relativeError e.Vectors.[2] [| 0.5; r / 2.0; 0.5 |]) 1e-14 "last eigenvector to 1e-14"
            let middle = [| 1.0 / r; 0.0; -1.0 / r |]
            Expect.isLessThan (min (relativeError e.Vectors.[1] middle) (relativeError e.Vectors.[1] (Array.map (~-) middle))) 1e-14 "middle eigenvector to 1e-14, up to sign"

        testCase "Pca.eigenSymmetric of a random symmetric 28x28 matrix gives A·v = λ·v and orthonormal vectors to 1e-12" <| fun () ->
            let g = gaussianRows 28 28 11L
            let a = Array.init 28 (fun i -> Array.init 28 (fun j -> g.[i].[j] + g.[j].[i]))
            let e = Pca.eigenSymmetric a
            Expect.isTrue (e.Values |> Array.pairwise |> Array.forall (fun (x, y) -> x >= y)) "largest first"
            for i in 0 .. 27 do
                let v = e.Vectors.[i]
                let av = Array.init 28 (fun r -> Array.fold2 (fun s x y -> s + x * y) 0.0 a.[r] v)
                let residual = Array.map2 (fun x y -> abs (x - e.Values.[i] * y)) av v |> Array.max
                Expect.isLessThan (residual / abs e.Values.[0]) 1e-12 (sprintf "A·v = λ·v for %d, relative to the norm of A" i)
                let big = v |> Array.maxBy abs
                Expect.isGreaterThan big 0.0 "the largest entry is positive"
                for j in 0 .. 27 do
                    let dot = Array.fold2 (fun s x y -> s + x * y) 0.0 v e.Vectors.[j]
                    Expect.floatClose { absolute = 1e-12; relative = 0.0 } dot (if i = j then 1.0 else 0.0) "orthonormal"

        testCase "Pca.fit of (±2, 0), (0, ±1) has variances 8/3 and 2/3 (n − 1 denominator) along the axes" <| fun () ->
            let fitted = Pca.fit 2 [| [| 2.0; 0.0 |]; [| -2.0; 0.0 |]; [| 0.0; 1.0 |]; [| 0.0; -1.0 |] |]
            Expect.equal fitted.Mean [| 0.0; 0.0 |] "centred already"
            Expect.isLessThan (relativeError fitted.Variances [| 8.0 / 3.0; 2.0 / 3.0 |]) 1e-15 "hand-computed variances"
            Expect.floatClose Accuracy.veryHigh fitted.TotalVariance (10.0 / 3.0) "the trace"
            Expect.equal fitted.Components [| [| 1.0; 0.0 |]; [| 0.0; 1.0 |] |] "the axes, signed positive"

        testCase "Pca.project recovers the coordinates of a 2-D plane embedded in 28 dimensions to 1e-10" <| fun () ->
            // An orthonormal pair u, v by Gram–Schmidt, points offset + a·u + b·v with std 5 and 2.
            let g = gaussianRows 2 28 5L
            let norm (w: float[]) = let s = sqrt (Array.sumBy (fun x -> x * x) w) in Array.map (fun x -> x / s) w
            let u = norm g.[0]
            let dotU = Array.fold2 (fun s x y -> s + x * y) 0.0 g.[1] u
            let v = norm (Array.map2 (fun x y -> x - dotU * y) g.[1] u)
            let ab = gaussianRows 400 2 6L |> Array.map (fun r -> [| 5.0 * r.[0]; 2.0 * r.[1] |])
            let data = ab |> Array.map (fun r -> Array.init 28 (fun k -> 3.0 + float k + r.[0] * u.[k] + r.[1] * v.[k]))
            let fitted = Pca.fit 2 data
            let dot (a: float[]) (b: float[]) = Array.fold2 (fun s x y -> s + x * y) 0.0 a b
            for c in fitted.Components do
                Expect.floatClose { absolute = 1e-12; relative = 0.0 } (dot c u ** 2.0 + dot c v ** 2.0) 1.0 "a component lies in the plane"
            let full = Pca.fit 28 data
            Expect.isLessThan (abs full.Variances.[2] / full.Variances.[0]) 1e-14 "nothing outside the plane (to rounding)"
            // The sample variance of the plane coordinates is what the two components carry.
            let variance (f: float[] -> float) =
                let m = ab |> Array.averageBy f
                (ab |> Array.sumBy (fun r -> (f r - m) ** 2.0)) / 399.0
            Expect.floatClose { absolute = 0.0; relative = 1e-12 } (Array.sum fitted.Variances) (variance (fun r -> r.[0]) + variance (fun r -> r.[1])) "the plane's variance"
            Expect.floatClose { absolute = 0.0; relative = 1e-12 } fitted.TotalVariance (Array.sum fitted.Variances) "and all of it"
            // Mean + the projection along the two components rebuilds every point.
            let projected = Pca.project 2 data
            let rebuilt = projected |> Array.map (fun z -> Array.init 28 (fun k -> fitted.Mean.[k] + z.[0] * fitted.Components.[0].[k] + z.[1] * fitted.Components.[1].[k]))
            Expect.isLessThan (relativeError (Array.concat rebuilt) (Array.concat data)) 1e-12 "the plane rebuilt from two coordinates"

        testCase "Pca names bad k, ragged rows, NaN, non-square and asymmetric matrices" <| fun () ->
            Check.throwsValue "Pca.fit" (fun () -> Pca.fit 3 [| [| 1.0; 2.0 |]; [| 3.0; 4.0 |] |] |> ignore)
            Check.throwsValue "Pca.fit" (fun () -> Pca.fit 0 [| [| 1.0; 2.0 |]; [| 3.0; 4.0 |] |] |> ignore)
            Check.throwsValue "Pca.fit" (fun () -> Pca.fit 1 [| [| 1.0; 2.0 |] |] |> ignore)
            Check.throwsShape "Pca.fit" (fun () -> Pca.fit 1 [| [| 1.0; 2.0 |]; [| 3.0 |] |] |> ignore)
            Check.throwsValue "Pca.fit" (fun () -> Pca.fit 1 [| [| 1.0; nan |]; [| 3.0; 4.0 |] |] |> ignore)
            Check.throwsShape "Pca.transform" (fun () -> Pca.transform (Pca.fit 1 [| [| 1.0; 2.0 |]; [| 3.0; 5.0 |] |]) [| [| 1.0 |] |] |> ignore)
            Check.throwsShape "Pca.eigenSymmetric" (fun () -> Pca.eigenSymmetric [| [| 1.0; 2.0 |] |] |> ignore)
            let e = Check.caught<InvalidValueException> (fun () -> Pca.eigenSymmetric [| [| 1.0; 2.0 |]; [| 2.5; 1.0 |] |] |> ignore)
            Expect.stringContains e.Message "a symmetric matrix" "expected"
            Expect.stringContains e.Message "a[0][1] = 2 but a[1][0] = 2.5" "actual"
    ]

let private kernelTests =
    testList "t-SNE kernels" [
        testCase "The calibration gives every point the entropy log(perplexity) to 1e-5, over all others and over 90 neighbours" <| fun () ->
            let data = gaussianRows 300 5 21L
            let _, d, x = EmbeddingInput.matrix "test" 2 data
            for perplexity in [ 5.0; 30.0; 80.0 ] do
                let conditional = TsneSimilarities.denseConditional -1 300 d x perplexity
                for i in 0 .. 299 do
                    let row = Array.sub conditional (i * 300) 300
                    Expect.equal row.[i] 0.0 "no self-similarity"
                    Expect.floatClose { absolute = 1e-5; relative = 0.0 } (entropy row) (log perplexity) (sprintf "entropy of row %d, perplexity %g" i perplexity)
                    Expect.floatClose { absolute = 1e-12; relative = 0.0 } (Array.sum row) 1.0 "a distribution"
            let k = Tsne.neighbourCount 300 30.0
            Expect.equal k 90 "⌊3·30⌋ neighbours"
            let _, distances = Neighbours.nearest -1 300 d x k
            let sparse = TsneSimilarities.sparseConditional -1 300 k distances 30.0
            for i in 0 .. 299 do
                Expect.floatClose { absolute = 1e-5; relative = 0.0 } (entropy (Array.sub sparse (i * k) k)) (log 30.0) (sprintf "sparse row %d" i)

        testCase "The calibration of equal distances gives equal probabilities, not NaN, even when the perplexity cannot be reached" <| fun () ->
            let p = Array.zeroCreate<float> 4
            TsneSimilarities.calibrate (ReadOnlySpan [| 0.0; 0.0; 0.0; 0.0 |]) (log 2.0) (Span p) |> ignore
            Expect.equal p [| 0.25; 0.25; 0.25; 0.25 |] "uniform"
            TsneSimilarities.calibrate (ReadOnlySpan [| 1e-300; 5.0; 7.0; 1e300 |]) (log 1.5) (Span p) |> ignore
            Expect.isTrue (p |> Array.forall Double.IsFinite) "finite for extreme distances"
            Expect.floatClose { absolute = 1e-5; relative = 0.0 } (entropy p) (log 1.5) "and still calibrated"

        testCase "Neighbours.nearest equals sorting every distance, ties by index, on a grid full of ties" <| fun () ->
            // A 7x7 integer grid in 3-D (z = 0 or 1 alternately): many equal distances.
            let data = Array.init 49 (fun t -> [| float (t % 7); float (t / 7); float (t % 2) |])
            let _, d, x = EmbeddingInput.matrix "test" 2 data
            for k in [ 1; 6; 48 ] do
                let indices, distances = Neighbours.nearest -1 49 d x k
                for i in 0 .. 48 do
                    let naive =
                        [| for j in 0 .. 48 do
                               if j <> i then
                                   let s = Array.fold2 (fun s a b -> s + (a - b) * (a - b)) 0.0 data.[i] data.[j]
                                   yield s, j |]
                        |> Array.sort |> Array.truncate k
                    Expect.equal (Array.sub indices (i * k) k) (Array.map snd naive) (sprintf "indices of %d, k = %d" i k)
                    Expect.equal (Array.sub distances (i * k) k) (Array.map fst naive) "squared distances"

        testCase "The sparse similarities over all n − 1 neighbours equal the dense ones to 1e-6 and are symmetric" <| fun () ->
            let data = gaussianRows 70 6 31L
            let _, d, x = EmbeddingInput.matrix "test" 2 data
            let dense = TsneSimilarities.denseJoint -1 70 d x 20.0
            let indices, distances = Neighbours.nearest -1 70 d x 69
            let sparse = TsneSimilarities.sparseJoint 70 69 indices (TsneSimilarities.sparseConditional -1 70 69 distances 20.0)
            let asDense = densify 70 sparse
            // The two calibrations sum in different orders, so the bisection may stop one step apart
            // (both within 1e-5 of the entropy): equal to about that, not to the bit.
            Expect.isLessThan (relativeError asDense dense) 1e-6 "same P"
            Expect.floatClose { absolute = 1e-14; relative = 0.0 } (Array.sum dense) 1.0 "P sums to 1"
            for i in 0 .. 69 do
                for j in 0 .. 69 do
                    Expect.equal dense.[i * 70 + j] dense.[j * 70 + i] "dense P is symmetric to the bit"
                    Expect.equal asDense.[i * 70 + j] asDense.[j * 70 + i] "sparse P is symmetric to the bit"

        testCase "The Barnes–Hut gradient with θ = 0 equals the exact gradient to 1e-12, and with θ = 0.5 to 2%" <| fun () ->
            let n = 400
            let data, _ = clusters n 41L
            let _, d, x = EmbeddingInput.matrix "test" 2 data
            let dense = TsneSimilarities.denseJoint -1 n d x 15.0
            // The same P for both (the two calibrations agree only to their tolerance).
            let sparse = sparsify n dense
            // A spread-out map (10 blobs) in which every 50th point coincides with the one before.
            let map = gaussianRows n 2 42L
            let xs = Array.init n (fun i -> map.[i].[0] + 10.0 * float (i % 10))
            let ys = Array.init n (fun i -> map.[i].[1] + 3.0 * float (i % 3))
            for i in 1 .. 50 .. n - 1 do
                xs.[i] <- xs.[i - 1]
                ys.[i] <- ys.[i - 1]
            let exact = exactGradient n dense xs ys
            Expect.isLessThan (relativeError (barnesHutGradient n sparse 0.0 xs ys) exact) 1e-12 "θ = 0"
            let approximate = barnesHutGradient n sparse 0.5 xs ys
            Expect.isLessThan (relativeError approximate exact) 0.02 "θ = 0.5"
            Expect.isGreaterThan (relativeError approximate exact) 0.0 "θ = 0.5 does approximate"

        testCase "The exact gradient matches central finite differences of KL(P‖Q) to 1e-6" <| fun () ->
            let n = 30
            let data = gaussianRows n 4 51L
            let _, d, x = EmbeddingInput.matrix "test" 2 data
            let p = TsneSimilarities.denseJoint 1 n d x 8.0
            let map = gaussianRows n 2 52L
            let xs = map |> Array.map (fun r -> r.[0])
            let ys = map |> Array.map (fun r -> r.[1])
            let kl (xs: float[]) (ys: float[]) =
                let w i j = 1.0 / (1.0 + (xs.[i] - xs.[j]) ** 2.0 + (ys.[i] - ys.[j]) ** 2.0)
                let z = Seq.sum (seq { for i in 0 .. n - 1 do for j in 0 .. n - 1 do if i <> j then w i j })
                Seq.sum (seq { for i in 0 .. n - 1 do for j in 0 .. n - 1 do if i <> j then p.[i * n + j] * log (p.[i * n + j] / (w i j / z)) })
            let g = exactGradient n p xs ys
            let h = 1e-6
            let numeric =
                Array.init (2 * n) (fun c ->
                    let shifted (delta: float) =
                        let xs' = Array.copy xs
                        let ys' = Array.copy ys
                        if c < n then xs'.[c] <- xs'.[c] + delta else ys'.[c - n] <- ys'.[c - n] + delta
                        kl xs' ys'
                    (shifted h - shifted -h) / (2.0 * h))
            Expect.isLessThan (relativeError g numeric) 1e-6 "analytic = numeric"
    ]

let private mapTests =
    testList "t-SNE maps" [
        testCase "Exact t-SNE of 500 points in 10 clusters in 28-D has a 10-NN accuracy of at least 0.95" <| fun () ->
            let data, labels = clusters 500 61L
            Expect.equal (Embedding2D.knnAccuracy 10 data labels) 1.0 "the clusters are separated in 28-D"
            let result = Tsne.embed Tsne.defaults data
            Expect.equal result.Method Exact "500 <= ExactThreshold"
            Expect.equal result.LearningRate 50.0 "max(500 / 12 / 4, 50)"
            let accuracy = Embedding2D.knnAccuracy 10 result.Coordinates labels
            printfn "Embedding2D: exact t-SNE, 500 points: 10-NN accuracy %.4f, KL %.4f" accuracy result.KlDivergence
            Expect.isGreaterThanOrEqual accuracy 0.95 "10-NN accuracy"
            Expect.isTrue (result.Coordinates |> Array.forall (fun r -> r.Length = 2 && Array.forall Double.IsFinite r)) "n rows of 2 finite values"
            let meanX = result.Coordinates |> Array.averageBy (fun r -> r.[0])
            Expect.isLessThan (abs meanX) 1e-9 "centred"

        testCase "Barnes–Hut t-SNE of 3000 points in 10 clusters in 28-D has a 10-NN accuracy of at least 0.95" <| fun () ->
            let data, labels = clusters 3000 62L
            let result = Tsne.embed { Tsne.defaults with ExactThreshold = 0 } data
            Expect.equal result.Method BarnesHut "ExactThreshold 0 forces Barnes–Hut"
            let accuracy = Embedding2D.knnAccuracy 10 result.Coordinates labels
            printfn "Embedding2D: Barnes-Hut t-SNE, 3000 points: 10-NN accuracy %.4f, KL %.4f" accuracy result.KlDivergence
            Expect.isGreaterThanOrEqual accuracy 0.95 "10-NN accuracy"

        testCase "The same seed gives the same bits on 1 or all threads, exact and Barnes–Hut; another seed another map" <| fun () ->
            let data, _ = clusters 1200 63L
            for options in [ { Tsne.defaults with Iterations = 120; ExactThreshold = 2000 }
                             { Tsne.defaults with Iterations = 120; ExactThreshold = 0 } ] do
                let run (o: TsneOptions) = (Tsne.embed o data).Coordinates |> bits
                let reference = run options
                Expect.equal (run options) reference "again"
                Expect.equal (run { options with MaxDegreeOfParallelism = 1 }) reference "on one thread"
                Expect.notEqual (run { options with Seed = 1L }) reference "another seed"

        testCase "Progress is reported every ProgressInterval updates and at the end, the KL falling" <| fun () ->
            let data, _ = clusters 300 64L
            let reports = ResizeArray<TsneProgress>()
            let result = Tsne.embed { Tsne.defaults with Iterations = 400; ProgressInterval = 100; Progress = reports.Add } data
            Expect.equal [ for r in reports -> r.Iteration ] [ 100; 200; 300; 400 ] "iterations"
            Expect.isTrue (reports |> Seq.forall (fun r -> r.Iterations = 400 && r.Method = Exact)) "totals and method"
            Expect.equal reports.[3].KlDivergence result.KlDivergence "the last report is the result's KL"
            Expect.isLessThan reports.[3].KlDivergence reports.[0].KlDivergence "the KL falls"
            let silent = ResizeArray<TsneProgress>()
            Tsne.embed { Tsne.defaults with Iterations = 30; ProgressInterval = 0; Progress = silent.Add } data |> ignore
            Expect.equal [ for r in silent -> r.Iteration ] [ 30 ] "only the end"

        testCase "A cancelled token stops t-SNE with OperationCanceledException" <| fun () ->
            let data, _ = clusters 300 65L
            use source = new CancellationTokenSource()
            let stopAt200 (p: TsneProgress) = if p.Iteration = 200 then source.Cancel()
            let options = { Tsne.defaults with Cancellation = source.Token; Progress = stopAt200 }
            Check.caught<OperationCanceledException> (fun () -> Tsne.embed options data |> ignore) |> ignore
            Check.caught<OperationCanceledException> (fun () -> Tsne.embed options data |> ignore) |> ignore

        testCase "Identical points give a finite map, exact and Barnes–Hut" <| fun () ->
            let same = Array.init 400 (fun _ -> Array.create 28 1.5)
            for threshold in [ 1000; 0 ] do
                let result = Tsne.embed { Tsne.defaults with Iterations = 300; ExactThreshold = threshold } same
                Expect.isTrue (result.Coordinates |> Array.forall (Array.forall Double.IsFinite)) "finite coordinates"
                Expect.isTrue (Double.IsFinite result.KlDivergence) "finite KL"

        testCase "Two points and zero iterations work" <| fun () ->
            let result = Tsne.embed { Tsne.defaults with Perplexity = 0.5; Iterations = 0 } [| [| 0.0 |]; [| 1.0 |] |]
            Expect.equal result.Coordinates.Length 2 "two rows"
            Expect.isLessThan (abs result.Coordinates.[0].[0]) 1e-2 "the N(0, 1e-4) initial map"
    ]

let private inputTests =
    testList "bad inputs" [
        testCase "Tsne.embed names too few points, NaN and infinite values, ragged and empty rows" <| fun () ->
            let op = "Tsne.embed"
            let e = Check.caught<InvalidValueException> (fun () -> Tsne.embed Tsne.defaults [| [| 1.0 |] |] |> ignore)
            Expect.stringContains e.Message "at least 2 rows" "expected"
            Expect.stringContains e.Message "1 row" "actual"
            let e = Check.caught<InvalidValueException> (fun () -> Tsne.embed Tsne.defaults (Array.init 50 (fun i -> [| float i; (if i = 7 then nan else 0.0) |])) |> ignore)
            Expect.stringContains e.Message "NaN at row 7, column 1" "where"
            Check.throwsValue op (fun () -> Tsne.embed Tsne.defaults (Array.init 50 (fun i -> [| (if i = 3 then infinity else float i) |])) |> ignore)
            let e = Check.caught<ShapeMismatchException> (fun () -> Tsne.embed Tsne.defaults (Array.init 50 (fun i -> Array.zeroCreate (if i = 9 then 2 else 3))) |> ignore)
            Expect.equal e.Operation op "operation"
            Expect.stringContains e.Message "every row with 3 values" "expected"
            Expect.stringContains e.Message "row 9 with 2 values" "actual"
            Check.throwsShape op (fun () -> Tsne.embed Tsne.defaults (Array.init 50 (fun _ -> [||])) |> ignore)

        testCase "Tsne.embed names a perplexity outside (0, n − 1), negative iterations and theta, and other bad options" <| fun () ->
            let op = "Tsne.embed"
            let data = gaussianRows 30 3 71L
            let e = Check.caught<InvalidValueException> (fun () -> Tsne.embed Tsne.defaults data |> ignore)
            Expect.stringContains e.Message "(0, 29) for 30 points" "expected"
            Expect.stringContains e.Message "got 30" "actual"
            let bad (o: TsneOptions) = Check.throwsValue op (fun () -> Tsne.embed o data |> ignore)
            let ok = { Tsne.defaults with Perplexity = 10.0; Iterations = 10 }
            bad { ok with Perplexity = 29.0 }
            bad { ok with Perplexity = 0.0 }
            bad { ok with Perplexity = -3.0 }
            bad { ok with Perplexity = nan }
            bad { ok with Iterations = -1 }
            bad { ok with Theta = -0.1 }
            bad { ok with Theta = nan }
            bad { ok with LearningRate = Some 0.0 }
            bad { ok with EarlyExaggeration = 0.0 }
            bad { ok with FinalMomentum = 1.0 }
            bad { ok with Seed = -1L }
            bad { ok with Seed = 1L <<< 32 }
            bad { ok with ExactThreshold = -1 }
            bad { ok with MaxDegreeOfParallelism = 0 }
            bad { ok with ProgressInterval = -5 }
            Tsne.embed { ok with Perplexity = 28.9 } data |> ignore

        testCase "Embedding2D.knnAccuracy votes by the k nearest others, a tie going to the nearest voter's label" <| fun () ->
            // On a line: 0 1 2 | 10 11 | 20. Labels a a b | b b | a.
            let points = [| 0.0; 1.0; 2.0; 10.0; 11.0; 20.0 |] |> Array.map (fun v -> [| v; 0.0 |])
            let labels = [| 0; 0; 1; 1; 1; 0 |]
            // k = 1: 0→1 (0 ✓), 1→0 and 2 tie at distance 1, the smaller index 0 wins (0 ✓), 2→1 (0 ✗),
            // 10→11 (1 ✓), 11→10 (1 ✓), 20→11 (1 ✗): 4 of 6.
            Expect.floatClose Accuracy.veryHigh (Embedding2D.knnAccuracy 1 points labels) (4.0 / 6.0) "k = 1"
            // k = 2: 0: {1, 2} votes 0 and 1, the nearest voter 1 decides → 0 ✓; 1: {0, 2} tie at equal
            // distance, 0 is nearer by index → 0 ✓; 2: {1, 0} → 0 ✗; 10: {11, 2} → 1 ✓;
            // 11: {10, 2} → 1 ✓; 20: {11, 10} → 1 ✗: 4 of 6.
            Expect.floatClose Accuracy.veryHigh (Embedding2D.knnAccuracy 2 points labels) (4.0 / 6.0) "k = 2"
            // k = 5: each point's voters are the other five, where its own label has 2 votes to 3.
            Expect.equal (Embedding2D.knnAccuracy 5 points labels) 0.0 "k = 5: leave-one-out"
            let op = "Embedding2D.knnAccuracy"
            Check.throwsValue op (fun () -> Embedding2D.knnAccuracy 6 points labels |> ignore)
            Check.throwsValue op (fun () -> Embedding2D.knnAccuracy 0 points labels |> ignore)
            Check.throwsShape op (fun () -> Embedding2D.knnAccuracy 1 points [| 0; 1 |] |> ignore)

        testCase "Embedding2D.rows gives the rows of a matrix tensor and refuses other ranks" <| fun () ->
            let t = Tensor.ofRows [| [| 1.0f; 2.0f |]; [| 3.0f; 4.0f |]; [| 5.0f; 6.0f |] |]
            Expect.equal (Embedding2D.rows t) [| [| 1.0; 2.0 |]; [| 3.0; 4.0 |]; [| 5.0; 6.0 |] |] "rows as doubles"
            Check.throwsShape "Embedding2D.rows" (fun () -> Embedding2D.rows (Tensor.create [| 6 |] [| 1.0; 2.0; 3.0; 4.0; 5.0; 6.0 |]) |> ignore)
    ]

[<Tests>]
let tests = testList "Embedding2D" [ pcaTests; kernelTests; mapTests; inputTests ]
