import EBPF
import EBPFRuntime
import Testing

@Suite struct HashMapTests {
    static let types: [MapType] = [.hash, .lruHash]

    func makeMap(_ type: MapType, maxEntries: Int = 4) throws -> BPFMap {
        try BPFMap.make(MapDefinition(type: type, keySize: 4, valueSize: 8, maxEntries: maxEntries), name: "h")
    }

    @Test(arguments: types)
    func missingKeyIsENOENT(type: MapType) throws {
        let map = try makeMap(type)
        #expect(try map.lookup(UInt32(1), as: UInt64.self) == nil)
        #expect(throws: MapError.keyNotFound) { try map.lookup(key: [1, 0, 0, 0]) }
        #expect(throws: MapError.keyNotFound) { try map.delete(UInt32(1)) }
        #expect(MapError.keyNotFound.errno == 2)
    }

    @Test(arguments: types)
    func flagsFollowTheKernel(type: MapType) throws {
        let map = try makeMap(type)
        #expect(throws: MapError.keyNotFound) { try map.update(UInt32(1), UInt64(5), flags: .exist) }
        try map.update(UInt32(1), UInt64(5), flags: .noExist)
        #expect(throws: MapError.keyExists) { try map.update(UInt32(1), UInt64(6), flags: .noExist) }
        #expect(try map.lookup(UInt32(1), as: UInt64.self) == 5)
        try map.update(UInt32(1), UInt64(7), flags: .exist)
        #expect(try map.lookup(UInt32(1), as: UInt64.self) == 7)
        try map.update(UInt32(1), UInt64(8), flags: .any)
        #expect(try map.lookup(UInt32(1), as: UInt64.self) == 8)
        #expect(throws: MapError.invalidFlags(3)) { try map.update(UInt32(1), UInt64(9), flags: MapUpdateFlags(rawValue: 3)) }
        #expect(MapError.keyExists.errno == 17)
    }

    @Test(arguments: types)
    func deleteRemovesAndFreesTheSlot(type: MapType) throws {
        let map = try makeMap(type, maxEntries: 1)
        try map.update(UInt32(1), UInt64(1))
        try map.delete(UInt32(1))
        #expect(try map.lookup(UInt32(1), as: UInt64.self) == nil)
        try map.update(UInt32(2), UInt64(2), flags: .noExist)
        #expect(try map.lookup(UInt32(2), as: UInt64.self) == 2)
    }

    @Test func fullHashMapRefusesNewKeys() throws {
        let map = try makeMap(.hash, maxEntries: 2)
        try map.update(UInt32(1), UInt64(1))
        try map.update(UInt32(2), UInt64(2))
        #expect(throws: MapError.mapFull(maxEntries: 2)) { try map.update(UInt32(3), UInt64(3)) }
        try map.update(UInt32(2), UInt64(20))  // replacing is still fine
        #expect(try map.lookup(UInt32(2), as: UInt64.self) == 20)
        #expect(MapError.mapFull(maxEntries: 2).errno == 7)
    }

    @Test func fullLRUMapEvictsTheLeastRecentlyUsed() throws {
        let harness = ProgramHarness()
        let handle = try harness.table.create(MapDefinition(type: .lruHash, keySize: 4, valueSize: 8, maxEntries: 3))
        let map = try harness.table.map(handle)
        for key in UInt32(1)...3 { try map.update(key, UInt64(key)) }
        // A lookup from Swift does not count as a use (like the kernel's syscall lookup)...
        _ = try map.lookup(UInt32(2), as: UInt64.self)
        // ...a program's bpf_map_lookup_elem does: 1 is now the most recent; 2 the least.
        let value = try harness.run("""
            stw [%r10-4], 1
            lddw %r1, map_fd \(handle)
            mov %r2, %r10
            add %r2, -4
            call 1
            exit
            """, configuration: ExecutionConfiguration(engine: .interpreter))
        #expect(value != 0)
        try map.update(UInt32(4), UInt64(4))
        #expect(try map.lookup(UInt32(2), as: UInt64.self) == nil)
        try map.update(UInt32(3), UInt64(30))  // 3 refreshed; 1 is now the least recent
        try map.update(UInt32(5), UInt64(5))
        #expect(try map.lookup(UInt32(1), as: UInt64.self) == nil)
        let keys = try map.entries(as: UInt32.self, UInt64.self).map(\.key).sorted()
        #expect(keys == [3, 4, 5])
        #expect((map as? HashMap)?.count == 3)
    }

    @Test(arguments: types)
    func iterationVisitsEveryKeyOnce(type: MapType) throws {
        let map = try makeMap(type, maxEntries: 16)
        for key in UInt32(0)..<10 { try map.update(key * 7, UInt64(key)) }
        try map.delete(UInt32(21))
        let entries = try map.entries(as: UInt32.self, UInt64.self)
        #expect(entries.map(\.key).sorted() == [0, 7, 14, 28, 35, 42, 49, 56, 63])
        for entry in entries { #expect(UInt64(entry.key / 7) == entry.value) }
        // A key not in the map restarts the iteration, as BPF_MAP_GET_NEXT_KEY does.
        #expect(try map.nextKey(after: withUnsafeBytes(of: UInt32(21)) { Array($0) }) == (try map.nextKey(after: nil)))
    }

    @Test(arguments: types)
    func deletingWhileIteratingDrainsTheMap(type: MapType) throws {
        let map = try makeMap(type, maxEntries: 8)
        for key in UInt32(0)..<8 { try map.update(key, UInt64(key)) }
        var key: [UInt8]? = nil
        var deleted = 0
        while let next = try map.nextKey(after: key) {
            try map.delete(key: next)
            deleted += 1
            key = next
        }
        #expect(deleted == 8)
        #expect(try map.entries().isEmpty)
    }

    @Test(arguments: types, [1, 8, 13, 16, 20, 40])
    func keysOfAnySize(type: MapType, keySize: Int) throws {
        let map = try BPFMap.make(MapDefinition(type: type, keySize: keySize, valueSize: 3, maxEntries: 4))
        let key = (0..<keySize).map { UInt8($0 + 1) }
        try map.update(key: key, value: [7, 8, 9])
        #expect(try map.lookup(key: key) == [7, 8, 9])
        // Keys differing in any one byte are different keys.
        for position in 0..<keySize {
            var other = key
            other[position] = 0
            #expect(throws: MapError.keyNotFound) { try map.lookup(key: other) }
        }
        #expect(try map.nextKey(after: nil) == key)
    }
}
