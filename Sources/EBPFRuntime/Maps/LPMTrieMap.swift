import EBPFCore
import Synchronization

/// `BPF_MAP_TYPE_LPM_TRIE`: longest-prefix match, as firewalls and routers use it.
///
/// A key is `struct bpf_lpm_trie_key`: a 32-bit prefix length (host order) and ``dataSize``
/// bytes of data (an address in network order). An element is identified by its prefix length
/// and the first that many bits of its data (the kernel's trie nodes); it keeps the whole data of
/// the key it was last stored with, which is what iteration returns. Updates with a prefix
/// length beyond the data's bits are `EINVAL`; `BPF_NOEXIST`/`BPF_EXIST` apply to that identity;
/// a full map refuses new elements (`E2BIG`; the kernel says `ENOSPC`). A lookup — from a program
/// or from Swift, as in the kernel — finds the element with the longest prefix no longer than the
/// key's prefix length whose bits match the key's data. Deletion needs the exact identity.
///
/// Elements live in preallocated slots (values never move while their element exists), searched
/// linearly: meant for the rule sets of tests and examples, not for millions of routes.
/// Iteration (``BPFMap/nextKey(after:)``) is in slot order, not the kernel's trie order.
public final class LPMTrieMap: BPFMap, @unchecked Sendable {
    private let keySlab: UnsafeMutableRawPointer
    private let valueSlab: UnsafeMutableRawPointer
    private let stride: Int
    /// Used slots and their prefix lengths (`-1` for a free slot).
    private let prefixLengths: Mutex<[Int32]>

    /// Bytes of data after the prefix length.
    public var dataSize: Int { definition.keySize - 4 }

    init(name: String, definition: MapDefinition) throws(MapError) {
        try definition.validate()
        stride = MapDefinition.valueStride(definition.valueSize)
        keySlab = ZeroedStorage.allocate(byteCount: definition.keySize * definition.maxEntries)
        valueSlab = ZeroedStorage.allocate(byteCount: stride * definition.maxEntries)
        prefixLengths = Mutex(Array(repeating: -1, count: definition.maxEntries))
        super.init(validatedDefinition: definition, name: name)
    }

    deinit {
        ZeroedStorage.release(keySlab)
        ZeroedStorage.release(valueSlab)
    }

    public override var regions: [MemoryRegion] {
        [MemoryRegion(start: UInt64(UInt(bitPattern: valueSlab)), count: UInt64(stride * definition.maxEntries))]
    }

    private func storedKey(_ slot: Int) -> UnsafeMutableRawPointer { keySlab + slot * definition.keySize }
    private func value(_ slot: Int) -> UnsafeMutableRawPointer { valueSlab + slot * stride }

    /// Whether the first `bits` bits of the two data areas are equal.
    private func bitsMatch(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, bits: Int) -> Bool {
        let whole = bits / 8
        for index in 0..<whole where a.load(fromByteOffset: index, as: UInt8.self) != b.load(fromByteOffset: index, as: UInt8.self) {
            return false
        }
        let rest = bits % 8
        guard rest > 0 else { return true }
        let mask = UInt8(0xff) << UInt8(8 - rest)
        return a.load(fromByteOffset: whole, as: UInt8.self) & mask == b.load(fromByteOffset: whole, as: UInt8.self) & mask
    }

    /// The slot with the longest prefix matching `key`, under the lock.
    private func longestMatch(_ key: UnsafeRawPointer, _ lengths: [Int32]) -> Int? {
        let limit = min(Int(key.loadUnaligned(as: UInt32.self)), dataSize * 8)
        var best: Int?
        for (slot, length) in lengths.enumerated() where length >= 0 && Int(length) <= limit {
            if let best, lengths[best] >= length { continue }
            if bitsMatch(storedKey(slot) + 4, key + 4, bits: Int(length)) { best = slot }
        }
        return best
    }

    /// The slot whose identity (prefix length and bits) is `key`'s, under the lock.
    private func exactMatch(_ key: UnsafeRawPointer, _ lengths: [Int32]) -> Int? {
        let length = key.loadUnaligned(as: UInt32.self)
        guard length <= UInt32(dataSize * 8) else { return nil }
        return lengths.indices.first { lengths[$0] == Int32(length) && bitsMatch(storedKey($0) + 4, key + 4, bits: Int(length)) }
    }

    override func lookupFromProgram(key: UnsafeRawPointer) -> UnsafeMutableRawPointer? {
        prefixLengths.withLock { lengths in longestMatch(key, lengths).map(value) }
    }

    override func copyValue(key: UnsafeRawPointer, into target: UnsafeMutableRawPointer) throws(MapError) -> Bool {
        prefixLengths.withLock { lengths in
            guard let slot = longestMatch(key, lengths) else { return false }
            target.copyMemory(from: value(slot), byteCount: definition.valueSize)
            return true
        }
    }

    override func update(key: UnsafeRawPointer, value newValue: UnsafeRawPointer, flags: MapUpdateFlags) throws(MapError) {
        let flags = try flags.validated()
        let length = key.loadUnaligned(as: UInt32.self)
        guard length <= UInt32(dataSize * 8) else {
            throw .invalidDefinition("prefix length \(length) is longer than the key's \(dataSize * 8) bits")
        }
        try prefixLengths.withLock { (lengths) throws(MapError) in
            let slot: Int
            if let existing = exactMatch(key, lengths) {
                guard flags != .noExist else { throw .keyExists }
                slot = existing
            } else {
                guard flags != .exist else { throw .keyNotFound }
                guard let free = lengths.firstIndex(of: -1) else { throw .mapFull(maxEntries: definition.maxEntries) }
                slot = free
                lengths[slot] = Int32(length)
            }
            storedKey(slot).copyMemory(from: key, byteCount: definition.keySize)
            value(slot).copyMemory(from: newValue, byteCount: definition.valueSize)
        }
    }

    override func delete(key: UnsafeRawPointer) throws(MapError) {
        try prefixLengths.withLock { (lengths) throws(MapError) in
            guard let slot = exactMatch(key, lengths) else { throw .keyNotFound }
            lengths[slot] = -1
        }
    }

    override func nextKey(after key: UnsafeRawPointer?, into next: UnsafeMutableRawPointer) throws(MapError) -> Bool {
        prefixLengths.withLock { lengths in
            var start = 0
            if let key, let slot = exactMatch(key, lengths) { start = slot + 1 }
            guard let found = lengths[start...].firstIndex(where: { $0 >= 0 }) else { return false }
            next.copyMemory(from: storedKey(found), byteCount: definition.keySize)
            return true
        }
    }
}
