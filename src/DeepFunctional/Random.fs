namespace DeepFunctional

open System
open System.Globalization

// NumPy's legacy `numpy.random.RandomState` (NumPy 1.24), reproduced bit for bit:
// MT19937 seeded with `init_genrand`, 53-bit doubles from two 32-bit outputs, the
// polar Box–Muller Gaussian with its cached second value, masked rejection for
// bounded integers, `random_interval` shuffling, and the inversion / BTPE binomial.
// The arithmetic below keeps C's order of operations and its integer-to-double
// conversions on purpose: reordering any of it changes the last bits of the results.

/// The working copy of an MT19937 state that one draw call mutates; a fresh one is
/// made from an `Rng` for every call and turned back into a new `Rng` at the end.
[<Sealed>]
type internal Mt19937Engine(key: uint32[], initialPos: int, initialHasGauss: bool, initialGauss: float) =
    let mutable pos = initialPos
    let mutable hasGauss = initialHasGauss
    let mutable gauss = initialGauss

    /// Number of 32-bit words in the MT19937 state.
    static member StateLength = 624

    /// The 624 state words (owned by this engine while it is in use).
    member _.Key = key
    /// Index of the next word to temper; 624 means "twist first".
    member _.Pos = pos
    /// Whether a second Gaussian is cached.
    member _.HasGauss = hasGauss
    /// The cached Gaussian (0.0 when none).
    member _.Gauss = gauss

    /// Regenerates all 624 words (MT19937 "twist").
    member _.Twist() =
        let n = 624
        let m = 397
        let inline mix (y: uint32) = (y >>> 1) ^^^ ((0u - (y &&& 1u)) &&& 0x9908b0dfu)
        for i in 0 .. n - m - 1 do
            let y = (key.[i] &&& 0x80000000u) ||| (key.[i + 1] &&& 0x7fffffffu)
            key.[i] <- key.[i + m] ^^^ mix y
        for i in n - m .. n - 2 do
            let y = (key.[i] &&& 0x80000000u) ||| (key.[i + 1] &&& 0x7fffffffu)
            key.[i] <- key.[i + m - n] ^^^ mix y
        let y = (key.[n - 1] &&& 0x80000000u) ||| (key.[0] &&& 0x7fffffffu)
        key.[n - 1] <- key.[m - 1] ^^^ mix y
        pos <- 0

    /// The next tempered 32-bit output.
    member this.NextUInt32() : uint32 =
        if pos >= 624 then this.Twist()
        let mutable y = key.[pos]
        pos <- pos + 1
        y <- y ^^^ (y >>> 11)
        y <- y ^^^ ((y <<< 7) &&& 0x9d2c5680u)
        y <- y ^^^ ((y <<< 15) &&& 0xefc60000u)
        y ^^^ (y >>> 18)

    /// The next 64-bit output: the first 32-bit draw is the high word.
    member this.NextUInt64() : uint64 =
        let hi = uint64 (this.NextUInt32())
        let lo = uint64 (this.NextUInt32())
        (hi <<< 32) ||| lo

    /// `random_sample`: (a >> 5, b >> 6) combined as (a·2^26 + b) / 2^53.
    member this.NextDouble() : float =
        let a = int64 (this.NextUInt32() >>> 5)
        let b = int64 (this.NextUInt32() >>> 6)
        (float a * 67108864.0 + float b) / 9007199254740992.0

    /// `legacy_gauss`: polar Box–Muller, returning the cached value first when there is one.
    member this.NextGauss() : float =
        if hasGauss then
            let cached = gauss
            hasGauss <- false
            gauss <- 0.0
            cached
        else
            let mutable x1 = 0.0
            let mutable x2 = 0.0
            let mutable r2 = 0.0
            let mutable searching = true
            while searching do
                x1 <- 2.0 * this.NextDouble() - 1.0
                x2 <- 2.0 * this.NextDouble() - 1.0
                r2 <- x1 * x1 + x2 * x2
                searching <- r2 >= 1.0 || r2 = 0.0
            let f = Math.Sqrt(-2.0 * Math.Log r2 / r2)
            gauss <- f * x1
            hasGauss <- true
            f * x2

    /// `random_interval(max)`: uniform on [0, max] by masked rejection (no draw when max = 0).
    member this.Interval(max: uint64) : uint64 =
        if max = 0UL then
            0UL
        else
            let mutable mask = max
            mask <- mask ||| (mask >>> 1)
            mask <- mask ||| (mask >>> 2)
            mask <- mask ||| (mask >>> 4)
            mask <- mask ||| (mask >>> 8)
            mask <- mask ||| (mask >>> 16)
            mask <- mask ||| (mask >>> 32)
            let mutable value = 0UL
            if max <= 0xffffffffUL then
                value <- uint64 (this.NextUInt32()) &&& mask
                while value > max do
                    value <- uint64 (this.NextUInt32()) &&& mask
            else
                value <- this.NextUInt64() &&& mask
                while value > max do
                    value <- this.NextUInt64() &&& mask
            value

