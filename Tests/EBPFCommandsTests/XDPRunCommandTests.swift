import ClassicBPF
import EBPFTestSupport
import Foundation
import Testing

@Suite("ebpf run --packet (XDP programs)")
struct XDPRunCommandTests {
    @Test("an XDP program prints its verdict and writes the packet it left", arguments: ["interpreter", "jit"])
    func reflect(engine: String) throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("ebpf-xdp-\(UUID()).bin")
        defer { try? FileManager.default.removeItem(at: output) }
        let input = "examples/c/packets/tcp_http.bin"
        let result = try ToolProcess.run(
            "ebpf", ["run", "Tests/Corpus/xdp/xdp_reflect.o", "--packet", input, "--packet-out", output.path, "--engine", engine])
        #expect(result.status == 0, "stderr: \(result.standardError)")
        #expect(result.standardOutput == "3 XDP_TX\n")
        let frame = Array(try Data(contentsOf: RepositoryLayout.root.appendingPathComponent(input)))
        let written = Array(try Data(contentsOf: output))
        #expect(written == Array(frame[6..<12] + frame[0..<6] + frame[12...]))
    }

    @Test("socket and tc programs print their result", arguments: [
        ("Tests/Corpus/skb/tc_drop_ports.o", "examples/c/packets/tcp_ssh.bin", "2 TC_ACT_SHOT\nmark=6\n"),
        ("Tests/Corpus/skb/tc_drop_ports.o", "examples/c/packets/tcp_http.bin", "0 TC_ACT_OK\nmark=6\n"),
        ("Tests/Corpus/skb/socket_tcp_port.o", "examples/c/packets/tcp_http.bin", "96\n"),
    ])
    func socketBuffer(program: String, packet: String, expected: String) throws {
        let result = try ToolProcess.run("ebpf", ["run", program, "--packet", packet])
        #expect(result.status == 0, "stderr: \(result.standardError)")
        #expect(result.standardOutput == expected)
    }

    @Test("filter --program counts each verdict over a capture and writes the packets let through", arguments: ["interpreter", "jit"])
    func filterProgram(engine: String) throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("ebpf-xdp-\(UUID()).pcap")
        defer { try? FileManager.default.removeItem(at: output) }
        let result = try ToolProcess.run(
            "ebpf", ["filter", "--program", "Tests/Corpus/xdp/xdp_vlan_push.o", "examples/sample.pcap", "-w", output.path, "--engine", engine])
        #expect(result.status == 0, "stderr: \(result.standardError)")
        let lines = result.standardOutput.split(separator: "\n")
        #expect(lines.first == "100 packets, xdp_vlan_push (xdp):")
        var counts: [String: Int] = [:]
        for line in lines.dropFirst() {
            let parts = line.split(separator: " ", maxSplits: 1)
            counts[parts[1].trimmingCharacters(in: .whitespaces)] = Int(parts[0])
        }
        #expect(counts.values.reduce(0, +) == 100)
        // XDP_TX (tagged) and XDP_PASS (already tagged) packets are written, as the program left them.
        var reader = try CaptureReader(contentsOf: output.path)
        let written = try reader.readAll()
        #expect(written.count == (counts["3 XDP_TX"] ?? 0) + (counts["2 XDP_PASS"] ?? 0))
        #expect(written.filter { $0.packet.data.count > 13 && $0.packet.data[12] == 0x81 && $0.packet.data[13] == 0x00 }.count >= counts["3 XDP_TX"] ?? 0)
    }

    @Test("an XDP program without --packet, and --packet with a raw program, are errors", arguments: [
        (["run", "Tests/Corpus/xdp/xdp_pass.o"], "--packet"),
        (["run", "examples/c/packet_counter.o", "--packet", "examples/c/packets/arp.bin"], "raw program"),
    ])
    func misuse(arguments: [String], fragment: String) throws {
        let result = try ToolProcess.run("ebpf", arguments)
        #expect(result.status == 1)
        #expect(result.standardError.contains(fragment), "stderr: \(result.standardError)")
    }
}
