import Foundation
import Testing

@Suite("ebpf bench")
struct BenchCommandTests {
    /// The fields of `ebpf bench --json` the docs and the chart script read.
    struct Report: Decodable {
        struct Compile: Decodable {
            var decodeNs: Double
            var verifyNs: Double?
            var interpreterPrepareNs: Double?
            var jitCompileNs: Double?
        }
        struct Timing: Decodable {
            var medianNs: Double
            var minNs: Double
            var maxNs: Double
            var samples: Int
        }
        struct EngineResult: Decodable {
            var engine: String
            var result: String
            var timing: Timing
        }
        var instructions: Int
        var memoryBytes: Int
        var verified: Bool
        var iterations: Int
        var compile: Compile
        var codeBytes: Int?
        var engines: [EngineResult]
        var resultsAgree: Bool
        var interpreterOverJIT: Double?
    }

    @Test("--json reports both engines with the result ebpf run prints")
    func jsonMatchesRun() throws {
        let run = try ToolProcess.run("ebpf", ["run", "examples/checksum.s", "--mem", "examples/data.bin"])
        #expect(run.status == 0, "stderr: \(run.standardError)")
        let expected = run.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)

        let bench = try ToolProcess.run(
            "ebpf", ["bench", "examples/checksum.s", "--mem", "examples/data.bin", "--iterations", "10", "--samples", "3", "--json"])
        #expect(bench.status == 0, "stderr: \(bench.standardError)")
        let report = try JSONDecoder().decode(Report.self, from: Data(bench.standardOutput.utf8))
        #expect(report.engines.map(\.engine) == ["interpreter", "jit"])
        #expect(report.engines.allSatisfy { $0.result == expected })
        #expect(report.resultsAgree)
        #expect(report.verified)
        #expect(report.iterations == 10)
        #expect(report.memoryBytes == 16)
        #expect(report.instructions > 0)
        #expect(report.compile.verifyNs != nil && report.compile.jitCompileNs != nil && report.compile.interpreterPrepareNs != nil)
        #expect((report.codeBytes ?? 0) > 0)
        for engine in report.engines {
            #expect(engine.timing.samples == 3)
            #expect(engine.timing.minNs <= engine.timing.medianNs && engine.timing.medianNs <= engine.timing.maxNs)
        }
        #expect(report.interpreterOverJIT != nil)
    }

    @Test("--engine jit times only the JIT; the text report says the results agree")
    func singleEngineText() throws {
        let bench = try ToolProcess.run(
            "ebpf", ["bench", "examples/fib.s", "--engine", "jit", "--iterations", "5", "--samples", "2"])
        #expect(bench.status == 0, "stderr: \(bench.standardError)")
        let lines = bench.standardOutput.split(separator: "\n")
        #expect(lines.contains { $0.hasPrefix("jit ") && $0.contains("0x\(String(RunCommandTests.fibonacci(50), radix: 16))") })
        #expect(!lines.contains { $0.hasPrefix("interpreter ") })
        #expect(lines.last == "results agree")
    }

    @Test("a native library that cannot be loaded is one error line and exit 1")
    func missingNativeLibrary() throws {
        let bench = try ToolProcess.run(
            "ebpf", ["bench", "examples/fib.s", "--iterations", "1", "--samples", "1", "--native", "no-such-lib.so"])
        #expect(bench.status == 1)
        #expect(bench.standardError.contains("cannot load native library"), "stderr: \(bench.standardError)")
    }
}
