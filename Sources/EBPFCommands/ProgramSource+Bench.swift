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

    /// The interpreter over ``executableProgram`` with the matching helpers and regions.
    func benchInterpreter(configuration: ExecutionConfiguration) -> Interpreter {
        switch self {
        case .plain(let program):
            Interpreter(program: program, helpers: configuration.helpers, limits: configuration.limits)
        case .linked(let linked, _):
            Interpreter(program: linked.program, helpers: linked.helpers, limits: configuration.limits, extraRegions: linked.regions)
        }
    }

    /// Compiles ``executableProgram`` with the JIT, with `facts` from ``verify(configuration:memorySize:)``
    /// (extended to a linked program's appended slots), recording the phases in `statistics`.
    func benchCompile(
        configuration: ExecutionConfiguration, facts: VerifiedFacts?, statistics: inout CompilationStatistics
    ) throws(PipelineError) -> CompiledProgram {
        do {
            switch self {
            case .plain(let program):
                return try JIT.compile(
                    program, helpers: configuration.helpers, limits: configuration.limits, facts: facts,
                    options: configuration.jitOptions, statistics: &statistics)
            case .linked(let linked, _):
                return try JIT.compile(
                    linked.program, helpers: linked.helpers, limits: configuration.limits, facts: facts.map(linked.extend),
                    options: configuration.jitOptions, extraRegions: linked.regions, statistics: &statistics)
            }
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
