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
    public func verify(_ program: Program) throws(VerifierError) -> VerificationResult {
        let clock = ContinuousClock()
        let start = clock.now
        let structure = try ProgramStructure.analyze(program.instructions, helpers: helpers, options: options)
        let interpreter = AbstractInterpreter(structure: structure, helpers: helpers, options: options)
        try interpreter.run()
        return interpreter.result(duration: clock.now - start)
    }
}
