import Testing
import EBPFCore
import EBPFJIT
import EBPFTestSupport

/// Seeded random programs (loops, local calls, helper calls, atomics, packet loads, and — in the
/// unsafe profile — out-of-bounds accesses, unknown helpers and runaway loops) through the
/// interpreter and the JIT under every configuration; R0 or trap, memory and stack must agree.
@Suite struct RandomDifferentialTests {
    static let seedsPerConfiguration: UInt64 = 100

    @Test(arguments: JITConfigurations.all.indices)
    func generatedProgramsAgree(configuration: Int) {
        let options = JITConfigurations.all[configuration]
        let limits = ExecutionLimits(instructionBudget: 20_000)
        let harness = JITConfigurations.harness(options, helpers: TestHelpers.registry, limits: limits)
        let start = UInt64(configuration) * 1_000_003
        let result = harness.campaign(generator: RandomProgramGenerator(), seeds: start..<(start + Self.seedsPerConfiguration))
        #expect(result.failures.isEmpty, "\(options.registerAllocation): \(result.failures.first.map { "seed \($0.seed): \(harness.minimize($0.outcome))" } ?? "")")
        #expect(result.programCount == Int(Self.seedsPerConfiguration))
    }

    @Test(arguments: JITConfigurations.all.indices)
    func hazardousProgramsAgree(configuration: Int) {
        let options = JITConfigurations.all[configuration]
        let limits = ExecutionLimits(instructionBudget: 5_000)
        let harness = JITConfigurations.harness(options, helpers: TestHelpers.registry, limits: limits)
        let start = 7_000_000 + UInt64(configuration) * 1_000_003
        let result = harness.campaign(generator: RandomProgramGenerator(options: .unsafe), seeds: start..<(start + Self.seedsPerConfiguration))
        #expect(result.failures.isEmpty, "\(options.registerAllocation): \(result.failures.first.map { "seed \($0.seed): \(harness.minimize($0.outcome))" } ?? "")")
        #expect(result.trapCounts.values.reduce(0, +) > 0, "the unsafe profile should produce traps")
    }
}
