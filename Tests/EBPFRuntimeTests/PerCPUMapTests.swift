import EBPF
import Testing

/// `BPF_MAP_TYPE_PERCPU_ARRAY` and `BPF_MAP_TYPE_PERCPU_HASH`: a program sees its CPU's slot,
/// Swift reads and writes every CPU's value, as the kernel's `bpf()` does.
@Suite struct PerCPUMapTests {
    /// Increments the counter of key 3 and returns `bpf_get_smp_processor_id()`.
    static let increment = """
        stw [%r10-4], 3
        lddw %r1, map_fd 1
        mov %r2, %r10
        add %r2, -4
        call 1
        jeq %r0, 0, +2
        mov %r1, 1
        lock add [%r0+0], %r1
        call 8
        exit
        """

    @Test(arguments: ProgramHarness.configurations)
    func programsCountInTheirCPUsSlot(configuration: ExecutionConfiguration) throws {
        let harness = ProgramHarness()
        let map = try PerCPUMap.make(MapDefinition(type: .perCPUArray, keySize: 4, valueSize: 8, maxEntries: 4), possibleCPUs: 4)
        #expect(harness.table.add(map) == 1)
        #expect(try harness.run(Self.increment, configuration: configuration) == 0)
        for _ in 0..<3 {
            #expect(try PerCPU.withCurrentCPU(2) { try harness.run(Self.increment, configuration: configuration) } == 2)
        }
        #expect(try map.values(UInt32(3), as: UInt64.self) == [1, 0, 3, 0])
        #expect(try map.values(UInt32(0), as: UInt64.self) == [0, 0, 0, 0])
        // Swift's byte form is every CPU's value, each padded to 8 bytes.
        #expect(map.userValueSize == 32)
        #expect(try map.lookup(key: [3, 0, 0, 0]).count == 32)
        #expect(map.summed(try map.lookup(key: [3, 0, 0, 0])) == [4])
        // The typed forms of other maps would see one CPU's value: they refuse.
        #expect(throws: MapError.wrongValueSize(expected: 32, actual: 8)) { try map.lookup(UInt32(3), as: UInt64.self) }
        // A CPU past the map's has no slot: the lookup fails.
        #expect(try PerCPU.withCurrentCPU(4) { try harness.run(Self.increment, configuration: configuration) } == 4)
        #expect(map.summed(try map.lookup(key: [3, 0, 0, 0])) == [4])
    }

