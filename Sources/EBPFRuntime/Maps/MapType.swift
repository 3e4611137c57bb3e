/// The kinds of map the runtime implements, numbered as the kernel's `enum bpf_map_type`.
public enum MapType: UInt32, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// `BPF_MAP_TYPE_HASH`: keys of any size, preallocated slots, updates fail when full.
    case hash = 1
    /// `BPF_MAP_TYPE_ARRAY`: 4-byte index keys `0..<maxEntries`, every element always present.
    case array = 2
    /// `BPF_MAP_TYPE_PROG_ARRAY`: 4-byte index keys to programs, the targets of `bpf_tail_call`.
    case programArray = 3
    /// `BPF_MAP_TYPE_PERCPU_HASH`: a hash map with one value per CPU for each key.
    case perCPUHash = 5
    /// `BPF_MAP_TYPE_PERCPU_ARRAY`: an array with one value per CPU for each index.
    case perCPUArray = 6
    /// `BPF_MAP_TYPE_LRU_HASH`: a hash map that evicts the least recently used key when full.
    case lruHash = 9
    /// `BPF_MAP_TYPE_LRU_PERCPU_HASH`: an LRU hash map with one value per CPU for each key.
    case lruPerCPUHash = 10
    /// `BPF_MAP_TYPE_LPM_TRIE`: keys are a 32-bit prefix length and the data; a program's lookup
    /// finds the longest stored prefix that matches.
    case lpmTrie = 11
    /// `BPF_MAP_TYPE_DEVMAP`: interfaces XDP programs redirect to with `bpf_redirect_map`.
    case deviceMap = 14
    /// `BPF_MAP_TYPE_CPUMAP`: CPUs XDP programs redirect to with `bpf_redirect_map`.
    case cpuMap = 16
    /// `BPF_MAP_TYPE_XSKMAP`: AF_XDP sockets XDP programs redirect to with `bpf_redirect_map`.
    case xdpSocketMap = 17
    /// `BPF_MAP_TYPE_RINGBUF`: a byte ring programs write records into and Swift reads.
    case ringBuffer = 27

    /// The kernel's name without the `BPF_MAP_TYPE_` prefix, lower-cased (`hash`, `lru_hash`, ...).
    public var description: String {
        switch self {
        case .hash: "hash"
        case .array: "array"
        case .programArray: "prog_array"
        case .perCPUHash: "percpu_hash"
        case .perCPUArray: "percpu_array"
        case .lruHash: "lru_hash"
        case .lruPerCPUHash: "lru_percpu_hash"
        case .lpmTrie: "lpm_trie"
        case .deviceMap: "devmap"
        case .cpuMap: "cpumap"
        case .xdpSocketMap: "xskmap"
        case .ringBuffer: "ringbuf"
        }
    }
}
