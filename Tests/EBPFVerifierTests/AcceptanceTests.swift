import EBPFCore
import Testing
@testable import EBPFVerifier

/// The patterns clang emits for safe programs: the verifier must accept each.
@Suite struct AcceptanceTests {
    /// `checks` put an index in R3 and jump to `out` unless it is in bounds; then the 4 bytes at
    /// data + R3 are read.
    static func indexedRead(boundedBy checks: String) -> String {
        """
        \(checks)
        add %r1, %r3
        ldxw %r0, [%r1+0]
        exit
        out:
        mov %r0, 0
        exit
        """
    }

    static let patterns: [VerifierCase] = [
        VerifierCase(name: "fixed-size memory read", source: "ldxdw %r0, [%r1+56]\nexit"),
        VerifierCase(name: "length check before access (R2)", source: """
            jlt %r2, 14, short
            ldxh %r0, [%r1+12]
            exit
            short:
            mov %r0, 0
            exit
            """, contextSize: nil),
        VerifierCase(name: "length check on a copy of R2", source: """
            mov %r5, %r2
            jgt %r5, 7, long
            mov %r0, 0
            exit
            long:
            ldxdw %r0, [%r1+0]
            exit
            """, contextSize: nil),
        VerifierCase(name: "pointer compared with the memory end", source: """
            mov %r3, %r1
            add %r3, %r2
            mov %r4, %r1
            add %r4, 14
            jgt %r4, %r3, out
            ldxh %r0, [%r1+12]
            ldxb %r5, [%r4-1]
            exit
            out:
            mov %r0, 0
            exit
            """, contextSize: nil),
        VerifierCase(name: "end compared with a pointer", source: """
            mov %r3, %r1
            add %r3, %r2
            mov %r4, %r1
            add %r4, 8
            jge %r3, %r4, ok
            mov %r0, 0
            exit
            ok:
            ldxdw %r0, [%r1+0]
            exit
            """, contextSize: nil),
        VerifierCase(name: "variable header length (kernel-style ids)", source: """
            mov %r3, %r1
            add %r3, %r2
            jlt %r2, 1, out
            ldxb %r4, [%r1+0]
            and %r4, 0x3c
            mov %r5, %r1
            add %r5, %r4
            mov %r6, %r5
            add %r6, 4
            jgt %r6, %r3, out
            ldxw %r0, [%r5+0]
            exit
            out:
            mov %r0, 0
            exit
            """, contextSize: nil),
        VerifierCase(name: "bounded index into the memory", source: indexedRead(boundedBy: """
            ldxb %r3, [%r1+0]
            jgt %r3, 60, out
            """)),
        VerifierCase(name: "masked index into a stack array", source: """
            stdw [%r10-16], 1
            stdw [%r10-8], 2
            ldxb %r3, [%r1+0]
            and %r3, 8
            mov %r2, %r10
            add %r2, %r3
            ldxdw %r0, [%r2-16]
            exit
            """),
        VerifierCase(name: "32-bit bounds check (jmp32)", source: indexedRead(boundedBy: """
            ldxw %r3, [%r1+0]
            jgt32 %r3, 59, out
            """)),
        VerifierCase(name: "signed check with a non-negative test", source: indexedRead(boundedBy: """
            ldxb %r3, [%r1+0]
            movsx864 %r3, %r3
            jslt %r3, 0, out
            jsgt %r3, 60, out
            """)),
        VerifierCase(name: "null check after map lookup", source: """
            stw [%r10-4], 1
            lddw %r1, map_fd 7
            mov %r2, %r10
            add %r2, -4
            call 1
            jeq %r0, 0, miss
            ldxdw %r1, [%r0+8]
            add %r1, 1
            stxdw [%r0+8], %r1
            lock add [%r0+0], %r1
            mov %r0, 1
            exit
            miss:
            mov %r0, 0
            exit
            """),
        VerifierCase(name: "null check with jne on a copy", source: """
            stw [%r10-4], 1
            lddw %r1, map_fd 7
            mov %r2, %r10
            add %r2, -4
            call 1
            mov %r6, %r0
            jne %r0, 0, hit
            mov %r0, 0
            exit
            hit:
            ldxw %r0, [%r6+12]
            exit
            """),
        VerifierCase(name: "helper memory after null check", source: """
            call 3
            jeq %r0, 0, +2
            ldxdw %r0, [%r0+24]
            exit
            mov %r0, 0
            exit
            """),
        VerifierCase(name: "spill and fill of pointers", source: """
            stxdw [%r10-8], %r1
            mov %r1, 0
            ldxdw %r2, [%r10-8]
            ldxw %r0, [%r2+4]
            exit
            """),
        VerifierCase(name: "spill keeps scalar bounds", source: """
            ldxb %r3, [%r1+0]
            and %r3, 31
            stxdw [%r10-16], %r3
            ldxdw %r4, [%r10-16]
            add %r1, %r4
            ldxdw %r0, [%r1+0]
            exit
            """),
        VerifierCase(name: "bounded loop summing the memory", source: VerifierFixtures.memorySum(closedBy: "jlt %r3, 64, loop")),
        VerifierCase(name: "loop with a data-dependent early exit", source: """
            mov %r0, 0
            mov %r3, 0
            loop:
            mov %r4, %r1
            add %r4, %r3
            ldxb %r5, [%r4+0]
            jeq %r5, 0, done
            add %r0, 1
            add %r3, 1
            jlt %r3, 32, loop
            done:
            exit
            """),
        VerifierCase(name: "loop counting down (32-bit)", source: """
            mov32 %r0, 0
            mov32 %r3, 16
            loop:
            add32 %r0, %r3
            sub32 %r3, 1
            jne32 %r3, 0, loop
            exit
            """),
        VerifierCase(name: "local call with a pointer to the caller's stack", source: """
            stdw [%r10-8], 0
            mov %r1, %r10
            add %r1, -8
            mov %r6, 9
            call local fill
            ldxdw %r0, [%r10-8]
            add %r0, %r6
            exit
            fill:
            stdw [%r1+0], 42
            stdw [%r10-16], 1
            mov %r0, 0
            exit
            """),
        VerifierCase(name: "function called twice", source: """
            mov %r1, 1
            call local twice
            mov %r6, %r0
            mov %r1, 2
            call local twice
            add %r0, %r6
            exit
            twice:
            mov %r0, %r1
            lsh %r0, 1
            exit
            """),
        VerifierCase(name: "bounded recursion", source: """
            mov %r1, 3
            call local down
            exit
            down:
            mov %r0, 0
            jeq %r1, 0, +2
            sub %r1, 1
            call local down
            exit
            """),
        VerifierCase(name: "callx with a constant helper id", source: "mov %r1, 1\nmov %r2, 5\ncall %r2\nexit"),
        VerifierCase(name: "helper reads an initialised buffer", source: """
            stdw [%r10-16], 0
            stdw [%r10-8], 0
            mov %r1, %r10
            add %r1, -16
            mov %r2, 16
            call 2
            exit
            """),
        VerifierCase(name: "helper reads the input memory with a bounded size", source: """
            ldxb %r2, [%r1+0]
            and %r2, 63
            call 2
            exit
            """),
        VerifierCase(name: "atomics on the stack and on memory", source: """
            stdw [%r10-8], 5
            mov %r2, 1
            lock fetch add [%r10-8], %r2
            mov %r0, 3
            lock cmpxchg [%r1+8], %r2
            lock xchg32 [%r1+0], %r2
            ldxdw %r0, [%r10-8]
            exit
            """),
        VerifierCase(name: "impossible branch is not checked", source: """
            mov %r3, 5
            jgt %r3, 10, bad
            mov %r0, 0
            exit
            bad:
            ldxw %r0, [%r1+100]
            exit
            """),
        VerifierCase(name: "division by a register that may be zero", source: """
            ldxb %r3, [%r1+0]
            mov %r0, 100
            div %r0, %r3
            mod32 %r0, %r3
            exit
            """),
        VerifierCase(name: "division by an immediate zero", source: "mov %r0, 7\ndiv %r0, 0\nmod32 %r0, 0\nexit"),
        VerifierCase(name: "legacy packet loads", source: """
            ldabsh 12
            mov %r6, %r0
            mov %r7, 2
            ldindb %r7, 20
            add %r0, %r6
            exit
            """, contextSize: nil),
        VerifierCase(name: "pointer difference is a number", source: """
            mov %r3, %r1
            add %r3, 10
            sub %r3, %r1
            mov %r0, %r3
            exit
            """),
        VerifierCase(name: "pointer null test on the stack pointer", source: """
            mov %r0, 0
            jne %r10, 0, +1
            ldxdw %r0, [%r0+0]
            exit
            """),
        VerifierCase(name: "strict policy without loops", source: "mov %r0, 1\njeq %r0, 1, +1\nmov %r0, 2\nexit", loops: .strict),
    ]

    @Test(arguments: patterns)
    func accepted(_ pattern: VerifierCase) throws {
        switch try pattern.verify() {
        case .success(let result):
            #expect(result.statistics.processedInstructions > 0)
        case .failure(let error):
            Issue.record("rejected: \(error)")
        }
    }
}
