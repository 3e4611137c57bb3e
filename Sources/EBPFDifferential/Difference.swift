/// One way two engines disagreed on a run.
public enum Difference: Equatable, Sendable, CustomStringConvertible {
    /// Different R0, different trap (kind or any field), or one trapped or did not run and the
    /// other did.
    case termination(reference: RunTermination, candidate: RunTermination)
    /// The input memory differs after the run.
    case memory(ByteDifference)
    /// The stack area differs after the run (offsets from the bottom of the 4096-byte area; the
    /// entry frame's R10 is offset 4096).
    case stack(ByteDifference)

    /// The kind of difference, without its details (for minimization: keep the same kind).
    public enum Kind: Hashable, Sendable {
        case termination, memory, stack
    }

    public var kind: Kind {
        switch self {
        case .termination: .termination
        case .memory: .memory
        case .stack: .stack
        }
    }

    public var description: String {
        switch self {
        case .termination(let reference, let candidate): "result: reference \(reference); candidate \(candidate)"
        case .memory(let bytes): "memory: \(bytes)"
        case .stack(let bytes): "stack: \(bytes)"
        }
    }
}
