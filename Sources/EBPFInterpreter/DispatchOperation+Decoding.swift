import EBPFCore

/// The case of each ``DecodedOperation`` form: one function per form, each a table over the
/// form's typed fields (operator or condition, width, operand kind, access size). Nothing here
/// sees opcode bits; a combination the decoder never produces (a 64-bit packet load, a byte-wide
/// atomic) maps to ``DispatchOperation/trap``.
extension DispatchOperation {
    /// `dst = dst OP source` (`dst = source` for `mov`).
    static func alu(_ op: BinaryOperator, _ width: ALUWidth, source: Operand) -> DispatchOperation {
        // (64-bit immediate, 64-bit register, 32-bit immediate, 32-bit register)
        let forms: (DispatchOperation, DispatchOperation, DispatchOperation, DispatchOperation) =
            switch op {
            case .add: (.addImm, .addReg, .add32Imm, .add32Reg)
            case .sub: (.subImm, .subReg, .sub32Imm, .sub32Reg)
            case .mul: (.mulImm, .mulReg, .mul32Imm, .mul32Reg)
            case .div: (.divImm, .divReg, .div32Imm, .div32Reg)
            case .sdiv: (.sdivImm, .sdivReg, .sdiv32Imm, .sdiv32Reg)
            case .mod: (.modImm, .modReg, .mod32Imm, .mod32Reg)
            case .smod: (.smodImm, .smodReg, .smod32Imm, .smod32Reg)
            case .or: (.orImm, .orReg, .or32Imm, .or32Reg)
            case .and: (.andImm, .andReg, .and32Imm, .and32Reg)
            case .xor: (.xorImm, .xorReg, .xor32Imm, .xor32Reg)
            case .lsh: (.lshImm, .lshReg, .lsh32Imm, .lsh32Reg)
            case .rsh: (.rshImm, .rshReg, .rsh32Imm, .rsh32Reg)
            case .arsh: (.arshImm, .arshReg, .arsh32Imm, .arsh32Reg)
            case .mov: (.movImm, .movReg, .mov32Imm, .mov32Reg)
            }
        return select(forms, width, source)
    }

    /// A conditional jump comparing dst with `source` at `width`.
    static func conditionalJump(_ condition: BranchCondition, _ width: ALUWidth, source: Operand) -> DispatchOperation {
        // (64-bit immediate, 64-bit register, 32-bit immediate, 32-bit register)
        let forms: (DispatchOperation, DispatchOperation, DispatchOperation, DispatchOperation) =
            switch condition {
            case .eq: (.jeqImm, .jeqReg, .jeq32Imm, .jeq32Reg)
            case .ne: (.jneImm, .jneReg, .jne32Imm, .jne32Reg)
            case .set: (.jsetImm, .jsetReg, .jset32Imm, .jset32Reg)
            case .gt: (.jgtImm, .jgtReg, .jgt32Imm, .jgt32Reg)
            case .ge: (.jgeImm, .jgeReg, .jge32Imm, .jge32Reg)
            case .lt: (.jltImm, .jltReg, .jlt32Imm, .jlt32Reg)
            case .le: (.jleImm, .jleReg, .jle32Imm, .jle32Reg)
            case .sgt: (.jsgtImm, .jsgtReg, .jsgt32Imm, .jsgt32Reg)
            case .sge: (.jsgeImm, .jsgeReg, .jsge32Imm, .jsge32Reg)
            case .slt: (.jsltImm, .jsltReg, .jslt32Imm, .jslt32Reg)
            case .sle: (.jsleImm, .jsleReg, .jsle32Imm, .jsle32Reg)
            }
        return select(forms, width, source)
    }

    /// `dst = -dst`.
    static func negate(_ width: ALUWidth) -> DispatchOperation {
        width == .bits64 ? .neg : .neg32
    }

