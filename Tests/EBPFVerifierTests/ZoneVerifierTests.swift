import EBPFAssembler
import EBPFCore
import EBPFInterpreter
import Testing
@testable import EBPFVerifier

/// The relational domain in the verifier, with the length only in R2: programs proven because
/// a relation between a counter, a pointer and the length survives copies, re-derivations and
/// loop joins; and, at each edge of the domain, an unsafe neighbour that must be refused (and
/// really goes out of bounds when run).
@Suite struct ZoneVerifierTests {
    /// `sum += data[i]` for i from 0 while `jump` (at the bottom, back to `loop`) is taken, after
    /// `len == 0` is ruled out: clang's do-while, the cases differ only in that comparison.
    static func byteSum(closedBy jump: String) -> String {
        """
        mov %r0, 0
        jeq %r2, 0, out
        mov %r3, 0
        loop:
        mov %r4, %r1
        add %r4, %r3
        ldxb %r4, [%r4+0]
        add32 %r0, %r4
        add %r3, 1
        \(jump)
        out:
        exit
        """
    }

    /// R0 = 0; `body` runs only when `len >= minimum` and may jump to `out` to return R0.
    static func whenLength(atLeast minimum: Int, _ body: String) -> String {
        """
        mov %r0, 0
        jlt %r2, \(minimum), out
        \(body)
        out:
        exit
        """
    }

    /// Safe for every length. Each is proven under the policies listed.
    static let proven: [(VerifierCase, [VerifierOptions.LoopPolicy])] = [
        (VerifierCase(name: "sum loop: for (i = 0; i < len; i++) sum += data[i] (clang's do-while)", source: byteSum(closedBy: "jlt %r3, %r2, loop"), contextSize: nil), [.widening]),
        (VerifierCase(name: "while loop tested at its head, the length in a spilled slot", source: """
            mov %r0, 0
            stxdw [%r10-8], %r2
            mov %r3, 0
            head:
            ldxdw %r5, [%r10-8]
            jge %r3, %r5, out
            mov %r4, %r1
            add %r4, %r3
            ldxb %r4, [%r4+0]
            add32 %r0, %r4
            add %r3, 1
            ja head
            out:
            exit
            """, contextSize: nil), [.widening]),
        (VerifierCase(name: "pointer walk: p = data; end = data + len; while (p != end) *p++", source: """
            mov %r0, 0
            mov %r3, %r1
            mov %r4, %r1
            add %r4, %r2
            head:
            jeq %r3, %r4, out
            ldxb %r5, [%r3+0]
            add32 %r0, %r5
            add %r3, 1
            ja head
            out:
            exit
            """, contextSize: nil), [.widening]),
        (VerifierCase(name: "i + 4 <= len guards a 4-byte read (the check on i + 8 after the increment)", source: whenLength(atLeast: 4, """
            mov %r4, 0
            loop:
            mov %r5, %r1
            add %r5, %r4
            ldxw %r5, [%r5+0]
            add32 %r0, %r5
            mov %r6, %r4
            add %r6, 8
            add %r4, 4
            jle %r6, %r2, loop
            """), contextSize: nil), [.widening]),
        (VerifierCase(name: "words up to len >> 3 through a pointer stepping by 8", source: """
            mov %r0, 0
            mov %r3, %r2
            rsh %r3, 3
            jeq %r3, 0, out
            mov %r4, 0
            loop:
            ldxdw %r5, [%r1+0]
            xor %r0, %r5
            add %r1, 8
            add %r4, 1
            jlt %r4, %r3, loop
            out:
            exit
            """, contextSize: nil), [.widening]),
        (VerifierCase(name: "re-derived pointer: data + 14 + ihl + 4 > end, then data + ihl + 16", source: """
            mov %r0, 2
            jlt %r2, 34, out
            mov %r3, %r1
            add %r3, %r2
            mov %r4, %r1
            add %r4, 14
            ldxb %r5, [%r1+14]
            lsh %r5, 2
            and %r5, 60
            add %r4, %r5
            add %r4, 4
            jgt %r4, %r3, out
            add %r1, %r5
            ldxb %r0, [%r1+17]
            out:
            exit
            """, contextSize: nil), [.bounded]),
        (VerifierCase(name: "the last bytes through data + len", source: whenLength(atLeast: 4, """
            add %r1, %r2
            ldxw %r0, [%r1-4]
            ldxb %r3, [%r1-1]
            """), contextSize: nil), [.bounded]),
        (VerifierCase(name: "len - 8 in another register bounds an index", source: whenLength(atLeast: 8, """
            mov %r6, %r2
            add %r6, -8
            ldxb %r3, [%r1+0]
            jgt %r3, %r6, out
            add %r1, %r3
            ldxdw %r0, [%r1+0]
            """), contextSize: nil), [.bounded]),
        (VerifierCase(name: "data + (len - 4) after len >= 4", source: whenLength(atLeast: 4, """
            mov %r3, %r2
            add %r3, -4
            add %r1, %r3
            ldxw %r0, [%r1+0]
            """), contextSize: nil), [.bounded]),
        (VerifierCase(name: "variable header length: len >= 14 + ihl + 20 checked on a 32-bit sum", source: whenLength(atLeast: 34, """
            ldxb %r3, [%r1+14]
            lsh32 %r3, 2
            and32 %r3, 60
            mov32 %r4, %r3
            add32 %r4, 34
            jlt %r2, %r4, out
            add %r1, 14
            add %r1, %r3
            ldxb %r0, [%r1+19]
            """), contextSize: nil), [.bounded]),
        (VerifierCase(name: "32-bit comparison of two values below 2^32", source: byteSum(closedBy: "jlt32 %r3, %r2, loop"), contextSize: nil), [.widening]),
        (VerifierCase(name: "a local call receives data + 4 and len - 4", source: """
            mov %r0, 0
            jlt %r2, 8, out
            add %r1, 4
            add %r2, -4
            call local sum
            out:
            exit
            sum:
            mov %r0, 0
            mov %r3, 0
            loop:
            mov %r4, %r1
            add %r4, %r3
            ldxb %r4, [%r4+0]
            add32 %r0, %r4
            add %r3, 1
            jlt %r3, %r2, loop
            exit
            """, contextSize: nil), [.widening]),
    ]

