import ArgumentParser
import EBPF
import Foundation

/// `ebpf asm IN.s -o OUT.bin`: assembles text into bytecode.
struct AsmCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "asm", abstract: "Assemble a text program into raw bytecode.")

    @Argument(help: "The assembly source.")
    var input: String

    @Option(name: .shortAndLong, help: "Where to write the bytecode.")
    var output: String

    func run() throws {
        try reportingFailures {
            let program = try ProgramLoader.load(path: input, format: .assembly)
            guard FileManager.default.createFile(atPath: output, contents: Data(program.bytes)) else {
                throw CommandFailure("cannot write '\(output)'")
            }
        }
    }
}
