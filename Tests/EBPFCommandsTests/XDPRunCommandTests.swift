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
        ("Tests/Corpus/skb/tc_drop_ports.o", "examples/c/packets/tcp_ssh.bin", "2 TC_ACT_SHOT\n"),
        ("Tests/Corpus/skb/tc_drop_ports.o", "examples/c/packets/tcp_http.bin", "0 TC_ACT_OK\n"),
        ("Tests/Corpus/skb/socket_tcp_port.o", "examples/c/packets/tcp_http.bin", "96\n"),
    ])
    func socketBuffer(program: String, packet: String, expected: String) throws {
        let result = try ToolProcess.run("ebpf", ["run", program, "--packet", packet])
        #expect(result.status == 0, "stderr: \(result.standardError)")
        #expect(result.standardOutput == expected)
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
