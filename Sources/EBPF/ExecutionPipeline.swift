/// Turns a decoded program into something that runs: verification (unless turned off), then the
/// chosen engine, given the verifier's facts so the JIT can leave out the checks they cover.
///
/// Plain and linked programs take the same path: each is a ``PipelineInput`` (the `Program`
/// forms below wrap theirs, ``LinkedProgram/prepare(configuration:memorySize:)`` wraps a linked
/// one).
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
        try verify(PipelineInput(program), memorySize: memorySize, configuration: configuration)
    }

    /// Verifies (unless turned off) and prepares `program` to run; see `verify` for `memorySize`. The runner must only be given memory of that size when one was passed.
    public static func prepare(
        _ program: Program, memorySize: Int?, configuration: ExecutionConfiguration
    ) throws(PipelineError) -> any ProgramRunner {
        try prepare(PipelineInput(program), memorySize: memorySize, configuration: configuration)
    }

    /// Builds the configured engine for an already verified (or deliberately unverified) program.
    public static func makeRunner(
        _ program: Program, facts: VerifiedFacts?, configuration: ExecutionConfiguration
    ) throws(PipelineError) -> any ProgramRunner {
        try makeRunner(PipelineInput(program), facts: facts, configuration: configuration)
    }

    // MARK: The one path

    /// Verifies `input.verifierProgram` with `input`'s helpers, maps and licence (over the
    /// configuration's verifier options), or returns `nil` when verification is off. `memorySize`
    /// (see the `Program` form) fills in the options' `contextSize` when they leave it `nil`.
    public static func verify(
        _ input: PipelineInput, memorySize: Int?, configuration: ExecutionConfiguration
    ) throws(PipelineError) -> VerificationResult? {
        guard configuration.verify else { return nil }
        var options = input.verifierOptions(configuration.verifierOptions)
        if options.contextSize == nil { options.contextSize = memorySize }
        do {
            return try Verifier(helpers: input.helpers(configuration), options: options).verify(input.verifierProgram)
        } catch {
            throw .verification(error)
        }
    }

    /// Verifies (unless turned off) and builds the configured engine for `input`.
    public static func prepare(
        _ input: PipelineInput, memorySize: Int?, configuration: ExecutionConfiguration
    ) throws(PipelineError) -> any ProgramRunner & Sendable {
        let verification = try verify(input, memorySize: memorySize, configuration: configuration)
        return try makeRunner(input, facts: verification?.facts, configuration: configuration)
    }

    /// Builds the configured engine for `input`, given the facts the verifier proved on
    /// `input.verifierProgram` (`nil`: every check at run time).
    public static func makeRunner(
        _ input: PipelineInput, facts: VerifiedFacts?, configuration: ExecutionConfiguration
    ) throws(PipelineError) -> any ProgramRunner & Sendable {
        switch configuration.engine {
        case .interpreter:
            return interpreter(input, configuration: configuration)
        case .jit:
            var statistics = CompilationStatistics()
            do {
                return try compile(input, facts: facts, configuration: configuration, statistics: &statistics)
            } catch {
                throw .compilation(error)
            }
        }
    }

    /// The interpreter for `input`. It is the reference: it checks every access whatever was
    /// proven, so it takes no facts.
    public static func interpreter(_ input: PipelineInput, configuration: ExecutionConfiguration) -> Interpreter {
        Interpreter(
            program: input.program, helpers: input.helpers(configuration), limits: configuration.limits,
            extraRegions: input.extraRegions)
    }

    /// `input` compiled with the JIT, leaving out the checks `facts` (proven on
    /// `input.verifierProgram`) cover, and recording the phases in `statistics`.
    public static func compile(
        _ input: PipelineInput, facts: VerifiedFacts?, configuration: ExecutionConfiguration,
        statistics: inout CompilationStatistics
    ) throws(JITError) -> CompiledProgram {
        try JIT.compile(
            input.program, helpers: input.helpers(configuration), limits: configuration.limits,
            facts: input.engineFacts(facts), options: configuration.jitOptions, extraRegions: input.extraRegions,
            statistics: &statistics)
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
