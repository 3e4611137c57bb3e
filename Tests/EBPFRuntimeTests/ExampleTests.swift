import EBPF
import Testing

/// The three examples end to end: load the committed object, link, verify, run a packet mix
/// through the interpreter and the JIT, and compare results and map contents with what the C
/// source says should happen.
@Suite struct ExampleTests {
    /// Both engines, each with the verifier (checks left out where proven) and without (every
    /// access checked at run time against input, stack and map storage regions).
    static let configurations: [ExecutionConfiguration] = Engine.allCases.flatMap { engine in
        [true, false].map { ExecutionConfiguration(engine: engine, verify: $0) }
    }

    /// A packet mix: TCP to 22 (blocked), TCP to 80, UDP to 53, UDP to 3389 (blocked), ICMP, ARP,
    /// a runt frame, and IPv4 with protocol 0.
    static let packets: [[UInt8]] = [
        Packets.transport(protocol: 6, destinationPort: 22),
        Packets.transport(protocol: 6, destinationPort: 80),
        Packets.transport(protocol: 17, destinationPort: 53),
        Packets.transport(protocol: 17, destinationPort: 3389),
        Packets.ipv4(protocol: 1, payload: [UInt8](repeating: 0, count: 8)),
        Packets.arp(),
        [1, 2, 3],
        Packets.transport(protocol: 6, destinationPort: 80),
        Packets.ipv4(protocol: 0, payload: [UInt8](repeating: 0, count: 8)),
    ]

    static func load(
        _ name: String, program: String, configuration: ExecutionConfiguration
    ) throws -> (LoadedObject, LinkedProgram, any ProgramRunner & Sendable) {
        let loaded = try LoadedObject(bytes: try Fixtures.example(name))
        let linked = try loaded.link(program)
        let runner = try linked.prepare(configuration: configuration)
        return (loaded, linked, runner)
    }

    /// Every map of every example after the packet mix: identical whichever engine ran it, with
    /// or without verification.
    @Test(arguments: Fixtures.exampleNames)
    func mapContentsAgreeAcrossEngines(example: String) throws {
        var snapshots: [[String]] = []
        var results: [[UInt64]] = []
        for configuration in Self.configurations {
            let loaded = try LoadedObject(bytes: try Fixtures.example(example))
            let program = try #require(loaded.object.programs.first)
            let linked = try loaded.link(program)
            let runner = try linked.prepare(configuration: configuration)
            var returned: [UInt64] = []
            for packet in Self.packets {
                var bytes = packet
                returned.append(try linked.run(using: runner, bytes: &bytes, trace: TraceLog()))
            }
            results.append(returned)
            var snapshot: [String] = []
            for map in loaded.maps {
                if let ring = map as? RingBufferMap {
                    snapshot.append("\(map.name): \(ring.drain())")
                } else {
                    snapshot.append("\(map.name): \(try map.entries().map { "\($0.key)=\($0.value)" })")
                }
            }
            snapshots.append(snapshot)
        }
        #expect(Set(results.map { $0.description }).count == 1)
        #expect(Set(snapshots.map { $0.description }).count == 1)
        #expect(!snapshots[0].isEmpty)
    }

    @Test(arguments: configurations)
    func packetCounter(configuration: ExecutionConfiguration) throws {
        let (loaded, linked, runner) = try Self.load("packet_counter", program: "count_packets", configuration: configuration)
        let trace = TraceLog()
        for packet in Self.packets {
            var bytes = packet
            #expect(try linked.run(using: runner, bytes: &bytes, trace: trace) == 2)  // XDP_PASS
        }
        let counts = try #require(loaded.map(named: "counts")).entries(as: UInt32.self, UInt64.self)
        let byProtocol = Dictionary(uniqueKeysWithValues: counts.map { ($0.key, $0.value) })
        #expect(byProtocol == [6: 3, 17: 2, 1: 1, 0: 1])
        #expect(trace.lines.sorted() == ["new protocol 0\n", "new protocol 1\n", "new protocol 17\n", "new protocol 6\n"])
    }

    @Test(arguments: configurations)
    func portFilter(configuration: ExecutionConfiguration) throws {
        let (loaded, linked, runner) = try Self.load("port_filter", program: "filter_ports", configuration: configuration)
        var verdicts: [UInt64] = []
        for packet in Self.packets {
            var bytes = packet
            verdicts.append(try linked.run(using: runner, bytes: &bytes))
        }
        // XDP_DROP = 1 for the two blocked ports, XDP_PASS = 2 otherwise.
        #expect(verdicts == [1, 2, 2, 1, 2, 2, 2, 2, 2])
        let stats = try #require(loaded.map(named: "verdicts"))
        #expect(try stats.lookup(UInt32(0), as: UInt64.self) == 3)  // passed TCP/UDP
        #expect(try stats.lookup(UInt32(1), as: UInt64.self) == 2)  // dropped
        let bss = try #require(loaded.map(named: ".bss"))
        #expect(try bss.lookup(UInt32(0), as: UInt64.self) == UInt64(Self.packets.count))  // packets_seen
        let data = try #require(loaded.map(named: ".data"))
        #expect(try data.lookup(UInt32(0), as: UInt32.self) == 3389)  // last_blocked_port
    }

    @Test(arguments: configurations)
    func ringBufferEvents(configuration: ExecutionConfiguration) throws {
        let (loaded, linked, runner) = try Self.load("ringbuf_events", program: "emit_events", configuration: configuration)
        for packet in Self.packets {
            var bytes = packet
            #expect(try linked.run(using: runner, bytes: &bytes) == 2)
        }
        let ring = try #require(loaded.map(named: "events") as? RingBufferMap)
        let events = ring.drain().map(Event.init)
        // Frames of at least 34 bytes get a sequence number; IPv4 ones with protocol 0 are discarded.
        let expected: [Event] = [
            Event(sequence: 1, length: UInt32(Self.packets[0].count), ethertype: 0x0800, protocol: 6, kind: 1),
            Event(sequence: 2, length: UInt32(Self.packets[1].count), ethertype: 0x0800, protocol: 6, kind: 1),
            Event(sequence: 3, length: UInt32(Self.packets[2].count), ethertype: 0x0800, protocol: 17, kind: 1),
            Event(sequence: 4, length: UInt32(Self.packets[3].count), ethertype: 0x0800, protocol: 17, kind: 1),
            Event(sequence: 5, length: UInt32(Self.packets[4].count), ethertype: 0x0800, protocol: 1, kind: 1),
            Event(sequence: 6, length: UInt32(Self.packets[5].count), ethertype: 0x0806, protocol: 0, kind: 2),
            Event(sequence: 7, length: UInt32(Self.packets[7].count), ethertype: 0x0800, protocol: 6, kind: 1),
        ]
        #expect(events == expected)
        #expect(ring.pendingBytes == 0)
    }

    /// `struct event` of ringbuf_events.c, decoded field by field.
    struct Event: Equatable {
        var sequence: UInt64
        var length: UInt32
        var ethertype: UInt16
        var `protocol`: UInt8
        var kind: UInt8

        init(sequence: UInt64, length: UInt32, ethertype: UInt16, protocol: UInt8, kind: UInt8) {
            self.sequence = sequence
            self.length = length
            self.ethertype = ethertype
            self.protocol = `protocol`
            self.kind = kind
        }

        init(_ bytes: [UInt8]) {
            precondition(bytes.count == 16)
            sequence = bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
            length = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 8, as: UInt32.self) }
            ethertype = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 12, as: UInt16.self) }
            `protocol` = bytes[14]
            kind = bytes[15]
        }
    }
}
