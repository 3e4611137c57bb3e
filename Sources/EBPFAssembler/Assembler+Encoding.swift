import EBPFCore

extension Assembler {
    /// Other spellings accepted for mnemonics of ``InstructionSet/descriptors``.
    static let mnemonicAliases: [String: String] = [
        "swap16": "bswap16", "swap32": "bswap32", "swap64": "bswap64",
    ]

    /// The most words a mnemonic spans (`lock fetch add32`).
    static let maxMnemonicWords = InstructionSet.descriptors.map { $0.mnemonic.split(separator: " ").count }.max() ?? 1

    /// Encodes one instruction (labels and comment already removed) that will sit at `slot`;
    /// `form` is what the table row it was encoded from does.
    static func encodeStatement(
        _ text: Substring, atSlot slot: Int
    ) throws(AssemblerError.Reason) -> (slots: [Instruction], pendingTarget: PendingTarget?, form: InstructionForm) {
        let (mnemonic, rows, operandText) = try splitMnemonic(text)
        let operands: [Substring] =
            operandText.isEmpty ? [] : operandText.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingBlanks() }

        let rowsWithCount = rows.filter { $0.shape.operandSyntax.count == operands.count }
        guard !rowsWithCount.isEmpty else {
            throw .wrongOperandCount(mnemonic: mnemonic, expected: rows[0].shape.operandSyntax.count, found: operands.count)
        }
        // Rows of one mnemonic differ in whether the second operand is a register or an
        // immediate; choose by how the operands look, then parse strictly.
        let forms = operands.map(OperandForm.init)
        let row =
            rowsWithCount.first { zip($0.shape.operandSyntax, forms).allSatisfy { $0.accepts($1) } } ?? rowsWithCount[0]

        let shape = row.shape
        var instruction = Instruction(opcode: row.opcode)
        if !shape.usesOffset { instruction.offset = row.fixedOffset }
        if !shape.usesImmediate { instruction.immediate = row.fixedImmediate }
        if !shape.usesSource && shape != .dstWideImmediate { instruction.src = row.fixedSource }
        var secondSlot: Instruction?
        var pendingTarget: PendingTarget?

