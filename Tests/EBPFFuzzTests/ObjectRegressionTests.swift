import EBPF
import Foundation
import Testing

/// ELF objects in `Tests/Regressions/` (inputs that once crashed the host) through the loader, the
/// linker, the verifier and both engines — run both the supported way (`LinkedProgram.run`, which
/// installs the helpers' run context) and by calling the runner directly, without one.
@Suite struct ObjectRegressionTests {
    static let files: [URL] = {
        let directory = RegressionReplayTests.directory
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".o") }.sorted().map { directory.appendingPathComponent($0) }
    }()

    @Test func thereAreObjectRegressions() {
        #expect(!Self.files.isEmpty, "no .o files in \(RegressionReplayTests.directory.path)")
    }

    /// `elf-trace-printk-string-outside-regions.o` (found by the libFuzzer ELF harness): a verified
    /// program passes the scalar 0x12 to a `%s` of `bpf_trace_printk`. Run directly, there is no
    /// run context; the helpers' pointer check used to let every non-null address through then,
    /// and the process crashed reading 0x12. Now they refuse pointers outside a run.
    @Test(arguments: files)
    func runsWithAndWithoutARunContext(file: URL) throws {
        let object = try LoadedObject(bytes: [UInt8](Data(contentsOf: file)))
        var runs = 0
        for program in object.object.programs {
            guard let linked = try? object.link(program) else { continue }
            for engine in Engine.allCases {
                let configuration = ExecutionConfiguration(engine: engine, limits: ExecutionLimits(instructionBudget: 10_000))
                guard let runner = try? linked.prepare(configuration: configuration, memorySize: 64) else { continue }
                var packet = [UInt8](repeating: 0x45, count: 64)
                let trace = TraceLog()
                _ = try? linked.run(using: runner, bytes: &packet, trace: trace)
                // The crash this guards against happened here. The programs read the clock and
                // their maps, so the two runs' results need not be equal; reaching the count is
                // the test.
                var direct = [UInt8](repeating: 0x45, count: 64)
                _ = try? runner.run(&direct)
                runs += 1
            }
        }
        #expect(runs > 0, "\(file.lastPathComponent): no program verified and ran")
    }
}
