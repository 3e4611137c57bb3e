/// How to divide a signed value by a constant (truncating, as `sdiv`/`smod`) without `idiv`:
/// a signed multiply-high by a precomputed constant, a shift and a sign correction (Hacker's
/// Delight, 2nd ed., 10-1 and 10-4; Granlund and Montgomery 1994), exact for every dividend of
/// the width. Divisors 0 and -1 never get here (the lowering handles them first).
enum SignedDivisionMagic: Equatable {
    /// |d| = 1 (d = 1): the quotient is the dividend.
    case identity
    /// |d| = 2^shift (shift ≥ 1): q = (x + ((x >> (W-1)) >>> (W - shift))) >> shift, negated
    /// when d < 0.
    case shift(UInt8, negate: Bool)
    /// q = mulhs(multiplier, x) [+ x when `addDividend` / - x when `subtractDividend`] >> shift,
    /// plus 1 when that is negative.
    case multiply(multiplier: Int64, shift: UInt8, addDividend: Bool, subtractDividend: Bool)

    /// The sequence for dividing by `divisor` at 64 bits, or at 32 when `is32` (`divisor` then
    /// a 32-bit value, sign-extended).
    init(divisor: Int64, is32: Bool) {
        precondition(divisor != 0 && divisor != -1)
        precondition(!is32 || Int64(Int32(truncatingIfNeeded: divisor)) == divisor)
        let magnitude = divisor.magnitude
        if magnitude == 1 {
            self = .identity
            return
        }
        if magnitude & (magnitude - 1) == 0 {
            self = .shift(UInt8(magnitude.trailingZeroBitCount), negate: divisor < 0)
            return
        }
        let multiplier: Int64
        let shift: Int
        if is32 {
            let (pattern, p) = Self.magic(UInt32(truncatingIfNeeded: divisor))
            (multiplier, shift) = (Int64(Int32(bitPattern: pattern)), p)
        } else {
            let (pattern, p) = Self.magic(UInt64(bitPattern: divisor))
            (multiplier, shift) = (Int64(bitPattern: pattern), p)
        }
        self = .multiply(multiplier: multiplier, shift: UInt8(shift),
                         addDividend: divisor > 0 && multiplier < 0, subtractDividend: divisor < 0 && multiplier > 0)
    }

    /// Hacker's Delight's `magic` for a W-bit signed divisor `d` (its bit pattern), 2 ≤ |d|,
    /// not a power of two: the multiplier (bit pattern) and the shift.
    private static func magic<U: FixedWidthInteger & UnsignedInteger>(_ d: U) -> (U, Int) {
        let width = U.bitWidth
        let twoW1: U = 1 << (width - 1)
        let signedD = d & twoW1 != 0
        let ad = signedD ? 0 &- d : d
        let t = twoW1 &+ (d >> (width - 1))
        let anc = t &- 1 &- t % ad
        var p = width - 1
        var q1 = twoW1 / anc, r1 = twoW1 &- q1 &* anc
        var q2 = twoW1 / ad, r2 = twoW1 &- q2 &* ad
        var delta: U
        repeat {
            p += 1
            q1 = q1 &* 2; r1 = r1 &* 2
            if r1 >= anc { q1 = q1 &+ 1; r1 = r1 &- anc }
            q2 = q2 &* 2; r2 = r2 &* 2
            if r2 >= ad { q2 = q2 &+ 1; r2 = r2 &- ad }
            delta = ad &- r2
        } while q1 < delta || (q1 == delta && r1 == 0)
        let m = q2 &+ 1
        return (signedD ? 0 &- m : m, p - width)
    }

    /// The quotient the sequence computes for `x` at `width` 64, or 32 when `is32` (`x` then the
    /// low 32 bits sign-extended; the result likewise): the model the emitted code follows.
    func quotient(_ x: Int64, is32: Bool) -> Int64 {
        func wrap(_ value: Int64) -> Int64 { is32 ? Int64(Int32(truncatingIfNeeded: value)) : value }
        switch self {
        case .identity:
            return x
        case .shift(let shift, let negate):
            // (x >> (W-1)) >>> (W - shift): 2^shift - 1 for a negative x, else 0.
            let bias: Int64 = x < 0 ? (1 << Int64(shift)) &- 1 : 0
            let q = wrap(x &+ bias) >> Int64(shift)
            return negate ? wrap(0 &- q) : q
        case .multiply(let multiplier, let shift, let addDividend, let subtractDividend):
            var q = is32 ? (x &* multiplier) >> 32 : x.multipliedFullWidth(by: multiplier).high
            if addDividend { q = wrap(q &+ x) }
            if subtractDividend { q = wrap(q &- x) }
            q >>= Int64(shift)
            return q &+ (q < 0 ? 1 : 0)
        }
    }
}
