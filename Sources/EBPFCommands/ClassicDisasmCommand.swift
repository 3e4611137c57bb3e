import ArgumentParser
import ClassicBPF

/// `ebpf cbpf disasm (EXPRESSION | --filter-file F) [--style d|dd|ddd]`.
struct ClassicDisasmCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "disasm", abstract: "Print a classic BPF program as tcpdump -d (or -dd, -ddd) does.")

    enum Style: String, ExpressibleByArgument, CaseIterable {
        case d, dd, ddd
    }

    @OptionGroup var source: ClassicProgramOptions

    @Option(help: "Output form: d (readable), dd (C array) or ddd (decimal).")
    var style: Style = .d

    func run() throws {
        try reportingFailures {
            let classic = try source.load().program
            switch style {
            case .d: print(ClassicDisassembler.text(of: classic), terminator: "")
            case .dd: print(classic.tcpdumpDD, terminator: "")
            case .ddd: print(classic.tcpdumpDDD, terminator: "")
            }
        }
    }
}
