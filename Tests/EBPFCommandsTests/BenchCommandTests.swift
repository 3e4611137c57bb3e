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
            var jitAnalysisNs: Double?
            var jitAddressAnalysisNs: Double?
            var jitEmissionNs: Double?
            var jitBranchRelaxationNs: Double?
            var jitExecutableMappingNs: Double?
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
        var maps: Int
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

    // MARK: ELF objects with maps

    /// 64 input bytes for the map programs: 8 records of 8 bytes.
    static let mapInput: [UInt8] = (0..<64).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }

    static let fnvOffset: UInt64 = 0xcbf29ce484222325
    static let fnvPrime: UInt64 = 0x100000001b3

    /// What Benchmarks/programs/map_hash.c computes, written again in Swift: per-flow packet and
    /// byte counts of the 8-byte records, then FNV-1a over each record's flow counters.
    static func mapHashChecksum(_ input: [UInt8]) -> UInt64 {
        struct Flow: Hashable {
            var address: UInt32, port: UInt16, proto: UInt8
        }
        func flow(at offset: Int) -> Flow {
            Flow(address: 0x0a00_0000 | UInt32(input[offset]), port: 0x1000 + UInt16(input[offset + 1] & 3),
                 proto: input[offset + 2] & 1 == 1 ? 6 : 17)
        }
        let records = Array(stride(from: 0, through: input.count - 8, by: 8))
        var counters: [Flow: (packets: UInt64, bytes: UInt64)] = [:]
        for offset in records {
            let size = 64 + (UInt64(input[offset + 3]) | UInt64(input[offset + 4] & 3) << 8)
            let old = counters[flow(at: offset)] ?? (0, 0)
            counters[flow(at: offset)] = (old.packets + 1, old.bytes + size)
        }
        var hash = fnvOffset
        for offset in records {
            let counts = counters[flow(at: offset)]!
            hash = (hash ^ counts.packets) &* fnvPrime
            hash = (hash ^ counts.bytes) &* fnvPrime
        }
        return hash
    }

    /// What Benchmarks/programs/map_array.c computes: FNV-1a over the 256 byte counts.
    static func mapArrayChecksum(_ input: [UInt8]) -> UInt64 {
        var counts = [UInt64](repeating: 0, count: 256)
        for byte in input { counts[Int(byte)] += 1 }
        return counts.reduce(fnvOffset) { ($0 ^ $1) &* fnvPrime }
    }

    static var mapInputHex: String { mapInput.map { String(format: "%02x", $0) }.joined(separator: " ") }

    @Test("an ELF object runs linked against its maps: engines agree with the C program's result, repeat after repeat; --json has the JIT phases",
          arguments: [("map_hash", false), ("map_array", true)])
    func elfWithMaps(name: String, unverified: Bool) throws {
        let expected = name == "map_hash" ? Self.mapHashChecksum(Self.mapInput) : Self.mapArrayChecksum(Self.mapInput)
        var arguments = ["bench", "Benchmarks/programs/\(name).o", "--mem-hex", Self.mapInputHex,
                         "--iterations", "3", "--samples", "2", "--json"]
        if unverified { arguments.append("--unverified") }
        let bench = try ToolProcess.run("ebpf", arguments)
        #expect(bench.status == 0, "stderr: \(bench.standardError)")
        let report = try JSONDecoder().decode(Report.self, from: Data(bench.standardOutput.utf8))
        #expect(report.engines.map(\.engine) == ["interpreter", "jit"])
        #expect(report.engines.allSatisfy { $0.result == "0x" + String(expected, radix: 16) },
                "results: \(report.engines.map(\.result)), expected 0x\(String(expected, radix: 16))")
        #expect(report.resultsAgree)
        #expect(report.verified == !unverified)
        #expect(report.maps == (name == "map_hash" ? 2 : 1))
        #expect(report.memoryBytes == 64)

        let compile = report.compile
        let phases = [compile.jitAnalysisNs, compile.jitAddressAnalysisNs, compile.jitEmissionNs, compile.jitBranchRelaxationNs,
                      compile.jitExecutableMappingNs]
        #expect(phases.allSatisfy { ($0 ?? -1) >= 0 }, "phases: \(phases)")
        #expect((compile.jitEmissionNs ?? 0) > 0 && (compile.jitBranchRelaxationNs ?? 0) > 0
                && (compile.jitExecutableMappingNs ?? 0) > 0)
        #expect((compile.jitCompileNs ?? 0) > 0)
        #expect((report.codeBytes ?? 0) > 0)
    }

    @Test("the text report names the maps and prints the JIT's phases")
    func elfWithMapsText() throws {
        let bench = try ToolProcess.run(
            "ebpf", ["bench", "Benchmarks/programs/map_hash.o", "--mem-hex", Self.mapInputHex, "--engine", "jit",
                     "--iterations", "2", "--samples", "1"])
        #expect(bench.status == 0, "stderr: \(bench.standardError)")
        let lines = bench.standardOutput.split(separator: "\n")
        #expect(lines.first?.contains("64 bytes of memory, 2 maps, verified") == true, "\(lines.first ?? "")")
        let phases = lines.first { $0.hasPrefix("JIT phases: ") }
        #expect(phases?.contains("analysis ") == true && phases?.contains("address analysis ") == true
                && phases?.contains("emission ") == true && phases?.contains("branch relaxation ") == true
                && phases?.contains("executable mapping ") == true,
                "\(phases ?? "no JIT phases line")")
        #expect(lines.last == "results agree")
    }

    @Test("plain programs report the JIT's phases too and no maps")
    func plainProgramPhases() throws {
        let bench = try ToolProcess.run(
            "ebpf", ["bench", "examples/fib.s", "--engine", "jit", "--iterations", "2", "--samples", "1", "--json"])
        #expect(bench.status == 0, "stderr: \(bench.standardError)")
        let report = try JSONDecoder().decode(Report.self, from: Data(bench.standardOutput.utf8))
        #expect(report.maps == 0)
        #expect(report.compile.jitAnalysisNs != nil && report.compile.jitExecutableMappingNs != nil)
    }
}
