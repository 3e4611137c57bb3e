import Testing
import EBPFCore
import EBPFJIT

@Suite struct SmokeTests {
    @Test func returnsConstant() throws {
        let program = Program(unchecked: [
            Instruction(opcode: 0xb7, dst: 0, immediate: 42),
            Instruction(opcode: 0x95),
        ])
        let compiled = try JIT.compile(program)
        var bytes: [UInt8] = []
        #expect(try compiled.run(&bytes) == 42)
    }
}
