import ArgumentParser
import ClassicBPF
import EBPF
import Foundation

/// `ebpf filter EXPRESSION CAPTURE [--engine interpreter|jit] [--count] [-w OUT.pcap]`: runs a
/// tcpdump filter over a pcap or pcapng capture as translated eBPF. `ebpf filter --program
/// PROG.o CAPTURE [-w OUT.pcap]` runs an XDP, socket or tc program instead (``PacketProgramFilter``).
struct FilterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "filter",
        abstract: "Filter a pcap or pcapng capture with a tcpdump expression or classic BPF program, run as eBPF.",
        discussion: """
            The expression is compiled by libpcap for the capture's link type and snap length (the system's \
            libpcap, loaded at run time: package libpcap0.8 on Debian/Ubuntu, libpcap on Fedora and Alpine; \
            EBPF_LIBPCAP_PATH names another file); --filter-file takes a classic program instead (tcpdump -dd or \
            -ddd text, or raw sock_filter bytes). A packet matches when the filter returns non-zero; \
            with -w a return below the captured length truncates the packet written.
            """)

    @Argument(help: ArgumentHelp(
        "The filter expression (tcpdump syntax; several words are joined with spaces) followed by the capture file.",
        valueName: "expression> <capture"))
    var words: [String] = []

    @Option(name: .customLong("filter-file"), help: "A classic BPF program (tcpdump -dd/-ddd text or raw sock_filter bytes) instead of an expression.")
    var filterFile: String?

    @Option(name: .customLong("program"), help: "An ELF object whose XDP, socket or tc program runs over the capture instead of a filter expression: prints the count of each verdict; -w writes the packets it lets through as it left them.")
    var programFile: String?

    @Option(name: .customLong("function"), help: "With --program: the program to run when the object has several.")
    var function: String?

    @Option(help: "The engine: interpreter or jit.")
    var engine: Engine = .jit

    @Flag(help: "Print only the number of matching packets.")
    var count = false

    @Option(name: .customShort("w"), help: ArgumentHelp("Write the matching packets to this classic pcap file.", valueName: "out.pcap"))
    var output: String?

    func run() throws {
        try reportingFailures {
            guard let capturePath = words.last else { throw CommandFailure("give a capture file (pcap or pcapng)") }
            if let programFile {
                guard words.count == 1, filterFile == nil else { throw CommandFailure("--program takes only a capture file, no expression") }
                let filter = try PacketProgramFilter(path: programFile, name: function)
                let capture = try CaptureContents(path: capturePath)
                let (lines, kept) = try filter.run(capture.records, engine: engine)
                if let output {
                    var writer = PcapWriter(header: capture.outputHeader)
                    for packet in kept { writer.write(packet) }
                    do { try writer.write(toFile: output) } catch { throw CommandFailure("\(error)") }
                }
                for line in lines { print(line) }
                return
            }
            let source = try ClassicSource(expressionWords: Array(words.dropLast()), filterFile: filterFile)
            let capture = try CaptureContents(path: capturePath)
            let classic = try source.load(linkType: capture.linkType, snapLength: capture.snapLength)
            let filter = try TranslatedFilter(classic, kind: .capturedPacket, name: source.name, engine: engine)
            let outcome = try filter.run(over: capture.records.map(\.packet))

            if let output {
                var writer = PcapWriter(header: capture.outputHeader)
                for (index, result) in outcome.results.enumerated() where result != 0 {
                    var packet = capture.records[index].packet
                    // As the kernel and BPF devices do (libpcap's own offline path only tests for
                    // non-zero): keep at most `result` bytes; the wire length stays as it was.
                    if result < UInt64(packet.data.count) { packet.data.removeSubrange(Int(result)...) }
                    writer.write(packet)
                }
                do {
                    try writer.write(toFile: output)
                } catch {
                    throw CommandFailure("\(error)")
                }
            }
            if count {
                print(outcome.matches)
            } else {
                print("\(outcome.matches) of \(capture.records.count) packets matched")
                print(Self.rateLine(engine: engine, packets: capture.records.count, elapsed: outcome.elapsed))
            }
        }
    }

    /// `jit: 1.234 ms, 3.24 M packets/s`.
    static func rateLine(engine: Engine, packets: Int, elapsed: Duration) -> String {
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let rate = seconds > 0 ? Double(packets) / seconds : 0
        return "\(engine.rawValue): " + String(format: "%.3f ms, %.2f M packets/s", seconds * 1e3, rate / 1e6)
    }
}
