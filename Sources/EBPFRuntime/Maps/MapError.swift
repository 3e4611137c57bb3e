/// Why a map operation failed. Each case has the kernel's error number: programs see
/// ``kernelReturnValue`` (a negative errno) from the helpers, Swift callers get the typed error.
public enum MapError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No element with that key (`ENOENT`); also `BPF_EXIST` on a missing key.
    case keyNotFound
    /// `BPF_NOEXIST` on a key that exists (`EEXIST`).
    case keyExists
    /// A hash map holds `maxEntries` elements already (`E2BIG`).
    case mapFull(maxEntries: Int)
    /// An array index at or past `maxEntries` (`E2BIG` on update, `ENOENT` on lookup).
    case indexOutOfRange(index: UInt32, maxEntries: Int)
    /// Flags other than `BPF_ANY`, `BPF_NOEXIST` or `BPF_EXIST` (`EINVAL`).
    case invalidFlags(UInt64)
    /// A key of the wrong length (`EINVAL`).
    case wrongKeySize(expected: Int, actual: Int)
    /// A value of the wrong length (`EINVAL`).
    case wrongValueSize(expected: Int, actual: Int)
    /// The map type does not have this operation, e.g. deleting from an array (`EINVAL`).
    case operationNotSupported(operation: String, type: MapType)
    /// A map definition the kernel would refuse (`EINVAL`).
    case invalidDefinition(String)
    /// No map (or program) has this handle (`EBADF`).
    case unknownHandle(Int32)
    /// A ring buffer has no room for the record (`EAGAIN`).
    case noSpace(requested: Int)

    /// The kernel's error number for this failure.
    public var errno: Int32 {
        switch self {
        case .keyNotFound: 2  // ENOENT
        case .keyExists: 17  // EEXIST
        case .mapFull, .indexOutOfRange: 7  // E2BIG
        case .invalidFlags, .wrongKeySize, .wrongValueSize, .operationNotSupported, .invalidDefinition: 22  // EINVAL
        case .unknownHandle: 9  // EBADF
        case .noSpace: 11  // EAGAIN
        }
    }

    /// What a helper returns to the program for this failure: `-errno`, as a 64-bit register value.
    public var kernelReturnValue: UInt64 {
        UInt64(bitPattern: -Int64(errno))
    }

    public var description: String {
        switch self {
        case .keyNotFound: "no element with that key (ENOENT)"
        case .keyExists: "an element with that key exists (EEXIST)"
        case .mapFull(let maxEntries): "map is full (\(maxEntries) entries) (E2BIG)"
        case .indexOutOfRange(let index, let maxEntries): "index \(index) is out of range 0..<\(maxEntries) (E2BIG)"
        case .invalidFlags(let flags): "invalid update flags 0x\(String(flags, radix: 16)) (EINVAL)"
        case .wrongKeySize(let expected, let actual): "key has \(actual) bytes, the map's keys have \(expected) (EINVAL)"
        case .wrongValueSize(let expected, let actual): "value has \(actual) bytes, the map's values have \(expected) (EINVAL)"
        case .operationNotSupported(let operation, let type): "\(type) maps do not support \(operation) (EINVAL)"
        case .invalidDefinition(let reason): "invalid map definition: \(reason) (EINVAL)"
        case .unknownHandle(let handle): "no map or program with handle \(handle) (EBADF)"
        case .noSpace(let requested): "no room for a record of \(requested) bytes (EAGAIN)"
        }
    }
}