/// The constants of NumPy's binomial samplers for one (n, p); `Inversion` when
/// n·p ≤ 30 (p ≤ 0.5 here), `Btpe` otherwise.
[<NoEquality; NoComparison>]
type internal BinomialPlan =
    /// `random_binomial_inversion` constants: q = 1 − p, qn = q^n (as exp(n·log q)), the bound.
    | Inversion of n: int64 * p: float * q: float * qn: float * bound: int64
    /// `random_binomial_btpe` constants, named as in Kachitvichyanukul & Schmeiser.
    | Btpe of n: int64 * p: float * r: float * q: float * fm: float * m: int64 * p1: float * xm: float * xl: float * xr: float * c: float * laml: float * lamr: float * p2: float * p3: float * p4: float

/// The binomial samplers of NumPy's `distributions.c`, step by step.
module internal BinomialSampler =

    /// Constants for the inversion sampler.
    let inversionPlan (n: int64) (p: float) =
        let q = 1.0 - p
        let qn = Math.Exp(float n * Math.Log q)
        let np = float n * p
        let limit = np + 10.0 * Math.Sqrt(np * q + 1.0)
        // C: (int64_t)MIN(n, limit), the comparison done in double.
        let bound = int64 (if float n < limit then float n else limit)
        Inversion(n, p, q, qn, bound)

    /// Constants for the BTPE sampler.
    let btpePlan (n: int64) (p: float) =
        let r = if p < 1.0 - p then p else 1.0 - p
        let q = 1.0 - r
        let fm = float n * r + r
        let m = int64 (Math.Floor fm)
        let p1 = Math.Floor(2.195 * Math.Sqrt(float n * r * q) - 4.6 * q) + 0.5
        let xm = float m + 0.5
        let xl = xm - p1
        let xr = xm + p1
        let c = 0.134 + 20.5 / (15.3 + float m)
        let a1 = (fm - xl) / (fm - xl * r)
        let laml = a1 * (1.0 + a1 / 2.0)
        let a2 = (xr - fm) / (xr * q)
        let lamr = a2 * (1.0 + a2 / 2.0)
        let p2 = p1 * (1.0 + 2.0 * c)
        let p3 = p2 + c / laml
        let p4 = p3 + c / lamr
        Btpe(n, p, r, q, fm, m, p1, xm, xl, xr, c, laml, lamr, p2, p3, p4)

    /// `random_binomial` minus the per-draw work: which sampler, with which p, and
    /// whether the draw is reported as n − draw (p > 0.5). None when the answer is
    /// always 0 without drawing (n = 0 or p = 0).
    let plan (n: int64) (p: float) : (BinomialPlan * bool) option =
        if n = 0L || p = 0.0 then None
        elif p <= 0.5 then
            if p * float n <= 30.0 then Some(inversionPlan n p, false) else Some(btpePlan n p, false)
        else
            let q = 1.0 - p
            if q * float n <= 30.0 then Some(inversionPlan n q, true) else Some(btpePlan n q, true)

    /// One inversion draw.
    let inversion (e: Mt19937Engine) n p q qn bound : int64 =
        let mutable x = 0L
        let mutable px = qn
        let mutable u = e.NextDouble()
        while u > px do
            x <- x + 1L
            if x > bound then
                x <- 0L
                px <- qn
                u <- e.NextDouble()
            else
                u <- u - px
                px <- (float (n - x + 1L) * p * px) / (float x * q)
        x

    /// Stirling-series correction term of BTPE's final acceptance test.
    let inline private stirling (v: float) (v2: float) =
        (13680.0 - (462.0 - (132.0 - (99.0 - 140.0 / v2) / v2) / v2) / v2) / v / 166320.0

    /// One BTPE draw (a state machine over the algorithm's steps 10–60).
    let btpe (e: Mt19937Engine) n p r q m p1 xm xl xr c laml lamr p2 p3 p4 : int64 =
        let nrq = float n * r * q
        let mutable step = 10
        let mutable u = 0.0
        let mutable v = 0.0
        let mutable y = 0L
        while step <> 60 do
            match step with
            | 10 ->
                u <- e.NextDouble() * p4
                v <- e.NextDouble()
                if u > p1 then
                    step <- 20
                else
                    y <- int64 (Math.Floor(xm - p1 * v + u))
                    step <- 60
            | 20 ->
                if u > p2 then
                    step <- 30
                else
                    let x = xl + (u - p1) / c
                    v <- v * c + 1.0 - Math.Abs(float m - x + 0.5) / p1
                    if v > 1.0 then
                        step <- 10
                    else
                        y <- int64 (Math.Floor x)
                        step <- 50
            | 30 ->
                if u > p3 then
                    step <- 40
                else
                    y <- int64 (Math.Floor(xl + Math.Log v / laml))
                    if y < 0L || v = 0.0 then
                        step <- 10
                    else
                        v <- v * (u - p2) * laml
                        step <- 50
            | 40 ->
                y <- int64 (Math.Floor(xr - Math.Log v / lamr))
                if y > n || v = 0.0 then
                    step <- 10
                else
                    v <- v * (u - p3) * lamr
                    step <- 50
            | 50 ->
                let k = abs (y - m)
                if k > 20L && float k < nrq / 2.0 - 1.0 then
                    step <- 52
                else
                    let s = r / q
                    let a = s * float (n + 1L)
                    let mutable f = 1.0
                    if m < y then
                        let mutable i = m + 1L
                        while i <= y do
                            f <- f * (a / float i - s)
                            i <- i + 1L
                    elif m > y then
                        let mutable i = y + 1L
                        while i <= m do
                            f <- f / (a / float i - s)
                            i <- i + 1L
                    step <- if v > f then 10 else 60
            | _ -> // 52: squeeze, then the exact test with Stirling's series
                let k = abs (y - m)
                let kf = float k
                let rho = (kf / nrq) * ((kf * (kf / 3.0 + 0.625) + 0.1666666666666) / nrq + 0.5)
                let t = float (-k * k) / (2.0 * nrq)
                let logV = Math.Log v
                if logV < t - rho then
                    step <- 60
                elif logV > t + rho then
                    step <- 10
                else
                    let x1 = float (y + 1L)
                    let f1 = float (m + 1L)
                    let z = float (n + 1L - m)
                    let w = float (n - y + 1L)
                    let bound =
                        xm * Math.Log(f1 / x1)
                        + (float (n - m) + 0.5) * Math.Log(z / w)
                        + float (y - m) * Math.Log(w * r / (x1 * q))
                        + stirling f1 (f1 * f1)
                        + stirling x1 (x1 * x1)
                        + stirling z (z * z)
                        + stirling w (w * w)
                    step <- if logV > bound then 10 else 60
        if p > 0.5 then n - y else y

    /// One draw from a plan.
    let draw (e: Mt19937Engine) (plan: BinomialPlan) : int64 =
        match plan with
        | Inversion(n, p, q, qn, bound) -> inversion e n p q qn bound
        | Btpe(n, p, r, q, _, m, p1, xm, xl, xr, c, laml, lamr, p2, p3, p4) ->
            btpe e n p r q m p1 xm xl xr c laml lamr p2 p3 p4

