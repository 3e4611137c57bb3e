import EBPFCore

/// Helper calls (checked against the helper's signature), local calls (a new frame) and exit.
extension AbstractInterpreter {
    func executeHelperCall(id: Int32) throws(VerifierError) {
        guard let helper = helpers[id] else { throw error(.environment, "invalid func unknown#\(id)") }
        if helper.gplOnly && !options.hasGPLCompatibleLicense {
            throw error(.environment, "cannot call GPL-restricted function from non-GPL compatible program")
        }
        let signature = helper.signature
        var map: MapReference?
        // Stack bytes the helper may write: (frame, bytes, how many of them from the start it
        // certainly writes).
        var stackWrites: [(frame: Int, bytes: Range<Int>, certain: Int)] = []
        var index = 0
        while index < signature.arguments.count {
            let register = UInt8(index + 1)
            let value = try read(register)
            switch signature.arguments[index] {
            case .anything:
                // A stack pointer without a size: the helper may touch the whole frame.
                if case .pointer(let pointer) = value, case .stack(let frame) = pointer.region {
                    stackWrites.append((frame, -ExecutionLimits.stackFrameSize..<0, 0))
                }
            case .scalar, .memorySize:
                guard value.scalarBounds != nil else { throw error(.safetyViolation, "R\(register) type=\(value.typeName) expected=scalar") }
            case .context:
                guard case .pointer(let pointer) = value, isContextArgument(pointer.region) else {
                    throw error(.safetyViolation, "R\(register) type=\(value.typeName) expected=ctx")
                }
                guard pointer.fixedOffset == 0, pointer.variableOffset.constantValue == 0 else {
                    throw error(.safetyViolation, "dereference of modified ctx ptr R\(register) off=\(pointer.fixedOffset) disallowed")
                }
            case .mapPointer:
                guard case .pointer(let pointer) = value, case .mapPointer(let reference) = pointer.region else {
                    throw error(.safetyViolation, "R\(register) type=\(value.typeName) expected=map_ptr")
                }
                map = reference
            case .mapKey, .mapValue:
                guard let map else { throw error(.environment, "invalid map_ptr to access map->key") }
                let isKey = signature.arguments[index] == .mapKey
                let size = isKey ? map.descriptor.keySize : map.descriptor.valueSize
                try checkHelperMemory(register: register, value, size: ScalarBounds.constant(UInt64(size)))
            case .memory, .writableMemory:
                let isWritable = signature.arguments[index] == .writableMemory
                guard index + 1 < signature.arguments.count, signature.arguments[index + 1] == .memorySize else {
                    throw error(.environment, "helper \(helper.name) declares a memory argument without a size argument")
                }
                let sizeRegister = register + 1
                let sizeValue = try read(sizeRegister)
                guard let size = sizeValue.scalarBounds else {
                    throw error(.safetyViolation, "R\(sizeRegister) type=\(sizeValue.typeName) expected=scalar")
                }
                if size.signedMin < 0 {
                    throw error(.safetyViolation, "R\(sizeRegister) min value is negative, either use unsigned or 'var &= const'")
                }
                if size.unsignedMax >= UInt64(Self.maxVariableOffset) {
                    throw error(.safetyViolation, "R\(sizeRegister) unbounded memory access, use 'var &= const' or 'if (var < const)'")
                }
                if isWritable {
                    if let write = try checkHelperWrite(register: register, value, size: size) { stackWrites.append(write) }
                } else {
                    try checkHelperMemory(register: register, value, size: size)
                }
                index += 1
            }
            index += 1
        }
        let result: RegisterValue
        switch signature.returns {
        case .scalar, .void:
            result = .unknownScalar
        case .mapValueOrNull:
            guard let map else {
                throw error(
                    .environment, "kernel subsystem misconfigured verifier: \(helper.name) returns a map value but takes no map")
            }
            result = .pointer(PointerValue(region: .mapValue(map), id: freshID(), maybeNull: true))
        case .memoryOrNull(let size):
            result = .pointer(PointerValue(region: .memory(size: size), id: freshID(), maybeNull: true))
        }
        for write in stackWrites {
            forgetStack(frame: write.frame, bytes: write.bytes, certainlyWritten: write.certain)
        }
        for register in 1...5 { state[register: register] = .uninitialized }
        state[register: 0] = result
        if signature.changesPacketData { invalidatePacketPointers() }
    }

