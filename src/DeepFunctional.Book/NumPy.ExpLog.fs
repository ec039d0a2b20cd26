namespace DeepFunctional.Book

open System
open DeepFunctional
open System.Numerics

/// NumPy's float64 `exp` and `log`, bit for bit: the results `numpy.exp` and `numpy.log` give
/// for a contiguous float64 array under NumPy 1.24.2 as Debian builds it (linked with Intel's
/// SVML) on an x86-64 processor with AVX-512 (NumPy's AVX512_SKX dispatch target).
///
/// Why it exists: the book mode replays the NumPy code of *Deep Learning from Scratch* bit for
/// bit, and one differing last bit in a softmax or a sigmoid sends the training trajectory its
/// own way. On such a machine NumPy does not call the C library for these two functions: it
/// hands each block of 8 elements to SVML's AVX-512 kernels `__svml_exp8` and `__svml_log8`
/// (SVML's default, low-accuracy variants). Their last bit differs from the C library's
/// (`Math.Exp` and `Math.Log` on Linux) for about a fifth to a quarter of the inputs.
///
/// How: each lane of those kernels is computed on its own, so this module evaluates one lane in
/// scalar code, with the kernels' operations in the kernels' order: a fused multiply-add
/// (`Math.FusedMultiplyAdd`) exactly where they fuse, the one multiply-add exp rounds toward
/// zero emulated exactly, the approximate reciprocal (VRCP14PD) log starts from reproduced by
/// the 16 places where its rounded value changes, and the kernels' scalar fallback for the
/// elements they treat as special (exp beyond ±707.7, log of zero, negatives and infinities).
/// Neither the kernel nor the result depends on an element's position in the array or on the
/// array's length. The constants and tables are the kernels' own values, exactly (with their
/// hexadecimal forms in the comments, the tables as bit patterns).
///
/// Limits: the results are NumPy's only where NumPy takes this path, NumPy 1.24 built with SVML
/// (Linux x86-64) on a processor with AVX512_SKX. Without AVX512_SKX the same NumPy uses its own
/// AVX-512 kernel when the processor has AVX512F (other last bits again) and the C library's
/// exp and log otherwise (what `Math.Exp` and `Math.Log` give on Linux). Other NumPy versions
/// may call other kernels.
[<RequireQualifiedAccess>]
module NumPyExpLog =

    let inline private bitsOf (x: float) = BitConverter.DoubleToInt64Bits x
    let inline private ofBits (b: int64) = BitConverter.Int64BitsToDouble b

    /// The NaN x86 produces for an invalid operation such as 0/0 (sign bit set), which SVML
    /// returns for the logarithm of a negative number.
    let private invalidNaN = BitConverter.UInt64BitsToDouble 0xFFF8000000000000UL

    // ---------------------------------------------------------------------------------------
    // exp, vector kernel: |x| < 707.70...
    //
    // x = (n + j/16)·ln 2 + r with n + j/16 = x/ln 2 rounded down to a sixteenth (the
    // multiply-add that finds it rounds toward zero), r in [0, ln2/16);
    // exp(x) = 2^n · T[j] · (1 + p(r)) with T[j] = 2^(j/16) and p a polynomial of degree 6.
    // ---------------------------------------------------------------------------------------

    /// 1/ln 2 (0x1.71547652b82fep+0).
    [<Literal>]
    let private InvLn2 = 1.4426950408889634
    /// ln 2, high part (0x1.62e42fefa39efp-1).
    [<Literal>]
    let private Ln2Hi = 0.6931471805599453
    /// ln 2, low part (0x1.abc9e3b39803fp-56).
    [<Literal>]
    let private Ln2Lo = 2.3190468138462996e-17
    /// Coefficients of exp(r) - 1 ≈ r + E1 r² + ... + E5 r⁶.
    [<Literal>]
    let private E1 = 0.5000000000010838 // 0x1.0000000002622p-1
    [<Literal>]
    let private E2 = 0.16666666637508337 // 0x1.5555554b508a2p-3
    [<Literal>]
    let private E3 = 0.041666695348322125 // 0x1.555564bb4f5f0p-5
    [<Literal>]
    let private E4 = 0.008332058899382488 // 0x1.1106603d97c00p-7
    [<Literal>]
    let private E5 = 0.0014149452874381984 // 0x1.72eb5ef0d213dp-10
    /// |x| from which the kernel hands an element to its scalar fallback (0x1.61da04cbafe44p+9).
    [<Literal>]
    let private ExpKernelLimit = 707.7032713517042

    /// 1.5·2^48 + 1023 (bits 0x42F8000000003FF0): added to x/ln 2, it leaves x/ln 2 in
    /// sixteenths in the low bits of the sum (its ulp is 1/16); the low four bits are j.
    let private expShifter = BitConverter.UInt64BitsToDouble 0x42F8000000003FF0UL

    /// T[j] = 2^(j/16) rounded to nearest.
    let private expTable16 : float[] =
        Array.map BitConverter.UInt64BitsToDouble [|
            0x3FF0000000000000UL; 0x3FF0B5586CF9890FUL; 0x3FF172B83C7D517BUL; 0x3FF2387A6E756238UL;
            0x3FF306FE0A31B715UL; 0x3FF3DEA64C123422UL; 0x3FF4BFDAD5362A27UL; 0x3FF5AB07DD485429UL;
            0x3FF6A09E667F3BCDUL; 0x3FF7A11473EB0187UL; 0x3FF8ACE5422AA0DBUL; 0x3FF9C49182A3F090UL;
            0x3FFAE89F995AD3ADUL; 0x3FFC199BDD85529CUL; 0x3FFD5818DCFBA487UL; 0x3FFEA4AFA2A490DAUL |]

    /// x·(1/ln 2) + shifter with the multiply-add rounded toward zero, as the kernel's
    /// `vfmadd213pd {rz-sae}`. For |x| < 707.71 the exact sum lies in [2^48, 2^49), where the
    /// ulp is 1/16, so it is positive and rounding toward zero means taking the double below
    /// whenever the round-to-nearest result is above the exact sum. The sign of (exact sum -
    /// nearest) is that of (hi - (nearest - shifter)) + lo, where hi + lo = x/ln 2 exactly:
    /// nearest - shifter is exact (Sterbenz), so is hi minus it (both are multiples of the
    /// smaller of their ulps and differ by at most 1/16), and rounding the last sum keeps its sign.
    let inline private shiftTowardZero (x: float) =
        let nearest = Math.FusedMultiplyAdd(x, InvLn2, expShifter)
        let hi = x * InvLn2
        let lo = Math.FusedMultiplyAdd(x, InvLn2, -hi)
        let excess = (hi - (nearest - expShifter)) + lo
        if excess < 0.0 then ofBits (bitsOf nearest - 1L) else nearest

    /// One lane of `__svml_exp8` for |x| < 707.70... (not NaN).
    let private expKernel (x: float) =
        let shifted = shiftTowardZero x
        // n + j/16, exact; the kernel keeps it in one double and scales by 2^floor of it.
        let n = shifted - expShifter
        let t = expTable16.[int (bitsOf shifted &&& 15L)]
        let r = Math.FusedMultiplyAdd(-n, Ln2Hi, x)
        let r = Math.FusedMultiplyAdd(-n, Ln2Lo, r)
        // (The kernel also clears bit 62 of r, which is zero for every |r| < 2.)
        let r2 = r * r
        let a = Math.FusedMultiplyAdd(E5, r, E4)
        let b = Math.FusedMultiplyAdd(E3, r, E2)
        let r3 = r2 * r
        let c = Math.FusedMultiplyAdd(r2, E1, r)
        let d = Math.FusedMultiplyAdd(r2, a, b)
        let e = Math.FusedMultiplyAdd(r3, d, c)
        let f = Math.FusedMultiplyAdd(t, e, t)
        // VSCALEFPD: f · 2^floor(n). Here floor(n) is in [-1021, 1020] and f in [1, 2), so the
        // power of two is a normal double and the product is exact.
        let scale = int (Math.Floor n)
        f * ofBits (int64 (scale + 1023) <<< 52)

    // ---------------------------------------------------------------------------------------
    // exp, scalar fallback of the kernel: |x| >= 707.70... and ±inf. Plain double arithmetic
    // (no fused operations), x = (64m + j)·ln2/64 + r, exp(x) = 2^m · 2^(j/64) · (1 + p(r)).
    // ---------------------------------------------------------------------------------------

    /// 64/ln 2 (0x1.71547652b82fep+6).
    [<Literal>]
    let private InvLn2x64 = 92.33248261689366
    /// 1.5·2^52: rounds to an integer when added.
    [<Literal>]
    let private Shifter52 = 6755399441055744.0
    /// ln2/64, high part (0x1.62e42fefa0000p-7).
    [<Literal>]
    let private Ln2By64Hi = 0.010830424696223417
    /// ln2/64, low part (0x1.cf79abc9e3b3ap-46).
    [<Literal>]
    let private Ln2By64Lo = 2.572804622327669e-14
    /// Coefficients of exp(r) - 1 ≈ r + r²(S1 + r(S2 + r(S3 + r(S4 + r S5)))).
    [<Literal>]
    let private S1 = 0.5
    [<Literal>]
    let private S2 = 0.1666666666665788 // 0x1.55555555548f8p-3
    [<Literal>]
    let private S3 = 0.04166666666677052 // 0x1.5555555558fccp-5
    [<Literal>]
    let private S4 = 0.008333341995140497 // 0x1.111123aaf20d3p-7
    [<Literal>]
    let private S5 = 0.0013888870459233254 // 0x1.6c16a1c2a3ffdp-10
    /// Above this exp overflows to infinity (0x1.62e42fefa39efp+9).
    [<Literal>]
    let private OverflowAbove = 709.782712893384
    /// Below this the result is subnormal and is assembled in two parts (-0x1.6232bdd7abcd2p+9).
    [<Literal>]
    let private SubnormalBelow = -708.3964185322641
    /// Below this exp underflows to zero (-0x1.74910d52d3051p+9).
    [<Literal>]
    let private UnderflowBelow = -745.1332191019411
    /// 1.5·2^32: splits a double into its high bits and the rest.
    [<Literal>]
    let private Splitter32 = 6442450944.0
    /// 2^-60.
    let private twoToMinus60 = BitConverter.UInt64BitsToDouble 0x3C30000000000000UL

    /// 2^(j/64) rounded to nearest.
    let private expTable64Hi : float[] =
        Array.map BitConverter.UInt64BitsToDouble [|
            0x3FF0000000000000UL; 0x3FF02C9A3E778061UL; 0x3FF059B0D3158574UL; 0x3FF0874518759BC8UL;
            0x3FF0B5586CF9890FUL; 0x3FF0E3EC32D3D1A2UL; 0x3FF11301D0125B51UL; 0x3FF1429AAEA92DE0UL;
            0x3FF172B83C7D517BUL; 0x3FF1A35BEB6FCB75UL; 0x3FF1D4873168B9AAUL; 0x3FF2063B88628CD6UL;
            0x3FF2387A6E756238UL; 0x3FF26B4565E27CDDUL; 0x3FF29E9DF51FDEE1UL; 0x3FF2D285A6E4030BUL;
            0x3FF306FE0A31B715UL; 0x3FF33C08B26416FFUL; 0x3FF371A7373AA9CBUL; 0x3FF3A7DB34E59FF7UL;
            0x3FF3DEA64C123422UL; 0x3FF4160A21F72E2AUL; 0x3FF44E086061892DUL; 0x3FF486A2B5C13CD0UL;
            0x3FF4BFDAD5362A27UL; 0x3FF4F9B2769D2CA7UL; 0x3FF5342B569D4F82UL; 0x3FF56F4736B527DAUL;
            0x3FF5AB07DD485429UL; 0x3FF5E76F15AD2148UL; 0x3FF6247EB03A5585UL; 0x3FF6623882552225UL;
            0x3FF6A09E667F3BCDUL; 0x3FF6DFB23C651A2FUL; 0x3FF71F75E8EC5F74UL; 0x3FF75FEB564267C9UL;
            0x3FF7A11473EB0187UL; 0x3FF7E2F336CF4E62UL; 0x3FF82589994CCE13UL; 0x3FF868D99B4492EDUL;
            0x3FF8ACE5422AA0DBUL; 0x3FF8F1AE99157736UL; 0x3FF93737B0CDC5E5UL; 0x3FF97D829FDE4E50UL;
            0x3FF9C49182A3F090UL; 0x3FFA0C667B5DE565UL; 0x3FFA5503B23E255DUL; 0x3FFA9E6B5579FDBFUL;
            0x3FFAE89F995AD3ADUL; 0x3FFB33A2B84F15FBUL; 0x3FFB7F76F2FB5E47UL; 0x3FFBCC1E904BC1D2UL;
            0x3FFC199BDD85529CUL; 0x3FFC67F12E57D14BUL; 0x3FFCB720DCEF9069UL; 0x3FFD072D4A07897CUL;
            0x3FFD5818DCFBA487UL; 0x3FFDA9E603DB3285UL; 0x3FFDFC97337B9B5FUL; 0x3FFE502EE78B3FF6UL;
            0x3FFEA4AFA2A490DAUL; 0x3FFEFA1BEE615A27UL; 0x3FFF50765B6E4540UL; 0x3FFFA7C1819E90D8UL |]

    /// 2^(j/64) / hi - 1 rounded to nearest: the table's low part, relative to its high part.
    let private expTable64Lo : float[] =
        Array.map BitConverter.UInt64BitsToDouble [|
            0x0000000000000000UL; 0xBC7160139CD8DC5DUL; 0x3C8CD2523567F613UL; 0x3C60F74E61E6C861UL;
            0x3C979AA65D837B6DUL; 0x3C3EBE3D702F9CD1UL; 0xBC9556522A2FBD0EUL; 0xBC91C923B9D5F416UL;
            0xBC801B15EAA59348UL; 0x3C8B898C3F1353BFUL; 0x3C9AECF73E3A2F60UL; 0x3C8A6F4144A6C38DUL;
            0x3C968EFDE3A8A894UL; 0x3C80472B981FE7F2UL; 0x3C82F7E16D09AB31UL; 0x3C8B3782720C0AB4UL;
            0x3C834D754DB0ABB6UL; 0x3C8FDD395DD3F84AUL; 0xBC924AEDCC4B5068UL; 0xBC71D1E83E9436D2UL;
            0x3C859F48A72A4C6DUL; 0xBC58A78F4817895BUL; 0x3C4363ED60C2AC11UL; 0x3C6ECCE1DAA10379UL;
            0x3C7690CEBB7AAFB0UL; 0xBC8F94340071A38EUL; 0xBC78DEC6BD0F385FUL; 0x3C93350518FDD78EUL;
            0x3C9063E1E21C5409UL; 0x3C9432E62B64C035UL; 0xBC8C33C53BEF4DA8UL; 0xBC93CEDD78565858UL;
            0xBC93B3EFBF5E2228UL; 0xBC6367EFB86DA9EEUL; 0xBC781F647E5A3ECFUL; 0xBC8619321E55E68AUL;
            0xBC7B32DCB94DA51DUL; 0x3C65EBE1ABD66C55UL; 0xBC9369B6F13B3734UL; 0xBC94D450D872576EUL;
            0x3C8DB72FC1F0EAB4UL; 0x3C7BF68359F35F44UL; 0xBC5DA9B88B6C1E29UL; 0xBC92434322F4F9AAUL;
            0x3C71AFFC2B91CE27UL; 0xBC87C50422622263UL; 0xBC91BBD1D3BCBB15UL; 0x3C8469846E735AB3UL;
            0x3C8C1A7792CB3387UL; 0xBC55C3D956DCAEBAUL; 0xBC68D6F438AD9334UL; 0x3C74FFD70A5FDDCDUL;
            0x3C736EAE30AF0CB3UL; 0x3C84E08FD10959ACUL; 0x3C676B2C6C921968UL; 0xBC8FAD5D3FFFFA6FUL;
            0x3C74A385A63D07A7UL; 0x3C8E5A50D5C192ACUL; 0xBC82D52107B43E1FUL; 0x3C74B604603A88D3UL;
            0xBC8FF7128FD391F0UL; 0x3C8EC3BC41AA2008UL; 0x3C8A64A931D185EEUL; 0x3C77893B4D91CD9DUL |]

    /// 2^e for a biased exponent field e in [0, 2047) (0 gives 0), as the fallback builds it.
    let inline private powerOfTwoField (field: uint32) = ofBits (int64 field <<< 52)

    /// The kernel's scalar fallback for one element with |x| >= 707.70... or x = ±inf.
    let private expFallback (x: float) =
        let b = bitsOf x
        let field = int (b >>> 52) &&& 0x7FF
        if field = 0x7FF then
            if x = Double.NegativeInfinity then 0.0 else x * x
        elif field <= 0x3CA then
            x + 1.0
        elif x > OverflowAbove then
            Double.PositiveInfinity
        elif x < UnderflowBelow then
            0.0
        else
            let shifted = x * InvLn2x64 + Shifter52
            let low32 = uint32 (bitsOf shifted)
            let j = int (low32 &&& 0x3Fu)
            let k = shifted - Shifter52
            let r = (x - k * Ln2By64Hi) - k * Ln2By64Lo
            let mutable p = S5 * r
            p <- (p + S4) * r
            p <- (p + S3) * r
            p <- (p + S2) * r
            p <- (p + S1) * r
            p <- p * r + r
            let hi = expTable64Hi.[j]
            p <- (p + expTable64Lo.[j]) * hi
            // m = floor(k/64) lives in the low word's bits 6..31; exponent fields wrap mod 2048.
            let m = low32 >>> 6
            if x >= SubnormalBelow then
                let y = p + hi
                let field = (m + 0x3FFu) &&& 0x7FFu
                if field <= 0x7FEu then y * powerOfTwoField field
                else (y * powerOfTwoField (field - 1u)) * 2.0
            else
                // Subnormal result: build it scaled by 2^60, then scale down in two parts.
                let field = (m + 0x43Bu) &&& 0x7FFu
                let scale = powerOfTwoField field
                let a = p * scale
                let b = scale * hi
                let h = b + a
                if field <= 50u then
                    h * twoToMinus60
                else
                    let lo = (b - h) + a
                    let c = h * Splitter32
                    let v = (h + c) - c
                    let lo = lo + (h - v)
                    v * twoToMinus60 + lo * twoToMinus60

    /// `numpy.exp` of one float64, bit for bit as NumPy 1.24.2 (Debian, SVML, AVX512_SKX)
    /// computes it for an element of a contiguous array: SVML's `__svml_exp8` lane by lane.
    /// exp(x) is +inf above 709.782712893384, 0 below -745.1332191019411, subnormal in between
    /// as NumPy rounds it; a NaN comes back quieted, with its sign and payload. Exists so that
    /// the book mode's softmax and sigmoid reproduce NumPy's last bits. SVML's kernel is not
    /// correctly rounded: about one result in five is 1 ulp from `Math.Exp`, a handful per
    /// million 2 ulps, none more in 12 million inputs measured.
    let exp (x: float) : float =
        if Math.Abs x >= ExpKernelLimit then expFallback x
        elif Double.IsNaN x then x + x
        else expKernel x

    // ---------------------------------------------------------------------------------------
    // log, vector kernel: x positive and finite (subnormals included).
    //
    // x = 2^e · m with m in [1, 2); r ≈ 1/m rounded to a multiple of 1/32 (from VRCP14PD);
    // log x = e·ln 2 - log r + log(1 + (r·m - 1)), -log r from a 16-entry table (with ln 2
    // moved into e when r < 0.75), log(1 + u) by a polynomial of degree 9.
    // ---------------------------------------------------------------------------------------

    /// ln 2 (0x1.62e42fefa39efp-1).
    [<Literal>]
    let private Ln2 = 0.6931471805599453
    /// Coefficients of log(1 + u) ≈ u + u²(L2 + L3 u + ... + L9 u⁷).
    [<Literal>]
    let private L2 = -0.4999999999999968 // -0x1.fffffffffffc6p-2
    [<Literal>]
    let private L3 = 0.33333333333332005 // 0x1.5555555555466p-2
    [<Literal>]
    let private L4 = -0.2500000000437373 // -0x1.00000000c05bdp-2
    [<Literal>]
    let private L5 = 0.20000000009280938 // 0x1.9999999cc9f5cp-3
    [<Literal>]
    let private L6 = -0.16666650546695666 // -0x1.55553fb28db06p-3
    [<Literal>]
    let private L7 = 0.14285690939597326 // 0x1.249229cee81efp-3
    [<Literal>]
    let private L8 = -0.125220000081181 // -0x1.007357e93af62p-3
    [<Literal>]
    let private L9 = 0.11135561406034511 // 0x1.c81cd309d7c70p-4

    /// Indexed by the top four mantissa bits of r = k/32: -log r for r in [0.75, 1) (k = 24..31),
    /// -log 2r for r in [0.5, 0.75) (k = 16..23), 0 for r = 1; each rounded to nearest.
    let private logTable16 : float[] =
        Array.map BitConverter.UInt64BitsToDouble [|
            0x0000000000000000UL; 0xBFAF0A30C01162A6UL; 0xBFBE27076E2AF2E6UL; 0xBFC5FF3070A793D4UL;
            0xBFCC8FF7C79A9A22UL; 0xBFD1675CABABA60EUL; 0xBFD4618BC21C5EC2UL; 0xBFD739D7F6BBD007UL;
            0x3FD269621134DB92UL; 0x3FCF991C6CB3B379UL; 0x3FCA93ED3C8AD9E3UL; 0x3FC5BF406B543DB2UL;
            0x3FC1178E8227E47CUL; 0x3FB9335E5D594989UL; 0x3FB08598B59E3A07UL; 0x3FA0415D89E74444UL |]

    /// The kernel takes r = VRCP14PD(m) rounded to a multiple of 1/32 (VRNDSCALEPD, to nearest).
    /// VRCP14PD reads only the top 16 bits of m's mantissa, and the rounded value steps down by
    /// 1/32 at these 16 values of those bits (measured on the processor over all 65,536; they
    /// are close to, but not all equal to, where 1/m itself crosses a midpoint).
    let private reciprocalSteps =
        [| 1039; 3223; 5556; 8048; 10726; 13603; 16707; 20063
           23705; 27669; 32007; 36764; 42010; 47824; 54300; 61568 |]

    /// For each block of 256 top-16-bit values: 32·r at the block's first value.
    let private blockK : int[] =
        Array.init 256 (fun block -> 32 - (reciprocalSteps |> Array.filter (fun s -> s <= block * 256) |> Array.length))

    /// For each block of 256: the value inside it where 32·r drops by one (steps are more than
    /// 256 apart, so there is at most one), or 65536 when there is none.
    let private blockStep : int[] =
        Array.init 256 (fun block ->
            reciprocalSteps
            |> Array.tryFind (fun s -> s > block * 256 && s < (block + 1) * 256)
            |> Option.defaultValue 65536)

    /// One lane of `__svml_log8` for a positive finite x (normal or subnormal).
    let private logKernel (x: float) =
        let b = bitsOf x
        let mutable exponent = int (b >>> 52) - 1023
        let mutable mantissa = b &&& 0x000FFFFFFFFFFFFFL
        if exponent = -1023 then
            // Subnormal: normalise as VGETEXPPD and VGETMANTPD do.
            let shift = BitOperations.LeadingZeroCount(uint64 mantissa) - 11
            mantissa <- (mantissa <<< shift) &&& 0x000FFFFFFFFFFFFFL
            exponent <- -1022 - shift
        let m = ofBits (0x3FF0000000000000L ||| mantissa)
        let top16 = int (mantissa >>> 36)
        let block = top16 >>> 8
        let k = if top16 >= blockStep.[block] then blockK.[block] - 1 else blockK.[block]
        let r = float k * 0.03125
        let e = if k < 24 then float exponent + 1.0 else float exponent
        let u = Math.FusedMultiplyAdd(r, m, -1.0)
        let a = Math.FusedMultiplyAdd(L7, u, L6)
        let b9 = Math.FusedMultiplyAdd(L9, u, L8)
        let c = Math.FusedMultiplyAdd(L3, u, L2)
        let d = Math.FusedMultiplyAdd(L5, u, L4)
        let u2 = u * u
        let u4 = u2 * u2
        let f = Math.FusedMultiplyAdd(u2, b9, a)
        let g = Math.FusedMultiplyAdd(u2, d, c)
        let h = Math.FusedMultiplyAdd(u4, f, g)
        let p = Math.FusedMultiplyAdd(u2, h, u)
        let s = logTable16.[(k - 16) &&& 15] + p
        Math.FusedMultiplyAdd(Ln2, e, s)

    /// `numpy.log` of one float64, bit for bit as NumPy 1.24.2 (Debian, SVML, AVX512_SKX)
    /// computes it for an element of a contiguous array: SVML's `__svml_log8` lane by lane.
    /// log(±0) = -inf, log(+inf) = +inf, the log of a negative number or of -inf is NaN (the
    /// processor's default NaN, sign bit set, as NumPy gives), and a NaN comes back quieted, with
    /// its sign and payload. Exists so that the book mode's cross-entropy reproduces NumPy's last
    /// bits. SVML's kernel is not correctly rounded: about one result in four is 1 ulp from
    /// `Math.Log`, a few in ten thousand 2 ulps (all with x between 1.016 and 1.062), none more
    /// in 7 million inputs measured.
    let log (x: float) : float =
        if x > 0.0 && x < Double.PositiveInfinity then logKernel x
        elif Double.IsNaN x then x + x
        elif x = Double.PositiveInfinity then x
        elif x = 0.0 then Double.NegativeInfinity
        else invalidNaN

    /// y.[i] = `exp` x.[i] for every i: `numpy.exp(x)` of a contiguous float64 array, bit for
    /// bit as NumPy 1.24.2 with SVML computes it on AVX-512 (see `exp`), for the book mode's
    /// whole-array calls. NumPy's result for an element does not depend on where it sits in the
    /// array or on the array's length (checked against NumPy for every length up to 33 at many
    /// offsets, strides, misaligned and in-place arrays), so a plain loop reproduces it. x and y
    /// must have the same length; they may be the same span, but must not otherwise overlap.
    let expInto (x: ReadOnlySpan<float>) (y: Span<float>) : unit =
        if x.Length <> y.Length then
            raise (ShapeMismatchException("NumPyExpLog.expInto", sprintf "an output of %d elements" x.Length, sprintf "%d elements" y.Length))
        for i in 0 .. x.Length - 1 do
            y.[i] <- exp x.[i]

    /// y.[i] = `log` x.[i] for every i: `numpy.log(x)` of a contiguous float64 array, bit for
    /// bit as NumPy 1.24.2 with SVML computes it on AVX-512 (see `log`), for the book mode's
    /// whole-array calls. NumPy's result for an element does not depend on where it sits in the
    /// array or on the array's length (checked against NumPy for every length up to 33 at many
    /// offsets, strides, misaligned and in-place arrays), so a plain loop reproduces it. x and y
    /// must have the same length; they may be the same span, but must not otherwise overlap.
    let logInto (x: ReadOnlySpan<float>) (y: Span<float>) : unit =
        if x.Length <> y.Length then
            raise (ShapeMismatchException("NumPyExpLog.logInto", sprintf "an output of %d elements" x.Length, sprintf "%d elements" y.Length))
        for i in 0 .. x.Length - 1 do
            y.[i] <- log x.[i]
