/// Turns a decoded program into something that runs: verification (unless turned off), then the
/// chosen engine, given the verifier's facts so the JIT can leave out the checks they cover.
public enum ExecutionPipeline {
    /// Verifies `program` as `configuration` asks, or returns `nil` when verification is off.
    ///
    /// - Parameter memorySize: the input memory's size when the program will only ever run on memory
    ///   of that size (the CLI's case); the verifier then proves accesses against that size. Pass
    ///   `nil` for a program that will see buffers of different sizes: its accesses must then be
    ///   proven against R2, the length, as packet accesses are.
    public static func verify(
        _ program: Program, memorySize: Int?, configuration: ExecutionConfiguration
    ) throws(PipelineError) -> VerificationResult? {
        guard configuration.verify else { return nil }
        var options = configuration.verifierOptions
        if options.contextSize == nil { options.contextSize = memorySize }
        do {
            return try Verifier(helpers: configuration.helpers, options: options).verify(program)
        } catch {
            throw .verification(error)
        }
    }

    /// Verifies (unless turned off) and prepares `program` to run; see ``verify(_:memorySize:configuration:)``
    /// for `memorySize`. The runner must only be given memory of that size when one was passed.
    public static func prepare(
        _ program: Program, memorySize: Int?, configuration: ExecutionConfiguration
    ) throws(PipelineError) -> any ProgramRunner {
        let verification = try verify(program, memorySize: memorySize, configuration: configuration)
        return try makeRunner(program, facts: verification?.facts, configuration: configuration)
    }

    /// Builds the configured engine for an already verified (or deliberately unverified) program.
    public static func makeRunner(
        _ program: Program, facts: VerifiedFacts?, configuration: ExecutionConfiguration
    ) throws(PipelineError) -> any ProgramRunner {
        switch configuration.engine {
        case .interpreter:
            // The interpreter is the reference: it checks every access whatever was proven.
            return Interpreter(program: program, helpers: configuration.helpers, limits: configuration.limits)
        case .jit:
            do {
                return try JIT.compile(
                    program, helpers: configuration.helpers, limits: configuration.limits, facts: facts,
                    options: configuration.jitOptions)
            } catch {
                throw .compilation(error)
            }
        }
    }
}

/// Why a program could not be prepared to run.
public enum PipelineError: Error, CustomStringConvertible {
    case verification(VerifierError)
    case compilation(JITError)

    public var description: String {
        switch self {
        case .verification(let error): "verifier rejected the program: \(error)"
        case .compilation(let error): "JIT compilation failed: \(error)"
        }
    }
}
