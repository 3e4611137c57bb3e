import EBPFCore
import EBPFInterpreter
import EBPFTestSupport
import Testing

/// The harness: silent when two runners agree, and precise about what differs when one is made
/// to differ on purpose.
@Suite struct DifferentialHarnessTests {
    static let limits = ExecutionLimits(instructionBudget: 20_000)

    static func interpreter(_ program: Program) -> any ProgramRunner {
        Interpreter(program: program, helpers: TestHelpers.registry, limits: limits)
    }

    static func harness(candidateFault fault: FaultInjectingRunner.Fault) -> DifferentialHarness {
        DifferentialHarness(
            reference: interpreter,
            candidate: { FaultInjectingRunner(inner: interpreter($0), fault: fault) },
            referenceName: "interpreter", candidateName: "faulty")
    }

    /// A generated safe program that writes its input memory, and R0 as run directly.
    static func programWritingMemory() -> (GeneratedProgram, UInt64) {
        let generator = RandomProgramGenerator()
        for seed in UInt64(0)... {
            let generated = generator.generate(seed: seed)
            var memory = generated.memory
            guard let result = try? Interpreter(program: generated.program, helpers: TestHelpers.registry).run(&memory)
            else { continue }
            if memory != generated.memory { return (generated, result) }
        }
        fatalError("unreachable")
    }

    @Test func interpreterAgreesWithItselfOnSafePrograms() {
        let harness = DifferentialHarness(reference: Self.interpreter, candidate: Self.interpreter)
        let result = harness.campaign(generator: RandomProgramGenerator(), seeds: UInt64(0)..<400)
        #expect(result.failures.isEmpty, "\(result.failures.first?.outcome.description ?? "")")
        #expect(result.programCount == 400)
        #expect(result.returnedCount == 400)
    }

    /// Traps carry absolute addresses; both runs use the same buffers, so they still agree.
    @Test func interpreterAgreesWithItselfOnUnsafePrograms() {
        let harness = DifferentialHarness(reference: Self.interpreter, candidate: Self.interpreter)
        let result = harness.campaign(generator: RandomProgramGenerator(options: .unsafe), seeds: UInt64(0)..<400)
        #expect(result.failures.isEmpty, "\(result.failures.first?.outcome.description ?? "")")
        #expect(result.trapCounts["outOfBounds", default: 0] > 0)
        #expect(result.returnedCount + result.trapCounts.values.reduce(0, +) == 400)
    }

