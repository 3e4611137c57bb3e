/// The table of every instruction the project knows (RFC 9669 plus `callx`), from which the
/// decoder, the assembler and the disassembler all work, so they cannot drift apart.
public enum InstructionSet {
    /// Every row, in a stable order (ALU, ALU64, byte swaps, jumps, loads and stores, atomics).
    public static let descriptors: [OpcodeDescriptor] = buildDescriptors()

    /// Rows indexed by opcode byte.
    public static let descriptorsByOpcode: [[OpcodeDescriptor]] = {
        var table = [[OpcodeDescriptor]](repeating: [], count: 256)
        for descriptor in descriptors { table[Int(descriptor.opcode)].append(descriptor) }
        return table
    }()

    /// Rows indexed by mnemonic. Each mnemonic names at most two rows: one with an immediate
    /// operand and one with a register operand (`add %r1, 1` vs `add %r1, %r2`).
    public static let descriptorsByMnemonic: [String: [OpcodeDescriptor]] = {
        Dictionary(grouping: descriptors, by: \.mnemonic)
    }()

    /// The row that describes `instruction`, or `nil` if its opcode and selector fields match
    /// no row. Operand fields are not checked here; see ``Program/init(decoding:)``.
    public static func descriptor(for instruction: Instruction) -> OpcodeDescriptor? {
        descriptorsByOpcode[Int(instruction.opcode)].first { $0.selects(instruction) }
    }

    private static func buildDescriptors() -> [OpcodeDescriptor] {
        var rows: [OpcodeDescriptor] = []

        // ALU (class 4, suffix "32") and ALU64 (class 7, no suffix).
        let binary: [(String, ALUOperation)] = [
            ("add", .add), ("sub", .sub), ("mul", .mul), ("div", .div), ("or", .or), ("and", .and),
            ("lsh", .lsh), ("rsh", .rsh), ("mod", .mod), ("xor", .xor), ("mov", .mov), ("arsh", .arsh),
        ]
        for (cls, suffix) in [(InstructionClass.alu64, ""), (.alu, "32")] {
            let base = cls.rawValue
            for (name, op) in binary {
                rows.append(.init(name + suffix, base | op.rawValue | OperandSource.immediate.rawValue, .dstImmediate))
                rows.append(.init(name + suffix, base | op.rawValue | OperandSource.register.rawValue, .dstSource))
            }
            for (name, op) in [("sdiv", ALUOperation.div), ("smod", .mod)] {
                rows.append(.init(name + suffix, base | op.rawValue, .dstImmediate, offset: 1))
                rows.append(.init(name + suffix, base | op.rawValue | 0x08, .dstSource, offset: 1))
            }
            rows.append(.init("neg" + suffix, base | ALUOperation.neg.rawValue, .dstOnly))
            let target = cls == .alu64 ? "64" : "32"
            for bits: Int16 in cls == .alu64 ? [8, 16, 32] : [8, 16] {
                rows.append(.init("movsx\(bits)\(target)", base | ALUOperation.mov.rawValue | 0x08, .dstSource, offset: bits))
            }
        }

        // Byte swaps: 0xd4 to little-endian, 0xdc to big-endian, 0xd7 unconditional (ALU64).
        for bits: Int32 in [16, 32, 64] {
            rows.append(.init("le\(bits)", 0xd4, .dstOnly, immediate: bits))
            rows.append(.init("be\(bits)", 0xdc, .dstOnly, immediate: bits))
            rows.append(.init("bswap\(bits)", 0xd7, .dstOnly, immediate: bits))
        }

        // Jumps. JMP (class 5) compares 64 bits, JMP32 (class 6, suffix "32") the low 32 bits.
        let conditions: [(String, JumpOperation)] = [
            ("jeq", .jeq), ("jgt", .jgt), ("jge", .jge), ("jset", .jset), ("jne", .jne), ("jsgt", .jsgt),
            ("jsge", .jsge), ("jlt", .jlt), ("jle", .jle), ("jslt", .jslt), ("jsle", .jsle),
        ]
        for (cls, suffix) in [(InstructionClass.jmp, ""), (.jmp32, "32")] {
            for (name, op) in conditions {
                rows.append(.init(name + suffix, cls.rawValue | op.rawValue, .compareImmediate))
                rows.append(.init(name + suffix, cls.rawValue | op.rawValue | 0x08, .compareRegister))
            }
        }
        rows.append(.init("ja", Opcode.ja, .jumpOffset))
        rows.append(.init("ja32", Opcode.ja32, .jumpImmediateOffset))
        rows.append(.init("call", Opcode.call, .helperCall, source: CallKind.helper.rawValue))
        rows.append(.init("call local", Opcode.call, .localCall, source: CallKind.local.rawValue))
        rows.append(.init("call", Opcode.callx, .registerCall))
        rows.append(.init("exit", Opcode.exit, .none))

        // Loads and stores.
        rows.append(.init("lddw", Opcode.lddw, .dstWideImmediate))
        let sizes: [(String, MemorySize)] = [("w", .word), ("h", .half), ("b", .byte), ("dw", .double)]
        for (name, size) in sizes {
            let s = size.rawValue
            rows.append(.init("ldx" + name, InstructionClass.ldx.rawValue | MemoryMode.mem.rawValue | s, .loadFromMemory))
            rows.append(.init("st" + name, InstructionClass.st.rawValue | MemoryMode.mem.rawValue | s, .storeImmediate))
            rows.append(.init("stx" + name, InstructionClass.stx.rawValue | MemoryMode.mem.rawValue | s, .storeRegister))
            if size != .double {
                rows.append(.init("ldxs" + name, InstructionClass.ldx.rawValue | MemoryMode.memsx.rawValue | s, .loadFromMemory))
                rows.append(.init("ldabs" + name, InstructionClass.ld.rawValue | MemoryMode.abs.rawValue | s, .packetAbsolute))
                rows.append(.init("ldind" + name, InstructionClass.ld.rawValue | MemoryMode.ind.rawValue | s, .packetIndirect))
            }
        }

        // Atomics: 0xc3 (32-bit, suffix "32") and 0xdb (64-bit); the operation is in the immediate.
        let atomics: [(String, AtomicOperation)] = [
            ("lock add", .add), ("lock or", .or), ("lock and", .and), ("lock xor", .xor),
            ("lock fetch add", .fetchAdd), ("lock fetch or", .fetchOr), ("lock fetch and", .fetchAnd),
            ("lock fetch xor", .fetchXor), ("lock xchg", .xchg), ("lock cmpxchg", .cmpxchg),
        ]
        for (opcode, suffix) in [(UInt8(0xdb), ""), (0xc3, "32")] {
            for (name, op) in atomics {
                rows.append(.init(name + suffix, opcode, .storeRegister, immediate: op.rawValue))
            }
        }
        return rows
    }
}
