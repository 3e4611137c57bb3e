import ArgumentParser
import EBPF

/// `ebpf map dump FILE.o [--program NAME --mem PACKET ...]`: the maps of an object, after running a
/// program of it over zero or more inputs (maps live as long as the process, so runs and dump
/// happen in one invocation).
struct MapCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "map", abstract: "Inspect the maps of an ELF object.", subcommands: [Dump.self])

    struct Dump: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print every map of an object, optionally after running one of its programs over inputs.")

        @OptionGroup var programOptions: ProgramOptions
        @OptionGroup var executionOptions: ExecutionOptions

        @Option(name: .customLong("mem"), help: "An input file to run the program over before dumping; repeat to run several times.")
        var inputs: [String] = []

        func run() throws {
            try reportingFailures {
                guard case .linked(let linked, let object) = try programOptions.loadSource() else {
                    throw CommandFailure("\(programOptions.program): map dump needs an ELF object (.o)")
                }
                for input in inputs {
                    var memory = try MemoryOptions(mem: input).bytes()
                    let runner = try linked.prepare(configuration: executionOptions.configuration(), memorySize: memory.count)
                    let result = try linked.run(using: runner, bytes: &memory)
                    print("\(input): 0x\(String(result, radix: 16))")
                }
                for map in object.maps {
                    try map.dump().forEach { print($0) }
                }
            }
        }
    }
}
