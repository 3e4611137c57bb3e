import EBPFAssembler
import EBPFCore
import EBPFInterpreter
import EBPFTestSupport
import Testing

@Suite(
    "Conformance corpus through the interpreter",
    .enabled(if: ConformanceCorpus.isAvailable, "conformance corpus not found; set EBPF_CONFORMANCE_DIR")
)
struct ConformanceTests {
    @Test func corpusIsComplete() throws {
        #expect(try ConformanceCorpus.loadCases().count == 313)
    }

    /// Every case, memory from `-- mem`, the conformance helpers: R0 must equal `-- result`.
    @Test(arguments: ConformanceCorpus.cases)
    func matchesExpectedResult(_ testCase: ConformanceCase) throws {
        let expected = try #require(testCase.expectedResult)
        var memory = testCase.memory
        let outcome = run(try testCase.program(), memory: &memory, helpers: .conformance)
        #expect(outcome == .success(expected))
    }
}
