/// A map's own `bpf_map_lookup_elem`, for an engine that calls it directly where it knows which
/// map a verified call gets: a C function of (map address, key address) returning the value's
/// address or 0, with no checks of its arguments (the verifier proved the map pointer is one of
/// the program's maps, kept alive by whoever runs the program, and that the key lies in memory the
/// program may read). It replaces the helper's body for that call: no dispatch on the map's type,
/// no run context, the same result.
public struct DirectMapLookup: Sendable {
    /// R1 (the map) and R2 (the key) in, R0 out: the helper's own registers, so a call site
    /// passes them where they are.
    public typealias Function = @convention(c) (UInt64, UInt64) -> UInt64

    public let function: Function

    public init(function: Function) {
        self.function = function
    }

    /// The function's address, for machine code that calls it.
    public var address: UInt64 {
        UInt64(UInt(bitPattern: unsafeBitCast(function, to: UnsafeRawPointer.self)))
    }
}
