import Testing
import EBPFAssembler
import EBPFCore
import EBPFJIT
import EBPFTestSupport

/// All 313 cases of the bpf_conformance corpus through the JIT under every configuration of
/// ``JITConfigurations``: R0 must equal the case's `-- result`, and R0, memory and stack must
/// equal the interpreter's.
@Suite(.enabled(if: ConformanceCorpus.isAvailable, "conformance corpus not found (set EBPF_CONFORMANCE_DIR)"))
struct ConformanceTests {
    @Test func corpusLoads() throws {
        let cases = try ConformanceCorpus.loadCases()
        #expect(cases.count == 313)
    }

    @Test(arguments: ConformanceCorpus.cases)
    func caseMatchesResultAndInterpreter(_ testCase: ConformanceCase) throws {
        let program = try testCase.program()
        for options in JITConfigurations.all {
            let compiled = try JIT.compile(program, helpers: .conformance, options: options)
            var memory = testCase.memory
            let result = try compiled.run(&memory)
            if let expected = testCase.expectedResult {
                #expect(result == expected, "\(testCase.name) under \(options.registerMap) bmi2=\(options.useBMI2)")
            }
            let outcome = JITConfigurations.harness(options, helpers: .conformance).compare(program, memory: testCase.memory)
            #expect(outcome.agrees, "\(testCase.name) under \(options.registerMap) bmi2=\(options.useBMI2): \(outcome)")
        }
    }
}
