/// Byte offsets of the per-run context, the block of memory the JIT code addresses through the
/// context register. The entries' prologues put it on the machine stack, right below the saved
/// registers, so concurrent runs share nothing and Swift passes nothing but the call's
/// arguments (``CompiledProgram/Entry``); its address is also the stack pointer the epilogue,
/// the trap exit and the normal return restore. The prologue stores only the fields this
/// program's code reads. Every field is 8 bytes, all within disp8 reach. The trap record
/// (``TrapRecord``) is written only on the way to the trap exit, which hands it to Swift
/// (``TrapStash``) before returning.
///
/// | field | written by the prologue when |
/// |---|---|
/// | ``memoryBase``, ``memoryLength`` | the code checks an input access at run time or makes a legacy packet load |
/// | ``memoryStartCounts`` | for the access sizes of the input accesses checked at run time |
/// | ``stackBase``, ``helperRegionCount`` | the code has a memory-check slow path (which reads them) |
/// | ``helperRegions``, ``helperRegionCount`` | the code calls a helper that returns memory |
/// | ``callDepthLimit`` | local calls check their depth |
/// | ``batchCursor``, ``batchEnd``, ``batchResults`` | the batch entry's own loop (``JITOptions/inlinedBatchBody``) |
enum RunContextLayout {
    /// Input memory start (0 when empty) and length.
    static let memoryBase: Int32 = 0
    static let memoryLength: Int32 = 8
    /// For access sizes 1, 2, 4, 8: the number of valid start offsets in the input memory,
    /// `max(0, length - size + 1)`, so `address - memoryBase <u count` is the whole bounds check.
    static let memoryStartCounts: Int32 = 16
    /// Lowest address of the 4096-byte stack area (0: none).
    static let stackBase: Int32 = 48
    /// rsp at or below which a further local call would exceed the call depth limit.
    static let callDepthLimit: Int32 = 56

    /// The largest budget counted exactly; larger budgets act as this one (2^62 instructions
    /// take over a century at a billion per second), so the counter never overflows.
    static let largestExactBudget: UInt64 = 1 << 62

    /// The counter at entry for `budget`: −(budget + 1). It counts up by every executed
    /// instruction and becomes ≥ 0 exactly when more than `budget` have run, which one
    /// `add counter, n; jge` (macro-fused) tests on back-edges. The prologue loads it as an
    /// immediate; a budget trap's count is the counter minus it.
    static func counterStart(budget: UInt64) -> Int64 {
        ~Int64(min(budget, largestExactBudget))
    }
    /// The trap record (``TrapRecord``): kind, pc, and two kind-specific values; written only
    /// on the way to the trap exit.
    static let trapKind: Int32 = 64
    static let trapPC: Int32 = 72
    static let trapValue: Int32 = 80
    static let trapDetail: Int32 = 88
    /// How many regions helpers have returned so far (the ring keeps the last 64).
    static let helperRegionCount: Int32 = 96
    /// Address of the ring of `helperRegionCapacity` (start, size) pairs, which the prologue
    /// puts on the machine stack below the stack area for programs that call a helper returning
    /// memory.
    static let helperRegions: Int32 = 104
    static let helperRegionCapacity = 64
    static let helperRegionRingSize = helperRegionCapacity * 16
    /// The batch entry's loop state when it has its own copy of the body
    /// (``JITOptions/inlinedBatchBody``): the next (start, count) pair, the end of the pairs,
    /// and where the next result goes.
    static let batchCursor: Int32 = 112
    static let batchEnd: Int32 = 120
    static let batchResults: Int32 = 128
    /// Total size in bytes.
    static let size = Int(batchResults) + 8

    /// Offset of the start count for an access of `size` bytes (1, 2, 4 or 8).
    static func memoryStartCount(size: Int) -> Int32 {
        memoryStartCounts + 8 * Int32(size.trailingZeroBitCount)
    }
}
