import EBPFCore

/// Reading and writing register operands: `%r0`…`%r10`, also accepted without the `%`.
enum Register {
    /// The assembly name of register `number`, e.g. `%r10`.
    static func name(_ number: UInt8) -> String { "%r\(number)" }

    /// Whether `text` is `r` followed by digits (a register written without `%`).
    static func looksLikeBareRegister(_ text: Substring) -> Bool {
        guard text.first == "r" || text.first == "R" else { return false }
        let digits = text.dropFirst()
        return !digits.isEmpty && digits.allSatisfy(\.isASCIIDigit)
    }

    /// Parses one register operand (surrounding blanks already removed).
    static func parse(_ text: Substring) throws(AssemblerError.Reason) -> UInt8 {
        var rest = text
        if rest.first == "%" { rest = rest.dropFirst() }
        guard rest.first == "r" || rest.first == "R" else { throw .expected(.register, found: String(text)) }
        let digits = rest.dropFirst()
        guard !digits.isEmpty, digits.count <= 2, digits.allSatisfy(\.isASCIIDigit),
            let number = UInt8(digits), number <= maxRegisterNumber
        else { throw .expected(.register, found: String(text)) }
        return number
    }
}

// `package`: the conformance `.data` reader in EBPFTestSupport reads hex bytes with these.
extension Character {
    package var isASCIIDigit: Bool { ("0"..."9").contains(self) }
    package var isASCIIHexDigit: Bool { isASCIIDigit || ("a"..."f").contains(self) || ("A"..."F").contains(self) }
}
