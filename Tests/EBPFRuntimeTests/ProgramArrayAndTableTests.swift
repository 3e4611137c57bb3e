import EBPF
import Testing

@Suite struct MapTableTests {
    @Test func bpfStyleOperationsByHandle() throws {
        let table = MapTable()
        let hash = try table.create(MapDefinition(type: .hash, keySize: 4, valueSize: 4, maxEntries: 8), name: "h")
        let array = try table.create(MapDefinition(type: .array, keySize: 4, valueSize: 4, maxEntries: 2))
        #expect(hash != array)
        #expect(table.handle(named: "h") == hash)
        try table.update(hash, key: [1, 0, 0, 0], value: [9, 9, 9, 9])
        #expect(try table.lookup(hash, key: [1, 0, 0, 0]) == [9, 9, 9, 9])
        #expect(try table.nextKey(hash, after: nil) == [1, 0, 0, 0])
        #expect(try table.nextKey(hash, after: [1, 0, 0, 0]) == nil)
        try table.delete(hash, key: [1, 0, 0, 0])
        #expect(throws: MapError.keyNotFound) { try table.lookup(hash, key: [1, 0, 0, 0]) }
        #expect(throws: MapError.operationNotSupported(operation: "delete", type: .array)) { try table.delete(array, key: [0, 0, 0, 0]) }
        try table.close(hash)
        #expect(throws: MapError.unknownHandle(hash)) { try table.lookup(hash, key: [1, 0, 0, 0]) }
        #expect(throws: MapError.unknownHandle(hash)) { try table.close(hash) }
        #expect(MapError.unknownHandle(1).errno == 9)
    }

    @Test func invalidDefinitionsAreEINVAL() throws {
        let table = MapTable()
        let invalid: [MapDefinition] = [
            MapDefinition(type: .array, keySize: 8, valueSize: 4, maxEntries: 1),
            MapDefinition(type: .array, keySize: 4, valueSize: 0, maxEntries: 1),
            MapDefinition(type: .hash, keySize: 0, valueSize: 4, maxEntries: 1),
            MapDefinition(type: .hash, keySize: 4, valueSize: 4, maxEntries: 0),
            MapDefinition(type: .lruHash, keySize: 4, valueSize: 1 << 21, maxEntries: 1),
            MapDefinition(type: .hash, keySize: 4, valueSize: 1 << 20, maxEntries: 1 << 20),
            MapDefinition(type: .programArray, keySize: 4, valueSize: 8, maxEntries: 1),
        ]
        for definition in invalid {
            #expect(throws: MapError.self, "\(definition)") { try table.create(definition) }
            do {
                try table.create(definition)
            } catch {
                #expect(error.errno == 22)
                #expect(error.kernelReturnValue == UInt64(bitPattern: -22))
            }
        }
        #expect(table.maps.isEmpty)
    }
}

@Suite struct ProgramArrayTests {
    static func target() throws -> TailCallTarget {
        let program = try Assembler.assemble("mov %r0, 42\nexit")
        let linked = try ProgramLinker().link(program, maps: [:])
        return TailCallTarget(program: linked, runner: Interpreter(program: linked.program, helpers: linked.helpers))
    }

    @Test func slotsHoldProgramsByIndex() throws {
        let table = MapTable()
        let handle = try table.create(MapDefinition(type: .programArray, keySize: 4, valueSize: 4, maxEntries: 2))
        let programs = try #require(try table.map(handle) as? ProgramArrayMap)
        #expect(programs.target(at: 0) == nil)
        let program = table.register(try Self.target())
        let programBytes = withUnsafeBytes(of: program) { Array($0) }
        try table.update(handle, key: [0, 0, 0, 0], value: programBytes, flags: .noExist)
        #expect(programs.target(at: 0) != nil)
        #expect(try table.lookup(handle, key: [0, 0, 0, 0]) == programBytes)
        #expect(throws: MapError.keyExists) { try table.update(handle, key: [0, 0, 0, 0], value: programBytes, flags: .noExist) }
        #expect(throws: MapError.keyNotFound) { try table.update(handle, key: [1, 0, 0, 0], value: programBytes, flags: .exist) }
        #expect(throws: MapError.indexOutOfRange(index: 2, maxEntries: 2)) { try table.update(handle, key: [2, 0, 0, 0], value: programBytes) }
        #expect(throws: MapError.unknownHandle(999)) { try table.update(handle, key: [1, 0, 0, 0], value: [0xe7, 3, 0, 0]) }
        #expect(try table.nextKey(handle, after: [0, 0, 0, 0]) == [1, 0, 0, 0])
        #expect(try table.nextKey(handle, after: [1, 0, 0, 0]) == nil)
        try table.delete(handle, key: [0, 0, 0, 0])
        #expect(programs.target(at: 0) == nil)
        #expect(throws: MapError.keyNotFound) { try table.delete(handle, key: [0, 0, 0, 0]) }
        #expect(throws: MapError.indexOutOfRange(index: 5, maxEntries: 2)) { try programs.set(5, to: nil) }
    }
}

@Suite struct MapDumpTests {
    @Test func dumpListsEveryElement() throws {
        let map = try BPFMap.make(MapDefinition(type: .hash, keySize: 2, valueSize: 1, maxEntries: 4), name: "h")
        try map.update(key: [0x0a, 0x01], value: [0xff])
        #expect(try map.dump() == ["h: hash key 2 B, value 1 B, max_entries 4", "  key: 0a 01  value: ff"])
        let ring = try BPFMap.make(MapDefinition(type: .ringBuffer, keySize: 0, valueSize: 0, maxEntries: 4096), name: "r")
        try (ring as! RingBufferMap).output(UnsafeRawBufferPointer(start: nil, count: 0))
        #expect(try ring.dump() == ["r: ringbuf key 0 B, value 0 B, max_entries 4096", "  8 bytes of records waiting"])
    }
}
