import EBPFTestSupport
import Foundation
import Testing

/// `ebpf run FILE.o --program NAME` and `ebpf map dump` on the committed C examples
/// (examples/c: sources, objects and sample packets; the expected values follow from the C).
@Suite("ebpf with ELF objects")
struct ELFCommandTests {
    @Test("port filter: 1 for port 22, 2 for port 80, in both engines", arguments: ["interpreter", "jit"])
    func portFilter(engine: String) throws {
        for (packet, expected) in [("tcp_ssh.bin", "0x1\n"), ("tcp_http.bin", "0x2\n")] {
            let result = try ToolProcess.run("ebpf", [
                "run", "examples/c/port_filter.o", "--program", "filter_ports",
                "--mem", "examples/c/packets/\(packet)", "--engine", engine,
            ])
            #expect(result.status == 0, "stderr: \(result.standardError)")
            #expect(result.standardOutput == expected, "\(packet)")
        }
    }

    @Test("map dump counts packets per IP protocol after the runs", arguments: ["interpreter", "jit"])
    func mapDump(engine: String) throws {
        let result = try ToolProcess.run("ebpf", [
            "map", "dump", "examples/c/packet_counter.o", "--engine", engine,
            "--mem", "examples/c/packets/tcp_ssh.bin", "--mem", "examples/c/packets/tcp_http.bin",
            "--mem", "examples/c/packets/udp_dns.bin",
        ])
        #expect(result.status == 0, "stderr: \(result.standardError)")
        let lines = result.standardOutput.split(separator: "\n").map(String.init)
        // Two TCP packets (protocol 6) and one UDP packet (protocol 17), keys and counts little-endian.
        #expect(lines.contains("  key: 06 00 00 00  value: 02 00 00 00 00 00 00 00"))
        #expect(lines.contains("  key: 11 00 00 00  value: 01 00 00 00 00 00 00 00"))
    }

    @Test("an object with several programs needs --program; an unknown name is an error")
    func programChoice() throws {
        let missing = try ToolProcess.run("ebpf", ["run", "examples/c/port_filter.o", "--program", "nope", "--mem", "examples/c/packets/arp.bin"])
        #expect(missing.status == 1)
        #expect(missing.standardError.contains("nope"))
    }

    @Test("a truncated object is a clear error, not a crash")
    func truncatedObject() throws {
        let data = try Data(contentsOf: RepositoryLayout.root.appendingPathComponent("examples/c/port_filter.o"))
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("truncated-\(UUID()).o")
        try data.prefix(200).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let result = try ToolProcess.run("ebpf", ["run", url.path])
        #expect(result.status == 1)
        #expect(result.standardError.split(separator: "\n").count == 1, "stderr: \(result.standardError)")
    }
}
