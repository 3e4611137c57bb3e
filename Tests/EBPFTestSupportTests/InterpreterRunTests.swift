import EBPFCore
import EBPFInterpreter
import EBPFTestSupport
import Testing

/// Generated programs through the reference interpreter: safe ones never trap and do not depend
/// on anything but the program and the input memory; unsafe ones reach every kind of trap.
@Suite struct InterpreterRunTests {
    static let safeConfigurations: [(name: String, options: RandomProgramGenerator.Options)] = [
        ("default", .default), ("straightLine", .straightLine),
    ]

    /// Runs `generated` in the interpreter over a copy of its memory and of `stack`.
    static func run(
        _ generated: GeneratedProgram, stack: [UInt8], limits: ExecutionLimits = ExecutionLimits()
    ) -> (result: Result<UInt64, ExecutionTrap>, memory: [UInt8]) {
        let interpreter = Interpreter(program: generated.program, helpers: TestHelpers.registry, limits: limits)
        var memory = generated.memory
        var stack = stack
        let result = memory.withUnsafeMutableBytes { memoryBuffer in
            stack.withUnsafeMutableBytes { stackBuffer in
                Result { () throws(ExecutionTrap) -> UInt64 in try interpreter.run(memory: memoryBuffer, stack: stackBuffer) }
            }
        }
        return (result, memory)
    }

    @Test(arguments: safeConfigurations.map(\.name))
    func safeProgramsRunWithoutTrapping(configuration: String) {
        let options = Self.safeConfigurations.first { $0.name == configuration }!.options
        let generator = RandomProgramGenerator(options: options)
        let stack = DifferentialHarness.defaultInitialStack
        // The generator keeps programs near maxExecutedInstructions; a budget a few times larger
        // must never run out.
        let limits = ExecutionLimits(instructionBudget: UInt64(4 * options.maxExecutedInstructions))
        for seed in UInt64(0)..<1_000 {
            let generated = generator.generate(seed: seed)
            let (result, _) = Self.run(generated, stack: stack, limits: limits)
            if case .failure(let trap) = result {
                Issue.record("seed \(seed) trapped: \(trap)\n\(DifferentialOutcome.listing(of: generated.program).joined(separator: "\n"))")
            }
        }
    }

    /// The generator only reads stack bytes it wrote, so the initial stack contents cannot change
    /// the result or the final input memory.
    @Test func safeProgramsDoNotDependOnTheInitialStack() {
        let generator = RandomProgramGenerator()
        let zeros = [UInt8](repeating: 0, count: ExecutionLimits.stackSize)
        let ones = [UInt8](repeating: 0xff, count: ExecutionLimits.stackSize)
        for seed in UInt64(0)..<1_000 {
            let generated = generator.generate(seed: seed)
            let first = Self.run(generated, stack: zeros)
            let second = Self.run(generated, stack: ones)
            #expect(first.result == second.result, "seed \(seed)")
            #expect(first.memory == second.memory, "seed \(seed)")
        }
    }

    /// Programs actually compute something: results vary across seeds and some write the input memory.
    @Test func safeProgramsProduceVariedResultsAndWrites() {
        let generator = RandomProgramGenerator()
        var results = Set<UInt64>()
        var programsWritingMemory = 0
        for seed in UInt64(0)..<500 {
            let generated = generator.generate(seed: seed)
            let (result, memory) = Self.run(generated, stack: DifferentialHarness.defaultInitialStack)
            if case .success(let value) = result { results.insert(value) }
            if memory != generated.memory { programsWritingMemory += 1 }
        }
        #expect(results.count > 300)
        #expect(programsWritingMemory > 100)
    }

    /// Unsafe programs reach every trap kind the generator plants hazards for.
    @Test func unsafeProgramsReachEveryTrapKind() {
        let generator = RandomProgramGenerator(options: .unsafe)
        let limits = ExecutionLimits(instructionBudget: 20_000)
        var kinds = Set<String>()
        var returned = 0
        for seed in UInt64(0)..<1_000 {
            switch Self.run(generator.generate(seed: seed), stack: DifferentialHarness.defaultInitialStack, limits: limits).result {
            case .success: returned += 1
            case .failure(.outOfBounds): kinds.insert("outOfBounds")
            case .failure(.budgetExhausted): kinds.insert("budgetExhausted")
            case .failure(.callDepthExceeded): kinds.insert("callDepthExceeded")
            case .failure(.unknownHelper): kinds.insert("unknownHelper")
            case .failure(.invalidInstruction(let pc, let reason)): Issue.record("invalid instruction at \(pc): \(reason)")
            }
        }
        #expect(kinds == ["outOfBounds", "budgetExhausted", "callDepthExceeded", "unknownHelper"])
        #expect(returned > 50)
    }

    /// Five thousand generated programs in a row: none traps. (Speed is measured by `ebpf bench`
    /// and Benchmarks/, not asserted here.)
    @Test func fiveThousandProgramsRunWithoutTrapping() {
        let generator = RandomProgramGenerator()
        var trapped = 0
        for seed in UInt64(100_000)..<105_000 {
            let generated = generator.generate(seed: seed)
            let interpreter = Interpreter(program: generated.program, helpers: TestHelpers.registry)
            var memory = generated.memory
            do throws(ExecutionTrap) { _ = try interpreter.run(&memory) } catch { trapped += 1 }
        }
        #expect(trapped == 0)
    }
}
