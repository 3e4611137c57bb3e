import EBPFCore

/// Pointer–counter relations (``LinearRelation``) under the widening loop policy: how each
/// instruction keeps or drops them, how they tighten a pointer's variable offset, and how loop
/// heads find them.
///
/// Every rule is exact or drops the relation: an instruction keeps a relation only when it
/// leaves both sides unchanged or changes them in a way the relation follows exactly (copies,
/// spills and fills of 8 bytes, adding a constant); anything else that writes a side (another
/// ALU operation, a load, a store over a spilled side, a call, an exit) removes it.
extension AbstractInterpreter {
    /// Whether a pointer can be the pointer side of a relation: not null and arithmetic allowed.
    /// A packet pointer qualifies too: the tightening narrows the bounds of its variable part,
    /// not its value, so the range proven from its base and the pointers sharing its id stay right.
    static func isRelatable(_ pointer: PointerValue) -> Bool {
        guard !pointer.maybeNull else { return false }
        switch pointer.region {
        case .context, .stack, .mapValue, .memory, .packet: return true
        case .packetEnd, .packetMeta, .mapPointer, .typedContext, .function: return false
        }
    }

    /// The pointer's offset from its region's start when it is known exactly.
    static func constantOffset(_ value: RegisterValue) -> Int64? {
        guard case .pointer(let pointer) = value, isRelatable(pointer),
            let variable = pointer.variableOffset.constantValue
        else { return nil }
        return pointer.fixedOffset &+ Int64(bitPattern: variable)
    }

    // MARK: - Transfer

    /// The relations after `operation` (the instruction at `pc`), computed from the state before it.
    func relationsAfterStep(_ operation: DecodedOperation) -> [LinearRelation] {
        var relations = state.relations
        let frame = state.frames.count - 1
        func location(_ register: UInt8) -> LinearRelation.Location { .register(Int(register), frame: frame) }
        switch operation {
        case .alu(.mov, let width, let dstRegister, .register(let srcRegister)):
            let (dst, src) = (location(dstRegister), location(srcRegister))
            let source = state.value(at: src)
            // mov32 keeps the value of a number below 2^32 only.
            let keepsValue = width == .bits64 || (source.scalarBounds?.unsignedMax ?? .max) <= UInt64(UInt32.max)
            if src == dst && keepsValue { return relations }
            relations.removeAll { $0.involves(dst) }
            if keepsValue { Self.copyRelations(&relations, from: src, to: dst) }
        case .alu(let op, let width, let dstRegister, let source) where op == .add || op == .sub:
            let dst = location(dstRegister)
            let is32 = width == .bits32
            var constant: Int64
            switch source {
            case .register(let srcRegister):
                guard !is32, let value = state.value(at: location(srcRegister)).scalarBounds?.constantValue else {
                    relations.removeAll { $0.involves(dst) }
                    return relations
                }
                constant = Int64(bitPattern: value)
            case .immediate(let immediate):
                constant = Int64(immediate)
            }
            if op == .sub { constant = 0 &- constant }
            let target = state.value(at: dst)
            if is32 {
                // Exact only when the 32-bit result does not wrap (it is then zero-extended).
                guard let bounds = target.scalarBounds, bounds.unsignedMax <= UInt64(UInt32.max),
                    Int64(bounds.unsignedMin) + constant >= 0,
                    Int64(bounds.unsignedMax) + constant <= Int64(UInt32.max)
                else {
                    relations.removeAll { $0.involves(dst) }
                    return relations
                }
            }
            for index in relations.indices {
                if relations[index].pointer == dst, case .pointer = target {
                    relations[index].offset = relations[index].offset &+ constant
                } else if relations[index].counter == dst, case .scalar = target {
                    relations[index].offset = relations[index].offset &- relations[index].scale &* constant
                }
            }
        case .alu(_, _, let dst, _), .negate(_, let dst), .moveSignExtended(_, let dst, _, _), .byteSwap(_, let dst),
            .loadImmediate64(let dst, _, _):
            relations.removeAll { $0.involves(location(dst)) }
        case .packetLoad:
            let clobbered = options.context == nil ? 0 : 5
            relations.removeAll { relation in (0...clobbered).contains { relation.involves(location(UInt8($0))) } }
        case .load(let size, let dstRegister, let base, let offset, let signExtends):
            let dst = location(dstRegister)
            relations.removeAll { $0.involves(dst) }
            if size == .double, !signExtends,
                let slot = fixedStackSlot(register: base, offset: offset, wholeSlot: true),
                state.value(at: slot).isInitialized
            {
                Self.copyRelations(&relations, from: slot, to: dst)
            }
        case .store(let size, let base, let offset, let value):
            let size = size.byteCount
            guard case .pointer(let pointer) = state.value(at: location(base)), case .stack(let stackFrame) = pointer.region
            else {
                return relations
            }
            // The bytes the store may touch (checkAccess refuses it when they leave the frame).
            let frameSize = Int64(ExecutionLimits.stackFrameSize)
            let variable = pointer.variableOffset
            let fixed = pointer.fixedOffset &+ Int64(offset)
            guard variable.signedMin > -frameSize, variable.signedMax < frameSize else {
                relations.removeAll { ($0.pointer.isSlot && $0.pointer.frame == stackFrame) || ($0.counter.isSlot && $0.counter.frame == stackFrame) }
                return relations
            }
            let lowest = max(fixed + variable.signedMin, -frameSize)
            let highest = min(fixed + variable.signedMax + Int64(size), 0)
            if lowest < highest {
                let first = FunctionFrame.position(ofOffset: Int(lowest)).slot
                let last = FunctionFrame.position(ofOffset: Int(highest) - 1).slot
                relations.removeAll { relation in
                    (first...last).contains { relation.involves(.slot($0, frame: stackFrame)) }
                }
            }
            if case .register(let src) = value, size == 8,
                let slot = fixedStackSlot(register: base, offset: offset, wholeSlot: false)
            {
                Self.copyRelations(&relations, from: location(src), to: slot)
            }
        case .jump, .conditionalJump:
            break
        case .atomic, .callHelper, .callLocal, .callRegister, .exit:
            // Calls and exits: registers, frames and (through helpers) memory change; atomics
            // write memory and a register in ways no relation follows.
            return []
        }
        return relations
    }

