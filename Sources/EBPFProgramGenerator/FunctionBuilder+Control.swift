import EBPFCore

/// Conditionals, counted loops, local calls and helper calls.
extension FunctionBuilder {
    static let conditions: [JumpOperation] = [.jeq, .jgt, .jge, .jset, .jne, .jsgt, .jsge, .jlt, .jle, .jslt, .jsle]

    mutating func nestedBlockLength() -> Int {
        rng.value(in: 1...4)
    }

    /// A compare-and-jump (JMP or JMP32, immediate or register) over a block, sometimes with an
    /// else block, sometimes with an early return inside.
    mutating func emitConditional() {
        let lhs = readableOrDefine()
        let cls: InstructionClass = rng.chance(1, in: 2) ? .jmp : .jmp32
        let opcode = cls.rawValue | rng.element(of: Self.conditions).rawValue
        let jumpSlot = code.count
        if rng.chance(1, in: 2), let rhs = randomReadable() {
            emit(Instruction(opcode: opcode | OperandSource.register.rawValue, dst: lhs, src: rhs))
        } else {
            emit(Instruction(opcode: opcode, dst: lhs, immediate: randomImmediate()))
        }
        let before = state
        let returnsEarly = rng.chance(1, in: 6)
        let hasElse = !returnsEarly && rng.chance(1, in: 3)
        nesting += 1
        defer { nesting -= 1 }

        emitBlock(statements: nestedBlockLength())
        if returnsEarly {
            emitReturn()
            patchJump(at: jumpSlot, to: code.count)
            state = before
            return
        }
        guard hasElse else {
            patchJump(at: jumpSlot, to: code.count)
            state = state.merged(with: before)
            return
        }
        let thenState = state
        let skipSlot = code.count
        emitJump(long: rng.chance(1, in: 3))
        patchJump(at: jumpSlot, to: code.count)
        state = before
        emitBlock(statements: nestedBlockLength())
        patchJump(at: skipSlot, to: code.count)
        state = state.merged(with: thenState)
    }

    /// A loop that runs 1…maxLoopIterations times: a counter in a free R6–R8, counting down to zero
    /// or up to the limit, the body never writing it, and a conditional back-edge.
    mutating func emitLoop() {
        guard let counter = RegisterSet.calleeSavedScalars.subtracting(counters).randomMember(using: &rng) else {
            emitALU()
            return
        }
        let iterations = rng.value(in: 1...options.maxLoopIterations)
        // Budget a body of up to 16 instructions; calls inside check the budget themselves.
        guard cost + multiplier * iterations * (16 + 3) <= options.maxExecutedInstructions else {
            emitALU()
            return
        }
        let countsDown = rng.chance(1, in: 2)
        emit(Self.movImmediate(dst: counter, countsDown ? Int32(iterations) : 0, wide: rng.chance(1, in: 2)))
        define(counter)
        counters.insert(counter)
        multiplier *= iterations
        nesting += 1
        forgetArgumentsAtLoopHead()
        let bodyStart = code.count

        emitBlock(statements: rng.value(in: 1...5))

        let stepClass: InstructionClass = rng.chance(1, in: 2) ? .alu64 : .alu
        let jumpClass: InstructionClass = rng.chance(1, in: 2) ? .jmp : .jmp32
        let limit = Int32(iterations)
        let backEdge: (JumpOperation, Int32)
        if countsDown {
            if rng.chance(1, in: 2) {
                emit(Instruction(opcode: stepClass.rawValue | ALUOperation.sub.rawValue, dst: counter, immediate: 1))
            } else {
                emit(Instruction(opcode: stepClass.rawValue | ALUOperation.add.rawValue, dst: counter, immediate: -1))
            }
            // Continue while the counter (now iterations-1 … 0) is non-zero.
            backEdge = rng.element(of: [(.jne, 0), (.jgt, 0), (.jsgt, 0), (.jge, 1), (.jset, -1)])
        } else {
            emit(Instruction(opcode: stepClass.rawValue | ALUOperation.add.rawValue, dst: counter, immediate: 1))
            // Continue while the counter (now 1 … iterations) is below the limit.
            backEdge = rng.element(of: [(.jlt, limit), (.jne, limit), (.jslt, limit), (.jle, limit - 1), (.jsle, limit - 1)])
        }
        let backSlot = code.count
        emit(Instruction(opcode: jumpClass.rawValue | backEdge.0.rawValue, dst: counter, immediate: backEdge.1))
        patchJump(at: backSlot, to: bodyStart)

        nesting -= 1
        multiplier /= iterations
        counters.remove(counter)
    }

    /// The body of a loop may call, which clobbers R1–R5, and the next iteration starts where
    /// the body ended; so the body is generated as if R1–R5 were unwritten (other registers and
    /// stack bytes are never unwritten by anything, so they stay known).
    mutating func forgetArgumentsAtLoopHead() {
        let bodyMayClobber = options.localCalls || options.helperCalls || options.registerCalls
            || options.packetLoads || options.hazardPercent > 0
        if bodyMayClobber { state.defined = state.defined.subtracting(.arguments) }
    }

    /// Sets R1 to the input memory pointer and R2…R`arity` to scalars for a local call.
    mutating func emitLocalCallArguments(arity: Int) {
        emit(Self.movRegister(dst: 1, src: Self.bufferPointer))
        state.defined.remove(1)  // R1 now holds a pointer, not a scalar other arguments may copy.
        for register in stride(from: 2, through: arity, by: 1) {
            let register = UInt8(register)
            if !state.defined.contains(register) || rng.chance(1, in: 2) { emitDefinition(of: register) }
        }
    }

    /// `call local` to a function laid out after this one (so the call graph stays acyclic), if
    /// the instruction budget allows it.
    mutating func emitLocalCall() {
        let affordable = ((index + 1)..<functionCount).filter {
            cost + multiplier * (calleeCosts[$0] + 6) <= options.maxExecutedInstructions
        }
        guard !affordable.isEmpty else {
            emitALU()
            return
        }
        let callee = rng.element(of: affordable)
        emitLocalCallArguments(arity: calleeArities[callee])
        localCalls.append(LocalCall(slot: code.count, callee: callee))
        emit(Instruction(opcode: Opcode.call, src: CallKind.local.rawValue))
        cost += multiplier * calleeCosts[callee]
        clobberAfterCall()
    }

    /// Sets R1…R`count` to scalars for a helper call.
    mutating func emitHelperArguments(count: Int) {
        for register in stride(from: 1, through: count, by: 1) {
            let register = UInt8(register)
            if !state.defined.contains(register) || rng.chance(1, in: 3) { emitDefinition(of: register) }
        }
    }

    /// `call N` or `callx reg` to one of ``TestHelpers``.
    mutating func emitHelperCall() {
        let helper = rng.element(of: TestHelpers.all)
        let argumentCount = TestHelpers.argumentCount(of: helper)
        emitHelperArguments(count: argumentCount)
        let useRegister = options.registerCalls && (!options.helperCalls || rng.chance(1, in: 3))
        if useRegister {
            // Any writable scalar that is not an argument of this call.
            var candidates = writableScalars
            for register in stride(from: 1, through: argumentCount, by: 1) { candidates.remove(UInt8(register)) }
            let target = candidates.randomMember(using: &rng)!
            emit(Self.movImmediate(dst: target, helper.id, wide: rng.chance(1, in: 2)))
            define(target)
            emit(Instruction(opcode: Opcode.callx, dst: target))
        } else {
            emit(Instruction(opcode: Opcode.call, immediate: helper.id))
        }
        clobberAfterCall()
    }
}
