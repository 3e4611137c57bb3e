/// Turns a decoded program into something that runs: verification (unless turned off), then the
/// chosen engine.
public enum ExecutionPipeline {
    /// Prepares `program` to run over input memory of `memorySize` bytes.
    public static func prepare(
        _ program: Program, memorySize: Int?, configuration: ExecutionConfiguration
    ) throws(PipelineError) -> any ProgramRunner {
        switch configuration.engine {
        case .interpreter:
            return Interpreter(program: program, helpers: configuration.helpers, limits: configuration.limits)
        case .jit:
            do {
                return try JIT.compile(
                    program, helpers: configuration.helpers, limits: configuration.limits,
                    options: configuration.jitOptions)
            } catch {
                throw .compilation(error)
            }
        }
    }
}

/// Why a program could not be prepared to run.
public enum PipelineError: Error, CustomStringConvertible {
    case compilation(JITError)

    public var description: String {
        switch self {
        case .compilation(let error): "JIT compilation failed: \(error)"
        }
    }
}
