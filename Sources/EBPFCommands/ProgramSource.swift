import EBPF
import Foundation

/// What a program file turned into: a plain program (assembly or bytecode), or one program of an
/// ELF object linked against the object's maps.
enum ProgramSource {
    case plain(Program)
    case linked(LinkedProgram, LoadedObject)

    /// The program as the verifier and the disassembler see it (map references as handles).
    var program: Program {
        switch self {
        case .plain(let program): program
        case .linked(let linked, _): linked.verifierProgram
        }
    }

    /// What the pipeline prepares for this program (``PipelineInput``): the one path plain and
    /// linked programs share.
    var pipelineInput: PipelineInput {
        switch self {
        case .plain(let program): PipelineInput(program)
        case .linked(let linked, _): PipelineInput(linked)
        }
    }

    /// Verifies (unless turned off) and runs once over `memory`, returning R0.
    func run(configuration: ExecutionConfiguration, memory: inout [UInt8]) throws -> UInt64 {
        let runner = try ExecutionPipeline.prepare(pipelineInput, memorySize: memory.count, configuration: configuration)
        switch self {
        case .plain:
            return try runner.run(&memory)
        case .linked(let linked, _):
            return try linked.run(using: runner, bytes: &memory)
        }
    }

    /// Verifies as `configuration` asks; `nil` when verification is off.
    func verify(configuration: ExecutionConfiguration, memorySize: Int?) throws -> VerificationResult? {
        try ExecutionPipeline.verify(pipelineInput, memorySize: memorySize, configuration: configuration)
    }

    /// Compiles with the JIT (after verification unless turned off), with the facts the verifier found.
    func compile(configuration: ExecutionConfiguration, memorySize: Int?) throws -> (Program, CompiledProgram, verified: Bool) {
        let input = pipelineInput
        let verification = try ExecutionPipeline.verify(input, memorySize: memorySize, configuration: configuration)
        var statistics = CompilationStatistics()
        let compiled = try ExecutionPipeline.compile(
            input, facts: verification?.facts, configuration: configuration, statistics: &statistics)
        return (input.program, compiled, verification != nil)
    }
}
