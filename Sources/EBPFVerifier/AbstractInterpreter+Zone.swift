import EBPFCore

/// The zone (``Zone``) under every loop policy: how each instruction updates it, how comparisons
/// add to it and tighten the registers' bounds from it, and how it proves accesses to the input.
///
/// A place (register or spilled stack slot) has a zone variable while it holds a scalar (its
/// unsigned value) or a pointer into the input (its offset from the input's start; the end
/// pointer's offset is the length). Every write to a place updates its variable exactly or
/// forgets it, so each stored constraint holds for every concrete state the state describes.
extension AbstractInterpreter {
    // MARK: - Variables and intervals

    /// Whether the zone can describe `value`: a scalar or a pointer into the input (end included).
    static func isZoneValue(_ value: RegisterValue) -> Bool {
        switch value {
        case .scalar: return true
        case .pointer(let pointer):
            switch pointer.region {
            case .packet, .context, .packetEnd: return !pointer.maybeNull
            default: return false
            }
        case .uninitialized: return false
        }
    }

    /// What the value's own bounds say about its zone variable.
    static func zoneInterval(of value: RegisterValue) -> Zone.Interval {
        switch value {
        case .scalar(let bounds, _):
            return Zone.Interval(unsignedMin: bounds.unsignedMin, unsignedMax: bounds.unsignedMax)
        case .pointer(let pointer):
            switch pointer.region {
            case .packet, .context:
                let (low, overflowLow) = pointer.fixedOffset.addingReportingOverflow(pointer.variableOffset.signedMin)
                let (high, overflowHigh) = pointer.fixedOffset.addingReportingOverflow(pointer.variableOffset.signedMax)
                return Zone.Interval(
                    low: overflowLow ? Zone.minusInfinity : low, high: overflowHigh ? Zone.infinity : high)
            default:
                return .unbounded
            }
        case .uninitialized:
            return .unbounded
        }
    }

    /// The value of a place as a zone variable when it is known exactly (a constant scalar, a
    /// pointer into the input at a known offset); such places need no variable of their own.
    static func zoneConstant(_ value: RegisterValue) -> Int64? {
        let interval = zoneInterval(of: value)
        guard isZoneValue(value), interval.high != Zone.infinity, interval.low == interval.high else { return nil }
        return interval.low
    }

    /// The interval of one of `state`'s zone variables (0 for ``Zone/zero``; the lengths have
    /// none outside the zone).
    static func zoneInterval(_ variable: Zone.Variable, in state: VerifierState) -> Zone.Interval {
        guard let place = Zone.place(of: variable) else { return variable == Zone.zero ? .zero : .unbounded }
        return zoneInterval(of: state.value(at: place))
    }

    func zoneVariable(_ register: UInt8) -> Zone.Variable {
        Zone.location(.register(Int(register), frame: state.frames.count - 1))
    }

    /// The zone at entry: R2 is the length, at most 2^32 − 1 when only R2 knows it, exactly
    /// `contextSize` otherwise (a constant, but relations with it survive widening where an
    /// interval bound would not).
    static func entryZone(contextSize: Int?) -> Zone {
        var zone = Zone()
        let r2 = Zone.location(.register(2, frame: 0))
        let none: (Zone.Variable) -> Zone.Interval = { $0 == Zone.zero ? .zero : .unbounded }
        let low = Int64(contextSize ?? 0)
        let high = contextSize.map(Int64.init) ?? Int64(UInt32.max)
        _ = zone.addConstraint(Zone.length, Zone.zero, high, none)
        _ = zone.addConstraint(Zone.zero, Zone.length, -low, none)
        zone.assign(r2, Zone.length, plus: 0, 0)
        return zone
    }

    // MARK: - Transfer

    /// What the zone update of a load, an atomic or a helper call does once the instruction ran
    /// (the instruction itself proves its accesses with the zone as it was before).
    enum DeferredZoneUpdate {
        /// The loaded register: a copy of the spilled slot, or forgotten.
        case load(dst: UInt8, fill: LinearRelation.Location?)
        /// The registers an atomic or a call writes.
        case forget([UInt8])
    }

