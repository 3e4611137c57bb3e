/// Which instruction fields an instruction uses as operands, and so how it is written in text.
///
/// Every field that is not an operand of the shape must hold the descriptor's fixed value (or
/// zero); the decoder rejects anything else as a reserved field.
public enum OperandShape: Sendable, Hashable {
    /// `add %r1, 5` — dst and immediate.
    case dstImmediate
    /// `add %r1, %r2` — dst and src.
    case dstSource
    /// `neg %r1`, `be16 %r1` — dst only.
    case dstOnly
    /// `lddw %r1, 0x1122334455667788` — dst and a 64-bit immediate over two slots; `src` is the
    /// ``LoadImmediateKind``.
    case dstWideImmediate
    /// `ldxw %r1, [%r2+4]` — dst, src and offset.
    case loadFromMemory
    /// `stxw [%r1+4], %r2` and atomics — dst, offset and src.
    case storeRegister
    /// `stw [%r1+4], 7` — dst, offset and immediate.
    case storeImmediate
    /// `ja +3` — offset.
    case jumpOffset
    /// `ja32 +3` (gotol) — 32-bit immediate offset.
    case jumpImmediateOffset
    /// `jeq %r1, 5, +3` — dst, immediate and offset.
    case compareImmediate
    /// `jeq %r1, %r2, +3` — dst, src and offset.
    case compareRegister
    /// `call 5` — helper id in the immediate.
    case helperCall
    /// `call local func` — pc-relative target in the immediate.
    case localCall
    /// `call %r2` (callx) — helper id in the register named by dst.
    case registerCall
    /// `exit` — no operands.
    case none
    /// `ldabsw 12` — legacy packet load with an absolute offset in the immediate.
    case packetAbsolute
    /// `ldindw %r2, 12` — legacy packet load at src + immediate.
    case packetIndirect

    /// Whether this shape names `dst`.
    public var usesDst: Bool {
        switch self {
        case .dstImmediate, .dstSource, .dstOnly, .dstWideImmediate, .loadFromMemory, .storeRegister,
            .storeImmediate, .compareImmediate, .compareRegister, .registerCall:
            true
        case .jumpOffset, .jumpImmediateOffset, .helperCall, .localCall, .none, .packetAbsolute, .packetIndirect:
            false
        }
    }

    /// Whether this shape names `src`.
    public var usesSource: Bool {
        switch self {
        case .dstSource, .loadFromMemory, .storeRegister, .compareRegister, .packetIndirect: true
        default: false
        }
    }

    /// Whether this shape uses the offset field.
    public var usesOffset: Bool {
        switch self {
        case .loadFromMemory, .storeRegister, .storeImmediate, .jumpOffset, .compareImmediate, .compareRegister:
            true
        default: false
        }
    }

    /// Whether this shape uses the immediate field.
    public var usesImmediate: Bool {
        switch self {
        case .dstImmediate, .dstWideImmediate, .storeImmediate, .jumpImmediateOffset, .compareImmediate,
            .helperCall, .localCall, .packetAbsolute, .packetIndirect:
            true
        default: false
        }
    }
}
