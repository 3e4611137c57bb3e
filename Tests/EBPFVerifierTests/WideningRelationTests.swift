import EBPFAssembler
import EBPFCore
import EBPFInterpreter
import Testing
@testable import EBPFVerifier

/// Pointer–counter relations under the widening loop policy: a pointer advanced in step with a
/// counter is bounded by the counter's test; any change that breaks the step (another stride,
/// an extra increment on one path, a reassignment, the counter rewritten on the stack, a call)
/// loses the relation and the loop is refused again.
@Suite struct WideningRelationTests {
    /// `sum += *p; p += step` while the counter (`i += 1` from 0) passes `jump` (back to `loop`).
    static func steppedRead(pointerStep: Int, closedBy jump: String) -> String {
        """
        mov %r0, 0
        mov %r3, 0
        loop:
        ldxb %r5, [%r1+0]
        add %r0, %r5
        add %r1, \(pointerStep)
        add %r3, 1
        \(jump)
        exit
        """
    }

    /// `sum += *p++` with the counter spilled at fp-8, stored back each pass; when it is 5 the
    /// branch to `broken` runs `breakingStore` on its slot before going round again.
    static func spilledCounter(breakingStore: String) -> String {
        """
        mov %r0, 0
        stdw [%r10-8], 0
        loop:
        ldxb %r5, [%r1+0]
        add %r0, %r5
        add %r1, 1
        ldxdw %r3, [%r10-8]
        add %r3, 1
        jge %r3, 64, done
        stxdw [%r10-8], %r3
        jeq %r3, 5, broken
        ja loop
        done:
        exit
        broken:
        \(breakingStore)
        ja loop
        """
    }

    /// Safe loops whose accesses go through a pointer the exit test does not mention.
    static let relatedLoops: [VerifierCase] = [
        VerifierCase(
            name: "pointer += 1 with i += 1, i < 64, on 64 bytes",
            source: steppedRead(pointerStep: 1, closedBy: "jlt %r3, 64, loop")),
        VerifierCase(name: "pointer += 8 with i += 1 tested before the advance (sum64's shape)", source: """
            mov %r0, 0
            mov %r3, 0
            loop:
            ldxdw %r5, [%r1+0]
            add %r0, %r5
            mov %r4, %r3
            add %r4, 1
            jge %r4, 8, done
            add %r1, 8
            mov %r3, %r4
            ja loop
            done:
            exit
            """),
        VerifierCase(name: "pointer += 4 with a counter stepping by 2 from 10, i < 42", source: """
            mov %r0, 0
            mov %r3, 10
            loop:
            ldxw %r5, [%r1+0]
            add %r0, %r5
            add %r1, 4
            add %r3, 2
            jlt %r3, 42, loop
            exit
            """),
        VerifierCase(name: "window counter spilled and filled around an inner loop (sort's shape)", source: """
            mov %r0, 0
            stdw [%r10-8], 0
            outer:
            mov %r3, 0
            inner:
            mov %r4, %r1
            add %r4, %r3
            ldxb %r5, [%r4+0]
            add %r0, %r5
            mov %r6, %r10
            add %r6, -24
            add %r6, %r3
            stxb [%r6+0], %r5
            add %r3, 1
            jlt %r3, 16, inner
            add %r1, 16
            ldxdw %r3, [%r10-8]
            add %r3, 1
            jge %r3, 4, done
            stxdw [%r10-8], %r3
            ja outer
            done:
            exit
            """),
        VerifierCase(name: "32-bit counter and a stack pointer stepping down", source: """
            mov %r0, 0
            mov %r2, %r10
            add %r2, -8
            mov32 %r3, 0
            loop:
            stxdw [%r2+0], %r3
            add %r2, -8
            add32 %r3, 1
            jlt32 %r3, 32, loop
            exit
            """),
    ]

