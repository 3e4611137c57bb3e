import Testing
import EBPFCore
import EBPFJIT

/// Instruction pairs and triples the lowering emits as one x86 instruction (`lea`, `mov r32, r32`):
/// results written out by hand, the JIT agreeing with the interpreter under every register map,
/// and where fusion must happen, the later slots' code being empty.
@Suite struct FusionTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let slots: [Instruction]
        let expected: UInt64
        /// A slot whose code must be empty (fused into the one before), or nil when none must be.
        let fusedSlot: Int?
        var testDescription: String { name }
    }

    static func alu64(_ opcode: UInt8, _ dst: UInt8, _ immediate: Int32) -> Instruction {
        Instruction(opcode: opcode, dst: dst, immediate: immediate)
    }
    static func addReg(_ dst: UInt8, _ src: UInt8) -> Instruction { Instruction(opcode: 0x0f, dst: dst, src: src) }
    static func lsh32(_ dst: UInt8) -> Instruction { Instruction(opcode: 0x67, dst: dst, immediate: 32) }
    static func rsh32(_ dst: UInt8) -> Instruction { Instruction(opcode: 0x77, dst: dst, immediate: 32) }

    static let cases: [Case] = [
        Case(name: "mov + add imm", slots: [Asm.mov(3, 10), Asm.movReg(0, 3), alu64(0x07, 0, -20), Asm.exit],
             expected: UInt64(bitPattern: -10), fusedSlot: 2),
        Case(name: "mov + sub imm", slots: [Asm.mov(3, 10), Asm.movReg(0, 3), alu64(0x17, 0, 3), Asm.exit],
             expected: 7, fusedSlot: 2),
        Case(name: "mov + sub of the most negative imm (not fused)",
             slots: [Asm.mov(3, 10), Asm.movReg(0, 3), alu64(0x17, 0, .min), Asm.exit],
             expected: 10 + 0x8000_0000, fusedSlot: nil),
        Case(name: "mov + add reg", slots: [Asm.mov(3, 7), Asm.mov(4, 9), Asm.movReg(0, 3), addReg(0, 4), Asm.exit],
             expected: 16, fusedSlot: 3),
        Case(name: "mov + add of the copied register", slots: [Asm.mov(3, 7), Asm.movReg(0, 3), addReg(0, 3), Asm.exit],
             expected: 14, fusedSlot: 2),
        Case(name: "mov + add of itself (not fused)", slots: [Asm.mov(3, 5), Asm.movReg(0, 3), addReg(0, 0), Asm.exit],
             expected: 10, fusedSlot: nil),
        Case(name: "zero-extension in place", slots: Asm.lddw(0, 0x8000_0000_0000_0005) + [lsh32(0), rsh32(0), Asm.exit],
             expected: 5, fusedSlot: 3),
        Case(name: "copy and zero-extend", slots: Asm.lddw(3, 0xffff_ffff_1234_5678) + [Asm.movReg(0, 3), lsh32(0), rsh32(0), Asm.exit],
             expected: 0x1234_5678, fusedSlot: 4),
        Case(name: "zero-extension of another register (not fused)",
             slots: Asm.lddw(3, 0xffff_ffff_1234_5678) + [Asm.movReg(0, 3), lsh32(0), rsh32(3), Asm.exit],
             expected: 0x1234_5678_0000_0000, fusedSlot: nil),
        // The add is a jump target: jumping to it must add to the value there, not to R3.
        Case(name: "second slot is a jump target",
             slots: [Asm.mov(3, 5), Asm.mov(0, 1), Instruction(opcode: 0x15, dst: 0, offset: 1, immediate: 1),
                     Asm.movReg(0, 3), alu64(0x07, 0, 10), Asm.exit],
             expected: 11, fusedSlot: nil),
    ]

    @Test(arguments: cases)
    func fusedCodeComputesTheSame(_ testCase: Case) throws {
        #expect(TrapTests.outcome(testCase.slots) == .success(testCase.expected))
        if let slot = testCase.fusedSlot {
            let compiled = try JIT.compile(Program(unchecked: testCase.slots))
            #expect(compiled.instructionOffsets[slot] == compiled.instructionOffsets[slot + 1])
        }
    }
}
