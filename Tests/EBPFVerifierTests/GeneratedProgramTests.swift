import EBPFCore
import EBPFInterpreter
import EBPFTestSupport
import Testing
@testable import EBPFVerifier

/// The verifier against the interpreter on random programs: a program the verifier accepts
/// must never trap when it runs (no out-of-bounds access, no runaway loop or recursion, no
/// unknown helper), and the safe programs the generator writes should mostly be accepted.
@Suite struct GeneratedProgramTests {
    static let programCount = 200

    func check(options: RandomProgramGenerator.Options, firstSeed: UInt64) -> (accepted: Int, rejected: [String]) {
        let generator = RandomProgramGenerator(options: options)
        var accepted = 0
        var rejected: [String] = []
        for seed in firstSeed..<(firstSeed + UInt64(Self.programCount)) {
            let generated = generator.generate(seed: seed)
            let verifier = Verifier(
                helpers: TestHelpers.registry,
                options: VerifierOptions(loops: .bounded, contextSize: generated.memorySize))
            do throws(VerifierError) {
                let result = try verifier.verify(generated.program)
                accepted += 1
                #expect(result.facts.terminates)
                var memory = generated.memory
                let interpreter = Interpreter(
                    program: generated.program, helpers: TestHelpers.registry,
                    limits: ExecutionLimits(instructionBudget: 50_000_000))
                do throws(ExecutionTrap) {
                    _ = try interpreter.run(&memory)
                } catch {
                    Issue.record("seed \(seed): verified program trapped: \(error)")
                }
            } catch {
                rejected.append("seed \(seed): \(error.message)")
            }
        }
        return (accepted, rejected)
    }

    @Test func verifiedProgramsNeverTrap() {
        let safe = check(options: .default, firstSeed: 1)
        let unsafe = check(options: .unsafe, firstSeed: 100_000)
        print("generated safe programs accepted: \(safe.accepted) of \(Self.programCount)")
        for line in safe.rejected.prefix(20) { print("  rejected safe", line) }
        print("generated programs with hazards accepted: \(unsafe.accepted) of \(Self.programCount)")
        // Most safe programs must pass; the rest are imprecision, listed above.
        #expect(safe.accepted * 10 >= Self.programCount * 9)
    }
}
