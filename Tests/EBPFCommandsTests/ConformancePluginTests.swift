import EBPFAssembler
import EBPFTestSupport
import Foundation
import Testing

@Suite("ebpf-conformance-plugin", .enabled(if: ConformanceCorpus.isAvailable, "conformance corpus not found beside the repository"))
struct ConformancePluginTests {
    /// Every eleventh corpus case (the whole corpus runs through the plugin in `.ci/run`).
    static let sample: [ConformanceCase] = ConformanceCorpus.cases.enumerated().filter { $0.offset % 11 == 0 }.map(\.element)

    @Test("plugin protocol on corpus cases", arguments: sample)
    func pluginRuns(_ testCase: ConformanceCase) throws {
        let program = try testCase.program()
        let stdin = program.bytes.map { String(format: "%02x  ", $0) }.joined() + "\n"
        let memory = testCase.memory.map { String(format: "%02x", $0) }.joined()
        let arguments = (memory.isEmpty ? [] : [memory]) + ["--engine", "interpreter"]
        let result = try ToolProcess.run("ebpf-conformance-plugin", arguments, input: stdin)
        #expect(result.status == 0, "stderr: \(result.standardError)")
        let printed = result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(UInt64(printed.dropFirst(2), radix: 16) == testCase.expectedResult, "\(testCase.name): \(printed)")
    }

    @Test("bad input exits non-zero with a message")
    func badInput() throws {
        let result = try ToolProcess.run("ebpf-conformance-plugin", [], input: "ff  00  00  00  00  00  00  00\n")
        #expect(result.status == 1)
        #expect(result.standardError.contains("unknown opcode 0xff"))
    }
}
