/// A decoded, structurally valid eBPF program: a sequence of 8-byte slots where every opcode is
/// known, every reserved field is zero, every register is R0–R10 and every `lddw` has its second
/// slot.
///
/// Structural validity is all this type promises: jump targets, reachability and memory safety
/// are the verifier's business, and the engines check the rest at run time.
///
/// A program is decoded once, when it is built: ``decoded`` holds every slot's typed operation,
/// the static traps and the control-flow graph that the verifier, the interpreter and the JIT
/// share. Two programs are equal when their slots are.
public struct Program: Sendable, Hashable {
    /// The slots, `lddw` taking two.
    public let instructions: [Instruction]
    /// The typed operations, static traps and control-flow graph of ``instructions``.
    public let decoded: DecodedProgram

    /// Decodes little-endian bytecode.
    public init(decoding bytes: some Collection<UInt8>) throws(DecodeError) {
        let bytes = Array(bytes)
        guard bytes.count % 8 == 0 else {
            throw .truncated(byteOffset: bytes.count - bytes.count % 8, byteCount: bytes.count)
        }
        var slots: [Instruction] = []
        slots.reserveCapacity(bytes.count / 8)
        for start in stride(from: 0, to: bytes.count, by: 8) {
            var word: UInt64 = 0
            for i in 0..<8 { word |= UInt64(bytes[start + i]) << (8 * UInt64(i)) }
            slots.append(Instruction(rawValue: word))
        }
        try self.init(validating: slots)
    }

    /// Checks already-split slots (for example from the assembler or the `-- raw` section).
    public init(validating slots: [Instruction]) throws(DecodeError) {
        let decoded = DecodedProgram(slots)
        if let error = decoded.decodeError { throw error }
        self.instructions = slots
        self.decoded = decoded
    }

    /// Wraps slots without validation. Engines that run such a program still trap cleanly on bad
    /// opcodes (``DecodedProgram/staticTraps``); use this only for slots that came from
    /// ``Program`` or for negative tests.
    public init(unchecked slots: [Instruction]) {
        self.instructions = slots
        self.decoded = DecodedProgram(slots)
    }

    /// Whether every slot decodes (always true unless built with ``init(unchecked:)``).
    public var isValid: Bool { decoded.decodeError == nil }

    public static func == (lhs: Program, rhs: Program) -> Bool { lhs.instructions == rhs.instructions }

    public func hash(into hasher: inout Hasher) { hasher.combine(instructions) }

    /// The program as little-endian bytecode.
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(instructions.count * 8)
        for instruction in instructions { out.append(contentsOf: instruction.bytes) }
        return out
    }

    /// Number of 8-byte slots.
    public var count: Int { instructions.count }

    /// The 64-bit constant of the `lddw` at `index` (low half from this slot, high from the next).
    public func wideImmediate(at index: Int) -> UInt64 {
        UInt64(UInt32(bitPattern: instructions[index].immediate))
            | UInt64(UInt32(bitPattern: instructions[index + 1].immediate)) << 32
    }

    /// Finds the table row for one slot and checks its fields.
    static func validate(_ instruction: Instruction, at index: Int) throws(DecodeError) -> OpcodeDescriptor {
        let candidates = InstructionSet.descriptorsByOpcode[Int(instruction.opcode)]
        guard !candidates.isEmpty else { throw .unknownOpcode(index: index, opcode: instruction.opcode) }
        guard let descriptor = candidates.first(where: { $0.selects(instruction) }) else {
            // Report the first selector field that no row accepts.
            let shape = candidates[0].shape
            if !shape.usesOffset && !candidates.contains(where: { $0.fixedOffset == instruction.offset }) {
                throw .reservedField(index: index, opcode: instruction.opcode, field: .offset, value: Int64(instruction.offset))
            }
            if !shape.usesImmediate && !candidates.contains(where: { $0.fixedImmediate == instruction.immediate }) {
                throw .reservedField(index: index, opcode: instruction.opcode, field: .immediate, value: Int64(instruction.immediate))
            }
            throw .reservedField(index: index, opcode: instruction.opcode, field: .src, value: Int64(instruction.src))
        }
        let shape = descriptor.shape
        if shape.usesDst {
            guard instruction.dst <= maxRegisterNumber else {
                throw .invalidRegister(index: index, field: .dst, register: instruction.dst)
            }
        } else if instruction.dst != 0 {
            throw .reservedField(index: index, opcode: instruction.opcode, field: .dst, value: Int64(instruction.dst))
        }
        if shape.usesSource {
            guard instruction.src <= maxRegisterNumber else {
                throw .invalidRegister(index: index, field: .src, register: instruction.src)
            }
        } else if shape == .dstWideImmediate {
            guard LoadImmediateKind(rawValue: instruction.src) != nil else {
                throw .reservedField(index: index, opcode: instruction.opcode, field: .src, value: Int64(instruction.src))
            }
        }
        return descriptor
    }
}
