extension Array {
    /// An array of `count` copies of `value`, as `Array(repeating:count:)` makes, but built
    /// through code specialized for `Element` in the caller.
    ///
    /// `Array(repeating:count:)` allocates through a standard-library entry point that is not
    /// specialized, which looks the array storage's generic metadata up at run time (a hash-table
    /// search, several hundred instructions) for every array; for the JIT's and the analyses'
    /// small per-compilation arrays that lookup cost more than filling them. Reserving and then
    /// appending takes the specialized path, whose metadata reference is cached.
    @inlinable
    public static func filled(with value: Element, count: Int) -> [Element] {
        var array: [Element] = []
        array.reserveCapacity(count)
        array.append(contentsOf: repeatElement(value, count: count))
        return array
    }
}
