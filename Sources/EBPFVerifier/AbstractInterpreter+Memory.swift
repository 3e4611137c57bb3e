import EBPFCore

/// Loads, stores, atomics and `lddw`: every access must be proven inside its region.
extension AbstractInterpreter {
    /// A proven access: the pointer and the lowest and highest (exclusive) offsets touched,
    /// relative to the region's start (for the stack: to the frame's R10).
    struct CheckedAccess {
        var pointer: PointerValue
        var lowest: Int64
        var highest: Int64
        var isFixed: Bool
    }

    /// A value of `size` bytes read from memory: zero-extended, or sign-extended for `ldxs*`.
    static func loadedScalar(size: Int, signExtended: Bool) -> ScalarBounds {
        if size >= 8 { return .unknown }
        let bits = UInt64(8 * size)
        if signExtended {
            let half = Int64(1) << Int64(bits - 1)
            return .signed(-half, half - 1)
        }
        return .unsigned(upTo: (1 << bits) - 1)
    }

    func executeLoad(_ size: MemorySize, dst: UInt8, base: UInt8, offset: Int16, signExtends: Bool) throws(VerifierError) {
        let size = size.byteCount
        let address = try read(base)
        let access = try checkAccess(register: base, address, offset: Int64(offset), size: size, isWrite: false)
        var loaded: RegisterValue
        if case .stack(let frame) = access.pointer.region {
            loaded = try readStack(frame: frame, access, size: size, register: base)
            if signExtends, let bounds = loaded.scalarBounds {
                loaded = .scalar(bounds.signExtended(fromBits: 8 * size), id: 0)
            }
        } else if case .typedContext = access.pointer.region {
            loaded = try typedContextValue(at: access.lowest, size: size, signExtends: signExtends)
        } else {
            loaded = .scalar(Self.loadedScalar(size: size, signExtended: signExtends), id: 0)
        }
        try write(dst, loaded)
    }

    func executeStore(_ size: MemorySize, base: UInt8, offset: Int16, value operand: Operand) throws(VerifierError) {
        let size = size.byteCount
        var value: RegisterValue
        switch operand {
        case .immediate(let immediate): value = .constant(UInt64(bitPattern: Int64(immediate)))
        case .register(let src): value = try read(src)
        }
        let address = try read(base)
        let access = try checkAccess(register: base, address, offset: Int64(offset), size: size, isWrite: true)
        if case .stack(let frame) = access.pointer.region {
            // A spill that keeps the register's value links the two (as the kernel does), so a
            // comparison of the register also bounds the stored copy: `k++; *p = k; if (k < n)`.
            if access.isFixed, case .register(let src) = operand, case .scalar(let bounds, 0) = value, !bounds.isConstant,
                size == 8 || Self.keepsNarrowStore(bounds, size: size)
            {
                value = .scalar(bounds, id: freshID())
                state[register: Int(src)] = value
            }
            try writeStack(frame: frame, access, size: size, value: value)
        }
    }

    func executeAtomic(
        _ operation: AtomicOperation, _ size: MemorySize, base: UInt8, offset: Int16, src: UInt8
    ) throws(VerifierError) {
        let size = size.byteCount
        _ = try read(src)
        if operation == .cmpxchg { _ = try read(0) }
        let address = try read(base)
        let access = try checkAccess(register: base, address, offset: Int64(offset), size: size, isWrite: true)
        if case .stack(let frame) = access.pointer.region {
            let old = try readStack(frame: frame, access, size: size, register: base)
            if case .pointer(let pointer) = old {
                throw error(
                    .safetyViolation,
                    "BPF_ATOMIC stores into R\(base) \(pointer.typeName) spilled on the stack are not allowed")
            }
            try writeStack(frame: frame, access, size: size, value: nil)
        }
        let oldValue = RegisterValue.scalar(Self.loadedScalar(size: size, signExtended: false), id: 0)
        switch operation {
        case .cmpxchg:
            try write(0, oldValue)
        case .fetchAdd, .fetchOr, .fetchAnd, .fetchXor, .xchg:
            try write(src, oldValue)
        case .add, .or, .and, .xor:
            break
        }
    }

