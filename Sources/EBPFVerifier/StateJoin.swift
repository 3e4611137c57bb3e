/// Joins the state stored at a loop head with a state arriving there (the widening loop policy):
/// the result describes every concrete state either describes, so exploring the loop from it
/// covers both.
///
/// - Scalars: the hull of the ranges and the union of the known bits, widened (see
///   ``ScalarBounds/widened(from:_:)``) once the loop head has been joined a few times.
/// - Pointers: same region, else no join (an error when the register is live). Different fixed
///   offsets move into the variable part (`fp-8` and `fp-16` become `fp-16` plus `[0, 8]`); a
///   packet pointer's proven range shrinks to what both prove from the new base.
/// - Ids (copies linked by `mov`, `_or_null` pointers of one lookup, packet pointers sharing a
///   variable part): each pair of ids, one from each state, becomes one id of the result, so
///   links that hold in both states hold in the result; a scalar linked on one side only is
///   unlinked.
/// - Stack: spills of the same kind join like registers; otherwise byte by byte, where a byte
///   never written on one side is never written, and data and zeros give data. A spilled
///   pointer joined with anything else becomes data (it can no longer be dereferenced). Narrow
///   stores of the same bytes on both sides (or a narrow store and zeros) join like registers,
///   within the bytes' range.
struct StateJoin {
    /// A register whose values cannot be joined (different pointer types) although it is live.
    struct Conflict: Error {
        var frame: Int
        var register: Int
        var old: RegisterValue
        var new: RegisterValue
    }

    let widening: ScalarBounds.Widening
    /// The next free id (the interpreter's counter): new ids for pairs of different ids.
    var nextID: UInt32
    private var scalarIDs: [ScalarIDPair: UInt32] = [:]
    private var pointerIDs: [PointerIDPair: UInt32] = [:]

    private struct ScalarIDPair: Hashable {
        var old: UInt32
        var new: UInt32
    }

    private struct PointerIDPair: Hashable {
        var old: UInt32
        var new: UInt32
        var oldShift: Int64
        var newShift: Int64
    }

    init(widening: ScalarBounds.Widening, nextID: UInt32) {
        self.widening = widening
        self.nextID = nextID
    }

    /// The join of two states with the same frames (call sites); `liveRegisters` are those of the
    /// innermost frame, `callerLive` gives R6–R9 of a caller frame from its callee's call site.
    mutating func join(
        _ old: VerifierState, _ new: VerifierState, liveRegisters: UInt16, callerLive: (Int) -> UInt16
    ) throws(Conflict) -> VerifierState {
        var result = old
        for index in old.frames.indices {
            let live = index == old.frames.count - 1 ? liveRegisters : callerLive(old.frames[index + 1].callSite)
            for register in 0..<11 {
                let a = old.frames[index].registers[register]
                let b = new.frames[index].registers[register]
                if let joined = value(a, b) {
                    result.frames[index].registers[register] = joined
                } else if register < 10 && live & (1 << register) != 0 {
                    throw Conflict(frame: index, register: register, old: a, new: b)
                } else {
                    result.frames[index].registers[register] = .uninitialized
                }
            }
            for slot in 0..<FunctionFrame.slotCount {
                result.frames[index].stack[slot] = self.slot(old.frames[index].stack[slot], new.frames[index].stack[slot])
            }
        }
        return result
    }

    /// The join of two values, or `nil` when their types cannot be joined (a pointer and
    /// something else, or pointers into different regions).
    mutating func value(_ old: RegisterValue, _ new: RegisterValue) -> RegisterValue? {
        switch (old, new) {
        case (.uninitialized, _), (_, .uninitialized):
            return .uninitialized
        case (.scalar(let a, let oldID), .scalar(let b, let newID)):
            return .scalar(scalar(a, b), id: scalarID(oldID, newID))
        case (.pointer(let p), .pointer(let q)):
            guard p.region == q.region else { return nil }
            return .pointer(pointer(p, q))
        default:
            return nil
        }
    }

    private func scalar(_ old: ScalarBounds, _ new: ScalarBounds) -> ScalarBounds {
        old.union(new).widened(from: old, widening)
    }

