import EBPFCore
import EBPFInterpreter
import Testing
@testable import EBPFVerifier

/// Narrow spills: 1-, 2- and 4-byte stores of scalars keep their value for loads of the same
/// bytes (the kernel's precise narrow spills), helpers that only read the stack keep it, and
/// every way of changing the stored bytes behind the verifier's back makes it forget them.
///
/// Each accepted program uses the filled value as an index into a 16-byte stack array, so it
/// is accepted only if the fill gives back the stored bounds. Each rejected one would index out
/// of the array (or dereference a number) if the verifier trusted the stale value, and does so
/// when run.
@Suite struct StackSpillTests {
    /// Indexes the 16 zeroed bytes at fp-24 with R4 and exits with the byte read.
    static let indexArray = """
        stdw [%r10-24], 0
        stdw [%r10-16], 0
        mov %r5, %r10
        add %r5, -24
        add %r5, %r4
        ldxb %r0, [%r5+0]
        exit
        """

    /// R3 = the first input byte & 15, then `steps`, which leave in R4 the value to index the
    /// array with (``indexArray``).
    static func maskedByteIndexes(_ steps: String) -> String {
        "ldxb %r3, [%r1+0]\nand %r3, 15\n" + steps + "\n" + indexArray
    }

    /// Every case is verified under each of these loop policies.
    static let policies: [VerifierOptions.LoopPolicy] = [.bounded, .widening, .automatic]

    static let accepted: [VerifierCase] = [
        VerifierCase(name: "u32 spill and fill", source: maskedByteIndexes("""
            stxw [%r10-4], %r3
            ldxw %r4, [%r10-4]
            """)),
        VerifierCase(name: "u16 and u8 spills next to a u32 in one slot", source: """
            ldxb %r3, [%r1+0]
            and %r3, 5
            stxw [%r10-4], %r3
            stxh [%r10-6], %r3
            stxb [%r10-7], %r3
            stb [%r10-8], 2
            ldxw %r4, [%r10-4]
            ldxh %r6, [%r10-6]
            add %r4, %r6
            ldxb %r6, [%r10-7]
            add %r4, %r6
            """ + "\n" + indexArray),
        VerifierCase(name: "narrow fill of a u32 spill keeps its low half", source: maskedByteIndexes("""
            or %r3, 0x70000
            stxw [%r10-4], %r3
            ldxh %r4, [%r10-4]
            """)),
        VerifierCase(name: "4-byte fill of an 8-byte spill keeps its low half", source: maskedByteIndexes("""
            lddw %r6, 0x500000000
            add %r3, %r6
            stxdw [%r10-8], %r3
            ldxw %r4, [%r10-8]
            """)),
        VerifierCase(name: "narrow store of an immediate", source: """
            sth [%r10-2], 13
            ldxh %r4, [%r10-2]
            """ + "\n" + indexArray),
        VerifierCase(name: "sign-extending fill of a small non-negative byte", source: maskedByteIndexes("""
            stxb [%r10-1], %r3
            ldxsb %r4, [%r10-1]
            """)),
        VerifierCase(name: "a helper that only reads the stack keeps what it holds", source: maskedByteIndexes("""
            stxw [%r10-4], %r3
            mov %r1, %r10
            add %r1, -4
            mov %r2, 4
            call 2
            ldxw %r4, [%r10-4]
            """)),
        VerifierCase(name: "a helper that writes other stack bytes keeps the rest", source: maskedByteIndexes("""
            stxw [%r10-36], %r3
            mov %r1, %r10
            add %r1, -32
            mov %r2, 8
            call 4
            ldxdw %r6, [%r10-32]
            ldxw %r4, [%r10-36]
            """)),
        VerifierCase(name: "u32 loop counter on the stack used as a map key (map_key_loop's shape)", source: VerifierFixtures.mapKeyLoop),
        VerifierCase(name: "u16 loop counter on the stack indexing a stack array", source: """
            stdw [%r10-24], 0
            stdw [%r10-16], 0
            mov %r0, 0
            sth [%r10-2], 0
            loop:
            ldxh %r4, [%r10-2]
            mov %r5, %r10
            add %r5, -24
            add %r5, %r4
            ldxb %r3, [%r5+0]
            add %r0, %r3
            add %r4, 1
            stxh [%r10-2], %r4
            jlt %r4, 16, loop
            exit
            """),
    ]

    @Test(arguments: accepted)
    func narrowSpillKeepsItsValue(_ testCase: VerifierCase) throws {
        for loops in Self.policies {
            if case .failure(let error) = try testCase.under(loops).verify() {
                Issue.record("\(loops) rejected \(testCase.name): \(error)")
            }
        }
    }

