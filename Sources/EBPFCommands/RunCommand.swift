import ArgumentParser
import EBPF

/// `ebpf run PROGRAM [--mem FILE | --mem-hex HEX] [--engine interpreter|jit]`: prints R0.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Verify and run a program; print R0 in hex.")

    @OptionGroup var programOptions: ProgramOptions
    @OptionGroup var memoryOptions: MemoryOptions
    @OptionGroup var executionOptions: ExecutionOptions

    func run() throws {
        try reportingFailures {
            let source = try programOptions.loadSource()
            var memory = try memoryOptions.bytes()
            let result = try source.run(configuration: executionOptions.configuration(), memory: &memory)
            print("0x" + String(result, radix: 16))
        }
    }
}