    @Test(arguments: proven)
    func provenWithTheLengthInR2(_ testCase: VerifierCase, policies: [VerifierOptions.LoopPolicy]) throws {
        for policy in policies {
            let result: VerificationResult
            switch try testCase.under(policy).verify() {
            case .success(let success): result = success
            case .failure(let error):
                Issue.record("\(policy): \(error)")
                continue
            }
            try testCase.expectEveryAccessProven(by: result, "\(policy): ")
            if policy == .widening {
                #expect(result.statistics.processedInstructions < 5_000, "\(result.statistics)")
            }
        }
        // Safe for real: no trap at any of these lengths.
        let interpreter = try testCase.interpreter(budget: 1_000_000)
        for length in [0, 1, 3, 4, 7, 8, 9, 33, 34, 35, 64, 100, 257] {
            var memory = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 5) }
            #expect(throws: Never.self, "length \(length)") { _ = try interpreter.run(&memory) }
        }
    }

    /// Each is unsafe for some length, at one edge of the domain; each must be refused with a
    /// message that names the access and the missing relation.
    static let refused: [(VerifierCase, String)] = [
        (VerifierCase(name: "off by one: for (i = 0; i <= len; i++) data[i]", source: byteSum(closedBy: "jle %r3, %r2, loop"), contextSize: nil, loops: .widening), "needs R3 + 1 <= len"),
        (VerifierCase(name: "wrong direction: reads data[i] where len < i", source: """
            mov %r0, 0
            jlt %r2, 1, out
            ldxb %r3, [%r1+0]
            jge %r3, %r2, read
            out:
            exit
            read:
            add %r1, %r3
            ldxb %r0, [%r1+0]
            exit
            """, contextSize: nil), "needs R3 + 1 <= len"),
        (VerifierCase(name: "32-bit comparison of an index of 2^32 + x: its low half is below len, the index is not", source: whenLength(atLeast: 8, """
            ldxb %r3, [%r1+0]
            mov %r5, 1
            lsh %r5, 32
            add %r3, %r5
            jge32 %r3, %r2, out
            add %r1, %r3
            ldxb %r0, [%r1+0]
            """), contextSize: nil), "makes pkt pointer be out of bounds"),
        (VerifierCase(name: "signed comparison with an index that may be negative: i s<= len, i != 0, data[i - 1]", source: whenLength(atLeast: 8, """
            ldxdw %r4, [%r1+0]
            jsgt %r4, %r2, out
            jeq %r4, 0, out
            add %r1, %r4
            ldxb %r0, [%r1-1]
            """), contextSize: nil), "unbounded min value"),
        (VerifierCase(name: "relation lost: the checked index is overwritten before the read", source: whenLength(atLeast: 2, """
            ldxb %r3, [%r1+0]
            jge %r3, %r2, out
            ldxb %r3, [%r1+1]
            add %r1, %r3
            ldxb %r0, [%r1+0]
            """), contextSize: nil), "invalid access to packet"),
        (VerifierCase(name: "relation lost: the pointer is moved by an unchecked amount", source: whenLength(atLeast: 2, """
            ldxb %r3, [%r1+0]
            jge %r3, %r2, out
            mov %r4, %r1
            add %r4, %r3
            ldxb %r5, [%r1+1]
            add %r4, %r5
            ldxb %r0, [%r4+0]
            """), contextSize: nil), "invalid access to packet"),
        (VerifierCase(name: "join where only the entry path has the check", source: """
            mov %r0, 0
            jeq %r2, 0, out
            mov %r3, 0
            loop:
            mov %r4, %r1
            add %r4, %r3
            ldxb %r5, [%r4+0]
            add %r0, %r5
            add %r3, 1
            jlt %r0, 1000, loop
            out:
            exit
            """, contextSize: nil, loops: .widening), "needs R3 + 1 <= len"),
        (VerifierCase(name: "a 4-byte read at data + len - 3 (len - 3 at most 100)", source: """
            mov %r0, 0
            mov %r3, %r2
            add %r3, -3
            jgt %r3, 100, out
            add %r1, %r3
            ldxw %r0, [%r1+0]
            out:
            exit
            """, contextSize: nil), "invalid access to packet"),
        (VerifierCase(name: "end pointer read at +0", source: """
            mov %r0, 0
            mov %r3, %r1
            add %r3, %r2
            jlt %r2, 4, out
            ldxb %r0, [%r3+0]
            out:
            exit
            """, contextSize: nil), "R3 invalid mem access 'pkt_end'"),
        (VerifierCase(name: "pointer compared with the end on the wrong side", source: """
            mov %r0, 0
            mov %r3, %r1
            add %r3, %r2
            mov %r4, %r1
            add %r4, 8
            jle %r4, %r3, out
            ldxb %r0, [%r4-1]
            out:
            exit
            """, contextSize: nil), "invalid access to packet"),
    ]

    @Test(arguments: refused)
    func refusedWithTheMissingRelation(_ testCase: VerifierCase, expected: String) throws {
        let policies: [VerifierOptions.LoopPolicy] = testCase.loops == .widening ? [.widening] : [.bounded, .widening]
        for policy in policies {
            try testCase.under(policy).expectRefused(containing: expected, "\(policy): ")
        }
    }

    /// The refused programs do go out of bounds: at some length and contents, the interpreter
    /// (every access checked) traps.
    @Test(arguments: refused.map(\.0))
    func refusedProgramTrapsWhenRun(_ testCase: VerifierCase) throws {
        let interpreter = try testCase.interpreter(budget: 100_000)
        var trapped = false
        let contents: [(Int) -> UInt8] = [{ _ in 1 }, { _ in 0xff }, { $0 == 0 ? 0xfe : 0x80 }, { $0 == 0 ? 0 : 0xff }]
        for length in [1, 2, 3, 4, 8, 9, 16] {
            for fill in contents {
                var memory = (0..<length).map(fill)
                do { _ = try interpreter.run(&memory) } catch { trapped = true }
            }
        }
        #expect(trapped, "no trap at any length: the program may be safe after all")
    }

    /// A rejection explains itself in terms of the C source: where the read is, what it needs.
    @Test func rejectionNamesTheAccessAndTheMissingRelation() throws {
        let (testCase, _) = Self.refused[0]
        guard case .failure(let error) = try testCase.verify() else {
            Issue.record("accepted")
            return
        }
        #expect(error.message.contains("read of 1 byte at R4+0 (R4 = data + R3) needs R3 + 1 <= len"), "\(error.message)")
        #expect(error.message.contains("only R3 <= len is proven"), "\(error.message)")
    }
}