    /// Updates the zone for `operation` (the instruction at `pc`) from the state before it, in
    /// place; returns what must wait until after the instruction. Jumps leave it alone (a
    /// conditional jump refines each side's zone itself).
    func updateZone(before operation: DecodedOperation) -> DeferredZoneUpdate? {
        // Take the zone out of the state so that it is mutated in place, without a copy.
        var zone = state.zone
        state.zone = Self.emptyZone
        defer { state.zone = zone }
        let frame = state.frames.count - 1
        func interval(_ variable: Zone.Variable) -> Zone.Interval { Self.zoneInterval(variable, in: state) }
        switch operation {
        case .alu(let op, let width, let dst, let source):
            updateZoneForALU(&zone, op, is32: width == .bits32, dst: dst, source: source, interval)
        case .negate(_, let dst), .moveSignExtended(_, let dst, _, _), .byteSwap(_, let dst), .loadImmediate64(let dst, _, _):
            zone.forget(zoneVariable(dst))
        case .packetLoad:
            // With a typed context R1-R5 are clobbered too (the kernel's helper call).
            for register in 0...(options.context == nil ? 0 : 5) { zone.forget(zoneVariable(UInt8(register))) }
        case .load(let size, let dst, let base, let offset, let signExtends):
            var fill: LinearRelation.Location?
            if size == .double, !signExtends, let slot = zoneStackSlot(register: base, offset: offset, spilled: true),
                Self.isZoneValue(state.value(at: slot))
            {
                fill = slot
            }
            return .load(dst: dst, fill: fill)
        case .store(let size, let base, let offset, let value):
            forgetStackSlots(&zone, base: base, offset: offset, size: size.byteCount)
            if case .register(let src) = value, size == .double,
                let slot = zoneStackSlot(register: base, offset: offset, spilled: false),
                Self.isZoneValue(state[register: Int(src)]), Self.zoneConstant(state[register: Int(src)]) == nil
            {
                zone.assign(Zone.location(slot), zoneVariable(src), plus: 0, 0)
            }
        case .atomic(let op, let size, let base, let offset, let src):
            forgetStackSlots(&zone, base: base, offset: offset, size: size.byteCount)
            switch op {
            case .cmpxchg: return .forget([0])
            case .fetchAdd, .fetchOr, .fetchAnd, .fetchXor, .xchg: return .forget([src])
            case .add, .or, .and, .xor: break
            }
        case .callHelper, .callRegister:
            return .forget([0, 1, 2, 3, 4, 5])
        case .callLocal:
            // The callee's R1–R5 are copies of the caller's.
            for register in 1...5 where Self.isZoneValue(state[register: register]) {
                zone.assign(
                    Zone.location(.register(register, frame: frame + 1)), Zone.location(.register(register, frame: frame)),
                    plus: 0, 0)
            }
        case .exit:
            guard frame > 0 else { return nil }
            let caller = frame - 1
            let result = Zone.location(.register(0, frame: caller))
            if Self.isZoneValue(state[register: 0]) {
                zone.assign(result, Zone.location(.register(0, frame: frame)), plus: 0, 0)
            } else {
                zone.forget(result)
            }
            for register in 1...5 { zone.forget(Zone.location(.register(register, frame: caller))) }
            zone.forgetAll { Zone.place(of: $0).map { $0.frame >= frame } ?? false }
        case .jump, .conditionalJump:
            break
        }
        return nil
    }

    /// Finishes the update of a load, an atomic or a call (see ``updateZone(before:)``).
    func updateZone(after deferred: DeferredZoneUpdate) {
        var zone = state.zone
        state.zone = Self.emptyZone
        defer { state.zone = zone }
        switch deferred {
        case .load(let dst, let fill):
            let target = zoneVariable(dst)
            if let fill {
                func interval(_ variable: Zone.Variable) -> Zone.Interval { Self.zoneInterval(variable, in: state) }
                zone.assign(target, Zone.location(fill), plus: 0, 0)
            } else if case .pointer(let pointer) = state[register: Int(dst)], case .packetEnd = pointer.region {
                // The packet's end, read from a typed context: the length.
                zone.assign(target, Zone.length, plus: 0, 0)
            } else {
                zone.forget(target)
            }
        case .forget(let registers):
            for register in registers { zone.forget(zoneVariable(register)) }
        }
    }

    /// Shared by the moments the zone is out of the state (no allocation).
    static let emptyZone = Zone()

