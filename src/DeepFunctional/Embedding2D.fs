namespace DeepFunctional

open System
open System.Globalization
open System.Runtime.Intrinsics
open System.Threading
open System.Threading.Tasks

// Maps of high-dimensional points in the plane, as chapter 7 draws the autoencoder's codes:
// principal components (centre, covariance, cyclic Jacobi eigendecomposition, project) and
// t-SNE (van der Maaten & Hinton 2008), exact for small sets and Barnes–Hut (van der Maaten
// 2014) for large ones, with the k-nearest-neighbour accuracy that judges such a map.
//
// Determinism: every result is a function of the input and the seed alone. Work spread over
// threads computes one point per slot and every sum over points runs afterwards in index order,
// so the thread count and the scheduling never change a bit. SIMD code uses 256-bit vectors
// explicitly (not `Vector<T>`, whose width depends on the processor) with horizontal sums in
// a fixed lane order.

/// The eigendecomposition A = Vᵀ·diag(Values)·V of a real symmetric matrix.
type SymmetricEigen =
    { /// The eigenvalues, largest first.
      Values: float[]
      /// The unit eigenvectors, one row per eigenvalue in the order of `Values`. Each is signed
      /// so that its entry of largest magnitude (the first of equal ones) is positive.
      Vectors: float[][] }

/// Principal components fitted to a data set; `Pca.transform` maps x to Components·(x − Mean).
type PcaFit =
    { /// The mean of each input column (d values).
      Mean: float[]
      /// The k principal directions, largest variance first: k rows of d values of unit length,
      /// signed as `SymmetricEigen.Vectors` are.
      Components: float[][]
      /// The variance of the data along each component (the eigenvalues of the covariance with
      /// the n − 1 denominator), largest first.
      Variances: float[]
      /// The total variance (the trace of the covariance): Variances.[i] / TotalVariance is the
      /// fraction of the variance that component i explains.
      TotalVariance: float }

/// How `Tsne.embed` computes the gradient.
type TsneMethod =
    /// The exact O(n²) gradient over the similarities of all pairs (van der Maaten & Hinton 2008).
    | Exact
    /// Barnes–Hut: similarities over the ⌊3·perplexity⌋ nearest neighbours of each point and the
    /// repulsive forces approximated with a quadtree (van der Maaten 2014).
    | BarnesHut

/// What `Tsne.embed` reports while it runs.
type TsneProgress =
    { /// How many gradient-descent updates the map has received (0 .. Iterations).
      Iteration: int
      /// How many updates the run makes in all.
      Iterations: int
      /// KL(P‖Q) of the map after `Iteration` updates, with P unexaggerated. Exact for `Exact`;
      /// for `BarnesHut` the normaliser of Q is the quadtree's estimate, so this is an estimate.
      KlDivergence: float
      /// Which gradient the run uses.
      Method: TsneMethod }

/// The settings of `Tsne.embed`. Start from `Tsne.defaults` and change what you need:
/// `{ Tsne.defaults with Perplexity = 50.0; Seed = 7L }`.
[<NoEquality; NoComparison>]
type TsneOptions =
    { /// The effective number of neighbours each point's Gaussian covers, exp(entropy in nats);
      /// must lie in (0, n − 1). Default 30.
      Perplexity: float
      /// The number of gradient-descent updates; 0 returns the random initial map. Default 1000.
      Iterations: int
      /// The Barnes–Hut accuracy: a quadtree cell is summarised by its centre of mass when its
      /// diagonal (r_cell of van der Maaten 2014) is less than Theta times its distance from the
      /// point — here from the bounding box of the block of 8 nearby points walked together, so
      /// the condition holds for each of them. 0 makes the repulsion exact; values above 1 may
      /// count a point's own cell. Default 0.5.
      Theta: float
      /// The step size; None chooses max(n / EarlyExaggeration / 4, 50). The gradient here is the
      /// true gradient of KL(P‖Q), 4·Σ (p_ij − q_ij)(y_i − y_j)/(1 + ‖y_i − y_j‖²), so this rate
      /// is a quarter of the one that implementations dropping the factor 4 quote (200 there is
      /// 50 here). Default None.
      LearningRate: float option
      /// The factor that multiplies P during the first `ExaggerationIterations` updates. Default 12.
      EarlyExaggeration: float
      /// How many updates use the exaggerated P. Default 250.
      ExaggerationIterations: int
      /// The momentum of the first `MomentumSwitchIteration` updates. Default 0.5.
      InitialMomentum: float
      /// The momentum of the remaining updates. Default 0.8.
      FinalMomentum: float
      /// The update at which the momentum changes. Default 250.
      MomentumSwitchIteration: int
      /// The seed of the `Rng` that draws the initial map (Gaussian, standard deviation 10⁻⁴);
      /// 0 .. 2³² − 1. Default 0.
      Seed: int64
      /// Sets of at most this many points use the exact gradient, larger ones Barnes–Hut
      /// (0 forces Barnes–Hut, Int32.MaxValue forces the exact gradient). Default 1000.
      ExactThreshold: int
      /// At most this many threads (−1: as many as the runtime likes). The map does not depend
      /// on it. Default −1.
      MaxDegreeOfParallelism: int
      /// `Progress` is called every this many updates (and once at the end); 0 calls it only at
      /// the end. Default 50.
      ProgressInterval: int
      /// Receives the progress reports, on the calling thread. Default: ignores them.
      Progress: TsneProgress -> unit
      /// Checked before every update; a cancelled token stops the run with
      /// `OperationCanceledException`. Default `CancellationToken.None`.
      Cancellation: CancellationToken }

/// The outcome of `Tsne.embed`.
type TsneResult =
    { /// The map: one row [x; y] per input point, in input order, centred on the origin.
      Coordinates: float[][]
      /// KL(P‖Q) of the final map (an estimate for `BarnesHut`, as in `TsneProgress`).
      KlDivergence: float
      /// Which gradient was used.
      Method: TsneMethod
      /// The learning rate used (the chosen one when `LearningRate` was None).
      LearningRate: float
      /// The number of updates made.
      Iterations: int }

/// Checks of the data the embeddings accept, raising the library's typed errors.
module internal EmbeddingInput =

    /// A double in round-trip form.
    let text (x: float) = x.ToString("R", CultureInfo.InvariantCulture)

    /// Raises `InvalidValueException`.
    let fail (op: string) (expected: string) (actual: string) : 'a =
        raise (InvalidValueException(op, expected, actual))

    /// Checks that `rows` holds at least `minRows` rows of the same positive length and only
    /// finite values; returns (rows, columns, the values row-major).
    let matrix (op: string) (minRows: int) (rows: float[][]) : int * int * float[] =
        if isNull (box rows) then nullArg "data"
        if rows.Length < minRows then
            fail op (sprintf "at least %d rows" minRows) (sprintf "%d row%s" rows.Length (if rows.Length = 1 then "" else "s"))
        let width (i: int) = if isNull (box rows.[i]) then -1 else rows.[i].Length
        let d = width 0
        if d < 1 then
            raise (ShapeMismatchException(op, "rows of at least one value", sprintf "row 0 with %s" (if d < 0 then "null" else "0 values")))
        let n = rows.Length
        let flat = Array.zeroCreate<float> (n * d)
        for i in 0 .. n - 1 do
            let w = width i
            if w <> d then
                raise (ShapeMismatchException(op, sprintf "every row with %d values, as row 0" d, sprintf "row %d with %s" i (if w < 0 then "null" else sprintf "%d values" w)))
            let row = rows.[i]
            for j in 0 .. d - 1 do
                let v = row.[j]
                if not (Double.IsFinite v) then
                    fail op "finite values" (sprintf "%s at row %d, column %d" (text v) i j)
                flat.[i * d + j] <- v
        n, d, flat

/// Work spread over threads so that the result does not depend on how it is scheduled.
module internal Deterministic =

    /// Calls `body start stop` on fixed consecutive ranges covering 0 .. count − 1, on up to
    /// `maxDegree` threads (−1: no limit). `body` must write only the slots of its range.
    let forRanges (maxDegree: int) (count: int) (body: int -> int -> unit) =
        if count > 0 then
            let chunks = if maxDegree = 1 || count < 256 then 1 else min 64 (count / 64)
            if chunks = 1 then
                body 0 count
            else
                let options = ParallelOptions(MaxDegreeOfParallelism = maxDegree)
                Parallel.For(0, chunks, options, Action<int>(fun c -> body (int (int64 c * int64 count / int64 chunks)) (int (int64 (c + 1) * int64 count / int64 chunks))))
                |> ignore

    /// The sum of `values` in index order.
    let sum (values: float[]) =
        let mutable s = 0.0
        for v in values do
            s <- s + v
        s

