import ArgumentParser
import EBPF
import Foundation

/// `ebpf jit PROGRAM --dump`: compiles a program and shows the x86-64 code of each instruction.
struct JITCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jit", abstract: "JIT-compile a program and show the machine code.")

    @OptionGroup var programOptions: ProgramOptions
    @OptionGroup var executionOptions: ExecutionOptions

    @Flag(help: "Print the x86-64 bytes generated for each eBPF instruction (and their disassembly when llvm-mc is on the PATH).")
    var dump = false

    func run() throws {
        try reportingFailures {
            let program = try programOptions.load()
            let configuration = executionOptions.configuration()
            let compiled = try JIT.compile(
                program, helpers: configuration.helpers, limits: configuration.limits,
                options: configuration.jitOptions)
            print("\(program.count) eBPF slots -> \(compiled.codeSize) bytes of x86-64 code")
            guard dump else { return }
            for line in JITDump.lines(program: program, compiled: compiled, disassembler: X86Disassembler.find()) {
                print(line)
            }
        }
    }
}
