import Testing
import EBPFCore
@testable import EBPFJIT

/// How the JIT reads the decoded program: which slots it lowers as operations, which trap when
/// reached and which only when taken; which registers it counts as used; and when it runs its
/// own address analysis.
@Suite struct ProgramAnalysisTests {
    /// What one slot must be lowered as.
    enum Kind: Equatable, Sendable {
        case operation, wideSecondHalf, trap, conditionalTrap
    }

    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let slots: [Instruction]
        let kinds: [Kind]
        /// Registers counted as used (R0 always is).
        let used: Set<Int>
        let hasLocalCalls: Bool
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "conditional jump to a bad target traps only when taken",
             slots: [Instruction(opcode: 0x1d, dst: 3, src: 4, offset: 5), Asm.exit],
             kinds: [.conditionalTrap, .operation], used: [0, 3, 4], hasLocalCalls: false),
        Case(name: "ja to a bad target traps when reached", slots: [Asm.ja(7), Asm.exit],
             kinds: [.trap, .operation], used: [0], hasLocalCalls: false),
        Case(name: "jump into the second half of an lddw",
             slots: [Asm.ja(1)] + Asm.lddw(6, 1) + [Asm.exit],
             kinds: [.trap, .operation, .wideSecondHalf, .operation], used: [0, 6], hasLocalCalls: false),
        Case(name: "lddw with a map reference traps, its register unused",
             slots: [Instruction(opcode: Opcode.lddw, dst: 7, src: 1, immediate: 3), Instruction(opcode: 0), Asm.exit],
             kinds: [.trap, .wideSecondHalf, .operation], used: [0], hasLocalCalls: false),
        Case(name: "a slot the decoder rejects traps when reached",
             slots: [Instruction(opcode: 0xff), Asm.mov(2, 1), Asm.exit],
             kinds: [.trap, .operation, .operation], used: [0, 2], hasLocalCalls: false),
        Case(name: "a local call names no register",
             slots: [Asm.callLocal(1), Asm.exit, Asm.mov(0, 4), Asm.exit],
             kinds: [.operation, .operation, .operation, .operation], used: [0], hasLocalCalls: true),
        Case(name: "a local call to a bad target is a trap, not a local call",
             slots: [Asm.callLocal(9), Asm.exit],
             kinds: [.trap, .operation], used: [0], hasLocalCalls: false),
        Case(name: "a helper call uses R0 to R5", slots: [Asm.call(1), Asm.exit],
             kinds: [.operation, .operation], used: [0, 1, 2, 3, 4, 5], hasLocalCalls: false),
        Case(name: "loads and stores name base and value", slots: [Asm.stxdw(10, -8, 7), Asm.ldxdw(8, 1, 0), Asm.exit],
             kinds: [.operation, .operation, .operation], used: [0, 1, 7, 8, 10], hasLocalCalls: false),
    ]

    @Test(arguments: cases)
    func readsTheDecodedProgram(_ testCase: Case) {
        let analysis = ProgramAnalysis(Program(unchecked: testCase.slots))
        let kinds: [Kind] = analysis.slots.map { slot in
            switch slot {
            case .operation: .operation
            case .wideSecondHalf: .wideSecondHalf
            case .trap: .trap
            case .conditionalTrap: .conditionalTrap
            }
        }
        #expect(kinds == testCase.kinds)
        #expect(Set((0...10).filter { analysis.usesRegister[$0] }) == testCase.used)
        #expect(analysis.hasLocalCalls == testCase.hasLocalCalls)
        // Every slot has a static trap entry, plus falling off the end.
        #expect(analysis.staticTraps.count == testCase.slots.count + 1)
    }

    /// The address analysis runs only for accesses the verifier did not prove safe.
    @Test func addressAnalysisRunsOnlyForUnprovenAccesses() {
        let program = Program(unchecked: [Asm.stxdw(10, -8, 1), Asm.ldxdw(0, 1, 4), Asm.exit])
        let analysis = ProgramAnalysis(program)
        func facts(_ safe: [Bool]) -> VerifiedFacts {
            VerifiedFacts(accessIsSafe: safe, divisorIsNonZero: [], stackDepth: 8, maxCallDepth: 1, terminates: true)
        }
        let unverified = AddressAnalysis(analysis)
        #expect(unverified.checks == [.none, .inputOffset(4), .generic])
        #expect(!unverified.needsGenericCheck)
        let allSafe = AddressAnalysis(analysis, facts: facts([true, true, false]))
        #expect(allSafe.checks.isEmpty)
        #expect(!allSafe.needsGenericCheck)
        // One access left to check: the analysis runs, and that access still needs no generic check.
        let oneSafe = AddressAnalysis(analysis, facts: facts([true, false, false]))
        #expect(oneSafe.checks == unverified.checks)
        #expect(!oneSafe.needsGenericCheck)
        let unknownBase = ProgramAnalysis(Program(unchecked: [Asm.ldxdw(0, 3, 0), Asm.exit]))
        #expect(AddressAnalysis(unknownBase).needsGenericCheck)
    }
}
