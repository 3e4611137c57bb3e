/// The `flags` argument of a map update, as the kernel's `BPF_ANY`, `BPF_NOEXIST` and `BPF_EXIST`.
public struct MapUpdateFlags: RawRepresentable, Sendable, Hashable {
    public let rawValue: UInt64

    public init(rawValue: UInt64) {
        self.rawValue = rawValue
    }

    /// `BPF_ANY`: create the element or replace its value.
    public static let any = MapUpdateFlags(rawValue: 0)
    /// `BPF_NOEXIST`: create the element; fail with ``MapError/keyExists`` if it exists.
    public static let noExist = MapUpdateFlags(rawValue: 1)
    /// `BPF_EXIST`: replace the value of an existing element; fail with ``MapError/keyNotFound`` if
    /// there is none.
    public static let exist = MapUpdateFlags(rawValue: 2)

    /// Checks the flags the way the kernel does: only one of the three values above (`BPF_F_LOCK`
    /// needs spin locks in values, which this runtime does not support).
    func validated() throws(MapError) -> MapUpdateFlags {
        guard rawValue <= MapUpdateFlags.exist.rawValue else { throw .invalidFlags(rawValue) }
        return self
    }
}
