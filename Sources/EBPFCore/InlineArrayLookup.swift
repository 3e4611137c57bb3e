/// Where an array map keeps its values, for an engine that computes a `bpf_map_lookup_elem`
/// result in line (as the kernel's `map_gen_lookup` does) instead of calling the helper: the
/// value of key `k` is at `base + k * stride` when `k < maxEntries`, and the lookup returns null
/// otherwise.
public struct InlineArrayLookup: Sendable, Hashable {
    /// The address of element 0's value; the storage never moves while the map lives.
    public let base: UInt64
    /// Bytes from one value to the next.
    public let stride: Int
    /// The number of elements: keys at or above it have no value.
    public let maxEntries: Int

    public init(base: UInt64, stride: Int, maxEntries: Int) {
        self.base = base
        self.stride = stride
        self.maxEntries = maxEntries
    }
}