    /// The stack slot an 8-byte access at `register + offset` covers exactly, when the register
    /// is a stack pointer with a known offset and the access is aligned on the slot; with
    /// `wholeSlot`, only when the slot holds a spilled register.
    private func fixedStackSlot(register: UInt8, offset: Int16, wholeSlot: Bool) -> LinearRelation.Location? {
        guard case .pointer(let pointer) = state[register: Int(register)], case .stack(let frame) = pointer.region,
            let variable = pointer.variableOffset.constantValue
        else { return nil }
        let start = pointer.fixedOffset &+ Int64(bitPattern: variable) &+ Int64(offset)
        guard start >= -Int64(ExecutionLimits.stackFrameSize), start <= -8, start % 8 == 0, frame < state.frames.count else {
            return nil
        }
        let slot = FunctionFrame.position(ofOffset: Int(start)).slot
        if wholeSlot && !state.frames[frame].stack[slot].isSpill { return nil }
        return .slot(slot, frame: frame)
    }

    /// Adds, for each relation with a side at `source`, the same relation with that side at
    /// `destination` (which holds the same value).
    static func copyRelations(
        _ relations: inout [LinearRelation], from source: LinearRelation.Location, to destination: LinearRelation.Location
    ) {
        var copies: [LinearRelation] = []
        for relation in relations {
            if relation.pointer == source {
                var copy = relation
                copy.pointer = destination
                copies.append(copy)
            } else if relation.counter == source {
                var copy = relation
                copy.counter = destination
                copies.append(copy)
            }
        }
        guard !copies.isEmpty else { return }
        relations = Array(Set(relations + copies)).sorted()
    }

    // MARK: - Use

