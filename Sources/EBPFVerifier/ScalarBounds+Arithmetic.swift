import EBPFCore

/// Transfer functions: the bounds of `a op b` from the bounds of `a` and `b`. Each result
/// contains every value the concrete operation (RFC 9669 semantics, including division by zero)
/// can produce for inputs in the operands' bounds.
extension ScalarBounds {
    /// The result of a binary ALU operation; `is32` selects the 32-bit form, whose result is
    /// zero-extended.
    static func binary(_ op: BinaryOperator, is32: Bool, _ a: ScalarBounds, _ b: ScalarBounds) -> ScalarBounds {
        if let x = a.constantValue, let y = b.constantValue {
            return .constant(ConcreteALU.binary(op, is32: is32, x, y))
        }
        guard is32 else { return binary64(op, a, b) }
        let signedOperands = op == .sdiv || op == .smod || op == .arsh
        let x = signedOperands ? a.signExtended(fromBits: 32) : a.truncated(toBits: 32)
        var y = signedOperands ? b.signExtended(fromBits: 32) : b.truncated(toBits: 32)
        if op == .lsh || op == .rsh || op == .arsh { y = b.truncated(toBits: 32).maskedShiftCount(31) }
        return binary64(op, x, y).truncated(toBits: 32)
    }

    private static func binary64(_ op: BinaryOperator, _ a: ScalarBounds, _ b: ScalarBounds) -> ScalarBounds {
        switch op {
        case .add: return add(a, b)
        case .sub: return subtract(a, b)
        case .mul: return multiply(a, b)
        case .and:
            var r = ScalarBounds.unknown
            r.bits = a.bits & b.bits
            r.unsignedMax = min(a.unsignedMax, b.unsignedMax)
            if a.signedMin >= 0 && b.signedMin >= 0 { r.signedMin = 0; r.signedMax = Int64(r.unsignedMax) }
            return r.normalized()
        case .or:
            var r = ScalarBounds.unknown
            r.bits = a.bits | b.bits
            r.unsignedMin = max(a.unsignedMin, b.unsignedMin)
            return r.normalized()
        case .xor:
            return .fromBits(a.bits ^ b.bits)
        case .lsh, .rsh, .arsh:
            let masked = b.maskedShiftCount(63)
            if let count = masked.constantValue { return shift(op, a, by: count) }
            switch op {
            case .rsh: return .unsigned(upTo: a.unsignedMax)
            case .arsh: return .signed(a.signedMin < 0 ? a.signedMin : 0, a.signedMax >= 0 ? a.signedMax : -1)
            default: return .unknown
            }
        case .sdiv, .smod:
            return .unknown
        case .div:
            if b.unsignedMin > 0 {
                return .unsigned(a.unsignedMin / b.unsignedMax, a.unsignedMax / b.unsignedMin)
            }
            return .unsigned(upTo: a.unsignedMax)
        case .mod:
            if b.unsignedMin > 0 {
                if a.unsignedMax < b.unsignedMin { return a }
                return .unsigned(upTo: min(a.unsignedMax, b.unsignedMax - 1))
            }
            return .unsigned(upTo: a.unsignedMax)
        case .mov:
            return b
        }
    }

    static func add(_ a: ScalarBounds, _ b: ScalarBounds) -> ScalarBounds {
        var r = ScalarBounds.unknown
        r.bits = a.bits + b.bits
        let (smin, o1) = a.signedMin.addingReportingOverflow(b.signedMin)
        let (smax, o2) = a.signedMax.addingReportingOverflow(b.signedMax)
        if !o1 && !o2 { r.signedMin = smin; r.signedMax = smax }
        let (umin, o3) = a.unsignedMin.addingReportingOverflow(b.unsignedMin)
        let (umax, o4) = a.unsignedMax.addingReportingOverflow(b.unsignedMax)
        if o3 == o4 { r.unsignedMin = umin; r.unsignedMax = umax }
        return r.normalized()
    }