    private func updateZoneForALU(
        _ zone: inout Zone, _ op: BinaryOperator, is32: Bool, dst: UInt8, source: Operand,
        _ interval: (Zone.Variable) -> Zone.Interval
    ) {
        let x = zoneVariable(dst)
        let left = state[register: Int(dst)]
        let right: RegisterValue
        switch source {
        case .register(let src): right = state[register: Int(src)]
        case .immediate(let immediate):
            right = .constant(is32 ? UInt64(UInt32(bitPattern: immediate)) : UInt64(bitPattern: Int64(immediate)))
        }
        let y = source.register.map { zoneVariable($0) }
        let u32 = UInt64(UInt32.max)
        switch op {
        case .mov:
            // A constant needs no variable: its interval says everything.
            guard let y, Self.isZoneValue(right), Self.zoneConstant(right) == nil else {
                zone.forget(x)
                return
            }
            if !is32 {
                zone.assign(x, y, plus: 0, 0)
            } else if let bounds = right.scalarBounds {
                // The low half: the value itself below 2^32, otherwise at most the value.
                zone.assign(x, y, plus: bounds.unsignedMax <= u32 ? 0 : Zone.minusInfinity, 0)
            } else {
                zone.forget(x)
            }

        case .add, .sub:
            let isAdd = op == .add
            if case .immediate(let immediate) = source {
                shiftZoneVariable(&zone, x, left, by: Int64(immediate), negate: !isAdd, is32: is32)
            } else if let constant = right.scalarBounds?.constantValue, !is32 || constant <= u32 {
                let value = is32 ? Int64(Int32(bitPattern: UInt32(constant))) : Int64(bitPattern: constant)
                shiftZoneVariable(&zone, x, left, by: value, negate: !isAdd, is32: is32)
            } else if let y {
                addOrSubtractRegister(&zone, isAdd: isAdd, is32: is32, x, left, y, right, interval)
            } else {
                zone.forget(x)
            }

        case .and, .rsh, .div, .mod:
            guard let bounds = left.scalarBounds else {
                zone.forget(x)
                return
            }
            // len >> k (or len / 2^k) is a scaled length.
            if op == .rsh || op == .div, let constant = right.scalarBounds?.constantValue,
                !is32 || bounds.unsignedMax <= u32
            {
                let shift = op == .rsh ? Int(constant & 63) : (constant != 0 && constant & (constant - 1) == 0 ? constant.trailingZeroBitCount : 0)
                if shift >= 1 && shift <= Zone.maxScaleShift,
                    zone.bound(x, Zone.length, interval) == 0, zone.bound(Zone.length, x, interval) == 0
                {
                    let scaled = Zone.scaledLength(shift)
                    let low = max(0, zone.lower(Zone.length, interval))
                    let high = zone.upper(Zone.length, interval)
                    _ = zone.addConstraint(scaled, Zone.length, 0, interval)
                    _ = zone.addConstraint(Zone.zero, scaled, -(low >> Int64(shift)), interval)
                    if high != Zone.infinity { _ = zone.addConstraint(scaled, Zone.zero, high >> Int64(shift), interval) }
                    zone.assign(x, scaled, plus: 0, 0)
                    return
                }
            }
            // An unsigned and, shift, division or remainder never exceeds its left operand (the
            // 32-bit forms work on the low half, which does not exceed the value either).
            zone.assign(x, x, plus: Zone.minusInfinity, 0)
            if op == .and, let y, y != x, right.scalarBounds != nil {
                _ = zone.addConstraint(x, y, 0, interval)
            }

        default:
            zone.forget(x)
        }
    }

    /// `x += value` (or `-=`): exact when a scalar cannot wrap and for a pointer into the input.
    private func shiftZoneVariable(_ zone: inout Zone, _ x: Zone.Variable, _ left: RegisterValue, by value: Int64, negate: Bool, is32: Bool) {
        guard !(negate && value == .min) else {
            zone.forget(x)
            return
        }
        let delta = negate ? -value : value
        switch left {
        case .scalar(let bounds, _):
            let top: UInt64 = is32 ? UInt64(UInt32.max) : .max
            let fits: Bool
            if bounds.unsignedMax > top {
                fits = false
            } else if delta >= 0 {
                fits = bounds.unsignedMax <= top - UInt64(delta)
            } else {
                fits = bounds.unsignedMin >= delta.magnitude
            }
            if fits, delta.magnitude <= UInt64(Zone.limit) {
                zone.assign(x, x, plus: delta, delta)
            } else {
                zone.forget(x)
            }
        case .pointer where Self.isZoneValue(left) && !is32:
            zone.assign(x, x, plus: delta, delta)
        default:
            zone.forget(x)
        }
    }

