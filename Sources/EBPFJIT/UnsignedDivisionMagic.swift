/// How to divide an unsigned value by a constant without a `div` instruction: a multiply-high by
/// a precomputed constant and shifts (Granlund and Montgomery, "Division by invariant integers
/// using multiplication", 1994), exact for every dividend of the width.
enum UnsignedDivisionMagic: Equatable {
    /// The divisor is 1: the quotient is the dividend.
    case identity
    /// The divisor is 2^shift: the quotient is `x >> shift`.
    case shift(UInt8)
    /// 64 bits: q = mulhi(multiplier, x) >> shift (the multiplier fits 64 bits).
    case multiplyShift(multiplier: UInt64, shift: UInt8)
    /// 64 bits: t = mulhi(multiplier, x); q = (t + ((x - t) >> 1)) >> shift (a 65-bit multiplier
    /// whose top bit the add restores).
    case multiplyAddShift(multiplier: UInt64, shift: UInt8)
    /// 32 bits (the dividend zero-extended): q = mulhi(multiplier, x) with the multiplier
    /// ceil(2^64 / d), exact for every 32-bit x and d (Lemire, Kaser and Kurz, "Faster remainder by
    /// direct computation", 2019).
    case multiplyHigh(multiplier: UInt64)

    /// The sequence for dividing by `divisor` (not 0) at 64 bits, or 32 when `is32`
    /// (`divisor` < 2^32).
    init(divisor: UInt64, is32: Bool) {
        precondition(divisor != 0 && (!is32 || divisor <= UInt64(UInt32.max)))
        if divisor == 1 {
            self = .identity
            return
        }
        if divisor & (divisor - 1) == 0 {
            self = .shift(UInt8(divisor.trailingZeroBitCount))
            return
        }
        if is32 {
            // ceil(2^64 / d): d is not a power of two, so the division has a remainder.
            let (quotient, _) = divisor.dividingFullWidth((high: 1, low: 0))
            self = .multiplyHigh(multiplier: quotient + 1)
            return
        }
        // l = ceil(log2 d), at least 2 (d ≥ 3 and not a power of two).
        let l = 64 - (divisor - 1).leadingZeroBitCount
        // First choice: p = l - 1, m = ceil(2^(64+p) / d) < 2^64, exact when
        // m * d - 2^(64+p) ≤ 2^p (the theorem's error bound).
        let p = l - 1
        let (quotient, remainder) = divisor.dividingFullWidth((high: 1 << UInt64(p), low: 0))
        if remainder != 0, quotient < .max, divisor - remainder <= 1 << UInt64(p) {
            self = .multiplyShift(multiplier: quotient + 1, shift: UInt8(p))
            return
        }
        // Otherwise m = floor(2^64 * (2^l - d) / d) + 1 (2^l - d < d: the quotient fits).
        let high = l == 64 ? 0 &- divisor : (1 << UInt64(l)) - divisor
        let (low, _) = divisor.dividingFullWidth((high: high, low: 0))
        self = .multiplyAddShift(multiplier: low + 1, shift: UInt8(l - 1))
    }

    /// The quotient the sequence computes for `x` (the model the emitted code follows; the tests
    /// compare it with `/`).
    func quotient(_ x: UInt64) -> UInt64 {
        switch self {
        case .identity:
            return x
        case .shift(let shift):
            return x >> UInt64(shift)
        case .multiplyShift(let multiplier, let shift):
            return multiplier.multipliedFullWidth(by: x).high >> UInt64(shift)
        case .multiplyAddShift(let multiplier, let shift):
            let t = multiplier.multipliedFullWidth(by: x).high
            return (t &+ ((x &- t) >> 1)) >> UInt64(shift)
        case .multiplyHigh(let multiplier):
            return multiplier.multipliedFullWidth(by: x).high
        }
    }
}
