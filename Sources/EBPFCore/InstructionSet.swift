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
        let binary: [(String, ALUOperation, BinaryOperator)] = [
            ("add", .add, .add), ("sub", .sub, .sub), ("mul", .mul, .mul), ("div", .div, .div), ("or", .or, .or),
            ("and", .and, .and), ("lsh", .lsh, .lsh), ("rsh", .rsh, .rsh), ("mod", .mod, .mod), ("xor", .xor, .xor),
            ("mov", .mov, .mov), ("arsh", .arsh, .arsh),
        ]
        for (cls, suffix, width) in [(InstructionClass.alu64, "", ALUWidth.bits64), (.alu, "32", .bits32)] {
            let base = cls.rawValue
            for (name, op, binaryOperator) in binary {
                let form = InstructionForm.alu(binaryOperator, width)
                rows.append(.init(name + suffix, base | op.rawValue | OperandSource.immediate.rawValue, .dstImmediate, form))
                rows.append(.init(name + suffix, base | op.rawValue | OperandSource.register.rawValue, .dstSource, form))
            }
            for (name, op, binaryOperator) in [("sdiv", ALUOperation.div, BinaryOperator.sdiv), ("smod", .mod, .smod)] {
                let form = InstructionForm.alu(binaryOperator, width)
                rows.append(.init(name + suffix, base | op.rawValue, .dstImmediate, form, offset: 1))
                rows.append(.init(name + suffix, base | op.rawValue | 0x08, .dstSource, form, offset: 1))
            }
            rows.append(.init("neg" + suffix, base | ALUOperation.neg.rawValue, .dstOnly, .negate(width)))
            let target = cls == .alu64 ? "64" : "32"
            for bits: Int16 in cls == .alu64 ? [8, 16, 32] : [8, 16] {
                rows.append(.init(
                    "movsx\(bits)\(target)", base | ALUOperation.mov.rawValue | 0x08, .dstSource,
                    .moveSignExtended(width, fromBits: Int(bits)), offset: bits))
            }
        }

        // Byte swaps: 0xd4 to little-endian, 0xdc to big-endian, 0xd7 unconditional (ALU64).
        for bits: Int32 in [16, 32, 64] {
            rows.append(.init("le\(bits)", 0xd4, .dstOnly, .byteSwap(ByteSwap(.toLittleEndian, bits: Int(bits))), immediate: bits))
            rows.append(.init("be\(bits)", 0xdc, .dstOnly, .byteSwap(ByteSwap(.toBigEndian, bits: Int(bits))), immediate: bits))
            rows.append(.init("bswap\(bits)", 0xd7, .dstOnly, .byteSwap(ByteSwap(.unconditional, bits: Int(bits))), immediate: bits))
        }

        // Jumps. JMP (class 5) compares 64 bits, JMP32 (class 6, suffix "32") the low 32 bits.
        let conditions: [(String, JumpOperation, BranchCondition)] = [
            ("jeq", .jeq, .eq), ("jgt", .jgt, .gt), ("jge", .jge, .ge), ("jset", .jset, .set), ("jne", .jne, .ne),
            ("jsgt", .jsgt, .sgt), ("jsge", .jsge, .sge), ("jlt", .jlt, .lt), ("jle", .jle, .le), ("jslt", .jslt, .slt),
            ("jsle", .jsle, .sle),
        ]
        for (cls, suffix, width) in [(InstructionClass.jmp, "", ALUWidth.bits64), (.jmp32, "32", .bits32)] {
            for (name, op, condition) in conditions {
                let form = InstructionForm.conditionalJump(condition, width)
                rows.append(.init(name + suffix, cls.rawValue | op.rawValue, .compareImmediate, form))
                rows.append(.init(name + suffix, cls.rawValue | op.rawValue | 0x08, .compareRegister, form))
            }
        }
        rows.append(.init("ja", Opcode.ja, .jumpOffset, .jump))
        rows.append(.init("ja32", Opcode.ja32, .jumpImmediateOffset, .jump))
        rows.append(.init("call", Opcode.call, .helperCall, .callHelper, source: CallKind.helper.rawValue))
        rows.append(.init("call local", Opcode.call, .localCall, .callLocal, source: CallKind.local.rawValue))
        rows.append(.init("call", Opcode.callx, .registerCall, .callRegister))
        rows.append(.init("exit", Opcode.exit, .none, .exit))

        // Loads and stores.
        rows.append(.init("lddw", Opcode.lddw, .dstWideImmediate, .loadImmediate64))
        let sizes: [(String, MemorySize)] = [("w", .word), ("h", .half), ("b", .byte), ("dw", .double)]
        for (name, size) in sizes {
            let s = size.rawValue
            rows.append(.init(
                "ldx" + name, InstructionClass.ldx.rawValue | MemoryMode.mem.rawValue | s, .loadFromMemory,
                .load(size, signExtends: false)))
            rows.append(.init(
                "st" + name, InstructionClass.st.rawValue | MemoryMode.mem.rawValue | s, .storeImmediate, .store(size)))
            rows.append(.init(
                "stx" + name, InstructionClass.stx.rawValue | MemoryMode.mem.rawValue | s, .storeRegister, .store(size)))
            if size != .double {
                rows.append(.init(
                    "ldxs" + name, InstructionClass.ldx.rawValue | MemoryMode.memsx.rawValue | s, .loadFromMemory,
                    .load(size, signExtends: true)))
                rows.append(.init(
                    "ldabs" + name, InstructionClass.ld.rawValue | MemoryMode.abs.rawValue | s, .packetAbsolute,
                    .packetLoad(size, indirect: false)))
                rows.append(.init(
                    "ldind" + name, InstructionClass.ld.rawValue | MemoryMode.ind.rawValue | s, .packetIndirect,
                    .packetLoad(size, indirect: true)))
            }
        }

        // Atomics: 0xc3 (32-bit, suffix "32") and 0xdb (64-bit); the operation is in the immediate.
        let atomics: [(String, AtomicOperation)] = [
            ("lock add", .add), ("lock or", .or), ("lock and", .and), ("lock xor", .xor),
            ("lock fetch add", .fetchAdd), ("lock fetch or", .fetchOr), ("lock fetch and", .fetchAnd),
            ("lock fetch xor", .fetchXor), ("lock xchg", .xchg), ("lock cmpxchg", .cmpxchg),
        ]
        for (opcode, suffix, size) in [(UInt8(0xdb), "", MemorySize.double), (0xc3, "32", .word)] {
            for (name, op) in atomics {
                rows.append(.init(name + suffix, opcode, .storeRegister, .atomic(op, size), immediate: op.rawValue))
            }
        }
        return rows
    }
}
