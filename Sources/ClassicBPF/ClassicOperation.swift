/// What one classic instruction does, decoded from its `code`. The checker, the interpreter, the
/// translator and the disassembler all work from this one view, so they agree on which codes
/// exist.
///
/// The set of codes is the kernel's (`bpf_check_classic`): every code with another size, mode
/// or spare bit set decodes to `nil`.
public enum ClassicOperation: Hashable, Sendable {
    /// `A = P[k:size]`, big-endian.
    case loadAbsolute(ClassicSize)
    /// `A = P[X + k:size]`, big-endian.
    case loadIndirect(ClassicSize)
    /// `A = packet length`.
    case loadLength
    /// `A = k`.
    case loadImmediate
    /// `A = M[k]`.
    case loadScratch
    /// `X = k`.
    case loadXImmediate
    /// `X = M[k]`.
    case loadXScratch
    /// `X = packet length`.
    case loadXLength
    /// `X = 4 * (P[k] & 0xf)`.
    case loadXHeaderLength
    /// `M[k] = A`.
    case store
    /// `M[k] = X`.
    case storeX
    /// `A = A op k` or `A = A op X` (32-bit, unsigned).
    case alu(ClassicALUOperation, ClassicSource)
    /// `A = -A`.
    case negate
    /// `pc += k`.
    case jumpAlways
    /// `pc += (A op operand) ? jt : jf`.
    case jump(ClassicJumpOperation, ClassicSource)
    /// Return `k`.
    case returnK
    /// Return `A`.
    case returnA
    /// `X = A`.
    case tax
    /// `A = X`.
    case txa

    /// Decodes `instruction.code`; `nil` when it is not a classic BPF code.
    public init?(_ instruction: ClassicInstruction) {
        let code = instruction.code
        guard code <= 0xff else { return nil }
        switch code {
        case 0x20, 0x28, 0x30: self = .loadAbsolute(ClassicSize(rawValue: code & 0x18)!)
        case 0x40, 0x48, 0x50: self = .loadIndirect(ClassicSize(rawValue: code & 0x18)!)
        case 0x80: self = .loadLength
        case 0x00: self = .loadImmediate
        case 0x60: self = .loadScratch
        case 0x01: self = .loadXImmediate
        case 0x61: self = .loadXScratch
        case 0x81: self = .loadXLength
        case 0xb1: self = .loadXHeaderLength
        case 0x02: self = .store
        case 0x03: self = .storeX
        case 0x84: self = .negate
        case 0x05: self = .jumpAlways
        case 0x06: self = .returnK
        case 0x16: self = .returnA
        case 0x07: self = .tax
        case 0x87: self = .txa
        default:
            let source = ClassicSource(rawValue: code & 0x08)!
            switch ClassicClass(rawValue: UInt8(code & 0x07))! {
            case .alu:
                guard let op = ClassicALUOperation(rawValue: code & 0xf0), op != .neg else { return nil }
                self = .alu(op, source)
            case .jmp:
                guard let op = ClassicJumpOperation(rawValue: code & 0xf0), op != .ja else { return nil }
                self = .jump(op, source)
            default:
                return nil
            }
        }
    }

    /// The code that encodes this operation.
    public var code: UInt16 {
        switch self {
        case .loadAbsolute(let size): 0x20 | size.rawValue
        case .loadIndirect(let size): 0x40 | size.rawValue
        case .loadLength: 0x80
        case .loadImmediate: 0x00
        case .loadScratch: 0x60
        case .loadXImmediate: 0x01
        case .loadXScratch: 0x61
        case .loadXLength: 0x81
        case .loadXHeaderLength: 0xb1
        case .store: 0x02
        case .storeX: 0x03
        case .alu(let op, let source): 0x04 | op.rawValue | source.rawValue
        case .negate: 0x84
        case .jumpAlways: 0x05
        case .jump(let op, let source): 0x05 | op.rawValue | source.rawValue
        case .returnK: 0x06
        case .returnA: 0x16
        case .tax: 0x07
        case .txa: 0x87
        }
    }

    /// Every operation, for table-driven tests.
    public static let allCases: [ClassicOperation] = {
        var all: [ClassicOperation] = [
            .loadLength, .loadImmediate, .loadScratch, .loadXImmediate, .loadXScratch, .loadXLength,
            .loadXHeaderLength, .store, .storeX, .negate, .jumpAlways, .returnK, .returnA, .tax, .txa,
        ]
        for size in ClassicSize.allCases { all += [.loadAbsolute(size), .loadIndirect(size)] }
        for source in [ClassicSource.k, .x] {
            for op in ClassicALUOperation.allCases where op != .neg { all.append(.alu(op, source)) }
            for op in ClassicJumpOperation.allCases where op != .ja { all.append(.jump(op, source)) }
        }
        return all
    }()

    /// Whether the instruction reads or writes scratch word `M[k]`.
    public var usesScratch: Bool {
        switch self {
        case .loadScratch, .loadXScratch, .store, .storeX: true
        default: false
        }
    }

    /// Whether the instruction ends the program.
    public var isReturn: Bool {
        switch self {
        case .returnK, .returnA: true
        default: false
        }
    }
}
