/// Byte offsets of the per-run context, the block of memory the JIT code addresses through the
/// context register. Swift fills it before the call and reads the trap record after it. It lives
/// on the calling thread's stack (see ``CompiledProgram/run(memory:stack:)``), so concurrent runs
/// share nothing. Every field is 8 bytes, all within disp8 reach. Nothing is zero-filled: Swift
/// sets every field the code reads before the call (``JITRunContext/prepare``), and the trap record
/// (``TrapRecord``) is read only when `trapKind` is non-zero.
enum RunContextLayout {
    /// rsp right after the prologue, restored by the trap exit and by early returns.
    static let savedStackPointer: Int32 = 0
    /// Input memory start (0 when empty) and length.
    static let memoryBase: Int32 = 8
    static let memoryLength: Int32 = 16
    /// For access sizes 1, 2, 4, 8: the number of valid start offsets in the input memory,
    /// `max(0, length - size + 1)`, so `address - memoryBase <u count` is the whole bounds check.
    static let memoryStartCounts: Int32 = 24
    /// Lowest address of the 4096-byte stack area, and its end (R10 at entry).
    static let stackBase: Int32 = 56
    static let stackTop: Int32 = 64
    /// rsp at or below which a further local call would exceed the call depth limit.
    static let callDepthLimit: Int32 = 72
    /// The budget counter's value at entry, ``counterStart(budget:)``: the prologue loads it from
    /// here when it does not fit an imm32, and a budget trap's count is the counter minus it.
    static let counterStart: Int32 = 80

    /// The largest budget counted exactly; larger budgets act as this one (2^62 instructions
    /// take over a century at a billion per second), so the counter never overflows.
    static let largestExactBudget: UInt64 = 1 << 62

    /// The counter at entry for `budget`: −(budget + 1). It counts up by every executed
    /// instruction and becomes ≥ 0 exactly when more than `budget` have run, which one
    /// `add counter, n; jge` (macro-fused) tests on back-edges.
    static func counterStart(budget: UInt64) -> Int64 {
        ~Int64(min(budget, largestExactBudget))
    }
    /// The trap record (``TrapRecord``): kind (0 = none), pc, and two kind-specific values.
    static let trapKind: Int32 = 88
    static let trapPC: Int32 = 96
    static let trapValue: Int32 = 104
    static let trapDetail: Int32 = 112
    /// How many regions helpers have returned so far (the ring keeps the last 64).
    static let helperRegionCount: Int32 = 120
    /// Address of the ring of `helperRegionCapacity` (start, size) pairs: a separate block of
    /// ``helperRegionRingSize`` bytes, present (non-zero) only for programs that call helpers.
    static let helperRegions: Int32 = 128
    static let helperRegionCapacity = 64
    static let helperRegionRingSize = helperRegionCapacity * 16
    /// Extra regions fixed for the compiled program (map storage, for EBPFRuntime): the address
    /// of an array of (start, size) pairs and their number. Read only by the slow path.
    static let extraRegions: Int32 = 136
    static let extraRegionCount: Int32 = 144
    /// Total size in bytes.
    static let size = Int(extraRegionCount) + 8

    /// Offset of the start count for an access of `size` bytes (1, 2, 4 or 8).
    static func memoryStartCount(size: Int) -> Int32 {
        memoryStartCounts + 8 * Int32(size.trailingZeroBitCount)
    }
}
