import EBPFCore

/// Why ``ClassicTranslator`` could not translate a program.
public enum ClassicTranslationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The program breaks a rule of the classic checker.
    case check(ClassicCheckError)
    /// A translated jump does not fit eBPF's 16-bit offset (`index` is the classic instruction).
    case jumpTooFar(index: Int)
    /// The emitted eBPF failed to decode: a translator bug, reported rather than trapped.
    case invalidOutput(DecodeError)

    public var description: String {
        switch self {
        case .check(let error): error.description
        case .jumpTooFar(let index): "instruction \(index): translated jump does not fit a 16-bit offset"
        case .invalidOutput(let error): "translator produced invalid eBPF: \(error)"
        }
    }
}
