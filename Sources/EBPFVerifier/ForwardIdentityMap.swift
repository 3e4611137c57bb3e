/// The correspondence of ids used when a loop invariant (or any stored state, under the widening
/// policy) is compared with a newer state: each id of the stored state must stand for one id of
/// the newer state, so every link the stored state relies on also holds in the newer one. Unlike
/// ``IdentityMap`` it need not be one-to-one: a newer state with more links (two registers known
/// equal that the stored state keeps apart) is still described by the stored state.
struct ForwardIdentityMap {
    private var scalars: [UInt32: UInt32] = [:]
    /// Packet and `_or_null` pointers: the newer id and the difference of the fixed offsets,
    /// since pointers sharing a variable part must be shifted alike.
    private var pointers: [UInt32: PointerImage] = [:]

    private struct PointerImage: Equatable {
        var id: UInt32
        var shift: Int64
    }

    /// A stored scalar id against a newer one: 0 (no link) matches anything; the memory length's
    /// id only itself.
    mutating func matchScalar(_ old: UInt32, _ new: UInt32) -> Bool {
        if old == 0 { return true }
        if old == AbstractInterpreter.memoryLengthID { return new == old }
        if new == 0 { return false }
        if let mapped = scalars[old] { return mapped == new }
        scalars[old] = new
        return true
    }

    /// A stored pointer id against a newer pointer's id and the difference of their fixed
    /// offsets. Id 0 on a packet pointer means "no variable part" (length checks apply to it), so
    /// it matches only itself.
    mutating func matchPointer(_ old: UInt32, _ new: UInt32, shift: Int64) -> Bool {
        if old == 0 { return new == 0 }
        let image = PointerImage(id: new, shift: shift)
        if let mapped = pointers[old] { return mapped == image }
        pointers[old] = image
        return true
    }
}
