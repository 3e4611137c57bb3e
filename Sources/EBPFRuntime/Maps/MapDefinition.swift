/// The attributes a map is created with, as in the kernel's `bpf_attr` for `BPF_MAP_CREATE` and
/// libbpf's map definitions in ELF objects.
public struct MapDefinition: Sendable, Hashable {
    public var type: MapType
    /// Bytes of a key (4 for arrays and program arrays, 0 for ring buffers).
    public var keySize: Int
    /// Bytes of a value (4 for program arrays, 0 for ring buffers).
    public var valueSize: Int
    /// Elements (arrays, hash maps) or bytes of the data area (ring buffers).
    public var maxEntries: Int
    /// The kernel's `map_flags` (for example `BPF_F_RDONLY_PROG`); kept, not interpreted.
    public var flags: UInt32

    public init(type: MapType, keySize: Int, valueSize: Int, maxEntries: Int, flags: UInt32 = 0) {
        self.type = type
        self.keySize = keySize
        self.valueSize = valueSize
        self.maxEntries = maxEntries
        self.flags = flags
    }

    /// `BPF_F_NO_PREALLOC`: required for LPM tries (the runtime preallocates them anyway).
    public static let noPreallocationFlag: UInt32 = 1

    /// `BPF_F_RDONLY_PROG`: programs may read but not write the values (set on `.rodata` maps).
    public static let readOnlyForProgramsFlag: UInt32 = 1 << 7

    /// The largest key or value size accepted (the kernel's `KMALLOC_MAX_SIZE` is larger; this keeps
    /// a corrupt object from asking for absurd allocations).
    public static let maxElementSize = 1 << 20
    /// The largest value of a per-CPU map (the kernel's `PCPU_MIN_UNIT_SIZE`, 32 KiB).
    public static let maxPerCPUValueSize = 32 * 1024
    /// The most bytes one map may preallocate for its values.
    public static let maxStorageBytes = 1 << 30

    /// Checks the definition with the kernel's rules for each map type.
    public func validate() throws(MapError) {
        guard maxEntries > 0 else { throw .invalidDefinition("max_entries must be positive, not \(maxEntries)") }
        switch type {
        case .array, .hash, .lruHash:
            if type == .array {
                guard keySize == 4 else { throw .invalidDefinition("array maps need 4-byte keys, not \(keySize)") }
            } else {
                guard keySize > 0, keySize <= Self.maxElementSize else {
                    throw .invalidDefinition("key size \(keySize) is out of range 1...\(Self.maxElementSize)")
                }
            }
            guard valueSize > 0, valueSize <= Self.maxElementSize else {
                throw .invalidDefinition("value size \(valueSize) is out of range 1...\(Self.maxElementSize)")
            }
            // Hash maps preallocate a key slab beside the value slab; both count against the limit.
            let keyBytes = type == .array ? 0 : keySize
            let (bytes, overflow) = maxEntries.multipliedReportingOverflow(by: Self.valueStride(valueSize) + keyBytes)
            guard !overflow, bytes <= Self.maxStorageBytes else {
                let what = keyBytes == 0
                    ? "\(maxEntries) values of \(valueSize) bytes"
                    : "\(maxEntries) keys of \(keySize) bytes and values of \(valueSize) bytes"
                throw .invalidDefinition("\(what) exceed \(Self.maxStorageBytes) bytes")
            }
        case .perCPUArray, .perCPUHash, .lruPerCPUHash:
            if type == .perCPUArray {
                guard keySize == 4 else { throw .invalidDefinition("per-CPU arrays need 4-byte keys, not \(keySize)") }
            } else {
                guard keySize > 0, keySize <= Self.maxElementSize else {
                    throw .invalidDefinition("key size \(keySize) is out of range 1...\(Self.maxElementSize)")
                }
            }
            // The kernel's limit: a per-CPU value must fit its per-CPU allocator's unit.
            guard valueSize > 0, valueSize <= Self.maxPerCPUValueSize else {
                throw .invalidDefinition("per-CPU value size \(valueSize) is out of range 1...\(Self.maxPerCPUValueSize)")
            }
        case .lpmTrie:
            guard keySize > 4, keySize <= 4 + 256 else {
                throw .invalidDefinition("LPM trie keys are a 4-byte prefix length and 1 to 256 bytes of data, not \(keySize) bytes")
            }
            guard valueSize > 0, valueSize <= Self.maxElementSize else {
                throw .invalidDefinition("value size \(valueSize) is out of range 1...\(Self.maxElementSize)")
            }
            guard flags & Self.noPreallocationFlag != 0 else {
                throw .invalidDefinition("LPM tries need BPF_F_NO_PREALLOC in their flags, as in the kernel")
            }
            let (bytes, overflow) = maxEntries.multipliedReportingOverflow(by: Self.valueStride(valueSize) + keySize)
            guard !overflow, bytes <= Self.maxStorageBytes else {
                throw .invalidDefinition("\(maxEntries) keys of \(keySize) bytes and values of \(valueSize) bytes exceed \(Self.maxStorageBytes) bytes")
            }
        case .deviceMap, .cpuMap, .xdpSocketMap:
            let sizes = type == .xdpSocketMap ? [4] : [4, 8]
            guard keySize == 4, sizes.contains(valueSize) else {
                throw .invalidDefinition("\(type) maps need 4-byte keys and values of \(sizes.map(String.init).joined(separator: " or ")) bytes, not \(keySize) and \(valueSize)")
            }
            guard maxEntries <= 1 << 20 else { throw .invalidDefinition("\(type) of \(maxEntries) entries is too large") }
        case .programArray:
            guard keySize == 4, valueSize == 4 else {
                throw .invalidDefinition("program arrays need 4-byte keys and values, not \(keySize) and \(valueSize)")
            }
            guard maxEntries <= 1 << 20 else { throw .invalidDefinition("program array of \(maxEntries) entries is too large") }
        case .ringBuffer:
            guard keySize == 0, valueSize == 0 else {
                throw .invalidDefinition("ring buffers have no keys or values (sizes \(keySize) and \(valueSize) given)")
            }
            guard maxEntries.nonzeroBitCount == 1, maxEntries % 4096 == 0, maxEntries <= Self.maxStorageBytes else {
                throw .invalidDefinition("a ring buffer's size must be a power of two and a multiple of 4096, not \(maxEntries)")
            }
        }
    }

    /// Bytes between consecutive values in storage: the value size rounded up to 8 so every value
    /// is 8-byte aligned (as in the kernel), which atomics on values need.
    static func valueStride(_ valueSize: Int) -> Int {
        (valueSize + 7) & ~7
    }
}
