/// One slot as the dispatch loop reads it: the decoded ``Operation`` in place of the opcode byte,
/// the other fields as encoded. Eight bytes, plain old data, so a program is one contiguous
/// buffer read with a single index.
struct DecodedInstruction: Sendable, BitwiseCopyable {
    var operation: Operation
    /// `dst` in the low nibble, `src` in the high nibble, as in the encoding.
    var registers: UInt8
    var offset: Int16
    /// The immediate; for a helper `call`, the index of the helper in the interpreter's resolved
    /// helper table (-1: not registered).
    var immediate: Int32
}