/// Exact nearest neighbours by brute force: every distance, then a bounded heap per point.
module internal Neighbours =

    /// Queries handled together by the distance kernel (each loaded value serves all of them).
    let private block = 8

    /// The points packed for the distance kernel: groups of 4 consecutive points, each group's
    /// d coordinates stored as d runs of 4 values (the first n − n % 4 points; the rest are read
    /// from the row-major data).
    let private pack (n: int) (d: int) (x: float[]) =
        let wide = n - n % 4
        let packed = Array.zeroCreate<float> (wide * d)
        for j in 0 .. wide - 1 do
            let g = j / 4
            for k in 0 .. d - 1 do
                packed.[(g * d + k) * 4 + j % 4] <- x.[j * d + k]
        packed

    /// Calls `visit i row` for every point i, where row holds the squared Euclidean distances from
    /// i to every point (a buffer reused between calls). `visitor ()` makes one visit function
    /// (with its own buffers) per range of points. Each distance is Σ_k (x_jk − x_ik)², summed
    /// from 0 in k order inside one vector lane or in scalar code alike, so the bits never depend
    /// on where a pair falls and d(i, j) = d(j, i) exactly.
    let eachDistanceRow (maxDegree: int) (n: int) (d: int) (x: float[]) (visitor: unit -> (int -> float[] -> unit)) =
        let packed = pack n d x
        let wide = n - n % 4
        Deterministic.forRanges maxDegree n (fun start stop ->
            let visit = visitor ()
            let rows = Array.init block (fun _ -> Array.zeroCreate<float> n)
            let centres = Array.zeroCreate<Vector256<float>> (block * d)
            let mutable i0 = start
            while i0 < stop do
                let m = min block (stop - i0)
                // Broadcast each query coordinate once; absent queries repeat the last one.
                for q in 0 .. block - 1 do
                    let i = i0 + min q (m - 1)
                    for k in 0 .. d - 1 do
                        centres.[k * block + q] <- Vector256.Create x.[i * d + k]
                let r0 = rows.[0]
                let r1 = rows.[1]
                let r2 = rows.[2]
                let r3 = rows.[3]
                let r4 = rows.[4]
                let r5 = rows.[5]
                let r6 = rows.[6]
                let r7 = rows.[7]
                let mutable j = 0
                while j < wide do
                    let mutable a0 = Vector256<float>.Zero
                    let mutable a1 = Vector256<float>.Zero
                    let mutable a2 = Vector256<float>.Zero
                    let mutable a3 = Vector256<float>.Zero
                    let mutable a4 = Vector256<float>.Zero
                    let mutable a5 = Vector256<float>.Zero
                    let mutable a6 = Vector256<float>.Zero
                    let mutable a7 = Vector256<float>.Zero
                    let baseOffset = (j / 4) * d * 4
                    for k in 0 .. d - 1 do
                        let c = Vector256.LoadUnsafe(&packed.[baseOffset + k * 4])
                        let b = k * block
                        let e0 = c - centres.[b]
                        a0 <- a0 + e0 * e0
                        let e1 = c - centres.[b + 1]
                        a1 <- a1 + e1 * e1
                        let e2 = c - centres.[b + 2]
                        a2 <- a2 + e2 * e2
                        let e3 = c - centres.[b + 3]
                        a3 <- a3 + e3 * e3
                        let e4 = c - centres.[b + 4]
                        a4 <- a4 + e4 * e4
                        let e5 = c - centres.[b + 5]
                        a5 <- a5 + e5 * e5
                        let e6 = c - centres.[b + 6]
                        a6 <- a6 + e6 * e6
                        let e7 = c - centres.[b + 7]
                        a7 <- a7 + e7 * e7
                    Vector256.StoreUnsafe(a0, &r0.[j])
                    Vector256.StoreUnsafe(a1, &r1.[j])
                    Vector256.StoreUnsafe(a2, &r2.[j])
                    Vector256.StoreUnsafe(a3, &r3.[j])
                    Vector256.StoreUnsafe(a4, &r4.[j])
                    Vector256.StoreUnsafe(a5, &r5.[j])
                    Vector256.StoreUnsafe(a6, &r6.[j])
                    Vector256.StoreUnsafe(a7, &r7.[j])
                    j <- j + 4
                for q in 0 .. m - 1 do
                    let i = i0 + q
                    let row = rows.[q]
                    for jj in wide .. n - 1 do
                        let mutable s = 0.0
                        for k in 0 .. d - 1 do
                            let e = x.[jj * d + k] - x.[i * d + k]
                            s <- s + e * e
                        row.[jj] <- s
                    visit i row
                i0 <- i0 + m)

    /// True when (da, ja) comes after (db, jb): farther, or as far with a larger index.
    let inline private after (da: float) (ja: int) (db: float) (jb: int) = da > db || (da = db && ja > jb)

    /// Restores the max-heap (root = farthest) below position `start` of the first `size` entries.
    let private siftDown (dist: float[]) (index: int[]) (size: int) (start: int) =
        let mutable parent = start
        let mutable moving = true
        while moving do
            let left = 2 * parent + 1
            if left >= size then
                moving <- false
            else
                let right = left + 1
                let child =
                    if right < size && after dist.[right] index.[right] dist.[left] index.[left] then right else left
                if after dist.[child] index.[child] dist.[parent] index.[parent] then
                    let d = dist.[child]
                    dist.[child] <- dist.[parent]
                    dist.[parent] <- d
                    let j = index.[child]
                    index.[child] <- index.[parent]
                    index.[parent] <- j
                    parent <- child
                else
                    moving <- false

    /// The k nearest other points of each point, nearest first, ties by smaller index:
    /// (indices, squared distances), both n×k row-major. Requires 1 ≤ k ≤ n − 1.
    let nearest (maxDegree: int) (n: int) (d: int) (x: float[]) (k: int) : int[] * float[] =
        let indices = Array.zeroCreate<int> (n * k)
        let distances = Array.zeroCreate<float> (n * k)
        eachDistanceRow maxDegree n d x (fun () ->
            let heapDist = Array.zeroCreate<float> k
            let heapIndex = Array.zeroCreate<int> k
            fun i row ->
                // Fill the heap with the first k others, then keep the k nearest.
                let mutable size = 0
                let mutable j = 0
                while size < k do
                    if j <> i then
                        heapDist.[size] <- row.[j]
                        heapIndex.[size] <- j
                        size <- size + 1
                    j <- j + 1
                for start in k / 2 - 1 .. -1 .. 0 do
                    siftDown heapDist heapIndex k start
                let mutable worst = heapDist.[0]
                // j is larger than every index in the heap, so only a strictly nearer point
                // displaces the farthest. Four distances are compared at once; most groups have
                // none nearer and are skipped whole.
                while j < n do
                    let group = j + 4 <= n
                    if not group || Vector256.LessThan(Vector256.LoadUnsafe(&row.[j]), Vector256.Create worst).ExtractMostSignificantBits() <> 0u then
                        for t in j .. (if group then j + 3 else j) do
                            let dt = row.[t]
                            if dt < worst && t <> i then
                                heapDist.[0] <- dt
                                heapIndex.[0] <- t
                                siftDown heapDist heapIndex k 0
                                worst <- heapDist.[0]
                    j <- if group then j + 4 else j + 1
                // Pop the farthest into the last free slot until the heap is empty.
                let mutable remaining = k
                while remaining > 0 do
                    remaining <- remaining - 1
                    distances.[i * k + remaining] <- heapDist.[0]
                    indices.[i * k + remaining] <- heapIndex.[0]
                    heapDist.[0] <- heapDist.[remaining]
                    heapIndex.[0] <- heapIndex.[remaining]
                    siftDown heapDist heapIndex remaining 0)
        indices, distances

/// A symmetric matrix of non-negative similarities stored by rows (compressed sparse rows).
type internal SparseSimilarities =
    { /// Row i occupies entries RowStart.[i] .. RowStart.[i + 1] − 1.
      RowStart: int[]
      /// The column of each entry, increasing within a row.
      Columns: int[]
      /// The value of each entry.
      Values: float[] }

