import Testing
import EBPFCore
@testable import EBPFVerifier

@Suite struct SmokeTests {
    @Test func smoke() throws {
        let cases: [(String, Int?)] = [
            ("mov %r0, 0\nexit", 64),
            ("ldxw %r0, [%r1+4]\nexit", 64),
            ("ldxw %r0, [%r1+62]\nexit", 64),
            ("ldxb %r0, [%r1+0]\nexit", nil),
            ("jlt %r2, 4, +2\nldxw %r0, [%r1+0]\nexit\nmov %r0, 0\nexit", nil),
            ("mov %r3, %r1\nadd %r3, 8\nmov %r4, %r1\nadd %r4, %r2\njgt %r3, %r4, +2\nldxdw %r0, [%r1+0]\nexit\nmov %r0, 0\nexit", nil),
            ("mov %r1, 0\nmov %r0, 0\nloop:\nadd %r0, %r1\nadd %r1, 1\njlt %r1, 10, loop\nexit", 64),
            ("mov %r0, 0\nloop:\nldxb %r1, [%r10-1]\njeq %r1, 0, loop\nexit", 64),
        ]
        for (source, size) in cases {
            let program = try VerifierFixtures.program(source)
            var options = VerifierOptions(contextSize: size)
            options.collectsLog = true
            do {
                let r = try Verifier(options: options).verify(program)
                print("OK", r.statistics, r.facts)
            } catch {
                print("ERR", error)
            }
        }
    }
}
