import EBPFCore

/// The saved state of the callers of the running local function: for each, the return index,
/// R6–R9 and R10. Lives inline in the run (no heap allocation), sized for the deepest chain
/// ``ExecutionLimits/maxCallDepth`` allows.
struct CallFrames {
    /// Words saved per call: return index, R6, R7, R8, R9, R10.
    private static let wordsPerFrame = 6

    /// 8 frames of 6 words; `InlineArray` needs a literal count, checked against the limits below.
    private var words = InlineArray<48, UInt64>(repeating: 0)

    /// Frames in use, counting the entry frame: 1 while the entry function runs.
    private(set) var depth = 1

    init() {
        assert(48 >= ExecutionLimits.maxCallDepth * Self.wordsPerFrame)
    }

    /// Whether another local call fits under ``ExecutionLimits/maxCallDepth``.
    var canCall: Bool { depth < ExecutionLimits.maxCallDepth }

    /// Saves the caller's state; the caller has checked ``canCall``.
    mutating func push(returnIndex: Int, registers: InlineArray<16, UInt64>) {
        let base = (depth - 1) * Self.wordsPerFrame
        words[base] = UInt64(returnIndex)
        words[base + 1] = registers[6]
        words[base + 2] = registers[7]
        words[base + 3] = registers[8]
        words[base + 4] = registers[9]
        words[base + 5] = registers[10]
        depth += 1
    }

    /// Restores R6–R10 of the caller and returns the index to resume at; only when `depth > 1`.
    mutating func pop(into registers: inout InlineArray<16, UInt64>) -> Int {
        depth -= 1
        let base = (depth - 1) * Self.wordsPerFrame
        registers[6] = words[base + 1]
        registers[7] = words[base + 2]
        registers[8] = words[base + 3]
        registers[9] = words[base + 4]
        registers[10] = words[base + 5]
        return Int(words[base])
    }
}
