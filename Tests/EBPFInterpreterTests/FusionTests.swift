import EBPFAssembler
import EBPFCore
import EBPFInterpreter
import Testing

/// The interpreter runs `mov rD, rS` + an ALU64 operation on rD as one superinstruction. These
/// check that the pair computes, counts and traps exactly as two slots (values worked out by hand).
@Suite("Superinstructions")
struct FusionTests {
    /// One pair per fused operation, r1 = 100, r2 = 7: expected r3 = r1 OP operand.
    @Test(arguments: [
        ("add %r3, 5", UInt64(105)), ("add %r3, %r2", 107), ("sub %r3, %r2", 93), ("mul %r3, 3", 300),
        ("and %r3, 0x6c", 0x64), ("or %r3, %r2", 103), ("xor %r3, %r2", 99), ("lsh %r3, 4", 1600),
        ("rsh %r3, 2", 25), ("arsh %r3, 1", 50),
    ])
    func pairComputesLikeTwoSlots(operation: String, expected: UInt64) throws {
        let source = "mov %r1, 100\nmov %r2, 7\nmov %r3, %r1\n\(operation)\nmov %r0, %r3\nexit"
        let run = try record(source)
        #expect(run.outcome == .success(expected))
        #expect(run.executed == 6)
    }

    /// The operand register may be the destination itself: `mov r3, r1; add r3, r3` doubles r1.
    @Test func operandIsTheNewDestination() throws {
        #expect(try result("mov %r1, 21\nmov %r3, %r1\nadd %r3, %r3\nmov %r0, %r3\nexit") == 42)
    }

    /// A pair on different registers is not fused and keeps its meaning.
    @Test func differentDestinationsStayApart() throws {
        #expect(try result("mov %r1, 5\nmov %r0, %r1\nadd %r1, 3\nadd %r0, %r1\nexit") == 13)
    }

    /// A jump to the second slot of a pair runs it alone.
    @Test func jumpIntoTheSecondSlot() throws {
        let source = "mov %r0, 1\nmov %r1, 10\nja +1\nmov %r0, %r1\nadd %r0, 5\nexit"
        let run = try record(source)
        #expect(run.outcome == .success(6))
        #expect(run.executed == 5)
    }

    /// Counting through a loop made of pairs: 1 + 4k instructions after k iterations, the budget
    /// trap at the back-edge with the exact count.
    @Test func budgetCountInALoopOfPairs() throws {
        let source = "mov %r0, 0\nmov %r1, %r0\nadd %r1, 1\nmov %r0, %r1\nja -4"
        let run = try record(source, limits: ExecutionLimits(instructionBudget: 100))
        #expect(run.outcome == .failure(.budgetExhausted(pc: 4, executed: 101)))
    }
}
