import EBPFCore

/// Why a line of eBPF assembly could not be assembled: the 1-based line number, the line's text
/// and what is wrong with it.
///
/// `description` reads like a compiler diagnostic, e.g. `line 7: unknown mnemonic 'addd'`.
public struct AssemblerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The 1-based line number (counted from the first line of the text given to the assembler,
    /// or of the file when the text came from a ``ConformanceCase``).
    public let line: Int
    /// The full text of that line, as written.
    public let lineText: String
    /// What is wrong.
    public let reason: Reason

    /// Creates an error for `line` (1-based) whose text is `lineText`.
    public init(line: Int, lineText: String, reason: Reason) {
        self.line = line
        self.lineText = lineText
        self.reason = reason
    }

    /// The kinds of operand an instruction can expect, for ``Reason/expected(_:found:)``.
    public enum OperandKind: String, Sendable, Equatable {
        case register
        case immediate
        case memory = "memory operand"
        case jumpTarget = "jump target"
        case wideImmediate = "64-bit immediate"
    }

    /// What is wrong with a line.
    public enum Reason: Error, Sendable, Equatable, CustomStringConvertible {
        /// No row of ``InstructionSet/descriptors`` has this mnemonic.
        case unknownMnemonic(String)
        /// The mnemonic takes `expected` operands but the line has `found`.
        case wrongOperandCount(mnemonic: String, expected: Int, found: Int)
        /// An operand has the wrong form, e.g. a register above `%r10` or a number where a
        /// register is needed.
        case expected(OperandKind, found: String)
        /// An immediate literal does not fit in the field (`bits` is 32 or 64).
        case immediateOutOfRange(literal: String, bits: Int)
        /// A memory offset does not fit in the signed 16-bit offset field.
        case memoryOffsetOutOfRange(literal: String)
        /// A jump's distance, in slots from the next instruction, does not fit in its field
        /// (`bits` is 16 for the offset field, 32 for `ja32` and `call local`).
        case jumpOutOfRange(target: String, distance: Int64, bits: Int)
        /// A jump or `call local` names a label that no line defines.
        case undefinedLabel(String)
        /// A label is defined twice; `firstLine` is where it was first defined.
        case duplicateLabel(String, firstLine: Int)
        /// A label name is not an identifier (letters, digits, `_`, `.`, `$`, not starting with
        /// a digit).
        case invalidLabel(String)
        /// Text left over after a complete operand.
        case trailingGarbage(String)
        /// The assembled slots are not a valid program (should not happen for assembled text;
        /// reported for `-- raw` words of a conformance case).
        case invalidProgram(DecodeError)

        public var description: String {
            switch self {
            case .unknownMnemonic(let mnemonic):
                "unknown mnemonic '\(mnemonic)'"
            case .wrongOperandCount(let mnemonic, let expected, let found):
                "wrong operand count: '\(mnemonic)' takes \(expected) operand\(expected == 1 ? "" : "s"), found \(found)"
            case .expected(let kind, let found):
                "expected \(kind.rawValue), found '\(found)'"
            case .immediateOutOfRange(let literal, let bits):
                "immediate \(literal) does not fit in \(bits) bits"
            case .memoryOffsetOutOfRange(let literal):
                "memory offset \(literal) does not fit in 16 bits"
            case .jumpOutOfRange(let target, let distance, let bits):
                "jump offset out of range: '\(target)' is \(distance) slots away, which does not fit in \(bits) bits"
            case .undefinedLabel(let label):
                "undefined label '\(label)'"
            case .duplicateLabel(let label, let firstLine):
                "duplicate label '\(label)' (first defined on line \(firstLine))"
            case .invalidLabel(let label):
                "invalid label name '\(label)'"
            case .trailingGarbage(let text):
                "trailing garbage '\(text)'"
            case .invalidProgram(let error):
                "invalid program: \(error)"
            }
        }
    }

    public var description: String { "line \(line): \(reason)" }
}
