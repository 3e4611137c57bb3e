/// One 8-byte eBPF instruction slot, laid out exactly as in memory (RFC 9669 §3).
///
/// ```
/// byte 0      opcode
/// byte 1      dst (low nibble) | src (high nibble)
/// bytes 2..3  offset, signed 16-bit, little-endian
/// bytes 4..7  immediate, signed 32-bit, little-endian
/// ```
///
/// `lddw` occupies two slots; the second slot carries the upper 32 bits of the constant in
/// `immediate` and has every other field zero. The type is plain old data so a program is a
/// contiguous buffer that engines can index without indirection.
@frozen
public struct Instruction: Hashable, Sendable, BitwiseCopyable, CustomStringConvertible {
    public var opcode: UInt8
    /// `dst` in the low nibble, `src` in the high nibble.
    public var registers: UInt8
    public var offset: Int16
    public var immediate: Int32

    @inlinable
    public init(opcode: UInt8, dst: UInt8 = 0, src: UInt8 = 0, offset: Int16 = 0, immediate: Int32 = 0) {
        self.opcode = opcode
        self.registers = (src << 4) | (dst & 0x0f)
        self.offset = offset
        self.immediate = immediate
    }

    /// Builds an instruction from the 64-bit word whose lowest byte is the opcode (the `-- raw`
    /// convention of the conformance corpus and of little-endian memory).
    @inlinable
    public init(rawValue: UInt64) {
        opcode = UInt8(truncatingIfNeeded: rawValue)
        registers = UInt8(truncatingIfNeeded: rawValue >> 8)
        offset = Int16(bitPattern: UInt16(truncatingIfNeeded: rawValue >> 16))
        immediate = Int32(bitPattern: UInt32(truncatingIfNeeded: rawValue >> 32))
    }

    /// The instruction as a 64-bit word, lowest byte = opcode.
    @inlinable
    public var rawValue: UInt64 {
        UInt64(opcode)
            | UInt64(registers) << 8
            | UInt64(UInt16(bitPattern: offset)) << 16
            | UInt64(UInt32(bitPattern: immediate)) << 32
    }

    /// Destination register number (0–15 as encoded; only 0–10 are valid).
    @inlinable public var dst: UInt8 {
        get { registers & 0x0f }
        set { registers = (registers & 0xf0) | (newValue & 0x0f) }
    }

    /// Source register number (0–15 as encoded; only 0–10 are valid).
    @inlinable public var src: UInt8 {
        get { registers >> 4 }
        set { registers = (registers & 0x0f) | (newValue << 4) }
    }

    /// The instruction class, `opcode & 7`.
    @inlinable public var instructionClass: InstructionClass {
        InstructionClass(rawValue: opcode & 0x07)!
    }

    /// The 8 bytes of this slot in memory order.
    @inlinable public var bytes: [UInt8] {
        withUnsafeBytes(of: rawValue.littleEndian) { Array($0) }
    }

    public var description: String {
        "Instruction(opcode: 0x\(String(opcode, radix: 16)), dst: \(dst), src: \(src), offset: \(offset), imm: \(immediate))"
    }
}

/// The largest register number a program may name (R10, the frame pointer).
public let maxRegisterNumber: UInt8 = 10