    /// `x += y` or `x -= y` with a register `y` that is not a known constant.
    private func addOrSubtractRegister(
        _ zone: inout Zone, isAdd: Bool, is32: Bool, _ x: Zone.Variable, _ left: RegisterValue, _ y: Zone.Variable,
        _ right: RegisterValue, _ interval: (Zone.Variable) -> Zone.Interval
    ) {
        let u32 = UInt64(UInt32.max)
        let xBounds = Zone.Interval(low: zone.lower(x, interval), high: zone.upper(x, interval))
        let yBounds = Zone.Interval(low: zone.lower(y, interval), high: zone.upper(y, interval))
        let leftConstant = Self.zoneConstant(left)
        switch (left, right) {
        case (.scalar(let a, _), .scalar(let b, _)):
            let top: UInt64 = is32 ? u32 : .max
            guard a.unsignedMax <= top, b.unsignedMax <= top else {
                zone.forget(x)
                return
            }
            if isAdd {
                // No wrap: the sum is exact.
                guard a.unsignedMax <= top - b.unsignedMax else {
                    zone.forget(x)
                    return
                }
                if let leftConstant {
                    zone.assign(x, y, plus: leftConstant, leftConstant)
                } else {
                    zone.assignSum(x, x, xBounds, y, yBounds)
                }
            } else {
                guard a.unsignedMin >= b.unsignedMax, leftConstant == nil else {
                    zone.forget(x)
                    return
                }
                zone.assign(x, x, plus: Zone.negated(yBounds.high), Zone.negated(yBounds.low))
            }
        case (.pointer, .scalar(let b, _)) where Self.isZoneValue(left) && !is32:
            if b.unsignedMax <= UInt64(Int64.max) {
                if isAdd, let leftConstant {
                    zone.assign(x, y, plus: leftConstant, leftConstant)
                } else if isAdd {
                    zone.assignSum(x, x, xBounds, y, yBounds)
                } else if leftConstant != nil {
                    zone.forget(x)
                } else {
                    zone.assign(x, x, plus: Zone.negated(yBounds.high), Zone.negated(yBounds.low))
                }
            } else {
                // A possibly negative number: its signed value moves the offset.
                let low = Zone.Interval(low: b.signedMin, high: b.signedMax)
                if isAdd {
                    zone.assign(x, x, plus: low.low, low.high)
                } else {
                    zone.assign(x, x, plus: Zone.negated(low.high), Zone.negated(low.low))
                }
            }
        case (.scalar(let a, _), .pointer) where Self.isZoneValue(right) && isAdd && !is32:
            if a.unsignedMax <= UInt64(Int64.max) {
                if let rightConstant = Self.zoneConstant(right) {
                    zone.assign(x, x, plus: rightConstant, rightConstant)
                } else if let leftConstant {
                    zone.assign(x, y, plus: leftConstant, leftConstant)
                } else {
                    zone.assignSum(x, y, yBounds, x, xBounds)
                }
            } else {
                let signed = Zone.Interval(low: a.signedMin, high: a.signedMax)
                zone.assign(x, y, plus: signed.low, signed.high)
            }
        case (.pointer, .pointer) where Self.isZoneValue(left) && Self.isZoneValue(right) && !isAdd && !is32:
            // A pointer difference is the difference of the offsets when it is not negative.
            if zone.bound(y, x, interval) <= 0 {
                zone.assign(x, x, plus: Zone.negated(yBounds.high), Zone.negated(yBounds.low))
            } else {
                zone.forget(x)
            }
        default:
            zone.forget(x)
        }
    }

    /// The stack slot an aligned 8-byte access at `register + offset` covers, when the register
    /// is a stack pointer with a known offset; with `spilled`, only when a register is spilled there.
    private func zoneStackSlot(register: UInt8, offset: Int16, spilled: Bool) -> LinearRelation.Location? {
        guard case .pointer(let pointer) = state[register: Int(register)], case .stack(let frame) = pointer.region,
            let variable = pointer.variableOffset.constantValue, frame < state.frames.count
        else { return nil }
        let start = pointer.fixedOffset &+ Int64(bitPattern: variable) &+ Int64(offset)
        guard start >= -Int64(ExecutionLimits.stackFrameSize), start <= -8, start % 8 == 0 else { return nil }
        let slot = FunctionFrame.position(ofOffset: Int(start)).slot
        if spilled && !state.frames[frame].stack[slot].isSpill { return nil }
        return .slot(slot, frame: frame)
    }

