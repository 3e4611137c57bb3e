import EBPFCore
import Synchronization

/// `BPF_MAP_TYPE_ARRAY`: `maxEntries` values indexed by a 4-byte key, all present from creation
/// (zero-filled) and never deleted. Also holds an ELF object's `.data`, `.rodata` and `.bss`
/// (one element the size of the section).
public final class ArrayMap: BPFMap, @unchecked Sendable {
    /// `maxEntries` values, each at a multiple of `stride`, allocated once.
    private let storage: UnsafeMutableRawPointer
    private let stride: Int
    /// Serialises writers from Swift; programs write values in place, as in the kernel.
    private let lock = Mutex<Void>(())

    init(name: String, definition: MapDefinition) throws(MapError) {
        try definition.validate()  // before allocating what it sizes
        stride = MapDefinition.valueStride(definition.valueSize)
        storage = ZeroedStorage.allocate(byteCount: stride * definition.maxEntries)
        super.init(validatedDefinition: definition, name: name)
    }

    deinit {
        ZeroedStorage.release(storage)
    }

    public override var regions: [MemoryRegion] {
        [MemoryRegion(start: UInt64(UInt(bitPattern: storage)), count: UInt64(stride * definition.maxEntries))]
    }

    /// The address of element `index`'s value, or `nil` past the end.
    func valueAddress(_ index: UInt32) -> UnsafeMutableRawPointer? {
        Int(index) < definition.maxEntries ? storage + Int(index) * stride : nil
    }

    /// Where the values are, for a lookup computed in line by the JIT.
    var inlineLookup: InlineArrayLookup {
        InlineArrayLookup(base: UInt64(UInt(bitPattern: storage)), stride: stride, maxEntries: definition.maxEntries)
    }

    /// Reads or writes element `index`'s value in place (for example to fill `.data` before a run).
    public func withValue<R>(at index: UInt32, _ body: (UnsafeMutableRawBufferPointer) throws -> R) throws -> R? {
        guard let address = valueAddress(index) else { return nil }
        return try body(UnsafeMutableRawBufferPointer(start: address, count: definition.valueSize))
    }

    override func lookupFromProgram(key: UnsafeRawPointer) -> UnsafeMutableRawPointer? {
        valueAddress(key.loadUnaligned(as: UInt32.self))
    }

    override func copyValue(key: UnsafeRawPointer, into value: UnsafeMutableRawPointer) throws(MapError) -> Bool {
        guard let address = valueAddress(key.loadUnaligned(as: UInt32.self)) else { return false }
        lock.withLock { _ in value.copyMemory(from: address, byteCount: definition.valueSize) }
        return true
    }

    override func update(key: UnsafeRawPointer, value: UnsafeRawPointer, flags: MapUpdateFlags) throws(MapError) {
        let flags = try flags.validated()
        let index = key.loadUnaligned(as: UInt32.self)
        guard let address = valueAddress(index) else {
            throw .indexOutOfRange(index: index, maxEntries: definition.maxEntries)
        }
        // Every element exists, so BPF_NOEXIST always fails (as in the kernel).
        guard flags != .noExist else { throw .keyExists }
        lock.withLock { _ in address.copyMemory(from: value, byteCount: definition.valueSize) }
    }

    override func delete(key: UnsafeRawPointer) throws(MapError) {
        throw .operationNotSupported(operation: "delete", type: .array)
    }

    override func nextKey(after key: UnsafeRawPointer?, into next: UnsafeMutableRawPointer) throws(MapError) -> Bool {
        let index = key.map { $0.loadUnaligned(as: UInt32.self) }
        let following: Int
        if let index, Int(index) < definition.maxEntries {
            following = Int(index) + 1
        } else {
            following = 0
        }
        guard following < definition.maxEntries else { return false }
        next.storeBytes(of: UInt32(following), as: UInt32.self)
        return true
    }
}
