import EBPFCore
import EBPFInterpreter
import Testing
@testable import EBPFVerifier

/// Termination under the widening loop policy (``LoopTermination``): loops whose counter steps
/// towards a bound the loop invariant keeps are proven to exit, within a bound on the executed
/// instructions, and recorded in ``VerifiedFacts/loopHeadTerminates`` and
/// ``VerifiedFacts/terminates``; any other loop is not.
@Suite struct LoopTerminationTests {
    static func widening(_ source: String, contextSize: Int? = 64) throws -> VerificationResult {
        try VerifierCase(name: "", source: source, contextSize: contextSize, loops: .widening).verify().get()
    }

    /// The slots of the loop heads.
    static func heads(_ source: String) throws -> [Int] {
        let program = try VerifierFixtures.program(source)
        return program.decoded.controlFlow.isLoopHead.indices.filter { program.decoded.controlFlow.isLoopHead[$0] }
    }

    static let proven: [VerifierCase] = [
        VerifierCase(name: "counter up to a constant", source: """
            mov %r0, 0
            mov %r3, 0
            loop:
            add %r0, %r3
            add %r3, 1
            jlt %r3, 1000, loop
            exit
            """),
        VerifierCase(name: "countdown from a masked unknown start, tested at the head", source: """
            ldxdw %r3, [%r1+0]
            and %r3, 0xffff
            mov %r0, 0
            loop:
            jeq %r3, 0, done
            add %r0, %r3
            add %r3, -1
            ja loop
            done:
            exit
            """),
        VerifierCase(name: "u32 counter in a stack slot, its address a map key (map_key_loop)", source: VerifierFixtures.mapKeyLoop),
        VerifierCase(name: "nested loops, 100 by 100", source: """
            mov %r0, 0
            mov %r6, 0
            outer:
            mov %r7, 0
            inner:
            add %r0, %r7
            add %r7, 1
            jlt %r7, 100, inner
            add %r6, 1
            jlt %r6, 100, outer
            exit
            """),
        VerifierCase(name: "rotated loop: a jump to the test at the bottom", source: """
            mov %r0, 0
            mov %r3, 0
            ja test
            body:
            add %r0, %r3
            add %r3, 1
            test:
            jlt %r3, 500, body
            exit
            """),
        VerifierCase(name: "step of 1 on one path, 3 on the other", source: """
            mov %r0, 0
            mov %r3, 0
            loop:
            ldxb %r4, [%r1+0]
            jeq %r4, 7, long
            add %r3, 1
            ja next
            long:
            add %r3, 3
            next:
            jlt %r3, 300, loop
            exit
            """),
        VerifierCase(name: "counter in R6 kept across a local call", source: """
            mov %r6, 0
            mov %r7, 0
            loop:
            mov %r1, %r6
            call local f
            add %r7, %r0
            add %r6, 1
            jlt %r6, 64, loop
            mov %r0, %r7
            exit
            f:
            mov %r0, %r1
            add %r0, 1
            exit
            """),
        VerifierCase(name: "64-bit counter spilled and filled every iteration", source: """
            mov %r0, 0
            stdw [%r10-8], 0
            loop:
            ldxdw %r3, [%r10-8]
            add %r0, %r3
            add %r3, 1
            stxdw [%r10-8], %r3
            jlt %r3, 1000, loop
            exit
            """),
    ]

    @Test(arguments: proven)
    func counterProvesTheLoopExits(_ testCase: VerifierCase) throws {
        let result = try Self.widening(testCase.source)
        #expect(result.facts.terminates)
        for head in try Self.heads(testCase.source) {
            #expect(result.facts.loopHeadTerminates[head], "head \(head)")
        }
        // And runs end (well within the budget) on a few inputs (the interpreter has no maps).
        if testCase.source.contains("map_fd") { return }
        let interpreter = try testCase.interpreter(budget: 10_000_000)
        for fill in [0, 7, 0xff] as [UInt8] {
            var memory = [UInt8](repeating: fill, count: 64)
            _ = try interpreter.run(&memory)
        }
    }

