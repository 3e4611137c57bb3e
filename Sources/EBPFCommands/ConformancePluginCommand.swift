import ArgumentParser
import EBPF

#if canImport(Glibc)
import Glibc
#endif

/// `ebpf-conformance-plugin [MEMHEX] [--engine interpreter|jit]`: the plugin protocol of the
/// bpf_conformance runner. The program arrives on standard input as hex bytes; R0 leaves on
/// standard output in hex. A load or run error prints a message and exits 1.
///
/// Programs run with run-time checks (as the corpus includes programs no verifier is asked to
/// accept); `--verify` puts the verifier in front, with the memory size as the context size.
public struct ConformancePluginCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "ebpf-conformance-plugin",
        abstract: "Run one program for the bpf_conformance runner: bytecode hex on stdin, R0 on stdout.")

    @Argument(help: "The input memory as hex bytes (may be absent).")
    var memoryHex: String?

    @Option(help: "The engine: interpreter or jit.")
    var engine: Engine = .interpreter

    @Flag(help: "Verify the program before running it.")
    var verify = false

    public init() {}

    public func run() throws {
        try reportingFailures {
            var input = ""
            while let line = readLine(strippingNewline: false) { input += line }
            guard let code = HexBytes.parse(input) else {
                throw CommandFailure("standard input is not a sequence of hex bytes")
            }
            var memory: [UInt8] = []
            if let memoryHex {
                guard let bytes = HexBytes.parse(memoryHex) else {
                    throw CommandFailure("memory argument is not a sequence of hex bytes")
                }
                memory = bytes
            }
            let program = try ProgramLoader.load(bytes: code, format: .bytecode, path: "<stdin>")
            let configuration = ExecutionConfiguration(engine: engine, verify: verify, helpers: .conformance)
            let runner = try ExecutionPipeline.prepare(program, memorySize: memory.count, configuration: configuration)
            let result = try runner.run(&memory)
            print("0x" + String(result, radix: 16))
        }
    }
}