    func executeWideLoad(dst: UInt8, kind: LoadImmediateKind, value: UInt64) throws(VerifierError) {
        let loaded: RegisterValue
        switch kind {
        case .constant:
            loaded = .constant(value)
        case .mapByFD, .mapByIndex, .mapValueByFD, .mapValueByIndex:
            // StructuralChecks checked that the map exists.
            let handle = Int32(truncatingIfNeeded: value)
            let map = MapReference(handle: handle, descriptor: options.maps[handle]!)
            if kind == .mapByFD || kind == .mapByIndex {
                loaded = .pointer(PointerValue(region: .mapPointer(map)))
            } else {
                loaded = .pointer(PointerValue(region: .mapValue(map), fixedOffset: Int64(value >> 32)))
            }
        case .codeAddress:
            // StructuralChecks checked that the target is a function.
            loaded = .pointer(PointerValue(region: .function(target: program.functionAddressTarget(at: pc)!)))
        case .variableAddress:
            throw error(.unsupported, "unsupported lddw src=\(kind.rawValue)")
        }
        try write(dst, loaded)
    }

    /// `ldabs*`/`ldind*`: the engines check the bounds themselves (an access outside the memory
    /// ends the program with 0), so only the index register must be initialised.
    func executeLegacyPacketLoad(_ size: MemorySize, index: UInt8?) throws(VerifierError) {
        if options.context != nil {
            // The kernel's check_ld_abs: R6 must be the context itself, and the load (a helper
            // call once the kernel rewrites it) leaves R1-R5 unreadable.
            let context = try read(6)
            guard case .pointer(let pointer) = context, case .typedContext = pointer.region else {
                throw error(.safetyViolation, "at the time of BPF_LD_ABS|IND R6 != pointer to skb")
            }
            guard pointer.fixedOffset == 0, pointer.variableOffset.constantValue == 0 else {
                throw error(.safetyViolation, "dereference of modified ctx ptr R6 off=\(pointer.fixedOffset) disallowed")
            }
            if let index { _ = try read(index) }
            for register in 1...5 { state[register: register] = .uninitialized }
        } else if let index {
            _ = try read(index)
        }
        try write(0, .scalar(Self.loadedScalar(size: size.byteCount, signExtended: false), id: 0))
    }

    // MARK: - Bounds

