import EBPFCore

/// One operand position of an instruction as written in assembly.
enum OperandSyntax: Equatable {
    /// `%rN` stored in dst.
    case dstRegister
    /// `%rN` stored in src.
    case sourceRegister
    /// A 32-bit immediate.
    case immediate
    /// The 64-bit `lddw` operand (a constant or a ``LoadImmediateKind`` reference).
    case wideImmediate
    /// `[%rN+off]` whose register is dst.
    case dstMemory
    /// `[%rN+off]` whose register is src.
    case sourceMemory
    /// A label or `+N`/`-N` stored in the 16-bit offset field.
    case offsetTarget
    /// A label or `+N`/`-N` stored in the 32-bit immediate (`ja32`, `call local`).
    case immediateTarget

    /// The kind named in error messages.
    var kind: AssemblerError.OperandKind {
        switch self {
        case .dstRegister, .sourceRegister: .register
        case .immediate: .immediate
        case .wideImmediate: .wideImmediate
        case .dstMemory, .sourceMemory: .memory
        case .offsetTarget, .immediateTarget: .jumpTarget
        }
    }

    /// Whether an operand written like `form` can be this operand; used to choose between the
    /// immediate and register rows of one mnemonic before parsing.
    func accepts(_ form: OperandForm) -> Bool {
        switch self {
        case .dstRegister, .sourceRegister: form == .register
        case .dstMemory, .sourceMemory: form == .memory
        case .immediate, .wideImmediate, .offsetTarget, .immediateTarget: form == .other
        }
    }
}

/// How an operand looks at a glance, before it is parsed.
enum OperandForm {
    case register, memory, other

    init(_ text: Substring) {
        if text.hasPrefix("%") || Register.looksLikeBareRegister(text) {
            self = .register
        } else if text.hasPrefix("[") {
            self = .memory
        } else {
            self = .other
        }
    }
}

extension OperandShape {
    /// The operands of this shape in the order they are written.
    var operandSyntax: [OperandSyntax] {
        switch self {
        case .dstImmediate: [.dstRegister, .immediate]
        case .dstSource: [.dstRegister, .sourceRegister]
        case .dstOnly: [.dstRegister]
        case .dstWideImmediate: [.dstRegister, .wideImmediate]
        case .loadFromMemory: [.dstRegister, .sourceMemory]
        case .storeRegister: [.dstMemory, .sourceRegister]
        case .storeImmediate: [.dstMemory, .immediate]
        case .jumpOffset: [.offsetTarget]
        case .jumpImmediateOffset: [.immediateTarget]
        case .compareImmediate: [.dstRegister, .immediate, .offsetTarget]
        case .compareRegister: [.dstRegister, .sourceRegister, .offsetTarget]
        case .helperCall: [.immediate]
        case .localCall: [.immediateTarget]
        case .registerCall: [.dstRegister]
        case .none: []
        case .packetAbsolute: [.immediate]
        case .packetIndirect: [.sourceRegister, .immediate]
        }
    }
}
