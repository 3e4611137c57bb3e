/// The three low bits of an opcode (RFC 9669 §3).
public enum InstructionClass: UInt8, Sendable, CaseIterable {
    case ld = 0x00
    case ldx = 0x01
    case st = 0x02
    case stx = 0x03
    case alu = 0x04
    case jmp = 0x05
    case jmp32 = 0x06
    case alu64 = 0x07
}

/// Bit 3 of an ALU or jump opcode: the second operand is the immediate (K) or `src` (X).
public enum OperandSource: UInt8, Sendable {
    case immediate = 0x00
    case register = 0x08
}

/// High nibble of an ALU opcode.
public enum ALUOperation: UInt8, Sendable, CaseIterable {
    case add = 0x00, sub = 0x10, mul = 0x20, div = 0x30, or = 0x40, and = 0x50
    case lsh = 0x60, rsh = 0x70, neg = 0x80, mod = 0x90, xor = 0xa0, mov = 0xb0
    case arsh = 0xc0, end = 0xd0
}

/// High nibble of a JMP or JMP32 opcode.
public enum JumpOperation: UInt8, Sendable, CaseIterable {
    case ja = 0x00, jeq = 0x10, jgt = 0x20, jge = 0x30, jset = 0x40, jne = 0x50
    case jsgt = 0x60, jsge = 0x70, call = 0x80, exit = 0x90, jlt = 0xa0, jle = 0xb0
    case jslt = 0xc0, jsle = 0xd0
}

/// Bits 5–7 of a load or store opcode.
public enum MemoryMode: UInt8, Sendable, CaseIterable {
    case imm = 0x00, abs = 0x20, ind = 0x40, mem = 0x60, memsx = 0x80, atomic = 0xc0
}

/// Bits 3–4 of a load or store opcode.
public enum MemorySize: UInt8, Sendable, CaseIterable {
    case word = 0x00, half = 0x08, byte = 0x10, double = 0x18

    /// The access width in bytes.
    @inlinable public var byteCount: Int {
        switch self {
        case .byte: 1
        case .half: 2
        case .word: 4
        case .double: 8
        }
    }
}

/// Operation codes carried in the immediate of an atomic instruction.
public enum AtomicOperation: Int32, Sendable, CaseIterable {
    case add = 0x00, or = 0x40, and = 0x50, xor = 0xa0
    case fetchAdd = 0x01, fetchOr = 0x41, fetchAnd = 0x51, fetchXor = 0xa1
    case xchg = 0xe1, cmpxchg = 0xf1
}

/// The `src` field of `lddw`, which says how the 64-bit immediate is interpreted (RFC 9669 §5.4).
public enum LoadImmediateKind: UInt8, Sendable, CaseIterable {
    case constant = 0
    case mapByFD = 1
    case mapValueByFD = 2
    case variableAddress = 3
    case codeAddress = 4
    case mapByIndex = 5
    case mapValueByIndex = 6
}

/// Well-known opcode bytes used across the project.
public enum Opcode {
    public static let lddw: UInt8 = 0x18
    public static let call: UInt8 = 0x85
    public static let callx: UInt8 = 0x8d
    public static let exit: UInt8 = 0x95
    public static let ja: UInt8 = 0x05
    public static let ja32: UInt8 = 0x06
}

/// Values of the `src` field of `call` (0x85).
public enum CallKind: UInt8, Sendable {
    case helper = 0
    case local = 1
    case helperByBTF = 2
}
