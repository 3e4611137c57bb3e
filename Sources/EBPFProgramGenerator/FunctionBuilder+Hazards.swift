import EBPFCore

/// Statements for unsafe programs: each may trap (or loop until the budget runs out) depending on
/// run-time values, so engines can be compared on traps as well as on results.
extension FunctionBuilder {
    enum Hazard: CaseIterable {
        /// A load or store anywhere around the current frame, possibly outside the stack area.
        case wildStackAccess
        /// A load or store just outside the input memory.
        case bufferOverrun
        /// A load or store whose base register holds a scalar, not a pointer.
        case scalarAsPointer
        /// A load from a stack byte that may never have been written (reads the initial stack).
        case uninitializedStackRead
        /// An aligned atomic just above the frame pointer (outside the stack area in the entry frame).
        case atomicAboveFrame
        /// A loop with no exit condition.
        case infiniteLoop
        /// A local call to this function or an earlier one: recursion until the depth limit.
        case recursion
        /// `call N` or `callx` with an id that is not registered.
        case unknownHelper
    }

    mutating func emitHazard() {
        containsHazards = true
        switch rng.element(of: Hazard.allCases) {
        case .wildStackAccess:
            let size = randomSize()
            emitLoadOrStore(size: size, base: Self.framePointer, offset: rng.value(in: -(ExecutionLimits.stackSize + 64)...64))
        case .bufferOverrun:
            let size = randomSize()
            let offset = rng.chance(1, in: 2)
                ? rng.value(in: max(0, memorySize - size.byteCount + 1)...(memorySize + 32)) : rng.value(in: -32...(-1))
            emitLoadOrStore(size: size, base: Self.bufferPointer, offset: offset)
        case .scalarAsPointer:
            let base = readableOrDefine()
            emitLoadOrStore(size: randomSize(), base: base, offset: rng.value(in: -64...64))
        case .uninitializedStackRead:
            let size = randomSize()
            emitLoad(size: size, base: Self.framePointer, offset: -rng.value(in: size.byteCount...Self.frameSize))
        case .atomicAboveFrame:
            let wide = rng.chance(1, in: 2)
            let width = wide ? 8 : 4
            emitAtomicOperation(wide: wide, base: Self.framePointer, offset: rng.below(64 / width) * width)
        case .infiniteLoop:
            forgetArgumentsAtLoopHead()
            let bodyStart = code.count
            nesting += 1
            emitBlock(statements: rng.value(in: 0...2))
            nesting -= 1
            let backSlot = code.count
            emitJump(long: !rng.chance(1, in: 2))
            patchJump(at: backSlot, to: bodyStart)
            // Whatever follows runs only if the loop's body returned early; nothing new is known.
        case .recursion:
            let callee = rng.value(in: 0...index)
            emitLocalCallArguments(arity: calleeArities[callee])
            localCalls.append(LocalCall(slot: code.count, callee: callee))
            emit(Instruction(opcode: Opcode.call, src: CallKind.local.rawValue))
            clobberAfterCall()
        case .unknownHelper:
            let id = Int32(rng.value(in: 1_000...100_000)) * (rng.chance(1, in: 4) ? -1 : 1)
            if rng.chance(1, in: 2) {
                emit(Instruction(opcode: Opcode.call, immediate: id))
            } else {
                let target = randomWritable()
                emitWide(dst: target, rng.chance(1, in: 2) ? UInt64(bitPattern: Int64(id)) : rng.next())
                emit(Instruction(opcode: Opcode.callx, dst: target))
            }
            clobberAfterCall()
        }
    }

    mutating func emitLoadOrStore(size: MemorySize, base: UInt8, offset: Int) {
        if rng.chance(1, in: 2) {
            emitLoad(size: size, base: base, offset: offset)
        } else {
            emitStore(size: size, base: base, offset: offset)
        }
    }
}