    /// `movsx`: sign-extend the low `fromBits` of src.
    static func moveSignExtended(_ width: ALUWidth, fromBits: Int) -> DispatchOperation {
        switch (width, fromBits) {
        case (.bits64, 8): .movsx8
        case (.bits64, 16): .movsx16
        case (.bits64, 32): .movsx32
        case (.bits32, 8): .movsx8To32
        case (.bits32, 16): .movsx16To32
        default: .trap
        }
    }

    /// `le`, `be` or `bswap` of 16, 32 or 64 bits.
    static func byteSwap(_ swap: ByteSwap) -> DispatchOperation {
        let forms: (DispatchOperation, DispatchOperation, DispatchOperation) =
            switch swap.kind {
            case .toLittleEndian: (.le16, .le32, .le64)
            case .toBigEndian: (.be16, .be32, .be64)
            case .unconditional: (.bswap16, .bswap32, .bswap64)
            }
        switch swap.bits {
        case 16: return forms.0
        case 32: return forms.1
        case 64: return forms.2
        default: return .trap
        }
    }

    /// `ldx` (zero-extending) or `ldxs` (sign-extending) of `size`.
    static func load(_ size: MemorySize, signExtends: Bool) -> DispatchOperation {
        switch (size, signExtends) {
        case (.byte, false): .ldxb
        case (.half, false): .ldxh
        case (.word, false): .ldxw
        case (.double, false): .ldxdw
        case (.byte, true): .ldxsb
        case (.half, true): .ldxsh
        case (.word, true): .ldxsw
        case (.double, true): .trap
        }
    }

    /// `st` (immediate value) or `stx` (register value) of `size`.
    static func store(_ size: MemorySize, value: Operand) -> DispatchOperation {
        let usesRegister = value.register != nil
        return switch size {
        case .byte: usesRegister ? .stxb : .stb
        case .half: usesRegister ? .stxh : .sth
        case .word: usesRegister ? .stxw : .stw
        case .double: usesRegister ? .stxdw : .stdw
        }
    }

    /// An atomic read-modify-write of a word or double word.
    static func atomic(_ op: AtomicOperation, _ size: MemorySize) -> DispatchOperation {
        // (double word, word)
        let forms: (DispatchOperation, DispatchOperation) =
            switch op {
            case .add: (.lockAdd, .lockAdd32)
            case .or: (.lockOr, .lockOr32)
            case .and: (.lockAnd, .lockAnd32)
            case .xor: (.lockXor, .lockXor32)
            case .fetchAdd: (.lockFetchAdd, .lockFetchAdd32)
            case .fetchOr: (.lockFetchOr, .lockFetchOr32)
            case .fetchAnd: (.lockFetchAnd, .lockFetchAnd32)
            case .fetchXor: (.lockFetchXor, .lockFetchXor32)
            case .xchg: (.lockXchg, .lockXchg32)
            case .cmpxchg: (.lockCmpxchg, .lockCmpxchg32)
            }
        switch size {
        case .double: return forms.0
        case .word: return forms.1
        case .byte, .half: return .trap
        }
    }

    /// Legacy `ldabs` (no index register) or `ldind` of `size`.
    static func packetLoad(_ size: MemorySize, indirect: Bool) -> DispatchOperation {
        switch (size, indirect) {
        case (.byte, false): .ldabsb
        case (.half, false): .ldabsh
        case (.word, false): .ldabsw
        case (.byte, true): .ldindb
        case (.half, true): .ldindh
        case (.word, true): .ldindw
        case (.double, _): .trap
        }
    }

    /// The form of `forms` (64-bit immediate, 64-bit register, 32-bit immediate, 32-bit register)
    /// for `width` and the kind of `source`.
    private static func select(
        _ forms: (DispatchOperation, DispatchOperation, DispatchOperation, DispatchOperation),
        _ width: ALUWidth, _ source: Operand
    ) -> DispatchOperation {
        switch (width, source) {
        case (.bits64, .immediate): forms.0
        case (.bits64, .register): forms.1
        case (.bits32, .immediate): forms.2
        case (.bits32, .register): forms.3
        }
    }
}
