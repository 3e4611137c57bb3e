import EBPFAssembler
import EBPFCore
import EBPFVerifier
import Foundation

/// A program on which two engines once disagreed, stored as text in `Tests/Regressions/` and
/// replayed by `swift test` on every engine configuration.
///
/// The file format (sections start with `-- name`, `#` lines are comments):
///
/// ```
/// # found by: ebpf-fuzz --preset unsafe --seed 17 (jit: default, bmi2)
/// budget: 5000
/// context: 16
/// loops: widening
/// -- asm
/// mov r0, 1
/// exit
/// -- raw
/// 0x00000001000000b7
/// 0x0000000000000095
/// -- mem
/// 00 01 02 03
/// -- observed
/// interpreter (reference) and jit (candidate) differ: ...
/// ```
///
/// `-- raw` (one 64-bit instruction word per line, opcode in the lowest byte) is what is replayed;
/// `-- asm` and `-- observed` are for people. `budget` is the instruction budget of the runs and
/// `context`, when present, the input size the verifier was told (replayed with facts too), and
/// `loops` the verifier's loop policy then (`bounded` when absent).
public struct RegressionCase: Sendable, Hashable {
    public var name: String
    public var program: Program
    public var memory: [UInt8]
    public var instructionBudget: UInt64
    public var verifiedContextSize: Int?
    /// The loop policy the verifier ran under; `nil` means the default (`bounded`).
    public var verifierLoops: VerifierOptions.LoopPolicy?
    /// Free text: how the case was found and what was observed.
    public var comments: [String]
    public var observed: String

    public init(
        name: String, program: Program, memory: [UInt8], instructionBudget: UInt64,
        verifiedContextSize: Int? = nil, verifierLoops: VerifierOptions.LoopPolicy? = nil, comments: [String] = [],
        observed: String = ""
    ) {
        self.verifierLoops = verifierLoops
        self.name = name
        self.program = program
        self.memory = memory
        self.instructionBudget = instructionBudget
        self.verifiedContextSize = verifiedContextSize
        self.comments = comments
        self.observed = observed
    }

    /// A bad regression file: the line (1-based) and what is wrong.
    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public var line: Int
        public var message: String
        public var description: String { "line \(line): \(message)" }
    }

    /// The file text.
    public var text: String {
        var lines = comments.map { "# " + $0 }
        lines.append("budget: \(instructionBudget)")
        if let context = verifiedContextSize { lines.append("context: \(context)") }
        if let loops = verifierLoops { lines.append("loops: \(loops)") }
        lines.append("-- asm")
        lines.append(contentsOf: Disassembler.disassemble(program))
        lines.append("-- raw")
        for instruction in program.instructions {
            let word = String(instruction.rawValue, radix: 16)
            lines.append("0x" + String(repeating: "0", count: 16 - word.count) + word)
        }
        lines.append("-- mem")
        lines.append(memory.map { byte in
            let hex = String(byte, radix: 16)
            return hex.count == 1 ? "0" + hex : hex
        }.joined(separator: " "))
        lines.append("-- observed")
        lines.append(contentsOf: observed.split(separator: "\n", omittingEmptySubsequences: false).map { "# " + $0 })
        return lines.joined(separator: "\n") + "\n"
    }

    /// Parses a regression file.
    public init(name: String, text: String) throws(ParseError) {
        var section = ""
        var words: [Instruction] = []
        var memory: [UInt8] = []
        var budget: UInt64?
        var context: Int?
        var loops: VerifierOptions.LoopPolicy?
        var comments: [String] = []
        for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            let number = offset + 1
            if line.isEmpty { continue }
            if line.hasPrefix("#") {
                if section.isEmpty { comments.append(String(line.dropFirst()).trimmingCharacters(in: .whitespaces)) }
                continue
            }
            if line.hasPrefix("-- ") {
                section = String(line.dropFirst(3))
                continue
            }
            switch section {
            case "":
                let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard parts.count == 2 else { throw ParseError(line: number, message: "expected `key: value`") }
                switch parts[0] {
                case "budget":
                    guard let value = UInt64(parts[1]) else { throw ParseError(line: number, message: "bad budget") }
                    budget = value
                case "context":
                    guard let value = Int(parts[1]), value >= 0 else { throw ParseError(line: number, message: "bad context") }
                    context = value
                case "loops":
                    guard let value = VerifierOptions.LoopPolicy(rawValue: parts[1]) else {
                        throw ParseError(line: number, message: "bad loop policy")
                    }
                    loops = value
                default:
                    throw ParseError(line: number, message: "unknown key `\(parts[0])`")
                }
            case "raw":
                guard line.hasPrefix("0x"), let word = UInt64(line.dropFirst(2), radix: 16) else {
                    throw ParseError(line: number, message: "expected a 64-bit hex word `0x...`")
                }
                words.append(Instruction(rawValue: word))
            case "mem":
                for token in line.split(separator: " ") {
                    guard let byte = UInt8(token, radix: 16) else { throw ParseError(line: number, message: "bad byte `\(token)`") }
                    memory.append(byte)
                }
            case "asm", "observed":
                continue
            default:
                throw ParseError(line: number, message: "unknown section `\(section)`")
            }
        }
        guard !words.isEmpty else { throw ParseError(line: 0, message: "no `-- raw` instructions") }
        self.init(
            name: name, program: Program(unchecked: words), memory: memory,
            instructionBudget: budget ?? ExecutionLimits().instructionBudget, verifiedContextSize: context,
            verifierLoops: loops, comments: comments)
    }
}
