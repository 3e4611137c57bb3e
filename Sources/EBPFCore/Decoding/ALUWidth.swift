/// The width an ALU operation or a conditional jump works at: the 32-bit forms (classes ALU and
/// JMP32) use the low halves of their operands, and 32-bit ALU results are zero-extended.
public enum ALUWidth: Sendable, Hashable, BitwiseCopyable {
    case bits32
    case bits64

    /// 32 or 64.
    @inlinable public var bitCount: Int { self == .bits32 ? 32 : 64 }
}
