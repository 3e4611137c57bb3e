import EBPFCore

/// Conditional jumps: decide which sides are possible and refine each side's state.
extension AbstractInterpreter {
    static func comparison(_ condition: BranchCondition) -> ScalarBounds.Comparison {
        switch condition {
        case .eq: .equal
        case .ne: .notEqual
        case .gt: .greater
        case .ge: .greaterOrEqual
        case .lt: .less
        case .le: .lessOrEqual
        case .sgt: .signedGreater
        case .sge: .signedGreaterOrEqual
        case .slt: .signedLess
        case .sle: .signedLessOrEqual
        case .set: .bitsSet
        }
    }

    func executeConditionalJump(
        _ condition: BranchCondition, is32: Bool, dst: UInt8, source: Operand, target: Int
    ) throws(VerifierError) {
        let comparison = Self.comparison(condition)
        let left = try read(dst)
        let right: RegisterValue
        switch source {
        case .register(let src):
            right = try read(src)
        case .immediate(let immediate):
            right = .constant(is32 ? UInt64(UInt32(bitPattern: immediate)) : UInt64(bitPattern: Int64(immediate)))
        }
        let sourceRegister = source.register

        let taken = branchState(assuming: comparison, left, right, dst: dst, src: sourceRegister, is32: is32)
        let notTaken = branchState(assuming: comparison.negated, left, right, dst: dst, src: sourceRegister, is32: is32)
        switch (taken, notTaken) {
        case (let takenState?, let fallState?):
            pushBranch(takenState, at: target)
            state = fallState
            pc += 1
        case (let takenState?, nil):
            state = takenState
            pc = target
        case (nil, let fallState?):
            state = fallState
            pc += 1
        case (nil, nil):
            throw error(.safetyViolation, "no branch of the comparison is possible (contradictory state)")
        }
    }

    /// The state on the side of the jump where `left comparison right` holds, or `nil` if that
    /// side cannot happen: the registers' bounds refined, then the zone's constraints added and
    /// the bounds tightened from them.
    private func branchState(
        assuming comparison: ScalarBounds.Comparison, _ left: RegisterValue, _ right: RegisterValue, dst: UInt8,
        src: UInt8?, is32: Bool
    ) -> VerifierState? {
        guard var result = valueBranchState(assuming: comparison, left, right, dst: dst, src: src, is32: is32) else {
            return nil
        }
        guard Self.refineZone(in: &result, assuming: comparison, left, right, dst: dst, src: src, is32: is32) else {
            return nil
        }
        return result
    }

    /// The side's state with the registers' bounds refined (intervals, known bits, null checks,
    /// packet ranges), or `nil` if that side cannot happen.
    private func valueBranchState(
        assuming comparison: ScalarBounds.Comparison, _ left: RegisterValue, _ right: RegisterValue, dst: UInt8,
        src: UInt8?, is32: Bool
    ) -> VerifierState? {
        var result = state
        switch (left, right) {
        case (.scalar(let a, let leftID), .scalar(let b, let rightID)):
            guard let (x, y) = Self.refineScalars(a, comparison, b, is32: is32) else { return nil }
            Self.setScalar(in: &result, register: dst, id: leftID, x)
            if let src { Self.setScalar(in: &result, register: src, id: rightID, y) }
            if leftID == Self.memoryLengthID || rightID == Self.memoryLengthID {
                Self.applyMemoryLength(in: &result, leftID == Self.memoryLengthID ? x : y)
            }
            return result
        case (.pointer(let pointer), .scalar(let b, _)), (.scalar(let b, _), .pointer(let pointer)):
            guard !is32, b.constantValue == 0, comparison == .equal || comparison == .notEqual else { return result }
            // A comparison with null.
            if pointer.maybeNull {
                let isNull = comparison == .equal
                Self.resolveNullCheck(in: &result, id: pointer.id, isNull: isNull)
                return result
            }
            if Self.isNeverNull(pointer) && comparison == .equal { return nil }
            return result
        case (.pointer(let p), .pointer(let q)):
            guard !is32 else { return result }
            if case .packet = p.region, case .packetEnd = q.region {
                // p OP end
                switch comparison {
                case .lessOrEqual, .less: Self.markPacketRange(in: &result, p)
                default: break
                }
            } else if case .packetEnd = p.region, case .packet = q.region {
                // end OP q
                switch comparison {
                case .greater, .greaterOrEqual: Self.markPacketRange(in: &result, q)
                default: break
                }
            } else if case .packetMeta = p.region, case .packet = q.region, Self.isPacketStart(q) {
                // meta OP data: the metadata is readable below the packet's start.
                switch comparison {
                case .lessOrEqual, .less: Self.markPacketRange(in: &result, p)
                default: break
                }
            } else if case .packet = p.region, case .packetMeta = q.region, Self.isPacketStart(p) {
                // data OP meta
                switch comparison {
                case .greater, .greaterOrEqual: Self.markPacketRange(in: &result, q)
                default: break
                }
            }
            return result
        default:
            return result
        }
    }