    @Test func swiftUpdatesEveryCPUsValue() throws {
        let map = try PerCPUMap.make(MapDefinition(type: .perCPUHash, keySize: 2, valueSize: 4, maxEntries: 2), possibleCPUs: 3)
        try map.update(UInt16(7), perCPU: [UInt32(1), 2, 3])
        #expect(try map.values(UInt16(7), as: UInt32.self) == [1, 2, 3])
        #expect(try map.values(UInt16(8), as: UInt32.self) == nil)
        #expect(throws: MapError.keyExists) { try map.update(UInt16(7), perCPU: [UInt32(0), 0, 0], flags: .noExist) }
        #expect(throws: MapError.self) { try map.update(UInt16(9), perCPU: [UInt32(1)]) }
        #expect(throws: MapError.wrongValueSize(expected: 24, actual: 4)) { try map.update(key: [9, 0], value: [1, 0, 0, 0]) }
        try map.update(UInt16(8), perCPU: [UInt32(4), 5, 6])
        #expect(throws: MapError.mapFull(maxEntries: 2)) { try map.update(UInt16(9), perCPU: [UInt32(1), 1, 1]) }
        try map.delete(UInt16(7))
        #expect(try map.entries().map(\.key) == [[8, 0]])
        let array = try PerCPUMap.make(MapDefinition(type: .perCPUArray, keySize: 4, valueSize: 4, maxEntries: 2), possibleCPUs: 2)
        #expect(throws: MapError.self) { try array.delete(UInt32(0)) }
        #expect(throws: MapError.indexOutOfRange(index: 2, maxEntries: 2)) { try array.update(UInt32(2), perCPU: [UInt32(1), 1]) }
        #expect(throws: MapError.self) {
            try BPFMap.make(MapDefinition(type: .perCPUArray, keySize: 4, valueSize: 40_000, maxEntries: 1))
        }
    }

    /// A program's update of a new hash element sets its CPU's slot and zeroes the others; an
    /// update of an existing one changes its CPU's slot only.
    @Test(arguments: ProgramHarness.configurations)
    func programUpdatesWriteTheirCPUsSlot(configuration: ExecutionConfiguration) throws {
        let harness = ProgramHarness()
        let map = try PerCPUMap.make(MapDefinition(type: .perCPUHash, keySize: 4, valueSize: 8, maxEntries: 4), possibleCPUs: 2)
        _ = harness.table.add(map)
        try map.update(UInt32(5), perCPU: [UInt64(10), 20])
        let store = { (key: Int, value: Int, flags: Int) in """
            stw [%r10-4], \(key)
            stdw [%r10-16], \(value)
            lddw %r1, map_fd 1
            mov %r2, %r10
            add %r2, -4
            mov %r3, %r10
            add %r3, -16
            mov %r4, \(flags)
            call 2
            exit
            """ }
        #expect(try PerCPU.withCurrentCPU(1) { try harness.run(store(5, 99, 0), configuration: configuration) } == 0)
        #expect(try map.values(UInt32(5), as: UInt64.self) == [10, 99])
        #expect(try PerCPU.withCurrentCPU(1) { try harness.run(store(6, 7, 1), configuration: configuration) } == 0)
        #expect(try map.values(UInt32(6), as: UInt64.self) == [0, 7])
        #expect(try harness.run(store(6, 8, 1), configuration: configuration) == .errno(17))
        #expect(try harness.run(store(9, 8, 2), configuration: configuration) == .errno(2))
    }

    /// `BPF_MAP_TYPE_LRU_PERCPU_HASH`: a per-CPU hash whose new keys evict the least recently
    /// used one when full, from Swift and from programs; a program's lookup is a use.
    @Test(arguments: ProgramHarness.configurations)
    func lruPerCPUHashEvictsTheLeastRecentlyUsed(configuration: ExecutionConfiguration) throws {
        let harness = ProgramHarness()
        let map = try PerCPUMap.make(MapDefinition(type: .lruPerCPUHash, keySize: 4, valueSize: 8, maxEntries: 2), possibleCPUs: 2)
        #expect(map.definition.type.description == "lru_percpu_hash")
        _ = harness.table.add(map)
        try map.update(UInt32(1), perCPU: [UInt64(1), 10])
        try map.update(UInt32(2), perCPU: [UInt64(2), 20])
        // Key 1 used by a program (its lookup): 2 is now the least recently used.
        let lookup = """
            stw [%r10-4], 1
            lddw %r1, map_fd 1
            mov %r2, %r10
            add %r2, -4
            call 1
            exit
            """
        #expect(try PerCPU.withCurrentCPU(1) { try harness.run(lookup, configuration: configuration) } != 0)
        let store = """
            stw [%r10-4], 3
            stdw [%r10-16], 33
            lddw %r1, map_fd 1
            mov %r2, %r10
            add %r2, -4
            mov %r3, %r10
            add %r3, -16
            mov %r4, 0
            call 2
            exit
            """
        #expect(try PerCPU.withCurrentCPU(1) { try harness.run(store, configuration: configuration) } == 0)
        #expect(try map.values(UInt32(2), as: UInt64.self) == nil)
        #expect(try map.values(UInt32(1), as: UInt64.self) == [1, 10])
        #expect(try map.values(UInt32(3), as: UInt64.self) == [0, 33])  // the other CPU's slot zeroed
        // From Swift too, without refusing (a plain per-CPU hash says E2BIG); deletes work.
        try map.update(UInt32(4), perCPU: [UInt64(4), 40])
        #expect(try map.entries().count == 2)
        try map.delete(UInt32(4))
        #expect(try map.entries().count == 1)
    }

    @Test func possibleCPUsParseTheKernelsList() {
        #expect(PerCPU.machinePossibleCPUs >= 1)
        #expect(PerCPU.possibleCPUs == PerCPU.machinePossibleCPUs)
        #expect(PerCPU.current == 0)
        #expect(PerCPU.withCurrentCPU(3) { PerCPU.current } == 3)
    }
}
