namespace DeepFunctional

open System
open System.Buffers
open System.Numerics
open System.Runtime.Intrinsics
open System.Threading
open Microsoft.FSharp.NativeInterop

/// Matrix multiplication over row-major arrays: C = op(A)·op(B).
///
/// One generic code path serves float32 and float (double). Panels of op(A) and op(B) are
/// packed into contiguous, zero-padded buffers (the packing reads A and B in whatever layout
/// the transpose flags say, so no transpose is ever materialised), then a register-blocked
/// micro-kernel multiplies them with fused multiply-adds: 12 rows × 2 vectors of columns on
/// `Vector512` (AVX-512), 6 rows × 2 vectors on `Vector<T>` (AVX2, SSE or NEON) where
/// 512-bit vectors are not accelerated, and a plain loop for other element types or
/// machines without vectors.
///
/// Threads share the packing and then take blocks of C from a common counter. The depth
/// (k) is cut into the same blocks whatever the thread count, and each element of C is
/// always summed by the same micro-kernel in the same order, so the result is bit-identical
/// for any number of threads.
[<RequireQualifiedAccess>]
module Gemm =

    [<Literal>]
    let private OpName = "Gemm.multiply"

    /// Products with at most this many multiply-adds (m·n·k) use the direct loop: packing
    /// would cost more than it saves.
    [<Literal>]
    let private TinyWork = 256L

    /// Products whose multiply-adds times element size (bytes) is below this run on the calling
    /// thread only: about 100³ in float32 and 80³ in float64, some 20 µs of work, below which
    /// handing blocks to another thread did not pay on the 2-core AVX-512 machine measured.
    [<Literal>]
    let private ParallelWork = 4194304L

    /// A panel used for at most this many tiles per depth block is read in place when its
    /// layout allows (see `blocked`).
    [<Literal>]
    let private DirectReuse = 8

    /// Upper bound (elements) of one packed copy of A or B; larger products are done in
    /// super-blocks of C so the temporary memory stays bounded.
    [<Literal>]
    let private PackLimit = 2097152

    /// Bytes of a packed B block (depth block × column sub-range) meant to stay in L2.
    [<Literal>]
    let private L2Block = 393216

    /// F# does not emit `MethodImplOptions.AggressiveOptimization`, so the hot loops use this
    /// instead: the JIT cannot use on-stack replacement in a method with loops and a stackalloc,
    /// so it compiles such a method fully optimised at its first call rather than running
    /// slow tier-0 code first.
    let inline private optimizeNow () = NativePtr.write (NativePtr.stackalloc<byte> 1) 0uy

    // ------------------------------------------------------------------------------------
    // Element-type dispatch. `typeof<'T> = typeof<X>` on a value type is folded by the JIT,
    // so each instantiation keeps only its own branch.

    let inline private isSingle<'T> () = Type.op_Equality (typeof<'T>, typeof<float32>)
    let inline private isDouble<'T> () = Type.op_Equality (typeof<'T>, typeof<float>)

    /// Whether fused multiply-add is a hardware instruction (x86 FMA3, or Arm AdvSimd); without
    /// it the vector kernels would compute each fused operation in software.
    let inline private hasFma () = X86.Fma.IsSupported || Arm.AdvSimd.IsSupported

    /// 2 = Vector512 kernel, 1 = Vector<T> kernel (256 or 128 bits), 0 = plain loop.
    let inline private pathOf<'T> () =
        if not (isSingle<'T> () || isDouble<'T> ()) then 0
        elif Vector512.IsHardwareAccelerated then 2
        elif Vector.IsHardwareAccelerated && hasFma () then 1
        else 0

    let inline private fma512<'T when 'T :> IFloatingPointIeee754<'T> and 'T: unmanaged and 'T: (new: unit -> 'T) and 'T: struct and 'T :> ValueType>
        (x: Vector512<'T>) (y: Vector512<'T>) (acc: Vector512<'T>) : Vector512<'T> =
        if isSingle<'T> () then
            Vector512.FusedMultiplyAdd(Vector512.As<'T, float32> x, Vector512.As<'T, float32> y, Vector512.As<'T, float32> acc)
            |> Vector512.As<float32, 'T>
        else
            Vector512.FusedMultiplyAdd(Vector512.As<'T, float> x, Vector512.As<'T, float> y, Vector512.As<'T, float> acc)
            |> Vector512.As<float, 'T>

    let inline private fmaVec<'T when 'T :> IFloatingPointIeee754<'T> and 'T: unmanaged and 'T: (new: unit -> 'T) and 'T: struct and 'T :> ValueType>
        (x: Vector<'T>) (y: Vector<'T>) (acc: Vector<'T>) : Vector<'T> =
        if isSingle<'T> () then
            Vector.FusedMultiplyAdd(Vector.As<'T, float32> x, Vector.As<'T, float32> y, Vector.As<'T, float32> acc)
            |> Vector.As<float32, 'T>
        else
            Vector.FusedMultiplyAdd(Vector.As<'T, float> x, Vector.As<'T, float> y, Vector.As<'T, float> acc)
            |> Vector.As<float, 'T>

    /// Writes two vectors of a C row: overwrites, or adds to what is there.
    let inline private put512<'T when 'T :> IFloatingPointIeee754<'T> and 'T: unmanaged and 'T: (new: unit -> 'T) and 'T: struct and 'T :> ValueType>
        (accumulate: bool) (row: nativeptr<'T>) (v0: Vector512<'T>) (v1: Vector512<'T>) =
        let row1 = NativePtr.add row Vector512<'T>.Count
        if accumulate then
            Vector512.Store(Vector512.Add(Vector512.Load row, v0), row)
            Vector512.Store(Vector512.Add(Vector512.Load row1, v1), row1)
        else
            Vector512.Store(v0, row)
            Vector512.Store(v1, row1)

    let inline private loadVec<'T when 'T :> IFloatingPointIeee754<'T> and 'T: unmanaged and 'T: (new: unit -> 'T) and 'T: struct and 'T :> ValueType>
        (p: nativeptr<'T>) : Vector<'T> =
        NativePtr.read (NativePtr.ofNativeInt<Vector<'T>> (NativePtr.toNativeInt p))

    let inline private storeVec<'T when 'T :> IFloatingPointIeee754<'T> and 'T: unmanaged and 'T: (new: unit -> 'T) and 'T: struct and 'T :> ValueType>
        (v: Vector<'T>) (p: nativeptr<'T>) : unit =
        NativePtr.write (NativePtr.ofNativeInt<Vector<'T>> (NativePtr.toNativeInt p)) v

    let inline private putVec<'T when 'T :> IFloatingPointIeee754<'T> and 'T: unmanaged and 'T: (new: unit -> 'T) and 'T: struct and 'T :> ValueType>
        (accumulate: bool) (row: nativeptr<'T>) (v0: Vector<'T>) (v1: Vector<'T>) =
        let row1 = NativePtr.add row Vector<'T>.Count
        if accumulate then
            storeVec (loadVec row + v0) row
            storeVec (loadVec row1 + v1) row1
        else
            storeVec v0 row
            storeVec v1 row1

    // ------------------------------------------------------------------------------------
    // Micro-kernels. `pa` points at MR values of op(A) for the first depth and the next depth
    // is `lda` further (a packed panel: lda = MR; a transposed A read in place: lda = m); `pb`
    // likewise at NR = 2 vectors of op(B) (packed: ldb = NR; B read in place: ldb = n). The
    // MR×NR tile is summed in registers from zero over the kc depths in order, then written to
    // `c` (row stride ldc), or added to C when `accumulate`.

    /// 12 × (2 × Vector512) tile: 24 accumulators, 2 B vectors and 1 broadcast live in the
    /// 32 AVX-512 registers.
    let private kernel512<'T when 'T :> IFloatingPointIeee754<'T> and 'T: unmanaged and 'T: (new: unit -> 'T) and 'T: struct and 'T :> ValueType>
        (kc: int) (pa: nativeptr<'T>) (lda: int) (pb: nativeptr<'T>) (ldb: int) (c: nativeptr<'T>) (ldc: int) (accumulate: bool) : unit =
        optimizeNow ()
        let w = Vector512<'T>.Count
        let mutable a = pa
        let mutable b = pb
        let mutable c00 = Vector512<'T>.Zero
        let mutable c01 = Vector512<'T>.Zero
        let mutable c10 = Vector512<'T>.Zero
        let mutable c11 = Vector512<'T>.Zero
        let mutable c20 = Vector512<'T>.Zero
        let mutable c21 = Vector512<'T>.Zero
        let mutable c30 = Vector512<'T>.Zero
        let mutable c31 = Vector512<'T>.Zero
        let mutable c40 = Vector512<'T>.Zero
        let mutable c41 = Vector512<'T>.Zero
        let mutable c50 = Vector512<'T>.Zero
        let mutable c51 = Vector512<'T>.Zero
        let mutable c60 = Vector512<'T>.Zero
        let mutable c61 = Vector512<'T>.Zero
        let mutable c70 = Vector512<'T>.Zero
        let mutable c71 = Vector512<'T>.Zero
        let mutable c80 = Vector512<'T>.Zero
        let mutable c81 = Vector512<'T>.Zero
        let mutable c90 = Vector512<'T>.Zero
        let mutable c91 = Vector512<'T>.Zero
        let mutable cA0 = Vector512<'T>.Zero
        let mutable cA1 = Vector512<'T>.Zero
        let mutable cB0 = Vector512<'T>.Zero
        let mutable cB1 = Vector512<'T>.Zero
        let mutable p = 0
        while p < kc do
            let b0 = Vector512.Load b
            let b1 = Vector512.Load(NativePtr.add b w)
            let x0 = Vector512.Create(NativePtr.get a 0)
            c00 <- fma512 x0 b0 c00
            c01 <- fma512 x0 b1 c01
            let x1 = Vector512.Create(NativePtr.get a 1)
            c10 <- fma512 x1 b0 c10
            c11 <- fma512 x1 b1 c11
            let x2 = Vector512.Create(NativePtr.get a 2)
            c20 <- fma512 x2 b0 c20
            c21 <- fma512 x2 b1 c21
            let x3 = Vector512.Create(NativePtr.get a 3)
            c30 <- fma512 x3 b0 c30
            c31 <- fma512 x3 b1 c31
            let x4 = Vector512.Create(NativePtr.get a 4)
            c40 <- fma512 x4 b0 c40
            c41 <- fma512 x4 b1 c41
            let x5 = Vector512.Create(NativePtr.get a 5)
            c50 <- fma512 x5 b0 c50
            c51 <- fma512 x5 b1 c51
            let x6 = Vector512.Create(NativePtr.get a 6)
            c60 <- fma512 x6 b0 c60
            c61 <- fma512 x6 b1 c61
            let x7 = Vector512.Create(NativePtr.get a 7)
            c70 <- fma512 x7 b0 c70
            c71 <- fma512 x7 b1 c71
            let x8 = Vector512.Create(NativePtr.get a 8)
            c80 <- fma512 x8 b0 c80
            c81 <- fma512 x8 b1 c81
            let x9 = Vector512.Create(NativePtr.get a 9)
            c90 <- fma512 x9 b0 c90
            c91 <- fma512 x9 b1 c91
            let xA = Vector512.Create(NativePtr.get a 10)
            cA0 <- fma512 xA b0 cA0
            cA1 <- fma512 xA b1 cA1
            let xB = Vector512.Create(NativePtr.get a 11)
            cB0 <- fma512 xB b0 cB0
            cB1 <- fma512 xB b1 cB1
            a <- NativePtr.add a lda
            b <- NativePtr.add b ldb
            p <- p + 1
        put512 accumulate c c00 c01
        put512 accumulate (NativePtr.add c ldc) c10 c11
        put512 accumulate (NativePtr.add c (2 * ldc)) c20 c21
        put512 accumulate (NativePtr.add c (3 * ldc)) c30 c31
        put512 accumulate (NativePtr.add c (4 * ldc)) c40 c41
        put512 accumulate (NativePtr.add c (5 * ldc)) c50 c51
        put512 accumulate (NativePtr.add c (6 * ldc)) c60 c61
        put512 accumulate (NativePtr.add c (7 * ldc)) c70 c71
        put512 accumulate (NativePtr.add c (8 * ldc)) c80 c81
        put512 accumulate (NativePtr.add c (9 * ldc)) c90 c91
        put512 accumulate (NativePtr.add c (10 * ldc)) cA0 cA1
        put512 accumulate (NativePtr.add c (11 * ldc)) cB0 cB1

    /// 6 × (2 × Vector<T>) tile for machines without fast 512-bit vectors (AVX2, SSE, NEON):
    /// 12 accumulators fit in 16 vector registers.
    let private kernelVec<'T when 'T :> IFloatingPointIeee754<'T> and 'T: unmanaged and 'T: (new: unit -> 'T) and 'T: struct and 'T :> ValueType>
        (kc: int) (pa: nativeptr<'T>) (lda: int) (pb: nativeptr<'T>) (ldb: int) (c: nativeptr<'T>) (ldc: int) (accumulate: bool) : unit =
        optimizeNow ()
        let w = Vector<'T>.Count
        let mutable a = pa
        let mutable b = pb
        let mutable c00 = Vector<'T>.Zero
        let mutable c01 = Vector<'T>.Zero
        let mutable c10 = Vector<'T>.Zero
        let mutable c11 = Vector<'T>.Zero
        let mutable c20 = Vector<'T>.Zero
        let mutable c21 = Vector<'T>.Zero
        let mutable c30 = Vector<'T>.Zero
        let mutable c31 = Vector<'T>.Zero
        let mutable c40 = Vector<'T>.Zero
        let mutable c41 = Vector<'T>.Zero
        let mutable c50 = Vector<'T>.Zero
        let mutable c51 = Vector<'T>.Zero
        let mutable p = 0
        while p < kc do
            let b0 = loadVec b
            let b1 = loadVec (NativePtr.add b w)
            let x0 = Vector<'T>(NativePtr.get a 0)
            c00 <- fmaVec x0 b0 c00
            c01 <- fmaVec x0 b1 c01
            let x1 = Vector<'T>(NativePtr.get a 1)
            c10 <- fmaVec x1 b0 c10
            c11 <- fmaVec x1 b1 c11
            let x2 = Vector<'T>(NativePtr.get a 2)
            c20 <- fmaVec x2 b0 c20
            c21 <- fmaVec x2 b1 c21
            let x3 = Vector<'T>(NativePtr.get a 3)
            c30 <- fmaVec x3 b0 c30
            c31 <- fmaVec x3 b1 c31
            let x4 = Vector<'T>(NativePtr.get a 4)
            c40 <- fmaVec x4 b0 c40
            c41 <- fmaVec x4 b1 c41
            let x5 = Vector<'T>(NativePtr.get a 5)
            c50 <- fmaVec x5 b0 c50
            c51 <- fmaVec x5 b1 c51
            a <- NativePtr.add a lda
            b <- NativePtr.add b ldb
            p <- p + 1
        putVec accumulate c c00 c01
        putVec accumulate (NativePtr.add c ldc) c10 c11
        putVec accumulate (NativePtr.add c (2 * ldc)) c20 c21
        putVec accumulate (NativePtr.add c (3 * ldc)) c30 c31
        putVec accumulate (NativePtr.add c (4 * ldc)) c40 c41
        putVec accumulate (NativePtr.add c (5 * ldc)) c50 c51

    // ------------------------------------------------------------------------------------
    // Packing. An A panel holds rows [i0, i0+rows) of op(A) for depths [p0, p0+kc), stored
    // depth-major with MR values per depth (rows past `rows` are zero). A B panel holds
    // columns [j0, j0+cols) of op(B), depth-major with NR values per depth. One function per
    // layout keeps each small (the F# compiler would split a large one into pieces).

    /// A panel from a k×m array (transA): op(A)[i, p] = a[p*m + i], contiguous per depth.
    let private packAT<'T when 'T :> IFloatingPointIeee754<'T> and 'T: unmanaged and 'T: (new: unit -> 'T) and 'T: struct and 'T :> ValueType>
        (a: nativeptr<'T>) (m: int) (i0: int) (rows: int) (p0: int) (kc: int) (mr: int) (dst: nativeptr<'T>) : unit =
        optimizeNow ()
        let mutable src = NativePtr.add a (p0 * m + i0)
        let mutable d = dst
        for _ in 1 .. kc do
            for r in 0 .. rows - 1 do
                NativePtr.set d r (NativePtr.get src r)
            for r in rows .. mr - 1 do
                NativePtr.set d r 'T.Zero
            src <- NativePtr.add src m
            d <- NativePtr.add d mr

    /// A panel from an m×k array: op(A)[i, p] = a[i*k + p]; reads four rows at a time along
    /// the depth and writes them next to each other.
    let private packAN<'T when 'T :> IFloatingPointIeee754<'T> and 'T: unmanaged and 'T: (new: unit -> 'T) and 'T: struct and 'T :> ValueType>
        (a: nativeptr<'T>) (k: int) (i0: int) (rows: int) (p0: int) (kc: int) (mr: int) (dst: nativeptr<'T>) : unit =
        optimizeNow ()
        let mutable r = 0
        while r < mr do
            let n4 = min 4 (rows - r)
            let s0 = NativePtr.add a ((i0 + r) * k + p0)
            if n4 = 4 then
                let s1 = NativePtr.add s0 k
                let s2 = NativePtr.add s1 k
                let s3 = NativePtr.add s2 k
                let mutable d = NativePtr.add dst r
                for p in 0 .. kc - 1 do
                    NativePtr.set d 0 (NativePtr.get s0 p)
                    NativePtr.set d 1 (NativePtr.get s1 p)
                    NativePtr.set d 2 (NativePtr.get s2 p)
                    NativePtr.set d 3 (NativePtr.get s3 p)
                    d <- NativePtr.add d mr
            else
                for rr in 0 .. min 4 (mr - r) - 1 do
                    let mutable d = NativePtr.add dst (r + rr)
                    if rr < n4 then
                        let src = NativePtr.add s0 (rr * k)
                        for p in 0 .. kc - 1 do
                            NativePtr.write d (NativePtr.get src p)
                            d <- NativePtr.add d mr
                    else
                        for _ in 1 .. kc do
                            NativePtr.write d 'T.Zero
                            d <- NativePtr.add d mr
            r <- r + 4

    /// B panel from an n×k array (transB): op(B)[p, j] = b[j*k + p]; reads four columns of
    /// op(B) at a time along the depth.
    let private packBT<'T when 'T :> IFloatingPointIeee754<'T> and 'T: unmanaged and 'T: (new: unit -> 'T) and 'T: struct and 'T :> ValueType>
        (b: nativeptr<'T>) (k: int) (j0: int) (cols: int) (p0: int) (kc: int) (nr: int) (dst: nativeptr<'T>) : unit =
        // Same access pattern as packAN with the roles of rows and columns exchanged.
        packAN b k j0 cols p0 kc nr dst

    /// B panel from a k×n array: op(B)[p, j] = b[p*n + j], contiguous per depth.
    let private packBN<'T when 'T :> IFloatingPointIeee754<'T> and 'T: unmanaged and 'T: (new: unit -> 'T) and 'T: struct and 'T :> ValueType>
        (b: nativeptr<'T>) (n: int) (j0: int) (cols: int) (p0: int) (kc: int) (nr: int) (dst: nativeptr<'T>) : unit =
        optimizeNow ()
        let mutable src = NativePtr.add b (p0 * n + j0)
        let mutable d = dst
        let w = Vector<'T>.Count
        let vectorEnd = if Vector.IsHardwareAccelerated then cols / w * w else 0
        for _ in 1 .. kc do
            let mutable x = 0
            while x < vectorEnd do
                storeVec (loadVec (NativePtr.add src x)) (NativePtr.add d x)
                x <- x + w
            for col in vectorEnd .. cols - 1 do
                NativePtr.set d col (NativePtr.get src col)
            for col in cols .. nr - 1 do
                NativePtr.set d col 'T.Zero
            src <- NativePtr.add src n
            d <- NativePtr.add d nr

    // ------------------------------------------------------------------------------------
    // Direct loop: tiny products, element types other than float32/float, no vector hardware.

    let private direct<'T when 'T :> IFloatingPointIeee754<'T> and 'T: unmanaged and 'T: (new: unit -> 'T) and 'T: struct and 'T :> ValueType>
        (transA: bool) (transB: bool) (m: int) (n: int) (k: int) (a: 'T[]) (b: 'T[]) (c: 'T[]) : unit =
        optimizeNow ()
        for i in 0 .. m - 1 do
            for j in 0 .. n - 1 do
                let mutable s = 'T.Zero
                for p in 0 .. k - 1 do
                    let av = if transA then a.[p * m + i] else a.[i * k + p]
                    let bv = if transB then b.[j * k + p] else b.[p * n + j]
                    s <- s + av * bv
                c.[i * n + j] <- s

    // ------------------------------------------------------------------------------------
    // Blocked path.

    /// Start of depth block q when k is cut into nq nearly equal blocks (depends on k only).
    let inline private depthStart (k: int) (nq: int) (q: int) = int (int64 q * int64 k / int64 nq)

    /// Rounds `x` up to a multiple of `unit`.
    let inline private roundUp (x: int) (unit: int) = (x + unit - 1) / unit * unit

    /// A pointer aligned up to 64 bytes.
    let inline private align64<'T when 'T: unmanaged> (p: nativeptr<'T>) : nativeptr<'T> =
        NativePtr.ofNativeInt<'T> ((NativePtr.toNativeInt p + 63n) &&& ~~~63n)

    /// One super-block of C (rows [RowBase, RowBase+Rows) × columns [ColBase, ColBase+Cols))
    /// shared by the threads that work on it. Work items, handed out by `Counter`: first the
    /// packing of each A panel (Mtl of them) and each B panel (Ntl), all depth blocks; then
    /// RowGroups × ColGroups blocks of C tiles. `Ready` flags the packed panels. With
    /// `DirectA` (A transposed) or `DirectB` (B not transposed) the full panels are read in
    /// place and only the partial edge panel is packed.
    [<NoEquality; NoComparison>]
    type private Job =
        { Path: int; Mr: int; Nr: int; DirectA: bool; DirectB: bool
          TransA: bool; TransB: bool; M: int; N: int; K: int; Nq: int; SubPanels: int
          A: nativeint; B: nativeint; C: nativeint; Ap: nativeint; Bp: nativeint
          RowBase: int; Rows: int; ColBase: int; Cols: int; Mtl: int; Ntl: int
          RowGroups: int; ColGroups: int
          Ready: int[]; Counter: int[]; Failed: int[]
          /// Number of helpers inside the job, plus `Closed` once the caller has finished.
          State: int[]
          /// The first exception raised by a helper.
          Error: exn[] }

    /// Bit of `Job.State` set when the caller closes the job: late helpers then leave at once.
    [<Literal>]
    let private Closed = 0x40000000

    /// Packs A panel `ir` of the job for every depth block (nothing to do for a full panel
    /// that is read in place).
    let private packAPanel<'T when 'T :> IFloatingPointIeee754<'T> and 'T: unmanaged and 'T: (new: unit -> 'T) and 'T: struct and 'T :> ValueType>
        (job: Job) (ir: int) =
        let a = NativePtr.ofNativeInt<'T> job.A
        let ap = NativePtr.ofNativeInt<'T> job.Ap
        let mr = job.Mr
        let i0 = job.RowBase + ir * mr
        let rows = min mr (job.Rows - ir * mr)
        if not (job.DirectA && rows = mr) then
            for q in 0 .. job.Nq - 1 do
                let p0 = depthStart job.K job.Nq q
                let kq = depthStart job.K job.Nq (q + 1) - p0
                let dst = NativePtr.add ap (p0 * job.Mtl * mr + ir * kq * mr)
                if job.TransA then packAT a job.M i0 rows p0 kq mr dst
                else packAN a job.K i0 rows p0 kq mr dst

    /// Packs B panel `jr` of the job for every depth block (nothing to do for a full panel
    /// that is read in place).
    let private packBPanel<'T when 'T :> IFloatingPointIeee754<'T> and 'T: unmanaged and 'T: (new: unit -> 'T) and 'T: struct and 'T :> ValueType>
        (job: Job) (jr: int) =
        let b = NativePtr.ofNativeInt<'T> job.B
        let bp = NativePtr.ofNativeInt<'T> job.Bp
        let nr = job.Nr
        let j0 = job.ColBase + jr * nr
        let cols = min nr (job.Cols - jr * nr)
        if not (job.DirectB && cols = nr) then
            for q in 0 .. job.Nq - 1 do
                let p0 = depthStart job.K job.Nq q
                let kq = depthStart job.K job.Nq (q + 1) - p0
                let dst = NativePtr.add bp (p0 * job.Ntl * nr + jr * kq * nr)
                if job.TransB then packBT b job.K j0 cols p0 kq nr dst
                else packBN b job.N j0 cols p0 kq nr dst

    /// Waits until a panel is packed (by a worker that is running: all packing items are
    /// handed out before any block of C, so this cannot wait forever unless a worker failed).
    let private waitReady (job: Job) (index: int) =
        if Volatile.Read(&job.Ready.[index]) = 0 then
            let mutable spin = SpinWait()
            while Volatile.Read(&job.Ready.[index]) = 0 do
                if Volatile.Read(&job.Failed.[0]) <> 0 then
                    raise (OperationCanceledException "Gemm.multiply: another worker failed")
                spin.SpinOnce(-1)

    /// Computes C tiles rows [ra, rb) × columns [ca, cb) (in tiles) of the job: for each
    /// depth block, sweep the B panels of an L2-sized column range with each A panel.
    let private computeBlock<'T when 'T :> IFloatingPointIeee754<'T> and 'T: unmanaged and 'T: (new: unit -> 'T) and 'T: struct and 'T :> ValueType>
        (job: Job) (ra: int) (rb: int) (ca: int) (cb: int) : unit =
        let mr = job.Mr
        let nr = job.Nr
        let n = job.N
        let pad = 64 / sizeof<'T>
        // The tile buffer for partial edge tiles (the stackalloc also makes the JIT optimise
        // this method fully at once; see optimizeNow).
        let tile = align64 (NativePtr.stackalloc<'T> (mr * nr + pad))
        let a = NativePtr.ofNativeInt<'T> job.A
        let b = NativePtr.ofNativeInt<'T> job.B
        let c = NativePtr.ofNativeInt<'T> job.C
        let ap = NativePtr.ofNativeInt<'T> job.Ap
        let bp = NativePtr.ofNativeInt<'T> job.Bp
        for q in 0 .. job.Nq - 1 do
            let p0 = depthStart job.K job.Nq q
            let kq = depthStart job.K job.Nq (q + 1) - p0
            let accumulate = q > 0
            let aBlock = NativePtr.add ap (p0 * job.Mtl * mr)
            let bBlock = NativePtr.add bp (p0 * job.Ntl * nr)
            let mutable cs = ca
            while cs < cb do
                let ce = min cb (cs + job.SubPanels)
                for ir in ra .. rb - 1 do
                    let rowsValid = min mr (job.Rows - ir * mr)
                    let i0 = job.RowBase + ir * mr
                    // A transposed (k×m) holds MR contiguous values per depth: read in place.
                    let inPlaceA = job.DirectA && rowsValid = mr
                    let aPanel = if inPlaceA then NativePtr.add a (p0 * job.M + i0) else NativePtr.add aBlock (ir * kq * mr)
                    let lda = if inPlaceA then job.M else mr
                    let cRow = NativePtr.add c (i0 * n + job.ColBase)
                    for jr in cs .. ce - 1 do
                        let colsValid = min nr (job.Cols - jr * nr)
                        // B (k×n) holds NR contiguous values per depth: read in place.
                        let inPlaceB = job.DirectB && colsValid = nr
                        let bPanel =
                            if inPlaceB then NativePtr.add b (p0 * n + job.ColBase + jr * nr)
                            else NativePtr.add bBlock (jr * kq * nr)
                        let ldb = if inPlaceB then n else nr
                        let cTile = NativePtr.add cRow (jr * nr)
                        let full = rowsValid = mr && colsValid = nr
                        let target = if full then cTile else tile
                        let ldc = if full then n else nr
                        if job.Path = 2 then kernel512 kq aPanel lda bPanel ldb target ldc (accumulate && full)
                        else kernelVec kq aPanel lda bPanel ldb target ldc (accumulate && full)
                        if not full then
                            // Same sums as a full tile; only the valid part reaches C.
                            for r in 0 .. rowsValid - 1 do
                                let src = NativePtr.add tile (r * nr)
                                let dst = NativePtr.add cTile (r * n)
                                if accumulate then
                                    for x in 0 .. colsValid - 1 do
                                        NativePtr.set dst x ('T.op_Addition(NativePtr.get dst x, NativePtr.get src x))
                                else
                                    for x in 0 .. colsValid - 1 do
                                        NativePtr.set dst x (NativePtr.get src x)
                cs <- ce

    /// Takes work items of the job until none is left.
    let private work<'T when 'T :> IFloatingPointIeee754<'T> and 'T: unmanaged and 'T: (new: unit -> 'T) and 'T: struct and 'T :> ValueType>
        (job: Job) : unit =
        let packItems = job.Mtl + job.Ntl
        let items = packItems + job.RowGroups * job.ColGroups
        let mutable item = Interlocked.Increment(&job.Counter.[0]) - 1
        while item < items do
            if item < job.Mtl then
                packAPanel<'T> job item
                Volatile.Write(&job.Ready.[item], 1)
            elif item < packItems then
                packBPanel<'T> job (item - job.Mtl)
                Volatile.Write(&job.Ready.[item], 1)
            else
                let g = (item - packItems) / job.ColGroups
                let h = (item - packItems) % job.ColGroups
                let ra = g * job.Mtl / job.RowGroups
                let rb = (g + 1) * job.Mtl / job.RowGroups
                let ca = h * job.Ntl / job.ColGroups
                let cb = (h + 1) * job.Ntl / job.ColGroups
                for ir in ra .. rb - 1 do waitReady job ir
                for jr in ca .. cb - 1 do waitReady job (job.Mtl + jr)
                computeBlock<'T> job ra rb ca cb
            item <- Interlocked.Increment(&job.Counter.[0]) - 1

    /// `work` on the calling thread, flagging a failure so that helpers stop waiting for it.
    let private worker<'T when 'T :> IFloatingPointIeee754<'T> and 'T: unmanaged and 'T: (new: unit -> 'T) and 'T: struct and 'T :> ValueType>
        (job: Job) : unit =
        try
            work<'T> job
        with _ ->
            Volatile.Write(&job.Failed.[0], 1)
            reraise ()

    /// A pool thread's share: joins the job unless the caller has already closed it (then the
    /// job's memory may be gone and nothing is touched), works, and leaves.
    let private helper<'T when 'T :> IFloatingPointIeee754<'T> and 'T: unmanaged and 'T: (new: unit -> 'T) and 'T: struct and 'T :> ValueType>
        (job: Job) : unit =
        let mutable joined = false
        let mutable deciding = true
        while deciding do
            let state = Volatile.Read(&job.State.[0])
            if state &&& Closed <> 0 then deciding <- false
            elif Interlocked.CompareExchange(&job.State.[0], state + 1, state) = state then
                joined <- true
                deciding <- false
        if joined then
            try
                try
                    work<'T> job
                with error ->
                    Volatile.Write(&job.Failed.[0], 1)
                    Interlocked.CompareExchange(&job.Error.[0], error, Unchecked.defaultof<exn>) |> ignore
            finally
                Interlocked.Decrement(&job.State.[0]) |> ignore

    /// Closes the job to helpers that have not joined yet and waits for those inside it.
    let private closeAndWait (job: Job) : unit =
        Interlocked.Or(&job.State.[0], Closed) |> ignore
        if Volatile.Read(&job.State.[0]) <> Closed then
            let mutable spin = SpinWait()
            while Volatile.Read(&job.State.[0]) <> Closed do
                spin.SpinOnce(-1)

    let private blocked<'T when 'T :> IFloatingPointIeee754<'T> and 'T: unmanaged and 'T: (new: unit -> 'T) and 'T: struct and 'T :> ValueType>
        (path: int) (threads: int) (transA: bool) (transB: bool) (m: int) (n: int) (k: int) (a: 'T[]) (b: 'T[]) (c: 'T[]) : unit =
        let size = sizeof<'T>
        let mr = if path = 2 then 12 else 6
        let nr = if path = 2 then 2 * Vector512<'T>.Count else 2 * Vector<'T>.Count
        // Depth blocks (the same for any thread count, so every sum has the same order).
        let kcMax = if size = 4 then 512 else 256
        let nq = (k + kcMax - 1) / kcMax
        let kcb = (k + nq - 1) / nq
        // Column range whose packed B block (kcb × columns) stays in L2.
        let subPanels = max 1 (L2Block / (kcb * size * nr))
        // Super-blocks of C bound the packed copies.
        let rowsPer = min (roundUp m mr) (max mr (PackLimit / k / mr * mr))
        let colsPer = min (roundUp n nr) (max nr (PackLimit / k / nr * nr))
        let pad = 64 / size
        let apArr = ArrayPool<'T>.Shared.Rent(rowsPer * k + pad)
        let bpArr = ArrayPool<'T>.Shared.Rent(colsPer * k + pad)
        // More workers than blocks of C would idle; the cap also keeps `8 * threads` in range.
        let threads = if int64 m * int64 n * int64 k * int64 size < ParallelWork then 1 else min threads 1024
        try
            use pA = fixed a
            use pB = fixed b
            use pC = fixed c
            use pAp = fixed apArr
            use pBp = fixed bpArr
            let mutable r0 = 0
            while r0 < m do
                let rows = min rowsPer (m - r0)
                let mutable c0 = 0
                while c0 < n do
                    let cols = min colsPer (n - c0)
                    let mtl = (rows + mr - 1) / mr
                    let ntl = (cols + nr - 1) / nr
                    // Blocks of C for dynamic balancing: eight per thread cut evenly in rows;
                    // with fewer tile rows than that, the columns are cut too, into about
                    // sixteen blocks per thread (down to single tiles).
                    let rowGroups = if threads = 1 then 1 else min mtl (8 * threads)
                    let colGroups =
                        if threads = 1 || rowGroups >= 8 * threads then 1
                        else min ntl ((16 * threads + rowGroups - 1) / rowGroups)
                    // Packing pays for its copy through reuse: each A panel serves Ntl tiles per
                    // depth block, each B panel Mtl. With little reuse (the small dimension of
                    // an MLP product) panels that are already contiguous per depth are read in
                    // place, which also spares two threads from passing packed copies around.
                    let directA = transA && ntl <= DirectReuse
                    let directB = not transB && mtl <= DirectReuse
                    let job =
                        { Path = path; Mr = mr; Nr = nr; DirectA = directA; DirectB = directB
                          TransA = transA; TransB = transB; M = m; N = n; K = k; Nq = nq; SubPanels = subPanels
                          A = NativePtr.toNativeInt pA; B = NativePtr.toNativeInt pB; C = NativePtr.toNativeInt pC
                          Ap = NativePtr.toNativeInt (align64 pAp); Bp = NativePtr.toNativeInt (align64 pBp)
                          RowBase = r0; Rows = rows; ColBase = c0; Cols = cols; Mtl = mtl; Ntl = ntl
                          RowGroups = rowGroups; ColGroups = colGroups
                          Ready = Array.zeroCreate (mtl + ntl); Counter = [| 0 |]; Failed = [| 0 |]
                          State = [| 0 |]; Error = Array.zeroCreate 1 }
                    let workers = min threads (rowGroups * colGroups)
                    if workers <= 1 then
                        worker<'T> job
                    else
                        // Helpers join whenever the pool starts them; the caller works meanwhile,
                        // so a helper that starts late finds fewer items or a closed job. The
                        // joined ones are finished before the arrays are unpinned, even on failure.
                        for _ in 2 .. workers do
                            ThreadPool.UnsafeQueueUserWorkItem(helper<'T>, job, false) |> ignore
                        try
                            worker<'T> job
                        finally
                            closeAndWait job
                        let error = job.Error.[0]
                        if not (isNull (box error)) then
                            raise (AggregateException("Gemm.multiply: a worker thread failed", error))
                    c0 <- c0 + cols
                r0 <- r0 + rows
        finally
            ArrayPool<'T>.Shared.Return apArr
            ArrayPool<'T>.Shared.Return bpArr

    // ------------------------------------------------------------------------------------
    // Dot products: C = A·Bᵀ for few rows and columns and a long depth.

    /// C (m×n) = A (m×k) · B (n×k)ᵀ, both row-major, so that every element of C is the dot
    /// product of two contiguous rows: no packing, which for a long depth and a small C (a
    /// convolution's weight gradient, 25×16 over thousands of pixels) costs more than the
    /// multiply. Blocks of 4 rows of A by 4 rows of B keep 16 vector accumulators; a block at
    /// the edge repeats its last valid row and drops the extra results. Sums run in vector
    /// lanes over the depth, then across lanes, then the scalar tail: the order depends only
    /// on the shapes. Single-threaded; Vector512 only (the caller falls back otherwise).
    let private dotBlock512<'T when 'T :> IFloatingPointIeee754<'T> and 'T: unmanaged and 'T: (new: unit -> 'T) and 'T: struct and 'T :> ValueType>
        (kv: int) (a0: nativeptr<'T>) (a1: nativeptr<'T>) (a2: nativeptr<'T>) (a3: nativeptr<'T>)
        (b0: nativeptr<'T>) (b1: nativeptr<'T>) (b2: nativeptr<'T>) (b3: nativeptr<'T>) (sums: nativeptr<'T>) : unit =
        // A small method of its own, like the blocked kernels, so the JIT keeps the 16
        // accumulators in registers (inlined into the loops below, it spilled them every step).
        optimizeNow ()
        let w = Vector512<'T>.Count
        let mutable c00 = Vector512<'T>.Zero
        let mutable c01 = Vector512<'T>.Zero
        let mutable c02 = Vector512<'T>.Zero
        let mutable c03 = Vector512<'T>.Zero
        let mutable c10 = Vector512<'T>.Zero
        let mutable c11 = Vector512<'T>.Zero
        let mutable c12 = Vector512<'T>.Zero
        let mutable c13 = Vector512<'T>.Zero
        let mutable c20 = Vector512<'T>.Zero
        let mutable c21 = Vector512<'T>.Zero
        let mutable c22 = Vector512<'T>.Zero
        let mutable c23 = Vector512<'T>.Zero
        let mutable c30 = Vector512<'T>.Zero
        let mutable c31 = Vector512<'T>.Zero
        let mutable c32 = Vector512<'T>.Zero
        let mutable c33 = Vector512<'T>.Zero
        let mutable p = 0
        while p < kv do
            let y0 = Vector512.Load(NativePtr.add b0 p)
            let y1 = Vector512.Load(NativePtr.add b1 p)
            let y2 = Vector512.Load(NativePtr.add b2 p)
            let y3 = Vector512.Load(NativePtr.add b3 p)
            let x0 = Vector512.Load(NativePtr.add a0 p)
            c00 <- fma512 x0 y0 c00
            c01 <- fma512 x0 y1 c01
            c02 <- fma512 x0 y2 c02
            c03 <- fma512 x0 y3 c03
            let x1 = Vector512.Load(NativePtr.add a1 p)
            c10 <- fma512 x1 y0 c10
            c11 <- fma512 x1 y1 c11
            c12 <- fma512 x1 y2 c12
            c13 <- fma512 x1 y3 c13
            let x2 = Vector512.Load(NativePtr.add a2 p)
            c20 <- fma512 x2 y0 c20
            c21 <- fma512 x2 y1 c21
            c22 <- fma512 x2 y2 c22
            c23 <- fma512 x2 y3 c23
            let x3 = Vector512.Load(NativePtr.add a3 p)
            c30 <- fma512 x3 y0 c30
            c31 <- fma512 x3 y1 c31
            c32 <- fma512 x3 y2 c32
            c33 <- fma512 x3 y3 c33
            p <- p + w
        NativePtr.set sums 0 (Vector512.Sum c00)
        NativePtr.set sums 1 (Vector512.Sum c01)
        NativePtr.set sums 2 (Vector512.Sum c02)
        NativePtr.set sums 3 (Vector512.Sum c03)
        NativePtr.set sums 4 (Vector512.Sum c10)
        NativePtr.set sums 5 (Vector512.Sum c11)
        NativePtr.set sums 6 (Vector512.Sum c12)
        NativePtr.set sums 7 (Vector512.Sum c13)
        NativePtr.set sums 8 (Vector512.Sum c20)
        NativePtr.set sums 9 (Vector512.Sum c21)
        NativePtr.set sums 10 (Vector512.Sum c22)
        NativePtr.set sums 11 (Vector512.Sum c23)
        NativePtr.set sums 12 (Vector512.Sum c30)
        NativePtr.set sums 13 (Vector512.Sum c31)
        NativePtr.set sums 14 (Vector512.Sum c32)
        NativePtr.set sums 15 (Vector512.Sum c33)

    /// C (m×n) = A (m×k) · B (n×k)ᵀ, both row-major, so that every element of C is the dot
    /// product of two contiguous rows: no packing, which for a long depth and a small C (a
    /// convolution's weight gradient, 25×16 over thousands of pixels) costs more than the
    /// multiply. Blocks of 4 rows of A by 4 rows of B keep 16 vector accumulators; a block at
    /// the edge repeats its last valid row and drops the extra results. Sums run in vector
    /// lanes over the depth, then across lanes, then the scalar tail: the order depends only
    /// on the shapes. Single-threaded; Vector512 only (the caller falls back otherwise).
    let private dots512<'T when 'T :> IFloatingPointIeee754<'T> and 'T: unmanaged and 'T: (new: unit -> 'T) and 'T: struct and 'T :> ValueType>
        (m: int) (n: int) (k: int) (a: 'T[]) (b: 'T[]) (c: 'T[]) : unit =
        let w = Vector512<'T>.Count
        let kv = k / w * w
        let sums = NativePtr.stackalloc<'T> 16
        use pa = fixed a
        use pb = fixed b
        let mutable i0 = 0
        while i0 < m do
            let mutable j0 = 0
            while j0 < n do
                let a0 = NativePtr.add pa (i0 * k)
                let a1 = NativePtr.add pa (min (i0 + 1) (m - 1) * k)
                let a2 = NativePtr.add pa (min (i0 + 2) (m - 1) * k)
                let a3 = NativePtr.add pa (min (i0 + 3) (m - 1) * k)
                let b0 = NativePtr.add pb (j0 * k)
                let b1 = NativePtr.add pb (min (j0 + 1) (n - 1) * k)
                let b2 = NativePtr.add pb (min (j0 + 2) (n - 1) * k)
                let b3 = NativePtr.add pb (min (j0 + 3) (n - 1) * k)
                dotBlock512 kv a0 a1 a2 a3 b0 b1 b2 b3 sums
                for r in 0 .. min 3 (m - i0 - 1) do
                    let ar = NativePtr.add pa ((i0 + r) * k)
                    for q in 0 .. min 3 (n - j0 - 1) do
                        let bq = NativePtr.add pb ((j0 + q) * k)
                        let mutable s = NativePtr.get sums (r * 4 + q)
                        for t in kv .. k - 1 do
                            s <- 'T.FusedMultiplyAdd(NativePtr.get ar t, NativePtr.get bq t, s)
                        c.[(i0 + r) * n + j0 + q] <- s
                j0 <- j0 + 4
            i0 <- i0 + 4

    /// Up to 16 rows of C = A·B over one 16-wide (float32; 8 for float64) column block:
    /// `a` is A (m×k, row-major, m ≤ 16), `b` points at B's block in its first row (row
    /// stride ldb), `c` at C's block (row stride ldc). Rows past m repeat row m − 1 and are
    /// not stored. A small method of its own so the accumulators stay in registers.
    let private smallMBlock512<'T when 'T :> IFloatingPointIeee754<'T> and 'T: unmanaged and 'T: (new: unit -> 'T) and 'T: struct and 'T :> ValueType>
        (m: int) (k: int) (a: nativeptr<'T>) (b: nativeptr<'T>) (ldb: int) (c: nativeptr<'T>) (ldc: int) : unit =
        optimizeNow ()
        let row (r: int) = NativePtr.add a (min r (m - 1) * k)
        let a0, a1, a2, a3 = row 0, row 1, row 2, row 3
        let a4, a5, a6, a7 = row 4, row 5, row 6, row 7
        let a8, a9, aA, aB = row 8, row 9, row 10, row 11
        let aC, aD, aE, aF = row 12, row 13, row 14, row 15
        let mutable c0 = Vector512<'T>.Zero
        let mutable c1 = Vector512<'T>.Zero
        let mutable c2 = Vector512<'T>.Zero
        let mutable c3 = Vector512<'T>.Zero
        let mutable c4 = Vector512<'T>.Zero
        let mutable c5 = Vector512<'T>.Zero
        let mutable c6 = Vector512<'T>.Zero
        let mutable c7 = Vector512<'T>.Zero
        let mutable c8 = Vector512<'T>.Zero
        let mutable c9 = Vector512<'T>.Zero
        let mutable cA = Vector512<'T>.Zero
        let mutable cB = Vector512<'T>.Zero
        let mutable cC = Vector512<'T>.Zero
        let mutable cD = Vector512<'T>.Zero
        let mutable cE = Vector512<'T>.Zero
        let mutable cF = Vector512<'T>.Zero
        let mutable bp = b
        for p in 0 .. k - 1 do
            let y = Vector512.Load bp
            c0 <- fma512 (Vector512.Create(NativePtr.get a0 p)) y c0
            c1 <- fma512 (Vector512.Create(NativePtr.get a1 p)) y c1
            c2 <- fma512 (Vector512.Create(NativePtr.get a2 p)) y c2
            c3 <- fma512 (Vector512.Create(NativePtr.get a3 p)) y c3
            c4 <- fma512 (Vector512.Create(NativePtr.get a4 p)) y c4
            c5 <- fma512 (Vector512.Create(NativePtr.get a5 p)) y c5
            c6 <- fma512 (Vector512.Create(NativePtr.get a6 p)) y c6
            c7 <- fma512 (Vector512.Create(NativePtr.get a7 p)) y c7
            c8 <- fma512 (Vector512.Create(NativePtr.get a8 p)) y c8
            c9 <- fma512 (Vector512.Create(NativePtr.get a9 p)) y c9
            cA <- fma512 (Vector512.Create(NativePtr.get aA p)) y cA
            cB <- fma512 (Vector512.Create(NativePtr.get aB p)) y cB
            cC <- fma512 (Vector512.Create(NativePtr.get aC p)) y cC
            cD <- fma512 (Vector512.Create(NativePtr.get aD p)) y cD
            cE <- fma512 (Vector512.Create(NativePtr.get aE p)) y cE
            cF <- fma512 (Vector512.Create(NativePtr.get aF p)) y cF
            bp <- NativePtr.add bp ldb
        let put (r: int) (v: Vector512<'T>) = if r < m then Vector512.Store(v, NativePtr.add c (r * ldc))
        put 0 c0; put 1 c1; put 2 c2; put 3 c3; put 4 c4; put 5 c5; put 6 c6; put 7 c7
        put 8 c8; put 9 c9; put 10 cA; put 11 cB; put 12 cC; put 13 cD; put 14 cE; put 15 cF

    /// C (m×n) = A (m×k) · B (k×n) for row-major arrays and at most 16 rows (a convolution's
    /// output channels over its patch columns): all rows of a column block are summed in
    /// registers over the whole depth, B is read in place and A is broadcast, with no packing
    /// (the blocked product wastes a third of its 12-row tiles on 16 rows and packs for a
    /// depth of 25). Columns past the last full vector use a scalar loop. Single-threaded;
    /// the blocked product on one thread for more rows or without 512-bit vectors. Each
    /// element is summed over the depth in order, so the result depends only on the shapes.
    let internal multiplySmallM<'T when 'T :> IFloatingPointIeee754<'T> and 'T: unmanaged and 'T: (new: unit -> 'T) and 'T: struct and 'T :> ValueType>
        (m: int) (n: int) (k: int) (a: 'T[]) (b: 'T[]) (c: 'T[]) : unit =
        if k < 0 || m < 0 || n < 0 || a.Length < m * k || b.Length < k * n || c.Length < m * n then
            raise (ShapeMismatchException("Gemm.multiplySmallM", sprintf "A %dx%d, B %dx%d, C %dx%d" m k k n m n, sprintf "arrays of %d, %d and %d elements" a.Length b.Length c.Length))
        if m = 0 || n = 0 then ()
        elif k = 0 then Array.Fill(c, 'T.Zero, 0, m * n)
        elif m > 16 || pathOf<'T> () <> 2 then
            if pathOf<'T> () = 0 then direct false false m n k a b c else blocked (pathOf<'T> ()) 1 false false m n k a b c
        else
            let w = Vector512<'T>.Count
            let full = n / w * w
            use pa = fixed a
            use pb = fixed b
            use pc = fixed c
            let mutable j = 0
            while j < full do
                smallMBlock512 m k pa (NativePtr.add pb j) n (NativePtr.add pc j) n
                j <- j + w
            for i in 0 .. m - 1 do
                for jj in full .. n - 1 do
                    let mutable s = 'T.Zero
                    for p in 0 .. k - 1 do
                        s <- 'T.FusedMultiplyAdd(a.[i * k + p], b.[p * n + jj], s)
                    c.[i * n + jj] <- s

    /// C (m×n) = A (m×k) · B (n×k)ᵀ for row-major arrays, without packing (see `dots512`);
    /// the blocked product on one thread where 512-bit vectors are not accelerated. Size
    /// checks as `multiply` (C overwritten, not aliasing A or B).
    let internal multiplyDots<'T when 'T :> IFloatingPointIeee754<'T> and 'T: unmanaged and 'T: (new: unit -> 'T) and 'T: struct and 'T :> ValueType>
        (m: int) (n: int) (k: int) (a: 'T[]) (b: 'T[]) (c: 'T[]) : unit =
        if k < 0 || m < 0 || n < 0 || a.Length < m * k || b.Length < n * k || c.Length < m * n then
            raise (ShapeMismatchException("Gemm.multiplyDots", sprintf "A %dx%d, B %dx%d, C %dx%d" m k n k m n, sprintf "arrays of %d, %d and %d elements" a.Length b.Length c.Length))
        if m = 0 || n = 0 then ()
        elif k = 0 then Array.Fill(c, 'T.Zero, 0, m * n)
        elif pathOf<'T> () = 2 then dots512 m n k a b c
        elif pathOf<'T> () = 1 then blocked 1 1 false true m n k a b c
        else direct false true m n k a b c

    // ------------------------------------------------------------------------------------
    // Public API.

    let private check<'T> (threads: int) (transA: bool) (transB: bool) (m: int) (n: int) (k: int) (a: 'T[]) (b: 'T[]) (c: 'T[]) =
        if threads < 1 then
            raise (InvalidValueException(OpName, "at least 1 thread", sprintf "threads = %d" threads))
        if m < 0 || n < 0 || k < 0 then
            raise (InvalidValueException(OpName, "non-negative sizes m, n, k", sprintf "m = %d, n = %d, k = %d" m n k))
        if isNull (box a) then nullArg "a"
        if isNull (box b) then nullArg "b"
        if isNull (box c) then nullArg "c"
        let need (name: string) (rows: int) (cols: int) (arr: 'T[]) =
            let count = int64 rows * int64 cols
            if int64 arr.Length < count then
                raise (ShapeMismatchException(OpName, sprintf "%s with at least %d elements (%dx%d)" name count rows cols, sprintf "%s with %d elements" name arr.Length))
        if transA then need "A" k m a else need "A" m k a
        if transB then need "B" n k b else need "B" k n b
        need "C" m n c
        if m > 0 && n > 0 && (obj.ReferenceEquals(c, a) || obj.ReferenceEquals(c, b)) then
            raise (InvalidValueException(OpName, "C distinct from A and B", "C is the same array as an input"))

    /// C (m×n) = op(A)·op(B); A is m×k (k×m when transA), B is k×n (n×k when transB).
    /// Row-major arrays, each at least as long as its shape needs; the first m·n elements of C
    /// are overwritten (k = 0 gives zeros) and C must not be A or B. Uses at most `threads`
    /// threads; the result is bit-identical whatever the thread count (it depends only on the
    /// shapes, the data and the machine's vector width). float32 and float use the blocked
    /// vector kernel (products of at most 256 multiply-adds, and other element types such as
    /// Half, use a plain loop). Raises `InvalidValueException` naming `Gemm.multiply` for a
    /// negative size or threads < 1 and `ShapeMismatchException` for an array that is too short.
    let multiplyWithThreads<'T when 'T :> IFloatingPointIeee754<'T> and 'T: unmanaged and 'T: (new: unit -> 'T) and 'T: struct and 'T :> ValueType>
        (threads: int) (transA: bool) (transB: bool) (m: int) (n: int) (k: int) (a: 'T[]) (b: 'T[]) (c: 'T[]) : unit =
        check threads transA transB m n k a b c
        if m = 0 || n = 0 then ()
        elif k = 0 then Array.Fill(c, 'T.Zero, 0, m * n)
        else
            let path = pathOf<'T> ()
            if path = 0 || int64 m * int64 n * int64 k <= TinyWork then
                direct transA transB m n k a b c
            else
                blocked path threads transA transB m n k a b c

    /// C (m×n) = op(A)·op(B) on all cores; see `multiplyWithThreads`.
    let multiply<'T when 'T :> IFloatingPointIeee754<'T> and 'T: unmanaged and 'T: (new: unit -> 'T) and 'T: struct and 'T :> ValueType>
        (transA: bool) (transB: bool) (m: int) (n: int) (k: int) (a: 'T[]) (b: 'T[]) (c: 'T[]) : unit =
        multiplyWithThreads Environment.ProcessorCount transA transB m n k a b c

    /// Names the kernel this machine runs, for benchmark and log headers, e.g.
    /// "blocked Vector512 FMA, 12x32 float32 / 12x16 float64 tiles, 2 threads".
    let describe () : string =
        let tiles (mr: int) (wS: int) (wD: int) = sprintf "%dx%d float32 / %dx%d float64 tiles" mr (2 * wS) mr (2 * wD)
        let kernel =
            if Vector512.IsHardwareAccelerated then
                sprintf "blocked Vector512 FMA, %s" (tiles 12 Vector512<float32>.Count Vector512<float>.Count)
            elif Vector.IsHardwareAccelerated && hasFma () then
                sprintf "blocked Vector%d FMA, %s" (8 * Vector<byte>.Count) (tiles 6 Vector<float32>.Count Vector<float>.Count)
            else
                "direct scalar loop (no vector hardware)"
        sprintf "%s, %d threads" kernel Environment.ProcessorCount