/// A generator's state in the open, as NumPy's `get_state()` gives it (for checkpoints).
type RngState =
    { /// The 624 words of the MT19937 state.
      Key: uint32[]
      /// The position of the next word to use, 0..624 (624: the state must twist first).
      Position: int
      /// Whether a second normal draw of the polar method is cached.
      HasGauss: bool
      /// The cached normal draw (0 when there is none).
      Gauss: float }

/// An immutable MT19937 generator state (NumPy legacy RandomState, including the cached
/// Gaussian). Every draw returns the numbers together with a new `Rng`; the value you
/// drew from is unchanged, so drawing from it again gives the same numbers. Two values
/// are equal when their states are identical (and so are the streams they produce).
[<Sealed>]
type Rng private (key: uint32[], pos: int, hasGauss: bool, gauss: float) =
    member private _.Key = key
    member private _.Pos = pos
    member private _.HasGauss = hasGauss
    member private _.CachedGauss = gauss

    /// `init_genrand(seed)` with no cached Gaussian.
    static member internal OfSeed(seed: uint32) : Rng =
        let words = Array.zeroCreate<uint32> Mt19937Engine.StateLength
        let mutable s = seed
        for i in 0 .. words.Length - 1 do
            words.[i] <- s
            s <- 1812433253u * (s ^^^ (s >>> 30)) + uint32 (i + 1)
        Rng(words, Mt19937Engine.StateLength, false, 0.0)

    /// A mutable working copy of this state (the state array is copied once).
    member internal _.Thaw() : Mt19937Engine = Mt19937Engine(Array.copy key, pos, hasGauss, gauss)

    /// The immutable state a working copy has reached; the engine must not be used afterwards.
    static member internal Freeze(engine: Mt19937Engine) : Rng =
        Rng(engine.Key, engine.Pos, engine.HasGauss, engine.Gauss)

    /// The state as NumPy's `get_state()` gives it: the 624 key words, the position in them,
    /// whether a Gaussian is cached and its value (a copy).
    member _.State : RngState = { Key = Array.copy key; Position = pos; HasGauss = hasGauss; Gauss = gauss }

    /// A generator in the given state (NumPy's `set_state`).
    /// <exception cref="InvalidValueException">when the key is not 624 words, the position is
    /// outside 0..624, or a cached Gaussian is not finite.</exception>
    static member OfState(state: RngState) : Rng =
        let op = "Rng.ofState"
        if isNull (box state.Key) || state.Key.Length <> Mt19937Engine.StateLength then
            raise (InvalidValueException(op, sprintf "a key of %d words" Mt19937Engine.StateLength, (if isNull (box state.Key) then "none" else string state.Key.Length), "state"))
        if state.Position < 0 || state.Position > Mt19937Engine.StateLength then
            raise (InvalidValueException(op, sprintf "a position in 0..%d" Mt19937Engine.StateLength, string state.Position, "state"))
        if state.HasGauss && not (Double.IsFinite state.Gauss) then
            raise (InvalidValueException(op, "a finite cached Gaussian", string state.Gauss, "state"))
        Rng(Array.copy state.Key, state.Position, state.HasGauss, (if state.HasGauss then state.Gauss else 0.0))

    /// True when `other` is an `Rng` with the same state words, position and cached Gaussian.
    override this.Equals other =
        match other with
        | :? Rng as that ->
            Object.ReferenceEquals(this, that)
            || (pos = that.Pos
                && hasGauss = that.HasGauss
                && BitConverter.DoubleToInt64Bits gauss = BitConverter.DoubleToInt64Bits that.CachedGauss
                && Array.forall2 (fun (a: uint32) b -> a = b) key that.Key)
        | _ -> false

    /// A hash of the position, the cached Gaussian and a few state words.
    override _.GetHashCode() =
        HashCode.Combine(pos, hasGauss, gauss, key.[0], key.[311], key.[623])

    /// A short description: the position in the state and the cached Gaussian, if any.
    override _.ToString() =
        if hasGauss then
            sprintf "Rng(pos=%d, gauss=%s)" pos (gauss.ToString("R", CultureInfo.InvariantCulture))
        else
            sprintf "Rng(pos=%d)" pos

