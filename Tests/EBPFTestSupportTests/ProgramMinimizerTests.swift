import EBPFCore
import EBPFInterpreter
import EBPFTestSupport
import Testing

@Suite struct ProgramMinimizerTests {
    static func mov(_ dst: UInt8, _ immediate: Int32) -> Instruction { Instruction(opcode: 0xb7, dst: dst, immediate: immediate) }
    static let exit = Instruction(opcode: Opcode.exit)

    static func result(_ program: Program) throws -> UInt64 {
        var memory: [UInt8] = []
        return try Interpreter(program: program, helpers: TestHelpers.registry).run(&memory)
    }

    @Test func forwardJumpOverARemovedSlotIsShortened() throws {
        // 0 mov r0, 1; 1 jeq r0, 1, +2 (to 4); 2 mov r0, 2; 3 mov r0, 3; 4 exit
        let program = Program(unchecked: [
            Self.mov(0, 1), Instruction(opcode: 0x15, dst: 0, offset: 2, immediate: 1), Self.mov(0, 2), Self.mov(0, 3), Self.exit,
        ])
        let smaller = try #require(ProgramMinimizer.removing(slotAt: 2, from: program))
        #expect(smaller.count == 4)
        #expect(smaller.instructions[1].offset == 1)
        #expect(try Self.result(smaller) == 1)
    }

    @Test func backwardJumpAcrossARemovedSlotKeepsItsTarget() throws {
        // 0 mov r0, 0; 1 mov r6, 3; 2 add r0, 5; 3 mov r1, 9; 4 sub r6, 1; 5 jne r6, 0, -4 (to 2); 6 exit
        let program = Program(unchecked: [
            Self.mov(0, 0), Self.mov(6, 3), Instruction(opcode: 0x07, dst: 0, immediate: 5), Self.mov(1, 9),
            Instruction(opcode: 0x17, dst: 6, immediate: 1), Instruction(opcode: 0x55, dst: 6, offset: -4), Self.exit,
        ])
        let smaller = try #require(ProgramMinimizer.removing(slotAt: 3, from: program))
        #expect(smaller.instructions[4].offset == -3)
        #expect(try Self.result(smaller) == 15)
    }

    @Test func removedTargetBecomesTheNextInstructionAndWideConstantsGoWhole() throws {
        // 0 ja +1 (to 2); 1 mov r0, 7; 2 lddw r0, 5 (2 slots); 4 exit
        let program = Program(unchecked: [
            Instruction(opcode: Opcode.ja, offset: 1), Self.mov(0, 7),
            Instruction(opcode: Opcode.lddw, dst: 0, immediate: 5), Instruction(opcode: 0), Self.exit,
        ])
        #expect(ProgramMinimizer.removing(slotAt: 3, from: program) == nil)
        let withoutWide = try #require(ProgramMinimizer.removing(slotAt: 2, from: program))
        #expect(withoutWide.count == 3)
        #expect(withoutWide.instructions[0].offset == 1)  // now lands on exit
        #expect(try Self.result(withoutWide) == 0)
    }

    @Test func localCallTargetIsAdjusted() throws {
        // 0 mov r0, 1; 1 call local +2 (to 4); 2 add r0, 1; 3 exit; 4 mov r1, 0; 5 mov r0, 40; 6 exit
        let program = Program(unchecked: [
            Self.mov(0, 1), Instruction(opcode: Opcode.call, src: CallKind.local.rawValue, immediate: 2),
            Instruction(opcode: 0x07, dst: 0, immediate: 1), Self.exit, Self.mov(1, 0), Self.mov(0, 40), Self.exit,
        ])
        let smaller = try #require(ProgramMinimizer.removing(slotAt: 0, from: program))
        #expect(smaller.instructions[0].immediate == 2)
        #expect(try Self.result(smaller) == 41)
        let calleeShortened = try #require(ProgramMinimizer.removing(slotAt: 2, from: program))
        #expect(calleeShortened.instructions[1].immediate == 1)
        #expect(try Self.result(calleeShortened) == 40)
    }

    /// A candidate that is wrong only for programs containing `neg` (0x87): minimization keeps the
    /// `neg` and drops nearly everything else.
    @Test func minimizationKeepsTheInstructionThatTriggersTheDifference() throws {
        let limits = ExecutionLimits(instructionBudget: 10_000)
        let harness = DifferentialHarness(
            reference: { Interpreter(program: $0, helpers: TestHelpers.registry, limits: limits) },
            candidate: {
                FaultInjectingRunner(
                    inner: Interpreter(program: $0, helpers: TestHelpers.registry, limits: limits),
                    fault: .flipResultIfProgramContains(opcode: 0x87, program: $0))
            })
        let generator = RandomProgramGenerator()
        let generated = try #require((UInt64(0)..<500).lazy.map { generator.generate(seed: $0) }.first {
            $0.program.instructions.contains { $0.opcode == 0x87 } && $0.program.count > 40
        })
        let outcome = harness.compare(generated)
        #expect(!outcome.agrees)
        let minimized = harness.minimize(outcome)
        #expect(minimized.differenceKinds == [.termination])
        #expect(minimized.program.instructions.contains { $0.opcode == 0x87 })
        #expect(minimized.program.count <= 3, "\(minimized)")
    }
}
