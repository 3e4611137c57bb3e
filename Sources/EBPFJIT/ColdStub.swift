import EBPFCore
import X86Encoding

/// Out-of-line code the body jumps to on rare paths; emitted after the body so the hot path
/// falls through.
enum ColdStub {
    /// Record a trap and leave through the trap exit.
    case trap(label: X86Label, kind: TrapKind, pc: Int, value: TrapValue, detail: Int32)
    /// A load/store/atomic whose fast bounds check failed: ask Swift (helper regions), then
    /// resume or trap.
    case memorySlowPath(label: X86Label, resume: X86Label, base: X86Register, offset: Int32, size: Int, isWrite: Bool, pc: Int)
    /// The routine every ``memorySlowPath`` calls: the call into Swift, emitted once.
    case sharedMemorySlowPath(label: X86Label)

    /// A taken-or-not conditional back-edge whose count passed the budget: the compare again,
    /// then the budget trap if the jump is taken, else resume after it.
    case budgetBackEdge(label: X86Label, compare: Comparison, resume: X86Label, pc: Int)

    /// The register copies sunk onto a conditional jump's taken way (``SunkCopies``), then a
    /// jump to the target.
    case edgeCopies(label: X86Label, copies: [Int], target: X86Label)

    /// Where the trap record's value comes from.
    enum TrapValue {
        case none
        case constant(Int64)
        case register(X86Register)
    }
}
