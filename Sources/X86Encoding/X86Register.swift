/// A 64-bit general-purpose register of x86-64, numbered as the hardware encodes it.
///
/// The low three bits of `rawValue` go into ModRM/SIB/opcode fields; bit 3 goes into a REX (or VEX)
/// prefix bit.
public enum X86Register: UInt8, Sendable, CaseIterable, Hashable, CustomStringConvertible {
    case rax = 0, rcx, rdx, rbx, rsp, rbp, rsi, rdi
    case r8, r9, r10, r11, r12, r13, r14, r15

    /// The three bits encoded in ModRM, SIB or the opcode byte.
    @inlinable public var low3: UInt8 { rawValue & 7 }

    /// Whether the register needs the REX.R/X/B extension bit (r8–r15).
    @inlinable public var isExtended: Bool { rawValue >= 8 }

    /// Whether the register's low byte can only be named with a REX prefix (spl, bpl, sil, dil);
    /// without REX those encodings mean ah, ch, dh, bh.
    @inlinable public var byteFormNeedsREX: Bool { (4...7).contains(rawValue) }

    /// Registers the System V ABI lets a called function overwrite.
    public var isCallerSaved: Bool {
        switch self {
        case .rax, .rcx, .rdx, .rsi, .rdi, .r8, .r9, .r10, .r11: true
        case .rbx, .rsp, .rbp, .r12, .r13, .r14, .r15: false
        }
    }

    /// System V integer argument registers, in order.
    public static let argumentRegisters: [X86Register] = [.rdi, .rsi, .rdx, .rcx, .r8, .r9]

    public var description: String { name(width: .bits64) }

    /// The Intel name of the register at the given width, e.g. `r9d`, `sil`, `ax`.
    public func name(width: OperandWidth) -> String {
        let legacy = ["ax", "cx", "dx", "bx", "sp", "bp", "si", "di"]
        if isExtended {
            let base = "r\(rawValue)"
            switch width {
            case .bits8: return base + "b"
            case .bits16: return base + "w"
            case .bits32: return base + "d"
            case .bits64: return base
            }
        }
        let stem = legacy[Int(rawValue)]
        switch width {
        case .bits8: return rawValue < 4 ? String(stem.first!) + "l" : stem + "l"
        case .bits16: return stem
        case .bits32: return "e" + stem
        case .bits64: return "r" + stem
        }
    }
}
