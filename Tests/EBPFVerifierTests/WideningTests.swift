import EBPFAssembler
import EBPFCore
import EBPFInterpreter
import Testing
@testable import EBPFVerifier

/// The widening loop policy: loops too long to unroll are accepted with facts for every
/// iteration; loops that would go out of bounds on some iteration are still rejected.
@Suite struct WideningTests {
    /// `sum += data[i & 63]` for i from 0 while i < `iterations`.
    static func maskedIndexLoop(iterations: Int) -> String {
        """
        mov %r0, 0
        mov %r3, 0
        loop:
        mov %r4, %r3
        and %r4, 63
        mov %r5, %r1
        add %r5, %r4
        ldxb %r6, [%r5+0]
        add %r0, %r6
        add %r3, 1
        jlt %r3, \(iterations), loop
        exit
        """
    }

    /// `a[i] = i` on the 256-byte stack array at fp-256 for i from 0 while `jump` (back to
    /// `loop`) is taken.
    static func stackArrayFill(closedBy jump: String) -> String {
        """
        mov %r3, 0
        loop:
        mov %r4, %r10
        add %r4, -256
        add %r4, %r3
        stxb [%r4+0], %r3
        add %r3, 1
        \(jump)
        mov %r0, 0
        exit
        """
    }

    /// Loops the bounded policy gives up on (too many iterations to walk) and widening proves.
    static let longLoops: [VerifierCase] = [
        VerifierCase(
            name: "100,000 iterations over a masked index into the memory", source: maskedIndexLoop(iterations: 100000)),
        VerifierCase(name: "i < 256 indexes a 256-byte stack array, 1000 times", source: """
            mov %r7, 0
            outer:
            mov %r3, 0
            inner:
            mov %r4, %r10
            add %r4, -256
            add %r4, %r3
            stxb [%r4+0], %r3
            add %r3, 1
            jlt %r3, 256, inner
            add %r7, 1
            jlt %r7, 1000, outer
            ldxb %r0, [%r10-1]
            exit
            """),
        VerifierCase(name: "counter spilled to the stack and filled every iteration", source: """
            mov %r0, 0
            stdw [%r10-8], 0
            loop:
            ldxdw %r3, [%r10-8]
            mov %r4, %r3
            and %r4, 63
            mov %r5, %r1
            add %r5, %r4
            ldxb %r6, [%r5+0]
            add %r0, %r6
            add %r3, 1
            stxdw [%r10-8], %r3
            jlt %r3, 100000, loop
            exit
            """),
        VerifierCase(name: "local call inside a long loop", source: """
            mov %r6, %r1
            mov %r7, 0
            mov %r8, 0
            loop:
            mov %r1, %r6
            mov %r2, %r7
            call local read
            add %r8, %r0
            add %r7, 1
            jlt %r7, 50000, loop
            mov %r0, %r8
            exit
            read:
            and %r2, 31
            add %r1, %r2
            ldxdw %r0, [%r1+0]
            exit
            """),
        VerifierCase(name: "while loop with the test at the head, i < 60 on 8-byte loads", source: """
            mov %r0, 0
            mov %r7, 0
            outer:
            mov %r3, 0
            head:
            jge %r3, 57, done
            mov %r4, %r1
            add %r4, %r3
            ldxdw %r5, [%r4+0]
            add %r0, %r5
            add %r3, 1
            ja head
            done:
            add %r7, 1
            jlt %r7, 100000, outer
            exit
            """),
        VerifierCase(name: "counting down from an unknown start with jne", source: """
            ldxdw %r3, [%r1+0]
            and %r3, 0xffff
            mov %r0, 0
            loop:
            jeq %r3, 0, done
            mov %r4, %r3
            and %r4, 7
            mov %r5, %r10
            add %r5, -8
            add %r5, %r4
            stxb [%r5+0], %r3
            add %r3, -1
            ja loop
            done:
            exit
            """),
    ]

    @Test(arguments: longLoops)
    func longLoopIsTooLargeForBoundedButProvenByWidening(_ testCase: VerifierCase) throws {
        var bounded = testCase
        bounded.budget = 100_000
        guard case .failure(let error) = try bounded.verify() else {
            Issue.record("bounded accepted \(testCase.name): the case does not show the difference")
            return
        }
        #expect(error.kind == .budgetExhausted, "\(error)")

        let result = try testCase.under(.widening).verify().get()
        // Each loop steps a counter towards a bound the invariant keeps (LoopTerminationTests).
        #expect(result.facts.terminates)
        #expect(result.loops == .widening)
        #expect(result.statistics.processedInstructions < 20_000, "\(result.statistics)")
        try testCase.expectEveryAccessProven(by: result)
    }

