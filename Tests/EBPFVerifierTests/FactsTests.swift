import EBPFCore
import Testing
@testable import EBPFVerifier

/// What a successful verification tells the engines.
@Suite struct FactsTests {
    func verify(_ source: String, contextSize: Int? = 64) throws -> VerificationResult {
        try VerifierFixtures.verifier(contextSize: contextSize).verify(try VerifierFixtures.program(source))
    }

    @Test func accessesAreMarkedSafeExactlyWhereTheyAre() throws {
        let result = try verify("ldxw %r0, [%r1+0]\nstw [%r10-4], 1\nmov %r2, 1\nstxw [%r1+4], %r2\nexit")
        #expect(result.facts.accessIsSafe == [true, true, false, true, false])
    }

    @Test func accessesOnImpossibleBranchesAreNotMarked() throws {
        let result = try verify("mov %r3, 1\njeq %r3, 2, +2\nmov %r0, 0\nexit\nldxw %r0, [%r1+0]\nexit")
        #expect(result.facts.accessIsSafe[4] == false)
    }

    @Test(arguments: [
        ("ldxb %r3, [%r1+0]\nor %r3, 1\nmov %r0, 7\ndiv %r0, %r3\nexit", true),
        ("ldxb %r3, [%r1+0]\nmov %r0, 7\ndiv %r0, %r3\nexit", false),
        ("ldxb %r3, [%r1+0]\njeq %r3, 0, +3\nmov %r0, 7\nmod %r0, %r3\nexit\nmov %r0, 0\nexit", true),
        // Only the low 32 bits count for div32: 0x1_0000_0000 is zero there.
        ("lddw %r3, 0x100000000\nmov %r0, 7\ndiv32 %r0, %r3\nexit", false),
        ("lddw %r3, 0x100000004\nmov %r0, 7\ndiv32 %r0, %r3\nexit", true),
    ])
    func divisorFacts(_ source: String, nonZero: Bool) throws {
        let result = try verify(source)
        let program = try VerifierFixtures.program(source)
        let division = program.instructions.firstIndex { [0x3f, 0x9f, 0x3c].contains($0.opcode) }!
        #expect(result.facts.divisorIsNonZero[division] == nonZero)
    }

    @Test func stackDepthIsTheDeepestFrame() throws {
        let result = try verify("""
            stdw [%r10-24], 0
            call local f
            exit
            f:
            stdw [%r10-40], 0
            mov %r0, 0
            exit
            """)
        #expect(result.facts.stackDepth == 40)
        #expect(result.stackDepthByFunction == [0: 24, 3: 40])
        #expect(result.facts.maxCallDepth == 2)
        #expect(result.facts.terminates)
    }

    @Test func callDepthCountsNestedCalls() throws {
        let result = try verify("call local a\nexit\na:\ncall local b\nexit\nb:\nmov %r0, 1\nexit")
        #expect(result.facts.maxCallDepth == 3)
    }

    @Test func liveRegisters() throws {
        let result = try verify("mov %r6, 1\nmov %r0, 2\nadd %r0, %r6\nexit")
        #expect(result.liveRegisters[0] == 0)
        #expect(result.liveRegisters[1] == 1 << 6)
        #expect(result.liveRegisters[2] == (1 << 6) | 1)
        #expect(result.liveRegisters[3] == 1)
    }

    @Test func statisticsAndLog() throws {
        let program = try VerifierFixtures.program("mov %r0, 0\nmov %r3, 0\nloop:\nadd %r0, %r3\nadd %r3, 1\njlt %r3, 10, loop\nexit")
        let verifier = Verifier(options: VerifierOptions(contextSize: 0, collectsLog: true))
        let result = try verifier.verify(program)
        // Ten iterations of three instructions, the two moves and the exit.
        #expect(result.statistics.processedInstructions == 33)
        #expect(result.statistics.totalStates >= 1)
        #expect(result.statistics.peakStates <= result.statistics.totalStates)
        #expect(result.log.count == 33)
        #expect(result.log[0].hasPrefix("0: (b7) mov %r0, 0 ; R0=0"))
    }

    @Test func pruningKeepsBranchyCodeLinear() throws {
        // 20 diamonds in a row: 2^20 paths without pruning. At each join the registers that
        // differ (R4 refined by the test, R5 set on one side) are dead, so the second path to
        // reach the join is covered by the first.
        var source = "mov %r0, 0\n"
        for byte in 0..<20 {
            source += "ldxb %r4, [%r1+\(byte)]\njeq %r4, 0, +1\nmov %r5, 1\n"
        }
        source += "exit"
        let result = try verify(source)
        #expect(result.statistics.processedInstructions < 200)
        #expect(result.statistics.prunedPaths == 20)
    }
}
