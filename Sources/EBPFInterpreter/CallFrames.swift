import EBPFCore

/// The saved state of the callers of the running local function: for each, the return index,
/// R6–R9 and R10, and for a `bpf_loop` callback the loop's state. Lives inline in the run (no
/// heap allocation), sized for the deepest chain ``ExecutionLimits/maxCallDepth`` allows.
struct CallFrames {
    /// The state of a `bpf_loop` (``EBPFCore/HelperIntrinsic/loop``) whose callback runs in a frame.
    struct Loop {
        /// The `bpf_loop` call.
        var callSite: Int
        /// The callback's first slot.
        var callback: Int
        /// `callback_ctx`, the callback's R2.
        var context: UInt64
        /// The iteration running (the callback's R1).
        var index: UInt64
        /// `nr_loops` (at most ``EBPFCore/HelperIntrinsic/maxLoops``).
        var count: UInt64
    }

    /// Words saved per call: return index, R6, R7, R8, R9, R10, then for a loop's callback the
    /// context, the index and count (index in the low half), and the callback.
    private static let wordsPerFrame = 9

    /// 8 frames of 9 words; `InlineArray` needs a literal count, checked against the limits below.
    private var words = InlineArray<72, UInt64>(repeating: 0)

    /// Frames in use, counting the entry frame: 1 while the entry function runs.
    private(set) var depth = 1

    init() {
        assert(72 >= ExecutionLimits.maxCallDepth * Self.wordsPerFrame)
    }

    /// Whether another local call fits under ``ExecutionLimits/maxCallDepth``.
    var canCall: Bool { depth < ExecutionLimits.maxCallDepth }

    /// Saves the caller's state; the caller has checked ``canCall``.
    mutating func push(returnIndex: Int, registers: InlineArray<16, UInt64>) {
        let base = (depth - 1) * Self.wordsPerFrame
        words[base] = UInt64(bitPattern: Int64(returnIndex))
        words[base + 1] = registers[6]
        words[base + 2] = registers[7]
        words[base + 3] = registers[8]
        words[base + 4] = registers[9]
        words[base + 5] = registers[10]
        depth += 1
    }

    /// Saves the caller's state for a call of `loop`'s callback; ``pop(into:)`` then returns a
    /// negative index (`~callSite`) and ``poppedLoop`` the loop. The caller has checked ``canCall``.
    mutating func push(_ loop: Loop, registers: InlineArray<16, UInt64>) {
        let base = (depth - 1) * Self.wordsPerFrame
        push(returnIndex: ~loop.callSite, registers: registers)
        words[base + 6] = loop.context
        words[base + 7] = loop.index | loop.count << 32
        words[base + 8] = UInt64(loop.callback)
    }

    /// Restores R6–R10 of the caller and returns the index to resume at (negative after a loop's
    /// callback: see ``poppedLoop``); only when `depth > 1`.
    mutating func pop(into registers: inout InlineArray<16, UInt64>) -> Int {
        depth -= 1
        let base = (depth - 1) * Self.wordsPerFrame
        registers[6] = words[base + 1]
        registers[7] = words[base + 2]
        registers[8] = words[base + 3]
        registers[9] = words[base + 4]
        registers[10] = words[base + 5]
        return Int(bitPattern: UInt(words[base]))
    }

    /// The loop of the frame ``pop(into:)`` just removed, when it returned a negative index.
    var poppedLoop: Loop {
        let base = (depth - 1) * Self.wordsPerFrame
        let packed = words[base + 7]
        return Loop(
            callSite: ~Int(bitPattern: UInt(words[base])), callback: Int(words[base + 8]), context: words[base + 6],
            index: packed & 0xffff_ffff, count: packed >> 32)
    }
}
