import EBPFCore
import Synchronization

/// A map: storage shared by programs (through the map helpers) and Swift code.
///
/// Create maps with ``MapTable/create(_:name:)`` or ``BPFMap/make(_:name:)``; the concrete classes
/// are ``ArrayMap``, ``HashMap`` (hash and LRU hash), ``PerCPUMap``, ``LPMTrieMap``, ``RingBufferMap``
/// and ``ProgramArrayMap``.
/// Every operation is safe to call from several threads at once, including while programs that
/// use the map run on other threads.
///
/// A program refers to a map by ``programAddress``, the address of this object: the map helpers
/// accept an address only while it belongs to a live map (see ``LiveMaps``), so a bad pointer from
/// an unverified program makes a helper fail instead of crashing. Values returned to programs by
/// `bpf_map_lookup_elem` point into storage allocated once when the map is created, which never
/// moves; ``regions`` lists it so engines checking accesses at run time allow it.
public class BPFMap: @unchecked Sendable, CustomStringConvertible {
    // @unchecked Sendable: the only mutable state of every subclass is behind a Mutex, and the
    // storage pointers are written once in init.

    /// The map's name (from the ELF object, or given when created).
    public let name: String
    public let definition: MapDefinition

    /// Subclasses validate the definition before they allocate storage and call this.
    init(validatedDefinition definition: MapDefinition, name: String) {
        self.name = name
        self.definition = definition
    }

    deinit {
        LiveMaps.unregister(address: programAddress)
    }

    /// Creates a map of the definition's type.
    public static func make(_ definition: MapDefinition, name: String = "") throws(MapError) -> BPFMap {
        let map: BPFMap
        switch definition.type {
        case .array: map = try ArrayMap(name: name, definition: definition)
        case .hash, .lruHash: map = try HashMap(name: name, definition: definition)
        case .ringBuffer: map = try RingBufferMap(name: name, definition: definition)
        case .lpmTrie: map = try LPMTrieMap(name: name, definition: definition)
        case .perCPUArray, .perCPUHash, .lruPerCPUHash: map = try PerCPUMap(name: name, definition: definition)
        case .deviceMap, .cpuMap, .xdpSocketMap: map = try RedirectMap(name: name, definition: definition)
        case .programArray: map = try ProgramArrayMap(name: name, definition: definition)
        }
        LiveMaps.register(map)
        return map
    }

    /// The value a program holds for this map (what a linked `lddw rN, map` loads).
    public final var programAddress: UInt64 {
        UInt64(UInt(bitPattern: Unmanaged.passUnretained(self).toOpaque()))
    }

    /// Bytes of a value as Swift reads and writes it with ``lookup(key:)`` and
    /// ``update(key:value:flags:)``: the value size, or for per-CPU maps every CPU's value
    /// (``PerCPUMap``), as the kernel's `bpf()` gives them.
    public var userValueSize: Int { definition.valueSize }

    /// Storage programs may access directly (map values, ring buffer data).
    public var regions: [MemoryRegion] { [] }

    public var description: String {
        "\(definition.type) map '\(name)' (key \(definition.keySize) B, value \(definition.valueSize) B, max \(definition.maxEntries))"
    }

    // MARK: Operations on raw memory, shared by the helpers and the Swift API.
    // Every pointer given here covers the map's key or value size.

    /// `bpf_map_lookup_elem` as programs see it: the address of the stored value, or `nil`.
    func lookupFromProgram(key: UnsafeRawPointer) -> UnsafeMutableRawPointer? { nil }

    /// Copies the value of `key` into `value`; `false` when there is no such element.
    func copyValue(key: UnsafeRawPointer, into value: UnsafeMutableRawPointer) throws(MapError) -> Bool {
        throw .operationNotSupported(operation: "lookup", type: definition.type)
    }

    func update(key: UnsafeRawPointer, value: UnsafeRawPointer, flags: MapUpdateFlags) throws(MapError) {
        throw .operationNotSupported(operation: "update", type: definition.type)
    }

