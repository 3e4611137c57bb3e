import ArgumentParser

/// The `ebpf` command line tool.
public struct EBPFCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "ebpf",
        abstract: "Run, verify, assemble, disassemble and JIT-compile eBPF programs.",
        subcommands: [
            RunCommand.self, AsmCommand.self, DisasmCommand.self, JITCommand.self, VerifyCommand.self, MapCommand.self,
            BenchCommand.self, FilterCommand.self, ClassicCommand.self,
        ]
    )

    public init() {}
}
