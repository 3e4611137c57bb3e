import EBPFAssembler
import EBPFCore
import EBPFInterpreter
import Testing
import EBPFTestSupport

/// Programs that ``Program/init(validating:)`` would reject, built with ``Program/init(unchecked:)``:
/// the interpreter must trap cleanly when control reaches the bad part, and run the rest.
@Suite("Unchecked programs")
struct UncheckedProgramTests {
    static let movR0One = Instruction(opcode: 0xb7, dst: 0, immediate: 1)
    static let exit = Instruction(opcode: Opcode.exit)

    static func outcome(_ slots: [Instruction], budget: UInt64 = 1000) -> RunOutcome {
        var memory: [UInt8] = [1, 2, 3, 4]
        return run(Program(unchecked: slots), memory: &memory, limits: ExecutionLimits(instructionBudget: budget))
    }

    static func reason(_ outcome: RunOutcome) -> String? {
        if case .failure(.invalidInstruction(_, let reason)) = outcome { reason } else { nil }
    }

    @Test func unknownOpcodeTrapsWhenReached() {
        let result = Self.outcome([Self.movR0One, Instruction(opcode: 0xff), Self.exit])
        #expect(result.failure?.pc == 1)
        #expect(Self.reason(result) == "unknown opcode 0xff")
    }

    @Test func unreachableGarbageIsHarmless() {
        let result = Self.outcome([Self.movR0One, Self.exit, Instruction(opcode: 0xff)])
        #expect(result == .success(1))
    }

    @Test func registerAboveR10Traps() {
        let result = Self.outcome([Instruction(opcode: 0xb7, dst: 12, immediate: 1), Self.exit])
        #expect(result.failure?.pc == 0)
        #expect(Self.reason(result) == "invalid dst register r12")
    }

    @Test func reservedFieldTraps() {
        // div with offset 5 (only 0 = div and 1 = sdiv exist).
        let result = Self.outcome([Self.movR0One, Instruction(opcode: 0x37, offset: 5, immediate: 2), Self.exit])
        #expect(result.failure?.pc == 1)
    }

    /// A conditional jump outside the program traps at the jump only when taken.
    @Test(arguments: [(0, true), (1, false)])
    func jumpOutsideTheProgram(r0: Int32, taken: Bool) {
        let slots = [
            Instruction(opcode: 0xb7, dst: 0, immediate: r0),
            Instruction(opcode: 0x15, dst: 0, offset: 40, immediate: 0),  // jeq r0, 0, +40
            Self.exit,
        ]
        let result = Self.outcome(slots)
        if taken {
            #expect(result.failure?.pc == 1)
            #expect(Self.reason(result) == "jump target 42 is outside the program (3 slots)")
        } else {
            #expect(result == .success(1))
        }
    }

    @Test func jumpBeforeTheStart() {
        let result = Self.outcome([Instruction(opcode: Opcode.ja, offset: -2), Self.exit])
        #expect(result.failure?.pc == 0)
        #expect(Self.reason(result) == "jump target -1 is outside the program (2 slots)")
    }

    @Test func jumpIntoTheSecondHalfOfLddw() {
        let slots = [
            Instruction(opcode: Opcode.ja, offset: 1),  // to slot 2, the second half of the lddw at 1
            Instruction(opcode: Opcode.lddw, dst: 0, immediate: 1),
            Instruction(opcode: 0, immediate: 0),
            Self.exit,
        ]
        let result = Self.outcome(slots)
        #expect(result.failure?.pc == 0)
        #expect(Self.reason(result) == "jump target 2 is the second half of an lddw")
    }

    @Test func callLocalOutsideTheProgram() {
        let result = Self.outcome([Instruction(opcode: Opcode.call, src: 1, immediate: 100), Self.exit])
        #expect(result.failure?.pc == 0)
        #expect(Self.reason(result) == "call target 101 is outside the program (2 slots)")
    }

    @Test func lddwWithAMapReferenceIsNotSupported() throws {
        let program = try Assembler.assemble("lddw %r1, map_fd 3\nmov %r0, 0\nexit")
        var memory: [UInt8] = []
        let result = run(program, memory: &memory)
        #expect(result.failure?.pc == 0)
        #expect(Self.reason(result) == "lddw with src 1 (a map or address reference) is not supported")
    }

    @Test func lddwWithoutItsSecondSlot() {
        let result = Self.outcome([Self.movR0One, Instruction(opcode: Opcode.lddw, dst: 0, immediate: 1)])
        #expect(result.failure?.pc == 1)
        #expect(Self.reason(result) == "lddw is missing its second slot")
    }

    @Test func emptyProgramFallsOffAtOnce() {
        #expect(Self.outcome([]) == .failure(.fellOffEnd(programCount: 0)))
    }

    /// Random slots must never crash the host: every run ends with R0 or a trap whose pc is a
    /// slot index or the end. Deterministic (fixed seed) so a failure reproduces.
    @Test func randomSlotsNeverCrash() {
        var generator = SplitMix64(seed: 0x5eed_1234)
        let opcodes = InstructionSet.descriptors.map(\.opcode) + [0x00, 0xff, 0x8f, 0x1a]
        for _ in 0..<3000 {
            let count = Int(generator.next() % 12) + 1
            let slots = (0..<count).map { _ in
                var slot = Instruction(rawValue: generator.next())
                if generator.next() % 4 != 0 {
                    // Mostly known opcodes with small fields, so runs get past the first slot.
                    slot.opcode = opcodes[Int(generator.next() % UInt64(opcodes.count))]
                    slot.offset = Int16(truncatingIfNeeded: Int64(bitPattern: generator.next()) % 6)
                    slot.registers &= generator.next() % 2 == 0 ? 0xff : 0x77
                }
                return slot
            }
            let result = Self.outcome(slots, budget: 200)
            if case .failure(let trap) = result {
                #expect((0...count).contains(trap.pc), "\(slots)")
            }
        }
    }
}

