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

    func executeLoad(_ instruction: Instruction) throws(VerifierError) {
        let size = MemorySize(rawValue: instruction.opcode & 0x18)!.byteCount
        let signExtends = instruction.opcode & 0xe0 == MemoryMode.memsx.rawValue
        let address = try read(instruction.src)
        let access = try checkAccess(
            register: instruction.src, address, offset: Int64(instruction.offset), size: size, isWrite: false)
        var loaded: RegisterValue
        if case .stack(let frame) = access.pointer.region {
            loaded = try readStack(frame: frame, access, size: size, register: instruction.src)
            if signExtends, let bounds = loaded.scalarBounds {
                loaded = .scalar(bounds.signExtended(fromBits: 8 * size), id: 0)
            }
        } else {
            loaded = .scalar(Self.loadedScalar(size: size, signExtended: signExtends), id: 0)
        }
        try write(instruction.dst, loaded)
    }

    func executeStore(_ instruction: Instruction, _ descriptor: OpcodeDescriptor) throws(VerifierError) {
        let size = MemorySize(rawValue: instruction.opcode & 0x18)!.byteCount
        if instruction.opcode & 0xe0 == MemoryMode.atomic.rawValue {
            try executeAtomic(instruction, size: size)
            return
        }
        let value: RegisterValue
        if instruction.instructionClass == .st {
            value = .constant(UInt64(bitPattern: Int64(instruction.immediate)))
        } else {
            value = try read(instruction.src)
        }
        let address = try read(instruction.dst)
        let access = try checkAccess(
            register: instruction.dst, address, offset: Int64(instruction.offset), size: size, isWrite: true)
        if case .stack(let frame) = access.pointer.region {
            try writeStack(frame: frame, access, size: size, value: value)
        }
    }

    private func executeAtomic(_ instruction: Instruction, size: Int) throws(VerifierError) {
        let operation = AtomicOperation(rawValue: instruction.immediate)!
        _ = try read(instruction.src)
        if operation == .cmpxchg { _ = try read(0) }
        let address = try read(instruction.dst)
        let access = try checkAccess(
            register: instruction.dst, address, offset: Int64(instruction.offset), size: size, isWrite: true)
        if case .stack(let frame) = access.pointer.region {
            let old = try readStack(frame: frame, access, size: size, register: instruction.dst)
            if case .pointer(let pointer) = old {
                throw error("BPF_ATOMIC stores into R\(instruction.dst) \(pointer.typeName) spilled on the stack are not allowed")
            }
            try writeStack(frame: frame, access, size: size, value: nil)
        }
        let oldValue = RegisterValue.scalar(Self.loadedScalar(size: size, signExtended: false), id: 0)
        if operation == .cmpxchg {
            try write(0, oldValue)
        } else if operation.rawValue & 1 != 0 {
            try write(instruction.src, oldValue)
        }
    }

    func executeWideLoad(_ instruction: Instruction) throws(VerifierError) {
        let kind = LoadImmediateKind(rawValue: instruction.src)!
        let value: RegisterValue
        switch kind {
        case .constant:
            value = .constant(Program(unchecked: instructions).wideImmediate(at: pc))
        case .mapByFD, .mapByIndex, .mapValueByFD, .mapValueByIndex:
            // ProgramStructure checked that the map exists.
            let map = MapReference(handle: instruction.immediate, descriptor: options.maps[instruction.immediate]!)
            if kind == .mapByFD || kind == .mapByIndex {
                value = .pointer(PointerValue(region: .mapPointer(map)))
            } else {
                let offset = Int64(UInt32(bitPattern: instructions[pc + 1].immediate))
                value = .pointer(PointerValue(region: .mapValue(map), fixedOffset: offset))
            }
        case .variableAddress, .codeAddress:
            throw error("unsupported lddw src=\(instruction.src)")
        }
        try write(instruction.dst, value)
    }

    /// `ldabs*`/`ldind*`: the engines check the bounds themselves (an access outside the memory
    /// ends the program with 0), so only the index register must be initialised.
    func executeLegacyPacketLoad(_ instruction: Instruction, _ descriptor: OpcodeDescriptor) throws(VerifierError) {
        if descriptor.shape == .packetIndirect { _ = try read(instruction.src) }
        let size = MemorySize(rawValue: instruction.opcode & 0x18)!.byteCount
        try write(0, .scalar(Self.loadedScalar(size: size, signExtended: false), id: 0))
    }

    // MARK: - Bounds

    /// Proves that `size` bytes at `value + offset` lie inside the region `value` points into.
    func checkAccess(
        register: UInt8, _ value: RegisterValue, offset: Int64, size: Int, isWrite: Bool
    ) throws(VerifierError) -> CheckedAccess {
        guard case .pointer(let pointer) = value else {
            throw error("R\(register) invalid mem access '\(value.typeName)'")
        }
        switch pointer.region {
        case .packetEnd, .mapPointer:
            throw error("R\(register) invalid mem access '\(pointer.typeName)'")
        default:
            if pointer.maybeNull { throw error("R\(register) invalid mem access '\(pointer.typeName)'") }
        }
        let variable = pointer.variableOffset
        let fixed = pointer.fixedOffset + offset
        let isFixed = variable.isConstant
        let limit = Self.maxVariableOffset
        let lowest = fixed + max(variable.signedMin, -limit)
        let highest = fixed + min(variable.signedMax, limit) + Int64(size)
        let access = CheckedAccess(pointer: pointer, lowest: lowest, highest: highest, isFixed: isFixed)

        if case .stack(let frame) = pointer.region {
            guard lowest >= -Int64(ExecutionLimits.stackFrameSize), highest <= 0, variable.signedMax < limit else {
                if isFixed { throw error("invalid stack off=\(lowest) size=\(size)") }
                throw error(
                    "invalid variable-offset \(isWrite ? "write to" : "read from") stack R\(register) var_off=\(variable.bits) off=\(fixed) size=\(size)")
            }
            noteStackDepth(frame: frame, lowest: lowest)
            return access
        }

        if !isFixed {
            if variable.signedMin < 0 {
                throw error("R\(register) min value is negative, either use unsigned index or do a if (index >=0) check.")
            }
            if variable.unsignedMax >= UInt64(limit) {
                throw error("R\(register) unbounded memory access, make sure to bounds check any such access")
            }
        }
        switch pointer.region {
        case .context(let regionSize):
            guard lowest >= 0, highest <= Int64(regionSize) else {
                throw error("invalid bpf_context access off=\(fixed) size=\(size) (the memory has \(regionSize) bytes)")
            }
        case .memory(let regionSize):
            guard lowest >= 0, highest <= Int64(regionSize) else {
                throw error("invalid access to memory, mem_size=\(regionSize) off=\(fixed) size=\(size)")
            }
        case .mapValue(let map):
            guard lowest >= 0, highest <= Int64(map.descriptor.valueSize) else {
                throw error("invalid access to map value, value_size=\(map.descriptor.valueSize) off=\(fixed) size=\(size)")
            }
        case .packet:
            guard fixed >= 0, fixed + Int64(size) <= pointer.range else {
                throw error(
                    "invalid access to packet, off=\(fixed) size=\(size), R\(register)(id=\(pointer.id),off=\(pointer.fixedOffset),r=\(pointer.range))")
            }
            if Int64(variable.unsignedMax) + fixed + Int64(size) > Self.maxPacketOffset {
                throw error("R\(register) offset is outside of the packet")
            }
        case .stack, .packetEnd, .mapPointer:
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

    /// The value read from the stack: a spilled register (8-byte aligned read of a spill), zero,
    /// or unknown data of the access width. Every byte read must have been written.
    func readStack(frame: Int, _ access: CheckedAccess, size: Int, register: UInt8) throws(VerifierError) -> RegisterValue {
        let stack = state.frames[frame].stack
        let start = Int(access.lowest)
        let end = Int(access.highest)
        if access.isFixed && size == 8 {
            let (slot, byte) = FunctionFrame.position(ofOffset: start)
            if byte == 0 && stack[slot].isSpill { return stack[slot].spilled }
        }
        var allZero = true
        for offset in start..<end {
            let (slot, byte) = FunctionFrame.position(ofOffset: offset)
            let kind = stack[slot].kind(at: byte)
            if kind == .invalid {
                if access.isFixed {
                    throw error("invalid read from stack off \(start)+\(offset - start) size \(size)")
                }
                throw error(
                    "invalid read from stack R\(register) var_off=\(access.pointer.variableOffset.bits)+\(access.pointer.fixedOffset) size \(size)")
            }
            if kind != .zero { allZero = false }
        }
        if allZero && access.isFixed { return .constant(0) }
        return .scalar(Self.loadedScalar(size: size, signExtended: false), id: 0)
    }

    /// Records a store: an aligned 8-byte store of a register spills it (its type is kept);
    /// anything else leaves data (`misc`) or zeros. `value == nil` stores unknown data.
    func writeStack(frame: Int, _ access: CheckedAccess, size: Int, value: RegisterValue?) throws(VerifierError) {
        let start = Int(access.lowest)
        let end = Int(access.highest)
        if case .pointer(let pointer) = value, case .stack(let pointedFrame) = pointer.region, pointedFrame > frame {
            throw error("cannot spill pointers to stack into stack frame of the caller")
        }
        if access.isFixed, size == 8, let value {
            let (slot, byte) = FunctionFrame.position(ofOffset: start)
            if byte == 0 {
                state.frames[frame].stack[slot] = StackSlot(kinds: StackSlot.allSpill, spilled: value)
                return
            }
        }
        if case .pointer = value, access.isFixed {
            throw error("invalid size of register spill")
        }
        let writesZero = access.isFixed && value?.scalarBounds?.truncated(toBits: 8 * size).constantValue == 0
        var stack = state.frames[frame].stack
        for offset in start..<end {
            let (slot, byte) = FunctionFrame.position(ofOffset: offset)
            if stack[slot].isSpill {
                stack[slot] = StackSlot(kinds: StackSlot.allMisc, spilled: .uninitialized)
            }
            stack[slot].setKind(writesZero ? .zero : .misc, at: byte)
        }
        state.frames[frame].stack = stack
    }
}
