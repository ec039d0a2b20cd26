namespace DeepFunctional.Book

open System
open DeepFunctional
open System.Numerics

/// NumPy's float64 `power`, bit for bit: the results `numpy.power(x, y)` gives for float64 under
/// NumPy 1.24.2 as Debian builds it (linked with Intel's SVML) on an x86-64 processor with
/// AVX-512 (NumPy's AVX512_SKX dispatch target).
///
/// Why it exists: the book mode replays the NumPy code of *Deep Learning from Scratch* bit for
/// bit, and the book's exponential learning-rate decay takes its factor from
/// `np.power(final_lr / lr, 1.0 / (max_epochs - 1))`. On such a machine NumPy does not call the C
/// library's `pow` for that, not even for two Python floats (which NumPy turns into 0-d arrays):
/// its float64 power loop hands the elements, 8 at a time, to SVML's AVX-512 kernel
/// `__svml_pow8`, whose last bit differs from the C library's (`Math.Pow` on Linux) for about a
/// quarter of the inputs; `np.power(0.25, 1.0/19)` is 0.9296353550084062, `Math.Pow` gives
/// 0.9296353550084063. (The `**` operator of a NumPy float64 scalar does call the C library.)
///
/// How: each lane of the kernel is computed on its own, so this module evaluates one lane in
/// scalar code, with the kernel's operations in the kernel's order: log2 x in double-double from
/// an approximate reciprocal (VRCP14PD, reproduced by the 32 places where its rounded value
/// changes) and a 32-entry table, times y, then 2^(y·log2 x) from a 16-entry table and a
/// polynomial. A fused multiply-add (`Math.FusedMultiplyAdd`) stands exactly where the kernel
/// fuses, and the kernel's operations rounded toward zero or down are emulated exactly. Elements
/// the kernel does not handle (x negative, zero, infinite or NaN, y infinite or NaN, and results
/// beyond about 2^±1021.5) go, as in NumPy, to the kernel's scalar fallback, reproduced here too.
/// Neither the kernel nor the result depends on an element's position in the array or on the
/// array's length. The constants and tables are the kernel's own values, exactly (with their
/// hexadecimal forms in the comments, the tables as bit patterns).
///
/// Limits: the results are NumPy's only where NumPy takes this path, NumPy 1.24 built with SVML
/// (Linux x86-64) on a processor with AVX512_SKX; verified against Debian's NumPy 1.24.2 on one
/// such processor for every kind of input (positive, negative, zero, subnormal, infinite and NaN
/// x and y, results that overflow, underflow or are subnormal). Without AVX512_SKX the same
/// NumPy calls the C library's pow (what `Math.Pow` gives on Linux), and so does the `**` of a
/// NumPy float64 scalar (`np.float64(x) ** y`) everywhere: this function does not reproduce
/// those. Other NumPy versions may call other kernels.
[<RequireQualifiedAccess>]
module NumPyPow =

    let inline private bitsOf (x: float) = BitConverter.DoubleToInt64Bits x
    let inline private ofBits (b: int64) = BitConverter.Int64BitsToDouble b

    // ---------------------------------------------------------------------------------------
    // Exact rounding toward zero and down, from the round-to-nearest results .NET gives.
    // ---------------------------------------------------------------------------------------

    /// v = m · 2^e exactly, with m an integer and e >= -1074 (v finite).
    let private decompose (v: float) : struct (BigInteger * int) =
        let b = bitsOf v
        let field = int ((b >>> 52) &&& 0x7FFL)
        let fraction = b &&& 0x000FFFFFFFFFFFFFL
        let m, e = if field = 0 then fraction, -1074 else (fraction ||| 0x0010000000000000L), field - 1075
        struct ((if b < 0L then BigInteger(-m) else BigInteger m), e)

    /// The sign (-1, 0 or 1) of the exact a·b + c - r, for finite a, b, c and r.
    let private residualSign (a: float) (b: float) (c: float) (r: float) : int =
        let struct (ma, ea) = decompose a
        let struct (mb, eb) = decompose b
        let struct (mc, ec) = decompose c
        let struct (mr, er) = decompose r
        let low = min (ea + eb) (min ec er)
        let total = ((ma * mb) <<< (ea + eb - low)) + (mc <<< (ec - low)) - (mr <<< (er - low))
        total.Sign

    /// Given r, the round-to-nearest value of the exact a·b + c (finite, not zero), the value
    /// rounded toward zero: r itself unless r lies farther from zero than the exact value.
    let private towardZero (r: float) (a: float) (b: float) (c: float) : float =
        if r = 0.0 || not (Double.IsFinite r) then r
        else
            let s = residualSign a b c r
            if s <> 0 && (s > 0) <> (r > 0.0) then ofBits (bitsOf r - 1L) else r

    /// a·b rounded toward zero (VMULPD {rz-sae}).
    let private mulTowardZero (a: float) (b: float) = towardZero (a * b) a b 0.0

    /// a·b + c rounded toward zero (VFMADD {rz-sae}).
    let private fmaTowardZero (a: float) (b: float) (c: float) =
        towardZero (Math.FusedMultiplyAdd(a, b, c)) a b c

    // ---------------------------------------------------------------------------------------
    // Vector kernel: x positive and finite (subnormals included), y finite.
    //
    // log2 x: x = 2^e · m with m in [0.5, 1) (VGETEXPPD, VGETMANTPD); r ≈ 1/m rounded to a
    // multiple of 1/32, r in [1, 2]; log2 x = (e + 1) - log2 r + log2(1 + u), u = r·m - 1
    // (exact in one fused operation), -log2 r from a table in two parts (for r >= 1.5 the table
    // holds 1 - log2 r and the 1 moves out of the exponent), log2(1 + u) = u/ln2 - u²/(2 ln2) +
    // u³·p(u), all summed in double-double to S + Slo.
    // x^y = 2^P with P + Plo = y·(S + Slo) (the product rounded toward zero); P = n + j/16 + g,
    // 2^P = 2^n · T[j] · 2^(g + Plo), the last by a polynomial of degree 6.
    // ---------------------------------------------------------------------------------------

    /// The 32 values of the top 16 mantissa bits of m at which r = VRNDSCALEPD(VRCP14PD(m))
    /// steps down by 1/32, from 2 (below the first) to 1 (from the last on). VRCP14PD reads
    /// only those 16 bits; measured on the processor over all 65,536 of them.
    let private reciprocalSteps =
        [| 518; 1575; 2666; 3792; 4957; 6159; 7410; 8701; 10038; 11423; 12864; 14354; 15909; 17518; 19198; 20946
           22767; 24663; 26647; 28717; 30885; 33154; 35533; 38026; 40651; 43407; 46313; 49376; 52616; 56038; 59669; 63523 |]

    /// 32·r for each value of the top 16 mantissa bits of m (64 down to 32).
    let private reciprocal32 : byte[] =
        let table = Array.zeroCreate 65536
        let mutable k = 64
        let mutable next = 0
        for top in 0 .. 65535 do
            if next < reciprocalSteps.Length && top = reciprocalSteps.[next] then
                k <- k - 1
                next <- next + 1
            table.[top] <- byte k
        table

    /// For r = 1 + i/32 (i = 0..31; r = 2 uses i = 0): -log2 r for r < 1.5, 1 - log2 r for
    /// r >= 1.5, high part with at least 13 trailing zero bits (so that adding the exponent is
    /// exact).
    let private logHi : float[] =
        Array.map ofBits [|
            0x0000000000000000L; 0xBFA6BAD3758E0000L; 0xBFB663F6FAC90000L; 0xBFC08C588CDA8000L
            0xBFC5C01A39FC0000L; 0xBFCACF5E2DB50000L; 0xBFCFBC16B9028000L; 0xBFD24407AB0E0000L
            0xBFD49A784BCD0000L; 0xBFD6E221CD9D0000L; 0xBFD91BBA891F0000L; 0xBFDB47EBF7388000L
            0xBFDD6753E0330000L; 0xBFDF7A8568CB0000L; 0xBFE0C10500D64000L; 0xBFE1BF311E95E000L
            0x3FDA8FF971810000L; 0x3FD8A8980ABFC000L; 0x3FD6CB0F6865C000L; 0x3FD4F6FBB2CEC000L
            0x3FD32BFEE3710000L; 0x3FD169C053640000L; 0x3FCF5FD8A9060000L; 0x3FCBFC67A8000000L
            0x3FC8A8980ABF8000L; 0x3FC563DC29FF8000L; 0x3FC22DADC2AB0000L; 0x3FBE0B1AE8F30000L
            0x3FB7D60496D00000L; 0x3FB1BB32A6000000L; 0x3FA77394C9DA0000L; 0x3F9743EE86200000L |]

    /// The low parts: logHi + logLo is the exact value within 2.5e-29.
    let private logLo : float[] =
        Array.map ofBits [|
            0x0000000000000000L; 0xBD5FB0E626C0DE13L; 0xBD33167CCC538261L; 0x3D2871A7610E40BDL
            0x3D54BC302FFA76FBL; 0x3D436C101EE13440L; 0x3D47F5DC57266758L; 0xBD3CE60916E52E91L
            0xBD5B8AFE492BF6FFL; 0xBD49BCAF1AA4168AL; 0xBD5708B4B2B5056CL; 0xBD250520A377C7ECL
            0x3D55F101C141E670L; 0xBD3B3B3864C60011L; 0x3D45669DF6A2B592L; 0x3D5FE43895D8AC46L
            0x3D44BC302FFA76FBL; 0xBD266CCCAB240E90L; 0x3D41D406DB502403L; 0x3D3661E393A16B95L
            0xBD51979A5DB68722L; 0xBD4D4F1B95E0FF45L; 0x3D5F1A4847F7B278L; 0xBD3667F21FA8423FL
            0x3D5E9933354DBF17L; 0x3D56590643906F2AL; 0x3D5A4B69691D7994L; 0xBD054CDA62D3926EL
            0xBD512CE6312EBB82L; 0x3D552743318A8A57L; 0xBD54E55443478FE0L; 0xBD495539356F93DCL |]

    /// 1/ln 2, high part (0x1.71547652b82fep+0) and a low part (0x1.777f3ee5e912fp-56).
    [<Literal>]
    let private InvLn2Hi = 1.4426950408889634
    [<Literal>]
    let private InvLn2Lo = 2.0355736058257225e-17
    /// -1/(2 ln 2) (-0x1.71547652b82fep-1), the coefficient of u².
    [<Literal>]
    let private Half = -0.7213475204444817
    /// log2(1 + u) - u/ln2 + u²/(2 ln2) ≈ u²·(A0 + A1 u + ... + A7 u⁷).
    [<Literal>]
    let private A0 = 8.421822774076385e-18 // 0x1.36b5ddffe5b67p-57
    [<Literal>]
    let private A1 = 0.4808983469629877 // 0x1.ec709dc3a03fcp-2
    [<Literal>]
    let private A2 = -0.3606737602232487 // -0x1.71547652bc9eap-2
    [<Literal>]
    let private A3 = 0.2885390081799307 // 0x1.2776c50f03272p-2
    [<Literal>]
    let private A4 = -0.24044915873623204 // -0x1.ec709bc8fb8dfp-3
    [<Literal>]
    let private A5 = 0.20609927020561977 // 0x1.a6175fca19d03p-3
    [<Literal>]
    let private A6 = -0.18041677509176682 // -0x1.717e59a559f5dp-3
    [<Literal>]
    let private A7 = 0.16038822625577315 // 0x1.48799f5374b96p-3
    /// 2^g - 1 ≈ g·(B0 + B1 g + ... + B5 g⁵).
    [<Literal>]
    let private B0 = 0.6931471805599342 // 0x1.62e42fefa398bp-1
    [<Literal>]
    let private B1 = 0.24022650696194106 // 0x1.ebfbdff84554dp-3
    [<Literal>]
    let private B2 = 0.0555041083923959 // 0x1.c6b08d4ad8eb9p-5
    [<Literal>]
    let private B3 = 0.009618141545265708 // 0x1.3b2ad1b14ebaap-7
    [<Literal>]
    let private B4 = 0.0013330645434141127 // 0x1.5d7472783d279p-10
    [<Literal>]
    let private B5 = 0.00015741120548571732 // 0x1.4a1d7f58c2d59p-13
    /// |P| beyond which the kernel hands the element to its scalar fallback.
    [<Literal>]
    let private KernelLimit = 1021.5

    /// T[j] = 2^(j/16) rounded to nearest.
    let private expTable16 : float[] =
        Array.map ofBits [|
            0x3FF0000000000000L; 0x3FF0B5586CF9890FL; 0x3FF172B83C7D517BL; 0x3FF2387A6E756238L
            0x3FF306FE0A31B715L; 0x3FF3DEA64C123422L; 0x3FF4BFDAD5362A27L; 0x3FF5AB07DD485429L
            0x3FF6A09E667F3BCDL; 0x3FF7A11473EB0187L; 0x3FF8ACE5422AA0DBL; 0x3FF9C49182A3F090L
            0x3FFAE89F995AD3ADL; 0x3FFC199BDD85529CL; 0x3FFD5818DCFBA487L; 0x3FFEA4AFA2A490DAL |]

    /// One lane of `__svml_pow8` for x positive and finite, y finite, or NaN when the kernel
    /// hands the element to its fallback (|y·log2 x| > 1021.5).
    let private kernel (x: float) (y: float) : float =
        let b = bitsOf x
        let mutable exponent = int (b >>> 52) - 1023
        let mutable fraction = b &&& 0x000FFFFFFFFFFFFFL
        if exponent = -1023 then
            // Subnormal: normalise as VGETEXPPD and VGETMANTPD do.
            let shift = BitOperations.LeadingZeroCount(uint64 fraction) - 11
            fraction <- (fraction <<< shift) &&& 0x000FFFFFFFFFFFFFL
            exponent <- -1022 - shift
        // m in [0.5, 1) (VGETMANTPD with interval [1/2, 1)).
        let m = ofBits (0x3FE0000000000000L ||| fraction)
        let k = int reciprocal32.[int (fraction >>> 36)]
        let r = float k * 0.03125
        let i = (k - 32) &&& 31
        let e = if k < 48 then float exponent + 1.0 else float exponent
        let u = Math.FusedMultiplyAdd(r, m, -1.0)
        let a = Math.FusedMultiplyAdd(u, A7, A6)
        let c = Math.FusedMultiplyAdd(u, A5, A4)
        let te = logHi.[i] + e
        let u2 = u * u
        let p = Math.FusedMultiplyAdd(u2, a, c)
        let d = Math.FusedMultiplyAdd(u, A3, A2)
        let p = Math.FusedMultiplyAdd(u2, p, d)
        let u2lo = Math.FusedMultiplyAdd(u, u, -u2)
        let q = Math.FusedMultiplyAdd(Half, u2lo, logLo.[i])
        let g = Math.FusedMultiplyAdd(u, A1, A0)
        let h = Math.FusedMultiplyAdd(u, InvLn2Hi, te)
        let p = Math.FusedMultiplyAdd(u2, p, g)
        let hlo = Math.FusedMultiplyAdd(u, InvLn2Hi, -(h - te))
        let h2 = Math.FusedMultiplyAdd(u2, Half, h)
        let q = Math.FusedMultiplyAdd(u2, p, q)
        let s1 = Math.FusedMultiplyAdd(InvLn2Lo, u, hlo)
        let s = h2 + q
        let h2lo = Math.FusedMultiplyAdd(Half, u2, -(h2 - h))
        let bigP = mulTowardZero s y
        if not (Math.Abs bigP <= KernelLimit) then Double.NaN
        else
        let slo = (q - (s - h2)) + (s1 + h2lo)
        let e1 = fmaTowardZero y s -bigP
        let plo = fmaTowardZero y slo e1
        // n + j/16 = P rounded down to a sixteenth (VADDPD {rd-sae} of a shifter); g0 = P minus
        // that, rounded down (VREDUCEPD, imm 0x41).
        let sixteenths = Math.Floor(bigP * 16.0)
        let g0 =
            let rn = bigP - sixteenths * 0.0625
            if rn = 0.0 then -0.0
            else
                // The exact difference is rn + err (two-sum); round down when err < 0.
                let bv = rn - bigP
                let err = (bigP - (rn - bv)) + (-(sixteenths * 0.0625) - bv)
                if err < 0.0 then ofBits (bitsOf rn - 1L) else rn
        let j = int (int64 sixteenths &&& 15L)
        let n = int (Math.Floor(sixteenths / 16.0))
        let f = g0 + plo
        let t = expTable16.[j]
        let f2 = f * f
        let ft = f * t
        let e45 = Math.FusedMultiplyAdd(f, B5, B4)
        let e23 = Math.FusedMultiplyAdd(f, B3, B2)
        let e01 = Math.FusedMultiplyAdd(f, B1, B0)
        let e = Math.FusedMultiplyAdd(f2, e45, e23)
        let e = Math.FusedMultiplyAdd(f2, e, e01)
        let result = Math.FusedMultiplyAdd(ft, e, t)
        // 2^n is a normal double for n in [-1022, 1021] and result in [1, 2): exact.
        result * ofBits (int64 (n + 1023) <<< 52)

    // ---------------------------------------------------------------------------------------
    // Scalar fallback of the kernel, for the elements it flags: x negative, zero, infinite or
    // NaN, y infinite or NaN, or |P| > 1021.5. Plain double arithmetic, no fused operations.
    //
    // Special values first (C99's rules for pow). Otherwise, with |x| = 2^e·M, M in [1, 2):
    // three reciprocals R1, R2, R3 taken from the leading bits of M, of R1·M and of R1·R2·M
    // bring M·R1·R2·R3 close to C ≈ 1/ln 2 (the third table includes that factor); log2|x| =
    // e - log2 R1 - log2 R2 - log2(R3/C) + log2(V/C) with V = M·R1·R2·R3, the tables in two
    // parts, the last term by a polynomial in V - C, all carried in double-double with
    // Dekker's splitting (2^27 + 1). Then y·log2|x| in double-double, and 2^that as
    // 2^n · 2^(j/128) · 2^r with a 128-entry table in two parts and a polynomial of degree 5,
    // with the kernel's own handling of results near overflow and of subnormal results.
    // ---------------------------------------------------------------------------------------

    /// R1[i] ≈ 1/(1 + i/32), a short value (i = 0..32).
    let private fallbackR1 : float[] =
        Array.map ofBits [|
            0x3FF0000000000000L; 0x3FEF07C000000000L; 0x3FEE1E0000000000L; 0x3FED41C000000000L
            0x3FEC71C000000000L; 0x3FEBAD0000000000L; 0x3FEAF28000000000L; 0x3FEA41C000000000L
            0x3FE9998000000000L; 0x3FE8F9C000000000L; 0x3FE8618000000000L; 0x3FE7D04000000000L
            0x3FE745C000000000L; 0x3FE6C18000000000L; 0x3FE642C000000000L; 0x3FE5C98000000000L
            0x3FE5554000000000L; 0x3FE4E60000000000L; 0x3FE47B0000000000L; 0x3FE4140000000000L
            0x3FE3B14000000000L; 0x3FE3520000000000L; 0x3FE2F68000000000L; 0x3FE29E4000000000L
            0x3FE2494000000000L; 0x3FE1F70000000000L; 0x3FE1A7C000000000L; 0x3FE15B0000000000L
            0x3FE1110000000000L; 0x3FE0C98000000000L; 0x3FE0844000000000L; 0x3FE0410000000000L
            0x3FE0000000000000L
        |]

    /// -log2 R1[i] (minus 1 for i >= 16), high and low part interleaved.
    let private fallbackL1 : float[] =
        Array.map ofBits [|
            0x0000000000000000L; 0x0000000000000000L; 0x3FA6BB01A01F0000L; 0x3D3C995E7439DB71L
            0x3FB665684FF80000L; 0x3D3084F28DA93FB0L; 0x3FC08CD7820EC000L; 0x3D3543C511B40207L
            0x3FC5C04864906000L; 0x3D28C5D47E5F3668L; 0x3FCACF30032BE000L; 0x3D2E3733DEBF9166L
            0x3FCFBC44E396E000L; 0x3D47B3F928665438L; 0x3FD243A590D2B000L; 0x3D3C9B75E8E9D45DL
            0x3FD49AD4A118D000L; 0x3D45CD377302CCA6L; 0x3FD6E22792EF1000L; 0x3D314F240E7E9039L
            0x3FD91BD19E695000L; 0x3D4DBB3EE4F6C667L; 0x3FDB4865273ED000L; 0x3D4AB54A099E1F61L
            0x3FDD679920231000L; 0x3D18ED5096E87504L; 0x3FDF7A349E747000L; 0x3D4A6E7081D99120L
            0x3FE0C11650CF0000L; 0x3D461752EB1152A5L; 0x3FE1BF426E8E9800L; 0x3D376AFF6C055F56L
            0xBFDA8F9D1C354000L; 0xBD4604F54F4F9854L; 0xBFD8A9228A043000L; 0xBD49BC20CF8DD884L
            0xBFD6CB99E7AA4000L; 0xBD412B5AD5A7002BL; 0xBFD4F69F5D830000L; 0xBD38F36DD24BAE46L
            0xBFD32C15F8B57000L; 0xBD0D6EE2E01D9232L; 0xBFD16935D34FB000L; 0xBD2151C6348D84A5L
            0xBFCF5FAA7E71A000L; 0xBD3D157620C552C2L; 0xBFCBFC5C1D5BE000L; 0xBD2784900E42B538L
            0xBFC8A9AD0948A000L; 0xBD4C89BA64F25A56L; 0xBFC563ADFF6B0000L; 0xBD4D0837079422C3L
            0xBFC22DF302746000L; 0xBD3048E3C2505D3DL; 0xBFBE089492EE4000L; 0xBD405589FCD57F87L
            0xBFB7D49341A08000L; 0xBD4EEEF8BCF7AA55L; 0xBFB1BC75CF5A4000L; 0xBD4D7DB2139E8397L
            0xBFA778FDC1828000L; 0xBD34378AF2AF5333L; 0xBF97427D317A0000L; 0xBD4700F14B03B094L
            0x0000000000000000L; 0x0000000000000000L
        |]

    /// R2[i], second reciprocal step (i = 0..32; above 14 for R1·M just below 1).
    let private fallbackR2 : float[] =
        Array.map ofBits [|
            0x3FF0000000000000L; 0x3FEFF00000000000L; 0x3FEFE00000000000L; 0x3FEFD04000000000L
            0x3FEFC08000000000L; 0x3FEFB0C000000000L; 0x3FEFA10000000000L; 0x3FEF918000000000L
            0x3FEF820000000000L; 0x3FEF728000000000L; 0x3FEF630000000000L; 0x3FEF53C000000000L
            0x3FEF448000000000L; 0x3FEF354000000000L; 0x3FEF260000000000L; 0x3FF0454000000000L
            0x3FF0410000000000L; 0x3FF03D0000000000L; 0x3FF038C000000000L; 0x3FF034C000000000L
            0x3FF0308000000000L; 0x3FF02C8000000000L; 0x3FF0288000000000L; 0x3FF0244000000000L
            0x3FF0204000000000L; 0x3FF01C4000000000L; 0x3FF0184000000000L; 0x3FF0140000000000L
            0x3FF0100000000000L; 0x3FF00C0000000000L; 0x3FF0080000000000L; 0x3FF0040000000000L
            0x3FF0000000000000L
        |]

    /// -log2 R2[i], high and low part interleaved.
    let private fallbackL2 : float[] =
        Array.map ofBits [|
            0x0000000000000000L; 0x0000000000000000L; 0x3F671B0EA4280000L; 0x3D497F689876EF47L
            0x3F7720D9C0680000L; 0x3D441AF53778C7CCL; 0x3F8145C68A7A0000L; 0x3D44BDD19AC06488L
            0x3F86FDF461D20000L; 0x3D3C9EFC46D9F6F7L; 0x3F8CB8F9355C0000L; 0x3D3275C9ADFBB459L
            0x3F913B6BEC350000L; 0x3D0F25B44FC32ADBL; 0x3F9410167B760000L; 0x3D3F880CA8ED5317L
            0x3F96E625317A0000L; 0x3D453F0E645614DBL; 0x3F99BD996D010000L; 0x3D2CD686341A2DABL
            0x3F9C96748ED00000L; 0x3D4EF88D66D10B04L; 0x3F9F64EDD4200000L; 0x3D4511C3828828DAL
            0x3FA11A6297920000L; 0x3D4D925CD7D436D6L; 0x3FA282FDFAD70000L; 0x3D49EEE0A58B8D6EL
            0x3FA3EC49BFC20000L; 0x3D4DEAC32E0E0086L; 0xBF98C49331230000L; 0xBD49AD075EFCABFAL
            0xBF97427D317A0000L; 0xBD4700F14B03B094L; 0xBF95D6C0EE910000L; 0xBD4A5115535202A3L
            0xBF9453E6ADB60000L; 0xBD415A44E102F731L; 0xBF92E77157080000L; 0xBD4C7ED85EE9AD86L
            0xBF9163D20D100000L; 0xBD46E8B9664FE33FL; 0xBF8FED45CBCC0000L; 0xBD37F33943464056L
            0xBF8D1232C5EA0000L; 0xBD17CF34B0BDC8DFL; 0xBF8A08A828680000L; 0xBD35A529F02B9CCFL
            0xBF872C1F4CF00000L; 0xBD2B4934580FE573L; 0xBF844EE0A6F20000L; 0xBD24C8CBFF314317L
            0xBF8170EBDC1C0000L; 0xBD447DB02CC5232FL; 0xBF7CC89F97D40000L; 0xBD43AC9C90330E7BL
            0xBF7709C46D780000L; 0xBD4563BA56CDE925L; 0xBF71497ACCF40000L; 0xBD4F08E7DDD3E770L
            0xBF670F83FF080000L; 0xBD33AB2631D4676DL; 0xBF57126537400000L; 0xBD2FA2A0FD4FCA1DL
            0x0000000000000000L; 0x0000000000000000L
        |]

    /// R3[i], third reciprocal step times C (i = 0..128).
    let private fallbackR3 : float[] =
        Array.map ofBits [|
            0x3FF7154740000000L; 0x3FF7151900000000L; 0x3FF714EB00000000L; 0x3FF714BCC0000000L
            0x3FF7148E80000000L; 0x3FF7146080000000L; 0x3FF7143240000000L; 0x3FF7140440000000L
            0x3FF713D600000000L; 0x3FF713A7C0000000L; 0x3FF71379C0000000L; 0x3FF7134B80000000L
            0x3FF7131D80000000L; 0x3FF712EF40000000L; 0x3FF712C140000000L; 0x3FF7129300000000L
            0x3FF7126500000000L; 0x3FF71236C0000000L; 0x3FF71208C0000000L; 0x3FF711DA80000000L
            0x3FF711AC80000000L; 0x3FF7117E80000000L; 0x3FF7115040000000L; 0x3FF7112240000000L
            0x3FF710F400000000L; 0x3FF710C600000000L; 0x3FF7109800000000L; 0x3FF71069C0000000L
            0x3FF7103BC0000000L; 0x3FF7100D80000000L; 0x3FF70FDF80000000L; 0x3FF70FB180000000L
            0x3FF70F8340000000L; 0x3FF70F5540000000L; 0x3FF70F2740000000L; 0x3FF70EF940000000L
            0x3FF70ECB00000000L; 0x3FF70E9D00000000L; 0x3FF70E6F00000000L; 0x3FF70E4100000000L
            0x3FF70E12C0000000L; 0x3FF70DE4C0000000L; 0x3FF70DB6C0000000L; 0x3FF70D88C0000000L
            0x3FF70D5AC0000000L; 0x3FF70D2C80000000L; 0x3FF70CFE80000000L; 0x3FF70CD080000000L
            0x3FF70CA280000000L; 0x3FF70C7480000000L; 0x3FF70C4680000000L; 0x3FF70C1880000000L
            0x3FF70BEA80000000L; 0x3FF70BBC80000000L; 0x3FF70B8E40000000L; 0x3FF70B6040000000L
            0x3FF70B3240000000L; 0x3FF70B0440000000L; 0x3FF70AD640000000L; 0x3FF70AA840000000L
            0x3FF70A7A40000000L; 0x3FF71B5380000000L; 0x3FF71B3C40000000L; 0x3FF71B2540000000L
            0x3FF71B0E00000000L; 0x3FF71AF700000000L; 0x3FF71ADFC0000000L; 0x3FF71AC8C0000000L
            0x3FF71AB180000000L; 0x3FF71A9A80000000L; 0x3FF71A8340000000L; 0x3FF71A6C40000000L
            0x3FF71A5500000000L; 0x3FF71A3E00000000L; 0x3FF71A26C0000000L; 0x3FF71A0FC0000000L
            0x3FF719F880000000L; 0x3FF719E180000000L; 0x3FF719CA40000000L; 0x3FF719B340000000L
            0x3FF7199C00000000L; 0x3FF7198500000000L; 0x3FF7196DC0000000L; 0x3FF71956C0000000L
            0x3FF7193F80000000L; 0x3FF7192880000000L; 0x3FF7191140000000L; 0x3FF718FA40000000L
            0x3FF718E340000000L; 0x3FF718CC00000000L; 0x3FF718B500000000L; 0x3FF7189DC0000000L
            0x3FF71886C0000000L; 0x3FF7186F80000000L; 0x3FF7185880000000L; 0x3FF7184180000000L
            0x3FF7182A40000000L; 0x3FF7181340000000L; 0x3FF717FC00000000L; 0x3FF717E500000000L
            0x3FF717CDC0000000L; 0x3FF717B6C0000000L; 0x3FF7179FC0000000L; 0x3FF7178880000000L
            0x3FF7177180000000L; 0x3FF7175A40000000L; 0x3FF7174340000000L; 0x3FF7172C40000000L
            0x3FF7171500000000L; 0x3FF716FE00000000L; 0x3FF716E6C0000000L; 0x3FF716CFC0000000L
            0x3FF716B8C0000000L; 0x3FF716A180000000L; 0x3FF7168A80000000L; 0x3FF7167380000000L
            0x3FF7165C40000000L; 0x3FF7164540000000L; 0x3FF7162E00000000L; 0x3FF7161700000000L
            0x3FF7160000000000L; 0x3FF715E8C0000000L; 0x3FF715D1C0000000L; 0x3FF715BAC0000000L
            0x3FF715A380000000L; 0x3FF7158C80000000L; 0x3FF7157580000000L; 0x3FF7155E40000000L
            0x3FF7154740000000L
        |]

    /// -log2(R3[i]/C), high and low part interleaved.
    let private fallbackL3 : float[] =
        Array.map ofBits [|
            0x0000000000000000L; 0x0000000000000000L; 0x3F07201750000000L; 0x3D099925641F4F36L
            0x3F17102E3B000000L; 0x3D120082C162D124L; 0x3F2150340C800000L; 0x3D441EE709125FF4L
            0x3F27185C92000000L; 0x3CEECD1C8BABF46FL; 0x3F2CD8905D000000L; 0x3D3BEE60F0BBF0CFL
            0x3F315067FF400000L; 0x3D3FDBDF8A9648DDL; 0x3F34308D63400000L; 0x3D3681CBAEE1B670L
            0x3F3714B8C2800000L; 0x3D4102E6BF3D153EL; 0x3F39F8E9ED400000L; 0x3D365EF233794ABCL
            0x3F3CD92093400000L; 0x3D4FDF0B3D384508L; 0x3F3FBD5D4D400000L; 0x3D19A166782C348AL
            0x3F414ECFB9400000L; 0x3D48ABA039DDE07FL; 0x3F42C0F3DDE00000L; 0x3D435F8A9D5FD823L
            0x3F44311AB0600000L; 0x3D47963A12458BECL; 0x3F45A3449CE00000L; 0x3D47E1512C8C13FDL
            0x3F4713712F600000L; 0x3D48D0BECB0BD4FAL; 0x3F4885A0E4000000L; 0x3D39DB21DCE1A474L
            0x3F49F5D336A00000L; 0x3D48916655660916L; 0x3F4B6808B3800000L; 0x3D3D7958C862A7D0L
            0x3F4CD840C6800000L; 0x3D4312BAD43B70F4L; 0x3F4E487BB7C00000L; 0x3D46363F975E2C41L
            0x3F4FBAB9DF600000L; 0x3D224E63850FC6C3L; 0x3F50957D48A00000L; 0x3D25689617A21AA6L
            0x3F514E9F40C00000L; 0x3D32AE5FA4582824L; 0x3F5206C27A100000L; 0x3D45C3F884B0FD57L
            0x3F52BEE722A00000L; 0x3D4A525C4AAD1649L; 0x3F53780D70800000L; 0x3D1DEB18275071DEL
            0x3F543034F9900000L; 0x3D48EAE4D5D75FB6L; 0x3F54E95E2C000000L; 0x3D3728C5C1291B85L
            0x3F55A18895B00000L; 0x3D4F699AABECF0D7L; 0x3F5659B46ED00000L; 0x3D22ED258F2D1FA9L
            0x3F5712E1F7400000L; 0x3D3445EF8B30E580L; 0x3F57CB10B1100000L; 0x3D431D52DC75FAC6L
            0x3F588340DA500000L; 0x3D3FFBCBA135BD69L; 0x3F593B7273000000L; 0x3D3871002D63E5DBL
            0x3F59F4A5C3200000L; 0x3D45AFDD1C0BB062L; 0x3F5AACDA3CC00000L; 0x3D41914FDCD040AEL
            0x3F5B651025E00000L; 0x3D3E7387DB245B1FL; 0x3F5C1D477E800000L; 0x3D4A1E1B593D6B3FL
            0x3F5CD68096C00000L; 0x3CEA7D5CCC31FC26L; 0x3F5D8EBAD0800000L; 0x3D2BEFBC762A3069L
            0x3F5E46F679D00000L; 0x3D4D39FF952BE02CL; 0x3F5EFF3392D00000L; 0x3D3D34373B1A1CB4L
            0x3F5FB7721B700000L; 0x3D2A49F257218470L; 0x3F60385936D80000L; 0x3D43ADB6602BA3B5L
            0x3F609479EBD00000L; 0x3D4A60560591EE13L; 0x3F60F09B58A80000L; 0x3D343EEC4FAFF44BL
            0x3F614CBD7D580000L; 0x3D3CC4C6130DF139L; 0x3F61A8E059E80000L; 0x3D42A0AD9380107FL
            0x3F620503EE600000L; 0x3D12915AB9035A2AL; 0x3F6261283AB80000L; 0x3D31DDED20CAACA3L
            0x3F62BD4D3EF80000L; 0x3D41EF6E281079C7L; 0x3F631972FB280000L; 0x3D31986B6B98497FL
            0x3F637619A5400000L; 0x3D4C369791F2B430L; 0x3F63D240D2500000L; 0x3D40ECA7CE1C0762L
            0x3F642E68B7500000L; 0x3D45FA86073B1E2EL; 0x3F648A9154480000L; 0x3D46D9E905A622FDL
            0x3F64E6BAA9380000L; 0x3D4F04CC4B55A072L; 0x3F6542E4B6280000L; 0x3D49F57016094E0EL
            0x3F659F0F7B180000L; 0x3D432659616CF239L; 0xBF582DD569800000L; 0xBD3AB5413ED708F7L
            0xBF57D0ED91900000L; 0xBD4135C67B358E46L; 0xBF5775051B300000L; 0xBCFEF3C0F6ED6FDEL
            0xBF57181C89400000L; 0xBD46A4555AF7807FL; 0xBF56BC335AE00000L; 0xBD452637919C892DL
            0xBF565F4A0F000000L; 0xBD46D380806E8ED0L; 0xBF56036028A00000L; 0xBD4E545EFEDC7D6BL
            0xBF55A67622D00000L; 0xBD28C45AFDAB27BCL; 0xBF554A8B84700000L; 0xBD40EFC094F1D540L
            0xBF54EDA0C4900000L; 0xBD492AA16E5D7E55L; 0xBF5491B56E400000L; 0xBD065C31AE3A4995L
            0xBF5434C9F4600000L; 0xBD20B59190B30C51L; 0xBF53D8DDE6000000L; 0xBD208E1F5C64292CL
            0xBF537BF1B2100000L; 0xBD4BA65DF606F2E6L; 0xBF532004EBB00000L; 0xBD3B2BD51A593CA0L
            0xBF52C317FDC00000L; 0xBD440246F5360F7DL; 0xBF52672A7F500000L; 0xBD4229817BBFCA47L
            0xBF520A3CD7600000L; 0xBD0AD92ACF30F123L; 0xBF51AE4EA0E00000L; 0xBD292A75693830ADL
            0xBF5151603ED00000L; 0xBD49146EE0391426L; 0xBF50F57150400000L; 0xBD4E654957002344L
            0xBF50988234300000L; 0xBD3D45878F311F09L; 0xBF503C928D900000L; 0xBD3DCA9628FE4EA6L
            0xBF4FBF456EC00000L; 0xBD46C4340F0A4C7FL; 0xBF4F0764B1600000L; 0xBD386C454F8F13F5L
            0xBF4E4D8390E00000L; 0xBD2790734F099D6AL; 0xBF4D95A163400000L; 0xBD3586152BF804ACL
            0xBF4CDDBE7E800000L; 0xBD43F2DCEDA75E42L; 0xBF4C23DB30A00000L; 0xBD4EF6F7D23862D0L
            0xBF4B6BF6DBC00000L; 0xBD3DE7D12300F78CL; 0xBF4AB21219A00000L; 0xBD4D3C99BB645928L
            0xBF49FA2C54800000L; 0xBD3C87D4ADF18185L; 0xBF4940461E200000L; 0xBD49FE5A1A0618B0L
            0xBF48885EE8C00000L; 0xBD2934A5AAEEF6A6L; 0xBF47D076FC200000L; 0xBD39CFC0ECBB5462L
            0xBF47168E98600000L; 0xBD36F34EBFA1C16BL; 0xBF465EA53B800000L; 0xBD22ED1C9088CA01L
            0xBF45A4BB63600000L; 0xBD4233202D6DE9B5L; 0xBF44ECD096200000L; 0xBD48587110D84808L
            0xBF4432E549C00000L; 0xBD3DC6145992900AL; 0xBF437AF90C200000L; 0xBD4C28B1F611F4F2L
            0xBF42C30C17600000L; 0xBD49B47212496DA4L; 0xBF42091E9D800000L; 0xBD22545FB07B63E5L
            0xBF41513038600000L; 0xBCF3FC746B4DAA19L; 0xBF4097414A000000L; 0xBD2819AD9F7943ACL
            0xBF3FBEA2E8C00000L; 0xBD4ACC9205018F01L; 0xBF3E4EC1CF400000L; 0xBD48B0285DECAD9CL
            0xBF3CDADF97400000L; 0xBD4CA2DD63115207L; 0xBF3B6AFB9D000000L; 0xBD354003A7FC9363L
            0xBF39F7167C000000L; 0xBD4A8AE0407A7831L; 0xBF38872FA0C00000L; 0xBD42DD8B91A8939DL
            0xBF37174757000000L; 0xBD3A49252F243D55L; 0xBF35A35DDAC00000L; 0xBD2741DF22A2581BL
            0xBF343372B0000000L; 0xBD0CAB753C22E0D2L; 0xBF32C38616800000L; 0xBD4B6E115FC1D4DDL
            0xBF314F983EC00000L; 0xBD3F929A97121E28L; 0xBF2FBF5189000000L; 0xBD13EA1E806FDBDAL
            0xBF2CD77007000000L; 0xBD370EB151E95ECBL; 0xBF29F78B50000000L; 0xBD418759FF247507L
            0xBF2717A3BC000000L; 0xBD3C0D6BC6C6F140L; 0xBF242FB982800000L; 0xBD4CF2EFB8D3C162L
            0xBF214FCC2C800000L; 0xBD206CE312CFE97EL; 0xBF1CDFB7F1000000L; 0xBD4D77341056AF68L
            0xBF170FD210000000L; 0xBD24CAA429329AEFL; 0xBF114FE624000000L; 0xBCF284C306B71311L
            0xBF071FE8FA000000L; 0xBD33BB0CDD98569AL; 0xBEF6FFF4AC000000L; 0xBD4D54D70B7407C7L
            0x0000000000000000L; 0x0000000000000000L
        |]

    /// 2^(j/128) (j = 0..127) as a high part rounded to nearest and a low part, interleaved.
    let private fallbackExp : float[] =
        Array.map ofBits [|
            0x3FF0000000000000L; 0x0000000000000000L; 0x3FF0163DA9FB3335L; 0x3C9B61299AB8CDB7L
            0x3FF02C9A3E778061L; 0xBC719083535B085DL; 0x3FF04315E86E7F85L; 0xBC90A31C1977C96EL
            0x3FF059B0D3158574L; 0x3C8D73E2A475B465L; 0x3FF0706B29DDF6DEL; 0xBC8C91DFE2B13C26L
            0x3FF0874518759BC8L; 0x3C6186BE4BB284FFL; 0x3FF09E3ECAC6F383L; 0x3C91487818316135L
            0x3FF0B5586CF9890FL; 0x3C98A62E4ADC610AL; 0x3FF0CC922B7247F7L; 0x3C901EDC16E24F71L
            0x3FF0E3EC32D3D1A2L; 0x3C403A1727C57B52L; 0x3FF0FB66AFFED31BL; 0xBC6B9BEDC44EBD7BL
            0x3FF11301D0125B51L; 0xBC96C51039449B39L; 0x3FF12ABDC06C31CCL; 0xBC51B514B36CA5C7L
            0x3FF1429AAEA92DE0L; 0xBC932FBF9AF1369EL; 0x3FF15A98C8A58E51L; 0x3C82406AB9EEAB09L
            0x3FF172B83C7D517BL; 0xBC819041B9D78A75L; 0x3FF18AF9388C8DEAL; 0xBC911023D1970F6BL
            0x3FF1A35BEB6FCB75L; 0x3C8E5B4C7B4968E4L; 0x3FF1BBE084045CD4L; 0xBC995386352EF607L
            0x3FF1D4873168B9AAL; 0x3C9E016E00A2643CL; 0x3FF1ED5022FCD91DL; 0xBC91DF98027BB78BL
            0x3FF2063B88628CD6L; 0x3C8DC775814A8494L; 0x3FF21F49917DDC96L; 0x3C82A97E9494A5EDL
            0x3FF2387A6E756238L; 0x3C99B07EB6C70572L; 0x3FF251CE4FB2A63FL; 0x3C8AC155BEF4F4A4L
            0x3FF26B4565E27CDDL; 0x3C82BD339940E9D9L; 0x3FF284DFE1F56381L; 0xBC9A4C3A8C3F0D7DL
            0x3FF29E9DF51FDEE1L; 0x3C8612E8AFAD1255L; 0x3FF2B87FD0DAD990L; 0xBC410ADCD6381AA3L
            0x3FF2D285A6E4030BL; 0x3C90024754DB41D4L; 0x3FF2ECAFA93E2F56L; 0x3C71CA0F45D52383L
            0x3FF306FE0A31B715L; 0x3C86F46AD23182E4L; 0x3FF32170FC4CD831L; 0x3C8A9CE78E18047CL
            0x3FF33C08B26416FFL; 0x3C932721843659A5L; 0x3FF356C55F929FF1L; 0xBC8B5CEE5C4E4628L
            0x3FF371A7373AA9CBL; 0xBC963AEABF42EAE1L; 0x3FF38CAE6D05D866L; 0xBC9E958D3C9904BCL
            0x3FF3A7DB34E59FF7L; 0xBC75E436D661F5E2L; 0x3FF3C32DC313A8E5L; 0xBC9EFFF8375D29C3L
            0x3FF3DEA64C123422L; 0x3C8ADA0911F09EBBL; 0x3FF3FA4504AC801CL; 0xBC97D023F956F9F3L
            0x3FF4160A21F72E2AL; 0xBC5EF3691C309278L; 0x3FF431F5D950A897L; 0xBC81C7DDE35F7998L
            0x3FF44E086061892DL; 0x3C489B7A04EF80CFL; 0x3FF46A41ED1D0057L; 0x3C9C944BD1648A76L
            0x3FF486A2B5C13CD0L; 0x3C73C1A3B69062F0L; 0x3FF4A32AF0D7D3DEL; 0x3C99CB62F3D1BE56L
            0x3FF4BFDAD5362A27L; 0x3C7D4397AFEC42E2L; 0x3FF4DCB299FDDD0DL; 0x3C98ECDBBC6A7833L
            0x3FF4F9B2769D2CA7L; 0xBC94B309D25957E3L; 0x3FF516DAA2CF6642L; 0xBC8F768569BD93EEL
            0x3FF5342B569D4F82L; 0xBC807ABE1DB13CACL; 0x3FF551A4CA5D920FL; 0xBC8D689CEFEDE59AL
            0x3FF56F4736B527DAL; 0x3C99BB2C011D93ACL; 0x3FF58D12D497C7FDL; 0x3C8295E15B9A1DE7L
            0x3FF5AB07DD485429L; 0x3C96324C054647ACL; 0x3FF5C9268A5946B7L; 0x3C3C4B1B816986A2L
            0x3FF5E76F15AD2148L; 0x3C9BA6F93080E65DL; 0x3FF605E1B976DC09L; 0xBC93E2429B56DE47L
            0x3FF6247EB03A5585L; 0xBC9383C17E40B496L; 0x3FF6434634CCC320L; 0xBC8C483C759D8932L
            0x3FF6623882552225L; 0xBC9BB60987591C33L; 0x3FF68155D44CA973L; 0x3C6038AE44F73E64L
            0x3FF6A09E667F3BCDL; 0xBC9BDD3413B26455L; 0x3FF6C012750BDABFL; 0xBC72895667FF0B0CL
            0x3FF6DFB23C651A2FL; 0xBC6BBE3A683C88AAL; 0x3FF6FF7DF9519484L; 0xBC883C0F25860EF6L
            0x3FF71F75E8EC5F74L; 0xBC816E4786887A99L; 0x3FF73F9A48A58174L; 0xBC90A8D96C65D53BL
            0x3FF75FEB564267C9L; 0xBC90245957316DD3L; 0x3FF780694FDE5D3FL; 0x3C9866B80A02162CL
            0x3FF7A11473EB0187L; 0xBC841577EE04992FL; 0x3FF7C1ED0130C132L; 0x3C9F124CD1164DD5L
            0x3FF7E2F336CF4E62L; 0x3C705D02BA15797EL; 0x3FF80427543E1A12L; 0xBC927C86626D972AL
            0x3FF82589994CCE13L; 0xBC9D4C1DD41532D7L; 0x3FF8471A4623C7ADL; 0xBC88D684A341CDFBL
            0x3FF868D99B4492EDL; 0xBC9FC6F89BD4F6BAL; 0x3FF88AC7D98A6699L; 0x3C9994C2F37CB53AL
            0x3FF8ACE5422AA0DBL; 0x3C96E9F156864B26L; 0x3FF8CF3216B5448CL; 0xBC70D55E32E9E3AAL
            0x3FF8F1AE99157736L; 0x3C85CC13A2E3976CL; 0x3FF9145B0B91FFC6L; 0xBC9DD6792E582523L
            0x3FF93737B0CDC5E5L; 0xBC675FC781B57EBBL; 0x3FF95A44CBC8520FL; 0xBC764B7C96A5F039L
            0x3FF97D829FDE4E50L; 0xBC9D185B7C1B85D0L; 0x3FF9A0F170CA07BAL; 0xBC9173BD91CEE632L
            0x3FF9C49182A3F090L; 0x3C7C7C46B071F2BEL; 0x3FF9E86319E32323L; 0x3C7824CA78E64C6EL
            0x3FFA0C667B5DE565L; 0xBC9359495D1CD532L; 0x3FFA309BEC4A2D33L; 0x3C96305C7DDC36ABL
            0x3FFA5503B23E255DL; 0xBC9D2F6EDB8D41E1L; 0x3FFA799E1330B358L; 0x3C9BCB7ECAC563C6L
            0x3FFA9E6B5579FDBFL; 0x3C90FAC90EF7FD31L; 0x3FFAC36BBFD3F37AL; 0xBC8F9234CAE76CD0L
            0x3FFAE89F995AD3ADL; 0x3C97A1CD345DCC81L; 0x3FFB0E07298DB666L; 0xBC9BDEF54C80E424L
            0x3FFB33A2B84F15FBL; 0xBC62805E3084D707L; 0x3FFB59728DE5593AL; 0xBC9C71DFBBBA6DE3L
            0x3FFB7F76F2FB5E47L; 0xBC75584F7E54AC3AL; 0x3FFBA5B030A1064AL; 0xBC9EFCD30E54292EL
            0x3FFBCC1E904BC1D2L; 0x3C823DD07A2D9E84L; 0x3FFBF2C25BD71E09L; 0xBC9EFDCA3F6B9C72L
            0x3FFC199BDD85529CL; 0x3C811065895048DDL; 0x3FFC40AB5FFFD07AL; 0x3C9B4537E083C60AL
            0x3FFC67F12E57D14BL; 0x3C92884DFF483CACL; 0x3FFC8F6D9406E7B5L; 0x3C71ACBC48805C44L
            0x3FFCB720DCEF9069L; 0x3C7503CBD1E949DBL; 0x3FFCDF0B555DC3FAL; 0xBC8DD83B53829D72L
            0x3FFD072D4A07897CL; 0xBC9CBC3743797A9CL; 0x3FFD2F87080D89F2L; 0xBC9D487B719D8577L
            0x3FFD5818DCFBA487L; 0x3C82ED02D75B3706L; 0x3FFD80E316C98398L; 0xBC911EC18BEDDFE8L
            0x3FFDA9E603DB3285L; 0x3C9C2300696DB532L; 0x3FFDD321F301B460L; 0x3C92DA5778F018C2L
            0x3FFDFC97337B9B5FL; 0xBC91A5CD4F184B5BL; 0x3FFE264614F5A129L; 0xBC97B627817A1496L
            0x3FFE502EE78B3FF6L; 0x3C839E8980A9CC8FL; 0x3FFE7A51FBC74C83L; 0x3C92D522CA0C8DE1L
            0x3FFEA4AFA2A490DAL; 0xBC9E9C23179C2893L; 0x3FFECF482D8E67F1L; 0xBC9C93F3B411AD8CL
            0x3FFEFA1BEE615A27L; 0x3C9DC7F486A4B6B0L; 0x3FFF252B376BBA97L; 0x3C93A1A5BF0D8E43L
            0x3FFF50765B6E4540L; 0x3C99D3E12DD8A18AL; 0x3FFF7BFDAD9CBE14L; 0xBC9DBB12D0063509L
            0x3FFFA7C1819E90D8L; 0x3C874853F3A5931EL; 0x3FFFD3C22B8F71F1L; 0x3C62EB74966579E7L
        |]

    /// Dekker's splitter 2^27 + 1: v·S - (v·S - v) is v's high 26 bits.
    [<Literal>]
    let private Splitter = 134217729.0
    /// C, the head of 1/ln 2 the third reciprocal table aims at (0x1.7154740000000p+0).
    [<Literal>]
    let private FallbackC = 1.442694902420044
    /// log2(V/C) - (V - C) ≈ F1 t + F2 t² + F3 t³ + F4 t⁴, t ≈ V - C.
    [<Literal>]
    let private F1 = 9.597935033233503e-08 // 0x1.9c3a6966457e8p-24
    [<Literal>]
    let private F2 = -0.3465736568077919 // -0x1.62e4346694107p-2
    [<Literal>]
    let private F3 = 0.16015105075870564 // 0x1.47fd462b6dee1p-3
    [<Literal>]
    let private F4 = -0.08325619496470027 // -0x1.550472a9012d8p-4
    /// 1.5·2^45: adding it rounds to a multiple of 1/128.
    [<Literal>]
    let private Shifter45 = 52776558133248.0
    /// 2^r - 1 ≈ G1 r + ... + G5 r⁵.
    [<Literal>]
    let private G1 = 0.6931471805599453 // 0x1.62e42fefa39efp-1
    [<Literal>]
    let private G2 = 0.24022650695910072 // 0x1.ebfbdff82c58fp-3
    [<Literal>]
    let private G3 = 0.05550410866482158 // 0x1.c6b08d704a0c0p-5
    [<Literal>]
    let private G4 = 0.009618129107628477 // 0x1.3b2ab6fba4e77p-7
    [<Literal>]
    let private G5 = 0.0013333558146428443 // 0x1.5d87fe78a6731p-10
    /// 2^200 and 2^-200.
    let private twoTo200 = ofBits 0x4C70000000000000L
    let private twoToMinus200 = ofBits 0x3370000000000000L

    /// The NaN x86 produces for an invalid operation such as 0/0 (sign bit set).
    let private invalidNaN = ofBits (int64 0xFFF8000000000000UL)

    /// A NaN made quiet, sign and payload kept (what an x86 addition returns for it).
    let private quiet (v: float) = ofBits (bitsOf v ||| 0x0008000000000000L)

    /// The fallback's main path: |x| finite, not zero, not 1; y finite, not zero; sign = ±1 the
    /// sign of the result.
    let private fallbackMain (ax: float) (y: float) (sign: float) : float =
        let mutable ax = ax
        let mutable bias = 0
        if (bitsOf ax >>> 52) = 0L then
            ax <- ax * twoTo200
            bias <- -200
        let axBits = bitsOf ax
        // The exponent, one more when M >= 1.484375 (the tables then hold log2 R1 - 1).
        let e = (int (uint32 (axBits >>> 32) + 0xC0184000u) >>> 20) + bias
        let xm = ofBits ((axBits &&& 0x000FFFFFFFFFFFFFL) ||| 0x3FF0000000000000L)
        let i1 = int (((uint32 (bitsOf xm >>> 32) &&& 0xFC000u) + 0x4000u) >>> 15)
        let r1 = fallbackR1.[i1]
        let v1 = r1 * xm
        let k = float e + fallbackL1.[2 * i1]
        let xs = xm * Splitter
        let i2 = int (((uint32 (bitsOf v1 >>> 32) &&& 0xFC00u) + 0x400u) >>> 11)
        let xd = xs - xm
        let r2 = fallbackR2.[i2]
        let v2 = v1 * r2
        let k = k + fallbackL2.[2 * i2]
        let r12 = r1 * r2
        let xHi = xs - xd
        let i3 = int (((uint32 (bitsOf v2 >>> 32) &&& 0xFF0u) + 0x10u) >>> 5)
        let r3 = fallbackR3.[i3]
        let r = r12 * r3
        let xLo = xm - xHi
        let k = k + fallbackL3.[2 * i3]
        let v3 = v2 * r3
        let w = v3 - FallbackC
        let rs = r * Splitter
        let rHi = rs - (rs - r)
        let rLo = r - rHi
        // The rounding error of v3 = M·R (exactly M·R - v3 up to the last two products).
        let rr = (((xHi * rHi - v3) + rHi * xLo) + xHi * rLo) + xLo * rLo
        let z = k + w
        let zLo = (k - z) + w
        let sumField = int ((bitsOf z >>> 52) &&& 0x7FFL) + int ((bitsOf y >>> 52) &&& 0x7FFL)
        if sumField >= 0x809 then
            // |y·log2|x|| >= 2048: overflow or underflow, by the product's sign.
            if (bitsOf z < 0L) <> (bitsOf y < 0L) then 0.0 * sign else Double.PositiveInfinity * sign
        elif sumField <= 0x7C0 then
            // |y·log2|x|| < 2^-61.
            1.0 * sign
        else
            let t = w + rr
            let l23 = fallbackL2.[2 * i2 + 1] + fallbackL3.[2 * i3 + 1]
            let rz = rr + zLo
            let lowSum = (fallbackL1.[2 * i1 + 1] + l23) + rz
            let poly = (((F4 * t + F3) * t + F2) * t + F1) * t
            let g = z + poly
            let gLo = (z - g) + poly
            let h = lowSum + g
            let hLo = (g - h) + lowSum
            let hs = h * Splitter
            let lowProduct = (hLo + gLo) * y
            let hHi = hs - (hs - h)
            let hl = h - hHi
            let ys = y * Splitter
            let yHi = ys - (ys - y)
            let yl = y - yHi
            let p = yHi * hHi
            let shifted = Shifter45 + p
            let pLo = ((yHi * hl + hl * yl) + hHi * yl) + lowProduct
            let rem = (p - (shifted - Shifter45)) + pLo
            let low32 = int (bitsOf shifted)
            let j = low32 &&& 0x7F
            let n = low32 >>> 7
            let tHi = fallbackExp.[2 * j]
            let q = ((((G5 * rem + G4) * rem + G3) * rem + G2) * rem + G1) * rem
            let q = q * tHi + fallbackExp.[2 * j + 1]
            let m = q + tHi
            let ex = n + int ((bitsOf m >>> 52) &&& 0x7FFL) - 0x3FF
            if ex >= 0x400 then
                Double.PositiveInfinity * sign
            elif ex >= -0x3FE then
                ofBits ((bitsOf m &&& 0x800FFFFFFFFFFFFFL) ||| (int64 ((ex + 0x3FF) &&& 0x7FF) <<< 52)) * sign
            elif ex >= -0x408 then
                // Subnormal result: scale by 2^(n+200) in double-double, then by 2^-200 once.
                let scale = ofBits (int64 ((n + 0x4C7) &&& 0x7FF) <<< 52)
                let mLo = q + (tHi - m)
                let ms = m * Splitter
                let mHi = ms - (ms - m)
                let ml = m - mHi
                let v = (ml + mLo) * scale + mHi * scale
                (sign * twoToMinus200) * v + 0.0
            elif ex >= -0x43C then
                let scale = ofBits (int64 ((n + 0x4C7) &&& 0x7FF) <<< 52)
                (sign * twoToMinus200) * (m * scale) - 0.0
            else
                0.0 * sign

    /// The kernel's scalar fallback for one element.
    let private fallback (x: float) (y: float) : float =
        let xb = bitsOf x
        let yb = bitsOf y
        let xField = int ((xb >>> 52) &&& 0x7FFL)
        let yField = int ((yb >>> 52) &&& 0x7FFL)
        let xNegative = xb < 0L
        let yNegative = yb < 0L
        let yZero = (yb &&& 0x7FFFFFFFFFFFFFFFL) = 0L
        // 0: y is not an integer (or not finite), 1: an odd integer, 2: an even one (or zero).
        let yInteger =
            if yZero then 2
            elif yField < 0x3FF || yField = 0x7FF then 0
            else
                let e = yField - 0x3FF
                if e >= 53 then 2
                elif e < 52 && (yb <<< (12 + e)) <> 0L then 0
                elif ((yb >>> (52 - e)) &&& 1L) = 1L then 1
                else 2
        let sign = if xNegative && yInteger = 1 then -1.0 else 1.0
        if x = 1.0 || yZero then 1.0
        elif Double.IsNaN x then quiet x
        elif Double.IsNaN y then quiet y
        elif x = 0.0 then
            if yNegative then sign / 0.0 else sign * 0.0
        elif x = -1.0 then
            if yInteger = 1 then -1.0
            elif yInteger = 2 || Double.IsInfinity y then 1.0
            else invalidNaN
        elif Double.IsInfinity x || Double.IsInfinity y then
            if xField < 0x3FF then (if yNegative then Double.PositiveInfinity else 0.0)
            elif yNegative then 0.0 * sign
            else (x * x) * y * sign
        elif xNegative && yInteger = 0 then invalidNaN
        else fallbackMain (Math.Abs x) y sign

    /// `numpy.power(x, y)` for float64, bit for bit as NumPy 1.24.2 (Debian, SVML, AVX512_SKX)
    /// computes it, for every pair of doubles: SVML's `__svml_pow8` lane by lane, its vector
    /// kernel for x positive and finite, y finite and |y·log2 x| <= 1021.5, its scalar fallback
    /// otherwise. Exists so that the book mode's exponential learning-rate decay,
    /// `np.power(final_lr / lr, 1.0 / (max_epochs - 1))`, gives NumPy's factor to the last bit
    /// (`NumPyPow.pow 0.25 (1.0/19.0)` is 0.9296353550084062, as NumPy; `Math.Pow` gives
    /// 0.9296353550084063). The special values follow C99's pow: x^±0 = 1 and 1^y = 1 even for
    /// NaN, (-1)^±inf = 1, a negative x with a non-integer y gives NaN (the processor's default
    /// NaN, sign bit set, as NumPy gives), ±0 to a negative power ±inf; otherwise a NaN input
    /// comes back quieted, with its sign and payload (x's when both are NaN). SVML is not
    /// correctly rounded: the result differs from `Math.Pow`'s in the last bit for about a
    /// quarter of the inputs with x positive, by 1 ulp at most in 16.9 million pairs measured
    /// (none differs from NumPy's). Meant for scalars such as a decay factor, not for bulk work:
    /// three of the kernel's roundings toward zero are checked exactly with `BigInteger`.
    let pow (x: float) (y: float) : float =
        if x > 0.0 && x < Double.PositiveInfinity && Double.IsFinite y then
            let r = kernel x y
            if Double.IsNaN r then fallback x y else r
        else fallback x y