        for (syntax, operand) in zip(shape.operandSyntax, operands) {
            switch syntax {
            case .dstRegister:
                instruction.dst = try singleToken(operand, Register.parse)
            case .sourceRegister:
                instruction.src = try singleToken(operand, Register.parse)
            case .immediate:
                instruction.immediate = try singleToken(operand, parseLiteral).immediate32()
            case .wideImmediate:
                let (kind, value) = try parseWideImmediate(operand)
                instruction.src = kind.rawValue
                instruction.immediate = Int32(bitPattern: UInt32(truncatingIfNeeded: value))
                secondSlot = Instruction(opcode: 0, immediate: Int32(bitPattern: UInt32(truncatingIfNeeded: value >> 32)))
            case .dstMemory:
                let memory = try MemoryOperand(parsing: operand)
                instruction.dst = memory.register
                instruction.offset = memory.offset
            case .sourceMemory:
                let memory = try MemoryOperand(parsing: operand)
                instruction.src = memory.register
                instruction.offset = memory.offset
            case .offsetTarget, .immediateTarget:
                let field: TargetField = syntax == .offsetTarget ? .offset : .immediate
                let token = try singleToken(operand) { (token: Substring) throws(AssemblerError.Reason) in token }
                if let label = try parseTarget(token, into: &instruction, field: field) {
                    pendingTarget = PendingTarget(slot: slot, label: label, field: field)
                }
            }
        }
        return (secondSlot.map { [instruction, $0] } ?? [instruction], pendingTarget, row.form)
    }

    /// Splits the mnemonic (one to three words, the longest that names a table row) from the
    /// operand text.
    static func splitMnemonic(
        _ text: Substring
    ) throws(AssemblerError.Reason) -> (mnemonic: String, rows: [OpcodeDescriptor], operands: Substring) {
        // Each word with the text that follows it.
        var words: [(word: Substring, rest: Substring)] = []
        var rest = text
        while words.count < maxMnemonicWords, !rest.isEmpty {
            let end = rest.firstIndex(where: \.isWhitespace) ?? rest.endIndex
            words.append((rest[..<end], rest[end...].trimmingBlanks()))
            rest = rest[end...].trimmingBlanks()
        }
        for count in stride(from: words.count, through: 1, by: -1) {
            let written = words[..<count].map { $0.word.lowercased() }.joined(separator: " ")
            let mnemonic = mnemonicAliases[written] ?? written
            if let rows = InstructionSet.descriptorsByMnemonic[mnemonic] {
                return (mnemonic, rows, words[count - 1].rest)
            }
        }
        // Name the whole attempted mnemonic when the first word starts a multi-word one.
        let first = words[0].word.lowercased()
        let isMultiWordStart = InstructionSet.descriptors.contains { $0.mnemonic.hasPrefix(first + " ") }
        if isMultiWordStart {
            let wordLike = words.prefix { $0.word.allSatisfy { $0.isLetter || $0.isNumber } }
            throw .unknownMnemonic(wordLike.map { String($0.word) }.joined(separator: " "))
        }
        throw .unknownMnemonic(String(words[0].word))
    }

    /// Parses the first blank-separated token of `operand` with `parse` and rejects anything
    /// after it.
    static func singleToken<T>(
        _ operand: Substring, _ parse: (Substring) throws(AssemblerError.Reason) -> T
    ) throws(AssemblerError.Reason) -> T {
        let end = operand.firstIndex(where: \.isWhitespace) ?? operand.endIndex
        let value = try parse(operand[..<end])
        let rest = operand[end...].trimmingBlanks()
        guard rest.isEmpty else { throw .trailingGarbage(String(rest)) }
        return value
    }

    /// Parses an integer literal where an immediate is expected.
    static func parseLiteral(_ token: Substring) throws(AssemblerError.Reason) -> IntegerLiteral {
        guard let literal = IntegerLiteral(token) else { throw .expected(.immediate, found: String(token)) }
        return literal
    }

    /// Parses the `lddw` operand: a 64-bit constant, or `KEYWORD A` / `KEYWORD A+B` for a
    /// reference (see ``LoadImmediateKind/assemblyKeyword``).
    static func parseWideImmediate(_ operand: Substring) throws(AssemblerError.Reason) -> (LoadImmediateKind, UInt64) {
        let end = operand.firstIndex(where: \.isWhitespace) ?? operand.endIndex
        guard let kind = LoadImmediateKind(assemblyKeyword: operand[..<end]) else {
            let literal = try singleToken(operand) { (token: Substring) throws(AssemblerError.Reason) in
                guard let literal = IntegerLiteral(token) else { throw .expected(.wideImmediate, found: String(token)) }
                return literal
            }
            return (.constant, try literal.immediate64())
        }
        let reference = operand[end...].filter { !$0.isWhitespace }[...]
        // `A+B`: the separator is a `+` that is not A's own sign.
        var low = reference
        var high: Substring = "0"
        if let plus = reference.dropFirst().firstIndex(of: "+") {
            low = reference[..<plus]
            high = reference[reference.index(after: plus)...]
        }
        guard let lowLiteral = IntegerLiteral(low), let highLiteral = IntegerLiteral(high) else {
            throw .expected(.wideImmediate, found: String(operand))
        }
        let lowBits = UInt32(bitPattern: try lowLiteral.immediate32())
        let highBits = UInt32(bitPattern: try highLiteral.immediate32())
        return (kind, UInt64(lowBits) | UInt64(highBits) << 32)
    }

    /// Parses a jump target. A `+N`/`-N` distance is stored at once; a label is returned for
    /// resolution once all labels are known.
    static func parseTarget(
        _ token: Substring, into instruction: inout Instruction, field: TargetField
    ) throws(AssemblerError.Reason) -> String? {
        if let first = token.first, first == "+" || first == "-" || first.isASCIIDigit {
            guard let literal = IntegerLiteral(token), let distance = literal.signedValue(in: Int64.min...Int64.max) else {
                throw .expected(.jumpTarget, found: String(token))
            }
            try store(distance, written: String(token), into: &instruction, field: field)
            return nil
        }
        guard isIdentifier(token) else { throw .expected(.jumpTarget, found: String(token)) }
        return String(token)
    }
}
