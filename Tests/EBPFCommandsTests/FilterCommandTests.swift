import ClassicBPF
import EBPFTestSupport
import Foundation
import PcapOracle
import Testing

@Suite("ebpf filter")
struct FilterCommandTests {
    typealias Files = ClassicCLIFiles

    static let engines = ["interpreter", "jit"]

    /// `--filter-file` (each text and byte form) with each engine: the count, the summary lines,
    /// and the packets `-w` writes all follow from the reference classic interpreter.
    @Test(arguments: Files.programs, engines)
    func filterFileMatchesTheReference(program: Files.HandProgram, engine: String) throws {
        let files = try Files()
        defer { files.remove() }
        let capture = try files.write(Files.pcapBytes, to: "capture.pcap")
        let filter = try files.write(program.fileBytes, to: "filter.\(program.form.rawValue)")
        let results = Files.packets.map { ClassicInterpreter.run(program.program, packet: $0.data, wireLength: $0.originalLength) }
        let matches = results.filter { $0 != 0 }.count
        #expect(matches > 0 && matches < Files.packets.count, "\(matches) matches prove little")

        let summary = try ToolProcess.run("ebpf", ["filter", "--filter-file", filter, capture, "--engine", engine])
        #expect(summary.status == 0, "stderr: \(summary.standardError)")
        let lines = summary.standardOutput.split(separator: "\n").map(String.init)
        #expect(lines.count == 2)
        #expect(lines.first == "\(matches) of \(Files.packets.count) packets matched")
        #expect(lines.last?.hasPrefix("\(engine): ") == true && lines.last?.hasSuffix(" M packets/s") == true, "\(lines)")

        let count = try ToolProcess.run("ebpf", ["filter", "--filter-file", filter, capture, "--engine", engine, "--count"])
        #expect(count.status == 0 && count.standardOutput == "\(matches)\n", "\(count.standardOutput)\(count.standardError)")

        let output = files.path("out.pcap")
        let written = try ToolProcess.run("ebpf", ["filter", "--filter-file", filter, capture, "--engine", engine, "-w", output])
        #expect(written.status == 0, "stderr: \(written.standardError)")
        var reader = try PcapReader(contentsOf: output)
        #expect(reader.header == Files.pcapHeader)
        #expect(try reader.readAll() == Files.expectedOutput(Files.packets, results: results))
    }

    /// The same packets as pcapng give the same matches; `-w` writes classic pcap with
    /// nanosecond timestamps.
    @Test func pcapngInput() throws {
        let files = try Files()
        defer { files.remove() }
        let capture = try files.write(Files.pcapngBytes, to: "capture.pcapng")
        let program = Files.programs[3]
        let filter = try files.write(program.fileBytes, to: "filter.ddd")
        let results = Files.packets.map { ClassicInterpreter.run(program.program, packet: $0.data, wireLength: $0.originalLength) }
        let output = files.path("out.pcap")
        let run = try ToolProcess.run("ebpf", ["filter", "--filter-file", filter, capture, "-w", output])
        #expect(run.status == 0, "stderr: \(run.standardError)")
        #expect(run.standardOutput.hasPrefix("\(results.filter { $0 != 0 }.count) of \(Files.packets.count) packets matched\n"))
        var reader = try PcapReader(contentsOf: output)
        #expect(reader.header == PcapHeader(linkType: .ethernet, snapLength: 65535, precision: .nanoseconds))
        #expect(try reader.readAll() == Files.expectedOutput(Files.packets, results: results))
    }

    static let failures: [(name: String, arguments: [String], fragment: String)] = [
        ("missing capture", ["--filter-file", "FILTER", "no-such.pcap"], "no-such.pcap: fopen failed"),
        ("missing filter file", ["--filter-file", "no-such.ddd", "CAPTURE"], "no-such.ddd: cannot read file"),
        ("truncated capture", ["--filter-file", "FILTER", "TRUNCATED"], "truncated packet data at byte offset 40"),
        ("not a capture", ["--filter-file", "FILTER", "FILTER"], "not a pcap or pcapng file"),
        ("checker rejection", ["--filter-file", "BADJUMP", "CAPTURE"], "instruction 0: jump to 6 is past the end"),
        ("malformed filter text", ["--filter-file", "BADTEXT", "CAPTURE"], "line 2"),
        ("no capture", [], "give a capture file"),
        ("both sources", ["ip", "--filter-file", "FILTER", "CAPTURE"], "not both"),
        ("mixed link types", ["--filter-file", "FILTER", "MIXED"], "link types 1, 101"),
    ]

