import EBPF
import Foundation
import Testing

/// The complete example of docs/runtime.md, with its printed results as expectations.
@Suite struct DocumentationExampleTests {
    @Test func packetCounterExample() throws {
        let root = Fixtures.repositoryRoot.path
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: "\(root)/examples/c/packet_counter.o")))
        let object = try LoadedObject(bytes: bytes)
        let program = try object.link("count_packets")
        let runner = try program.prepare(configuration: ExecutionConfiguration(engine: .jit))
        let trace = TraceLog()
        for name in ["tcp_http", "tcp_ssh", "udp_dns", "arp"] {
            var packet = Array(try Data(contentsOf: URL(fileURLWithPath: "\(root)/examples/c/packets/\(name).bin")))
            let verdict = try program.run(using: runner, bytes: &packet, trace: trace)
            #expect(verdict == 2, "\(name)")
        }
        let counts = try #require(object.map(named: "counts"))
        let entries = try counts.entries(as: UInt32.self, UInt64.self)
        #expect(Dictionary(uniqueKeysWithValues: entries.map { ($0.key, $0.value) }) == [6: 2, 17: 1])
        #expect(trace.lines == ["new protocol 6\n", "new protocol 17\n"])
    }

    /// The sample packets hold what the documentation says.
    @Test func samplePackets() throws {
        let root = Fixtures.repositoryRoot.path
        func packet(_ name: String) throws -> [UInt8] {
            Array(try Data(contentsOf: URL(fileURLWithPath: "\(root)/examples/c/packets/\(name).bin")))
        }
        #expect(try packet("tcp_ssh") == Packets.transport(protocol: 6, destinationPort: 22))
        #expect(try packet("tcp_http") == Packets.transport(protocol: 6, destinationPort: 80))
        #expect(try packet("udp_dns") == Packets.transport(protocol: 17, destinationPort: 53))
        #expect(try packet("arp") == Packets.arp())
    }
}
