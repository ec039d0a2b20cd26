namespace DeepFunctional.Book

open System
open DeepFunctional

/// NumPy's float64 `np.tanh`, bit for bit, as a scalar F# function.
///
/// Book mode reproduces the training trajectory of *Deep Learning from Scratch*'s NumPy code
/// exactly, and a tanh layer feeds every later step, so tanh must return the very bits NumPy
/// returns. NumPy 1.24 (checked against Debian's 1.24.2 build) does not call the C library's
/// `tanh` for a float64 array on a CPU with FMA3 (its AVX2+FMA3 or AVX512_SKX dispatch targets):
/// it evaluates a table of per-interval polynomials (the `loops_hyperbolic` dispatch source,
/// a port of Intel SVML's `tanh` to NumPy's universal intrinsics, in NumPy since 1.23). That
/// result differs from glibc's `tanh` (and from `Math.Tanh` on Linux) by 1 to 3 ulp for about
/// a fifth of the inputs in [-20, 20], 30% of those in [-3, 3] and nearly half of those in [-1, 1].
///
/// The algorithm: tanh is odd, so work on |x| and put the sign of x back at the end. The
/// interval index comes from the exponent and the leading mantissa bit of |x| (two intervals
/// an octave, from 0.1875 up to 24, with one interval below and one saturated interval above).
/// Each interval stores a centre B and 17 coefficients C0..C16; with y = |x| - B (one ordinary
/// rounded subtraction) the result is C16 y^16 + ... + C0, evaluated by Horner's rule with one
/// fused multiply-add per step, starting from C16 * y + C15. NaN gives the default quiet NaN
/// (0x7ff8000000000000, whatever the input's sign or payload); magnitudes beyond the table
/// (infinities and |x| >= 1.5 * 2^1023) give ±1.
///
/// Valid for NumPy 1.24 on x86-64 CPUs where NumPy dispatches that loop (AVX2 with FMA3, or
/// AVX512_SKX; verified on AVX512_SKX only). A NumPy built or run without FMA3 (baseline SSE
/// only) calls the C library's tanh instead; an earlier form of the loop (1.23) handed NaN and
/// huge inputs to the C library, so NaN bits may differ there; later NumPy versions may use
/// other code.
[<RequireQualifiedAccess>]
module NumPyTanh =

    /// Values per interval in `coefficients`: B, then C0 .. C16.
    [<Literal>]
    let private Stride = 18

    // The sixteen intervals as IEEE-754 bit patterns, each row B; C0; C1; ...; C16
    // (the values of NumPy's table, regrouped by interval).
    let private coefficients: float[] =
        [|
            // interval 0: |x| in [0, 0.1875)
            0x0000000000000000L; 0x0000000000000000L; 0x3ff0000000000000L; 0xbbf0b3ea3fdfaa19L; 0xbfd5555555555555L; 0xbce6863ee44ed636L
            0x3fc1111111112ab5L; 0xbda1ea19ddddb3b4L; 0xbfaba1ba1990520bL; 0xbe351ca7f096011fL; 0x3f9664f94e6ac14eL; 0xbea8c4c1fd7852feL
            0xbf822404577aa9ddL; 0xbefdd99a221ed573L; 0x3f6e3be689423841L; 0xbf2a1306713a4f3aL; 0xbf55d7e76dc56871L; 0x3f35e67ab76a26e7L
            // interval 1: |x| in [0.1875, 0.25)
            0x3fcc000000000000L; 0x3fcb8fd0416a7c92L; 0x3fee842ca3f08532L; 0xbfca48aaeb53bc21L; 0xbfd183afc292ba11L; 0x3fc04dcd0476c75eL
            0x3fb5c19efdfc08adL; 0xbfb0b8df995ce4dfL; 0xbf96e37bba52f6fcL; 0x3f9eaaf3320c3851L; 0xbf94d3343bae39ddL; 0xbfccce16b1046f13L
            0x403d8b07f7a82aa3L; 0x4070593a3735bab4L; 0xc0d263511f5baac1L; 0xc1045e509116b066L; 0x41528c38809c90c7L; 0x41848ee0627d8206L
            // interval 2: |x| in [0.25, 0.375)
            0x3fd4000000000000L; 0x3fd35f98a0ea650eL; 0x3fed11574af58f1bL; 0xbfd19921f4329916L; 0xbfcc1a4b039c9bfaL; 0x3fc43d3449a80f08L
            0x3fa74c98dc34fbacL; 0xbfb2955cf41e8164L; 0x3ecff7df18455399L; 0x3f9cf823fe761fc1L; 0xbf7bc748e60df843L; 0xbf81a16f224bb7b6L
            0xbf9f44ab92fbab0aL; 0xbfccab654e44835eL; 0x40169f73b15ebe5cL; 0x4041fab9250984ceL; 0xc076d57fb5190b02L; 0xc0a216d618b489ecL
            // interval 3: |x| in [0.375, 0.5)
            0x3fdc000000000000L; 0x3fda5729ee488037L; 0x3fea945b9c24e4f9L; 0xbfd5e0f09bef8011L; 0xbfc16e1e6d8d0be6L; 0x3fc5c26f3699b7e7L
            0xbf790d6a8eff0a77L; 0xbfaf9d05c309f7c6L; 0x3f97362834d33a4eL; 0x3f9022271754ff1fL; 0xbf8c89372b43ba85L; 0xbf62cbf00406bc09L
            0x3fb2eac604473d6aL; 0x3fd13ed80037dbacL; 0xc025c1dd41cd6cb5L; 0xc0458d090ec3de95L; 0x4085f09f888f8adaL; 0x40a5b89107c8af4fL
            // interval 4: |x| in [0.5, 0.75)
            0x3fe4000000000000L; 0x3fe1bf47eabb8f95L; 0x3fe6284c3374f815L; 0xbfd893b59c35c882L; 0xbf92426c751e48a2L; 0x3fc1a686f6ab2533L
            0xbfac3c021789a786L; 0xbf987d27ccff4291L; 0x3f9e7f8380184b45L; 0xbf731fe77c9c60afL; 0xbf8129a092de747aL; 0x3f75b29bb02cf69bL
            0x3f45f87d903aaac8L; 0xbf6045b9076cc487L; 0xbf58fd89fe05e0d1L; 0xbf74949d60113d63L; 0x3fa246332a2fcba5L; 0x3fb69d8374520edaL
            // interval 5: |x| in [0.75, 1)
            0x3fec000000000000L; 0x3fe686650b8c2015L; 0x3fe02500a09f8d6eL; 0xbfd6ba7cb7576538L; 0x3fb4f152b2bad124L; 0x3faf203c316ce730L
            0xbfae2196b7326859L; 0x3f8b2ca62572b098L; 0x3f869543e7c420d4L; 0xbf84a6046865ec7dL; 0x3f60c85b4d538746L; 0x3f607df0f9f90c17L
            0xbf5e104671036300L; 0x3f2085ee7e8ac170L; 0x3f73f7af01d5af7aL; 0x3f7c9fd6200d0adeL; 0xbfb29d851a896fcdL; 0xbfbded519f981716L
            // interval 6: |x| in [1, 1.5)
            0x3ff4000000000000L; 0x3feb2523bb6b2deeL; 0x3fd1f25131e3a8c0L; 0xbfce7291743d7555L; 0x3fbbba40cbef72beL; 0xbf89c7a02788557cL
            0xbf93a7a011ff8c2aL; 0x3f8f1cf6c7f5b00aL; 0xbf7326bd4914222aL; 0xbf4ca3f1f2b9192bL; 0x3f5be9392199ec18L; 0xbf4b852a6e0758d5L
            0x3f19bc98ddf0f340L; 0x3f23524622610430L; 0xbf1e40bdead17e6bL; 0x3f02cd40e0ad0a9fL; 0x3ed9065ae369b212L; 0xbef02d288b5b3371L
            // interval 7: |x| in [1.5, 2)
            0x3ffc000000000000L; 0x3fee1fbf97e33527L; 0x3fbd22ca1c24a139L; 0xbfbb6d85a01efb80L; 0x3fb01ba038be6a3dL; 0xbf98157e26e0d541L
            0x3f6e4709c7e8430eL; 0x3f60379811e43dd5L; 0xbf5fc15b0a9d98faL; 0x3f4c77dee0afd227L; 0xbf2a0c68a4489f10L; 0xbf0078c63d1b8445L
            0x3f0d4304bc9246e8L; 0xbeff12a6626911b4L; 0x3ee224cd6c4513e5L; 0xbe858ab8e019f311L; 0xbeb8e1ba4c98a030L; 0x3eb290981209c1a6L
            // interval 8: |x| in [2, 3)
            0x4004000000000000L; 0x3fef9258260a71c2L; 0x3f9b3afe1fba5c76L; 0xbf9addae58c7141aL; 0x3f916df44871efc8L; 0xbf807b55c1c7d278L
            0x3f67682afa611151L; 0xbf4793826f78537eL; 0x3f14cffcfa69fbb6L; 0x3f04055bce68597aL; 0xbf00462601dc2faaL; 0x3eec12eadd55be7aL
            0xbed13c415f7b9d41L; 0x3eab9008bca408afL; 0xbe24b645e68eeaa3L; 0xbe792fa6323b7cf8L; 0x3e6ffd0766ad4016L; 0xbe567e924bf5ff6eL
            // interval 9: |x| in [3, 4)
            0x400c000000000000L; 0x3feff112c63a9077L; 0x3f6dd37d19b22b21L; 0xbf6dc59376c7aa19L; 0x3f63c6869dfc8870L; 0xbf53a18d5843190fL
            0x3f3ef2ee77717cbfL; 0xbf2405695e36240fL; 0x3f057e48e5b79d10L; 0xbee2bf0cb4a71647L; 0x3eb7b6a219dea9f4L; 0xbe6fa600f593181bL
            0xbe722b8d9720cdb0L; 0x3e634df71865f620L; 0xbe4abfebfb72bc83L; 0x3e2df04d67876402L; 0xbe0c63c29f505f5bL; 0x3de3f7f7de6b0eb6L
            // interval 10: |x| in [4, 6)
            0x4014000000000000L; 0x3fefff419668df11L; 0x3f27ccec13a9ef96L; 0xbf27cc5e74677410L; 0x3f1fb9aef915d828L; 0xbf0fb6bbc89b1a5bL
            0x3ef95a4482f180b7L; 0xbee0e08de39ce756L; 0x3ec33b66d7d77264L; 0xbea31eaafe73efd5L; 0x3e80cbcc8d4c5c8aL; 0xbe5a3c935dce3f7dL
            0x3e322666d739bec0L; 0xbe05bb1bcf83ca73L; 0x3dd51c38f8695ed3L; 0xbd95c72be95e4d2cL; 0xbd7fab216b9e0e49L; 0x3d69ed18bae3ebbcL
            // interval 11: |x| in [6, 8)
            0x401c000000000000L; 0x3feffffc832750f2L; 0x3ecbe6c3f33250aeL; 0xbecbe6c0e8b4cc87L; 0x3ec299d1e27c6e11L; 0xbeb299c9c684a963L
            0x3e9dc2c27da3b603L; 0xbe83d709ba5f714eL; 0x3e66ac4e578b9b10L; 0xbe46abb02c4368edL; 0x3e2425bb231a5e29L; 0xbe001c6d95e3ae96L
            0x3dd76a553d7e7918L; 0xbdaf2ac143fb6762L; 0x3d8313ac38c6832bL; 0xbd55a89c30203106L; 0x3d2826b62056aa27L; 0xbcf7534c4f3dfa71L
            // interval 12: |x| in [8, 12)
            0x4024000000000000L; 0x3feffffffdc96f35L; 0x3e41b4865394f75fL; 0xbe41b486526b0565L; 0x3e379b5ddcca334cL; 0xbe279b5dd4fb3d01L
            0x3e12e2afd9f7433eL; 0xbdf92e3fc5ee63e0L; 0x3ddcc74b8d3d5c42L; 0xbdbcc749ca8079ddL; 0x3d9992a4beac8662L; 0xbd74755a00ea1fd3L
            0x3d4de0fa59416a39L; 0xbd23eae52a3dbf57L; 0x3cf7787935626685L; 0xbccad6b3bb9eff65L; 0x3ca313e31762f523L; 0xbc730b73f1eaff20L
            // interval 13: |x| in [12, 16)
            0x402c000000000000L; 0x3fefffffffffcf58L; 0x3d8853f01bda5f28L; 0xbd8853f01bef63a4L; 0x3d8037f57bc62c9aL; 0xbd7037f57ae72aa6L
            0x3d59f320348679baL; 0xbd414cc030f2110eL; 0x3d23c589137f92b4L; 0xbd03c5883836b9d2L; 0x3ce191ba5ed3fb67L; 0xbcbc1c6c063bb7acL
            0x3c948716cf3681b4L; 0xbc6b5e3e9ca0955eL; 0x3c401ffc49c6bc29L; 0xbc12705ccd3dd884L; 0x3bea37aa21895319L; 0xbbba2cff8135d462L
            // interval 14: |x| in [16, 24)
            0x4034000000000000L; 0x3ff0000000000000L; 0x3c73953c0197ef58L; 0xbc73955be519be31L; 0x3c6a2d4b50a2cff7L; 0xbc5a2ca2bba78e86L
            0x3c44b61d9bbcc940L; 0xbc2ba022e8d82a87L; 0x3c107f8e2c8707a1L; 0xbbf07a5416264aecL; 0x3bc892450bad44c4L; 0xbba3be9a4460fe00L
            0x3b873f9f2d2fda99L; 0xbb5eca68e2c1ba2eL; 0xbabf0b21acfa52abL; 0xba8e0a4c47ae75f5L; 0x3ae5c7f1fd871496L; 0xbab5a71b5f7d9035L
            // interval 15: |x| >= 24, where tanh rounds to 1: B = 0, C0 = 1, every other coefficient 0
            0x0000000000000000L; 0x3ff0000000000000L; 0x0000000000000000L; 0x0000000000000000L; 0x0000000000000000L; 0x0000000000000000L
            0x0000000000000000L; 0x0000000000000000L; 0x0000000000000000L; 0x0000000000000000L; 0x0000000000000000L; 0x0000000000000000L
            0x0000000000000000L; 0x0000000000000000L; 0x0000000000000000L; 0x0000000000000000L; 0x0000000000000000L; 0x0000000000000000L
        |]
        |> Array.map BitConverter.Int64BitsToDouble

    /// The bits NumPy keeps to pick an interval: exponent and the leading mantissa bit.
    [<Literal>]
    let private IntervalBits = 0x7ff8000000000000L

    /// Larger keys (|x| >= 1.5 * 2^1023, infinities, NaN) skip the table and give ±1.
    [<Literal>]
    let private LargestTableKey = 0x7fe0000000000000L

    /// The high 32 bits of 0.125: key offsets are counted from here, half an octave a step.
    [<Literal>]
    let private FirstKeyHigh = 0x3fc00000

    /// The highest clamped offset (interval 15, 24 and above).
    [<Literal>]
    let private LastKeyOffset = 0x780000

    [<Literal>]
    let private SignBit = 0x8000000000000000L

    /// NumPy's result for any NaN: the positive default quiet NaN.
    [<Literal>]
    let private DefaultNaN = 0x7ff8000000000000L

    /// tanh(x) exactly as NumPy 1.24's float64 `np.tanh` computes it on a contiguous array on
    /// an x86-64 CPU with FMA3 (AVX2 or AVX512_SKX dispatch): the per-interval degree-16
    /// polynomial with fused multiply-adds. Used by book mode so that runs are bit-identical to
    /// the book's NumPy code; it differs from `Math.Tanh` by 1 to 3 ulp for a fifth to a half
    /// of typical inputs. Signed zeros, subnormals and tiny values return x itself, |x| >= 24 and
    /// ±infinity return ±1, and every NaN returns the positive default NaN, as NumPy does.
    let tanh (x: float) : float =
        let bits = BitConverter.DoubleToInt64Bits x
        if Double.IsNaN x then
            BitConverter.Int64BitsToDouble DefaultNaN
        else
            let key = bits &&& IntervalBits
            let magnitude =
                if key > LargestTableKey then
                    1.0
                else
                    // The key's low 32 bits are zero, so the offset is a difference of high
                    // words, clamped to [0, LastKeyOffset]; each interval is 2^19 of it.
                    let offset = int (key >>> 32) - FirstKeyHigh
                    let interval = (min (max offset 0) LastKeyOffset) >>> 19
                    let row = interval * Stride
                    let c = coefficients
                    let y = Math.Abs x - c.[row]
                    let mutable r = c.[row + 17]
                    for k in 16 .. -1 .. 1 do
                        r <- Math.FusedMultiplyAdd(r, y, c.[row + k])
                    r
            // NumPy ORs the sign of x into the result rather than negating it.
            BitConverter.Int64BitsToDouble(BitConverter.DoubleToInt64Bits magnitude ||| (bits &&& SignBit))

    /// Writes `tanh x.[i]` into `y.[i]` for every i: NumPy 1.24's float64 `np.tanh` over an
    /// array, element by element (NumPy's result for an element does not depend on its
    /// position or on the array's length, so a scalar loop reproduces the vector loop). For
    /// book-identical tanh layers. Raises `ShapeMismatchException` when the lengths differ;
    /// `x` and `y` may be the same memory.
    let tanhInto (x: ReadOnlySpan<float>) (y: Span<float>) : unit =
        if x.Length <> y.Length then
            raise (ShapeMismatchException("NumPyTanh.tanhInto", sprintf "an output of %d elements like the input" x.Length, sprintf "%d elements" y.Length))
        for i in 0 .. x.Length - 1 do
            y.[i] <- tanh x.[i]
