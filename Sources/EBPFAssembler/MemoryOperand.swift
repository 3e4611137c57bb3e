import EBPFCore

/// A memory operand `[%rN+off]`, `[%rN-off]` or `[%rN]`; the offset is a signed 16-bit literal.
struct MemoryOperand: Equatable {
    var register: UInt8
    var offset: Int16

    init(register: UInt8, offset: Int16) {
        self.register = register
        self.offset = offset
    }

    /// Parses an operand that starts with `[`; blanks inside the brackets are allowed.
    init(parsing operand: Substring) throws(AssemblerError.Reason) {
        guard operand.first == "[", let close = operand.firstIndex(of: "]") else {
            throw .expected(.memory, found: String(operand))
        }
        let after = operand[operand.index(after: close)...].trimmingBlanks()
        guard after.isEmpty else { throw .trailingGarbage(String(after)) }
        let inside = operand[operand.index(after: operand.startIndex)..<close].filter { !$0.isWhitespace }[...]
        guard let sign = inside.firstIndex(where: { $0 == "+" || $0 == "-" }) else {
            register = try Self.register(in: inside)
            offset = 0
            return
        }
        register = try Self.register(in: inside[..<sign])
        let literalText = inside[sign...]
        // The sign belongs to the offset; a second sign (`+-4`) is not accepted.
        guard let second = literalText.dropFirst().first, second.isASCIIDigit,
            let literal = IntegerLiteral(literalText)
        else { throw .expected(.memory, found: String(operand)) }
        guard let value = literal.signedValue(in: Int64(Int16.min)...Int64(Int16.max)) else {
            throw .memoryOffsetOutOfRange(literal: literal.text)
        }
        offset = Int16(value)
    }

    private static func register(in text: Substring) throws(AssemblerError.Reason) -> UInt8 {
        do {
            return try Register.parse(text)
        } catch {
            throw .expected(.register, found: String(text))
        }
    }

    /// The operand as written by the disassembler: `[%r1+4]`, `[%r1-4]`, `[%r1]`.
    var text: String {
        let base = Register.name(register)
        if offset == 0 { return "[\(base)]" }
        return offset > 0 ? "[\(base)+\(offset)]" : "[\(base)\(offset)]"
    }
}
