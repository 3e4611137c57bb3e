/// The bookkeeping of a ``HashMap``'s slots: which key is in which slot (``HashMapIndex``), the
/// free slots, and the recency order (a doubly linked list through `previous`/`following`, most
/// recent at `head`).
///
/// Slots are handed out in increasing order and the per-slot arrays grow as they are, so a map
/// with a large `maxEntries` costs memory only for the slots it has used.
struct HashMapSlots {
    let capacity: Int
    var index: HashMapIndex
    /// Slots freed by deletion, reused before never-used ones.
    var free: [Int32] = []
    var occupied: [Bool] = []
    var previous: [Int32] = []
    var following: [Int32] = []
    var head: Int32 = -1
    var tail: Int32 = -1

    init(capacity: Int, index: HashMapIndex) {
        self.capacity = capacity
        self.index = index
    }

    /// A free slot (a deleted one first, else the next never used), or `nil` when full.
    mutating func takeFreeSlot() -> Int32? {
        if let slot = free.popLast() { return slot }
        guard occupied.count < capacity else { return nil }
        occupied.append(false)
        previous.append(-1)
        following.append(-1)
        return Int32(occupied.count - 1)
    }

    var leastRecentlyUsed: Int32? { tail >= 0 ? tail : nil }

    /// Adds `slot`, whose key is already in the key slab.
    mutating func insert(_ slot: Int32) {
        index.insert(slot)
        occupied[Int(slot)] = true
        pushFront(slot)
    }

    mutating func remove(_ slot: Int32) {
        index.remove(slot)
        occupied[Int(slot)] = false
        unlink(slot)
        free.append(slot)
    }

    mutating func markUsed(_ slot: Int32) {
        guard head != slot else { return }
        unlink(slot)
        pushFront(slot)
    }

    func firstOccupied(from start: Int) -> Int32? {
        var slot = start
        while slot < occupied.count {
            if occupied[slot] { return Int32(slot) }
            slot += 1
        }
        return nil
    }

    private mutating func pushFront(_ slot: Int32) {
        previous[Int(slot)] = -1
        following[Int(slot)] = head
        if head >= 0 { previous[Int(head)] = slot }
        head = slot
        if tail < 0 { tail = slot }
    }

    private mutating func unlink(_ slot: Int32) {
        let before = previous[Int(slot)]
        let after = following[Int(slot)]
        if before >= 0 { following[Int(before)] = after } else { head = after }
        if after >= 0 { previous[Int(after)] = before } else { tail = before }
        previous[Int(slot)] = -1
        following[Int(slot)] = -1
    }
}
