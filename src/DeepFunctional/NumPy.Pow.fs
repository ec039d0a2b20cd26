namespace DeepFunctional

open System
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
/// (Linux x86-64) on a processor with AVX512_SKX. Without AVX512_SKX the same NumPy calls the C
/// library's pow (what `Math.Pow` gives on Linux). Other NumPy versions may call other kernels.
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

    /// `numpy.power(x, y)` for float64, bit for bit as NumPy 1.24.2 (Debian, SVML, AVX512_SKX)
    /// computes it: SVML's `__svml_pow8`, one lane. Exists so that the book mode's
    /// exponential learning-rate decay, `np.power(final_lr / lr, 1.0 / (max_epochs - 1))`,
    /// gives NumPy's factor to the last bit. Work in progress: for now it throws
    /// `NotSupportedException` where the kernel hands the element to its scalar fallback (x not
    /// positive and finite, y not finite, or |y·log2 x| > 1021.5).
    let pow (x: float) (y: float) : float =
        if x > 0.0 && x < Double.PositiveInfinity && Double.IsFinite y then
            let r = kernel x y
            if Double.IsNaN r then
                raise (NotSupportedException "NumPyPow.pow: |y·log2 x| > 1021.5 needs SVML's scalar fallback, not reproduced yet")
            else r
        else raise (NotSupportedException "NumPyPow.pow: x not positive and finite or y not finite needs SVML's scalar fallback, not reproduced yet")
