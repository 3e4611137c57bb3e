import EBPFCore

extension Operation {
    /// The operation of a slot that ``Program/staticTraps()`` found runnable (so its selector
    /// fields hold values the decoder accepts); ``trap`` for anything else.
    init(decoding slot: Instruction) {
        let alternate = slot.offset == 1  // sdiv/smod select by offset 1
        switch slot.opcode {
        // ALU64
        case 0x07: self = .addImm
        case 0x0f: self = .addReg
        case 0x17: self = .subImm
        case 0x1f: self = .subReg
        case 0x27: self = .mulImm
        case 0x2f: self = .mulReg
        case 0x37: self = alternate ? .sdivImm : .divImm
        case 0x3f: self = alternate ? .sdivReg : .divReg
        case 0x47: self = .orImm
        case 0x4f: self = .orReg
        case 0x57: self = .andImm
        case 0x5f: self = .andReg
        case 0x67: self = .lshImm
        case 0x6f: self = .lshReg
        case 0x77: self = .rshImm
        case 0x7f: self = .rshReg
        case 0x87: self = .neg
        case 0x97: self = alternate ? .smodImm : .modImm
        case 0x9f: self = alternate ? .smodReg : .modReg
        case 0xa7: self = .xorImm
        case 0xaf: self = .xorReg
        case 0xb7: self = .movImm
        case 0xbf:
            switch slot.offset {
            case 8: self = .movsx8
            case 16: self = .movsx16
            case 32: self = .movsx32
            default: self = .movReg
            }
        case 0xc7: self = .arshImm
        case 0xcf: self = .arshReg
        // ALU
        case 0x04: self = .add32Imm
        case 0x0c: self = .add32Reg
        case 0x14: self = .sub32Imm
        case 0x1c: self = .sub32Reg
        case 0x24: self = .mul32Imm
        case 0x2c: self = .mul32Reg
        case 0x34: self = alternate ? .sdiv32Imm : .div32Imm
        case 0x3c: self = alternate ? .sdiv32Reg : .div32Reg
        case 0x44: self = .or32Imm
        case 0x4c: self = .or32Reg
        case 0x54: self = .and32Imm
        case 0x5c: self = .and32Reg
        case 0x64: self = .lsh32Imm
        case 0x6c: self = .lsh32Reg
        case 0x74: self = .rsh32Imm
        case 0x7c: self = .rsh32Reg
        case 0x84: self = .neg32
        case 0x94: self = alternate ? .smod32Imm : .mod32Imm
        case 0x9c: self = alternate ? .smod32Reg : .mod32Reg
        case 0xa4: self = .xor32Imm
        case 0xac: self = .xor32Reg
        case 0xb4: self = .mov32Imm
        case 0xbc:
            switch slot.offset {
            case 8: self = .movsx8To32
            case 16: self = .movsx16To32
            default: self = .mov32Reg
            }
        case 0xc4: self = .arsh32Imm
        case 0xcc: self = .arsh32Reg
        // Byte order
        case 0xd4: self = Self.byWidth(slot.immediate, .le16, .le32, .le64)
        case 0xdc: self = Self.byWidth(slot.immediate, .be16, .be32, .be64)
        case 0xd7: self = Self.byWidth(slot.immediate, .bswap16, .bswap32, .bswap64)
        // JMP
        case 0x05: self = .ja
        case 0x15: self = .jeqImm
        case 0x1d: self = .jeqReg
        case 0x25: self = .jgtImm
        case 0x2d: self = .jgtReg
        case 0x35: self = .jgeImm
        case 0x3d: self = .jgeReg
        case 0x45: self = .jsetImm
        case 0x4d: self = .jsetReg
        case 0x55: self = .jneImm
        case 0x5d: self = .jneReg
        case 0x65: self = .jsgtImm
        case 0x6d: self = .jsgtReg
        case 0x75: self = .jsgeImm
        case 0x7d: self = .jsgeReg
        case 0xa5: self = .jltImm
        case 0xad: self = .jltReg
        case 0xb5: self = .jleImm
        case 0xbd: self = .jleReg
        case 0xc5: self = .jsltImm
        case 0xcd: self = .jsltReg
        case 0xd5: self = .jsleImm
        case 0xdd: self = .jsleReg
        case 0x85: self = slot.src == CallKind.local.rawValue ? .callLocal : .callHelper
        case 0x8d: self = .callx
        case 0x95: self = .exit
        // JMP32
        case 0x06: self = .ja32
        case 0x16: self = .jeq32Imm
        case 0x1e: self = .jeq32Reg
        case 0x26: self = .jgt32Imm
        case 0x2e: self = .jgt32Reg
        case 0x36: self = .jge32Imm
        case 0x3e: self = .jge32Reg
        case 0x46: self = .jset32Imm
        case 0x4e: self = .jset32Reg
        case 0x56: self = .jne32Imm
        case 0x5e: self = .jne32Reg
        case 0x66: self = .jsgt32Imm
        case 0x6e: self = .jsgt32Reg
        case 0x76: self = .jsge32Imm
        case 0x7e: self = .jsge32Reg
        case 0xa6: self = .jlt32Imm
        case 0xae: self = .jlt32Reg
        case 0xb6: self = .jle32Imm
        case 0xbe: self = .jle32Reg
        case 0xc6: self = .jslt32Imm
        case 0xce: self = .jslt32Reg
        case 0xd6: self = .jsle32Imm
        case 0xde: self = .jsle32Reg
        // Loads and stores
        case 0x18: self = .lddw
        case 0x61: self = .ldxw
        case 0x69: self = .ldxh
        case 0x71: self = .ldxb
        case 0x79: self = .ldxdw
        case 0x81: self = .ldxsw
        case 0x89: self = .ldxsh
        case 0x91: self = .ldxsb
        case 0x62: self = .stw
        case 0x6a: self = .sth
        case 0x72: self = .stb
        case 0x7a: self = .stdw
        case 0x63: self = .stxw
        case 0x6b: self = .stxh
        case 0x73: self = .stxb
        case 0x7b: self = .stxdw
        case 0x20: self = .ldabsw
        case 0x28: self = .ldabsh
        case 0x30: self = .ldabsb
        case 0x40: self = .ldindw
        case 0x48: self = .ldindh
        case 0x50: self = .ldindb
        // Atomics
        case 0xdb: self = Self.atomic(slot.immediate, is32: false)
        case 0xc3: self = Self.atomic(slot.immediate, is32: true)
        default: self = .trap
        }
    }

    private static func byWidth(_ bits: Int32, _ w16: Operation, _ w32: Operation, _ w64: Operation) -> Operation {
        switch bits {
        case 16: w16
        case 32: w32
        case 64: w64
        default: .trap
        }
    }

    private static func atomic(_ operation: Int32, is32: Bool) -> Operation {
        switch AtomicOperation(rawValue: operation) {
        case .add: is32 ? .lockAdd32 : .lockAdd
        case .or: is32 ? .lockOr32 : .lockOr
        case .and: is32 ? .lockAnd32 : .lockAnd
        case .xor: is32 ? .lockXor32 : .lockXor
        case .fetchAdd: is32 ? .lockFetchAdd32 : .lockFetchAdd
        case .fetchOr: is32 ? .lockFetchOr32 : .lockFetchOr
        case .fetchAnd: is32 ? .lockFetchAnd32 : .lockFetchAnd
        case .fetchXor: is32 ? .lockFetchXor32 : .lockFetchXor
        case .xchg: is32 ? .lockXchg32 : .lockXchg
        case .cmpxchg: is32 ? .lockCmpxchg32 : .lockCmpxchg
        case nil: .trap
        }
    }
}
