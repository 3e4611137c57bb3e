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
            throw .engineUnavailable(.jit)
        }
    }
}

/// Why a program could not be prepared to run.
public enum PipelineError: Error, CustomStringConvertible {
    case engineUnavailable(Engine)

    public var description: String {
        switch self {
        case .engineUnavailable(let engine): "the \(engine.rawValue) engine is not available yet"
        }
    }
}
