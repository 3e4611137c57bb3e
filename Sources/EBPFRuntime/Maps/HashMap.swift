import EBPFCore
import Synchronization

/// `BPF_MAP_TYPE_HASH` and `BPF_MAP_TYPE_LRU_HASH`: keys of any fixed size.
///
/// As the kernel does by default, all `maxEntries` slots are preallocated: keys and values live in
/// two slabs allocated once, so a value's address never changes while its element exists. A hash
/// map refuses a new key when full (`E2BIG`); an LRU hash map evicts its least recently used
/// element instead. An update, or a program's `bpf_map_lookup_elem`, makes an element the most
/// recently used; a lookup from Swift does not (as the kernel's lookup from user space).
///
/// Iteration order (``BPFMap/nextKey(after:)``) is slot order, which is stable while the map does
/// not change.
public final class HashMap: BPFMap, @unchecked Sendable {
    private let keySlab: UnsafeMutableRawPointer
    private let valueSlab: UnsafeMutableRawPointer
    private let stride: Int
    private let state: Mutex<HashMapSlots>

    init(name: String, definition: MapDefinition) throws(MapError) {
        try definition.validate()  // before allocating what it sizes
        stride = MapDefinition.valueStride(definition.valueSize)
        keySlab = ZeroedStorage.allocate(byteCount: definition.keySize * definition.maxEntries)
        valueSlab = ZeroedStorage.allocate(byteCount: stride * definition.maxEntries)
        let index = HashMapIndex(keys: keySlab, keySize: definition.keySize, capacity: definition.maxEntries)
        state = Mutex(HashMapSlots(capacity: definition.maxEntries, index: index))
        super.init(validatedDefinition: definition, name: name)
    }

    deinit {
        state.withLock { $0.index.release() }
        ZeroedStorage.release(keySlab)
        ZeroedStorage.release(valueSlab)
    }

    /// Whether full maps evict (LRU hash) rather than refuse new keys.
    public var evictsWhenFull: Bool { definition.type == .lruHash }

    /// Elements currently stored.
    public var count: Int { state.withLock { $0.index.count } }

    /// `bpf_map_lookup_elem(map, key)` for code that calls it directly (``HelperFunction/directLookup``):
    /// R1 is the map's ``BPFMap/programAddress`` (the caller keeps the map alive) and R2 points
    /// at a key of the map's key size; returns the value's address or 0. No checks: the verifier
    /// proved both arguments.
    static let directLookup: @convention(c) (UInt64, UInt64) -> UInt64 = { mapAddress, keyAddress in
        let map = Unmanaged<HashMap>.fromOpaque(UnsafeRawPointer(bitPattern: UInt(mapAddress))!)
        return map._withUnsafeGuaranteedRef { map in
            UInt64(UInt(bitPattern: map.lookupFromProgram(key: UnsafeRawPointer(bitPattern: UInt(keyAddress))!)))
        }
    }

    public override var regions: [MemoryRegion] {
        [MemoryRegion(start: UInt64(UInt(bitPattern: valueSlab)), count: UInt64(stride * definition.maxEntries))]
    }

    private func value(_ slot: Int32) -> UnsafeMutableRawPointer {
        valueSlab + Int(slot) * stride
    }

    override func lookupFromProgram(key: UnsafeRawPointer) -> UnsafeMutableRawPointer? {
        let slot: Int32? = state.withLock { slots in
            guard let slot = slots.index.find(key) else { return nil }
            if evictsWhenFull { slots.markUsed(slot) }
            return slot
        }
        return slot.map(value)
    }

    override func copyValue(key: UnsafeRawPointer, into target: UnsafeMutableRawPointer) throws(MapError) -> Bool {
        return state.withLock { slots in
            guard let slot = slots.index.find(key) else { return false }
            target.copyMemory(from: value(slot), byteCount: definition.valueSize)
            return true
        }
    }

    override func update(key: UnsafeRawPointer, value newValue: UnsafeRawPointer, flags: MapUpdateFlags) throws(MapError) {
        let flags = try flags.validated()
        try state.withLock { (slots) throws(MapError) in
            if let slot = slots.index.find(key) {
                guard flags != .noExist else { throw .keyExists }
                value(slot).copyMemory(from: newValue, byteCount: definition.valueSize)
                if evictsWhenFull { slots.markUsed(slot) }
                return
            }
            guard flags != .exist else { throw .keyNotFound }
            let slot: Int32
            if let free = slots.takeFreeSlot() {
                slot = free
            } else if evictsWhenFull, let victim = slots.leastRecentlyUsed {
                slots.remove(victim)
                slot = slots.takeFreeSlot()!
            } else {
                throw .mapFull(maxEntries: definition.maxEntries)
            }
            (keySlab + Int(slot) * definition.keySize).copyMemory(from: key, byteCount: definition.keySize)
            value(slot).copyMemory(from: newValue, byteCount: definition.valueSize)
            slots.insert(slot)
        }
    }

    override func delete(key: UnsafeRawPointer) throws(MapError) {
        try state.withLock { (slots) throws(MapError) in
            guard let slot = slots.index.find(key) else { throw .keyNotFound }
            slots.remove(slot)
        }
    }

    override func nextKey(after key: UnsafeRawPointer?, into next: UnsafeMutableRawPointer) throws(MapError) -> Bool {
        return state.withLock { slots in
            var start = 0
            if let key, let slot = slots.index.find(key) { start = Int(slot) + 1 }
            guard let found = slots.firstOccupied(from: start) else { return false }
            next.copyMemory(from: keySlab + Int(found) * definition.keySize, byteCount: definition.keySize)
            return true
        }
    }
}
