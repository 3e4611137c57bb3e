import EBPFAssembler
import EBPFCore
import EBPFTestSupport
import Testing
@testable import EBPFVerifier

/// Every safe case of the conformance corpus passes the verifier with the bounded loop policy
/// and the context size set to the case's memory length; the cases rejected under each policy
/// are listed exactly (and in docs/verifier.md).
@Suite(.enabled(if: ConformanceCorpus.isAvailable, "conformance corpus not found (set EBPF_CONFORMANCE_DIR)"))
struct ConformanceVerifierTests {
    /// Cases rejected under each policy, with the reason.
    static let expectedRejections: [VerifierOptions.LoopPolicy: [String: String]] = [
        .bounded: [:],
        .strict: ["prime": "back-edge from insn 7 to 8"],
    ]

    static func verify(_ testCase: ConformanceCase, loops: VerifierOptions.LoopPolicy) throws -> VerifierError? {
        let program = try testCase.program()
        let verifier = Verifier(
            helpers: .conformance, options: VerifierOptions(loops: loops, contextSize: testCase.memory.count))
        do throws(VerifierError) {
            _ = try verifier.verify(program)
            return nil
        } catch {
            return error
        }
    }

    @Test func corpusLoads() throws {
        #expect(try ConformanceCorpus.loadCases().count == 313)
    }

    @Test(arguments: [VerifierOptions.LoopPolicy.bounded, .strict])
    func rejectedCasesAreExactlyTheListedOnes(loops: VerifierOptions.LoopPolicy) throws {
        var rejected: [String: String] = [:]
        for testCase in ConformanceCorpus.cases {
            if let error = try Self.verify(testCase, loops: loops) { rejected[testCase.name] = error.message }
        }
        #expect(rejected == Self.expectedRejections[loops]!)
    }

    @Test func corpusVerifiesInMilliseconds() throws {
        let clock = ContinuousClock()
        let start = clock.now
        for testCase in ConformanceCorpus.cases { _ = try Self.verify(testCase, loops: .bounded) }
        // Generous for debug builds on a shared machine; release builds take a few milliseconds.
        #expect(clock.now - start < .seconds(5))
    }
}
