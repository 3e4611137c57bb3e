import EBPFCore
import Testing
@testable import EBPFVerifier

/// The `automatic` loop policy: `widening` first for a program with loops, its answer when it also
/// proves that the loops exit; `bounded` within a small processed-instruction budget when it
/// proves safety only; `bounded` with the whole budget when it rejects.
@Suite struct AutomaticPolicyTests {
    /// 20,000 iterations of four instructions: `bounded` proves it with its default budget of a
    /// million processed instructions; `widening` proves it safe and, from the counter, that it
    /// exits.
    static let longLoop = """
        mov %r0, 0
        mov %r3, 0
        loop:
        add %r0, %r3
        add %r3, 1
        jlt %r3, 20000, loop
        exit
        """

    /// A loop without a counter that moves by a constant (`r3` doubles): `widening` proves it
    /// safe but not that it exits; `bounded` walks its 30 iterations in about 90 processed
    /// instructions.
    static let doublingLoop = """
        mov %r0, 0
        mov %r3, 1
        loop:
        lsh %r3, 1
        jlt %r3, 0x40000000, loop
        exit
        """

    static func verify(_ source: String, _ options: VerifierOptions) throws -> Result<VerificationResult, VerifierError> {
        let program = try VerifierFixtures.program(source)
        do throws(VerifierError) {
            return .success(try Verifier(helpers: VerifierFixtures.helpers, options: options).verify(program))
        } catch {
            return .failure(error)
        }
    }

    /// A loop `widening` proves to exit is never unrolled, however many times it runs.
    @Test func terminationByWideningSkipsTheWalk() throws {
        let bounded = try Self.verify(Self.longLoop, VerifierOptions(loops: .bounded, contextSize: 64)).get()
        #expect(bounded.statistics.processedInstructions > 20_000)

        let automatic = try Self.verify(Self.longLoop, VerifierOptions(loops: .automatic, contextSize: 64)).get()
        #expect(automatic.loops == .widening)
        #expect(automatic.facts.terminates)
        // The widening attempt's own work: a few passes over the loop, not 20,000.
        #expect(automatic.statistics.processedInstructions < 1_000)
    }

    /// Where `widening` cannot prove termination, `bounded` proves it within the cap; the cap
    /// (never more than ``VerifierOptions/processedInstructionBudget``) decides when `bounded`
    /// gives up, and then the `widening` facts stand, without termination.
    @Test(arguments: [
        (VerifierOptions(loops: .automatic, contextSize: 64), VerifierOptions.LoopPolicy.bounded),
        (VerifierOptions(loops: .automatic, automaticBoundedBudget: 40, contextSize: 64), .widening),
        (VerifierOptions(loops: .automatic, processedInstructionBudget: 40, contextSize: 64), .widening),
    ])
    func boundedProvesTerminationWithinTheCap(options: VerifierOptions, expected: VerifierOptions.LoopPolicy) throws {
        var wideningOptions = options
        wideningOptions.loops = .widening
        let widening = try Self.verify(Self.doublingLoop, wideningOptions).get()
        #expect(!widening.facts.terminates)

        let result = try Self.verify(Self.doublingLoop, options).get()
        #expect(result.loops == expected)
        #expect(result.facts.terminates == (expected == .bounded))
    }

    /// A loop `bounded` proves only in 60,000 processed instructions (past the cap) and `widening`
    /// cannot: `x` alternates between 0 and 1, the access is at `63 − 63x + 63x`, and neither
    /// intervals nor differences see that the two terms add up to 63. `automatic` walks it again
    /// with the whole budget rather than reject what `bounded` accepts.
    @Test func automaticKeepsWhatBoundedProves() throws {
        let source = """
            mov %r0, 0
            mov %r3, 0
            mov %r4, 0
            loop:
            mov %r5, %r4
            mul %r5, 63
            mov %r6, 63
            sub %r6, %r5
            add %r6, %r5
            mov %r7, %r1
            add %r7, %r6
            ldxb %r8, [%r7+0]
            add %r0, %r8
            xor %r4, 1
            add %r3, 1
            jlt %r3, 5000, loop
            exit
            """
        guard case .failure(let error) = try Self.verify(source, VerifierOptions(loops: .widening, contextSize: 64)) else {
            Issue.record("widening proved the alternating index: the case does not show the fallback")
            return
        }
        #expect(error.kind == .safetyViolation, "\(error)")
        let result = try Self.verify(source, VerifierOptions(loops: .automatic, contextSize: 64)).get()
        #expect(result.loops == .bounded)
        #expect(result.statistics.processedInstructions > VerifierOptions.defaultAutomaticBoundedBudget)
    }

    /// A state that repeats after a branch on input data: `widening` accepts it without claiming
    /// termination, and the bounded walk cannot tell whether the loop ends (it may not): the
    /// `widening` facts stand.
    @Test func repeatedStateFallsBackToWidening() throws {
        let source = """
            mov %r0, 0
            loop:
            ldxb %r3, [%r1+0]
            jeq %r3, 7, out
            ja loop
            out:
            exit
            """
        guard case .failure(let error) = try Self.verify(source, VerifierOptions(loops: .bounded, contextSize: 64)) else {
            Issue.record("bounded accepted a loop it cannot bound")
            return
        }
        #expect(error.kind == .repeatedState, "\(error)")
        let automatic = try Self.verify(source, VerifierOptions(loops: .automatic, contextSize: 64)).get()
        #expect(automatic.loops == .widening)
        #expect(!automatic.facts.terminates)
    }

    /// A state that repeats on a path whose every branch the state decided is an endless loop
    /// for every run that reaches it: final under `automatic`, as the kernel rejects it.
    @Test func forcedRepeatIsFinal() throws {
        let source = """
            mov %r0, 0
            mov %r3, 5
            loop:
            jne %r3, 5, out
            ldxb %r4, [%r1+0]
            ja loop
            out:
            exit
            """
        for loops in [VerifierOptions.LoopPolicy.bounded, .automatic] {
            guard case .failure(let error) = try Self.verify(source, VerifierOptions(loops: loops, contextSize: 64)) else {
                Issue.record("\(loops) accepted an endless loop")
                continue
            }
            #expect(error.kind == .safetyViolation, "\(error)")
            #expect(error.message == "infinite loop detected at insn 2", "\(error)")
        }
    }
}
