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

    /// The JIT subject: `compiled` run over `memory` through the public fast path, a plain
    /// program with ``CompiledProgram/run(_:)-(UnsafeMutableRawBufferPointer)`` (the code's own
    /// stack area), a linked program through ``LinkedProgram/run(using:memory:trace:)``.
    func benchSubject(_ name: String, _ compiled: CompiledProgram, memory: UnsafeMutableRawBufferPointer) -> BenchMeasurement.Subject {
        switch self {
        case .plain: .looping(name, CompiledBenchBody(compiled: compiled, memory: memory))
        case .linked(let linked, _): .looping(name, LinkedBenchBody(linked: linked, runner: compiled, memory: memory))
        }
    }

    /// The interpreter subject: a plain program on `stack` (reused across runs), a linked program
    /// through ``LinkedProgram/run(using:memory:trace:)`` (its own stack area each run).
    func benchSubject<Runner: ProgramRunner>(
        _ name: String, _ runner: Runner, memory: UnsafeMutableRawBufferPointer, stack: UnsafeMutableRawBufferPointer
    ) -> BenchMeasurement.Subject {
        switch self {
        case .plain: .looping(name, RunnerBenchBody(runner: runner, memory: memory, stack: stack))
        case .linked(let linked, _): .looping(name, LinkedBenchBody(linked: linked, runner: runner, memory: memory))
        }
    }
}

/// A JIT-compiled plain program through its fast entry.
struct CompiledBenchBody: BenchBody {
    let compiled: CompiledProgram
    let memory: UnsafeMutableRawBufferPointer
    func run() throws -> UInt64 { try compiled.run(memory) }
}

/// A plain program on a runner, with a stack area reused across runs.
struct RunnerBenchBody<Runner: ProgramRunner>: BenchBody {
    let runner: Runner
    let memory: UnsafeMutableRawBufferPointer
    let stack: UnsafeMutableRawBufferPointer
    func run() throws -> UInt64 { try runner.run(memory: memory, stack: stack) }
}

/// A linked program run as the runtime runs it.
struct LinkedBenchBody<Runner: ProgramRunner>: BenchBody {
    let linked: LinkedProgram
    let runner: Runner
    let memory: UnsafeMutableRawBufferPointer
    func run() throws -> UInt64 { try linked.run(using: runner, memory: memory) }
}

/// The native build of the program, called through its C function pointer.
struct NativeBenchBody: BenchBody {
    let function: BenchNativeFunction.Body
    let base: UnsafeMutableRawPointer?
    let length: UInt64
    func run() throws -> UInt64 { function(base, length) }
}