    /// `bpf_map_update_elem` from a program: `value` covers the value size (per-CPU maps write
    /// the running CPU's slot only).
    func updateFromProgram(key: UnsafeRawPointer, value: UnsafeRawPointer, flags: MapUpdateFlags) throws(MapError) {
        try update(key: key, value: value, flags: flags)
    }

    func delete(key: UnsafeRawPointer) throws(MapError) {
        throw .operationNotSupported(operation: "delete", type: definition.type)
    }

    /// Writes the key following `key` (the first key when `key` is `nil` or absent) into `next`;
    /// `false` when `key` was the last.
    func nextKey(after key: UnsafeRawPointer?, into next: UnsafeMutableRawPointer) throws(MapError) -> Bool {
        throw .operationNotSupported(operation: "get next key", type: definition.type)
    }
}

// MARK: - The Swift API on byte arrays

extension BPFMap {
    /// The value stored under `key`, copied.
    /// - Throws: ``MapError/keyNotFound`` when there is none, ``MapError/wrongKeySize(expected:actual:)``.
    public func lookup(key: [UInt8]) throws(MapError) -> [UInt8] {
        try checkKey(key)
        var value = [UInt8](repeating: 0, count: userValueSize)
        let found = try Self.withPointer(to: key) { (keyPointer) throws(MapError) -> Bool in
            try Self.withMutablePointer(to: &value) { (valuePointer) throws(MapError) -> Bool in
                try copyValue(key: keyPointer, into: valuePointer)
            }
        }
        guard found else { throw .keyNotFound }
        return value
    }

    /// Stores `value` under `key` with the kernel's flag semantics.
    public func update(key: [UInt8], value: [UInt8], flags: MapUpdateFlags = .any) throws(MapError) {
        try checkKey(key)
        guard value.count == userValueSize else {
            throw .wrongValueSize(expected: userValueSize, actual: value.count)
        }
        try Self.withPointer(to: key) { (keyPointer) throws(MapError) in
            try Self.withPointer(to: value) { (valuePointer) throws(MapError) in
                try update(key: keyPointer, value: valuePointer, flags: flags)
            }
        }
    }

    /// Removes the element with `key`.
    /// - Throws: ``MapError/keyNotFound`` when there is none; arrays throw
    ///   ``MapError/operationNotSupported(operation:type:)``.
    public func delete(key: [UInt8]) throws(MapError) {
        try checkKey(key)
        try Self.withPointer(to: key) { (keyPointer) throws(MapError) in try delete(key: keyPointer) }
    }

    /// The key after `key` in the map's iteration order; the first key when `key` is `nil` or not in
    /// the map; `nil` after the last key (the kernel's `BPF_MAP_GET_NEXT_KEY`, whose `ENOENT` at
    /// the end becomes `nil`).
    public func nextKey(after key: [UInt8]?) throws(MapError) -> [UInt8]? {
        if let key { try checkKey(key) }
        var next = [UInt8](repeating: 0, count: definition.keySize)
        let found = try Self.withMutablePointer(to: &next) { (nextPointer) throws(MapError) -> Bool in
            guard let key else { return try nextKey(after: nil, into: nextPointer) }
            return try Self.withPointer(to: key) { (keyPointer) throws(MapError) -> Bool in
                try nextKey(after: keyPointer, into: nextPointer)
            }
        }
        return found ? next : nil
    }

    /// Every key and value, in iteration order (elements changed meanwhile by other threads may or
    /// may not be seen, as with the kernel's iteration).
    public func entries() throws(MapError) -> [(key: [UInt8], value: [UInt8])] {
        var result: [(key: [UInt8], value: [UInt8])] = []
        var key: [UInt8]? = nil
        while let next = try nextKey(after: key) {
            if let value = try? lookup(key: next) { result.append((next, value)) }
            key = next
            if result.count > definition.maxEntries { break }  // keys changing under us: stop
        }
        return result
    }

    private func checkKey(_ key: [UInt8]) throws(MapError) {
        guard key.count == definition.keySize else {
            throw .wrongKeySize(expected: definition.keySize, actual: key.count)
        }
    }

