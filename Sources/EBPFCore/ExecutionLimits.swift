/// Run-time limits and the stack layout that both engines share, so that the same program sees
/// the same addresses relative to R10 and stops at the same point in either engine.
public struct ExecutionLimits: Sendable, Hashable {
    /// Bytes of stack per frame; R10 points at the top of the current frame.
    public static let stackFrameSize = 512
    /// Maximum number of frames (the entry frame plus local calls), as in the kernel.
    public static let maxCallDepth = 8
    /// Bytes of the whole stack area: one frame per possible call level.
    public static let stackSize = stackFrameSize * maxCallDepth

    /// Instructions a run may execute before it traps with ``ExecutionTrap/budgetExhausted(pc:executed:)``.
    /// The budget is checked on every taken backward jump and every local call (after counting
    /// that instruction), so straight-line code always finishes and neither loops nor nested
    /// calls can outrun it.
    public var instructionBudget: UInt64

    /// A generous default: 100 million instructions.
    public static let defaultInstructionBudget: UInt64 = 100_000_000

    public init(instructionBudget: UInt64 = ExecutionLimits.defaultInstructionBudget) {
        self.instructionBudget = instructionBudget
    }
}
