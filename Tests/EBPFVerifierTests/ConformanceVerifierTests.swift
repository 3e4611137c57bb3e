import EBPFAssembler
import EBPFCore
import EBPFTestSupport
import Testing
@testable import EBPFVerifier

@Suite struct ScratchCorpus {
    @Test func scan() throws {
        var rejected: [String] = []
        for c in ConformanceCorpus.cases {
            let program = try c.program()
            let verifier = Verifier(helpers: .conformance, options: VerifierOptions(loops: .strict, contextSize: c.memory.count))
            do {
                _ = try verifier.verify(program)
            } catch {
                rejected.append("\(c.name): \(error.index) \(error.message) | \(error.registerState)")
            }
        }
        print("REJECTED \(rejected.count) of \(ConformanceCorpus.cases.count)")
        for r in rejected { print("REJ", r) }
    }
}
