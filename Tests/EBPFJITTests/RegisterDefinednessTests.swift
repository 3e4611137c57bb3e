import Testing
import EBPFCore
@testable import EBPFJIT

/// The prologue zeroes only registers some path may read before writing them: the set chosen
/// for small programs (written out by hand), and the results, which must be those of registers
/// starting at zero, as in the interpreter, under every register map.
@Suite struct RegisterDefinednessTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let slots: [Instruction]
        /// Registers that must be zeroed.
        let zeroed: Set<Int>
        let result: UInt64
        var testDescription: String { name }
    }

    static func add32(_ dst: UInt8, _ immediate: Int32) -> Instruction { Instruction(opcode: 0x04, dst: dst, immediate: immediate) }

    static let cases: [Case] = [
        Case(name: "exit alone reads R0", slots: [Asm.exit], zeroed: [0], result: 0),
        Case(name: "copy of an unwritten register", slots: [Asm.movReg(0, 3), Asm.exit], zeroed: [3], result: 0),
        Case(name: "written first", slots: [Asm.mov(3, 5), Asm.movReg(0, 3), Asm.exit], zeroed: [], result: 5),
        Case(name: "32-bit add reads its destination", slots: [add32(6, 1), Asm.movReg(0, 6), Asm.exit], zeroed: [6], result: 1),
        Case(name: "written on one path only",
             slots: [Instruction(opcode: 0x15, dst: 2, offset: 1, immediate: 0), Asm.mov(4, 7), Asm.movReg(0, 4), Asm.exit],
             zeroed: [4], result: 0),
        Case(name: "loop counter written before the loop",
             slots: [Asm.mov(3, 0), Instruction(opcode: 0x07, dst: 3, immediate: 1),
                     Instruction(opcode: 0xa5, dst: 3, offset: -2, immediate: 3), Asm.movReg(0, 3), Asm.exit],
             zeroed: [], result: 3),
        // Helper 5 returns its first argument; R3–R5 are passed too, so they need a value.
        Case(name: "helper call reads R1 to R5", slots: [Asm.mov(1, 9), Asm.call(5), Asm.exit], zeroed: [3, 4, 5], result: 9),
        Case(name: "store reads base and source",
             slots: [Asm.stxdw(10, -8, 7), Asm.ldxdw(0, 10, -8), Asm.exit], zeroed: [7], result: 0),
        Case(name: "local calls zero every used register",
             slots: [Asm.mov(0, 2), Asm.callLocal(1), Asm.exit, Asm.mov(0, 4), Asm.exit], zeroed: [0], result: 4),
    ]

    @Test(arguments: cases)
    func zeroesOnlyWhatMayBeReadFirst(_ testCase: Case) {
        let analysis = ProgramAnalysis(Program(unchecked: testCase.slots))
        let zeroed = Set((0...10).filter { analysis.registersNeedingZero & (1 << UInt16($0)) != 0 })
        #expect(zeroed == testCase.zeroed)
        #expect(TrapTests.outcome(testCase.slots) == .success(testCase.result))
    }
}