    /// Tightens the variable offset of every related pointer from its counter's signed range:
    /// `address = base + scale * counter + offset`, so the variable part is
    /// `scale * counter + offset - fixedOffset`, computed without overflow or not at all.
    func tightenRelatedPointers() {
        for relation in state.relations {
            guard case .pointer(var pointer) = state.value(at: relation.pointer),
                let counter = state.value(at: relation.counter).scalarBounds
            else { continue }
            let (a, overflowA) = relation.scale.multipliedReportingOverflow(by: counter.signedMin)
            let (b, overflowB) = relation.scale.multipliedReportingOverflow(by: counter.signedMax)
            let (shift, overflowShift) = relation.offset.subtractingReportingOverflow(pointer.fixedOffset)
            guard !overflowA, !overflowB, !overflowShift else { continue }
            let (low, overflowLow) = min(a, b).addingReportingOverflow(shift)
            let (high, overflowHigh) = max(a, b).addingReportingOverflow(shift)
            guard !overflowLow, !overflowHigh else { continue }
            var tightened = pointer.variableOffset
            tightened.signedMin = max(tightened.signedMin, low)
            tightened.signedMax = min(tightened.signedMax, high)
            guard !tightened.isEmpty else { continue }
            tightened = tightened.normalized()
            guard !tightened.isEmpty, tightened != pointer.variableOffset else { continue }
            pointer.variableOffset = tightened
            set(.pointer(pointer), at: relation.pointer)
        }
    }

    private func set(_ value: RegisterValue, at location: LinearRelation.Location) {
        if location.isSlot {
            state.frames[location.frame].stack[location.index - 11].spilled = value
        } else {
            state.frames[location.frame].registers[location.index] = value
        }
    }

    // MARK: - Loop heads

    /// Whether the pointer and the counter of `relation` are constants that satisfy it.
    static func satisfies(_ state: VerifierState, _ relation: LinearRelation) -> Bool {
        guard let p = constantOffset(state.value(at: relation.pointer)),
            let c = state.value(at: relation.counter).scalarBounds?.constantValue
        else { return false }
        return relation.holds(pointerOffset: p, counter: c)
    }

    /// The relations of the join of `old` (a loop invariant) and `new` (a state arriving at the
    /// head): those of `old` that `new` keeps too (or satisfies with constants), and those two
    /// constant points determine — a pointer at offsets p1, p2 and a counter at c1 ≠ c2 with
    /// p2 − p1 a multiple of c2 − c1 lie on one line, `p = (p2 − p1)/(c2 − c1) · c + d`.
    static func joinedRelations(_ old: VerifierState, _ new: VerifierState, joined: VerifierState) -> [LinearRelation] {
        var result: Set<LinearRelation> = []
        // A relation either state has, that the other has too or satisfies with constants.
        let oldRelations = Set(old.relations)
        let newRelations = Set(new.relations)
        for relation in oldRelations.union(newRelations) {
            if (oldRelations.contains(relation) || satisfies(old, relation))
                && (newRelations.contains(relation) || satisfies(new, relation))
            {
                result.insert(relation)
            }
        }
        var pointers: [(LinearRelation.Location, Int64, Int64)] = []
        var counters: [(LinearRelation.Location, Int64, Int64)] = []
        for frame in old.frames.indices {
            for index in 0..<(11 + FunctionFrame.slotCount) {
                let location = LinearRelation.Location(frame: frame, index: index)
                let a = old.value(at: location)
                let b = new.value(at: location)
                if let p1 = constantOffset(a), let p2 = constantOffset(b), a.pointerValue?.region == b.pointerValue?.region {
                    pointers.append((location, p1, p2))
                } else if let c1 = a.scalarBounds?.constantValue, let c2 = b.scalarBounds?.constantValue, c1 != c2 {
                    counters.append((location, Int64(bitPattern: c1), Int64(bitPattern: c2)))
                }
            }
        }
        for (pointer, p1, p2) in pointers where p1 != p2 {
            for (counter, c1, c2) in counters {
                let (dp, overflowP) = p2.subtractingReportingOverflow(p1)
                let (dc, overflowC) = c2.subtractingReportingOverflow(c1)
                guard !overflowP, !overflowC, dc != 0, dc != -1 || dp != .min, dp % dc == 0 else { continue }
                let scale = dp / dc
                guard scale != 0 else { continue }
                result.insert(LinearRelation(pointer: pointer, counter: counter, scale: scale, offset: p1 &- scale &* c1))
            }
        }
        return result.filter { relation in
            guard case .pointer(let pointer) = joined.value(at: relation.pointer), isRelatable(pointer) else { return false }
            return joined.value(at: relation.counter).scalarBounds != nil
        }.sorted()
    }
}
