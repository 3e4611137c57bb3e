import EBPF

/// What `ebpf bench` needs to build and run either kind of program the same way `ebpf run` does:
/// a plain program with the conformance helpers; an ELF object's program linked against its maps,
/// with the kernel helpers, the map storage as extra regions, and every run through
/// ``LinkedProgram/run(using:memory:trace:)`` (which installs the helpers' run context).
extension ProgramSource {
    /// The program the engines run (for a linked program: map references as addresses).
    var executableProgram: Program {
        switch self {
        case .plain(let program): program
        case .linked(let linked, _): linked.program
        }
    }

    /// Maps the program refers to; 0 for a plain program.
    var mapCount: Int {
        switch self {
        case .plain: 0
        case .linked(let linked, _): linked.maps.count
        }
    }

    /// The ELF program's name; `nil` for a plain program.
    var linkedName: String? {
        switch self {
        case .plain: nil
        case .linked(let linked, _): linked.name
        }
    }

    /// Compiles ``executableProgram`` with the JIT, with `facts` from ``verify(configuration:memorySize:)``
    /// (extended to a linked program's appended slots), recording the phases in `statistics`.
    /// Takes the source's ``pipelineInput``, made once outside the timed loops.
    static func benchCompile(
        _ input: PipelineInput, configuration: ExecutionConfiguration, facts: VerifiedFacts?,
        statistics: inout CompilationStatistics
    ) throws(PipelineError) -> CompiledProgram {
        do {
            return try ExecutionPipeline.compile(input, facts: facts, configuration: configuration, statistics: &statistics)
        } catch {
            throw .compilation(error)
        }
    }

    /// Runs `runner` once over `memory`: a plain program on `stack` (reused across runs), a linked
    /// program through ``LinkedProgram/run(using:memory:trace:)`` (its own fresh stack each run).
    func benchRun(
        _ runner: some ProgramRunner, memory: UnsafeMutableRawBufferPointer, stack: UnsafeMutableRawBufferPointer
    ) throws(ExecutionTrap) -> UInt64 {
        switch self {
        case .plain: try runner.run(memory: memory, stack: stack)
        case .linked(let linked, _): try linked.run(using: runner, memory: memory)
        }
    }
}
