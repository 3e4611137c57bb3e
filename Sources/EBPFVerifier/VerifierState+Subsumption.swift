/// State pruning: a state reached again at an instruction where an explored state *covers* it
/// (every concrete state it describes is described by the explored one) needs no further
/// exploration, because every path from it was already checked.
extension VerifierState {
    /// Whether every concrete state of `current` is a concrete state of `self`, looking only at
    /// registers in `liveRegisters` for the innermost frame and at R6–R9 (`callerLive`) for the
    /// caller frames, and only at the innermost frame's stack bytes in `liveStack`
    /// (``StackLiveness``; `nil`: all). With `exact`, the states must be equal (up to renaming of
    /// ids), which is how a loop that makes no progress is recognised.
    func covers(
        _ current: VerifierState, liveRegisters: UInt16, callerLive: (Int) -> UInt16,
        liveStack: StackLiveness.LiveBytes? = nil, exact: Bool
    ) -> Bool {
        guard frames.count == current.frames.count else { return false }
        var ids = IdentityMap(fixed: [AbstractInterpreter.memoryLengthID])
        for index in frames.indices {
            let old = frames[index]
            let new = current.frames[index]
            guard old.callSite == new.callSite, old.functionStart == new.functionStart else { return false }
            let live = index == frames.count - 1 ? liveRegisters : callerLive(frames[index + 1].callSite)
            for register in 0..<10 where live & (1 << register) != 0 {
                guard Self.value(old.registers[register], covers: new.registers[register], ids: &ids, exact: exact) else {
                    return false
                }
            }
            let stack = index == frames.count - 1 ? liveStack : nil
            for slot in 0..<FunctionFrame.slotCount {
                let live = stack?.mask(ofSlot: slot) ?? 0xff
                guard live != 0 else { continue }
                guard Self.slot(old.stack[slot], covers: new.stack[slot], live: live, ids: &ids, exact: exact) else {
                    return false
                }
            }
        }
        if exact { return zone == current.zone }
        return zone.isTrivial || zone.isEntailed(by: current.zone) { AbstractInterpreter.zoneInterval($0, in: current) }
    }

    static func value(_ old: RegisterValue, covers new: RegisterValue, ids: inout IdentityMap, exact: Bool) -> Bool {
        switch (old, new) {
        case (.uninitialized, .uninitialized):
            return true
        case (.uninitialized, _):
            return !exact
        case (.scalar(let a, let oldID), .scalar(let b, let newID)):
            if exact ? a != b : !a.contains(b) { return false }
            if oldID == 0 { return exact ? newID == 0 : true }
            return ids.match(oldID, newID)
        case (.pointer(let p), .pointer(let q)):
            guard p.region == q.region, p.maybeNull == q.maybeNull, p.fixedOffset == q.fixedOffset else { return false }
            if exact {
                guard p.variableOffset == q.variableOffset, p.range == q.range else { return false }
            } else {
                guard p.variableOffset.contains(q.variableOffset), p.range <= q.range else { return false }
            }
            if p.id == 0 && q.id == 0 { return true }
            return ids.match(p.id, q.id)
        default:
            return false
        }
    }

    /// Whether slot `old` covers slot `new` on the bytes whose bits are set in `live` (bit `i`
    /// for byte `i` in address order; the other bytes are never read before being written).
    static func slot(_ old: StackSlot, covers new: StackSlot, live: UInt8 = 0xff, ids: inout IdentityMap, exact: Bool) -> Bool {
        func isLive(_ byte: Int) -> Bool { live & (1 << UInt8(byte)) != 0 }
        func overlapsLive(_ part: StackSlot.Part) -> Bool { (part.start..<part.end).contains(where: isLive) }
        if old.isEmpty && (!exact || new.isEmpty) { return true }
        if old.isSpill {
            guard new.isSpill else { return false }
            return value(old.spilled, covers: new.spilled, ids: &ids, exact: exact)
        }
        if exact {
            let mask = (0..<8).reduce(UInt64(0)) { isLive($1) ? $0 | (0xff << UInt64(8 * $1)) : $0 }
            guard old.kinds & mask == new.kinds & mask else { return false }
            let oldParts = old.parts.filter(overlapsLive)
            let newParts = new.parts.filter(overlapsLive)
            guard oldParts.count == newParts.count else { return false }
            for (a, b) in zip(oldParts, newParts) {
                guard a.start == b.start, a.size == b.size, value(a.value, covers: b.value, ids: &ids, exact: true) else {
                    return false
                }
            }
            return true
        }
        // A narrow store covers the same bytes holding a value it contains (zeros are the value 0).
        for part in old.parts where overlapsLive(part) {
            guard let newValue = new.partValue(start: part.start, size: part.size),
                value(part.value, covers: newValue, ids: &ids, exact: false)
            else { return false }
        }
        let newSpillIsScalar = new.isSpill && new.spilled.scalarBounds != nil
        for byte in 0..<8 where isLive(byte) {
            switch old.kind(at: byte) {
            case .invalid, .part:
                continue
            case .misc:
                let kind = new.kind(at: byte)
                if kind == .misc || kind == .zero || kind == .part || (kind == .spill && newSpillIsScalar) { continue }
                return false
            case .zero:
                let kind = new.kind(at: byte)
                if kind == .zero { continue }
                if kind == .part, let part = new.parts.first(where: { $0.start <= byte && byte < $0.end }),
                    Self.byte(byte - part.start, isZeroIn: part.value)
                {
                    continue
                }
                return false
            case .spill:
                return false
            }
        }
        return true
    }
}
