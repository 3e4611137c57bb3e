import EBPFCore

/// Helper calls (checked against the helper's signature), local calls (a new frame) and exit.
extension AbstractInterpreter {
    func executeHelperCall(id: Int32) throws(VerifierError) {
        guard let helper = helpers[id] else { throw error(.environment, "invalid func unknown#\(id)") }
        if helper.gplOnly && !options.hasGPLCompatibleLicense {
            throw error(.environment, "cannot call GPL-restricted function from non-GPL compatible program")
        }
        if helper.intrinsic == .loop {
            preconditionFailure("bpf_loop is verified by executeLoopCall")
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
            case .callback, .callbackContext:
                throw error(.environment, "helper \(helper.name) declares a callback but is not bpf_loop (HelperIntrinsic.loop)")
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
        if helpers[helperID]?.intrinsic != nil {
            throw error(.unsupported, "callx R\(register): \(helpers[helperID]!.name) can only be called with call \(helperID)")
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
        if state.frames[depth - 1].isCallback {
            try returnFromCallback(result)
            return false
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

/// `bpf_loop` (``EBPFCore/HelperIntrinsic/loop``): the callback is verified as the body of a loop
/// around the call. A path that reaches the call starts a walk of that loop, with the caller's
/// state as the loop's invariant, kept and widened as at a loop head under the widening policy
/// (``join(into:)``, whatever the policy). From the invariant the walk goes on twice — past the
/// call (the loop ran as often as it did: R0 any number) and into the callback (one more
/// iteration). The callback's `exit` leads back to the call with the caller's state as the
/// callback left it (what it wrote through R2 into the caller's stack included), which is joined
/// into the walk's invariant: when the invariant already described it the path ends, otherwise
/// the invariant grows and both go on again. So the walk stops once the invariant covers the
/// state after one more iteration: a fixed point, reached because the join widens bounds that
/// keep growing. Other paths reaching the call start walks of their own (no join across paths,
/// as the kernel keeps them apart).
extension AbstractInterpreter {
    /// The call at `pc` of the helper tagged ``EBPFCore/HelperIntrinsic/loop``. Returns true when
    /// the path ends (the invariant already covered the state).
    func executeLoopCall(_ helper: HelperFunction) throws(VerifierError) -> Bool {
        let count = try read(1)
        guard let countBounds = count.scalarBounds else {
            throw error(.safetyViolation, "R1 type=\(count.typeName) expected=scalar (bpf_loop nr_loops)")
        }
        let callback = try read(2)
        guard case .pointer(let pointer) = callback, case .function(let target) = pointer.region else {
            throw error(.safetyViolation, "R2 type=\(callback.typeName) expected=func (bpf_loop callback_fn)")
        }
        guard pointer.fixedOffset == 0, pointer.variableOffset.constantValue == 0 else {
            throw error(.safetyViolation, "R2 is a modified function address (bpf_loop callback_fn)")
        }
        let context = try read(3)
        switch context {
        case .pointer(let contextPointer):
            guard case .stack = contextPointer.region, !contextPointer.maybeNull else {
                throw error(.safetyViolation, "R3 type=\(context.typeName) expected=fp or null (bpf_loop callback_ctx)")
            }
        case .scalar(let bounds, _):
            guard bounds.constantValue == 0 else {
                throw error(.safetyViolation, "R3 type=\(context.typeName) expected=fp or null (bpf_loop callback_ctx)")
            }
        case .uninitialized:
            preconditionFailure("read returns initialised values")
        }
        let flags = try read(4)
        guard flags.scalarBounds != nil else {
            throw error(.safetyViolation, "R4 type=\(flags.typeName) expected=scalar (bpf_loop flags)")
        }
        let depth = state.frames.count
        guard depth < ExecutionLimits.maxCallDepth else {
            throw error(.resourceLimit, "the call stack of \(depth + 1) frames is too deep !")
        }
        let instance: Int
        if let resumed = resumingLoop {
            resumingLoop = nil
            instance = resumed
            if try join(into: callbackInvariants[instance]) { return true }
        } else {
            instance = callbackInvariants.count
            callbackInvariants.append(LoopInvariant(state: state))
            totalStates += 1
        }

        // Past the loop: R0 is the number of iterations or -errno.
        var after = state
        for register in 1...5 { after[register: register] = .uninitialized }
        after[register: 0] = .unknownScalar
        after.relations = []
        let frame = depth - 1
        for register in 0...5 { after.zone.forget(Zone.location(.register(register, frame: frame))) }
        pushBranch(after, at: pc + 1)

        // One more iteration, unless nr_loops is 0 (or at least 2^32, whose low half counts).
        let low32Max = countBounds.unsignedMax > UInt64(UInt32.max) ? UInt64(UInt32.max) : countBounds.unsignedMax
        let iterations = min(low32Max, HelperIntrinsic.maxLoops)
        guard iterations > 0 else { return true }
        var callee = FunctionFrame(frameNumber: depth, callSite: pc, functionStart: target)
        callee.isCallback = true
        callee.loopInstance = instance
        callee.registers[1] = .scalar(.unsigned(upTo: iterations - 1), id: 0)
        callee.registers[2] = context
        state.frames.append(callee)
        state.relations = []
        for register in 0...5 { state.zone.forget(Zone.location(.register(register, frame: depth))) }
        maxCallDepth = max(maxCallDepth, depth + 1)
        callbackEntries += 1
        appendLog { "\(self.pc): bpf_loop calls insn \(target): \(self.state.kernelDescription)" }
        pc = target
        return false
    }

    /// A callback's `exit`: R0 must be 0 (go on) or 1 (stop), as the kernel requires; the walk
    /// goes back to the `bpf_loop` call with the caller's frame as the callback left it.
    private func returnFromCallback(_ result: RegisterValue) throws(VerifierError) {
        guard let bounds = result.scalarBounds, bounds.unsignedMax <= 1 else {
            throw error(
                .safetyViolation,
                "At callback return the register R0 has value \(result.kernelDescription); it should have been in [0, 1]")
        }
        let frame = state.frames.removeLast()
        state.relations = []
        resumingLoop = frame.loopInstance
        pc = frame.callSite
    }

    /// The caller registers a state comparison must look at for the frame called from
    /// `callSite`: R6–R9 live after a `call local`; for a callback, also what the `bpf_loop` call
    /// reads again when the callback returns (its arguments).
    func callerLiveRegisters(callSite: Int) -> UInt16 {
        if isLoopCall[callSite] { return liveness.liveIn[callSite] }
        return liveness.liveIn[callSite + 1] & Liveness.calleeSaved
    }
}