    /// Loops that are unsafe on some iteration (or whose safety needs more than intervals) must
    /// be rejected however many iterations they run.
    static let unsafeLoops: [(VerifierCase, String)] = [
        (VerifierCase(
            name: "index runs past a 256-byte stack array (i < 300)", source: stackArrayFill(closedBy: "jlt %r3, 300, loop")),
            "invalid variable-offset write to stack"),
        (VerifierCase(
            name: "off by one: i <= 256 on a 256-byte stack array", source: stackArrayFill(closedBy: "jle %r3, 256, loop")),
            "invalid variable-offset write to stack"),
        (VerifierCase(
            name: "off by one: i <= 64 reading a 64-byte memory",
            source: VerifierFixtures.memorySum(closedBy: "jle %r3, 64, loop")), "invalid bpf_context access"),
        (VerifierCase(name: "spilled pointer overwritten by a scalar inside the loop", source: """
            stxdw [%r10-8], %r1
            mov %r3, 0
            loop:
            ldxdw %r4, [%r10-8]
            ldxb %r0, [%r4+0]
            stxdw [%r10-8], %r3
            add %r3, 1
            jlt %r3, 100, loop
            exit
            """), "R4 invalid mem access 'scalar'"),
        (VerifierCase(name: "register live across the loop is a pointer first and a number later", source: """
            mov %r4, %r1
            mov %r3, 0
            loop:
            mov %r0, %r4
            mov %r4, 5
            add %r3, 1
            jlt %r3, 100, loop
            exit
            """), "R4 is ctx(off=0,sz=64,imm=0) on one path into the loop at insn 2 and 5 on another: no loop invariant keeps its type"),
        (VerifierCase(name: "nested loops: a[i + j] with i, j < 256 on a 256-byte array", source: """
            mov %r6, 0
            outer:
            mov %r3, 0
            inner:
            mov %r4, %r10
            add %r4, -256
            add %r4, %r3
            add %r4, %r6
            stxb [%r4+0], %r3
            add %r3, 1
            jlt %r3, 256, inner
            add %r6, 1
            jlt %r6, 256, outer
            mov %r0, 0
            exit
            """), "invalid variable-offset write to stack"),
        (VerifierCase(
            name: "packet memory of unknown size indexed in a loop without a length check",
            source: VerifierFixtures.memorySum(closedBy: "jlt %r3, 16, loop"), contextSize: nil), "invalid access to packet"),
        (VerifierCase(name: "stack bytes written inside the loop on some paths are not written after it", source: """
            mov %r3, 0
            loop:
            jgt %r3, 1000, skip
            stdw [%r10-8], 1
            skip:
            add %r3, 1
            jlt %r3, 100000, loop
            mov %r0, 0
            stdw [%r10-16], 0
            ldxdw %r0, [%r10-8]
            exit
            """, contextSize: 64), "invalid read from stack"),
    ]

    @Test(arguments: unsafeLoops)
    func unsafeLoopIsRejected(_ testCase: VerifierCase, expected: String) throws {
        try testCase.under(.widening).expectRefused(containing: expected, "widening: ")
    }

    /// Widening reaches a fixpoint in a handful of passes over the loop, whatever the iteration
    /// count, and the processed count does not depend on it.
    @Test(arguments: [1_000, 100_000, 1_000_000_000])
    func workDoesNotGrowWithTheIterationCount(iterations: Int) throws {
        let source = Self.maskedIndexLoop(iterations: iterations)
        let result = try VerifierCase(name: "loop", source: source, loops: .widening).verify().get()
        #expect(result.statistics.processedInstructions < 200, "\(result.statistics)")
    }

    @Test func loopFreeProgramStillTerminatesUnderWidening() throws {
        let result = try VerifierCase(name: "straight", source: "ldxb %r0, [%r1+63]\nexit", loops: .widening).verify().get()
        #expect(result.facts.terminates)
        #expect(result.facts.accessIsSafe[0])
    }

    @Test func infiniteLoopIsMemorySafeButNotTerminating() throws {
        let source = """
            mov %r0, 0
            loop:
            ldxb %r2, [%r1+7]
            add %r0, %r2
            ja loop
            """
        let bounded = try VerifierCase(name: "bounded", source: source, budget: 50_000).verify()
        guard case .failure(let error) = bounded else {
            Issue.record("bounded accepted an endless loop")
            return
        }
        // Out of budget, or the same state seen again (an endless loop): either way the loop.
        #expect(
            error.kind == .budgetExhausted
                || (error.kind == .repeatedState && error.message.hasPrefix("infinite loop")), "\(error)")
        let result = try VerifierCase(name: "widening", source: source, loops: .widening).verify().get()
        #expect(!result.facts.terminates)
        #expect(result.facts.accessIsSafe[1])
    }

    /// `automatic` takes `widening`'s answer where it proves the loop exits, short or long, and
    /// `bounded`'s error for an unsafe loop.
    @Test func automaticWidensWhereTheLoopIsProvenToExit() throws {
        let short = try VerifierCase(name: "short", source: """
            mov %r0, 0
            mov %r3, 0
            loop:
            add %r0, %r3
            add %r3, 1
            jlt %r3, 10, loop
            exit
            """, loops: .automatic).verify().get()
        #expect(short.loops == .widening)
        #expect(short.facts.terminates)

        var long = Self.longLoops[0]
        long.loops = .automatic
        long.budget = 100_000
        let result = try long.verify().get()
        #expect(result.loops == .widening)
        #expect(result.facts.terminates)

        // Widening rejects the unsafe loop, bounded walks it, and the error is bounded's (the
        // unrolled iteration that writes past the array), not widening's.
        var unsafe = Self.unsafeLoops[0].0
        unsafe.loops = .automatic
        guard case .failure(let error) = try unsafe.verify() else {
            Issue.record("automatic accepted an unsafe loop")
            return
        }
        #expect(error.message == "invalid stack off=0 size=1", "\(error)")
    }

    /// Programs accepted under widening run in the interpreter (which checks every access) without
    /// a trap other than the instruction budget, on many inputs.
    @Test(arguments: longLoops)
    func acceptedLoopsNeverTrapOnAccess(_ testCase: VerifierCase) throws {
        _ = try testCase.under(.widening).verify().get()
        let interpreter = try testCase.interpreter(budget: 100_000)
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<4 {
            var memory = (0..<64).map { _ in UInt8.random(in: 0...255, using: &generator) }
            do throws(ExecutionTrap) {
                _ = try interpreter.run(&memory)
            } catch {
                if case .budgetExhausted = error { continue }
                Issue.record("\(testCase.name): \(error)")
            }
        }
    }
}
