import ArgumentParser
import EBPF

/// Engine, verification and limit options shared by the commands that run programs.
struct ExecutionOptions: ParsableArguments {
    @Option(help: "The engine: interpreter or jit.")
    var engine: Engine = .interpreter

    @Flag(help: "Skip the verifier; the program runs with run-time bounds checks instead.")
    var unverified = false

    @Option(help: "Loop policy of the verifier: strict (no back-edges), bounded (loops proven to exit), widening (loops proven memory-safe, not to exit; the instruction budget stays on) or automatic (bounded for loop-free programs; otherwise widening, then bounded when widening cannot prove that the loops exit or rejects the program).")
    var loops: VerifierOptions.LoopPolicy = .automatic

    @Option(help: "Instruction budget: a run stops with a trap after this many instructions.")
    var budget: UInt64 = ExecutionLimits.defaultInstructionBudget

    func configuration(helpers: HelperRegistry = .conformance) -> ExecutionConfiguration {
        ExecutionConfiguration(
            engine: engine, verify: !unverified, verifierOptions: VerifierOptions(loops: loops), helpers: helpers,
            limits: ExecutionLimits(instructionBudget: budget))
    }
}

extension VerifierOptions.LoopPolicy: ExpressibleByArgument {}