    @Test(arguments: failures.indices)
    func errorsAreOneLine(index: Int) throws {
        let (name, arguments, fragment) = Self.failures[index]
        let files = try Files()
        defer { files.remove() }
        var mixed = PcapngBuilder()
        mixed.sectionHeader()
        mixed.interface(linkType: 1, snapLength: 0)
        mixed.interface(linkType: 101, snapLength: 0)
        mixed.enhancedPacket(interface: 0, timestamp: 0, data: [1, 2, 3])
        mixed.enhancedPacket(interface: 1, timestamp: 0, data: [0x45])
        let substitutions = [
            "FILTER": try files.write(Files.programs[0].fileBytes, to: "filter.ddd"),
            "CAPTURE": try files.write(Files.pcapBytes, to: "capture.pcap"),
            // The first record (at 24) says 10 captured bytes; 7 follow its header at 40.
            "TRUNCATED": try files.write(PcapWriter().bytes + [1, 0, 0, 0, 0, 0, 0, 0, 10, 0, 0, 0, 60, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7], to: "truncated.pcap"),
            "BADJUMP": try files.write(Array("2\n21 5 0 1\n6 0 0 0\n".utf8), to: "badjump.ddd"),
            "BADTEXT": try files.write(Array("2\n21 0 0\n6 0 0 0\n".utf8), to: "badtext.ddd"),
            "MIXED": try files.write(mixed.bytes, to: "mixed.pcapng"),
        ]
        let result = try ToolProcess.run("ebpf", ["filter"] + arguments.map { substitutions[$0] ?? $0 })
        #expect(result.status == 1, "\(name)")
        #expect(result.standardOutput.isEmpty, "\(name)")
        #expect(result.standardError.split(separator: "\n").count == 1, "\(name): \(result.standardError)")
        #expect(result.standardError.hasPrefix("error: ") && result.standardError.contains(fragment), "\(name): \(result.standardError)")
    }

    static let expressions = [
        "tcp port 80 and host 10.0.0.1", "ip6 and udp", "vlan and tcp", "greater 100", "tcp[tcpflags] & tcp-syn != 0",
        "not ip and not ip6", "udp port 53 or arp",
    ]

    /// Expressions compiled by the command for the capture's link type and snap length: the count
    /// must equal libpcap's `bpf_filter` over the same packets, and `-w` must write those packets.
    /// Skipped where the system's libpcap cannot be loaded (the runtime library is not installed).
    @Test(.libpcapLoads, arguments: expressions, engines)
    func expressionsMatchLibpcap(expression: String, engine: String) throws {
        let files = try Files()
        defer { files.remove() }
        let capture = try files.write(Files.pcapBytes, to: "capture.pcap")
        let libpcap = try LibpcapFilter(try PcapCompiler.compile(expression: expression, linkType: .ethernet, snaplen: 65535))
        let results = Files.packets.map { packet in packet.data.withUnsafeBytes { libpcap.run(packet: $0, wireLength: packet.originalLength) } }
        let matches = results.filter { $0 != 0 }.count
        #expect(matches > 0 && matches < Files.packets.count)
        let output = files.path("out.pcap")
        // The expression as separate words, the way a shell passes `ebpf filter tcp port 80 FILE`.
        let words = expression.split(separator: " ").map(String.init)
        let run = try ToolProcess.run("ebpf", ["filter"] + words + [capture, "--engine", engine, "-w", output])
        #expect(run.status == 0, "stderr: \(run.standardError)")
        #expect(run.standardOutput.hasPrefix("\(matches) of \(Files.packets.count) packets matched\n"), "\(run.standardOutput)")
        var reader = try PcapReader(contentsOf: output)
        #expect(try reader.readAll() == Files.expectedOutput(Files.packets, results: results))
        let countOutput = files.path("count.pcap")
        let count = try ToolProcess.run("ebpf", ["filter", expression, capture, "--engine", engine, "--count", "-w", countOutput])
        #expect(count.standardOutput == "\(matches)\n", "\(count.standardError)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: countOutput)) == Data(contentsOf: URL(fileURLWithPath: output)))
    }

    @Test(.libpcapLoads)
    func libpcapErrorsAreOneLine() throws {
        let files = try Files()
        defer { files.remove() }
        let capture = try files.write(Files.pcapBytes, to: "capture.pcap")
        for (arguments, fragment) in [
            (["tcp port", capture], "cannot compile 'tcp port': can't parse filter expression: syntax error"),
            (["ip6 protochain 6", capture], "classic program rejected: instruction"),
        ] {
            let result = try ToolProcess.run("ebpf", ["filter"] + arguments)
            #expect(result.status == 1)
            #expect(result.standardError.split(separator: "\n").count == 1)
            #expect(result.standardError.contains(fragment), "\(result.standardError)")
        }
    }

