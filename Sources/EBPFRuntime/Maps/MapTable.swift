import Synchronization

/// A `bpf()`-like façade: maps (and programs, for program arrays) by integer handle, as the
/// kernel's file descriptors. Handles start at 1 and are never reused by one table.
///
/// ```swift
/// let table = MapTable()
/// let counts = try table.create(MapDefinition(type: .hash, keySize: 4, valueSize: 8, maxEntries: 64))
/// try table.update(counts, key: [6, 0, 0, 0], value: [1, 0, 0, 0, 0, 0, 0, 0])
/// let value = try table.lookup(counts, key: [6, 0, 0, 0])
/// ```
public final class MapTable: Sendable {
    private struct Contents {
        var maps: [Int32: BPFMap] = [:]
        var programs: [Int32: TailCallTarget] = [:]
        var nextHandle: Int32 = 1
    }

    private let contents = Mutex(Contents())

    public init() {}

    /// `BPF_MAP_CREATE`: creates a map and returns its handle.
    @discardableResult
    public func create(_ definition: MapDefinition, name: String = "") throws(MapError) -> Int32 {
        try add(BPFMap.make(definition, name: name))
    }

    /// Adds an existing map (for example one an ELF object created) and returns its new handle.
    public func add(_ map: BPFMap) -> Int32 {
        contents.withLock { contents in
            let handle = contents.nextHandle
            contents.nextHandle += 1
            contents.maps[handle] = map
            return handle
        }
    }

    /// Registers a program so program arrays can refer to it by handle (as `BPF_PROG_LOAD`'s fd).
    public func register(_ program: TailCallTarget) -> Int32 {
        contents.withLock { contents in
            let handle = contents.nextHandle
            contents.nextHandle += 1
            contents.programs[handle] = program
            return handle
        }
    }

    /// The map with `handle`.
    public func map(_ handle: Int32) throws(MapError) -> BPFMap {
        guard let map = contents.withLock({ $0.maps[handle] }) else { throw .unknownHandle(handle) }
        return map
    }

    /// Every map, by handle.
    public var maps: [Int32: BPFMap] { contents.withLock { $0.maps } }

    /// The handle of the first map named `name`, if any.
    public func handle(named name: String) -> Int32? {
        contents.withLock { contents in contents.maps.filter { $0.value.name == name }.keys.min() }
    }

    /// Closes a map or program handle (the object lives on while programs use it).
    public func close(_ handle: Int32) throws(MapError) {
        let removed = contents.withLock { contents in
            contents.maps.removeValue(forKey: handle) != nil || contents.programs.removeValue(forKey: handle) != nil
        }
        guard removed else { throw .unknownHandle(handle) }
    }

    /// `BPF_MAP_LOOKUP_ELEM`.
    public func lookup(_ handle: Int32, key: [UInt8]) throws(MapError) -> [UInt8] {
        try map(handle).lookup(key: key)
    }

    /// `BPF_MAP_UPDATE_ELEM`. For a program array, `value` is a 4-byte program handle from
    /// ``register(_:)``.
    public func update(_ handle: Int32, key: [UInt8], value: [UInt8], flags: MapUpdateFlags = .any) throws(MapError) {
        let map = try map(handle)
        guard let programs = map as? ProgramArrayMap else {
            try map.update(key: key, value: value, flags: flags)
            return
        }
        guard key.count == 4 else { throw .wrongKeySize(expected: 4, actual: key.count) }
        guard value.count == 4 else { throw .wrongValueSize(expected: 4, actual: value.count) }
        let index = key.withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }
        let programHandle = value.withUnsafeBytes { $0.loadUnaligned(as: Int32.self) }
        guard let target = contents.withLock({ $0.programs[programHandle] }) else { throw .unknownHandle(programHandle) }
        try programs.setFromTable(index: index, handle: UInt32(bitPattern: programHandle), target: target, flags: flags)
    }

    /// `BPF_MAP_DELETE_ELEM`.
    public func delete(_ handle: Int32, key: [UInt8]) throws(MapError) {
        try map(handle).delete(key: key)
    }

    /// `BPF_MAP_GET_NEXT_KEY`: the key after `key` (the first for `nil`), `nil` after the last.
    public func nextKey(_ handle: Int32, after key: [UInt8]?) throws(MapError) -> [UInt8]? {
        try map(handle).nextKey(after: key)
    }
}
