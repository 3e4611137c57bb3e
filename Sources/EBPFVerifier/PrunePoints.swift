import EBPFCore

/// Where the analysis stores and compares states (the kernel's `prune_point` marks): the first
/// instruction of every function, every jump target, the instruction after each conditional
/// jump, and each return site (the instruction after a `call local`). The rest of the control
/// flow comes from the program's ``EBPFCore/ControlFlowGraph``; these marks are the verifier's
/// own.
enum PrunePoints {
    /// `true` at each prune point of a program that passed ``StructuralChecks``.
    static func of(_ program: DecodedProgram) -> [Bool] {
        let count = program.count
        var isPrunePoint = [Bool](repeating: false, count: count)
        for start in program.controlFlow.subprogramStarts { isPrunePoint[start] = true }
        for index in 0..<count {
            switch program[index] {
            case .jump(let target):
                isPrunePoint[target] = true
            case .conditionalJump(_, _, _, _, let target):
                isPrunePoint[target] = true
                isPrunePoint[index + 1] = true
            case .callLocal:
                if index + 1 < count { isPrunePoint[index + 1] = true }
            default:
                break
            }
        }
        return isPrunePoint
    }
}
