import EBPFCore

/// How one run of a program ended.
public enum RunTermination: Equatable, Sendable, CustomStringConvertible {
    /// The program exited with this R0.
    case returned(UInt64)
    /// The engine stopped the program with a trap.
    case trapped(ExecutionTrap)
    /// The runner factory threw (for example, a JIT refused to compile the program); the text is
    /// the error's description. The program did not run.
    case notRun(String)

    public var description: String {
        switch self {
        case .returned(let value): "returned 0x\(String(value, radix: 16)) (\(Int64(bitPattern: value)))"
        case .trapped(let trap): "trapped: \(trap)"
        case .notRun(let reason): "not run: \(reason)"
        }
    }
}
