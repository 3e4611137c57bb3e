/// A "tristate number": what is known about the individual bits of a 64-bit value.
///
/// A bit set in `mask` is unknown; every other bit equals the same bit of `value`. The invariant
/// `value & mask == 0` always holds. This is the known-bits domain of the Linux verifier; the
/// operations below are the standard sound transfer functions for it.
public struct Tnum: Hashable, Sendable, CustomStringConvertible {
    /// The known bits (unknown bits are zero here).
    public var value: UInt64
    /// The unknown bits.
    public var mask: UInt64

    @inline(__always)
    public init(value: UInt64, mask: UInt64) {
        self.value = value & ~mask
        self.mask = mask
    }

    /// A fully known value.
    public static func constant(_ value: UInt64) -> Tnum { Tnum(value: value, mask: 0) }

    /// Nothing known.
    public static let unknown = Tnum(value: 0, mask: .max)

    /// The smallest tnum containing every value of `min...max` (unsigned).
    public static func range(_ min: UInt64, _ max: UInt64) -> Tnum {
        let differing = min ^ max
        if differing == 0 { return .constant(min) }
        let bits = 64 - differing.leadingZeroBitCount
        if bits >= 64 { return .unknown }
        let delta: UInt64 = (1 << UInt64(bits)) - 1
        return Tnum(value: min & ~delta, mask: delta)
    }

    public var isConstant: Bool { mask == 0 }

    /// Whether `other` describes a subset of the values `self` describes.
    public func contains(_ other: Tnum) -> Bool {
        if other.mask & ~mask != 0 { return false }
        return other.value & ~mask == value
    }

    /// Whether the concrete value `x` is described by `self`.
    public func contains(value x: UInt64) -> Bool { x & ~mask == value }

    /// Values described by both; `nil` when they disagree on a known bit.
    public func intersection(_ other: Tnum) -> Tnum? {
        let knownBoth = ~mask & ~other.mask
        if (value ^ other.value) & knownBoth != 0 { return nil }
        return Tnum(value: value | other.value, mask: mask & other.mask)
    }

    /// The smallest tnum describing the values of both.
    public func union(_ other: Tnum) -> Tnum {
        let mu = mask | other.mask | (value ^ other.value)
        return Tnum(value: value & ~mu, mask: mu)
    }

    public static func + (a: Tnum, b: Tnum) -> Tnum {
        let sm = a.mask &+ b.mask
        let sv = a.value &+ b.value
        let sigma = sm &+ sv
        let chi = sigma ^ sv
        let mu = chi | a.mask | b.mask
        return Tnum(value: sv & ~mu, mask: mu)
    }

    public static func - (a: Tnum, b: Tnum) -> Tnum {
        let dv = a.value &- b.value
        let alpha = dv &+ a.mask
        let beta = dv &- b.mask
        let chi = alpha ^ beta
        let mu = chi | a.mask | b.mask
        return Tnum(value: dv & ~mu, mask: mu)
    }

    public static func & (a: Tnum, b: Tnum) -> Tnum {
        let alpha = a.value | a.mask
        let beta = b.value | b.mask
        let v = a.value & b.value
        return Tnum(value: v, mask: alpha & beta & ~v)
    }

    public static func | (a: Tnum, b: Tnum) -> Tnum {
        let v = a.value | b.value
        let mu = a.mask | b.mask
        return Tnum(value: v, mask: mu & ~v)
    }

    public static func ^ (a: Tnum, b: Tnum) -> Tnum {
        let v = a.value ^ b.value
        let mu = a.mask | b.mask
        return Tnum(value: v & ~mu, mask: mu)
    }

    /// Multiplication, bit by bit over the multiplier (sound, not always the tightest result).
    public static func * (a: Tnum, b: Tnum) -> Tnum {
        var a = a
        var b = b
        let knownProduct = Tnum.constant(a.value &* b.value)
        var accumulatedMask = Tnum.constant(0)
        while a.value != 0 || a.mask != 0 {
            if a.value & 1 != 0 {
                accumulatedMask = accumulatedMask + Tnum(value: 0, mask: b.mask)
            } else if a.mask & 1 != 0 {
                accumulatedMask = accumulatedMask + Tnum(value: 0, mask: b.value | b.mask)
            }
            a = Tnum(value: a.value >> 1, mask: a.mask >> 1)
            b = Tnum(value: b.value << 1, mask: b.mask << 1)
        }
        return knownProduct + accumulatedMask
    }

    public func shiftedLeft(_ count: UInt64) -> Tnum { Tnum(value: value << count, mask: mask << count) }
    public func shiftedRight(_ count: UInt64) -> Tnum { Tnum(value: value >> count, mask: mask >> count) }
    public func arithmeticShiftedRight(_ count: UInt64) -> Tnum {
        Tnum(
            value: UInt64(bitPattern: Int64(bitPattern: value) >> Int64(count)),
            mask: UInt64(bitPattern: Int64(bitPattern: mask) >> Int64(count)))
    }

    /// The low `bits` bits, zero-extended.
    public func truncated(toBits bits: Int) -> Tnum {
        if bits >= 64 { return self }
        let keep: UInt64 = (1 << UInt64(bits)) - 1
        return Tnum(value: value & keep, mask: mask & keep)
    }

    /// The low `bits` bits, sign-extended from bit `bits - 1`.
    public func signExtended(fromBits bits: Int) -> Tnum {
        if bits >= 64 { return self }
        let shift = UInt64(64 - bits)
        return shiftedLeft(shift).arithmeticShiftedRight(shift)
    }

    /// Bytes of the low `bits` bits reversed (the other bits become zero).
    public func byteSwapped(bits: Int) -> Tnum {
        let shift = UInt64(64 - bits)
        return Tnum(value: value.byteSwapped >> shift, mask: mask.byteSwapped >> shift)
    }

    public var description: String {
        "(0x\(String(value, radix: 16)); 0x\(String(mask, radix: 16)))"
    }
}
