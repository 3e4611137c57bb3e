import Dispatch
import EBPF
import Testing

/// Several threads running the same program on the same maps, and Swift threads using maps at
/// the same time.
@Suite struct ConcurrencyTests {
    /// Four threads run the packet counter (JIT and interpreter at once) over the same maps. The
    /// entries exist beforehand, so every increment is the program's atomic add and none is lost.
    @Test func programsShareMapsAcrossThreads() throws {
        let loaded = try LoadedObject(bytes: try Fixtures.example("packet_counter"))
        let linked = try loaded.link("count_packets")
        let runners = try Engine.allCases.map { try linked.prepare(configuration: ExecutionConfiguration(engine: $0)) }
        let counts = try #require(loaded.map(named: "counts"))
        for protocolNumber: UInt32 in [6, 17] { try counts.update(protocolNumber, UInt64(0)) }
        let tcp = Packets.transport(protocol: 6, destinationPort: 80)
        let udp = Packets.transport(protocol: 17, destinationPort: 53)
        let perThread = 2000
        DispatchQueue.concurrentPerform(iterations: 4) { thread in
            let runner = runners[thread % runners.count]
            for index in 0..<perThread {
                var packet = index % 2 == 0 ? tcp : udp
                _ = try? linked.run(using: runner, bytes: &packet, trace: TraceLog())
            }
        }
        #expect(try counts.lookup(UInt32(6), as: UInt64.self) == UInt64(2 * perThread))
        #expect(try counts.lookup(UInt32(17), as: UInt64.self) == UInt64(2 * perThread))
    }

    /// Threads insert disjoint keys, look them up and delete half, all at once.
    @Test(arguments: [MapType.hash, .lruHash])
    func swiftThreadsShareAHashMap(type: MapType) throws {
        let map = try BPFMap.make(MapDefinition(type: type, keySize: 4, valueSize: 8, maxEntries: 4096))
        DispatchQueue.concurrentPerform(iterations: 4) { thread in
            for index in 0..<500 {
                let key = UInt32(thread * 1000 + index)
                try? map.update(key, UInt64(key) * 3)
                if let value = try? map.lookup(key, as: UInt64.self) { precondition(value == UInt64(key) * 3) }
                if index % 2 == 1 { try? map.delete(key) }
            }
        }
        let entries = try map.entries(as: UInt32.self, UInt64.self)
        #expect(entries.count == 4 * 250)
        #expect(entries.allSatisfy { $0.key % 2 == 0 && $0.value == UInt64($0.key) * 3 })
    }

    /// Producers on several threads, one consumer: every record arrives exactly once.
    @Test func ringBufferWithConcurrentProducers() throws {
        let ring = try #require(try BPFMap.make(MapDefinition(type: .ringBuffer, keySize: 0, valueSize: 0, maxEntries: 1 << 16)) as? RingBufferMap)
        DispatchQueue.concurrentPerform(iterations: 4) { thread in
            for index in 0..<500 {
                let record = withUnsafeBytes(of: UInt32(thread * 1000 + index)) { Array($0) }
                record.withUnsafeBytes { bytes in
                    while (try? ring.output(bytes)) == nil {}  // full: wait for room (never, at this size)
                }
            }
        }
        let values = ring.drain().map { $0.withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) } }
        #expect(values.count == 2000)
        #expect(Set(values).count == 2000)
        // Each producer's records stay in its own order.
        for thread in 0..<4 {
            let own = values.filter { Int($0) / 1000 == thread }
            #expect(own == own.sorted())
        }
    }
}