/// The input similarities of t-SNE: each point's Gaussian calibrated to the perplexity, then
/// the conditional probabilities symmetrised, p_ij = (p_j|i + p_i|j) / 2n.
module internal TsneSimilarities =

    /// The binary search stops when the entropy is this close to log(perplexity) (in nats) ...
    let entropyTolerance = 1e-5

    /// ... or after this many evaluations.
    let maxCalibrationSteps = 200

    /// The conditional probabilities p_j|i ∝ exp(−β·d_j) of one point from its squared distances
    /// `d` to its candidate neighbours, written to `p`, with the precision β found by bisection
    /// so that the entropy −Σ p log p is log(perplexity); returns β. The weights are computed
    /// relative to the nearest candidate, so they never all underflow, and a candidate as near
    /// as the nearest always weighs 1, so equal distances give equal probabilities, not NaN.
    let calibrate (d: ReadOnlySpan<float>) (logPerplexity: float) (p: Span<float>) : float =
        let count = d.Length
        let mutable nearest = Double.PositiveInfinity
        for j in 0 .. count - 1 do
            if d.[j] < nearest then nearest <- d.[j]
        let mutable spread = 0.0
        for j in 0 .. count - 1 do
            spread <- spread + (d.[j] - nearest)
        spread <- spread / float count
        // 1 / (mean excess distance) is a scale-free first guess.
        let mutable beta = if spread > 0.0 && Double.IsFinite(1.0 / spread) then 1.0 / spread else 1.0
        let mutable lower = 0.0
        let mutable upper = Double.PositiveInfinity
        // While one side is unbounded, β moves by a factor that squares at every step, so even a
        // guess 10^300 off (outliers far beyond the neighbours) is bracketed in a dozen steps.
        let mutable growth = 2.0
        let middle (lo: float) (hi: float) = if lo > 0.0 && hi > 4.0 * lo then sqrt lo * sqrt hi else 0.5 * (lo + hi)
        let mutable total = 0.0
        let mutable steps = 0
        let mutable searching = true
        while searching do
            total <- 0.0
            let mutable weighted = 0.0
            for j in 0 .. count - 1 do
                let excess = d.[j] - nearest
                let w = if excess = 0.0 then 1.0 else Math.Exp(-beta * excess)
                p.[j] <- w
                total <- total + w
                weighted <- weighted + w * excess
            let entropy = Math.Log total + (if weighted = 0.0 then 0.0 else beta * weighted / total)
            let gap = entropy - logPerplexity
            steps <- steps + 1
            if abs gap <= entropyTolerance || steps >= maxCalibrationSteps then
                searching <- false
            elif gap > 0.0 then
                // Too flat: sharpen.
                lower <- beta
                if Double.IsPositiveInfinity upper then
                    beta <- beta * growth
                    growth <- growth * growth
                else
                    beta <- middle lower upper
            else
                upper <- beta
                if lower = 0.0 then
                    beta <- beta / growth
                    growth <- growth * growth
                else
                    beta <- middle lower upper
        let scale = 1.0 / total
        for j in 0 .. count - 1 do
            p.[j] <- p.[j] * scale
        beta

    /// The conditional probabilities p_j|i over all other points (n×n row-major, zero diagonal)
    /// from the dense squared distances.
    let denseConditional (maxDegree: int) (n: int) (d: int) (x: float[]) (perplexity: float) : float[] =
        let conditional = Array.zeroCreate<float> (n * n)
        let logPerplexity = Math.Log perplexity
        Neighbours.eachDistanceRow maxDegree n d x (fun () ->
            let others = Array.zeroCreate<float> (n - 1)
            let p = Array.zeroCreate<float> (n - 1)
            fun i row ->
                Array.blit row 0 others 0 i
                Array.blit row (i + 1) others i (n - 1 - i)
                calibrate (ReadOnlySpan others) logPerplexity (Span p) |> ignore
                Array.blit p 0 conditional (i * n) i
                Array.blit p i conditional (i * n + i + 1) (n - 1 - i))
        conditional

    /// The joint probabilities of the exact method: n×n, symmetric to the bit, summing to 1.
    let denseJoint (maxDegree: int) (n: int) (d: int) (x: float[]) (perplexity: float) : float[] =
        let conditional = denseConditional maxDegree n d x perplexity
        let twoN = 2.0 * float n
        Array.init (n * n) (fun t ->
            let i = t / n
            let j = t - i * n
            (conditional.[t] + conditional.[j * n + i]) / twoN)

    /// The conditional probabilities over each point's k nearest neighbours (n×k, in the order
    /// of `indices`).
    let sparseConditional (maxDegree: int) (n: int) (k: int) (distances: float[]) (perplexity: float) : float[] =
        let conditional = Array.zeroCreate<float> (n * k)
        let logPerplexity = Math.Log perplexity
        Deterministic.forRanges maxDegree n (fun start stop ->
            for i in start .. stop - 1 do
                calibrate (ReadOnlySpan(distances, i * k, k)) logPerplexity (Span(conditional, i * k, k)) |> ignore)
        conditional

    /// The joint probabilities of the Barnes–Hut method from the k-neighbour conditionals: entry
    /// (i, j) exists when j is a neighbour of i or i of j, and is (p_j|i + p_i|j) / 2n.
    let sparseJoint (n: int) (k: int) (indices: int[]) (conditional: float[]) : SparseSimilarities =
        let counts = Array.zeroCreate<int> n
        for i in 0 .. n - 1 do
            counts.[i] <- counts.[i] + k
            for t in 0 .. k - 1 do
                let j = indices.[i * k + t]
                counts.[j] <- counts.[j] + 1
        let starts = Array.zeroCreate<int> (n + 1)
        for i in 0 .. n - 1 do
            starts.[i + 1] <- starts.[i] + counts.[i]
        let cursor = Array.copy starts
        let cols = Array.zeroCreate<int> starts.[n]
        let vals = Array.zeroCreate<float> starts.[n]
        for i in 0 .. n - 1 do
            for t in 0 .. k - 1 do
                let j = indices.[i * k + t]
                let v = conditional.[i * k + t]
                cols.[cursor.[i]] <- j
                vals.[cursor.[i]] <- v
                cursor.[i] <- cursor.[i] + 1
                cols.[cursor.[j]] <- i
                vals.[cursor.[j]] <- v
                cursor.[j] <- cursor.[j] + 1
        // Sort each row by column and add the (at most two) entries of the same pair; the sum
        // of two numbers does not depend on their order.
        let outStarts = Array.zeroCreate<int> (n + 1)
        let outCols = ResizeArray<int>(starts.[n])
        let outVals = ResizeArray<float>(starts.[n])
        let twoN = 2.0 * float n
        for i in 0 .. n - 1 do
            let s = starts.[i]
            let len = starts.[i + 1] - s
            Array.Sort(cols, vals, s, len)
            let mutable e = s
            while e < s + len do
                let j = cols.[e]
                let mutable v = vals.[e]
                e <- e + 1
                if e < s + len && cols.[e] = j then
                    v <- v + vals.[e]
                    e <- e + 1
                outCols.Add j
                outVals.Add(v / twoN)
            outStarts.[i + 1] <- outCols.Count
        { RowStart = outStarts; Columns = outCols.ToArray(); Values = outVals.ToArray() }

/// One cell of the quadtree, stored in depth-first preorder: an internal cell's first child
/// follows it, and `Skip` is the index just past its subtree.
[<Struct; NoEquality; NoComparison>]
type internal QuadCell =
    { /// Centre of mass of the cell's points.
      mutable ComX: float
      /// Centre of mass of the cell's points.
      mutable ComY: float
      /// The squared length of the cell's diagonal.
      mutable Diagonal2: float
      /// The number of points in the cell.
      mutable Mass: int
      /// The index of the next cell after this cell's subtree.
      mutable Skip: int
      /// The position of the cell's first point in tree order.
      mutable FirstPoint: int
      /// Whether the cell is a leaf (its points are listed, not its children).
      mutable Leaf: bool }

