import Testing
import EBPFCore
import EBPFJIT
import X86Encoding

/// `JITOptions.alignLoopHeads`: every target of a backward jump starts at a 16-byte boundary
/// (the code is mapped page-aligned), a loop of at most 64 bytes from its head to its backward
/// jump inside one 64-byte line, and the bytes inserted before it are Intel's NOPs; forward
/// targets and call targets get none.
@Suite struct LoopAlignmentTests {
    /// pc 2 and pc 14 are loop heads; pc 5 and 6 (forward targets) and 13 (a call target) are not.
    static let program = Program(unchecked: TrapTests.countedProgram)

    /// With facts saying the program terminates there is no counter: a second layout.
    static func facts(_ terminates: Bool) -> VerifiedFacts? {
        terminates ? VerifiedFacts(accessIsSafe: [], divisorIsNonZero: [], stackDepth: 0, maxCallDepth: 0, terminates: true) : nil
    }

    @Test(arguments: [false, true])
    func loopHeadsStartOnSixteenByteBoundaries(terminates: Bool) throws {
        let aligned = try JIT.compile(Self.program, helpers: TrapTests.helpers, facts: Self.facts(terminates))
        let plain = try JIT.compile(Self.program, helpers: TrapTests.helpers, facts: Self.facts(terminates),
                                    options: JITOptions(alignLoopHeads: false))
        for (head, backEdge) in [(2, 10), (14, 16)] {
            let start = aligned.instructionOffsets[head], end = aligned.instructionOffsets[backEdge + 1]
            #expect(start % 16 == 0, "pc \(head) at \(start)")
            let line = X86Assembler.cacheLineSize
            #expect(end - start > line || start / line == (end - 1) / line, "loop \(head)...\(backEdge) at \(start)..<\(end)")
        }
        // Slot 13 (mov r3, 0; no jumps in it) is the same code in both, then the padding follows.
        let own = plain.instructionOffsets[14] - plain.instructionOffsets[13]
        let start = aligned.instructionOffsets[13]
        let padding = aligned.instructionOffsets[14] - start - own
        #expect((0..<X86Assembler.cacheLineSize).contains(padding))
        #expect(Array(aligned.machineCode[start..<start + own]) == Array(plain.machineCode[plain.instructionOffsets[13]..<plain.instructionOffsets[14]]))
        #expect(Array(aligned.machineCode[(start + own)..<aligned.instructionOffsets[14]]) == X86Assembler.nopPadding(padding))
        // Forward and call targets are not padded: slots 4–6 and 12–13 are the same size in both.
        for pc in [4, 5, 12] {
            #expect(aligned.instructionOffsets[pc + 1] - aligned.instructionOffsets[pc] == plain.instructionOffsets[pc + 1] - plain.instructionOffsets[pc])
        }
        #expect(plain.codeSize < aligned.codeSize && aligned.codeSize <= plain.codeSize + 2 * (X86Assembler.cacheLineSize - 1))
        let none = UnsafeMutableRawBufferPointer(start: nil, count: 0)
        #expect(try aligned.run(memory: none, stack: nil) == 345)
        #expect(try plain.run(memory: none, stack: nil) == 345)
    }
}