    /// Forgets the slots a store of `size` bytes at `base + offset` may touch (every slot of the
    /// frame when the offset is not bounded).
    private func forgetStackSlots(_ zone: inout Zone, base: UInt8, offset: Int16, size: Int) {
        guard case .pointer(let pointer) = state[register: Int(base)], case .stack(let frame) = pointer.region else { return }
        let frameSize = Int64(ExecutionLimits.stackFrameSize)
        let variable = pointer.variableOffset
        let fixed = pointer.fixedOffset &+ Int64(offset)
        var first = 0
        var last = FunctionFrame.slotCount - 1
        if variable.signedMin > -frameSize, variable.signedMax < frameSize {
            let lowest = max(fixed + variable.signedMin, -frameSize)
            let highest = min(fixed + variable.signedMax + Int64(size), 0)
            guard lowest < highest else { return }
            first = FunctionFrame.position(ofOffset: Int(lowest)).slot
            last = FunctionFrame.position(ofOffset: Int(highest) - 1).slot
        }
        zone.forgetAll { variable in
            guard let place = Zone.place(of: variable), place.isSlot, place.frame == frame else { return false }
            return (first...last).contains(place.index - 11)
        }
    }

    // MARK: - Comparisons

    /// Adds what `left comparison right` (the operands before the jump, in registers `dst` and
    /// `src`) says about the two variables to `state`'s zone, then tightens every tracked place's
    /// bounds from the zone. Returns false when the side cannot happen.
    static func refineZone(
        in state: inout VerifierState, assuming comparison: ScalarBounds.Comparison, _ left: RegisterValue,
        _ right: RegisterValue, dst: UInt8, src: UInt8?, is32: Bool
    ) -> Bool {
        let frame = state.frames.count - 1
        let x = Zone.location(.register(Int(dst), frame: frame))
        guard let src else {
            // Only the destination's bounds changed: tighten the others when it is tracked.
            return state.zone.index(of: x) == nil || reduceIntervals(in: &state)
        }
        let y = Zone.location(.register(Int(src), frame: frame))
        var applies = false
        // Constants are related too: `i < n` with i = 0 and n = 1496 now is the relation a loop
        // join needs later, when neither is constant any more.
        switch (left, right) {
        case (.scalar(let a, _), .scalar(let b, _)):
            // 32-bit comparisons see the low halves: the values themselves when both fit.
            let limit: UInt64 =
                comparison.isSigned ? (is32 ? UInt64(Int32.max) : UInt64(Int64.max)) : (is32 ? UInt64(UInt32.max) : .max)
            applies = a.unsignedMax <= limit && b.unsignedMax <= limit
        case (.pointer, .pointer):
            // Addresses compare as offsets when neither wraps: both offsets at least 0 and far
            // below the top of the address space.
            func interval(_ variable: Zone.Variable) -> Zone.Interval { Self.zoneInterval(variable, in: state) }
            let ceiling: Int64 = 1 << 40
            applies =
                !is32 && !comparison.isSigned && isZoneValue(left) && isZoneValue(right)
                && state.zone.lower(x, interval) >= 0 && state.zone.lower(y, interval) >= 0
                && state.zone.upper(x, interval) <= ceiling && state.zone.upper(y, interval) <= ceiling
        default:
            break
        }
        if applies {
            func interval(_ variable: Zone.Variable) -> Zone.Interval { Self.zoneInterval(variable, in: state) }
            var zone = state.zone
            var feasible = true
            switch comparison {
            case .less, .signedLess: feasible = zone.addConstraint(x, y, -1, interval)
            case .lessOrEqual, .signedLessOrEqual: feasible = zone.addConstraint(x, y, 0, interval)
            case .greater, .signedGreater: feasible = zone.addConstraint(y, x, -1, interval)
            case .greaterOrEqual, .signedGreaterOrEqual: feasible = zone.addConstraint(y, x, 0, interval)
            case .equal:
                feasible = zone.addConstraint(x, y, 0, interval) && zone.addConstraint(y, x, 0, interval)
            case .notEqual:
                // x ≤ y and x ≠ y give x ≤ y − 1.
                if zone.bound(x, y, interval) == 0 { feasible = zone.addConstraint(x, y, -1, interval) }
                if feasible && zone.bound(y, x, interval) == 0 { feasible = zone.addConstraint(y, x, -1, interval) }
            case .bitsSet, .noBitsSet:
                break
            }
            guard feasible else { return false }
            state.zone = zone
        } else if state.zone.index(of: x) == nil && state.zone.index(of: y) == nil {
            return true
        }
        return reduceIntervals(in: &state)
    }