    static func subtract(_ a: ScalarBounds, _ b: ScalarBounds) -> ScalarBounds {
        var r = ScalarBounds.unknown
        r.bits = a.bits - b.bits
        let (smin, o1) = a.signedMin.subtractingReportingOverflow(b.signedMax)
        let (smax, o2) = a.signedMax.subtractingReportingOverflow(b.signedMin)
        if !o1 && !o2 { r.signedMin = smin; r.signedMax = smax }
        if a.unsignedMin >= b.unsignedMax { r.unsignedMin = a.unsignedMin - b.unsignedMax; r.unsignedMax = a.unsignedMax - b.unsignedMin }
        return r.normalized()
    }

    static func multiply(_ a: ScalarBounds, _ b: ScalarBounds) -> ScalarBounds {
        var r = ScalarBounds.unknown
        r.bits = a.bits * b.bits
        let (umax, overflow) = a.unsignedMax.multipliedReportingOverflow(by: b.unsignedMax)
        if !overflow { r.unsignedMin = a.unsignedMin * b.unsignedMin; r.unsignedMax = umax }
        return r.normalized()
    }

    static func negate(_ a: ScalarBounds, is32: Bool) -> ScalarBounds {
        binary(.sub, is32: is32, .constant(0), a)
    }

    /// The bounds of a shift count after masking with `mask` (31 or 63).
    func maskedShiftCount(_ mask: UInt64) -> ScalarBounds {
        if unsignedMax <= mask { return self }
        return ScalarBounds.binary64(.and, self, .constant(mask))
    }

    private static func shift(_ op: BinaryOperator, _ a: ScalarBounds, by count: UInt64) -> ScalarBounds {
        var r = ScalarBounds.unknown
        switch op {
        case .lsh:
            r.bits = a.bits.shiftedLeft(count)
            if count == 0 || a.unsignedMax >> (64 - count) == 0 {
                r.unsignedMin = a.unsignedMin << count
                r.unsignedMax = a.unsignedMax << count
            }
        case .rsh:
            r.bits = a.bits.shiftedRight(count)
            r.unsignedMin = a.unsignedMin >> count
            r.unsignedMax = a.unsignedMax >> count
        default:
            r.bits = a.bits.arithmeticShiftedRight(count)
            r.signedMin = a.signedMin >> Int64(count)
            r.signedMax = a.signedMax >> Int64(count)
        }
        return r.normalized()
    }

    /// The low `bits` bits, zero-extended (what an ALU32 result or a narrow load keeps).
    public func truncated(toBits width: Int) -> ScalarBounds {
        if width >= 64 { return self }
        let limit: UInt64 = (1 << UInt64(width)) - 1
        if unsignedMax <= limit { return self }
        if unsignedMin >> UInt64(width) == unsignedMax >> UInt64(width) {
            return ScalarBounds.unsigned(unsignedMin & limit, unsignedMax & limit)
                .intersectingBits(bits.truncated(toBits: width))
        }
        var r = ScalarBounds.fromBits(bits.truncated(toBits: width))
        r.unsignedMax = min(r.unsignedMax, limit)
        return r.normalized()
    }

    /// The low `bits` bits, sign-extended to 64 bits.
    public func signExtended(fromBits width: Int) -> ScalarBounds {
        if width >= 64 { return self }
        let low = truncated(toBits: width)
        let half: UInt64 = 1 << UInt64(width - 1)
        if low.unsignedMax < half { return low }
        let extend = { (x: UInt64) -> Int64 in Int64(bitPattern: x << UInt64(64 - width)) >> Int64(64 - width) }
        if low.unsignedMin >= half {
            return ScalarBounds.signed(extend(low.unsignedMin), extend(low.unsignedMax))
                .intersectingBits(low.bits.signExtended(fromBits: width))
        }
        var r = ScalarBounds.fromBits(low.bits.signExtended(fromBits: width))
        r.signedMin = max(r.signedMin, -Int64(half))
        r.signedMax = min(r.signedMax, Int64(half - 1))
        return r.normalized()
    }

    /// The bytes of the low `width` bits reversed, the rest zero.
    func byteSwapped(bits width: Int) -> ScalarBounds {
        if let value = constantValue {
            return .constant(value.byteSwapped >> UInt64(64 - width))
        }
        return .fromBits(bits.byteSwapped(bits: width))
    }

    func intersectingBits(_ other: Tnum) -> ScalarBounds {
        var r = self
        if let both = bits.intersection(other) { r.bits = both }
        return r.normalized()
    }
}
