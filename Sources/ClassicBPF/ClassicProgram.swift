/// A classic BPF program: a sequence of ``ClassicInstruction``s, as the kernel's
/// `struct sock_fprog` or libpcap's `struct bpf_program` holds them.
///
/// Constructing a program checks nothing beyond its encoding; ``ClassicChecker`` applies the
/// kernel's rules, and ``ClassicTranslator`` runs the checker before translating.
public struct ClassicProgram: Hashable, Sendable {
    /// The instructions, in order.
    public var instructions: [ClassicInstruction]

    /// Wraps instructions as they are.
    public init(_ instructions: [ClassicInstruction]) {
        self.instructions = instructions
    }

    /// Decodes the in-memory form: 8 bytes per instruction, little-endian `code` and `k`.
    public init(decoding bytes: some Collection<UInt8>) throws(ClassicDecodeError) {
        let bytes = Array(bytes)
        guard bytes.count % ClassicInstruction.byteCount == 0 else {
            throw .truncated(byteOffset: bytes.count - bytes.count % ClassicInstruction.byteCount, byteCount: bytes.count)
        }
        var instructions: [ClassicInstruction] = []
        instructions.reserveCapacity(bytes.count / ClassicInstruction.byteCount)
        for start in stride(from: 0, to: bytes.count, by: ClassicInstruction.byteCount) {
            let code = UInt16(bytes[start]) | UInt16(bytes[start + 1]) << 8
            var k: UInt32 = 0
            for i in 0..<4 { k |= UInt32(bytes[start + 4 + i]) << (8 * UInt32(i)) }
            instructions.append(ClassicInstruction(code: code, jumpIfTrue: bytes[start + 2], jumpIfFalse: bytes[start + 3], k: k))
        }
        self.instructions = instructions
    }

    /// The in-memory form, 8 little-endian bytes per instruction.
    public var bytes: [UInt8] { instructions.flatMap(\.bytes) }

    /// The number of instructions.
    public var count: Int { instructions.count }
}