    /// Tightens the bounds of every place the zone tracks from its constraints (and stores the
    /// lengths' bounds in the zone). Returns false when some bounds become empty.
    static func reduceIntervals(in state: inout VerifierState) -> Bool {
        guard state.zone.count > 1 else { return true }
        let zone = state.zone
        for variable in zone.variables where variable != Zone.zero {
            func interval(_ variable: Zone.Variable) -> Zone.Interval { Self.zoneInterval(variable, in: state) }
            let high = zone.upper(variable, interval)
            let low = zone.lower(variable, interval)
            if high != Zone.infinity && low != Zone.minusInfinity && low > high { return false }
            guard let place = Zone.place(of: variable) else { continue }
            let value = state.value(at: place)
            switch value {
            case .scalar(var bounds, let id):
                if high != Zone.infinity {
                    if high < 0 { return false }
                    bounds.unsignedMax = min(bounds.unsignedMax, UInt64(high))
                }
                if low > 0 { bounds.unsignedMin = max(bounds.unsignedMin, UInt64(low)) }
                guard !bounds.isEmpty else { return false }
                bounds = bounds.normalized()
                guard !bounds.isEmpty else { return false }
                if bounds != value.scalarBounds { state.setValue(.scalar(bounds, id: id), at: place) }
            case .pointer(var pointer):
                switch pointer.region {
                case .packet, .context: break
                default: continue
                }
                var variable = pointer.variableOffset
                if high != Zone.infinity {
                    let (bound, overflow) = high.subtractingReportingOverflow(pointer.fixedOffset)
                    if !overflow { variable.signedMax = min(variable.signedMax, bound) }
                }
                if low != Zone.minusInfinity {
                    let (bound, overflow) = low.subtractingReportingOverflow(pointer.fixedOffset)
                    if !overflow { variable.signedMin = max(variable.signedMin, bound) }
                }
                guard !variable.isEmpty else { return false }
                variable = variable.normalized()
                guard !variable.isEmpty else { return false }
                if variable != pointer.variableOffset {
                    pointer.variableOffset = variable
                    state.setValue(.pointer(pointer), at: place)
                }
            case .uninitialized:
                continue
            }
        }
        // The lengths have no register holding their bounds: keep them in the zone.
        var updated = state.zone
        func interval(_ variable: Zone.Variable) -> Zone.Interval { Self.zoneInterval(variable, in: state) }
        for variable in zone.variables {
            guard let shift = Zone.lengthShift(variable) else { continue }
            let high = updated.upper(variable, interval)
            let low = updated.lower(variable, interval)
            // len >> k ≥ low gives len ≥ low << k.
            if shift > 0, low > 0, low < Zone.limit >> Int64(shift),
                !updated.addConstraint(Zone.zero, Zone.length, -(low << Int64(shift)), interval)
            {
                return false
            }
            if high != Zone.infinity, !updated.addConstraint(variable, Zone.zero, high, interval) { return false }
            if low != Zone.minusInfinity, !updated.addConstraint(Zone.zero, variable, Zone.negated(low), interval) {
                return false
            }
        }
        state.zone = updated
        return true
    }

    // MARK: - Prune points

    /// Before a state is compared or stored: forgets dead registers (keeping what they implied
    /// between live places) and constraints the intervals already imply.
    func normalizeZone() {
        guard state.zone.count > 1 else { return }
        let innermost = state.frames.count - 1
        let live = liveness.liveIn[pc]
        let frames = state.frames
        let current = state
        state.zone.forgetAll { variable in
            guard let place = Zone.place(of: variable) else { return false }
            if place.frame > innermost { return true }
            if !Self.isZoneValue(current.value(at: place)) { return true }
            if place.isSlot { return false }
            if place.frame == innermost { return live & (1 << place.index) == 0 }
            let callerLive = self.liveness.liveIn[frames[place.frame + 1].callSite + 1] & Liveness.calleeSaved
            return callerLive & (1 << place.index) == 0
        }
        // Once no live place points into the input, the length can matter no more (an access to
        // the input goes through such a pointer): forgetting it lets paths that learnt different
        // things about it meet again.
        if !reachesInput(live: live) {
            state.zone.forgetAll { Zone.lengthShift($0) != nil }
        }
        let normalized = state
        state.zone.dropRedundant { Self.zoneInterval($0, in: normalized) }
    }

