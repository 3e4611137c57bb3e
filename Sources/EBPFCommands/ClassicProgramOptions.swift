import ArgumentParser
import ClassicBPF

/// The classic program argument shared by the `cbpf` subcommands.
struct ClassicProgramOptions: ParsableArguments {
    @Argument(help: "A tcpdump filter expression (several words are joined with spaces; compiled by the system's libpcap, loaded at run time).")
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