    @Test(arguments: relatedLoops)
    func loopIsProvenThroughTheRelation(_ testCase: VerifierCase) throws {
        let result = try testCase.under(.widening).verify().get()
        try testCase.expectEveryAccessProven(by: result)
        #expect(result.statistics.processedInstructions < 5_000, "\(result.statistics)")
    }

    /// The same shapes, unsafe on some iteration: each must be refused. The breaking code is on
    /// the taken side of a branch, explored after the relation was found (for the stores, a
    /// branch that only the joined state can take, so no constant state reveals the break): a
    /// rule that kept the relation by mistake would accept the loop.
    static let brokenRelations: [(VerifierCase, String)] = [
        (VerifierCase(
            name: "pointer += 2 with i += 1, i < 64: runs past 64 bytes",
            source: steppedRead(pointerStep: 2, closedBy: "jlt %r3, 64, loop")), "invalid bpf_context access"),
        (VerifierCase(
            name: "off by one: i <= 64 with the pointer in step",
            source: steppedRead(pointerStep: 1, closedBy: "jle %r3, 64, loop")), "invalid bpf_context access"),
        (VerifierCase(name: "extra pointer increment on one path only", source: """
            mov %r0, 0
            mov %r3, 0
            loop:
            ldxb %r5, [%r1+0]
            add %r0, %r5
            jeq %r5, 7, extra
            step:
            add %r1, 1
            add %r3, 1
            jlt %r3, 64, loop
            exit
            extra:
            add %r1, 1
            ja step
            """), "invalid bpf_context access"),
        (VerifierCase(name: "pointer reassigned inside the loop", source: """
            mov %r0, 0
            mov %r6, %r1
            add %r6, 32
            mov %r3, 0
            loop:
            ldxb %r5, [%r1+0]
            add %r0, %r5
            add %r1, 1
            jeq %r5, 7, reassign
            keep:
            add %r3, 1
            jlt %r3, 64, loop
            exit
            reassign:
            mov %r1, %r6
            ja keep
            """), "invalid bpf_context access"),
        (VerifierCase(
            name: "spilled counter reset by a store to its slot",
            source: spilledCounter(breakingStore: "stdw [%r10-8], 0")), "invalid bpf_context access"),
        (VerifierCase(
            name: "spilled counter's low half rewritten by a 4-byte store",
            source: spilledCounter(breakingStore: "stxw [%r10-8], %r5")), "invalid bpf_context access"),
        (VerifierCase(name: "counter replaced by a helper's result after the call", source: """
            mov %r0, 0
            mov %r6, %r1
            mov %r3, 0
            stdw [%r10-8], 0
            loop:
            ldxb %r5, [%r6+0]
            add %r6, 1
            add %r3, 1
            mov %r1, %r10
            add %r1, -8
            mov %r2, 8
            call 2
            mov %r3, %r0
            jlt %r3, 64, loop
            exit
            """), "invalid bpf_context access"),
        (VerifierCase(name: "32-bit counter that wraps: add32 past 2^32 breaks the step", source: """
            mov %r0, 0
            mov32 %r3, -4
            loop:
            ldxb %r5, [%r1+0]
            add %r0, %r5
            add %r1, 1
            add32 %r3, 1
            jne %r3, 62, loop
            exit
            """), "invalid bpf_context access"),
    ]

    @Test(arguments: brokenRelations)
    func brokenRelationIsRefused(_ testCase: VerifierCase, expected: String) throws {
        try testCase.under(.widening).expectRefused(containing: expected, "widening: ")
    }

    /// The unsafe cases really go out of bounds (or never stop) when run, so refusing them is
    /// not just imprecision: the interpreter traps or runs out of budget on a 64-byte memory.
    @Test(arguments: brokenRelations.map(\.0))
    func brokenRelationFailsWhenRun(_ testCase: VerifierCase) throws {
        let interpreter = try testCase.interpreter(budget: 100_000)
        var memory = [UInt8](repeating: 1, count: 64)
        memory[0] = 7
        #expect(throws: ExecutionTrap.self) { try interpreter.run(&memory) }
    }
}