/// A quadtree over the map's points, rebuilt before every Barnes–Hut gradient: each cell holds
/// its number of points, their centre of mass and its squared diagonal. The points are sorted
/// by their Morton codes (the bits of their cell at every depth, interleaved), so every cell's
/// points are a contiguous run and the tree is read off the sorted codes. A working buffer of
/// one t-SNE run; it never escapes `Tsne.embed`.
[<Sealed>]
type internal QuadTree(pointCount: int) =
    /// Cells this deep are leaves whatever they hold: the codes resolve 2^30 cells per axis.
    static let maxDepth = 30
    /// A cell of at most this many points is a leaf.
    static let leafSize = 8
    /// Bits per pass of the radix sort.
    static let digitBits = 10
    let mutable cells = Array.zeroCreate<QuadCell> (max 64 (2 * pointCount))
    let mutable count = 0
    /// The points in tree order: order.[t] is a point index, px/py its coordinates, codes its code.
    let order = Array.zeroCreate<int> pointCount
    let px = Array.zeroCreate<float> pointCount
    let py = Array.zeroCreate<float> pointCount
    let codes = Array.zeroCreate<uint64> pointCount
    let otherCodes = Array.zeroCreate<uint64> pointCount
    let otherOrder = Array.zeroCreate<int> pointCount
    let buckets = Array.zeroCreate<int> (1 <<< digitBits)
    /// The side of the root square.
    let mutable side = 0.0

    /// A new cell at the end of the preorder.
    let allocate () =
        if count = cells.Length then
            let bigger = Array.zeroCreate<QuadCell> (2 * cells.Length)
            Array.blit cells 0 bigger 0 cells.Length
            cells <- bigger
        count <- count + 1
        count - 1

    /// Spreads the low 30 bits of v to the even bit positions.
    static let spread (v: uint64) =
        let mutable x = v &&& 0x3FFFFFFFUL
        x <- (x ||| (x <<< 16)) &&& 0x0000FFFF0000FFFFUL
        x <- (x ||| (x <<< 8)) &&& 0x00FF00FF00FF00FFUL
        x <- (x ||| (x <<< 4)) &&& 0x0F0F0F0F0F0F0F0FUL
        x <- (x ||| (x <<< 2)) &&& 0x3333333333333333UL
        x <- (x ||| (x <<< 1)) &&& 0x5555555555555555UL
        x

    /// The first position in start .. stop − 1 whose child quadrant at `shift` is at least q
    /// (the quadrants rise along the sorted run of one cell).
    let lowerBound (start: int) (stop: int) (shift: int) (q: uint64) =
        let mutable lo = start
        let mutable hi = stop
        while lo < hi do
            let mid = (lo + hi) >>> 1
            if (codes.[mid] >>> shift) &&& 3UL < q then lo <- mid + 1 else hi <- mid
        lo

    /// Builds the subtree of the points at tree positions start .. start + size − 1, a cell at
    /// `depth` (its side is side / 2^depth), appending its cells in preorder.
    let rec build (start: int) (size: int) (depth: int) =
        let cell = allocate ()
        let half = 0.5 * side / float (1UL <<< depth)
        cells.[cell].Mass <- size
        cells.[cell].Diagonal2 <- 8.0 * half * half
        cells.[cell].FirstPoint <- start
        if size <= leafSize || depth >= maxDepth then
            cells.[cell].Leaf <- true
            let mutable sx = 0.0
            let mutable sy = 0.0
            for t in start .. start + size - 1 do
                sx <- sx + px.[t]
                sy <- sy + py.[t]
            cells.[cell].ComX <- sx / float size
            cells.[cell].ComY <- sy / float size
        else
            cells.[cell].Leaf <- false
            // Quadrant 0: left bottom, 1: right bottom, 2: left top, 3: right top.
            let shift = 2 * (maxDepth - depth - 1)
            let stop = start + size
            let b1 = lowerBound start stop shift 1UL
            let b2 = lowerBound b1 stop shift 2UL
            let b3 = lowerBound b2 stop shift 3UL
            if b1 > start then build start (b1 - start) (depth + 1)
            if b2 > b1 then build b1 (b2 - b1) (depth + 1)
            if b3 > b2 then build b2 (b3 - b2) (depth + 1)
            if stop > b3 then build b3 (stop - b3) (depth + 1)
            let mutable sx = 0.0
            let mutable sy = 0.0
            let mutable child = cell + 1
            while child < count do
                sx <- sx + float cells.[child].Mass * cells.[child].ComX
                sy <- sy + float cells.[child].Mass * cells.[child].ComY
                child <- cells.[child].Skip
            cells.[cell].ComX <- sx / float size
            cells.[cell].ComY <- sy / float size
        cells.[cell].Skip <- count

    /// The number of cells of the last build.
    member _.Cells = count

    /// Rebuilds the tree over the points (xs.[i], ys.[i]), i < pointCount.
    member _.Build(xs: float[], ys: float[]) =
        let mutable minX = xs.[0]
        let mutable maxX = xs.[0]
        let mutable minY = ys.[0]
        let mutable maxY = ys.[0]
        for i in 1 .. pointCount - 1 do
            minX <- min minX xs.[i]
            maxX <- max maxX xs.[i]
            minY <- min minY ys.[i]
            maxY <- max maxY ys.[i]
        side <- max (maxX - minX) (maxY - minY)
        // The cell of a point at the finest depth: ⌊(x − min) / side · 2^30⌋, the far edge kept
        // in the last cell; x bits at even, y bits at odd positions, the root's split on top.
        let cellsPerSide = float (1UL <<< maxDepth)
        let scale = if side > 0.0 then cellsPerSide / side else 0.0
        let last = (1UL <<< maxDepth) - 1UL
        for i in 0 .. pointCount - 1 do
            let qx = min last (uint64 ((xs.[i] - minX) * scale))
            let qy = min last (uint64 ((ys.[i] - minY) * scale))
            codes.[i] <- spread qx ||| (spread qy <<< 1)
            order.[i] <- i
        // Least significant digit first radix sort: stable, so equal codes stay in index order.
        let mutable source = codes
        let mutable sourceOrder = order
        let mutable target = otherCodes
        let mutable targetOrder = otherOrder
        let passes = (2 * maxDepth + digitBits - 1) / digitBits
        let mask = uint64 ((1 <<< digitBits) - 1)
        for pass in 0 .. passes - 1 do
            let shift = pass * digitBits
            Array.fill buckets 0 buckets.Length 0
            for t in 0 .. pointCount - 1 do
                let digit = int ((source.[t] >>> shift) &&& mask)
                buckets.[digit] <- buckets.[digit] + 1
            let mutable offset = 0
            for digit in 0 .. buckets.Length - 1 do
                let c = buckets.[digit]
                buckets.[digit] <- offset
                offset <- offset + c
            for t in 0 .. pointCount - 1 do
                let digit = int ((source.[t] >>> shift) &&& mask)
                let o = buckets.[digit]
                target.[o] <- source.[t]
                targetOrder.[o] <- sourceOrder.[t]
                buckets.[digit] <- o + 1
            let c = source
            source <- target
            target <- c
            let o = sourceOrder
            sourceOrder <- targetOrder
            targetOrder <- o
        if not (obj.ReferenceEquals(source, codes)) then
            Array.blit source 0 codes 0 pointCount
            Array.blit sourceOrder 0 order 0 pointCount
        for t in 0 .. pointCount - 1 do
            px.[t] <- xs.[order.[t]]
            py.[t] <- ys.[order.[t]]
        count <- 0
        build 0 pointCount 0

    /// The repulsive terms of every point: into repX/repY the sum over other points j of
    /// w_ij²·(y_i − y_j) and into z the sum of w_ij, w = 1 / (1 + ‖y_i − y_j‖²), where a cell may
    /// stand for its points as their centre of mass times their number. The points are taken in
    /// blocks of 8 consecutive in tree order (so close together), one per 256-bit vector pair,
    /// and the tree is walked once per block: a cell is summarised when its diagonal² < θ²·the
    /// squared distance from its centre of mass to the block's bounding box — so the Barnes–Hut
    /// condition holds for every point of the block — and otherwise opened; a leaf that is opened
    /// contributes its points one by one (a point never meets itself). The walk is a forward scan
    /// of the preorder that jumps over every summarised subtree. Each lane holds one point, so
    /// its sums run in cell order whatever the vector width or the block's other points.
    member _.Repulsion(maxDegree: int, theta: float, repX: float[], repY: float[], z: float[]) =
        let theta2 = theta * theta
        let cells = cells
        let total = count
        let blocks = (pointCount + 7) / 8
        Deterministic.forRanges maxDegree blocks (fun first last ->
            let lanesLow = Vector256.Create(0.0, 1.0, 2.0, 3.0)
            let lanesHigh = Vector256.Create(4.0, 5.0, 6.0, 7.0)
            let one = Vector256.Create 1.0
            for b in first .. last - 1 do
                let s = 8 * b
                let m = min 8 (pointCount - s)
                // Absent lanes repeat the block's first point; their sums are dropped.
                let at q = if q < m then s + q else s
                let xLow = Vector256.Create(px.[at 0], px.[at 1], px.[at 2], px.[at 3])
                let yLow = Vector256.Create(py.[at 0], py.[at 1], py.[at 2], py.[at 3])
                let xHigh = Vector256.Create(px.[at 4], px.[at 5], px.[at 6], px.[at 7])
                let yHigh = Vector256.Create(py.[at 4], py.[at 5], py.[at 6], py.[at 7])
                let mutable minX = px.[s]
                let mutable maxX = px.[s]
                let mutable minY = py.[s]
                let mutable maxY = py.[s]
                for t in s + 1 .. s + m - 1 do
                    minX <- min minX px.[t]
                    maxX <- max maxX px.[t]
                    minY <- min minY py.[t]
                    maxY <- max maxY py.[t]
                let mutable fxLow = Vector256<float>.Zero
                let mutable fyLow = Vector256<float>.Zero
                let mutable zLow = Vector256<float>.Zero
                let mutable fxHigh = Vector256<float>.Zero
                let mutable fyHigh = Vector256<float>.Zero
                let mutable zHigh = Vector256<float>.Zero
                let mutable c = 0
                while c < total do
                    let cell = &cells.[c]
                    let ex = max 0.0 (max (minX - cell.ComX) (cell.ComX - maxX))
                    let ey = max 0.0 (max (minY - cell.ComY) (cell.ComY - maxY))
                    if cell.Diagonal2 < theta2 * (ex * ex + ey * ey) then
                        let cx = Vector256.Create cell.ComX
                        let cy = Vector256.Create cell.ComY
                        let mass = Vector256.Create(float cell.Mass)
                        let dx = xLow - cx
                        let dy = yLow - cy
                        let w = one / (one + dx * dx + dy * dy)
                        let mw = mass * w
                        zLow <- zLow + mw
                        let mw2 = mw * w
                        fxLow <- fxLow + mw2 * dx
                        fyLow <- fyLow + mw2 * dy
                        if m > 4 then
                            let dx = xHigh - cx
                            let dy = yHigh - cy
                            let w = one / (one + dx * dx + dy * dy)
                            let mw = mass * w
                            zHigh <- zHigh + mw
                            let mw2 = mw * w
                            fxHigh <- fxHigh + mw2 * dx
                            fyHigh <- fyHigh + mw2 * dy
                        c <- cell.Skip
                    elif cell.Leaf then
                        let f = cell.FirstPoint
                        for u in f .. f + cell.Mass - 1 do
                            let ux = Vector256.Create px.[u]
                            let uy = Vector256.Create py.[u]
                            // The lane of u itself, when u belongs to the block, gets nothing.
                            let self = Vector256.Create(float (u - s))
                            let dx = xLow - ux
                            let dy = yLow - uy
                            let w = Vector256.ConditionalSelect(Vector256.Equals(lanesLow, self), Vector256<float>.Zero, one / (one + dx * dx + dy * dy))
                            zLow <- zLow + w
                            let w2 = w * w
                            fxLow <- fxLow + w2 * dx
                            fyLow <- fyLow + w2 * dy
                            if m > 4 then
                                let dx = xHigh - ux
                                let dy = yHigh - uy
                                let w = Vector256.ConditionalSelect(Vector256.Equals(lanesHigh, self), Vector256<float>.Zero, one / (one + dx * dx + dy * dy))
                                zHigh <- zHigh + w
                                let w2 = w * w
                                fxHigh <- fxHigh + w2 * dx
                                fyHigh <- fyHigh + w2 * dy
                        c <- cell.Skip
                    else
                        c <- c + 1
                for q in 0 .. m - 1 do
                    let i = order.[s + q]
                    if q < 4 then
                        repX.[i] <- fxLow.GetElement q
                        repY.[i] <- fyLow.GetElement q
                        z.[i] <- zLow.GetElement q
                    else
                        repX.[i] <- fxHigh.GetElement(q - 4)
                        repY.[i] <- fyHigh.GetElement(q - 4)
                        z.[i] <- zHigh.GetElement(q - 4))

