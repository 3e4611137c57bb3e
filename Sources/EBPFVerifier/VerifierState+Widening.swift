/// The order of states used by the widening loop policy: whether a stored state (a loop
/// invariant, or a state stored at a prune point) describes every concrete state of a newer one.
/// It is the order of ``covers(_:liveRegisters:callerLive:exact:)`` extended where joins need it:
/// pointers whose fixed offsets differ are compared through their whole offset, a possibly-null
/// pointer describes a non-null one, and ids are matched one way (``ForwardIdentityMap``).
extension VerifierState {
    func subsumes(_ current: VerifierState, liveRegisters: UInt16, callerLive: (Int) -> UInt16) -> Bool {
        guard frames.count == current.frames.count else { return false }
        var ids = ForwardIdentityMap()
        for index in frames.indices {
            let old = frames[index]
            let new = current.frames[index]
            guard old.callSite == new.callSite, old.functionStart == new.functionStart else { return false }
            let live = index == frames.count - 1 ? liveRegisters : callerLive(frames[index + 1].callSite)
            for register in 0..<10 where live & (1 << register) != 0 {
                guard Self.value(old.registers[register], subsumes: new.registers[register], ids: &ids) else {
                    return false
                }
            }
            for slot in 0..<FunctionFrame.slotCount {
                guard Self.slot(old.stack[slot], subsumes: new.stack[slot], ids: &ids) else { return false }
            }
        }
        // Every relation of the stored state must hold in the new one.
        if !relations.isEmpty {
            let kept = Set(current.relations)
            for relation in relations where !kept.contains(relation) {
                guard AbstractInterpreter.satisfies(current, relation) else { return false }
            }
        }
        // Every constraint of the stored zone must hold in the new state.
        return zone.isTrivial || zone.isEntailed(by: current.zone) { AbstractInterpreter.zoneInterval($0, in: current) }
    }

    static func value(_ old: RegisterValue, subsumes new: RegisterValue, ids: inout ForwardIdentityMap) -> Bool {
        switch (old, new) {
        case (.uninitialized, _):
            return true
        case (.scalar(let a, let oldID), .scalar(let b, let newID)):
            return a.contains(b) && ids.matchScalar(oldID, newID)
        case (.pointer(let p), .pointer(let q)):
            guard p.region == q.region, p.maybeNull || !q.maybeNull else { return false }
            // The same address: q.fixed + q.variable == p.fixed + (q.variable + shift).
            let shift = q.fixedOffset - p.fixedOffset
            guard shift > -AbstractInterpreter.maxVariableOffset, shift < AbstractInterpreter.maxVariableOffset else {
                return false
            }
            let shifted = ScalarBounds.add(q.variableOffset, .constant(UInt64(bitPattern: shift)))
            guard p.variableOffset.contains(shifted) else { return false }
            if p.hasPacketRange {
                // Bytes proven from p's base must be proven from q's: p.range <= q.range - shift.
                // (A range of 0 proves nothing, so any new range satisfies it.)
                guard p.range == 0 || p.range <= q.range - shift else { return false }
                return ids.matchPointer(p.id, q.id, shift: shift)
            }
            if p.maybeNull { return ids.matchPointer(p.id, q.id, shift: shift) }
            return true
        default:
            return false
        }
    }

    static func slot(_ old: StackSlot, subsumes new: StackSlot, ids: inout ForwardIdentityMap) -> Bool {
        if old.isEmpty { return true }
        if old.isSpill {
            guard new.isSpill else { return false }
            return value(old.spilled, subsumes: new.spilled, ids: &ids)
        }
        // A narrow store describes the same bytes holding a value it contains (zeros are 0).
        for part in old.parts {
            guard let newValue = new.partValue(start: part.start, size: part.size),
                value(part.value, subsumes: newValue, ids: &ids)
            else { return false }
        }
        let newSpillIsZero = new.isSpill && new.spilled.scalarBounds?.constantValue == 0
        for byte in 0..<8 {
            let kind = new.kind(at: byte)
            switch old.kind(at: byte) {
            case .invalid, .part:
                continue
            case .misc:
                // Data describes any bytes, a spilled pointer's too (the join turns a pointer spill
                // met with anything else into data, which can no longer be dereferenced).
                if kind != .invalid { continue }
                return false
            case .zero:
                if kind == .zero || (kind == .spill && newSpillIsZero) { continue }
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

    /// Whether byte `index` (little-endian) of every value `value` describes is zero.
    static func byte(_ index: Int, isZeroIn value: RegisterValue) -> Bool {
        guard let bounds = value.scalarBounds else { return false }
        let mask: UInt64 = 0xff << UInt64(8 * index)
        return bounds.bits.value & mask == 0 && bounds.bits.mask & mask == 0
    }
}
