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

    /// Verifies (unless turned off) and runs once over `memory`, returning R0.
    func run(configuration: ExecutionConfiguration, memory: inout [UInt8]) throws -> UInt64 {
        switch self {
        case .plain(let program):
            let runner = try ExecutionPipeline.prepare(program, memorySize: memory.count, configuration: configuration)
            return try runner.run(&memory)
        case .linked(let linked, _):
            let runner = try linked.prepare(configuration: configuration, memorySize: memory.count)
            return try linked.run(using: runner, bytes: &memory)
        }
    }

    /// Verifies as `configuration` asks; `nil` when verification is off.
    func verify(configuration: ExecutionConfiguration, memorySize: Int?) throws -> VerificationResult? {
        switch self {
        case .plain(let program):
            try ExecutionPipeline.verify(program, memorySize: memorySize, configuration: configuration)
        case .linked(let linked, _):
            try linked.verify(configuration: configuration, memorySize: memorySize)
        }
    }

    /// Compiles with the JIT (after verification unless turned off), with the facts the verifier found.
    func compile(configuration: ExecutionConfiguration, memorySize: Int?) throws -> (Program, CompiledProgram, verified: Bool) {
        let verification = try verify(configuration: configuration, memorySize: memorySize)
        switch self {
        case .plain(let program):
            let compiled = try JIT.compile(
                program, helpers: configuration.helpers, limits: configuration.limits, facts: verification?.facts,
                options: configuration.jitOptions)
            return (program, compiled, verification != nil)
        case .linked(let linked, _):
            let compiled = try JIT.compile(
                linked.program, helpers: linked.helpers, limits: configuration.limits,
                facts: verification.map { linked.extend($0.facts) }, options: configuration.jitOptions,
                extraRegions: linked.regions)
            return (linked.program, compiled, verification != nil)
        }
    }
}
