import ArgumentParser
import EBPF
import Foundation

/// `ebpf cbpf translate (EXPRESSION | --filter-file F) [--kind socket|seccomp|packet] [-o OUT.bin]`.
struct ClassicTranslateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "translate",
        abstract: "Translate a classic BPF program to eBPF; print it one instruction a line with its index.",
        discussion: """
            --kind socket (the default): the context is the packet, as `ebpf run --mem PACKET` gives it. \
            packet: a 4-byte little-endian wire length, then the captured bytes (what `ebpf filter` runs). \
            seccomp: a 64-byte seccomp_data record.
            """)

    @OptionGroup var source: ClassicProgramOptions

    @Option(help: "The filter kind: socket, packet or seccomp.")
    var kind: ClassicKindArgument = .socket

    @Option(name: .shortAndLong, help: "Also write the eBPF bytecode here (for ebpf run, ebpf jit --dump).")
    var output: String?

    func run() throws {
        try reportingFailures {
            let (classic, name) = try source.load()
            let program = try TranslatedFilter.translate(classic, kind: kind.kind, name: name)
            if let output {
                guard FileManager.default.createFile(atPath: output, contents: Data(program.bytes)) else {
                    throw CommandFailure("cannot write '\(output)'")
                }
            }
            for line in Disassembler.listing(program) {
                print(DisasmCommand.indexColumn(line.index) + ": " + line.text)
            }
        }
    }
}
