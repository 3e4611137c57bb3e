import EBPF
import Testing

/// The JIT leaves out the budget count and check on the back-edge of a loop the verifier proved to
/// exit (``VerifiedFacts/loopHeadTerminates``, ``ProvenLoops``) and keeps them everywhere else.
/// A budget far smaller than the proven loop's run shows which: the loop runs to its end where
/// the counting is gone, and traps where it stays.
@Suite struct ProvenLoopBudgetTests {
    /// A budget the first loop alone (300 instructions) exceeds.
    static let limits = ExecutionLimits(instructionBudget: 150)

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var source: String
        /// The first slot of the loop whose head the verifier proves.
        var provenHead: Int
        /// Whether that loop's back-edge goes without budget counting.
        var counts: Bool
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        // A counted loop, then one that waits for byte 0 to be 7 (no counter: not proven).
        Case(name: "counted loop, then a loop without a counter", source: """
            mov %r0, 0
            mov %r3, 0
            first:
            add %r0, 1
            add %r3, 1
            jlt %r3, 100, first
            second:
            ldxb %r4, [%r1+0]
            jeq %r4, 7, out
            ja second
            out:
            exit
            """, provenHead: 2, counts: false),
        // The same counted loop, also entered in its middle from before it: the jump back to the
        // head keeps its check (ProvenLoops wants code entered only at the head).
        Case(name: "proven loop entered in its middle", source: """
            mov %r0, 0
            mov %r3, 0
            ldxb %r4, [%r1+1]
            jeq %r4, 1, middle
            first:
            add %r0, 1
            middle:
            add %r3, 1
            jlt %r3, 100, first
            second:
            ldxb %r4, [%r1+0]
            jeq %r4, 7, out
            ja second
            out:
            exit
            """, provenHead: 4, counts: true),
    ]

    /// Whether the code of slots `range` adds to the counter (R10 in the default register map):
    /// `add r10, imm8` or `add r10, imm32`.
    static func countsBudget(_ compiled: CompiledProgram, slots range: ClosedRange<Int>) -> Bool {
        let code = Array(compiled.machineCode[compiled.instructionOffsets[range.lowerBound]..<compiled.instructionOffsets[range.upperBound + 1]])
        return code.indices.dropLast(2).contains { code[$0] == 0x49 && (code[$0 + 1] == 0x83 || code[$0 + 1] == 0x81) && code[$0 + 2] == 0xc2 }
    }

    static func outcome(_ compiled: CompiledProgram, _ memory: [UInt8]) -> Result<UInt64, ExecutionTrap> {
        var bytes = memory
        return Result { () throws(ExecutionTrap) in try compiled.run(&bytes) }
    }

    @Test(arguments: cases)
    func budgetCountingFollowsTheProof(_ testCase: Case) throws {
        let program = try Assembler.assemble(testCase.source)
        let verifier = Verifier(helpers: .conformance, options: VerifierOptions(loops: .widening, contextSize: 8))
        let facts = try verifier.verify(program).facts
        #expect(!facts.terminates)
        #expect(facts.loopHeadTerminates[testCase.provenHead])
        let waiting = program.instructions.count - 2  // `ja second`: never proven
        #expect(!facts.loopHeadTerminates[waiting - 2])

        let compiled = try JIT.compile(program, helpers: .conformance, limits: Self.limits, facts: facts)
        var unproven = facts
        unproven.loopHeadTerminates = []
        let counting = try JIT.compile(program, helpers: .conformance, limits: Self.limits, facts: unproven)

        let exits: [UInt8] = [7, 0, 0, 0, 0, 0, 0, 0]
        let waits: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0]
        // Without any proven head, the first loop passes the budget at its back-edge.
        guard case .failure(.budgetExhausted) = Self.outcome(counting, exits) else {
            Issue.record("the counting compilation did not stop at the budget: \(Self.outcome(counting, exits))")
            return
        }
        let loop = testCase.provenHead...(waiting - 3)  // the head through the `jlt` back to it
        #expect(Self.countsBudget(counting, slots: loop))
        #expect(Self.countsBudget(compiled, slots: loop) == testCase.counts)
        if testCase.counts {
            #expect(Self.outcome(compiled, exits) == Self.outcome(counting, exits))
            #expect(compiled.codeSize == counting.codeSize)
        } else {
            // The proven loop runs its 100 iterations uncounted; the loop after it still stops.
            #expect(Self.outcome(compiled, exits) == .success(100))
            #expect(compiled.codeSize < counting.codeSize)
            guard case .failure(.budgetExhausted(let pc, _)) = Self.outcome(compiled, waits) else {
                Issue.record("the unproven loop ran past the budget: \(Self.outcome(compiled, waits))")
                return
            }
            #expect(pc == waiting)
        }
    }
}
