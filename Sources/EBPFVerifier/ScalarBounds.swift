/// What the verifier knows about a 64-bit scalar: its known bits and its signed and unsigned
/// ranges. All three views describe the same set of values; ``normalized()`` lets each tighten
/// the others (the Linux verifier's `reg_bounds_sync`).
public struct ScalarBounds: Hashable, Sendable {
    public var bits: Tnum
    public var signedMin: Int64
    public var signedMax: Int64
    public var unsignedMin: UInt64
    public var unsignedMax: UInt64

    public init(bits: Tnum, signedMin: Int64, signedMax: Int64, unsignedMin: UInt64, unsignedMax: UInt64) {
        self.bits = bits
        self.signedMin = signedMin
        self.signedMax = signedMax
        self.unsignedMin = unsignedMin
        self.unsignedMax = unsignedMax
    }

    /// Any 64-bit value.
    public static let unknown = ScalarBounds(
        bits: .unknown, signedMin: .min, signedMax: .max, unsignedMin: 0, unsignedMax: .max)

    /// Exactly `value`.
    public static func constant(_ value: UInt64) -> ScalarBounds {
        ScalarBounds(
            bits: .constant(value), signedMin: Int64(bitPattern: value), signedMax: Int64(bitPattern: value),
            unsignedMin: value, unsignedMax: value)
    }

    /// Any value of `0...max`.
    public static func unsigned(upTo max: UInt64) -> ScalarBounds {
        ScalarBounds(
            bits: .range(0, max), signedMin: max > UInt64(Int64.max) ? .min : 0,
            signedMax: max > UInt64(Int64.max) ? .max : Int64(max), unsignedMin: 0, unsignedMax: max
        ).normalized()
    }

    /// Any value of `min...max` (unsigned).
    public static func unsigned(_ min: UInt64, _ max: UInt64) -> ScalarBounds {
        var bounds = ScalarBounds.unknown
        bounds.unsignedMin = min
        bounds.unsignedMax = max
        return bounds.normalized()
    }

    /// Any value of `min...max` (signed).
    public static func signed(_ min: Int64, _ max: Int64) -> ScalarBounds {
        var bounds = ScalarBounds.unknown
        bounds.signedMin = min
        bounds.signedMax = max
        return bounds.normalized()
    }

    /// Values described by the known bits alone.
    public static func fromBits(_ bits: Tnum) -> ScalarBounds {
        var bounds = ScalarBounds.unknown
        bounds.bits = bits
        return bounds.normalized()
    }

    /// The value, when only one is possible.
    public var constantValue: UInt64? { bits.isConstant ? bits.value : nil }

    public var isConstant: Bool { bits.isConstant }

    /// Whether no value satisfies all the views at once (the path is infeasible).
    public var isEmpty: Bool {
        signedMin > signedMax || unsignedMin > unsignedMax
    }

    /// Whether 0 is one of the possible values.
    public var mayBeZero: Bool { unsignedMin == 0 && bits.value == 0 }

    /// Whether every value of `other` is a value of `self`.
    public func contains(_ other: ScalarBounds) -> Bool {
        signedMin <= other.signedMin && other.signedMax <= signedMax
            && unsignedMin <= other.unsignedMin && other.unsignedMax <= unsignedMax
            && bits.contains(other.bits)
    }

    /// The smallest bounds containing both.
    public func union(_ other: ScalarBounds) -> ScalarBounds {
        ScalarBounds(
            bits: bits.union(other.bits), signedMin: min(signedMin, other.signedMin),
            signedMax: max(signedMax, other.signedMax), unsignedMin: min(unsignedMin, other.unsignedMin),
            unsignedMax: max(unsignedMax, other.unsignedMax)
        ).normalized()
    }

    /// Lets the known bits, the signed range and the unsigned range tighten each other.
    public func normalized() -> ScalarBounds {
        var b = self
        for _ in 0..<2 {
            b.updateRangesFromBits()
            b.deduceRangesFromEachOther()
            b.updateBitsFromRanges()
        }
        b.updateRangesFromBits()
        return b
    }

    private mutating func updateRangesFromBits() {
        let signBit: UInt64 = 1 << 63
        signedMin = max(signedMin, Int64(bitPattern: bits.value | (bits.mask & signBit)))
        signedMax = min(signedMax, Int64(bitPattern: bits.value | (bits.mask & ~signBit)))
        unsignedMin = max(unsignedMin, bits.value)
        unsignedMax = min(unsignedMax, bits.value | bits.mask)
    }

    private mutating func deduceRangesFromEachOther() {
        // A signed range that does not cross the sign boundary is also an unsigned range.
        if signedMin >= 0 || signedMax < 0 {
            unsignedMin = max(unsignedMin, UInt64(bitPattern: signedMin))
            unsignedMax = min(unsignedMax, UInt64(bitPattern: signedMax))
        }
        // An unsigned range on one side of 2^63 is also a signed range.
        if (unsignedMax <= UInt64(Int64.max)) || (unsignedMin > UInt64(Int64.max)) {
            signedMin = max(signedMin, Int64(bitPattern: unsignedMin))
            signedMax = min(signedMax, Int64(bitPattern: unsignedMax))
        }
    }

    private mutating func updateBitsFromRanges() {
        if unsignedMin > unsignedMax || signedMin > signedMax { return }
        guard let tightened = bits.intersection(.range(unsignedMin, unsignedMax)) else {
            markEmpty()
            return
        }
        bits = tightened
        if signedMin >= 0 || signedMax < 0 {
            let signedRange = Tnum.range(UInt64(bitPattern: signedMin), UInt64(bitPattern: signedMax))
            guard let tightened = bits.intersection(signedRange) else {
                markEmpty()
                return
            }
            bits = tightened
        }
    }

    private mutating func markEmpty() {
        unsignedMin = 1
        unsignedMax = 0
    }
}

extension ScalarBounds {
    /// The kernel's rendering of a scalar: the constant, or `scalar(...)` with the bounds that say
    /// something.
    public var kernelDescription: String {
        if let value = constantValue { return String(Int64(bitPattern: value)) }
        return "scalar(" + boundsParts.joined(separator: ",") + ")"
    }

    /// The non-trivial bounds, as `name=value` strings.
    var boundsParts: [String] {
        var parts: [String] = []
        if signedMin != .min { parts.append("smin=\(signedMin)") }
        if signedMax != .max { parts.append("smax=\(signedMax)") }
        if unsignedMin != 0 { parts.append("umin=\(unsignedMin)") }
        if unsignedMax != .max { parts.append("umax=\(unsignedMax)") }
        if bits.mask != .max { parts.append("var_off=\(bits)") }
        return parts
    }
}
