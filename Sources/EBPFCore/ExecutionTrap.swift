/// Why a running program was stopped. Both engines raise the same trap, with the same fields,
/// for the same program and input; texts are stable because tests and users match on them.
public enum ExecutionTrap: Error, Equatable, Sendable, CustomStringConvertible {
    /// A load, store or atomic touched bytes outside the input memory, the stack and every region a
    /// helper returned.
    case outOfBounds(pc: Int, address: UInt64, size: Int, isWrite: Bool)
    /// The instruction budget ran out; checked on taken backward jumps and local calls. `executed` counts every
    /// instruction executed so far (an `lddw` counts once).
    case budgetExhausted(pc: Int, executed: UInt64)
    /// A local call would exceed the maximum call depth.
    case callDepthExceeded(pc: Int, depth: Int)
    /// `call N` or `callx` named a helper that is not registered.
    case unknownHelper(pc: Int, id: Int64)
    /// Control reached an instruction that cannot be executed (a bad opcode in an unvalidated
    /// program, a jump outside the program, falling off the end).
    case invalidInstruction(pc: Int, reason: String)

    /// The instruction index at which the program stopped.
    public var pc: Int {
        switch self {
        case .outOfBounds(let pc, _, _, _), .budgetExhausted(let pc, _), .callDepthExceeded(let pc, _),
            .unknownHelper(let pc, _), .invalidInstruction(let pc, _):
            pc
        }
    }

    /// The case's name without its values (`outOfBounds`, `budgetExhausted`, ...), for counting
    /// traps by kind in reports.
    public var kindName: String {
        switch self {
        case .outOfBounds: "outOfBounds"
        case .budgetExhausted: "budgetExhausted"
        case .callDepthExceeded: "callDepthExceeded"
        case .unknownHelper: "unknownHelper"
        case .invalidInstruction: "invalidInstruction"
        }
    }

    public var description: String {
        switch self {
        case .outOfBounds(let pc, let address, let size, let isWrite):
            "instruction \(pc): out-of-bounds \(isWrite ? "write" : "read") of \(size) bytes at 0x\(String(address, radix: 16))"
        case .budgetExhausted(let pc, let executed):
            "instruction \(pc): instruction budget exhausted after \(executed) instructions"
        case .callDepthExceeded(let pc, let depth):
            "instruction \(pc): call depth limit exceeded (depth \(depth))"
        case .unknownHelper(let pc, let id):
            "instruction \(pc): call to unknown helper \(id)"
        case .invalidInstruction(let pc, let reason):
            "instruction \(pc): \(reason)"
        }
    }
}