    /// Refined operands of a comparison, for 64-bit jumps and for 32-bit jumps whose operands
    /// have their upper halves zero (then both compare alike); other 32-bit jumps only decide
    /// whether the side is possible.
    private static func refineScalars(
        _ a: ScalarBounds, _ comparison: ScalarBounds.Comparison, _ b: ScalarBounds, is32: Bool
    ) -> (ScalarBounds, ScalarBounds)? {
        guard is32 else { return ScalarBounds.assuming(a, comparison, b) }
        let limit: UInt64 = comparison.isSigned ? UInt64(Int32.max) : UInt64(UInt32.max)
        if a.unsignedMax <= limit && b.unsignedMax <= limit {
            return ScalarBounds.assuming(a, comparison, b)
        }
        let a32 = comparison.isSigned ? a.signExtended(fromBits: 32) : a.truncated(toBits: 32)
        let b32 = comparison.isSigned ? b.signExtended(fromBits: 32) : b.truncated(toBits: 32)
        guard ScalarBounds.assuming(a32, comparison, b32) != nil else { return nil }
        return (a, b)
    }

    /// Writes refined bounds into a register and into every copy that shares its id.
    private static func setScalar(in state: inout VerifierState, register: UInt8, id: UInt32, _ bounds: ScalarBounds) {
        let keptID = bounds.isConstant && id != memoryLengthID ? 0 : id
        state[register: Int(register)] = .scalar(bounds, id: keptID)
        guard id != 0 else { return }
        state.updateAllValues { candidate in
            if case .scalar(_, let otherID) = candidate, otherID == id {
                candidate = .scalar(bounds, id: keptID)
            }
        }
    }

    /// What a bound on the memory length proves: bytes readable through pointers at the start.
    private static func applyMemoryLength(in state: inout VerifierState, _ length: ScalarBounds) {
        let proven = Int64(min(length.unsignedMin, UInt64(maxPacketOffset)))
        state.updateAllValues { candidate in
            if case .pointer(var pointer) = candidate, case .packet = pointer.region, pointer.id == 0 {
                pointer.range = max(pointer.range, proven)
                candidate = .pointer(pointer)
            }
        }
    }

    /// Whether `pointer` is the packet's start itself (the kernel's `reg_is_init_pkt_pointer`):
    /// what a metadata pointer must be compared with.
    private static func isPacketStart(_ pointer: PointerValue) -> Bool {
        pointer.fixedOffset == 0 && pointer.variableOffset.constantValue == 0
    }

    /// A packet pointer compared with the end (or a metadata pointer with the packet's start):
    /// on the side where it is at most the bound, every pointer into the same region with the
    /// same variable part may access up to its fixed offset.
    private static func markPacketRange(in state: inout VerifierState, _ pointer: PointerValue) {
        guard pointer.fixedOffset > 0 else { return }
        let proven = min(pointer.fixedOffset, maxPacketOffset)
        state.updateAllValues { candidate in
            if case .pointer(var other) = candidate, other.region == pointer.region, other.id == pointer.id {
                other.range = max(other.range, proven)
                candidate = .pointer(other)
            }
        }
    }

    /// After `if (p == 0)`: on the null side every copy of `p` is the number 0, on the other
    /// side every copy is a valid pointer.
    private static func resolveNullCheck(in state: inout VerifierState, id: UInt32, isNull: Bool) {
        state.updateAllValues { candidate in
            if case .pointer(var pointer) = candidate, pointer.maybeNull, pointer.id == id {
                if isNull {
                    candidate = .constant(0)
                } else {
                    pointer.maybeNull = false
                    candidate = .pointer(pointer)
                }
            }
        }
    }

    /// Pointers that cannot be 0 at run time (the input memory's address is 0 when it is empty).
    private static func isNeverNull(_ pointer: PointerValue) -> Bool {
        switch pointer.region {
        case .stack, .mapValue, .memory, .mapPointer, .typedContext, .function: true
        case .context(let size): size > 0
        case .packet, .packetEnd, .packetMeta: false
        }
    }
}
