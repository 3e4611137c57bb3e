import Testing
import EBPFCore
@testable import EBPFJIT

/// The JIT's own address analysis: which accesses it proves inside the current stack frame (no
/// check), which it knows as input base + constant (one compare), and that every program still
/// behaves exactly as in the interpreter, under every register map (``TrapTests/outcome``).
@Suite struct AddressAnalysisTests {
    /// A program, the slot of its access, and the check the analysis must choose there.
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let slots: [Instruction]
        let pc: Int
        let check: AddressAnalysis.AccessCheck
        var testDescription: String { name }
    }

    /// `ldxb r0, [base + offset]`.
    static func ldxb0(_ base: UInt8, _ offset: Int16) -> Instruction { Instruction(opcode: 0x71, dst: 0, src: base, offset: offset) }

    static let cases: [Case] = [
        Case(name: "frame top 8 bytes", slots: [Asm.stxdw(10, -8, 1), Asm.exit], pc: 0, check: .none),
        Case(name: "frame bottom", slots: [Asm.stxdw(10, -512, 1), Asm.exit], pc: 0, check: .none),
        Case(name: "below the frame", slots: [Asm.stxdw(10, -513, 1), Asm.exit], pc: 0, check: .generic),
        Case(name: "straddles R10", slots: [Asm.stxdw(10, -4, 1), Asm.exit], pc: 0, check: .generic),
        Case(name: "copy of R10 plus constant",
             slots: [Asm.movReg(6, 10), Instruction(opcode: 0x07, dst: 6, immediate: -16), Asm.ldxdw(0, 6, 8), Asm.exit],
             pc: 2, check: .none),
        Case(name: "R10 overwritten", slots: [Asm.movReg(10, 1), Asm.ldxdw(0, 10, -8), Asm.exit], pc: 1, check: .inputFirst),
        Case(name: "input base plus offset", slots: [Asm.ldxdw(0, 1, 4), Asm.exit], pc: 0, check: .inputOffset(4)),
        Case(name: "input copy plus constants",
             slots: [Asm.movReg(6, 1), Instruction(opcode: 0x07, dst: 6, immediate: 2), Asm.mov(3, 4),
                     Instruction(opcode: 0x0f, dst: 6, src: 3), ldxb0(6, 1), Asm.exit],
             pc: 4, check: .inputOffset(7)),
        Case(name: "below the input", slots: [Asm.ldxdw(0, 1, -1), Asm.exit], pc: 0, check: .inputFirst),
        Case(name: "input plus an unknown index",
             slots: [Asm.ldxdw(3, 1, 0), Asm.movReg(6, 1), Instruction(opcode: 0x0f, dst: 6, src: 3), ldxb0(6, 1), Asm.exit],
             pc: 3, check: .inputFirst),
        Case(name: "input minus an unknown index",
             slots: [Asm.ldxdw(3, 1, 0), Asm.movReg(6, 1), Instruction(opcode: 0x1f, dst: 6, src: 3), ldxb0(6, 1), Asm.exit],
             pc: 3, check: .inputFirst),
        Case(name: "unknown minus the input is no pointer",
             slots: [Asm.ldxdw(6, 1, 0), Instruction(opcode: 0x1f, dst: 6, src: 1), ldxb0(6, 1), Asm.exit],
             pc: 2, check: .generic),
        Case(name: "a stack pointer and an input pointer joined",
             slots: [Asm.movReg(6, 10), Instruction(opcode: 0x15, dst: 2, offset: 1, immediate: 0), Asm.movReg(6, 1),
                     ldxb0(6, 0), Asm.exit],
             pc: 3, check: .generic),
        Case(name: "paths disagree",
             slots: [Instruction(opcode: 0x15, dst: 2, offset: 1, immediate: 0), Instruction(opcode: 0x07, dst: 1, immediate: 4),
                     ldxb0(1, 0), Asm.exit],
             pc: 2, check: .inputFirst),
        Case(name: "paths agree",
             slots: [Instruction(opcode: 0x15, dst: 2, offset: 1, immediate: 0), Asm.mov(3, 0), ldxb0(1, 3), Asm.exit],
             pc: 2, check: .inputOffset(3)),
        Case(name: "helper call clobbers R1", slots: [Asm.call(5), ldxb0(1, 0), Asm.exit], pc: 1, check: .generic),
        Case(name: "helper call keeps R6", slots: [Asm.movReg(6, 10), Asm.call(5), Asm.stxdw(6, -8, 0), Asm.exit],
             pc: 2, check: .none),
        Case(name: "32-bit add loses the pointer",
             slots: [Asm.movReg(6, 10), Instruction(opcode: 0x04, dst: 6, immediate: -8), Asm.stxdw(6, 0, 0), Asm.exit],
             pc: 2, check: .generic),
        Case(name: "callee frame",
             slots: [Asm.callLocal(1), Asm.exit, Asm.stxdw(10, -8, 1), Asm.exit], pc: 2, check: .none),
        Case(name: "callee of a program that writes R10",
             slots: [Asm.movReg(10, 1), Asm.callLocal(1), Asm.exit, Asm.stxdw(10, -8, 1), Asm.exit], pc: 3, check: .generic),
        Case(name: "caller R10 restored after a local call",
             slots: [Asm.callLocal(2), Asm.stxdw(10, -8, 0), Asm.exit, Asm.mov(0, 1), Asm.exit], pc: 1, check: .none),
        Case(name: "loop keeps a changing pointer unknown",
             slots: [Asm.movReg(6, 10), Instruction(opcode: 0x07, dst: 6, immediate: -8), Asm.stxdw(6, 0, 0), Asm.ja(-3), Asm.exit],
             pc: 2, check: .generic),
    ]

    @Test(arguments: cases)
    func chosenCheck(_ testCase: Case) {
        let analysis = ProgramAnalysis(Program(unchecked: testCase.slots))
        #expect(AddressAnalysis(analysis).checks[testCase.pc] == testCase.check)
    }

    /// Outcome of each program, written out by hand, and the JIT agreeing with the interpreter.
    struct Run: CustomTestStringConvertible, Sendable {
        let name: String
        let slots: [Instruction]
        let memory: [UInt8]
        let expected: Result<UInt64, ExecutionTrap>?
        var testDescription: String { name }
    }

    static let memory: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]

    static let runs: [Run] = [
        Run(name: "frame bottom round trip",
            slots: [Asm.mov(3, 77), Asm.stxdw(10, -512, 3), Asm.ldxdw(0, 10, -512), Asm.exit], memory: [], expected: .success(77)),
        Run(name: "input at the last valid offset", slots: [Asm.ldxdw(0, 1, 2), Asm.exit], memory: memory,
            expected: .success(0x0a09_0807_0605_0403)),
        Run(name: "input one past the end", slots: [Asm.ldxdw(0, 1, 3), Asm.exit], memory: memory, expected: nil),
        Run(name: "empty input", slots: [ldxb0(1, 0), Asm.exit], memory: [], expected: nil),
        Run(name: "input copy at the end",
            slots: [Asm.movReg(6, 1), Instruction(opcode: 0x07, dst: 6, immediate: 2), Instruction(opcode: 0x61, dst: 0, src: 6, offset: 4), Asm.exit],
            memory: memory, expected: .success(0x0a09_0807)),
        Run(name: "R10 moved to the input, then a frame-like offset",
            slots: [Asm.movReg(10, 1), Asm.ldxdw(0, 10, -8), Asm.exit], memory: memory, expected: nil),
        Run(name: "R10 moved into the input",
            slots: [Asm.movReg(10, 1), Instruction(opcode: 0x07, dst: 10, immediate: 8), Asm.ldxdw(0, 10, -8), Asm.exit],
            memory: memory, expected: .success(0x0807_0605_0403_0201)),
        Run(name: "R10 zeroed", slots: [Asm.mov(10, 0), Asm.stxdw(10, -8, 1), Asm.exit], memory: [], expected: nil),
        Run(name: "callee frame at depth 2",
            slots: [Asm.callLocal(2), Asm.ldxdw(0, 10, -8), Asm.exit,
                    Asm.mov(3, 5), Asm.stxdw(10, -8, 3), Asm.stxdw(10, -512, 3), Asm.exit],
            memory: [], expected: .success(0)),
    ]

    @Test(arguments: runs)
    func behavesLikeTheInterpreter(_ run: Run) {
        let outcome = TrapTests.outcome(run.slots, memory: run.memory)
        switch run.expected {
        case .some(let expected):
            #expect(outcome == expected)
        case .none:
            guard case .failure(.outOfBounds) = outcome else {
                Issue.record("expected an out-of-bounds trap, got \(outcome)")
                return
            }
        }
    }

    /// An access the analysis takes for an input one (input base plus an unknown value) that
    /// lands on the stack: the inline input check fails and the slow path allows it, as the
    /// interpreter does (under every register map, TrapTests.outcome).
    @Test func inputFirstCheckStillAllowsTheStack() throws {
        let slots = [
            Asm.movReg(3, 10), Instruction(opcode: 0x1f, dst: 3, src: 1), Instruction(opcode: 0x07, dst: 3, immediate: -8),
            Asm.movReg(6, 1), Instruction(opcode: 0x0f, dst: 6, src: 3),
            Instruction(opcode: 0x7a, dst: 6, offset: 0, immediate: 42), Asm.ldxdw(0, 10, -8), Asm.exit,
        ]
        #expect(AddressAnalysis(ProgramAnalysis(Program(unchecked: slots))).checks[5] == .inputFirst)
        #expect(TrapTests.outcome(slots, memory: [1, 2, 3, 4]) == .success(42))
    }
}