    /// Each with the message expected (alternatives separated by `|`).
    static let rejected: [(VerifierCase, String)] = [
        (VerifierCase(name: "partial overwrite of a spilled u32", source: maskedByteIndexes("""
            stxw [%r10-4], %r3
            stb [%r10-3], 127
            ldxw %r4, [%r10-4]
            """)), "invalid variable-offset read from stack"),
        (VerifierCase(name: "2-byte fill of the high half of a 4-byte spill", source: maskedByteIndexes("""
            or %r3, 0x7f0000
            stxw [%r10-4], %r3
            ldxh %r4, [%r10-2]
            """)), "invalid variable-offset read from stack"),
        (VerifierCase(name: "4-byte fill over two 2-byte spills", source: maskedByteIndexes("""
            stxh [%r10-4], %r3
            stxh [%r10-2], %r3
            ldxw %r4, [%r10-4]
            """)), "invalid variable-offset read from stack"),
        (VerifierCase(name: "sign-extending fill of a byte with its top bit set", source: """
            ldxb %r3, [%r1+0]
            and %r3, 15
            or %r3, 0x80
            stxb [%r10-1], %r3
            ldxsb %r4, [%r10-1]
            add %r1, %r4
            ldxb %r0, [%r1+0]
            exit
            """, contextSize: 256), "min value is negative"),
        (VerifierCase(name: "spilled u32 overwritten on one path before a join", source: maskedByteIndexes("""
            stxw [%r10-4], %r3
            ldxb %r6, [%r1+1]
            jeq %r6, 0, join
            stw [%r10-4], 40
            join:
            ldxw %r4, [%r10-4]
            """)), "invalid stack off=16 size=1|invalid variable-offset read from stack"),
        (VerifierCase(name: "spilled u32 overwritten on one path around a loop", source: """
            stdw [%r10-24], 0
            stdw [%r10-16], 0
            mov %r0, 0
            mov %r6, 0
            stw [%r10-4], 0
            loop:
            ldxw %r4, [%r10-4]
            mov %r5, %r10
            add %r5, -24
            add %r5, %r4
            ldxb %r3, [%r5+0]
            add %r0, %r3
            ldxb %r3, [%r1+0]
            jeq %r3, 0, next
            stw [%r10-4], 40
            next:
            add %r6, 1
            jlt %r6, 4, loop
            exit
            """), "invalid stack off=16 size=1|invalid variable-offset read from stack"),
        (VerifierCase(name: "variable-offset store into a spilled u32", source: maskedByteIndexes("""
            stxw [%r10-4], %r3
            ldxb %r6, [%r1+1]
            and %r6, 3
            mov %r7, %r10
            add %r7, -4
            add %r7, %r6
            stb [%r7+0], 127
            ldxw %r4, [%r10-4]
            """)), "invalid variable-offset read from stack"),
        (VerifierCase(name: "helper writes over a spilled u32", source: maskedByteIndexes("""
            stxw [%r10-4], %r3
            mov %r1, %r10
            add %r1, -8
            mov %r2, 8
            call 4
            ldxw %r4, [%r10-4]
            """)), "invalid variable-offset read from stack"),
        (VerifierCase(name: "helper writes over a spilled pointer", source: """
            stxdw [%r10-8], %r1
            mov %r1, %r10
            add %r1, -8
            mov %r2, 8
            call 4
            ldxdw %r3, [%r10-8]
            ldxb %r0, [%r3+0]
            exit
            """), "R3 invalid mem access 'scalar'"),
    ]

    /// A helper given a stack pointer as `.anything` may write the whole frame by its contract;
    /// the identity helper does not, so this one is refused without failing when run.
    static let contractual: [(VerifierCase, String)] = [
        (VerifierCase(name: "helper given a stack pointer without a size may write the frame", source: """
            stxdw [%r10-16], %r1
            mov %r1, %r10
            add %r1, -8
            call 5
            ldxdw %r3, [%r10-16]
            ldxb %r0, [%r3+0]
            exit
            """), "R3 invalid mem access 'scalar'"),
    ]

    @Test(arguments: rejected + contractual)
    func staleSpillIsRefused(_ testCase: VerifierCase, expected: String) throws {
        // Alternatives separated by `|`: the bounded walk sees the exact stale value, a join a range.
        let alternatives = expected.split(separator: "|").map(String.init)
        for loops in Self.policies {
            try testCase.under(loops).expectRefused(containingAnyOf: alternatives, "\(loops): ")
        }
    }

    /// The refused programs really go wrong when run (memory of 0x01 bytes, so every branch on
    /// a loaded byte takes its "non-zero" side): refusing them is not imprecision.
    @Test(arguments: rejected.map(\.0))
    func staleSpillFailsWhenRun(_ testCase: VerifierCase) throws {
        let interpreter = try testCase.interpreter(budget: 100_000)
        var memory = [UInt8](repeating: 1, count: testCase.contextSize ?? 64)
        #expect(throws: ExecutionTrap.self) { try interpreter.run(&memory) }
    }
}