    /// Calls `body` with a pointer to the bytes of `array` (a valid dummy pointer when empty),
    /// keeping the typed error (the standard library's `withUnsafeBytes` rethrows untyped).
    static func withPointer<R>(
        to array: [UInt8], _ body: (UnsafeRawPointer) throws(MapError) -> R
    ) throws(MapError) -> R {
        var outcome: Result<R, MapError>!
        array.withUnsafeBytes { bytes in
            do throws(MapError) {
                outcome = .success(try body(bytes.baseAddress ?? UnsafeRawPointer(emptyBuffer)))
            } catch {
                outcome = .failure(error)
            }
        }
        return try outcome.get()
    }

    static func withMutablePointer<R>(
        to array: inout [UInt8], _ body: (UnsafeMutableRawPointer) throws(MapError) -> R
    ) throws(MapError) -> R {
        var outcome: Result<R, MapError>!
        array.withUnsafeMutableBytes { bytes in
            do throws(MapError) {
                outcome = .success(try body(bytes.baseAddress ?? emptyBuffer))
            } catch {
                outcome = .failure(error)
            }
        }
        return try outcome.get()
    }

    /// Eight bytes that stand in for the storage of an empty array (zero-size keys and values).
    nonisolated(unsafe) private static let emptyBuffer = UnsafeMutableRawPointer.allocate(byteCount: 8, alignment: 8)
}

// MARK: - The typed Swift API

extension BPFMap {
    /// The value under `key`, or `nil`, with key and value as plain Swift values whose sizes match
    /// the map's key and value sizes (for example `UInt32` keys and `UInt64` counters).
    public func lookup<Key: BitwiseCopyable, Value: BitwiseCopyable>(
        _ key: Key, as type: Value.Type = Value.self
    ) throws(MapError) -> Value? {
        try checkValueType(Value.self)
        let bytes: [UInt8]
        do {
            bytes = try lookup(key: Self.bytes(of: key))
        } catch .keyNotFound {
            return nil
        }
        return bytes.withUnsafeBytes { $0.loadUnaligned(as: Value.self) }
    }

    /// Stores `value` under `key` (typed form of ``update(key:value:flags:)``).
    public func update<Key: BitwiseCopyable, Value: BitwiseCopyable>(
        _ key: Key, _ value: Value, flags: MapUpdateFlags = .any
    ) throws(MapError) {
        try checkValueType(Value.self)
        try update(key: Self.bytes(of: key), value: Self.bytes(of: value), flags: flags)
    }

    /// Removes the element with `key` (typed form of ``delete(key:)``).
    public func delete<Key: BitwiseCopyable>(_ key: Key) throws(MapError) {
        try delete(key: Self.bytes(of: key))
    }

    /// Every element with typed keys and values.
    public func entries<Key: BitwiseCopyable, Value: BitwiseCopyable>(
        as keyType: Key.Type, _ valueType: Value.Type
    ) throws(MapError) -> [(key: Key, value: Value)] {
        guard MemoryLayout<Key>.size == definition.keySize else {
            throw .wrongKeySize(expected: definition.keySize, actual: MemoryLayout<Key>.size)
        }
        try checkValueType(Value.self)
        return try entries().map { entry in
            (entry.key.withUnsafeBytes { $0.loadUnaligned(as: Key.self) },
             entry.value.withUnsafeBytes { $0.loadUnaligned(as: Value.self) })
        }
    }

    /// A typed value must be the whole value Swift reads (per-CPU maps: use
    /// ``PerCPUMap/values(_:as:)`` and ``PerCPUMap/update(_:perCPU:flags:)``).
    private func checkValueType<Value>(_ type: Value.Type) throws(MapError) {
        guard MemoryLayout<Value>.size == userValueSize else {
            throw .wrongValueSize(expected: userValueSize, actual: MemoryLayout<Value>.size)
        }
    }

    static func bytes<T: BitwiseCopyable>(of value: T) -> [UInt8] {
        withUnsafeBytes(of: value) { Array($0) }
    }
}
