import EBPFCore
import Testing
@testable import EBPFVerifier

/// The `automatic` loop policy: `bounded` within a small processed-instruction budget, then
/// `widening` for the rejections that found nothing unsafe (``VerifierError/isRetriedWithWidening``).
@Suite struct AutomaticPolicyTests {
    /// 20,000 iterations of four instructions: `bounded` proves it with its default budget of a
    /// million processed instructions, not within the `automatic` attempt's.
    static let longLoop = """
        mov %r0, 0
        mov %r3, 0
        loop:
        add %r0, %r3
        add %r3, 1
        jlt %r3, 20000, loop
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

    @Test func boundedAttemptIsCapped() throws {
        let bounded = try Self.verify(Self.longLoop, VerifierOptions(loops: .bounded, contextSize: 64)).get()
        #expect(bounded.statistics.processedInstructions > VerifierOptions.defaultAutomaticBoundedBudget)

        let automatic = try Self.verify(Self.longLoop, VerifierOptions(loops: .automatic, contextSize: 64)).get()
        #expect(automatic.loops == .widening)
        // The widening attempt's own work: a few passes over the loop, not 20,000.
        #expect(automatic.statistics.processedInstructions < 1_000)

        let generous = try Self.verify(
            Self.longLoop, VerifierOptions(loops: .automatic, automaticBoundedBudget: 1_000_000, contextSize: 64)
        ).get()
        #expect(generous.loops == .bounded)
        #expect(generous.facts.terminates)
    }

    /// The cap never raises the budget: a smaller ``VerifierOptions/processedInstructionBudget``
    /// also limits the bounded attempt.
    @Test func capIsAtMostTheBudget() throws {
        let short = """
            mov %r0, 0
            mov %r3, 0
            loop:
            add %r0, %r3
            add %r3, 1
            jlt %r3, 100, loop
            exit
            """
        let roomy = try Self.verify(short, VerifierOptions(loops: .automatic, contextSize: 64)).get()
        #expect(roomy.loops == .bounded)
        let tight = try Self.verify(short, VerifierOptions(loops: .automatic, processedInstructionBudget: 150, contextSize: 64)).get()
        #expect(tight.loops == .widening)
    }

    /// A loop `bounded` proves only past the cap (60,000 processed instructions) and `widening`
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

    /// A state that repeats after a branch on input data: the bounded walk cannot tell whether
    /// the loop ends (it may not), nothing is unsafe, and widening accepts it without claiming
    /// termination.
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
