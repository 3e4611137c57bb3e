import EBPFCore

/// Decides whether a program may run without run-time checks, the way the Linux verifier does:
/// structure checks first (jumps, reachability, loops under the strict policy, helpers, maps,
/// licence), then an abstract interpretation of every path that tracks each register's type and
/// bounds and each stack byte, and proves every memory access inside its region.
///
/// ```swift
/// let verifier = Verifier(helpers: .conformance, options: VerifierOptions(contextSize: memory.count))
/// let result = try verifier.verify(program)   // throws VerifierError
/// result.facts.accessIsSafe                   // what the JIT may leave unchecked
/// ```
public struct Verifier: Sendable {
    public var helpers: HelperRegistry
    public var options: VerifierOptions

    public init(helpers: HelperRegistry = .init(), options: VerifierOptions = .init()) {
        self.helpers = helpers
        self.options = options
    }

    /// Verifies `program`; on success returns the facts engines may rely on and statistics.
    ///
    /// Under ``VerifierOptions/LoopPolicy/automatic``, a program without loops is walked by
    /// `bounded` (with `widening` as the fallback when that walk gives up without finding anything
    /// unsafe). A program with loops goes to `widening` first, which costs about a millisecond:
    /// - accepted, with every run proven to end (``VerifiedFacts/terminates``): that is the answer;
    ///   the facts are as strong as `bounded`'s, and no walk unrolls the loops;
    /// - accepted, termination not proven: `bounded` gets ``VerifierOptions/automaticBoundedBudget``
    ///   processed instructions, and at most 64 undecided branches on one path (a loop over an
    ///   input of unknown length needs one per iteration, so the walk would only end at the cap),
    ///   to prove termination the kernel's way; its acceptance wins, a
    ///   give-up (``VerifierError/isRetriedWithWidening``) keeps the `widening` result, and any
    ///   other rejection is final (a loop every run that reaches it goes round forever);
    /// - rejected: `bounded` with the whole ``VerifierOptions/processedInstructionBudget``, so
    ///   that `automatic` accepts everything `bounded` does; when both reject, the error is
    ///   `bounded`'s unless it only gave up, then `widening`'s.
    ///
    /// The duration in the statistics covers every attempt.
    public func verify(_ program: Program) throws(VerifierError) -> VerificationResult {
        guard options.loops == .automatic else { return try verify(program, options: options) }
        let clock = ContinuousClock()
        let start = clock.now
        func timed(_ result: VerificationResult) -> VerificationResult {
            var result = result
            result.statistics.duration = clock.now - start
            return result
        }
        var bounded = options
        bounded.loops = .bounded
        var widening = options
        widening.loops = .widening
        guard program.decoded.controlFlow.hasLoops else {
            do {
                return try verify(program, options: bounded)
            } catch where error.isRetriedWithWidening {
                return timed(try verify(program, options: widening))
            }
        }
        let wideningResult: VerificationResult
        do {
            wideningResult = try verify(program, options: widening)
        } catch let wideningError {
            do {
                return timed(try verify(program, options: bounded))
            } catch where error.isRetriedWithWidening {
                throw wideningError
            }
        }
        if wideningResult.facts.terminates { return timed(wideningResult) }
        bounded.processedInstructionBudget = min(options.processedInstructionBudget, options.automaticBoundedBudget)
        bounded.undecidedBranchLimit = VerifierOptions.automaticUndecidedBranchLimit
        do {
            return timed(try verify(program, options: bounded))
        } catch where error.isRetriedWithWidening {
            return timed(wideningResult)
        }
    }

    private func verify(_ program: Program, options: VerifierOptions) throws(VerifierError) -> VerificationResult {
        let clock = ContinuousClock()
        let start = clock.now
        try StructuralChecks.check(program, helpers: helpers, options: options)
        let interpreter = AbstractInterpreter(program: program.decoded, helpers: helpers, options: options)
        try interpreter.run()
        return interpreter.result(duration: clock.now - start)
    }
}
