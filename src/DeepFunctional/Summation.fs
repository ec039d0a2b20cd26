namespace DeepFunctional

open System
open System.Threading.Tasks

/// Values read by index, for summing without forming an array first.
type IValues =
    /// The value at index i.
    abstract Item: int -> float with get

/// The values of an array segment.
[<Struct>]
type ArrayValues(values: float[], offset: int) =
    interface IValues with
        member _.Item with get (i: int) = values.[offset + i]

/// The values table[bytes[i]]: a function of a byte (a pixel) looked up, for image statistics
/// over millions of pixels without an array of doubles the size of the image set.
[<Struct>]
type TableValues(table: float[], bytes: byte[]) =
    interface IValues with
        member _.Item with get (i: int) = table.[int bytes.[i]]

/// Summation in the order NumPy 1.24 sums a contiguous float64 array (`np.add.reduce`), so that
/// means and standard deviations computed here agree with NumPy's to the last bit: the one
/// place this order is written.
[<RequireQualifiedAccess>]
module Summation =

    /// The elements NumPy's reduction machinery hands to one call of its inner loop (its
    /// default buffer size, `np.getbufsize()`).
    [<Literal>]
    let BlockSize = 8192

    /// NumPy's `pairwise_sum` of values[start .. start + n − 1]: below 8 values a plain loop, up
    /// to 128 eight interleaved partial sums combined as a tree, beyond that the two halves
    /// (split at a multiple of 8 below the middle) summed recursively. Generic over a struct of
    /// values, so the accesses compile to plain loads.
    let rec pairwise<'S when 'S :> IValues and 'S: struct> (values: 'S) (start: int) (n: int) : float =
        if n < 8 then
            let mutable res = 0.0
            for i in start .. start + n - 1 do
                res <- res + values.[i]
            res
        elif n <= 128 then
            let mutable r0 = values.[start]
            let mutable r1 = values.[start + 1]
            let mutable r2 = values.[start + 2]
            let mutable r3 = values.[start + 3]
            let mutable r4 = values.[start + 4]
            let mutable r5 = values.[start + 5]
            let mutable r6 = values.[start + 6]
            let mutable r7 = values.[start + 7]
            let mutable i = start + 8
            let blockEnd = start + n - n % 8
            while i < blockEnd do
                r0 <- r0 + values.[i]
                r1 <- r1 + values.[i + 1]
                r2 <- r2 + values.[i + 2]
                r3 <- r3 + values.[i + 3]
                r4 <- r4 + values.[i + 4]
                r5 <- r5 + values.[i + 5]
                r6 <- r6 + values.[i + 6]
                r7 <- r7 + values.[i + 7]
                i <- i + 8
            let mutable res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
            while i < start + n do
                res <- res + values.[i]
                i <- i + 1
            res
        else
            let half = n / 2
            let half = half - half % 8
            pairwise values start half + pairwise values (start + half) (n - half)

    /// `np.sum` of `count` values: cut into blocks of `BlockSize`, each summed pairwise, the block
    /// sums added one after another to 0. Large inputs sum their blocks in parallel and add them
    /// in order afterwards, so the result does not depend on the threads.
    let numpy<'S when 'S :> IValues and 'S: struct> (values: 'S) (count: int) : float =
        let blocks = (count + BlockSize - 1) / BlockSize
        let block b = pairwise values (b * BlockSize) (min BlockSize (count - b * BlockSize))
        if blocks <= 4 then
            let mutable total = 0.0
            for b in 0 .. blocks - 1 do total <- total + block b
            total
        else
            let sums = Array.zeroCreate<float> blocks
            Parallel.For(0, blocks, fun b -> sums.[b] <- block b) |> ignore
            let mutable total = 0.0
            for b in 0 .. blocks - 1 do total <- total + sums.[b]
            total

    /// `np.sum` of an array.
    let ofArray (values: float[]) : float = numpy (ArrayValues(values, 0)) values.Length
