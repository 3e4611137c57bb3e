import EBPFCore
import EBPFInterpreter
import Testing
@testable import EBPFVerifier

/// The checks the verifier's table-driven tests share: a case under another policy, the
/// refusal it must meet, the accesses it must prove, the interpreter that runs it.
extension VerifierCase {
    /// This case under the loop policy `loops`.
    func under(_ loops: VerifierOptions.LoopPolicy) -> VerifierCase {
        var variant = self
        variant.loops = loops
        return variant
    }

    /// Verifies the case and records an issue unless it is refused as a safety violation with
    /// a message containing one of `alternatives`.
    func expectRefused(
        containingAnyOf alternatives: [String], _ label: String = "",
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        guard case .failure(let error) = try verify() else {
            Issue.record("\(label)accepted an unsafe program: \(name)", sourceLocation: sourceLocation)
            return
        }
        #expect(error.kind == .safetyViolation, "\(label)\(error)", sourceLocation: sourceLocation)
        #expect(
            alternatives.contains { error.message.contains($0) }, "\(label)\(error)", sourceLocation: sourceLocation)
    }

    /// Verifies the case and records an issue unless it is refused as a safety violation with
    /// a message containing `expected`.
    func expectRefused(
        containing expected: String, _ label: String = "", sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        try expectRefused(containingAnyOf: [expected], label, sourceLocation: sourceLocation)
    }

    /// Records an issue for every load or store of the program that `result` does not prove safe.
    func expectEveryAccessProven(
        by result: VerificationResult, _ label: String = "", sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let program = try VerifierFixtures.program(source)
        for (index, instruction) in program.instructions.enumerated()
        where [.ldx, .st, .stx].contains(instruction.instructionClass) {
            #expect(result.facts.accessIsSafe[index], "\(label)access at \(index) not proven", sourceLocation: sourceLocation)
        }
    }

    /// The interpreter (every access checked) over this case's program and the fixtures' helpers.
    func interpreter(budget: UInt64) throws -> Interpreter {
        Interpreter(
            program: try VerifierFixtures.program(source), helpers: VerifierFixtures.helpers,
            limits: ExecutionLimits(instructionBudget: budget))
    }
}