    @Test(arguments: [0, 17, 63])
    func flippedResultBitIsReportedWithBothValues(bit: Int) {
        let (generated, expected) = Self.programWritingMemory()
        let outcome = Self.harness(candidateFault: .flipResultBit(bit)).compare(generated)
        #expect(outcome.differences == [
            .termination(reference: .returned(expected), candidate: .returned(expected ^ (1 << UInt64(bit)))),
        ])
        #expect(!outcome.agrees)
        #expect(outcome.description.contains("faulty"))
    }

    @Test func flippedMemoryByteIsReportedAtItsOffset() throws {
        let (generated, _) = Self.programWritingMemory()
        let offset = generated.memorySize - 1
        let outcome = Self.harness(candidateFault: .flipMemoryByte(offset)).compare(generated)
        #expect(outcome.differences.count == 1)
        guard case .memory(let bytes) = try #require(outcome.differences.first) else {
            Issue.record("expected a memory difference, got \(outcome.differences)")
            return
        }
        #expect(bytes.firstOffset == offset && bytes.lastOffset == offset && bytes.differingByteCount == 1)
        let excerptIndex = offset - bytes.excerptStart
        #expect(bytes.reference[excerptIndex] ^ bytes.candidate[excerptIndex] == 1)
        #expect(outcome.reference.memory[offset] ^ outcome.candidate.memory[offset] == 1)
    }

    @Test(arguments: [0, 2_000, ExecutionLimits.stackSize - 1])
    func flippedStackByteIsReportedAtItsOffset(offset: Int) throws {
        let (generated, _) = Self.programWritingMemory()
        let outcome = Self.harness(candidateFault: .flipStackByte(offset)).compare(generated)
        #expect(outcome.differences.map(\.kind) == [.stack])
        guard case .stack(let bytes) = try #require(outcome.differences.first) else { return }
        #expect(bytes.firstOffset == offset && bytes.differingByteCount == 1)
    }

    @Test func trapInsteadOfResultIsReported() {
        let (generated, expected) = Self.programWritingMemory()
        let trap = ExecutionTrap.outOfBounds(pc: 3, address: 0x1000, size: 4, isWrite: true)
        let outcome = Self.harness(candidateFault: .trap(trap)).compare(generated)
        #expect(outcome.differences == [.termination(reference: .returned(expected), candidate: .trapped(trap))])
    }

    /// Both engines trap, but at different pcs: a difference in one field of the trap counts.
    @Test func trapFieldDifferenceIsReported() throws {
        let generator = RandomProgramGenerator(options: .unsafe)
        let harness = Self.harness(candidateFault: .shiftTrapPC)
        let trapping = try #require((UInt64(0)..<200).lazy.map { harness.compare(generator.generate(seed: $0)) }.first {
            if case .trapped = $0.reference.termination { return true } else { return false }
        })
        guard case .termination(.trapped(let reference), .trapped(let candidate)) = try #require(trapping.differences.first) else {
            Issue.record("expected two traps, got \(trapping.differences)")
            return
        }
        #expect(candidate.pc == reference.pc + 1)
    }

    @Test func runnerThatCannotBeBuiltIsReportedAndTwoRefusalsAgree() {
        struct Refusal: Error, CustomStringConvertible {
            var description: String { "refused on purpose" }
        }
        let (generated, expected) = Self.programWritingMemory()
        let oneRefuses = DifferentialHarness(reference: Self.interpreter, candidate: { _ in throw Refusal() })
        #expect(oneRefuses.compare(generated).differences.first
            == .termination(reference: .returned(expected), candidate: .notRun("refused on purpose")))
        let bothRefuse = DifferentialHarness(reference: { _ in throw Refusal() }, candidate: { _ in throw Refusal() })
        #expect(bothRefuse.compare(generated).agrees)
    }

    @Test func invalidInstructionReasonsCanBeIgnored() {
        let (generated, _) = Self.programWritingMemory()
        var harness = DifferentialHarness(
            reference: { FaultInjectingRunner(inner: Self.interpreter($0), fault: .trap(.invalidInstruction(pc: 4, reason: "one text"))) },
            candidate: { FaultInjectingRunner(inner: Self.interpreter($0), fault: .trap(.invalidInstruction(pc: 4, reason: "another"))) })
        #expect(harness.compare(generated).differences.map(\.kind) == [.termination])
        harness.comparesInvalidInstructionReasons = false
        #expect(harness.compare(generated).agrees)
    }

    @Test func campaignStopsAtTheFirstFailureAndNamesItsSeed() throws {
        let harness = Self.harness(candidateFault: .flipResultBit(5))
        let result = harness.campaign(generator: RandomProgramGenerator(), seeds: UInt64(70)..<80)
        #expect(result.programCount == 1)
        let failure = try #require(result.failures.first)
        #expect(failure.seed == 70)
        #expect(harness.compare(RandomProgramGenerator().generate(seed: failure.seed)).differences == failure.outcome.differences)
    }

    @Test func descriptionListsTheProgramWithDisassembly() {
        let (generated, _) = Self.programWritingMemory()
        let text = Self.harness(candidateFault: .flipResultBit(0)).compare(generated).description
        #expect(text.contains("0: 0x00000000000019bf  mov %r9, %r1"))
        #expect(text.contains("exit"))
        #expect(text.contains("memory (\(generated.memorySize) bytes)"))
    }

    @Test func byteDifferenceFindsFirstLastAndCount() throws {
        #expect(ByteDifference(reference: [1, 2, 3], candidate: [1, 2, 3]) == nil)
        let reference = [UInt8](repeating: 0, count: 40)
        var candidate = reference
        candidate[10] = 1
        candidate[30] = 2
        let difference = try #require(ByteDifference(reference: reference, candidate: candidate))
        #expect(difference.firstOffset == 10 && difference.lastOffset == 30 && difference.differingByteCount == 2)
        #expect(difference.excerptStart == 8 && difference.candidate.count == 16 && difference.candidate[2] == 1)
    }
}

@Suite struct FuzzSettingsTests {
    @Test func environmentOverridesTheDefaults() {
        let settings = FuzzSettings.fromEnvironment(
            defaultProgramCount: 10,
            environment: ["EBPF_FUZZ_PROGRAMS": "500", "EBPF_FUZZ_FIRST_SEED": "7000", "EBPF_FUZZ_MAX_FAILURES": "3"])
        #expect(settings.seeds == 7000..<7500)
        #expect(settings.maxFailures == 3)
    }

    @Test func defaultsApplyWhenUnsetOrMalformed() {
        let settings = FuzzSettings.fromEnvironment(defaultProgramCount: 10, environment: ["EBPF_FUZZ_PROGRAMS": "many"])
        #expect(settings.seeds == 0..<10)
        #expect(settings.maxFailures == 1)
    }
}
