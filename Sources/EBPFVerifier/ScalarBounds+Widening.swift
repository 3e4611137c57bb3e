/// Widening: what makes the loop analysis reach a fixpoint in a few steps instead of one per
/// iteration.
extension ScalarBounds {
    /// How far a bound that keeps moving is pushed.
    enum Widening: Sendable {
        /// Not at all: the plain join.
        case none
        /// To the next threshold (a program constant or a type limit).
        case thresholds(WideningThresholds)
        /// Straight to the 64-bit limits (the last resort that guarantees convergence).
        case limits
    }

    /// `self`, the join of `old` with a newer value, with every bound that moved past `old`'s
    /// pushed further as `widening` says, and the known bits that changed given up from the
    /// lowest unknown bit upward (so alignment, the known low bits, survives). The result
    /// contains `self`.
    func widened(from old: ScalarBounds, _ widening: Widening) -> ScalarBounds {
        if case .none = widening { return self }
        if old.contains(self) { return self }
        var result = self
        switch widening {
        case .none:
            return self
        case .thresholds(let thresholds):
            if unsignedMax > old.unsignedMax { result.unsignedMax = thresholds.unsigned(atLeast: unsignedMax) }
            if unsignedMin < old.unsignedMin { result.unsignedMin = thresholds.unsigned(atMost: unsignedMin) }
            if signedMax > old.signedMax { result.signedMax = thresholds.signed(atLeast: signedMax) }
            if signedMin < old.signedMin { result.signedMin = thresholds.signed(atMost: signedMin) }
        case .limits:
            if unsignedMax > old.unsignedMax { result.unsignedMax = .max }
            if unsignedMin < old.unsignedMin { result.unsignedMin = 0 }
            if signedMax > old.signedMax { result.signedMax = .max }
            if signedMin < old.signedMin { result.signedMin = .min }
        }
        if bits != old.bits {
            // Keep the bits below the lowest unknown one (e.g. a multiple of 8 stays one).
            let known = bits.mask == 0 ? UInt64.max : (UInt64(1) << UInt64(bits.mask.trailingZeroBitCount)) - 1
            result.bits = Tnum(value: bits.value & known, mask: ~known)
        }
        return result.normalized()
    }
}