    /// Loops no counter bounds. Those marked `endless` really run forever on a memory of 7s.
    static let unproven: [(VerifierCase, endless: Bool)] = [
        (VerifierCase(name: "i != 10 with a step of 3", source: """
            mov %r3, 0
            loop:
            add %r3, 3
            jne %r3, 10, loop
            mov %r0, %r3
            exit
            """), true),
        (VerifierCase(name: "u8 counter in a stack byte wraps before reaching 300", source: """
            stb [%r10-1], 0
            loop:
            ldxb %r3, [%r10-1]
            add %r3, 1
            stxb [%r10-1], %r3
            jlt %r3, 300, loop
            mov %r0, 0
            exit
            """), true),
        (VerifierCase(name: "counter not stepped on one path", source: """
            mov %r3, 0
            loop:
            ldxb %r4, [%r1+0]
            jeq %r4, 7, next
            add %r3, 1
            next:
            jlt %r3, 100, loop
            mov %r0, %r3
            exit
            """), true),
        (VerifierCase(name: "spilled counter reset through another pointer to its slot", source: """
            mov %r6, %r10
            add %r6, -8
            stdw [%r10-8], 0
            loop:
            ldxdw %r3, [%r10-8]
            add %r3, 1
            stxdw [%r10-8], %r3
            jne %r3, 5, next
            stdw [%r6+0], 0
            next:
            jlt %r3, 10, loop
            mov %r0, 0
            exit
            """), true),
        (VerifierCase(name: "stepped down on odd values, up on even ones", source: """
            mov %r3, 5
            loop:
            mov %r4, %r3
            and %r4, 1
            jeq %r4, 1, down
            add %r3, 1
            ja next
            down:
            add %r3, -1
            next:
            jlt %r3, 10, loop
            mov %r0, 0
            exit
            """), true),
        (VerifierCase(name: "spilled counter rewritten by a helper", source: """
            stdw [%r10-8], 0
            loop:
            mov %r1, %r10
            add %r1, -8
            mov %r2, 8
            call 4
            ldxdw %r3, [%r10-8]
            add %r3, 1
            stxdw [%r10-8], %r3
            jlt %r3, 10, loop
            mov %r0, 0
            exit
            """), false),
        (VerifierCase(name: "32-bit counter ranked, but 2^32 passes are past the instruction limit", source: """
            mov32 %r3, 1
            loop:
            add32 %r3, 1
            jne %r3, 0, loop
            mov %r0, 0
            exit
            """), false),
    ]

    @Test(arguments: unproven)
    func loopWithoutAProvenBoundKeepsTheBudget(_ testCase: VerifierCase, endless: Bool) throws {
        let result = try Self.widening(testCase.source)
        #expect(!result.facts.terminates)
        for head in try Self.heads(testCase.source) {
            #expect(!result.facts.loopHeadTerminates[head], "head \(head)")
        }
        guard endless else { return }
        let interpreter = try testCase.interpreter(budget: 1_000_000)
        var memory = [UInt8](repeating: 7, count: 64)
        #expect(throws: ExecutionTrap.self) { try interpreter.run(&memory) }
    }

    /// A counted inner loop inside an endless outer one: the inner head is marked, the outer one
    /// and the program are not.
    @Test func innerLoopIsProvenInsideAnEndlessOne() throws {
        let source = """
            mov %r0, 0
            outer:
            mov %r7, 0
            inner:
            add %r0, %r7
            add %r7, 1
            jlt %r7, 100, inner
            ja outer
            """
        let result = try Self.widening(source)
        #expect(!result.facts.terminates)
        #expect(try Self.heads(source) == [1, 2])
        #expect(!result.facts.loopHeadTerminates[1])
        #expect(result.facts.loopHeadTerminates[2])
    }

    /// Under `bounded` every loop the walk got through exits; `strict` has none.
    @Test func boundedMarksEveryHead() throws {
        let source = Self.proven[3].source
        let result = try VerifierCase(name: "", source: source, loops: .bounded).verify().get()
        #expect(result.facts.terminates)
        #expect(result.facts.loopHeadTerminates == (try VerifierFixtures.program(source)).decoded.controlFlow.isLoopHead)
    }
}
