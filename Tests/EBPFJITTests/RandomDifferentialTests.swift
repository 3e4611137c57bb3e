import Testing
import EBPFCore
import EBPFJIT
import EBPFTestSupport

/// Seeded random programs (loops, local calls, helper calls, atomics, packet loads, and — in the
/// unsafe profile — out-of-bounds accesses, unknown helpers and runaway loops) through the
/// interpreter and the JIT under every configuration; R0 or trap, memory and stack must agree.
///
/// `swift test` runs 100 programs per configuration and profile; a long campaign raises the count
/// and moves the seed range with `EBPF_FUZZ_PROGRAMS` and `EBPF_FUZZ_FIRST_SEED` (docs/testing.md).
@Suite struct RandomDifferentialTests {
    static let settings = FuzzSettings.fromEnvironment(defaultProgramCount: 100)
    static let seedsPerConfiguration = UInt64(settings.programCount)

    @Test(arguments: JITConfigurations.all.indices)
    func generatedProgramsAgree(configuration: Int) {
        let options = JITConfigurations.all[configuration]
        let limits = ExecutionLimits(instructionBudget: 20_000)
        let harness = JITConfigurations.harness(options, helpers: TestHelpers.registry, limits: limits)
        let start = Self.settings.firstSeed + UInt64(configuration) * 1_000_003_000
        let result = harness.campaign(generator: RandomProgramGenerator(), seeds: start..<(start + Self.seedsPerConfiguration))
        #expect(result.failures.isEmpty, "\(options.registerMap): \(result.failures.first.map { "seed \($0.seed): \(harness.minimize($0.outcome))" } ?? "")")
        #expect(result.programCount == Int(Self.seedsPerConfiguration))
    }

    @Test(arguments: JITConfigurations.all.indices)
    func hazardousProgramsAgree(configuration: Int) {
        let options = JITConfigurations.all[configuration]
        let limits = ExecutionLimits(instructionBudget: 5_000)
        let harness = JITConfigurations.harness(options, helpers: TestHelpers.registry, limits: limits)
        let start = Self.settings.firstSeed + 500_000_000 + UInt64(configuration) * 1_000_003_000
        let result = harness.campaign(generator: RandomProgramGenerator(options: .unsafe), seeds: start..<(start + Self.seedsPerConfiguration))
        #expect(result.failures.isEmpty, "\(options.registerMap): \(result.failures.first.map { "seed \($0.seed): \(harness.minimize($0.outcome))" } ?? "")")
        #expect(result.trapCounts.values.reduce(0, +) > 0, "the unsafe profile should produce traps")
    }
}
