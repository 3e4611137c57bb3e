import ArgumentParser
import ClassicBPF
import EBPF
import Foundation

/// `ebpf cbpf translate|disasm`: classic BPF programs (tcpdump, seccomp) and their eBPF translation.
struct ClassicCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cbpf", abstract: "Show classic BPF programs and their eBPF translation.",
        subcommands: [ClassicTranslateCommand.self, ClassicDisasmCommand.self])
}

/// The classic program argument shared by the `cbpf` subcommands.
struct ClassicProgramOptions: ParsableArguments {
    @Argument(help: "A tcpdump filter expression (several words are joined with spaces; needs the Libpcap trait).")
    var expression: [String] = []

    @Option(name: .customLong("filter-file"), help: "A classic BPF program (tcpdump -dd/-ddd text or raw sock_filter bytes) instead of an expression.")
    var filterFile: String?

    @Option(help: "Link type the expression is compiled for: ethernet, raw, linux-sll, null, ipv4, ipv6 or a LINKTYPE_ number.")
    var linktype: LinkType = .ethernet

    @Option(help: "Snap length the expression is compiled for (its `ret` value for a match).")
    var snaplen: UInt32 = 262_144

    func load() throws -> (program: ClassicProgram, name: String) {
        let source = try ClassicSource(expressionWords: expression, filterFile: filterFile)
        return (try source.load(linkType: linktype, snapLength: snaplen), source.name)
    }
}

/// `--kind`: what the classic program filters.
enum ClassicKindArgument: String, ExpressibleByArgument, CaseIterable {
    case socket, packet, seccomp

    var kind: ClassicFilterKind {
        switch self {
        case .socket: .socketFilter
        case .packet: .capturedPacket
        case .seccomp: .seccomp
        }
    }
}

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
