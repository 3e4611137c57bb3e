import ArgumentParser

/// `ebpf cbpf translate|disasm`: classic BPF programs (tcpdump, seccomp) and their eBPF translation.
struct ClassicCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cbpf", abstract: "Show classic BPF programs and their eBPF translation.",
        subcommands: [ClassicTranslateCommand.self, ClassicDisasmCommand.self])
}