    /// Whether a live register or a spilled slot holds a pointer into the input (end included).
    private func reachesInput(live: UInt16) -> Bool {
        func isInput(_ value: RegisterValue) -> Bool {
            guard case .pointer(let pointer) = value else { return false }
            switch pointer.region {
            case .packet, .packetEnd, .context: return true
            default: return false
            }
        }
        let innermost = state.frames.count - 1
        for (index, frame) in state.frames.enumerated() {
            let mask =
                index == innermost
                ? live : liveness.liveIn[state.frames[index + 1].callSite + 1] & Liveness.calleeSaved
            for register in 0..<10 where mask & (1 << register) != 0 && isInput(frame.registers[register]) {
                return true
            }
            for slot in frame.stack where slot.isSpill && isInput(slot.spilled) { return true }
        }
        return false
    }

    /// The zone of the join of `old` and `new` at the loop head `pc` (`joined` holds the joined
    /// values). Besides the variables either zone tracks, every live place holding a number or a
    /// pointer into the input in both states takes part: a relation that the intervals imply in
    /// each state (`i = 0, len ≥ 4` and `i = 4, len ≥ 8` both give `i ≤ len − 4`) can hold in the
    /// join although neither zone stores it.
    func joinedZone(
        _ old: VerifierState, _ new: VerifierState, joined: VerifierState, widening: ScalarBounds.Widening
    ) -> Zone {
        let innermost = joined.frames.count - 1
        var extra: [Zone.Variable] = []
        func consider(_ place: LinearRelation.Location) {
            let a = old.value(at: place)
            let b = new.value(at: place)
            guard Self.isZoneValue(a), Self.isZoneValue(b), Self.isZoneValue(joined.value(at: place)) else { return }
            // The same constant on both sides relates to nothing the intervals do not say.
            if let x = a.scalarBounds?.constantValue, x == b.scalarBounds?.constantValue { return }
            extra.append(Zone.location(place))
        }
        for frame in 0...innermost {
            let live =
                frame == innermost
                ? liveness.liveIn[pc] : liveness.liveIn[joined.frames[frame + 1].callSite + 1] & Liveness.calleeSaved
            for register in 0..<10 where live & (1 << register) != 0 { consider(.register(register, frame: frame)) }
            for slot in 0..<FunctionFrame.slotCount where joined.frames[frame].stack[slot].isSpill {
                consider(.slot(slot, frame: frame))
            }
        }
        var zone = Zone.join(
            old.zone, { Self.zoneInterval($0, in: old) }, new.zone, { Self.zoneInterval($0, in: new) },
            joined: { Self.zoneInterval($0, in: joined) },
            widening: widening, including: extra)
        // Places whose joined value the zone cannot describe lose their constraints.
        zone.forgetAll { variable in
            guard let place = Zone.place(of: variable) else { return false }
            return !Self.isZoneValue(joined.value(at: place))
        }
        return zone
    }

    // MARK: - Accesses

    /// Whether the zone proves that `size` bytes at `register + offset` (a pointer into the input
    /// whose size is not known) lie inside it: the offset is at least 0 and offset + size is at
    /// most the length, directly or through a pointer–counter relation and a scaled length.
    func zoneProvesInputAccess(register: UInt8, offset: Int64, size: Int) -> Bool {
        let zone = state.zone
        guard zone.count > 1 else { return false }
        let x = zoneVariable(register)
        func interval(_ variable: Zone.Variable) -> Zone.Interval { Self.zoneInterval(variable, in: state) }
        let low = zone.lower(x, interval)
        guard low != Zone.minusInfinity, low + offset >= 0 else { return false }
        let needed = offset + Int64(size)
        let direct = zone.bound(x, Zone.length, interval)
        if direct != Zone.infinity && direct + needed <= 0 { return true }
        // offset(x) = scale · counter + d with counter ≤ (len >> k) + e and scale ≤ 2^k.
        let place = LinearRelation.Location.register(Int(register), frame: state.frames.count - 1)
        for relation in state.relations where relation.pointer == place && relation.scale > 0 {
            let counter = Zone.location(relation.counter)
            let top = zone.upper(counter, interval)
            guard top != Zone.infinity else { continue }
            let (product, overflow) = relation.scale.multipliedReportingOverflow(by: top)
            guard !overflow, product < Zone.limit, relation.offset.magnitude < UInt64(Zone.limit) else { continue }
            for shift in 0...Zone.maxScaleShift where Int64(1) << Int64(shift) >= relation.scale {
                let lengthVariable = shift == 0 ? Zone.length : Zone.scaledLength(shift)
                guard zone.index(of: lengthVariable) != nil else { continue }
                let e = zone.bound(counter, lengthVariable, interval)
                guard e != Zone.infinity else { continue }
                let (scaled, overflowE) = relation.scale.multipliedReportingOverflow(by: e)
                guard !overflowE, scaled.magnitude < UInt64(Zone.limit) else { continue }
                if scaled + relation.offset + needed <= 0 { return true }
            }
        }
        return false
    }

