import EBPFCore
import Synchronization

/// `BPF_MAP_TYPE_PERCPU_ARRAY`, `BPF_MAP_TYPE_PERCPU_HASH` and `BPF_MAP_TYPE_LRU_PERCPU_HASH`:
/// one value per CPU for each key.
///
/// The map keeps ``possibleCPUs`` values per key (``PerCPU/possibleCPUs`` when it was created),
/// each at a multiple of the value size rounded up to 8. A program's `bpf_map_lookup_elem`
/// returns the slot of the run's CPU (``PerCPU/current``), and its `bpf_map_update_elem`
/// writes that slot only (a new hash element starts with every other CPU's slot zeroed, as
/// the kernel's `pcpu_init_value` does). From Swift, as with the kernel's `BPF_MAP_LOOKUP_ELEM`
/// and `BPF_MAP_UPDATE_ELEM` on per-CPU maps, a value is every CPU's, `possibleCPUs ×
/// round_up(valueSize, 8)` bytes (``userValueSize``); ``values(_:as:)`` and
/// ``update(_:perCPU:flags:)`` are the typed forms.
///
/// Keys, flags, iteration and errors are those of ``ArrayMap`` and ``HashMap``, which hold the
/// elements (with a value of every CPU's slots); an LRU per-CPU hash map is an LRU ``HashMap``
/// inside: full, it evicts the least recently used key (a program's lookup or update uses a
/// key, a lookup from Swift does not), and a new element's other CPUs' slots start zeroed, as
/// the kernel's `pcpu_init_value` does for both per-CPU hash types.
public final class PerCPUMap: BPFMap, @unchecked Sendable {
    /// The values kept per key.
    public let possibleCPUs: Int
    private let stride: Int
    private let elements: BPFMap
    /// Serialises a program's insertion of a new hash element (read, then insert).
    private let lock = Mutex<Void>(())

    /// Creates a per-CPU map of `definition` (type `.perCPUArray`, `.perCPUHash` or `.lruPerCPUHash`) with
    /// `possibleCPUs` values per key (``BPFMap/make(_:name:)`` takes ``PerCPU/possibleCPUs``).
    public static func make(_ definition: MapDefinition, name: String = "", possibleCPUs: Int) throws(MapError) -> PerCPUMap {
        guard [.perCPUArray, .perCPUHash, .lruPerCPUHash].contains(definition.type) else {
            throw .invalidDefinition("\(definition.type) is not a per-CPU map type")
        }
        let map = try PerCPUMap(name: name, definition: definition, possibleCPUs: possibleCPUs)
        LiveMaps.register(map)
        return map
    }

    init(name: String, definition: MapDefinition, possibleCPUs: Int = PerCPU.possibleCPUs) throws(MapError) {
        try definition.validate()
        guard (1...4096).contains(possibleCPUs) else { throw .invalidDefinition("\(possibleCPUs) CPUs is out of range 1...4096") }
        self.possibleCPUs = possibleCPUs
        stride = MapDefinition.valueStride(definition.valueSize)
        var inner = definition
        inner.type =
            switch definition.type {
            case .perCPUArray: .array
            case .lruPerCPUHash: .lruHash
            default: .hash
            }
        inner.valueSize = stride * possibleCPUs
        try inner.validate()
        elements = inner.type == .array
            ? try ArrayMap(name: name, definition: inner) : try HashMap(name: name, definition: inner)
        super.init(validatedDefinition: definition, name: name)
    }

    public override var regions: [MemoryRegion] { elements.regions }

    public override var userValueSize: Int { stride * possibleCPUs }

    /// The running program's CPU, or `nil` when it is not one of this map's.
    private var currentCPU: Int? {
        let cpu = PerCPU.current
        return cpu >= 0 && cpu < possibleCPUs ? cpu : nil
    }

    override func lookupFromProgram(key: UnsafeRawPointer) -> UnsafeMutableRawPointer? {
        guard let cpu = currentCPU, let values = elements.lookupFromProgram(key: key) else { return nil }
        return values + cpu * stride
    }

    override func copyValue(key: UnsafeRawPointer, into value: UnsafeMutableRawPointer) throws(MapError) -> Bool {
        try elements.copyValue(key: key, into: value)
    }