    private mutating func scalarID(_ old: UInt32, _ new: UInt32) -> UInt32 {
        if old == 0 || new == 0 { return 0 }
        if old == new { return old }
        let pair = ScalarIDPair(old: old, new: new)
        if let id = scalarIDs[pair] { return id }
        let id = fresh()
        scalarIDs[pair] = id
        return id
    }

    private mutating func pointer(_ p: PointerValue, _ q: PointerValue) -> PointerValue {
        let base = min(p.fixedOffset, q.fixedOffset)
        let oldShift = p.fixedOffset - base
        let newShift = q.fixedOffset - base
        let oldVariable = Self.shifted(p.variableOffset, by: oldShift)
        let newVariable = Self.shifted(q.variableOffset, by: newShift)
        var result = p
        result.fixedOffset = base
        result.variableOffset = scalar(oldVariable, newVariable)
        result.maybeNull = p.maybeNull || q.maybeNull
        let isPacket = p.hasPacketRange
        if isPacket {
            // Bytes proven from the new base (start plus the shifted variable part).
            let range = max(0, min(p.range - oldShift, q.range - newShift))
            if case .none = widening {
                result.range = range
            } else {
                result.range = range == p.range ? range : 0
            }
        }
        if isPacket || result.maybeNull {
            if p.id == q.id && oldShift == 0 && newShift == 0 {
                result.id = p.id
            } else {
                let pair = PointerIDPair(old: p.id, new: q.id, oldShift: oldShift, newShift: newShift)
                if let id = pointerIDs[pair] {
                    result.id = id
                } else {
                    result.id = fresh()
                    pointerIDs[pair] = result.id
                }
            }
        } else {
            result.id = 0
        }
        return result
    }

    /// `bounds + shift` (shift >= 0, an offset difference below 2^30).
    static func shifted(_ bounds: ScalarBounds, by shift: Int64) -> ScalarBounds {
        shift == 0 ? bounds : ScalarBounds.add(bounds, .constant(UInt64(shift)))
    }

    private mutating func slot(_ old: StackSlot, _ new: StackSlot) -> StackSlot {
        if old == new { return old }
        if old.isSpill && new.isSpill, let joined = value(old.spilled, new.spilled), joined.isInitialized {
            return StackSlot(kinds: StackSlot.allSpill, spilled: joined)
        }
        let a = Self.byteKinds(old)
        let b = Self.byteKinds(new)
        var result = StackSlot()
        for byte in 0..<8 {
            let x = a.kind(at: byte)
            let y = b.kind(at: byte)
            let kind: StackSlot.ByteKind
            if x == .invalid || y == .invalid {
                kind = .invalid
            } else if x == y && x != .part {
                kind = x
            } else {
                kind = .misc
            }
            result.setKind(kind, at: byte)
        }
        // Narrow stores of the same bytes on both sides (zeros count as the value 0) join like
        // registers.
        var extents = Set<[Int]>()
        for part in a.parts + b.parts { extents.insert([part.start, part.size]) }
        for extent in extents.sorted(by: { $0[0] < $1[0] }) {
            let (start, size) = (extent[0], extent[1])
            guard let x = a.partValue(start: start, size: size), let y = b.partValue(start: start, size: size),
                case .scalar(let bounds, let id)? = value(x, y),
                result.parts.allSatisfy({ !$0.overlaps(start..<start + size) })
            else { continue }
            // Widening may go past what the bytes can hold: keep the bytes' own limit.
            result.store(AbstractInterpreter.narrowed(bounds, id: id, toBytes: size), start: start, size: size)
        }
        return result
    }

    /// The slot with a spill replaced by what its bytes hold as data: zeros for a spilled 0,
    /// otherwise data (a spilled pointer too: joined with something else it is just bytes).
    private static func byteKinds(_ slot: StackSlot) -> StackSlot {
        guard slot.isSpill else { return slot }
        if slot.spilled.scalarBounds?.constantValue == 0 { return StackSlot(kinds: StackSlot.allZero) }
        return StackSlot(kinds: StackSlot.allMisc)
    }

    private mutating func fresh() -> UInt32 {
        nextID += 1
        return nextID
    }
}
