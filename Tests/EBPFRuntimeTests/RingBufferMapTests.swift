import EBPFRuntime
import Testing

@Suite struct RingBufferMapTests {
    func makeRing(size: Int = 4096) throws -> RingBufferMap {
        try #require(try BPFMap.make(MapDefinition(type: .ringBuffer, keySize: 0, valueSize: 0, maxEntries: size)) as? RingBufferMap)
    }

    @Test func recordsComeOutInOrder() throws {
        let ring = try makeRing()
        for length in [1, 8, 13, 0] {
            let bytes = [UInt8](repeating: UInt8(length), count: length)
            try bytes.withUnsafeBytes { try ring.output($0) }
        }
        #expect(ring.drain() == [[1], [UInt8](repeating: 8, count: 8), [UInt8](repeating: 13, count: 13), []])
        #expect(ring.drain().isEmpty)
        #expect(ring.pendingBytes == 0)
    }

    @Test func fullRingRefusesWithEAGAIN() throws {
        let ring = try makeRing()
        let record = [UInt8](repeating: 1, count: 1000)  // 1008 bytes with the header
        for _ in 0..<4 { try record.withUnsafeBytes { try ring.output($0) } }
        #expect(throws: MapError.noSpace(requested: 1000)) { try record.withUnsafeBytes { try ring.output($0) } }
        #expect(MapError.noSpace(requested: 1).errno == 11)
        #expect(ring.drain().count == 4)
        try record.withUnsafeBytes { try ring.output($0) }  // room again
        #expect(ring.drain().count == 1)
    }

    @Test func recordsWrapAroundTheEndWithoutSplitting() throws {
        let ring = try makeRing()
        var written: [[UInt8]] = []
        var read: [[UInt8]] = []
        // Record sizes that do not divide the area, so records meet the end at every offset.
        for index in 0..<500 {
            let record = (0..<(index * 37 % 300)).map { UInt8(truncatingIfNeeded: $0 &+ index) }
            try record.withUnsafeBytes { try ring.output($0) }
            written.append(record)
            if index % 3 == 2 { read += ring.drain() }
        }
        read += ring.drain()
        #expect(read == written)
    }

    @Test func ringBufferSizeMustBeAPowerOfTwoPages() throws {
        for size in [0, 100, 4096 + 8, 3 * 4096] {
            #expect(throws: MapError.self) {
                try BPFMap.make(MapDefinition(type: .ringBuffer, keySize: 0, valueSize: 0, maxEntries: size))
            }
        }
        #expect(throws: MapError.self) {
            try BPFMap.make(MapDefinition(type: .ringBuffer, keySize: 4, valueSize: 0, maxEntries: 4096))
        }
    }

    @Test func mapOperationsAreNotSupported() throws {
        let ring = try makeRing()
        #expect(throws: MapError.operationNotSupported(operation: "lookup", type: .ringBuffer)) { try ring.lookup(key: []) }
        #expect(throws: MapError.operationNotSupported(operation: "get next key", type: .ringBuffer)) { try ring.nextKey(after: nil) }
    }
}
