import EBPF
import Testing

/// `BPF_MAP_TYPE_LPM_TRIE` from Swift: longest-prefix lookups, identity by prefix length and
/// bits, the kernel's flags and errors.
@Suite struct LPMTrieMapTests {
    static func key(_ length: UInt32, _ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) -> [UInt8] {
        withUnsafeBytes(of: length.littleEndian, Array.init) + [a, b, c, d]
    }

    static func trie(entries: Int = 8) throws -> BPFMap {
        try BPFMap.make(MapDefinition(type: .lpmTrie, keySize: 8, valueSize: 4, maxEntries: entries, flags: 1))
    }

    static func value(_ number: UInt32) -> [UInt8] { withUnsafeBytes(of: number.littleEndian, Array.init) }

    @Test func theLongestMatchingPrefixWins() throws {
        let trie = try Self.trie()
        try trie.update(key: Self.key(8, 10, 0, 0, 0), value: Self.value(8))
        try trie.update(key: Self.key(24, 10, 1, 2, 0), value: Self.value(24))
        try trie.update(key: Self.key(16, 10, 1, 0, 0), value: Self.value(16))
        #expect(try trie.lookup(key: Self.key(32, 10, 1, 2, 3)) == Self.value(24))
        #expect(try trie.lookup(key: Self.key(32, 10, 1, 9, 3)) == Self.value(16))
        #expect(try trie.lookup(key: Self.key(32, 10, 9, 9, 9)) == Self.value(8))
        // The key's prefix length bounds the match.
        #expect(try trie.lookup(key: Self.key(20, 10, 1, 2, 3)) == Self.value(16))
        #expect(throws: MapError.keyNotFound) { try trie.lookup(key: Self.key(32, 11, 1, 2, 3)) }
        // Bits past the prefix do not matter for identity: this replaces the /16.
        try trie.update(key: Self.key(16, 10, 1, 77, 77), value: Self.value(61))
        #expect(try trie.lookup(key: Self.key(32, 10, 1, 9, 3)) == Self.value(61))
        #expect(try trie.entries().count == 3)
    }

    @Test func flagsAndErrorsAreTheKernels() throws {
        let trie = try Self.trie(entries: 2)
        try trie.update(key: Self.key(24, 192, 168, 1, 0), value: Self.value(1), flags: .noExist)
        #expect(throws: MapError.keyExists) { try trie.update(key: Self.key(24, 192, 168, 1, 9), value: Self.value(2), flags: .noExist) }
        #expect(throws: MapError.keyNotFound) { try trie.update(key: Self.key(24, 192, 168, 2, 0), value: Self.value(2), flags: .exist) }
        #expect(throws: MapError.self) { try trie.update(key: Self.key(33, 192, 168, 2, 0), value: Self.value(2)) }
        try trie.update(key: Self.key(0, 0, 0, 0, 0), value: Self.value(0))
        #expect(throws: MapError.mapFull(maxEntries: 2)) { try trie.update(key: Self.key(8, 1, 0, 0, 0), value: Self.value(2)) }
        // Deletion needs the exact prefix.
        #expect(throws: MapError.keyNotFound) { try trie.delete(key: Self.key(32, 192, 168, 1, 1)) }
        try trie.delete(key: Self.key(24, 192, 168, 1, 200))
        #expect(try trie.lookup(key: Self.key(32, 192, 168, 1, 1)) == Self.value(0))
        #expect(throws: MapError.self) {
            try BPFMap.make(MapDefinition(type: .lpmTrie, keySize: 8, valueSize: 4, maxEntries: 2))  // no BPF_F_NO_PREALLOC
        }
    }
}
