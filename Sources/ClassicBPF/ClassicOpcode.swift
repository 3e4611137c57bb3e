/// The three low bits of a classic BPF code.
public enum ClassicClass: UInt8, Sendable, CaseIterable {
    case ld = 0x00, ldx = 0x01, st = 0x02, stx = 0x03, alu = 0x04, jmp = 0x05, ret = 0x06, misc = 0x07
}

/// Bits 3–4 of a load: the access width.
public enum ClassicSize: UInt16, Sendable, CaseIterable {
    case word = 0x00, half = 0x08, byte = 0x10

    /// The access width in bytes.
    public var byteCount: Int {
        switch self {
        case .word: 4
        case .half: 2
        case .byte: 1
        }
    }
}

/// Bits 5–7 of a load: where the value comes from.
public enum ClassicMode: UInt16, Sendable, CaseIterable {
    /// The constant `k`.
    case imm = 0x00
    /// The packet at offset `k`.
    case abs = 0x20
    /// The packet at offset `X + k`.
    case ind = 0x40
    /// Scratch word `M[k]`.
    case mem = 0x60
    /// The packet length.
    case len = 0x80
    /// `4 * (P[k] & 0xf)`, the IPv4 header length (LDX only).
    case msh = 0xa0
}

/// Bits 4–7 of an ALU code.
public enum ClassicALUOperation: UInt16, Sendable, CaseIterable {
    case add = 0x00, sub = 0x10, mul = 0x20, div = 0x30, or = 0x40, and = 0x50
    case lsh = 0x60, rsh = 0x70, neg = 0x80, mod = 0x90, xor = 0xa0

    /// The name `tcpdump -d` prints.
    public var mnemonic: String {
        switch self {
        case .add: "add"
        case .sub: "sub"
        case .mul: "mul"
        case .div: "div"
        case .or: "or"
        case .and: "and"
        case .lsh: "lsh"
        case .rsh: "rsh"
        case .neg: "neg"
        case .mod: "mod"
        case .xor: "xor"
        }
    }
}

/// Bits 4–7 of a JMP code.
public enum ClassicJumpOperation: UInt16, Sendable, CaseIterable {
    case ja = 0x00, jeq = 0x10, jgt = 0x20, jge = 0x30, jset = 0x40

    /// The name `tcpdump -d` prints.
    public var mnemonic: String {
        switch self {
        case .ja: "ja"
        case .jeq: "jeq"
        case .jgt: "jgt"
        case .jge: "jge"
        case .jset: "jset"
        }
    }
}

/// Bit 3 of an ALU or JMP code: the second operand is `k` or `X`.
public enum ClassicSource: UInt16, Sendable {
    case k = 0x00
    case x = 0x08
}

/// Bits 3–4 of a RET code: what is returned.
public enum ClassicReturnValue: UInt16, Sendable {
    case k = 0x00
    case x = 0x08
    case a = 0x10
}

/// Bits 3–7 of a MISC code.
public enum ClassicMiscOperation: UInt16, Sendable {
    /// `X = A`.
    case tax = 0x00
    /// `A = X`.
    case txa = 0x80
}

/// Limits of the classic machine (kernel `BPF_MAXINSNS`, `BPF_MEMWORDS`).
public enum ClassicLimits {
    /// The longest program the kernel accepts.
    public static let maxInstructions = 4096
    /// The number of 32-bit scratch words `M[0..15]`.
    public static let scratchWords = 16
}