/// The gradient of t-SNE, split into the per-point sums it is made of: grad_i =
/// 4·(α·attr_i − rep_i / Z) with attr_i = Σ_j p_ij w_ij (y_i − y_j), rep_i = Σ_j w_ij² (y_i − y_j),
/// Z = Σ_i z_i, z_i = Σ_{j≠i} w_ij, w_ij = 1 / (1 + ‖y_i − y_j‖²) and α the exaggeration.
module internal TsneGradient =

    /// The horizontal sum of a vector in lane order ((0 + 1) + (2 + 3)).
    let inline private total (v: Vector256<float>) = (v.GetElement 0 + v.GetElement 1) + (v.GetElement 2 + v.GetElement 3)

    /// Every per-point sum over all pairs, with dense P (n×n).
    let exactTerms (maxDegree: int) (n: int) (p: float[]) (xs: float[]) (ys: float[])
                   (attrX: float[]) (attrY: float[]) (repX: float[]) (repY: float[]) (z: float[]) =
        let wide = n - n % 4
        Deterministic.forRanges maxDegree n (fun start stop ->
            let one = Vector256.Create 1.0
            for i in start .. stop - 1 do
                let xi = xs.[i]
                let yi = ys.[i]
                let vx = Vector256.Create xi
                let vy = Vector256.Create yi
                let row = i * n
                let mutable sz = Vector256<float>.Zero
                let mutable sax = Vector256<float>.Zero
                let mutable say = Vector256<float>.Zero
                let mutable srx = Vector256<float>.Zero
                let mutable sry = Vector256<float>.Zero
                let mutable j = 0
                while j < wide do
                    let dx = vx - Vector256.LoadUnsafe(&xs.[j])
                    let dy = vy - Vector256.LoadUnsafe(&ys.[j])
                    let w = one / (one + dx * dx + dy * dy)
                    let pw = Vector256.LoadUnsafe(&p.[row + j]) * w
                    let w2 = w * w
                    sz <- sz + w
                    sax <- sax + pw * dx
                    say <- say + pw * dy
                    srx <- srx + w2 * dx
                    sry <- sry + w2 * dy
                    j <- j + 4
                let mutable tz = total sz
                let mutable tax = total sax
                let mutable tay = total say
                let mutable trx = total srx
                let mutable try' = total sry
                while j < n do
                    let dx = xi - xs.[j]
                    let dy = yi - ys.[j]
                    let w = 1.0 / (1.0 + dx * dx + dy * dy)
                    let pw = p.[row + j] * w
                    let w2 = w * w
                    tz <- tz + w
                    tax <- tax + pw * dx
                    tay <- tay + pw * dy
                    trx <- trx + w2 * dx
                    try' <- try' + w2 * dy
                    j <- j + 1
                // The pair (i, i) added w = 1 and nothing else.
                z.[i] <- tz - 1.0
                attrX.[i] <- tax
                attrY.[i] <- tay
                repX.[i] <- trx
                repY.[i] <- try')

    /// Σ_j p_ij·log(1 + ‖y_i − y_j‖²) of each point over dense P, into `out`.
    let exactLogTerms (maxDegree: int) (n: int) (p: float[]) (xs: float[]) (ys: float[]) (out: float[]) =
        Deterministic.forRanges maxDegree n (fun start stop ->
            for i in start .. stop - 1 do
                let mutable s = 0.0
                for j in 0 .. n - 1 do
                    let pij = p.[i * n + j]
                    if pij > 0.0 then
                        let dx = xs.[i] - xs.[j]
                        let dy = ys.[i] - ys.[j]
                        s <- s + pij * Math.Log(1.0 + dx * dx + dy * dy)
                out.[i] <- s)

    /// The attractive sums over sparse P, four entries of a row per vector (the lanes summed in
    /// order, then the row's last entries one by one).
    let sparseAttraction (maxDegree: int) (n: int) (p: SparseSimilarities) (xs: float[]) (ys: float[]) (attrX: float[]) (attrY: float[]) =
        let starts = p.RowStart
        let cols = p.Columns
        let vals = p.Values
        Deterministic.forRanges maxDegree n (fun start stop ->
            let one = Vector256.Create 1.0
            for i in start .. stop - 1 do
                let xi = xs.[i]
                let yi = ys.[i]
                let vx = Vector256.Create xi
                let vy = Vector256.Create yi
                let mutable sx = Vector256<float>.Zero
                let mutable sy = Vector256<float>.Zero
                let last = starts.[i + 1]
                let mutable e = starts.[i]
                while e + 4 <= last do
                    let j0 = cols.[e]
                    let j1 = cols.[e + 1]
                    let j2 = cols.[e + 2]
                    let j3 = cols.[e + 3]
                    let dx = vx - Vector256.Create(xs.[j0], xs.[j1], xs.[j2], xs.[j3])
                    let dy = vy - Vector256.Create(ys.[j0], ys.[j1], ys.[j2], ys.[j3])
                    let pw = Vector256.LoadUnsafe(&vals.[e]) / (one + dx * dx + dy * dy)
                    sx <- sx + pw * dx
                    sy <- sy + pw * dy
                    e <- e + 4
                let mutable ax = total sx
                let mutable ay = total sy
                while e < last do
                    let j = cols.[e]
                    let dx = xi - xs.[j]
                    let dy = yi - ys.[j]
                    let pw = vals.[e] / (1.0 + dx * dx + dy * dy)
                    ax <- ax + pw * dx
                    ay <- ay + pw * dy
                    e <- e + 1
                attrX.[i] <- ax
                attrY.[i] <- ay)

    /// Σ_j p_ij·log(1 + ‖y_i − y_j‖²) of each point over sparse P, into `out`.
    let sparseLogTerms (maxDegree: int) (n: int) (p: SparseSimilarities) (xs: float[]) (ys: float[]) (out: float[]) =
        Deterministic.forRanges maxDegree n (fun start stop ->
            for i in start .. stop - 1 do
                let mutable s = 0.0
                for e in p.RowStart.[i] .. p.RowStart.[i + 1] - 1 do
                    let j = p.Columns.[e]
                    let dx = xs.[i] - xs.[j]
                    let dy = ys.[i] - ys.[j]
                    s <- s + p.Values.[e] * Math.Log(1.0 + dx * dx + dy * dy)
                out.[i] <- s)

    /// (Σ p log p, Σ p) over the given values, in order.
    let entropyTerms (values: float[]) =
        let mutable plogp = 0.0
        let mutable total = 0.0
        for v in values do
            if v > 0.0 then
                plogp <- plogp + v * Math.Log v
                total <- total + v
        plogp, total

    /// The gradient 4·(α·attr − rep / Z) of one coordinate, into `grad`.
    let combine (exaggeration: float) (zTotal: float) (attr: float[]) (rep: float[]) (grad: float[]) =
        for i in 0 .. grad.Length - 1 do
            grad.[i] <- 4.0 * (exaggeration * attr.[i] - rep.[i] / zTotal)

/// Two-dimensional maps of high-dimensional points: t-SNE.
[<RequireQualifiedAccess>]
module Tsne =

    /// The documented defaults: perplexity 30, 1000 iterations, θ = 0.5, learning rate
    /// max(n / 12 / 4, 50), exaggeration 12 for 250 updates, momentum 0.5 then 0.8 from update
    /// 250, seed 0, exact gradient up to 1000 points, all cores, progress every 50 updates to no one.
    let defaults : TsneOptions =
        { Perplexity = 30.0
          Iterations = 1000
          Theta = 0.5
          LearningRate = None
          EarlyExaggeration = 12.0
          ExaggerationIterations = 250
          InitialMomentum = 0.5
          FinalMomentum = 0.8
          MomentumSwitchIteration = 250
          Seed = 0L
          ExactThreshold = 1000
          MaxDegreeOfParallelism = -1
          ProgressInterval = 50
          Progress = ignore
          Cancellation = CancellationToken.None }

    /// The smallest gain of delta-bar-delta.
    let private minGain = 0.01

    /// The number of neighbours of the Barnes–Hut similarities: ⌊3·perplexity⌋, within 1 .. n − 1.
    let internal neighbourCount (n: int) (perplexity: float) = max 1 (min (n - 1) (int (Math.Floor(3.0 * perplexity))))

    /// The learning rate of a run over n points.
    let internal learningRate (options: TsneOptions) (n: int) =
        match options.LearningRate with
        | Some rate -> rate
        | None -> max (float n / options.EarlyExaggeration / 4.0) 50.0

    /// Checks every option against n points.
    let private validate (op: string) (n: int) (o: TsneOptions) =
        let fail expected actual : unit = EmbeddingInput.fail op expected actual
        let text = EmbeddingInput.text
        if not (Double.IsFinite o.Perplexity) || o.Perplexity <= 0.0 || o.Perplexity >= float (n - 1) then
            fail (sprintf "a perplexity in (0, n − 1) = (0, %d) for %d points" (n - 1) n) (text o.Perplexity)
        if o.Iterations < 0 then fail "Iterations >= 0" (string o.Iterations)
        if not (Double.IsFinite o.Theta) || o.Theta < 0.0 then fail "a finite Theta >= 0" (text o.Theta)
        match o.LearningRate with
        | Some rate when not (Double.IsFinite rate) || rate <= 0.0 -> fail "a finite LearningRate > 0" (text rate)
        | _ -> ()
        if not (Double.IsFinite o.EarlyExaggeration) || o.EarlyExaggeration <= 0.0 then
            fail "a finite EarlyExaggeration > 0" (text o.EarlyExaggeration)
        if o.ExaggerationIterations < 0 then fail "ExaggerationIterations >= 0" (string o.ExaggerationIterations)
        for name, m in [ "InitialMomentum", o.InitialMomentum; "FinalMomentum", o.FinalMomentum ] do
            if not (Double.IsFinite m) || m < 0.0 || m >= 1.0 then fail (sprintf "%s in [0, 1)" name) (text m)
        if o.MomentumSwitchIteration < 0 then fail "MomentumSwitchIteration >= 0" (string o.MomentumSwitchIteration)
        if o.Seed < 0L || o.Seed > 0xffffffffL then fail "a Seed in [0, 4294967295]" (string o.Seed)
        if o.ExactThreshold < 0 then fail "ExactThreshold >= 0" (string o.ExactThreshold)
        if o.MaxDegreeOfParallelism = 0 || o.MaxDegreeOfParallelism < -1 then
            fail "MaxDegreeOfParallelism of -1 or at least 1" (string o.MaxDegreeOfParallelism)
        if o.ProgressInterval < 0 then fail "ProgressInterval >= 0" (string o.ProgressInterval)
        if isNull (box o.Progress) then nullArg "Progress"

    /// One delta-bar-delta momentum step of one coordinate: a gain grows by 0.2 while the
    /// gradient keeps pointing the way the last update moved (their signs differ) and shrinks by
    /// a factor 0.8 (to at least 0.01) when it turns; then update ← momentum·update − rate·gain·grad.
    let private step (momentum: float) (rate: float) (grad: float[]) (update: float[]) (gains: float[]) (position: float[]) =
        let inline sign (v: float) = if v > 0.0 then 1 elif v < 0.0 then -1 else 0
        for i in 0 .. position.Length - 1 do
            let g = grad.[i]
            let u = update.[i]
            let gain = if sign g <> sign u then gains.[i] + 0.2 else max (gains.[i] * 0.8) minGain
            gains.[i] <- gain
            let next = momentum * u - rate * gain * g
            update.[i] <- next
            position.[i] <- position.[i] + next

    /// Subtracts the mean (summed in index order).
    let private centre (values: float[]) =
        let mean = Deterministic.sum values / float values.Length
        for i in 0 .. values.Length - 1 do
            values.[i] <- values.[i] - mean

    /// A t-SNE map of `data` (n rows of d finite values, n ≥ 2) in the plane. The input
    /// similarities are Gaussians whose precisions are found by bisection so that each point's
    /// conditional distribution has the requested perplexity, symmetrised to p_ij; the map's
    /// similarities use the Student-t kernel 1 / (1 + ‖y_i − y_j‖²); gradient descent on
    /// KL(P‖Q) starts from Gaussians of standard deviation 10⁻⁴ drawn from
    /// `Rng.seed options.Seed` (`Rng.normal`, x and y of each point in turn), with early
    /// exaggeration, momentum and delta-bar-delta gains, recentring the map after every update.
    /// Up to `ExactThreshold` points the gradient is exact over all pairs; beyond, P covers each
    /// point's ⌊3·perplexity⌋ exact nearest neighbours and the repulsion comes from a quadtree
    /// (Barnes–Hut with `Theta`). The same data and options give the same bits on any number of
    /// threads (on one machine and runtime: `Math.Exp` and `Math.Log` come from the platform).
    /// Identical points are allowed (they get equal similarities and a finite map).
    /// <exception cref="ShapeMismatchException">when rows differ in length or are empty.</exception>
    /// <exception cref="InvalidValueException">for fewer than 2 points, a value that is NaN or
    /// infinite, or an option out of range (perplexity outside (0, n − 1), negative iterations or
    /// theta, ...).</exception>
    /// <exception cref="OperationCanceledException">when `options.Cancellation` is cancelled.</exception>
    let embed (options: TsneOptions) (data: float[][]) : TsneResult =
        let op = "Tsne.embed"
        let n, d, x = EmbeddingInput.matrix op 2 data
        validate op n options
        let method = if n <= options.ExactThreshold then Exact else BarnesHut
        let rate = learningRate options n
        let threads = options.MaxDegreeOfParallelism
        let attrX = Array.zeroCreate<float> n
        let attrY = Array.zeroCreate<float> n
        let repX = Array.zeroCreate<float> n
        let repY = Array.zeroCreate<float> n
        let zRow = Array.zeroCreate<float> n
        let logTerms = Array.zeroCreate<float> n
        // evaluate xs ys wantKl: fills the per-point sums, returns (Z, KL or NaN).
        let evaluate : float[] -> float[] -> bool -> float * float =
            match method with
            | Exact ->
                let p = TsneSimilarities.denseJoint threads n d x options.Perplexity
                let plogp, psum = TsneGradient.entropyTerms p
                fun xs ys wantKl ->
                    TsneGradient.exactTerms threads n p xs ys attrX attrY repX repY zRow
                    let z = Deterministic.sum zRow
                    if wantKl then
                        TsneGradient.exactLogTerms threads n p xs ys logTerms
                        z, plogp + Deterministic.sum logTerms + psum * Math.Log z
                    else
                        z, nan
            | BarnesHut ->
                let k = neighbourCount n options.Perplexity
                let indices, distances = Neighbours.nearest threads n d x k
                let conditional = TsneSimilarities.sparseConditional threads n k distances options.Perplexity
                let p = TsneSimilarities.sparseJoint n k indices conditional
                let plogp, psum = TsneGradient.entropyTerms p.Values
                let tree = QuadTree n
                fun xs ys wantKl ->
                    tree.Build(xs, ys)
                    tree.Repulsion(threads, options.Theta, repX, repY, zRow)
                    TsneGradient.sparseAttraction threads n p xs ys attrX attrY
                    let z = Deterministic.sum zRow
                    if wantKl then
                        TsneGradient.sparseLogTerms threads n p xs ys logTerms
                        z, plogp + Deterministic.sum logTerms + psum * Math.Log z
                    else
                        z, nan
        let initial, _ = Rng.normal 0.0 1e-4 (2 * n) (Rng.seed options.Seed)
        let xs = Array.init n (fun i -> initial.[2 * i])
        let ys = Array.init n (fun i -> initial.[2 * i + 1])
        let updateX = Array.zeroCreate<float> n
        let updateY = Array.zeroCreate<float> n
        let gainsX = Array.create n 1.0
        let gainsY = Array.create n 1.0
        let gradX = Array.zeroCreate<float> n
        let gradY = Array.zeroCreate<float> n
        let report iteration kl =
            options.Progress { Iteration = iteration; Iterations = options.Iterations; KlDivergence = kl; Method = method }
        for iteration in 0 .. options.Iterations - 1 do
            options.Cancellation.ThrowIfCancellationRequested()
            let wantKl = options.ProgressInterval > 0 && iteration > 0 && iteration % options.ProgressInterval = 0
            let z, kl = evaluate xs ys wantKl
            if wantKl then report iteration kl
            let exaggeration = if iteration < options.ExaggerationIterations then options.EarlyExaggeration else 1.0
            let momentum = if iteration < options.MomentumSwitchIteration then options.InitialMomentum else options.FinalMomentum
            TsneGradient.combine exaggeration z attrX repX gradX
            TsneGradient.combine exaggeration z attrY repY gradY
            step momentum rate gradX updateX gainsX xs
            step momentum rate gradY updateY gainsY ys
            centre xs
            centre ys
        let _, kl = evaluate xs ys true
        report options.Iterations kl
        { Coordinates = Array.init n (fun i -> [| xs.[i]; ys.[i] |])
          KlDivergence = kl
          Method = method
          LearningRate = rate
          Iterations = options.Iterations }

/// Principal component analysis for small dimensions (the covariance is d×d and is
/// diagonalised by cyclic Jacobi rotations).
[<RequireQualifiedAccess>]
module Pca =

    /// Jacobi sweeps stop when the off-diagonal squares sum to at most this fraction of all squares.
    let private offDiagonalTolerance = 1e-30

    /// At most this many sweeps (convergence is quadratic: a handful is usual).
    let private maxSweeps = 100

    /// The eigendecomposition of a real symmetric d×d matrix (rows of d finite values, symmetric
    /// to within 10⁻¹² of its largest entry; the mean of a_ij and a_ji is used) by cyclic Jacobi
    /// rotations, eigenvalues largest first, eigenvectors signed so that their largest entry is
    /// positive.
    /// <exception cref="ShapeMismatchException">when the matrix is empty or not square.</exception>
    /// <exception cref="InvalidValueException">for a NaN or infinite entry, or an asymmetric matrix.</exception>
    let eigenSymmetric (matrix: float[][]) : SymmetricEigen =
        let op = "Pca.eigenSymmetric"
        let d, cols, flat = EmbeddingInput.matrix op 1 matrix
        if cols <> d then
            raise (ShapeMismatchException(op, "a square matrix", sprintf "%d rows of %d values" d cols))
        let largest = flat |> Array.fold (fun m v -> max m (abs v)) 0.0
        for i in 0 .. d - 1 do
            for j in i + 1 .. d - 1 do
                if abs (flat.[i * d + j] - flat.[j * d + i]) > 1e-12 * largest then
                    EmbeddingInput.fail op "a symmetric matrix"
                        (sprintf "a[%d][%d] = %s but a[%d][%d] = %s" i j (EmbeddingInput.text flat.[i * d + j]) j i (EmbeddingInput.text flat.[j * d + i]))
        let a = Array.init (d * d) (fun t -> let i, j = t / d, t % d in 0.5 * (flat.[i * d + j] + flat.[j * d + i]))
        let v = Array.init (d * d) (fun t -> if t / d = t % d then 1.0 else 0.0)
        let mutable sweep = 0
        let mutable rotating = true
        while rotating do
            let mutable off = 0.0
            let mutable all = 0.0
            for i in 0 .. d - 1 do
                for j in 0 .. d - 1 do
                    let s = a.[i * d + j] * a.[i * d + j]
                    all <- all + s
                    if i <> j then off <- off + s
            if off <= offDiagonalTolerance * all || sweep >= maxSweeps then
                rotating <- false
            else
                sweep <- sweep + 1
                for p in 0 .. d - 2 do
                    for q in p + 1 .. d - 1 do
                        let apq = a.[p * d + q]
                        if apq <> 0.0 then
                            // The rotation J (c on the diagonal, J_pq = s, J_qp = −s) that zeroes
                            // a_pq in Jᵀ·A·J; t = tan of the angle, the smaller root of
                            // t² + 2·θ·t − 1 = 0 with θ = (a_qq − a_pp) / 2a_pq.
                            let theta = (a.[q * d + q] - a.[p * d + p]) / (2.0 * apq)
                            let t =
                                if abs theta > 1e150 then 0.5 / theta
                                else (if theta >= 0.0 then 1.0 else -1.0) / (abs theta + sqrt (theta * theta + 1.0))
                            let c = 1.0 / sqrt (t * t + 1.0)
                            let s = t * c
                            for k in 0 .. d - 1 do
                                if k <> p && k <> q then
                                    let akp = a.[k * d + p]
                                    let akq = a.[k * d + q]
                                    let np = c * akp - s * akq
                                    let nq = s * akp + c * akq
                                    a.[k * d + p] <- np
                                    a.[p * d + k] <- np
                                    a.[k * d + q] <- nq
                                    a.[q * d + k] <- nq
                            a.[p * d + p] <- a.[p * d + p] - t * apq
                            a.[q * d + q] <- a.[q * d + q] + t * apq
                            a.[p * d + q] <- 0.0
                            a.[q * d + p] <- 0.0
                            for k in 0 .. d - 1 do
                                let vkp = v.[k * d + p]
                                let vkq = v.[k * d + q]
                                v.[k * d + p] <- c * vkp - s * vkq
                                v.[k * d + q] <- s * vkp + c * vkq
        let ranked = Array.init d id |> Array.sortWith (fun i j -> match compare a.[j * d + j] a.[i * d + i] with 0 -> compare i j | c -> c)
        let vectors =
            ranked |> Array.map (fun col ->
                let vec = Array.init d (fun k -> v.[k * d + col])
                let mutable big = 0
                for k in 1 .. d - 1 do
                    if abs vec.[k] > abs vec.[big] then big <- k
                if vec.[big] < 0.0 then Array.map (fun e -> -e) vec else vec)
        { Values = ranked |> Array.map (fun col -> a.[col * d + col]); Vectors = vectors }

    /// The first k principal components of `data` (n ≥ 2 rows of d finite values, 1 ≤ k ≤ d):
    /// the columns are centred, the covariance (denominator n − 1) is diagonalised with
    /// `eigenSymmetric`, and the k directions of largest variance are kept.
    /// <exception cref="ShapeMismatchException">when rows differ in length or are empty.</exception>
    /// <exception cref="InvalidValueException">for fewer than 2 rows, a NaN or infinite value, or
    /// k outside 1 .. d.</exception>
    let fit (k: int) (data: float[][]) : PcaFit =
        let op = "Pca.fit"
        let n, d, x = EmbeddingInput.matrix op 2 data
        if k < 1 || k > d then EmbeddingInput.fail op (sprintf "k in 1..%d (the number of columns)" d) (string k)
        let mean = Array.zeroCreate<float> d
        for i in 0 .. n - 1 do
            for a in 0 .. d - 1 do
                mean.[a] <- mean.[a] + x.[i * d + a]
        for a in 0 .. d - 1 do
            mean.[a] <- mean.[a] / float n
        let cov = Array.zeroCreate<float> (d * d)
        let centred = Array.zeroCreate<float> d
        for i in 0 .. n - 1 do
            for a in 0 .. d - 1 do
                centred.[a] <- x.[i * d + a] - mean.[a]
            for a in 0 .. d - 1 do
                let ca = centred.[a]
                for b in a .. d - 1 do
                    cov.[a * d + b] <- cov.[a * d + b] + ca * centred.[b]
        let rows =
            Array.init d (fun a -> Array.init d (fun b -> (if b >= a then cov.[a * d + b] else cov.[b * d + a]) / float (n - 1)))
        let eigen = eigenSymmetric rows
        { Mean = mean
          Components = Array.sub eigen.Vectors 0 k
          Variances = Array.sub eigen.Values 0 k
          TotalVariance = Array.init d (fun a -> rows.[a].[a]) |> Array.sum }

    /// The coordinates of `data` (rows of d finite values, d as in the fit) along the fitted
    /// components: n rows of k values, Components·(x − Mean).
    /// <exception cref="ShapeMismatchException">when a row's length is not the fit's d.</exception>
    /// <exception cref="InvalidValueException">for an empty set or a NaN or infinite value.</exception>
    let transform (fitted: PcaFit) (data: float[][]) : float[][] =
        let op = "Pca.transform"
        let n, d, x = EmbeddingInput.matrix op 1 data
        if d <> fitted.Mean.Length then
            raise (ShapeMismatchException(op, sprintf "rows of %d values, as the fitted data" fitted.Mean.Length, sprintf "rows of %d values" d))
        Array.init n (fun i ->
            fitted.Components |> Array.map (fun c ->
                let mutable s = 0.0
                for a in 0 .. d - 1 do
                    s <- s + c.[a] * (x.[i * d + a] - fitted.Mean.[a])
                s))

    /// `data` projected on its own first k principal components: `transform (fit k data) data`.
    let project (k: int) (data: float[][]) : float[][] = transform (fit k data) data

/// Helpers around two-dimensional maps: the quality measure chapter 7 reports and conversions.
[<RequireQualifiedAccess>]
module Embedding2D =

    /// The leave-one-out k-nearest-neighbour accuracy of a map (or of any points): the fraction
    /// of points whose label wins the vote of their k nearest other points (Euclidean; of equal
    /// distances the smaller index is nearer). A tied vote goes to the tied label whose nearest
    /// voter is nearest. Chapter 7 uses k = 10.
    /// <exception cref="ShapeMismatchException">when rows differ in length or labels and rows differ in number.</exception>
    /// <exception cref="InvalidValueException">for fewer than 2 points, NaN or infinite coordinates, or
    /// k outside 1 .. n − 1.</exception>
    let knnAccuracy (k: int) (points: float[][]) (labels: int[]) : float =
        let op = "Embedding2D.knnAccuracy"
        let n, d, x = EmbeddingInput.matrix op 2 points
        if isNull (box labels) then nullArg "labels"
        if labels.Length <> n then
            raise (ShapeMismatchException(op, sprintf "%d labels, one per point" n, sprintf "%d labels" labels.Length))
        if k < 1 || k > n - 1 then EmbeddingInput.fail op (sprintf "k in 1..%d (n − 1)" (n - 1)) (string k)
        let indices, _ = Neighbours.nearest (-1) n d x k
        let classes = Array.distinct labels |> Array.sort
        let classOf = Array.map (fun l -> Array.BinarySearch(classes, l)) labels
        let mutable correct = 0
        let votes = Array.zeroCreate<int> classes.Length
        for i in 0 .. n - 1 do
            Array.fill votes 0 votes.Length 0
            for t in 0 .. k - 1 do
                let c = classOf.[indices.[i * k + t]]
                votes.[c] <- votes.[c] + 1
            // The first voter (nearest first) whose class has the most votes decides.
            let top = Array.max votes
            let mutable winner = -1
            let mutable t = 0
            while winner < 0 do
                let c = classOf.[indices.[i * k + t]]
                if votes.[c] = top then winner <- c
                t <- t + 1
            if winner = classOf.[i] then correct <- correct + 1
        float correct / float n

    /// The rows of a matrix tensor as arrays of doubles (what `Tsne.embed` and `Pca.fit` take).
    /// <exception cref="ShapeMismatchException">when the tensor is not of rank 2.</exception>
    let rows<'T when 'T :> Numerics.INumberBase<'T>> (t: Tensor<'T>) : float[][] =
        Shape.checkRank "Embedding2D.rows" "tensor" 2 t.Dims
        let data = (Tensor.convert<'T, float> t).Data
        let cols = t.Dims.[1]
        Array.init t.Dims.[0] (fun i -> Array.sub data (i * cols) cols)

/// Synthetic data of labelled clusters, shared by the tests and the benchmark.
module internal SyntheticClusters =

    /// `count` points in `dim` dimensions around `clusters` centres drawn from N(0, spread² I),
    /// each point its centre plus N(0, I) noise; point i belongs to cluster i % clusters.
    /// Returns (points, labels, the next generator).
    let gaussian (clusters: int) (count: int) (dim: int) (spread: float) (rng: Rng) : float[][] * int[] * Rng =
        let centres, rng = Rng.normal 0.0 spread (clusters * dim) rng
        let noise, rng = Rng.standardNormals (count * dim) rng
        let labels = Array.init count (fun i -> i % clusters)
        let points = Array.init count (fun i -> Array.init dim (fun k -> centres.[labels.[i] * dim + k] + noise.[i * dim + k]))
        points, labels, rng