    /// Proves that `size` bytes at `value + offset` lie inside the region `value` points into.
    func checkAccess(
        register: UInt8, _ value: RegisterValue, offset: Int64, size: Int, isWrite: Bool
    ) throws(VerifierError) -> CheckedAccess {
        guard case .pointer(let pointer) = value else {
            throw error(.safetyViolation, "R\(register) invalid mem access '\(value.typeName)'")
        }
        let variable = pointer.variableOffset
        let fixed = pointer.fixedOffset + offset
        let isFixed = variable.isConstant
        let limit = Self.maxVariableOffset
        let lowest = fixed + max(variable.signedMin, -limit)
        let highest = fixed + min(variable.signedMax, limit) + Int64(size)
        let access = CheckedAccess(pointer: pointer, lowest: lowest, highest: highest, isFixed: isFixed)
        switch pointer.region {
        case .packet, .packetEnd, .context:
            // The input: proven when the zone shows the bytes below the length.
            if zoneProvesInputAccess(register: register, offset: offset, size: size) { return access }
            if case .packetEnd = pointer.region {
                throw error(
                    .safetyViolation,
                    "R\(register) invalid mem access '\(pointer.typeName)': "
                        + explainInputAccess(register: register, pointer: pointer, offset: offset, size: size, isWrite: isWrite))
            }
        case .mapPointer, .function:
            throw error(.safetyViolation, "R\(register) invalid mem access '\(pointer.typeName)'")
        case .typedContext:
            return try checkTypedContextAccess(register: register, pointer, offset: offset, size: size, isWrite: isWrite)
        default:
            if pointer.maybeNull { throw error(.safetyViolation, "R\(register) invalid mem access '\(pointer.typeName)'") }
        }
        func explained(_ message: String) -> String {
            guard case .packet = pointer.region else { return message }
            return message + ": " + explainInputAccess(register: register, pointer: pointer, offset: offset, size: size, isWrite: isWrite)
        }

        if case .stack(let frame) = pointer.region {
            guard lowest >= -Int64(ExecutionLimits.stackFrameSize), highest <= 0, variable.signedMax < limit else {
                if isFixed { throw error(.safetyViolation, "invalid stack off=\(lowest) size=\(size)") }
                throw error(
                    .safetyViolation,
                    "invalid variable-offset \(isWrite ? "write to" : "read from") stack R\(register) var_off=\(variable.bits) off=\(fixed) size=\(size)")
            }
            noteStackDepth(frame: frame, lowest: lowest)
            return access
        }

        if !isFixed {
            if variable.signedMin < 0 {
                throw error(
                    .safetyViolation,
                    explained("R\(register) min value is negative, either use unsigned index or do a if (index >=0) check."))
            }
            if variable.unsignedMax >= UInt64(limit) {
                throw error(
                    .safetyViolation, explained("R\(register) unbounded memory access, make sure to bounds check any such access"))
            }
        }
        switch pointer.region {
        case .context(let regionSize):
            guard lowest >= 0, highest <= Int64(regionSize) else {
                throw error(.safetyViolation, "invalid bpf_context access off=\(fixed) size=\(size) (the memory has \(regionSize) bytes)")
            }
        case .memory(let regionSize):
            guard lowest >= 0, highest <= Int64(regionSize) else {
                throw error(.safetyViolation, "invalid access to memory, mem_size=\(regionSize) off=\(fixed) size=\(size)")
            }
        case .mapValue(let map):
            guard lowest >= 0, highest <= Int64(map.descriptor.valueSize) else {
                throw error(.safetyViolation, "invalid access to map value, value_size=\(map.descriptor.valueSize) off=\(fixed) size=\(size)")
            }
        case .packet, .packetMeta:
            guard fixed >= 0, fixed + Int64(size) <= pointer.range else {
                throw error(
                    .safetyViolation,
                    explained(
                        "invalid access to packet, off=\(fixed) size=\(size), R\(register)(id=\(pointer.id),off=\(pointer.fixedOffset),r=\(pointer.range))"))
            }
            if Int64(variable.unsignedMax) + fixed + Int64(size) > Self.maxPacketOffset {
                throw error(.safetyViolation, explained("R\(register) offset is outside of the packet"))
            }
        case .stack, .packetEnd, .mapPointer, .typedContext, .function:
            break
        }
        return access
    }

    func noteStackDepth(frame: Int, lowest: Int64) {
        let function = state.frames[frame].functionStart
        let depth = Int(-lowest)
        if depth > stackDepthByFunction[function, default: 0] { stackDepthByFunction[function] = depth }
    }

    // MARK: - Stack contents

    /// The value read from the stack: a spilled register (8-byte aligned read of a spill), the
    /// scalar a narrow store left (a read of the same bytes, or of fewer from the same start, as
    /// the kernel's narrow fills), zero, or unknown data of the access width. Every byte read must
    /// have been written.
    func readStack(frame: Int, _ access: CheckedAccess, size: Int, register: UInt8) throws(VerifierError) -> RegisterValue {
        let stack = state.frames[frame].stack
        let start = Int(access.lowest)
        let end = Int(access.highest)
        if access.isFixed {
            let (slot, byte) = FunctionFrame.position(ofOffset: start)
            if byte == 0 && stack[slot].isSpill {
                if size == 8 { return stack[slot].spilled }
                // A narrow fill of a spilled scalar: its low bytes.
                if case .scalar(let bounds, let id) = stack[slot].spilled { return Self.narrowed(bounds, id: id, toBytes: size) }
            }
            if let part = stack[slot].part(startingAt: byte), size <= part.size, case .scalar(let bounds, let id) = part.value {
                return Self.narrowed(bounds, id: id, toBytes: size)
            }
        }
        var allZero = true
        for offset in start..<end {
            let (slot, byte) = FunctionFrame.position(ofOffset: offset)
            let kind = stack[slot].kind(at: byte)
            if kind == .invalid {
                if access.isFixed {
                    throw error(.safetyViolation, "invalid read from stack off \(start)+\(offset - start) size \(size)")
                }
                throw error(
                    .safetyViolation,
                    "invalid read from stack R\(register) var_off=\(access.pointer.variableOffset.bits)+\(access.pointer.fixedOffset) size \(size)")
            }
            if kind != .zero { allZero = false }
        }
        if allZero && access.isFixed { return .constant(0) }
        return .scalar(Self.loadedScalar(size: size, signExtended: false), id: 0)
    }

