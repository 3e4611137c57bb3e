import EBPFRuntime
import Testing

@Suite struct ArrayMapTests {
    func makeArray(maxEntries: Int = 4, valueSize: Int = 8) throws -> BPFMap {
        try BPFMap.make(MapDefinition(type: .array, keySize: 4, valueSize: valueSize, maxEntries: maxEntries), name: "a")
    }

    @Test func elementsStartZeroed() throws {
        let map = try makeArray()
        #expect(map is ArrayMap)
        for index in UInt32(0)..<4 {
            #expect(try map.lookup(index, as: UInt64.self) == 0)
        }
        #expect(try map.lookup(UInt32(4), as: UInt64.self) == nil)
    }

    @Test func updateAnyAndExistReplaceTheValue() throws {
        let map = try makeArray()
        try map.update(UInt32(1), UInt64(10))
        #expect(try map.lookup(UInt32(1), as: UInt64.self) == 10)
        try map.update(UInt32(1), UInt64(11), flags: .exist)
        #expect(try map.lookup(UInt32(1), as: UInt64.self) == 11)
    }

    @Test func noExistFailsBecauseEveryElementExists() throws {
        let map = try makeArray()
        #expect(throws: MapError.keyExists) { try map.update(UInt32(0), UInt64(1), flags: .noExist) }
        #expect(try map.lookup(UInt32(0), as: UInt64.self) == 0)
    }

    @Test func indexPastTheEndIsE2BIG() throws {
        let map = try makeArray()
        #expect(throws: MapError.indexOutOfRange(index: 4, maxEntries: 4)) { try map.update(UInt32(4), UInt64(1)) }
        #expect(MapError.indexOutOfRange(index: 4, maxEntries: 4).errno == 7)
    }

    @Test func unknownFlagsAreEINVAL() throws {
        let map = try makeArray()
        #expect(throws: MapError.invalidFlags(4)) { try map.update(UInt32(0), UInt64(1), flags: MapUpdateFlags(rawValue: 4)) }
    }

    @Test func deleteIsNotSupported() throws {
        let map = try makeArray()
        #expect(throws: MapError.operationNotSupported(operation: "delete", type: .array)) { try map.delete(UInt32(0)) }
    }

    @Test func nextKeyWalksIndexesInOrder() throws {
        let map = try makeArray(maxEntries: 3)
        var keys: [[UInt8]] = []
        var key: [UInt8]? = nil
        while let next = try map.nextKey(after: key) {
            keys.append(next)
            key = next
        }
        #expect(keys == [[0, 0, 0, 0], [1, 0, 0, 0], [2, 0, 0, 0]])
        // An index past the end restarts at 0, like the kernel.
        #expect(try map.nextKey(after: [9, 0, 0, 0]) == [0, 0, 0, 0])
    }

    @Test func wrongSizesAreRejected() throws {
        let map = try makeArray()
        #expect(throws: MapError.wrongKeySize(expected: 4, actual: 2)) { try map.lookup(key: [0, 0]) }
        #expect(throws: MapError.wrongValueSize(expected: 8, actual: 4)) { try map.update(key: [0, 0, 0, 0], value: [1, 2, 3, 4]) }
        #expect(throws: MapError.wrongValueSize(expected: 8, actual: 4)) { try map.lookup(UInt32(0), as: UInt32.self) }
    }

    @Test func valuesAreAlignedAndExposedAsOneRegion() throws {
        let map = try makeArray(maxEntries: 3, valueSize: 5)
        let regions = map.regions
        #expect(regions.count == 1)
        #expect(regions[0].count == 3 * 8)  // 5 bytes rounded up to 8 per element
        #expect(regions[0].start % 8 == 0)
    }

    @Test func withValueWritesInPlace() throws {
        let map = try #require(try makeArray() as? ArrayMap)
        try map.withValue(at: 2) { $0.storeBytes(of: UInt64(0xabcd), as: UInt64.self) }
        #expect(try map.lookup(UInt32(2), as: UInt64.self) == 0xabcd)
        #expect(try map.withValue(at: 4) { _ in 1 } == nil)
    }
}
