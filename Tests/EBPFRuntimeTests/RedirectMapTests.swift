import EBPF
import Testing

/// Devmaps, cpumaps and xskmaps (`RedirectMap`) and `bpf_redirect_map`: the kernel's flag and
/// fallback rules, the target recorded in the run's result.
@Suite struct RedirectMapTests {
    static func word(_ value: UInt32) -> [UInt8] { withUnsafeBytes(of: value.littleEndian, Array.init) }

    /// `xdp_redirect_map` from the corpus, its devmap slots 0 and 2 sent to interface 1 and its
    /// cpumap's CPU 0 set, on each engine.
    static func runs(_ packet: [UInt8], socket: UInt32? = nil) throws -> [XDPResult] {
        try Engine.allCases.map { engine in
            let object = try XDPCorpus.object("xdp_redirect_map")
            if let socket { try object.map(named: "xsks")!.update(key: word(0), value: word(socket)) }
            let program = try object.link("xdp_redirect_map")
            let runner = try program.prepare(configuration: ExecutionConfiguration(engine: engine))
            var frame = packet
            return try program.run(using: runner, xdp: &frame)
        }
    }

    static let cases: [(packet: [UInt8], socket: UInt32?, verdict: UInt32, redirect: PacketRedirect?)] = [
        // TCP to port 80 (slot 0) and 6 (slot 2): present, redirected to interface 1.
        (Packets.transport(protocol: 6, destinationPort: 80), nil, 4,
         PacketRedirect(interface: 1, flags: 0, map: .init(name: "tx_ports", type: .deviceMap, key: 0))),
        (Packets.transport(protocol: 6, destinationPort: 6), nil, 4,
         PacketRedirect(interface: 1, flags: 0, map: .init(name: "tx_ports", type: .deviceMap, key: 2))),
        // Slot 1 is empty: the fallback verdict in the flags (XDP_PASS).
        (Packets.transport(protocol: 6, destinationPort: 81), nil, 2, nil),
        // UDP from an even port: CPU 0; from an odd one: empty, XDP_DROP.
        (Packets.transport(protocol: 17, sourcePort: 4000, destinationPort: 53), nil, 4,
         PacketRedirect(interface: 0, flags: 0, map: .init(name: "cpus", type: .cpuMap, key: 0))),
        (Packets.transport(protocol: 17, sourcePort: 4001, destinationPort: 53), nil, 1, nil),
        // ICMP to socket slot 0: empty (XDP_PASS) unless Swift put a socket there.
        (Packets.ipv4(protocol: 1, payload: [8, 0, 0, 0, 0, 0, 0, 0]), nil, 2, nil),
        (Packets.ipv4(protocol: 1, payload: [8, 0, 0, 0, 0, 0, 0, 0]), 5, 4,
         PacketRedirect(interface: 0, flags: 0, map: .init(name: "xsks", type: .xdpSocketMap, key: 0))),
        // A broadcast redirects whatever the slot; the broadcast flags are recorded.
        (Packets.arp(), nil, 4, PacketRedirect(interface: 0, flags: 24, map: .init(name: "tx_ports", type: .deviceMap, key: 0))),
        // Flags outside the fallback verdict and the devmap's: XDP_ABORTED.
        (Packets.ethernet(type: 0x86dd, payload: [UInt8](repeating: 0, count: 40)), nil, 0, nil),
    ]

    @Test(arguments: cases)
    func redirectMapFollowsTheKernel(packet: [UInt8], socket: UInt32?, verdict: UInt32, redirect: PacketRedirect?) throws {
        for result in try Self.runs(packet, socket: socket) {
            #expect(result.action.rawValue == verdict)
            #expect(result.redirect == redirect)
        }
    }

    @Test func swiftSeesTheKernelsSlots() throws {
        let devices = try BPFMap.make(MapDefinition(type: .deviceMap, keySize: 4, valueSize: 4, maxEntries: 3))
        #expect(try devices.entries().isEmpty)
        try devices.update(key: Self.word(1), value: Self.word(9))
        #expect(try devices.lookup(key: Self.word(1)) == Self.word(9))
        #expect(throws: MapError.keyNotFound) { try devices.lookup(key: Self.word(0)) }
        #expect(throws: MapError.keyExists) { try devices.update(key: Self.word(0), value: Self.word(9), flags: .noExist) }
        #expect(throws: MapError.indexOutOfRange(index: 3, maxEntries: 3)) { try devices.update(key: Self.word(3), value: Self.word(9)) }
        // Every index iterates, as the kernel's devmap does.
        #expect(try devices.nextKey(after: nil) == Self.word(0))
        #expect(try devices.nextKey(after: Self.word(2)) == nil)
        try devices.delete(key: Self.word(1))
        #expect(try devices.entries().isEmpty)

        let cpus = try BPFMap.make(MapDefinition(type: .cpuMap, keySize: 4, valueSize: 4, maxEntries: 2))
        try cpus.update(key: Self.word(0), value: Self.word(64))
        #expect(throws: MapError.self) { try cpus.update(key: Self.word(0), value: Self.word(16385)) }
        try cpus.update(key: Self.word(0), value: Self.word(0))  // a queue size of 0 empties the slot
        #expect(try cpus.entries().isEmpty)

        let sockets = try BPFMap.make(MapDefinition(type: .xdpSocketMap, keySize: 4, valueSize: 4, maxEntries: 2))
        #expect(throws: MapError.keyNotFound) { try sockets.update(key: Self.word(0), value: Self.word(5), flags: .exist) }
        try sockets.update(key: Self.word(0), value: Self.word(5), flags: .noExist)
        #expect(throws: MapError.keyExists) { try sockets.update(key: Self.word(0), value: Self.word(6), flags: .noExist) }
        #expect(throws: MapError.self) { try sockets.lookup(key: Self.word(0)) }
        #expect(try (sockets as! RedirectMap).target(at: 0) == Self.word(5))
        #expect(throws: MapError.self) { try BPFMap.make(MapDefinition(type: .xdpSocketMap, keySize: 4, valueSize: 8, maxEntries: 2)) }
    }
}