    /// The low `bytes` bytes of a scalar, zero-extended: the scalar itself (with its id) when it
    /// fits, otherwise its truncation (a new value, without id).
    static func narrowed(_ bounds: ScalarBounds, id: UInt32, toBytes bytes: Int) -> RegisterValue {
        guard bytes < 8 else { return .scalar(bounds, id: id) }
        if bounds.unsignedMax >> UInt64(8 * bytes) == 0 { return .scalar(bounds, id: id) }
        return .scalar(bounds.truncated(toBits: 8 * bytes), id: 0)
    }

    /// Records a store: an aligned 8-byte store of a register spills it (its type is kept); a
    /// 1-, 2- or 4-byte store of a scalar inside one slot keeps the stored bytes' value (a
    /// ``StackSlot/Part``); anything else leaves data (`misc`) or zeros. Whatever the store
    /// overwrites in part is scrubbed (``StackSlot/scrub(_:)``). `value == nil` stores unknown
    /// data.
    func writeStack(frame: Int, _ access: CheckedAccess, size: Int, value: RegisterValue?) throws(VerifierError) {
        let start = Int(access.lowest)
        let end = Int(access.highest)
        if case .pointer(let pointer) = value, case .stack(let pointedFrame) = pointer.region, pointedFrame > frame {
            throw error(.safetyViolation, "cannot spill pointers to stack into stack frame of the caller")
        }
        if access.isFixed, size == 8, let value {
            let (slot, byte) = FunctionFrame.position(ofOffset: start)
            if byte == 0 {
                state.frames[frame].stack[slot] = StackSlot(kinds: StackSlot.allSpill, spilled: value)
                return
            }
        }
        if case .pointer = value, access.isFixed {
            throw error(.safetyViolation, "invalid size of register spill")
        }
        let writesZero = access.isFixed && value?.scalarBounds?.truncated(toBits: 8 * size).constantValue == 0
        if access.isFixed, !writesZero, size < 8, case .scalar(let bounds, let id) = value, Self.keepsNarrowStore(bounds, size: size) {
            let (slot, byte) = FunctionFrame.position(ofOffset: start)
            if byte + size <= 8 {
                state.frames[frame].stack[slot].store(Self.narrowed(bounds, id: id, toBytes: size), start: byte, size: size)
                return
            }
        }
        var stack = state.frames[frame].stack
        for offset in start..<end {
            let (slot, byte) = FunctionFrame.position(ofOffset: offset)
            stack[slot].scrub(byte..<byte + 1)
            stack[slot].setKind(writesZero ? .zero : .misc, at: byte)
        }
        state.frames[frame].stack = stack
    }

    /// Whether a store of `size` (< 8) bytes of a scalar with `bounds` keeps its value
    /// (``StackSlot/Part``): constants, and values whose top bit in the stored width is known
    /// zero (counters, indexes, masked values: they read back alike through zero- and
    /// sign-extending loads). Other values, typically data copied byte by byte, are stored as
    /// data: their ranges would split with every comparison on them (a sort) and keep the
    /// bounded walk from pruning, without ever bounding an access.
    static func keepsNarrowStore(_ bounds: ScalarBounds, size: Int) -> Bool {
        bounds.isConstant || bounds.unsignedMax >> UInt64(8 * size - 1) == 0
    }

    /// A helper may have written the stack bytes `bytes` (offsets from the frame's R10) of
    /// `frame`, the first `certainlyWritten` of them for sure: what they held is forgotten and
    /// they are data now, except bytes never written that the helper may not have written either
    /// (they stay unreadable).
    func forgetStack(frame: Int, bytes: Range<Int>, certainlyWritten: Int) {
        var stack = state.frames[frame].stack
        for offset in bytes {
            let (slot, byte) = FunctionFrame.position(ofOffset: offset)
            let kind = stack[slot].kind(at: byte)
            stack[slot].scrub(byte..<byte + 1)
            if kind != .invalid || offset - bytes.lowerBound < certainlyWritten { stack[slot].setKind(.misc, at: byte) }
        }
        state.frames[frame].stack = stack
    }
}
