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
    /// Under ``VerifierOptions/LoopPolicy/automatic`` this is `bounded` within
    /// ``VerifierOptions/automaticBoundedBudget``, then `widening` when `bounded` gave up without
    /// finding anything unsafe (``VerifierError/isRetriedWithWidening``: it ran out of budget, or
    /// a state repeated after undecided branches). When `widening` rejects a program whose
    /// bounded walk was only cut short by that cap, `bounded` runs again with the whole
    /// ``VerifierOptions/processedInstructionBudget``, so `automatic` accepts everything
    /// `bounded` does. The duration in the statistics covers every attempt; the error of a
    /// program they all reject is the one from `widening`.
    public func verify(_ program: Program) throws(VerifierError) -> VerificationResult {
        guard options.loops == .automatic else { return try verify(program, options: options) }
        let clock = ContinuousClock()
        let start = clock.now
        var bounded = options
        bounded.loops = .bounded
        bounded.processedInstructionBudget = min(options.processedInstructionBudget, options.automaticBoundedBudget)
        let capped = bounded.processedInstructionBudget < options.processedInstructionBudget
        do {
            return try verify(program, options: bounded)
        } catch where error.isRetriedWithWidening {
            var widening = options
            widening.loops = .widening
            do {
                var result = try verify(program, options: widening)
                result.statistics.duration = clock.now - start
                return result
            } catch let wideningError {
                guard capped, error.kind == .budgetExhausted else { throw wideningError }
                bounded.processedInstructionBudget = options.processedInstructionBudget
                do {
                    var result = try verify(program, options: bounded)
                    result.statistics.duration = clock.now - start
                    return result
                } catch {
                    throw wideningError
                }
            }
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
