import EBPFCore

/// Which of the 512 bytes of one stack frame are known to be written, as a bit set.
///
/// Byte `i` is the byte at `R10 - 512 + i`. The generator only reads stack bytes it has written on
/// every path, so a program's result never depends on the stack's initial contents.
struct StackBytes: Hashable, Sendable {
    private var words = SIMD8<UInt64>(repeating: 0)

    init() {}

    /// The frame index of the byte at `R10 + offset` (offset negative).
    static func index(ofOffset offset: Int) -> Int { ExecutionLimits.stackFrameSize + offset }

    func contains(_ index: Int) -> Bool {
        words[index >> 6] & (1 << UInt64(index & 63)) != 0
    }

    /// Whether all bytes `[start, start + count)` are written.
    func containsAll(from start: Int, count: Int) -> Bool {
        guard start >= 0, start + count <= ExecutionLimits.stackFrameSize else { return false }
        for index in start..<(start + count) where !contains(index) { return false }
        return true
    }

    mutating func insert(from start: Int, count: Int) {
        for index in max(0, start)..<min(ExecutionLimits.stackFrameSize, start + count) {
            words[index >> 6] |= 1 << UInt64(index & 63)
        }
    }

    var isEmpty: Bool { words == SIMD8(repeating: 0) }

    func intersection(_ other: StackBytes) -> StackBytes {
        var result = StackBytes()
        result.words = words & other.words
        return result
    }

    /// The first written byte at or after `start`, wrapping around, or `nil` when none is written.
    func firstMember(atOrAfter start: Int) -> Int? {
        guard !isEmpty else { return nil }
        for step in 0..<ExecutionLimits.stackFrameSize {
            let index = (start + step) % ExecutionLimits.stackFrameSize
            if contains(index) { return index }
        }
        return nil
    }
}
