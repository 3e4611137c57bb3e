import Testing
import EBPF
@testable import EBPFRuntime

/// `bpf_map_lookup_elem` on a hash map from JIT code compiled with verified facts: the call slot
/// calls the map's own lookup (``HelperFunction/directLookup``, `HashMap.directLookup`) instead of
/// the helper, and every engine returns the same for present and absent keys, leaves the same
/// values behind, and (LRU) makes the same element the most recently used.
@Suite struct DirectLookupTests {
    static let storedKeys: [UInt32] = [7, 1, 0xffff_ffff, 0x8000_0000, 300, 2]
    static let probedKeys: [UInt32] = [7, 1, 2, 3, 0, 0xffff_ffff, 0x7fff_ffff, 300, 301, 1]

    static var directLookupAddress: UInt64 {
        UInt64(UInt(bitPattern: unsafeBitCast(HashMap.directLookup, to: UnsafeRawPointer.self)))
    }

    static func program(map: Int32) throws -> Program { try TwoLookupProgram.program(map: map, secondKey: 7) }

    @Test(arguments: [MapType.hash, .lruHash])
    func directLookupMatchesTheHelper(type: MapType) throws {
        var outcomes: [[UInt64]] = []
        for configuration in TwoLookupProgram.configurations {
            let table = MapTable()
            let handle = try table.create(MapDefinition(type: type, keySize: 4, valueSize: 12, maxEntries: 8))
            let map = try table.map(handle)
            for (n, key) in Self.storedKeys.enumerated() { try map.update(key: withUnsafeBytes(of: key) { Array($0) }, value: [UInt8](repeating: UInt8(n * 16), count: 12)) }
            let linked = try ProgramLinker().link(try Self.program(map: handle), maps: table.maps)
            let runner = try linked.prepare(configuration: configuration, memorySize: 8)
            if configuration.engine == .jit {
                let compiled = try #require(runner as? CompiledProgram)
                let code = TwoLookupProgram.callSlotCode(compiled)
                let movabsRAX: [UInt8] = [0x48, 0xb8] + withUnsafeBytes(of: Self.directLookupAddress.littleEndian) { Array($0) }
                let callsDirectly = (0...(code.count - movabsRAX.count)).contains { Array(code[$0..<$0 + movabsRAX.count]) == movabsRAX }
                // Verified: the map is known at the call, so its own lookup; unverified: the helper.
                #expect(callsDirectly == configuration.verify)
            }
            var results: [UInt64] = []
            for key in Self.probedKeys {
                var bytes = withUnsafeBytes(of: key.littleEndian) { Array($0) } + [0, 0, 0, 0]
                results.append(try linked.run(using: runner, bytes: &bytes))
            }
            // What the runs left in the map.
            results += try map.entries().map { UInt64($0.value[0]) << 32 | UInt64($0.key.withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }) }
            outcomes.append(results)
        }
        for outcome in outcomes.dropFirst() { #expect(outcome == outcomes[0], "\(outcomes)") }
        #expect(outcomes[0].contains(0xdead) && outcomes[0].contains { $0 != 0xdead })
    }

    /// A direct lookup makes the element the most recently used, as the helper does: after the
    /// program looks up key 1 of a full LRU map, inserting a new key evicts key 2, not key 1.
    @Test(arguments: TwoLookupProgram.configurations)
    func directLookupRefreshesTheLRUOrder(_ configuration: ExecutionConfiguration) throws {
        let table = MapTable()
        let handle = try table.create(MapDefinition(type: .lruHash, keySize: 4, valueSize: 12, maxEntries: 3))
        let map = try table.map(handle)
        for key in UInt32(1)...3 { try map.update(key: withUnsafeBytes(of: key) { Array($0) }, value: [UInt8](repeating: 0, count: 12)) }
        let linked = try ProgramLinker().link(try Self.program(map: handle), maps: table.maps)
        let runner = try linked.prepare(configuration: configuration, memorySize: 8)
        var bytes: [UInt8] = [1, 0, 0, 0, 0, 0, 0, 0]
        #expect(try linked.run(using: runner, bytes: &bytes) != 0xdead)  // key 1 found (key 7 is not)
        try map.update(key: [9, 0, 0, 0], value: [UInt8](repeating: 0, count: 12))
        let keys = try map.entries().map { $0.key[0] }.sorted()
        #expect(keys == [1, 3, 9])
    }

    @Test func theResolverAnswersOnlyForLiveHashMaps() throws {
        let table = MapTable()
        let resolve = try #require(HelperRegistry.kernel[1]?.directLookup)
        for type in [MapType.hash, .lruHash] {
            let map = try table.map(try table.create(MapDefinition(type: type, keySize: 8, valueSize: 8, maxEntries: 3)))
            let lookup = try #require(resolve(map.programAddress))
            #expect(lookup.address == Self.directLookupAddress)
        }
        let array = try table.map(try table.create(MapDefinition(type: .array, keySize: 4, valueSize: 8, maxEntries: 3)))
        let perCPU = try table.map(try table.create(MapDefinition(type: .perCPUHash, keySize: 4, valueSize: 8, maxEntries: 3)))
        #expect(resolve(array.programAddress) == nil)
        #expect(resolve(perCPU.programAddress) == nil)
        #expect(resolve(0x1234_5678) == nil)
        let resolving = HelperRegistry.kernel.all.filter { $0.directLookup != nil }.map(\.id)
        #expect(resolving == [1])
    }
}