/// Draws from an `Rng` exactly as NumPy's legacy `numpy.random` does after
/// `numpy.random.seed(s)`. Every function returns its draws and the next generator.
[<RequireQualifiedAccess>]
module Rng =

    let private fail operation expected actual : 'a =
        raise (InvalidValueException(operation, expected, actual))

    let private text (x: float) = x.ToString("R", CultureInfo.InvariantCulture)

    let private checkCount operation (count: int) =
        if count < 0 then fail operation "a count >= 0" (string count)

    /// Runs `fill` over a fresh working copy and returns its result with the new state;
    /// a call that draws nothing (count 0) returns the same generator.
    let inline private run (count: int) (empty: 'T[]) (rng: Rng) ([<InlineIfLambda>] fill: Mt19937Engine -> 'T[] -> unit) =
        if count = 0 then
            empty, rng
        else
            let engine = rng.Thaw()
            let out = Array.zeroCreate<'T> count
            fill engine out
            out, Rng.Freeze engine

    /// `numpy.random.seed(seed)`: MT19937 initialised with the 32-bit integer `seed`
    /// (`init_genrand`) and no cached Gaussian. Raises `InvalidValueException` unless
    /// 0 ≤ seed ≤ 2^32 − 1.
    let seed (seed: int64) : Rng =
        if seed < 0L || seed > 0xffffffffL then
            fail "Rng.seed" "a seed in [0, 4294967295]" (string seed)
        Rng.OfSeed(uint32 seed)

    /// `count` raw 32-bit MT19937 outputs (what `randint(0, 2**32, dtype=uint32)` gives).
    let uint32s (count: int) (rng: Rng) : uint32[] * Rng =
        checkCount "Rng.uint32s" count
        run count Array.empty rng (fun e out ->
            for i in 0 .. out.Length - 1 do
                out.[i] <- e.NextUInt32())

    /// `random_sample(count)`: uniform doubles on [0, 1) with 53 random bits each.
    let doubles (count: int) (rng: Rng) : float[] * Rng =
        checkCount "Rng.doubles" count
        run count Array.empty rng (fun e out ->
            for i in 0 .. out.Length - 1 do
                out.[i] <- e.NextDouble())

    /// `standard_normal(count)` / `randn(count)`: legacy polar Box–Muller Gaussians.
    /// The second value of each pair is cached in the returned generator and comes
    /// out first on its next Gaussian draw, as in NumPy.
    let standardNormals (count: int) (rng: Rng) : float[] * Rng =
        checkCount "Rng.standardNormals" count
        run count Array.empty rng (fun e out ->
            for i in 0 .. out.Length - 1 do
                out.[i] <- e.NextGauss())

    /// `randn(rows, cols)`: rows·cols standard normals in row-major order.
    /// Raises `InvalidValueException` for a negative dimension or a size past `Int32.MaxValue`.
    let randn (rows: int) (cols: int) (rng: Rng) : float[] * Rng =
        if rows < 0 || cols < 0 then
            fail "Rng.randn" "dimensions >= 0" (sprintf "%d x %d" rows cols)
        if int64 rows * int64 cols > int64 Int32.MaxValue then
            fail "Rng.randn" "at most 2147483647 elements" (sprintf "%d x %d" rows cols)
        let count = rows * cols
        run count Array.empty rng (fun e out ->
            for i in 0 .. out.Length - 1 do
                out.[i] <- e.NextGauss())

    /// `normal(loc, scale, count)`: loc + scale·gauss for each legacy Gaussian (sharing the
    /// Gaussian cache with `standardNormals`). Raises `InvalidValueException` when `scale`
    /// is negative or not finite, or `loc` is not finite.
    let normal (loc: float) (scale: float) (count: int) (rng: Rng) : float[] * Rng =
        if not (Double.IsFinite loc) then fail "Rng.normal" "a finite loc" (text loc)
        if not (Double.IsFinite scale) || scale < 0.0 then
            fail "Rng.normal" "a finite scale >= 0" (text scale)
        checkCount "Rng.normal" count
        run count Array.empty rng (fun e out ->
            for i in 0 .. out.Length - 1 do
                out.[i] <- loc + scale * e.NextGauss())

    /// `permutation(n)`: 0 .. n−1 shuffled by the legacy Fisher–Yates pass (for i from
    /// n−1 down to 1, swap i with `random_interval(i)`). Raises `InvalidValueException`
    /// when `n` is negative.
    let permutation (n: int) (rng: Rng) : int[] * Rng =
        if n < 0 then fail "Rng.permutation" "n >= 0" (string n)
        if n = 0 then
            Array.empty, rng
        else
            let engine = rng.Thaw()
            let out = Array.init n id
            for i in n - 1 .. -1 .. 1 do
                let j = int (engine.Interval(uint64 i))
                let held = out.[i]
                out.[i] <- out.[j]
                out.[j] <- held
            out, Rng.Freeze engine

    /// `randint(low, high, count)` with the legacy default int64 dtype: integers in
    /// [low, high) by masked rejection (32-bit draws when high − 1 − low fits 32 bits,
    /// 64-bit draws otherwise). Raises `InvalidValueException` when high ≤ low.
    let randint (low: int64) (high: int64) (count: int) (rng: Rng) : int64[] * Rng =
        if high <= low then
            fail "Rng.randint" "high > low" (sprintf "low = %d, high = %d" low high)
        checkCount "Rng.randint" count
        // Unsigned width of the closed range [low, high − 1]; wraps correctly past 2^63.
        let range = uint64 (high - 1L) - uint64 low
        let off = uint64 low
        if range = 0UL then
            Array.create count low, rng
        else
            let mutable mask = range
            mask <- mask ||| (mask >>> 1)
            mask <- mask ||| (mask >>> 2)
            mask <- mask ||| (mask >>> 4)
            mask <- mask ||| (mask >>> 8)
            mask <- mask ||| (mask >>> 16)
            mask <- mask ||| (mask >>> 32)
            run count Array.empty rng (fun e out ->
                if range <= 0xffffffffUL then
                    let mask32 = uint32 mask
                    let range32 = uint32 range
                    for i in 0 .. out.Length - 1 do
                        let mutable value = e.NextUInt32() &&& mask32
                        while value > range32 do
                            value <- e.NextUInt32() &&& mask32
                        out.[i] <- int64 (off + uint64 value)
                else
                    for i in 0 .. out.Length - 1 do
                        let mutable value = e.NextUInt64() &&& mask
                        while value > range do
                            value <- e.NextUInt64() &&& mask
                        out.[i] <- int64 (off + value))

    /// `binomial(n, p, count)`: NumPy's legacy sampler — inversion when n·min(p, 1−p) ≤ 30,
    /// BTPE otherwise, with p > 0.5 drawn as n − Binomial(n, 1−p). n = 0 or p = 0 gives
    /// zeros without drawing. Raises `InvalidValueException` when `n` is negative or `p`
    /// is outside [0, 1] or NaN.
    let binomial (n: int) (p: float) (count: int) (rng: Rng) : int[] * Rng =
        if n < 0 then fail "Rng.binomial" "n >= 0" (string n)
        if Double.IsNaN p || p < 0.0 || p > 1.0 then fail "Rng.binomial" "p in [0, 1]" (text p)
        checkCount "Rng.binomial" count
        match BinomialSampler.plan (int64 n) p with
        | None -> Array.zeroCreate count, rng
        | Some(plan, complement) ->
            run count Array.empty rng (fun e out ->
                for i in 0 .. out.Length - 1 do
                    let x = BinomialSampler.draw e plan
                    out.[i] <- int (if complement then int64 n - x else x))