    /// Why an access to the input is not proven, for the error message, in the terms of the C
    /// source: where the access is, what it needs, and the closest fact the zone has, e.g.
    /// `read of 1 byte at R4+0 (R4 = data + R3) needs R3 + 1 <= len; only R3 <= len is proven`.
    func explainInputAccess(register: UInt8, pointer: PointerValue, offset: Int64, size: Int, isWrite: Bool) -> String {
        let zone = state.zone
        let x = zoneVariable(register)
        func interval(_ variable: Zone.Variable) -> Zone.Interval { Self.zoneInterval(variable, in: state) }
        let frame = state.frames.count - 1
        let bytes = size == 1 ? "1 byte" : "\(size) bytes"
        let access = "\(isWrite ? "write" : "read") of \(bytes) at R\(register)\(offset < 0 ? "" : "+")\(offset)"
        func plus(_ value: Int64) -> String { value == 0 ? "" : (value < 0 ? " - \(value.magnitude)" : " + \(value)") }
        let low = zone.lower(x, interval)
        let high = zone.upper(x, interval)
        func number(_ value: Int64) -> String {
            value == Zone.infinity ? "inf" : (value == Zone.minusInfinity ? "-inf" : String(value))
        }
        // Name the offset after a number it equals plus a constant, when there is one.
        var name: String?
        var shift: Int64 = 0
        if case .packetEnd = pointer.region {
            name = "len"
        } else if let variable = pointer.variableOffset.constantValue {
            shift = pointer.fixedOffset &+ Int64(bitPattern: variable)
        } else {
            for variable in zone.variables {
                guard let place = Zone.place(of: variable), place.frame == frame, !place.isSlot,
                    place.index != Int(register), state.value(at: place).scalarBounds != nil
                else { continue }
                let c = zone.stored(x, variable)
                if c != Zone.infinity && zone.stored(variable, x) == -c {
                    name = "R\(place.index)"
                    shift = c
                    break
                }
            }
        }
        let isConstant = name == nil && pointer.variableOffset.isConstant
        let description: String
        if let name {
            description = "R\(register) = data + \(name)\(plus(shift))"
        } else if isConstant {
            description = "R\(register) = data + \(shift)"
        } else {
            description = "R\(register) = data + [\(number(low)), \(number(high))]"
        }
        guard low != Zone.minusInfinity, low + offset >= 0 else {
            return "\(access) (\(description)) may be before the start of the input"
        }
        let end = offset + Int64(size)
        let known = zone.bound(x, Zone.length, interval)
        if isConstant {
            let lengthLow = max(0, zone.lower(Zone.length, interval))
            return "\(access) (\(description)) needs len >= \(shift + end); only len >= \(lengthLow) is proven"
        }
        let (subject, needed, bound): (String, Int64, Int64) =
            if let name { (name, shift + end, known == Zone.infinity ? known : known - shift) } else {
                ("R\(register)", end, known)
            }
        let target = name == nil ? "data + len" : "len"
        let needs = "\(subject)\(plus(needed)) <= \(target)"
        if bound == Zone.infinity {
            return "\(access) (\(description)) needs \(needs); nothing relates \(subject) to \(target)"
        }
        return "\(access) (\(description)) needs \(needs); only \(subject) <= \(target)\(plus(bound)) is proven"
    }
}

extension VerifierState {
    /// Writes the value at a relation's location (a register, or the register spilled in a slot).
    mutating func setValue(_ value: RegisterValue, at location: LinearRelation.Location) {
        if location.isSlot {
            frames[location.frame].stack[location.index - 11].spilled = value
        } else {
            frames[location.frame].registers[location.index] = value
        }
    }
}