    /// Where libpcap cannot be loaded (simulated with `EBPF_LIBPCAP_PATH` naming a missing file),
    /// an expression is one line that names the package to install; `--filter-file` still works.
    /// Runs whether or not libpcap is installed.
    @Test func missingLibpcapIsOneLine() throws {
        let files = try Files()
        defer { files.remove() }
        let capture = try files.write(Files.pcapBytes, to: "capture.pcap")
        let missing = files.path("no-such-libpcap.so.1")
        let environment = [Libpcap.pathVariable: missing]
        for arguments in [["filter", "tcp port 80", capture], ["cbpf", "disasm", "ip"], ["cbpf", "translate", "udp"]] {
            let result = try ToolProcess.run("ebpf", arguments, environment: environment)
            #expect(result.status == 1, "\(arguments)")
            #expect(result.standardOutput.isEmpty)
            #expect(result.standardError.split(separator: "\n").count == 1, "\(result.standardError)")
            #expect(result.standardError.hasPrefix("error: filter expressions need libpcap, which could not be loaded (tried \(missing): "), "\(result.standardError)")
            #expect(result.standardError.contains("Debian/Ubuntu: libpcap0.8; Fedora: libpcap; Alpine: libpcap"), "\(result.standardError)")
            #expect(result.standardError.contains("--filter-file"), "\(result.standardError)")
        }
        let program = try files.write(Files.programs[0].fileBytes, to: "filter.ddd")
        let fromFile = try ToolProcess.run("ebpf", ["filter", "--filter-file", program, capture, "--count"], environment: environment)
        #expect(fromFile.status == 0, "\(fromFile.standardError)")
    }

    static let tcpdump = ["/usr/bin/tcpdump", "/usr/sbin/tcpdump", "/usr/local/bin/tcpdump", "/usr/local/sbin/tcpdump"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    /// tcpdump as the oracle, with or without libpcap in this process: `tcpdump -dd` compiles the
    /// expression for the capture, `ebpf filter --filter-file` runs it, and the file `-w` writes
    /// must be byte for byte the one `tcpdump -r CAPTURE -w OUT EXPRESSION` writes.
    @Test(.enabled(if: tcpdump != nil, "tcpdump is not installed"), arguments: ["tcp port 80 and host 10.0.0.1", "vlan and udp", "ip6 and not icmp6"])
    func sameFileAsTcpdump(expression: String) throws {
        let tcpdump = URL(fileURLWithPath: try #require(Self.tcpdump))
        let files = try Files()
        defer { files.remove() }
        let capture = try files.write(Files.pcapBytes, to: "capture.pcap")
        let compiled = try ToolProcess.run(executable: tcpdump, ["-dd", "-r", capture, expression])
        #expect(compiled.status == 0, "\(compiled.standardError)")
        let filter = try files.write(Array(compiled.standardOutput.utf8), to: "filter.dd")
        let (ours, theirs) = (files.path("ours.pcap"), files.path("theirs.pcap"))
        let run = try ToolProcess.run("ebpf", ["filter", "--filter-file", filter, capture, "-w", ours])
        #expect(run.status == 0, "\(run.standardError)")
        let reference = try ToolProcess.run(executable: tcpdump, ["-r", capture, "-w", theirs, expression])
        #expect(reference.status == 0, "\(reference.standardError)")
        let written = try Data(contentsOf: URL(fileURLWithPath: ours))
        #expect(written.count > PcapHeader.byteCount)
        #expect(written == (try Data(contentsOf: URL(fileURLWithPath: theirs))))
    }

    /// examples/sample.pcap is a generated capture (seed 7, 100 packets); set
    /// EBPF_REGENERATE_EXAMPLES=1 to write it again.
    @Test func sampleCaptureIsTheGeneratedOne() throws {
        var generator = CaptureGenerator(seed: 7)
        var writer = PcapWriter(header: PcapHeader(linkType: .ethernet, snapLength: 65535))
        writer.write(contentsOf: generator.packets(count: 100))
        let path = RepositoryLayout.root.appendingPathComponent("examples/sample.pcap").path
        if ProcessInfo.processInfo.environment["EBPF_REGENERATE_EXAMPLES"] != nil {
            try writer.write(toFile: path)
        }
        #expect(Array(try Data(contentsOf: URL(fileURLWithPath: path))) == writer.bytes)
    }

    /// The README's example: examples/tcp.dd is `tcpdump -dd -r examples/sample.pcap tcp`, and
    /// `ebpf filter` with it (or, with libpcap, with the expression) counts what the reference
    /// interpreter counts.
    @Test func readmeExample() throws {
        let text = try String(contentsOf: RepositoryLayout.root.appendingPathComponent("examples/tcp.dd"), encoding: .utf8)
        let program = try ClassicProgram(tcpdumpDD: text)
        var generator = CaptureGenerator(seed: 7)
        let expected = generator.packets(count: 100).filter { ClassicInterpreter.run(program, packet: $0.data, wireLength: $0.originalLength) != 0 }.count
        #expect(expected > 0)
        let run = try ToolProcess.run("ebpf", ["filter", "--filter-file", "examples/tcp.dd", "examples/sample.pcap"])
        #expect(run.standardOutput.hasPrefix("\(expected) of 100 packets matched\n"), "\(run.standardOutput)\(run.standardError)")
        if let tcpdump = Self.tcpdump {
            let compiled = try ToolProcess.run(executable: URL(fileURLWithPath: tcpdump), ["-dd", "-r", "examples/sample.pcap", "tcp"])
            #expect(compiled.standardOutput == text)
        }
        if Libpcap.isAvailable {
            let expression = try ToolProcess.run("ebpf", ["filter", "tcp", "examples/sample.pcap", "--count"])
            #expect(expression.standardOutput == "\(expected)\n", "\(expression.standardError)")
        }
    }
}
