import ArgumentParser
import EBPF
import Foundation

/// `ebpf jit PROGRAM --dump`: compiles a program and shows the x86-64 code of each instruction.
struct JITCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jit", abstract: "JIT-compile a program and show the machine code.")

    @OptionGroup var programOptions: ProgramOptions
    @OptionGroup var executionOptions: ExecutionOptions

    @Option(name: .customLong("context-size"), help: "Size in bytes of the input memory the verifier may assume; otherwise accesses must be proven against R2.")
    var contextSize: Int?

    @Flag(help: "Print the x86-64 bytes generated for each eBPF instruction (and their disassembly when llvm-mc is on the PATH).")
    var dump = false

    func run() throws {
        try reportingFailures {
            // Verified by default, as `run` does, so the dump shows the code that actually runs:
            // the checks the verifier's facts cover are left out.
            let (program, compiled, verified) = try programOptions.loadSource().compile(
                configuration: executionOptions.configuration(), memorySize: contextSize)
            let mode = verified ? "verified" : "unverified: all run-time checks"
            print("\(program.count) eBPF slots -> \(compiled.codeSize) bytes of x86-64 code (\(mode))")
            guard dump else { return }
            for line in JITDump.lines(program: program, compiled: compiled, disassembler: X86Disassembler.find()) {
                print(line)
            }
        }
    }
}