    /// A helper writes up to `size` bytes at the pointer: they must be inside the region (need
    /// not be initialised). Returns the stack bytes it may write, if the pointer is into the stack.
    private func checkHelperWrite(
        register: UInt8, _ value: RegisterValue, size: ScalarBounds
    ) throws(VerifierError) -> (frame: Int, bytes: Range<Int>, certain: Int)? {
        guard case .pointer(let pointer) = value else {
            throw error(.safetyViolation, "R\(register) type=\(value.typeName) expected=fp, pkt, map_value, mem")
        }
        let bytes = Int(size.unsignedMax)
        if bytes == 0 { return nil }
        let access = try checkAccess(register: register, value, offset: 0, size: bytes, isWrite: true)
        guard case .stack(let frame) = pointer.region else { return nil }
        let certain = access.isFixed ? Int(size.unsignedMin) : 0
        return (frame, Int(access.lowest)..<Int(access.highest), certain)
    }

    /// A helper reads `size` bytes at the pointer: they must be inside the region and, on the
    /// stack, initialised.
    private func checkHelperMemory(register: UInt8, _ value: RegisterValue, size: ScalarBounds) throws(VerifierError) {
        // NULL with a size of 0 (the kernel's PTR_MAYBE_NULL with ARG_CONST_SIZE_OR_ZERO, as
        // `bpf_csum_diff(0, 0, to, n, seed)` passes): the helper touches nothing.
        if size.unsignedMax == 0, value.scalarBounds?.constantValue == 0 { return }
        guard case .pointer(let pointer) = value else {
            throw error(.safetyViolation, "R\(register) type=\(value.typeName) expected=fp, pkt, map_value, mem")
        }
        let bytes = Int(size.unsignedMax)
        if bytes == 0 { return }
        let access = try checkAccess(register: register, value, offset: 0, size: bytes, isWrite: false)
        if case .stack(let frame) = pointer.region {
            let stack = state.frames[frame].stack
            for offset in Int(access.lowest)..<Int(access.highest) {
                let (slot, byte) = FunctionFrame.position(ofOffset: offset)
                if stack[slot].kind(at: byte) == .invalid {
                    throw error(
                        .safetyViolation,
                        "invalid indirect read from stack R\(register) off \(access.lowest)+\(offset - Int(access.lowest)) size \(bytes)")
                }
            }
        }
    }

    func executeRegisterCall(_ register: UInt8) throws(VerifierError) {
        let target = try read(register)
        guard let id = target.scalarBounds?.constantValue, let helperID = Int32(exactly: Int64(bitPattern: id)) else {
            throw error(
                .unsupported, "callx R\(register): the helper id must be a known constant, found \(target.kernelDescription)")
        }
        try executeHelperCall(id: helperID)
    }

    func executeLocalCall(target: Int) throws(VerifierError) {
        let depth = state.frames.count
        guard depth < ExecutionLimits.maxCallDepth else {
            throw error(.resourceLimit, "the call stack of \(depth + 1) frames is too deep !")
        }
        var callee = FunctionFrame(frameNumber: depth, callSite: pc, functionStart: target)
        for register in 1...5 { callee.registers[register] = state[register: register] }
        state.frames.append(callee)
        maxCallDepth = max(maxCallDepth, depth + 1)
        pc = target
    }

    /// Returns from a local call, or ends the path in the entry function.
    func executeExit() throws(VerifierError) -> Bool {
        let result = try read(0)
        let depth = state.frames.count
        if depth == 1 { return true }
        if case .pointer(let pointer) = result, case .stack(let frame) = pointer.region, frame == depth - 1 {
            throw error(.safetyViolation, "cannot return stack pointer to the caller")
        }
        let callSite = state.frames[depth - 1].callSite
        state.frames.removeLast()
        for register in 1...5 { state[register: register] = .uninitialized }
        state[register: 0] = result
        pc = callSite + 1
        return false
    }
}

extension PointerValue.Region {
    /// Whether the region is the program's input memory (of known or unknown size).
    var isInputMemory: Bool {
        switch self {
        case .context, .packet: true
        default: false
        }
    }
}
