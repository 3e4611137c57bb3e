import EBPFAssembler
import EBPFCore
import EBPFInterpreter
import Testing

@Suite("Atomics")
struct AtomicTests {
    /// One atomic on the stack: memory starts at `memory`, src (R1) at `operand`, R0 at
    /// `expectedR0`; the program then returns the memory word, src or R0.
    struct Case: Sendable, CustomTestStringConvertible {
        let instruction: String
        let memory: UInt64
        let operand: UInt64
        let r0: UInt64
        /// Memory, src and R0 after the instruction.
        let after: (memory: UInt64, source: UInt64, r0: UInt64)

        var testDescription: String { instruction }
    }

    static let cases: [Case] = [
        // 64-bit, no fetch: src and R0 unchanged.
        Case(instruction: "lock add", memory: 0xffff_ffff_ffff_fff0, operand: 0x20, r0: 7, after: (0x10, 0x20, 7)),
        Case(instruction: "lock or", memory: 0xf0, operand: 0x0f00, r0: 7, after: (0x0ff0, 0x0f00, 7)),
        Case(instruction: "lock and", memory: 0xff0, operand: 0x0f00, r0: 7, after: (0x0f00, 0x0f00, 7)),
        Case(instruction: "lock xor", memory: 0xff0, operand: 0x0f0f, r0: 7, after: (0x00ff, 0x0f0f, 7)),
        // 64-bit fetch: src receives the old value.
        Case(instruction: "lock fetch add", memory: 5, operand: 3, r0: 7, after: (8, 5, 7)),
        Case(instruction: "lock fetch or", memory: 5, operand: 3, r0: 7, after: (7, 5, 7)),
        Case(instruction: "lock fetch and", memory: 5, operand: 3, r0: 7, after: (1, 5, 7)),
        Case(instruction: "lock fetch xor", memory: 5, operand: 3, r0: 7, after: (6, 5, 7)),
        Case(instruction: "lock xchg", memory: 5, operand: 3, r0: 7, after: (3, 5, 7)),
        // cmpxchg: store src only if memory == R0; R0 always receives the old value.
        Case(instruction: "lock cmpxchg", memory: 5, operand: 3, r0: 5, after: (3, 3, 5)),
        Case(instruction: "lock cmpxchg", memory: 5, operand: 3, r0: 6, after: (5, 3, 5)),
        Case(instruction: "lock cmpxchg", memory: 0x1_0000_0005, operand: 3, r0: 5, after: (0x1_0000_0005, 3, 0x1_0000_0005)),
        // 32-bit forms: the low word only; fetched values are zero-extended; the upper word of
        // memory is untouched.
        Case(instruction: "lock add32", memory: 0xaaaa_aaaa_ffff_ffff, operand: 0xffff_0000_0000_0002, r0: 7,
             after: (0xaaaa_aaaa_0000_0001, 0xffff_0000_0000_0002, 7)),
        Case(instruction: "lock or32", memory: 0xaaaa_aaaa_0000_00f0, operand: 0x1_0000_000f, r0: 7,
             after: (0xaaaa_aaaa_0000_00ff, 0x1_0000_000f, 7)),
        Case(instruction: "lock and32", memory: 0xaaaa_aaaa_0000_00f0, operand: 0x30, r0: 7, after: (0xaaaa_aaaa_0000_0030, 0x30, 7)),
        Case(instruction: "lock xor32", memory: 0xaaaa_aaaa_0000_00f0, operand: 0xff, r0: 7, after: (0xaaaa_aaaa_0000_000f, 0xff, 7)),
        Case(instruction: "lock fetch add32", memory: 0xaaaa_aaaa_ffff_ffff, operand: 0xffff_0000_0000_0002, r0: 7,
             after: (0xaaaa_aaaa_0000_0001, 0xffff_ffff, 7)),
        Case(instruction: "lock fetch or32", memory: 0xaaaa_aaaa_8000_0000, operand: 1, r0: 7, after: (0xaaaa_aaaa_8000_0001, 0x8000_0000, 7)),
        Case(instruction: "lock fetch and32", memory: 0xaaaa_aaaa_8000_0001, operand: 1, r0: 7, after: (0xaaaa_aaaa_0000_0001, 0x8000_0001, 7)),
        Case(instruction: "lock fetch xor32", memory: 0xaaaa_aaaa_8000_0001, operand: 1, r0: 7, after: (0xaaaa_aaaa_8000_0000, 0x8000_0001, 7)),
        Case(instruction: "lock xchg32", memory: 0xaaaa_aaaa_8000_0001, operand: 0x1_0000_0002, r0: 7,
             after: (0xaaaa_aaaa_0000_0002, 0x8000_0001, 7)),
        // cmpxchg32 compares the low half of R0 only.
        Case(instruction: "lock cmpxchg32", memory: 0xaaaa_aaaa_8000_0001, operand: 9, r0: 0xffff_ffff_8000_0001,
             after: (0xaaaa_aaaa_0000_0009, 9, 0x8000_0001)),
        Case(instruction: "lock cmpxchg32", memory: 0xaaaa_aaaa_8000_0001, operand: 9, r0: 0x8000_0002,
             after: (0xaaaa_aaaa_8000_0001, 9, 0x8000_0001)),
    ]

    @Test(arguments: cases)
    func atomic(_ testCase: Case) throws {
        let source = """
            \(lddw("%r2", testCase.memory))
            stxdw [%r10-8], %r2
            \(lddw("%r1", testCase.operand))
            \(lddw("%r0", testCase.r0))
            \(testCase.instruction) [%r10-8], %r1
            stxdw [%r10-16], %r1
            stxdw [%r10-24], %r0
            mov %r0, 0
            exit
            """
        let run = try record(source)
        #expect(run.outcome == .success(0))
        func word(below top: Int) -> UInt64 {
            run.stack[(4096 - top)..<(4096 - top + 8)].reversed().reduce(0) { $0 << 8 | UInt64($1) }
        }
        #expect(word(below: 8) == testCase.after.memory)
        #expect(word(below: 16) == testCase.after.source)
        #expect(word(below: 24) == testCase.after.r0)
    }

    @Test func unalignedAtomicOnInputMemory() throws {
        let run = try record("mov %r2, 1\nlock add [%r1+3], %r2\nmov %r0, 0\nexit", memory: [UInt8](repeating: 0, count: 12))
        #expect(run.memory == [0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0])
    }
}
