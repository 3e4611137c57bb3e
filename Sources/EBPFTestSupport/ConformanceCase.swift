import EBPFAssembler
import EBPFCore

/// One test of the bpf_conformance corpus, parsed from its `.data` file.
///
/// A `.data` file is a list of sections, each introduced by a line `-- NAME`:
/// - `-- asm`: the program in assembly (see ``Assembler``);
/// - `-- raw`: the program as 64-bit words, lowest byte = opcode; overrides `-- asm`;
/// - `-- mem`: the input memory as hex byte pairs separated by blanks, over any number of lines;
/// - `-- result`: the expected R0, `0x…` hexadecimal else decimal, a full 64-bit value;
/// - `-- error`: the expected error text.
///
/// Other sections (`-- c`, `-- no register offset`, …) and the text before the first section
/// are ignored. Lines starting with `#` are comments in every section but `-- error`.
public struct ConformanceCase: Sendable, Hashable, CustomStringConvertible {
    /// The file name without `.data`.
    public let name: String
    /// The `-- asm` section, if any.
    public let assembly: String?
    /// The `-- raw` words, if the file has that section.
    public let rawWords: [UInt64]?
    /// The `-- mem` bytes; empty when the file has no memory.
    public let memory: [UInt8]
    /// The `-- result` value, if any.
    public let expectedResult: UInt64?
    /// The `-- error` text (its lines joined with newlines), if any.
    public let expectedError: String?

    /// The file line of the first `-- asm` line, so assembler errors name file lines.
    let assemblyFirstLine: Int
    /// The file line and text of each `-- raw` word.
    let rawLines: [(number: Int, text: String)]

    /// Parses the text of a `.data` file.
    public init(name: String, text: String) throws(ConformanceCaseError) {
        self.name = name
        var sections: [String: (firstLine: Int, lines: [(number: Int, text: Substring)])] = [:]
        var current: String?
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        for (index, line) in lines.enumerated() {
            if line.hasPrefix("-- ") {
                let section = String(line.dropFirst(3).trimmingBlanks())
                guard sections[section] == nil else {
                    throw ConformanceCaseError(name: name, line: index + 1, message: "duplicate section '-- \(section)'")
                }
                sections[section] = (index + 2, [])
                current = section
            } else if let current {
                sections[current]!.lines.append((index + 1, line))
            }
        }
        func dataLines(_ section: String) -> [(number: Int, text: Substring)]? {
            sections[section]?.lines.map { ($0.number, $0.text.trimmingBlanks()) }.filter { !$0.text.isEmpty && !$0.text.hasPrefix("#") }
        }
        func fail(_ line: Int, _ message: String) -> ConformanceCaseError {
            ConformanceCaseError(name: name, line: line, message: message)
        }

        if let asm = sections["asm"] {
            assembly = asm.lines.map { String($0.text) }.joined(separator: "\n")
            assemblyFirstLine = asm.firstLine
        } else {
            assembly = nil
            assemblyFirstLine = 1
        }

        if let lines = dataLines("raw") {
            var words: [UInt64] = []
            for line in lines {
                guard let word = Self.parseResult(line.text) else {
                    throw fail(line.number, "invalid raw instruction word '\(line.text)'")
                }
                words.append(word)
            }
            rawWords = words
            rawLines = lines.map { ($0.number, String($0.text)) }
        } else {
            rawWords = nil
            rawLines = []
        }

        var memory: [UInt8] = []
        for line in dataLines("mem") ?? [] {
            for token in line.text.split(whereSeparator: \.isWhitespace) {
                guard token.count % 2 == 0, token.allSatisfy(\.isASCIIHexDigit) else {
                    throw fail(line.number, "invalid memory byte '\(token)'")
                }
                var index = token.startIndex
                while index < token.endIndex {
                    let next = token.index(index, offsetBy: 2)
                    memory.append(UInt8(token[index..<next], radix: 16)!)
                    index = next
                }
            }
        }
        self.memory = memory

        if let lines = dataLines("result"), let first = lines.first {
            guard lines.count == 1 else { throw fail(lines[1].number, "unexpected text after the result") }
            guard let value = Self.parseResult(first.text) else {
                throw fail(first.number, "invalid result '\(first.text)'")
            }
            expectedResult = value
        } else {
            expectedResult = nil
        }

        if let error = sections["error"] {
            let text = error.lines.map { String($0.text.trimmingBlanks()) }.joined(separator: "\n")
            expectedError = String(Substring(text).trimming(while: \.isNewline))
        } else {
            expectedError = nil
        }

        guard assembly != nil || rawWords != nil else {
            throw ConformanceCaseError(name: name, line: nil, message: "no '-- asm' or '-- raw' section")
        }
    }

    /// The program: the `-- raw` words when present, else the assembled `-- asm` text. Errors
    /// name lines of the `.data` file.
    public func program() throws(AssemblerError) -> Program {
        guard let rawWords else {
            return try Assembler.assemble(assembly ?? "", firstLineNumber: assemblyFirstLine)
        }
        do {
            return try Program(validating: rawWords.map(Instruction.init(rawValue:)))
        } catch {
            let line = rawLines[min(error.index, rawLines.count - 1)]
            throw AssemblerError(line: line.number, lineText: line.text, reason: .invalidProgram(error))
        }
    }

    public var description: String { name }

    /// Parses `0x…` as hexadecimal, else decimal (a leading `-` gives the two's complement).
    static func parseResult(_ text: Substring) -> UInt64? {
        if text.hasPrefix("0x") || text.hasPrefix("0X") { return UInt64(text.dropFirst(2), radix: 16) }
        if text.hasPrefix("-") { return UInt64(text.dropFirst()).map { 0 &- $0 } }
        return UInt64(text)
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.name == rhs.name && lhs.assembly == rhs.assembly && lhs.rawWords == rhs.rawWords
            && lhs.memory == rhs.memory && lhs.expectedResult == rhs.expectedResult
            && lhs.expectedError == rhs.expectedError
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(assembly)
        hasher.combine(rawWords)
        hasher.combine(memory)
    }
}
