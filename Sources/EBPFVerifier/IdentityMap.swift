/// A one-to-one correspondence between the ids of two states, built while comparing them: an id
/// of the old state must always correspond to the same id of the new one and vice versa.
struct IdentityMap {
    private var forward: [UInt32: UInt32] = [:]
    private var backward: [UInt32: UInt32] = [:]
    /// Ids that correspond only to themselves (checked without the dictionaries, which then stay
    /// unallocated for the many comparisons that never match two ids).
    private let fixed: [UInt32]

    init(fixed: [UInt32]) {
        self.fixed = fixed
    }

    /// Records or checks that `old` corresponds to `current`.
    mutating func match(_ old: UInt32, _ current: UInt32) -> Bool {
        if old == 0 && current == 0 { return true }
        if old == 0 || current == 0 { return false }
        if fixed.contains(old) || fixed.contains(current) { return old == current }
        if let mapped = forward[old] { return mapped == current }
        if backward[current] != nil { return false }
        forward[old] = current
        backward[current] = old
        return true
    }
}