    override func update(key: UnsafeRawPointer, value: UnsafeRawPointer, flags: MapUpdateFlags) throws(MapError) {
        try elements.update(key: key, value: value, flags: flags)
    }

    override func updateFromProgram(key: UnsafeRawPointer, value: UnsafeRawPointer, flags: MapUpdateFlags) throws(MapError) {
        let flags = try flags.validated()
        guard let cpu = currentCPU else { throw .invalidDefinition("CPU \(PerCPU.current) is not one of the map's \(possibleCPUs)") }
        try lock.withLock { (_) throws(MapError) in
            if let values = elements.lookupFromProgram(key: key) {
                guard flags != .noExist else { throw .keyExists }
                (values + cpu * stride).copyMemory(from: value, byteCount: definition.valueSize)
                return
            }
            guard flags != .exist else { throw .keyNotFound }
            if definition.type == .perCPUArray {
                throw .indexOutOfRange(index: key.loadUnaligned(as: UInt32.self), maxEntries: definition.maxEntries)
            }
            var fresh = [UInt8](repeating: 0, count: userValueSize)
            fresh.withUnsafeMutableBytes { bytes in
                (bytes.baseAddress! + cpu * stride).copyMemory(from: value, byteCount: definition.valueSize)
            }
            try Self.withPointer(to: fresh) { (pointer) throws(MapError) in
                try elements.update(key: key, value: pointer, flags: .noExist)
            }
        }
    }

    override func delete(key: UnsafeRawPointer) throws(MapError) {
        guard definition.type != .perCPUArray else { throw .operationNotSupported(operation: "delete", type: definition.type) }
        try elements.delete(key: key)
    }

    override func nextKey(after key: UnsafeRawPointer?, into next: UnsafeMutableRawPointer) throws(MapError) -> Bool {
        try elements.nextKey(after: key, into: next)
    }

    /// Every CPU's value of `key`, or `nil` when there is no such element.
    public func values<Key: BitwiseCopyable, Value: BitwiseCopyable>(
        _ key: Key, as type: Value.Type = Value.self
    ) throws(MapError) -> [Value]? {
        try checkValue(Value.self)
        let bytes: [UInt8]
        do {
            bytes = try lookup(key: Self.bytes(of: key))
        } catch .keyNotFound {
            return nil
        }
        return bytes.withUnsafeBytes { raw in
            (0..<possibleCPUs).map { raw.loadUnaligned(fromByteOffset: $0 * stride, as: Value.self) }
        }
    }

    /// Stores one value per CPU under `key` (`values.count` must be ``possibleCPUs``).
    public func update<Key: BitwiseCopyable, Value: BitwiseCopyable>(
        _ key: Key, perCPU values: [Value], flags: MapUpdateFlags = .any
    ) throws(MapError) {
        try checkValue(Value.self)
        guard values.count == possibleCPUs else {
            throw .wrongValueSize(expected: userValueSize, actual: values.count * stride)
        }
        var bytes = [UInt8](repeating: 0, count: userValueSize)
        bytes.withUnsafeMutableBytes { raw in
            for (cpu, value) in values.enumerated() { raw.storeBytes(of: value, toByteOffset: cpu * stride, as: Value.self) }
        }
        try update(key: Self.bytes(of: key), value: bytes, flags: flags)
    }

    /// The sum over CPUs of each 64-bit word of `value` (a ``userValueSize``-byte value), the
    /// usual way to read per-CPU counters; `valueSize` must be a multiple of 8.
    public func summed(_ value: [UInt8]) -> [UInt64] {
        let words = definition.valueSize / 8
        return value.withUnsafeBytes { raw in
            (0..<words).map { word in
                (0..<possibleCPUs).reduce(UInt64(0)) { $0 &+ raw.loadUnaligned(fromByteOffset: $1 * stride + word * 8, as: UInt64.self) }
            }
        }
    }

    private func checkValue<Value>(_ type: Value.Type) throws(MapError) {
        guard MemoryLayout<Value>.size == definition.valueSize else {
            throw .wrongValueSize(expected: definition.valueSize, actual: MemoryLayout<Value>.size)
        }
    }
}
