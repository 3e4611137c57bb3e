import EBPFCore
import EBPFFuzz
import EBPFInterpreter
import EBPFTestSupport
import Foundation
import Testing

/// The campaign driver: reproducible by seed, and a planted engine bug is found, minimized,
/// written as a regression file that parses back and still shows the bug.
@Suite struct FuzzCampaignTests {
    /// Wraps a runner and adds 1 to R0 whenever the program contains a `mul` (ALU64 0x2f/0x27),
    /// standing in for a JIT bug in one instruction.
    struct OffByOneOnMultiply: ProgramRunner {
        let inner: Interpreter
        func run(memory: UnsafeMutableRawBufferPointer, stack: UnsafeMutableRawBufferPointer?) throws(ExecutionTrap) -> UInt64 {
            let result = try inner.run(memory: memory, stack: stack)
            let multiplies = inner.program.instructions.contains { $0.opcode == 0x2f || $0.opcode == 0x27 }
            return multiplies ? result &+ 1 : result
        }
    }

    @Test func sameSeedsGiveTheSameReport() {
        let campaign = FuzzCampaign(preset: .mixed, firstSeed: 321, maxPrograms: 40)
        let first = campaign.run()
        let second = campaign.run()
        #expect(first.programs == 40 && second.programs == 40)
        #expect(first.returned == second.returned && first.trapped == second.trapped)
        #expect(first.failures.isEmpty, "\(first)")
    }

    @Test func plantedBugIsMinimizedAndSaved() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ebpf-fuzz-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        var campaign = FuzzCampaign(preset: .straightLine, firstSeed: 0, maxPrograms: 200, maxFailures: 1, failureDirectory: directory.path)
        campaign.makeHarness = { _, limits, _, _ in
            DifferentialHarness(
                reference: { Interpreter(program: $0, helpers: TestHelpers.registry, limits: limits) },
                candidate: { OffByOneOnMultiply(inner: Interpreter(program: $0, helpers: TestHelpers.registry, limits: limits)) },
                referenceName: "interpreter", candidateName: "faulty")
        }
        let report = campaign.run()
        let failure = try #require(report.failures.first, "the planted bug was not found in 200 programs")
        // Minimized: the multiply and the exit are about all that is left.
        #expect(failure.outcome.program.count <= 4, "\(failure.outcome)")
        let path = try #require(failure.path)
        let parsed = try RegressionCase(name: "saved", text: String(contentsOfFile: path, encoding: .utf8))
        #expect(parsed.program == failure.outcome.program)
        #expect(parsed.memory == failure.outcome.memory)
        let replay = campaign.makeHarness(FuzzEngines.jitOptions[0], ExecutionLimits(instructionBudget: parsed.instructionBudget), nil, .bounded)
        #expect(!replay.compare(parsed.program, memory: parsed.memory).agrees, "the saved case must still show the bug")
    }
}
