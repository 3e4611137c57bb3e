#if canImport(Glibc)
import Glibc
#endif

/// Which slot of a ``HashMap`` holds a key: an open-addressed table of slot numbers with linear
/// probing, over the keys in the map's key slab (so a lookup hashes the key's bytes once and
/// compares them in place, without building a dictionary key or allocating).
///
/// The table has a power of two of entries, at least twice the map's capacity, so it is never
/// more than half full and never grows: an entry is `slot + 1`, 0 when empty. Removal shifts the
/// following entries of the probe run back (no tombstones), so a lookup stops at the first empty
/// entry. The hash is a multiply-fold over the key's 8-byte words with a random seed per map, so
/// chosen keys cannot be made to collide without knowing it; it decides only where keys sit in
/// the table, never what a program or Swift observes (iteration is in slot order).
///
/// Not synchronised: ``HashMap`` calls it under its lock (hence `@unchecked Sendable`: the
/// pointers are the map's own storage, touched only there).
struct HashMapIndex: @unchecked Sendable {
    /// The map's key slab: the key of slot s is at `keys + s * keySize`.
    let keys: UnsafeRawPointer
    let keySize: Int
    private let table: UnsafeMutablePointer<UInt32>
    private let mask: Int
    private let seed: UInt64
    /// Keys in the table.
    private(set) var count = 0

    /// An empty index for up to `capacity` keys in `keys`. Release it with ``release()``.
    init(keys: UnsafeRawPointer, keySize: Int, capacity: Int) {
        self.keys = keys
        self.keySize = keySize
        var size = 2
        while size < 2 * capacity { size <<= 1 }
        table = ZeroedStorage.allocate(byteCount: size * MemoryLayout<UInt32>.stride)
            .bindMemory(to: UInt32.self, capacity: size)
        mask = size - 1
        seed = UInt64.random(in: .min ... .max)
    }

    func release() {
        ZeroedStorage.release(UnsafeMutableRawPointer(table))
    }

    /// The slot holding the `keySize` bytes at `key`, or `nil`.
    @inline(__always)
    func find(_ key: UnsafeRawPointer) -> Int32? {
        var position = Int(truncatingIfNeeded: hash(key)) & mask
        while true {
            let entry = table[position]
            if entry == 0 { return nil }
            let slot = Int32(bitPattern: entry &- 1)
            if equal(key, keys + Int(slot) * keySize) { return slot }
            position = (position &+ 1) & mask
        }
    }

    /// Adds `slot`, whose key (not in the index yet) is already in the key slab.
    mutating func insert(_ slot: Int32) {
        var position = home(of: slot)
        while table[position] != 0 { position = (position &+ 1) & mask }
        table[position] = UInt32(bitPattern: slot) &+ 1
        count += 1
    }

    /// Removes `slot`, which is in the index, and moves entries of its probe run back so every
    /// remaining key is still reached from its home before an empty entry.
    mutating func remove(_ slot: Int32) {
        var hole = home(of: slot)
        let entry = UInt32(bitPattern: slot) &+ 1
        while table[hole] != entry { hole = (hole &+ 1) & mask }
        var next = hole
        while true {
            next = (next &+ 1) & mask
            let moving = table[next]
            if moving == 0 { break }
            let wanted = home(of: Int32(bitPattern: moving &- 1))
            // The entry at `next` may fill the hole unless its home lies cyclically in (hole, next].
            let homeAfterHole = (wanted &- hole) & mask
            let nextAfterHole = (next &- hole) & mask
            if homeAfterHole == 0 || homeAfterHole > nextAfterHole {
                table[hole] = moving
                hole = next
            }
        }
        table[hole] = 0
        count -= 1
    }

    private func home(of slot: Int32) -> Int {
        Int(truncatingIfNeeded: hash(keys + Int(slot) * keySize)) & mask
    }

    @inline(__always)
    private static func fold(_ x: UInt64, _ multiplier: UInt64) -> UInt64 {
        let product = x.multipliedFullWidth(by: multiplier)
        return product.high ^ product.low
    }

    /// The seeded hash of the `keySize` bytes at `key`.
    @inline(__always)
    func hash(_ key: UnsafeRawPointer) -> UInt64 {
        var h = seed ^ UInt64(truncatingIfNeeded: keySize)
        var offset = 0
        while offset + 8 <= keySize {
            h = Self.fold(h ^ key.loadUnaligned(fromByteOffset: offset, as: UInt64.self), 0x9e37_79b9_7f4a_7c15)
            offset += 8
        }
        if offset < keySize {
            var tail: UInt64 = 0
            if keySize - offset >= 4 {
                tail = UInt64(key.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
                var shift: UInt64 = 32
                for byte in (offset + 4)..<keySize {
                    tail |= UInt64(key.load(fromByteOffset: byte, as: UInt8.self)) << shift
                    shift += 8
                }
            } else {
                var shift: UInt64 = 0
                for byte in offset..<keySize {
                    tail |= UInt64(key.load(fromByteOffset: byte, as: UInt8.self)) << shift
                    shift += 8
                }
            }
            h = Self.fold(h ^ tail, 0x9e37_79b9_7f4a_7c15)
        }
        return Self.fold(h, 0xbf58_476d_1ce4_e5b9)
    }

    @inline(__always)
    private func equal(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer) -> Bool {
        switch keySize {
        case 4: a.loadUnaligned(as: UInt32.self) == b.loadUnaligned(as: UInt32.self)
        case 8: a.loadUnaligned(as: UInt64.self) == b.loadUnaligned(as: UInt64.self)
        case 16:
            a.loadUnaligned(as: UInt64.self) == b.loadUnaligned(as: UInt64.self)
                && a.loadUnaligned(fromByteOffset: 8, as: UInt64.self) == b.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
        default: memcmp(a, b, keySize) == 0
        }
    }
}
