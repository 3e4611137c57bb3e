/// What ``LoopTermination`` knows about a value on the way round a loop, relative to the values
/// the registers and stack bytes had when the loop head was last passed.
enum CounterDelta: Hashable, Sendable {
    /// A register or a run of stack bytes of the function's own frame, as a number.
    enum Variable: Hashable, Sendable, Comparable {
        case register(Int)
        /// `size` bytes at `offset` from R10, read as an unsigned number.
        case cell(offset: Int, size: Int)
    }

    /// Nothing known.
    case unknown
    /// R10 + offset: an address in the function's own frame.
    case frameAddress(Int64)
    /// Congruent to `base + d` modulo 2^`bits` for some integer `d` in `low...high`, where `base`
    /// is the value `variable` had at the loop head.
    case step(Variable, low: Int64, high: Int64, bits: Int)

    /// The value at the loop head itself.
    static func identity(_ variable: Variable) -> CounterDelta {
        switch variable {
        case .register: .step(variable, low: 0, high: 0, bits: 64)
        case .cell(_, let size): .step(variable, low: 0, high: 0, bits: 8 * size)
        }
    }

    /// The least value describing both.
    func joined(_ other: CounterDelta) -> CounterDelta {
        if self == other { return self }
        switch (self, other) {
        case (.step(let a, let lowA, let highA, let bitsA), .step(let b, let lowB, let highB, let bitsB)) where a == b:
            return .step(a, low: min(lowA, lowB), high: max(highA, highB), bits: min(bitsA, bitsB))
        default:
            return .unknown
        }
    }

    /// The value plus `constant` in `bits`-bit arithmetic (the result keeps only the congruence
    /// modulo 2^`bits`); unknown when the bounds of `d` would overflow.
    func adding(_ constant: Int64, bits: Int) -> CounterDelta {
        switch self {
        case .unknown:
            return .unknown
        case .frameAddress(let offset):
            guard bits == 64 else { return .unknown }
            let (sum, overflow) = offset.addingReportingOverflow(constant)
            return overflow ? .unknown : .frameAddress(sum)
        case .step(let variable, let low, let high, let width):
            let (newLow, overflowLow) = low.addingReportingOverflow(constant)
            let (newHigh, overflowHigh) = high.addingReportingOverflow(constant)
            guard !overflowLow, !overflowHigh else { return .unknown }
            return .step(variable, low: newLow, high: newHigh, bits: min(width, bits))
        }
    }

    /// The value's low `bits` bits (a 32-bit operation's result, a narrow store): still congruent
    /// modulo 2^`bits`.
    func truncated(toBits bits: Int) -> CounterDelta {
        switch self {
        case .unknown: return .unknown
        case .frameAddress: return bits >= 64 ? self : .unknown
        case .step(let variable, let low, let high, let width):
            return .step(variable, low: low, high: high, bits: min(width, bits))
        }
    }
}
