/// Conditional jumps: which way a comparison can go, and what each outcome teaches about the
/// operands (the Linux verifier's `is_branch_taken` and `reg_set_min_max`).
extension ScalarBounds {
    /// A comparison of a conditional jump, or its negation.
    enum Comparison {
        case equal, notEqual
        case greater, greaterOrEqual, less, lessOrEqual
        case signedGreater, signedGreaterOrEqual, signedLess, signedLessOrEqual
        case bitsSet, noBitsSet

        /// The comparison that holds exactly when `self` does not.
        var negated: Comparison {
            switch self {
            case .equal: .notEqual
            case .notEqual: .equal
            case .greater: .lessOrEqual
            case .greaterOrEqual: .less
            case .less: .greaterOrEqual
            case .lessOrEqual: .greater
            case .signedGreater: .signedLessOrEqual
            case .signedGreaterOrEqual: .signedLess
            case .signedLess: .signedGreaterOrEqual
            case .signedLessOrEqual: .signedGreater
            case .bitsSet: .noBitsSet
            case .noBitsSet: .bitsSet
            }
        }

        var isSigned: Bool {
            switch self {
            case .signedGreater, .signedGreaterOrEqual, .signedLess, .signedLessOrEqual: true
            default: false
            }
        }
    }

    /// The operands' bounds assuming `a comparison b` holds, or `nil` when it cannot.
    static func assuming(_ a: ScalarBounds, _ comparison: Comparison, _ b: ScalarBounds) -> (ScalarBounds, ScalarBounds)? {
        var a = a
        var b = b
        switch comparison {
        case .equal:
            guard let bits = a.bits.intersection(b.bits) else { return nil }
            a.bits = bits
            a.signedMin = max(a.signedMin, b.signedMin)
            a.signedMax = min(a.signedMax, b.signedMax)
            a.unsignedMin = max(a.unsignedMin, b.unsignedMin)
            a.unsignedMax = min(a.unsignedMax, b.unsignedMax)
            b = a
        case .notEqual:
            if let x = a.constantValue, let y = b.constantValue, x == y { return nil }
            if let c = b.constantValue { a.excludeBoundary(c) }
            if let c = a.constantValue { b.excludeBoundary(c) }
        case .greater:
            guard b.unsignedMin < .max, a.unsignedMax > 0 else { return nil }
            a.unsignedMin = max(a.unsignedMin, b.unsignedMin + 1)
            b.unsignedMax = min(b.unsignedMax, a.unsignedMax - 1)
        case .greaterOrEqual:
            a.unsignedMin = max(a.unsignedMin, b.unsignedMin)
            b.unsignedMax = min(b.unsignedMax, a.unsignedMax)
        case .less:
            guard let (y, x) = assuming(b, .greater, a) else { return nil }
            return (x, y)
        case .lessOrEqual:
            guard let (y, x) = assuming(b, .greaterOrEqual, a) else { return nil }
            return (x, y)
        case .signedGreater:
            guard b.signedMin < .max, a.signedMax > .min else { return nil }
            a.signedMin = max(a.signedMin, b.signedMin + 1)
            b.signedMax = min(b.signedMax, a.signedMax - 1)
        case .signedGreaterOrEqual:
            a.signedMin = max(a.signedMin, b.signedMin)
            b.signedMax = min(b.signedMax, a.signedMax)
        case .signedLess:
            guard let (y, x) = assuming(b, .signedGreater, a) else { return nil }
            return (x, y)
        case .signedLessOrEqual:
            guard let (y, x) = assuming(b, .signedGreaterOrEqual, a) else { return nil }
            return (x, y)
        case .bitsSet:
            if (a.bits.value | a.bits.mask) & (b.bits.value | b.bits.mask) == 0 { return nil }
            if let c = b.constantValue, c.nonzeroBitCount == 1 { a.bits = Tnum(value: a.bits.value | c, mask: a.bits.mask & ~c) }
            if let c = a.constantValue, c.nonzeroBitCount == 1 { b.bits = Tnum(value: b.bits.value | c, mask: b.bits.mask & ~c) }
        case .noBitsSet:
            if a.bits.value & b.bits.value != 0 { return nil }
            if let c = b.constantValue { a.bits = Tnum(value: a.bits.value & ~c, mask: a.bits.mask & ~c) }
            if let c = a.constantValue { b.bits = Tnum(value: b.bits.value & ~c, mask: b.bits.mask & ~c) }
        }
        a = a.normalized()
        b = b.normalized()
        if a.isEmpty || b.isEmpty { return nil }
        return (a, b)
    }

    /// Narrows the ranges when one of their ends is the excluded value `c`.
    private mutating func excludeBoundary(_ c: UInt64) {
        if unsignedMin == c && unsignedMin < .max { unsignedMin += 1 }
        if unsignedMax == c && unsignedMax > 0 { unsignedMax -= 1 }
        let s = Int64(bitPattern: c)
        if signedMin == s && signedMin < .max { signedMin += 1 }
        if signedMax == s && signedMax > .min { signedMax -= 1 }
    }
}
