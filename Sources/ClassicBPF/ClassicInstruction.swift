/// One classic BPF instruction, the kernel's `struct sock_filter` and libpcap's `struct bpf_insn`.
///
/// ```
/// bytes 0..1  code  (u16, host order: class | size/op | mode/source)
/// byte  2     jt    jump offset when the condition holds
/// byte  3     jf    jump offset when it does not
/// bytes 4..7  k     (u32, host order) constant, offset or scratch index
/// ```
///
/// Jump offsets count instructions from the one after the jump, like eBPF, but are unsigned:
/// classic BPF only jumps forward.
@frozen
public struct ClassicInstruction: Hashable, Sendable, BitwiseCopyable, CustomStringConvertible {
    public var code: UInt16
    public var jumpIfTrue: UInt8
    public var jumpIfFalse: UInt8
    public var k: UInt32

    @inlinable
    public init(code: UInt16, jumpIfTrue: UInt8 = 0, jumpIfFalse: UInt8 = 0, k: UInt32 = 0) {
        self.code = code
        self.jumpIfTrue = jumpIfTrue
        self.jumpIfFalse = jumpIfFalse
        self.k = k
    }

    /// The size of one instruction in memory.
    public static let byteCount = 8

    /// The 8 bytes of this instruction in little-endian (x86-64 host) order.
    public var bytes: [UInt8] {
        [
            UInt8(truncatingIfNeeded: code), UInt8(truncatingIfNeeded: code >> 8), jumpIfTrue, jumpIfFalse,
            UInt8(truncatingIfNeeded: k), UInt8(truncatingIfNeeded: k >> 8),
            UInt8(truncatingIfNeeded: k >> 16), UInt8(truncatingIfNeeded: k >> 24),
        ]
    }

    /// The instruction class, `code & 7`.
    @inlinable public var instructionClass: ClassicClass {
        ClassicClass(rawValue: UInt8(code & 0x07))!
    }

    /// What the instruction does, or `nil` when `code` is not a classic BPF opcode.
    public var operation: ClassicOperation? { ClassicOperation(self) }

    public var description: String {
        "{ 0x\(String(code, radix: 16)), \(jumpIfTrue), \(jumpIfFalse), 0x\(String(k, radix: 16)) }"
    }
}
