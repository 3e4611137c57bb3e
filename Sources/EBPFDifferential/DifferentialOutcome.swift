import EBPFAssembler
import EBPFCore

/// The result of running one program on two engines: what each observed and every difference.
public struct DifferentialOutcome: Sendable, CustomStringConvertible {
    public let program: Program
    /// The input memory both runs started from.
    public let memory: [UInt8]
    public let reference: RunObservation
    public let candidate: RunObservation
    /// Empty when the engines agree.
    public let differences: [Difference]
    public let referenceName: String
    public let candidateName: String

    public init(
        program: Program, memory: [UInt8], reference: RunObservation, candidate: RunObservation,
        differences: [Difference], referenceName: String, candidateName: String
    ) {
        self.program = program
        self.memory = memory
        self.reference = reference
        self.candidate = candidate
        self.differences = differences
        self.referenceName = referenceName
        self.candidateName = candidateName
    }

    /// Whether the engines agreed on the result or trap, the final memory and the final stack.
    public var agrees: Bool { differences.isEmpty }

    /// The kinds of difference found.
    public var differenceKinds: Set<Difference.Kind> { Set(differences.map(\.kind)) }

    /// A one-paragraph account: agreement, or each difference with the two engines' names.
    public var summary: String {
        if agrees { return "\(referenceName) and \(candidateName) agree: \(reference.termination)" }
        var lines = ["\(referenceName) (reference) and \(candidateName) (candidate) differ:"]
        for difference in differences { lines.append("  " + difference.description) }
        return lines.joined(separator: "\n")
    }

    /// ``summary``, the input memory and the program as a numbered disassembly listing with the
    /// raw instruction words.
    public var description: String {
        var lines = [summary]
        lines.append("memory (\(memory.count) bytes): [\(ByteDifference.hex(memory))]")
        lines.append("program (\(program.count) slots):")
        lines.append(contentsOf: Self.listing(of: program))
        return lines.joined(separator: "\n")
    }

    /// `index: 0x<raw word>  <disassembly>` per slot (the second slot of an `lddw` shows only
    /// its word).
    public static func listing(of program: Program) -> [String] {
        var text = [String](repeating: "", count: program.count)
        for line in Disassembler.listing(program) { text[line.index] = line.text }
        return program.instructions.indices.map { index in
            let word = String(program.instructions[index].rawValue, radix: 16)
            let padded = String(repeating: "0", count: 16 - word.count) + word
            return "\(index): 0x\(padded)  \(text[index])"
        }
    }
}
