import EBPFCore

/// Accesses that are safe only because of what a verifier must prove about a computed index:
/// a bounds check or a mask that lets the access reach exactly the last byte of its region, and
/// an index that goes through a narrow stack store and back. Small changes to any constant
/// (the bound, the mask, the offset, the store's width) make them unsafe, which is what the
/// verifier soundness campaign mutates. Off unless their weights are set.
extension FunctionBuilder {
    static func aluImmediate(_ operation: ALUOperation, dst: UInt8, _ immediate: Int32, wide: Bool = true) -> Instruction {
        Instruction(opcode: (wide ? InstructionClass.alu64 : .alu).rawValue | operation.rawValue, dst: dst, immediate: immediate)
    }

    static func aluRegister(_ operation: ALUOperation, dst: UInt8, src: UInt8) -> Instruction {
        Instruction(
            opcode: InstructionClass.alu64.rawValue | operation.rawValue | OperandSource.register.rawValue, dst: dst, src: src)
    }

    /// A scalar index: a byte of the input memory or a readable register, in a fresh writable
    /// register. Returns the register and whether its upper 32 bits are known zero.
    mutating func emitIndexSource() -> (register: UInt8, isByte: Bool) {
        let index = randomWritable()
        if memorySize > 0 && rng.chance(1, in: 2) {
            emit(Instruction(
                opcode: Self.loadOpcode(.byte, signExtending: false), dst: index, src: Self.bufferPointer,
                offset: Int16(rng.below(memorySize))))
            define(index)
            return (index, true)
        }
        let source = readableOrDefine()
        if source != index { emit(Self.movRegister(dst: index, src: source)) }
        define(index)
        return (index, false)
    }

    /// A scratch register other than `index` that will hold a pointer for one access; it is not
    /// readable afterwards (the other statements expect numbers in R0–R8).
    mutating func scratchPointer(besides index: UInt8) -> UInt8 {
        let choices = writableScalars.members.filter { $0 != index }
        return choices.isEmpty ? index : rng.element(of: choices)
    }

    /// `if index > bound goto skip; p = memory + index; access [p + offset]` where
    /// `bound + offset + size` is exactly the memory's size.
    mutating func emitGuardedBufferAccess() {
        guard memorySize > 0 else { return emitALU() }
        let size = randomSize(atMost: memorySize)
        let offset = rng.value(in: 0...(memorySize - size.byteCount))
        let bound = memorySize - size.byteCount - offset
        let (index, isByte) = emitIndexSource()
        if rng.chance(1, in: 3) { emit(Self.aluImmediate(.and, dst: index, Int32(rng.value(in: 0...255)))) }
        let guardSlot = code.count
        // A 32-bit comparison bounds the whole register only when its upper half is zero.
        let cls: InstructionClass = isByte && rng.chance(1, in: 3) ? .jmp32 : .jmp
        emit(Instruction(opcode: cls.rawValue | JumpOperation.jgt.rawValue, dst: index, immediate: Int32(bound)))
        let pointer = scratchPointer(besides: index)
        guard pointer != index else {
            patchJump(at: guardSlot, to: code.count)
            return
        }
        state.defined.remove(pointer)
        emit(Self.movRegister(dst: pointer, src: Self.bufferPointer))
        emit(Self.aluRegister(.add, dst: pointer, src: index))
        if rng.chance(1, in: 2) {
            emit(Instruction(opcode: Self.loadOpcode(size, signExtending: false), dst: pointer, src: pointer, offset: Int16(offset)))
            patchJump(at: guardSlot, to: code.count)
            // The loaded value is a number on one path and the pointer on the other.
            state.defined.remove(pointer)
        } else {
            state.defined.remove(pointer)
            emitStore(size: size, base: pointer, offset: offset)
            patchJump(at: guardSlot, to: code.count)
        }
    }

    /// `p = fp - start; p += index & mask; access [p]` where the mask lets the access reach the
    /// frame's last byte (or stop a little before it). Loads only where every byte is written.
    mutating func emitStackIndexedAccess() {
        let size = randomSize()
        let mask = rng.element(of: [1, 3, 7, 15, 31, 63])
        let start = mask + size.byteCount + (rng.chance(1, in: 2) ? 0 : rng.value(in: 1...16))
        let (index, _) = emitIndexSource()
        emit(Self.aluImmediate(.and, dst: index, Int32(mask)))
        let pointer = scratchPointer(besides: index)
        guard pointer != index else { return }
        state.defined.remove(pointer)
        emit(Self.movRegister(dst: pointer, src: Self.framePointer))
        emit(Self.aluImmediate(.add, dst: pointer, Int32(-start)))
        emit(Self.aluRegister(.add, dst: pointer, src: index))
        let first = StackBytes.index(ofOffset: -start)
        if state.stack.containsAll(from: first, count: mask + size.byteCount) && rng.chance(2, in: 3) {
            emit(Instruction(opcode: Self.loadOpcode(size, signExtending: rng.chance(1, in: 4) && size != .double),
                             dst: pointer, src: pointer))
            define(pointer)
        } else {
            state.defined.remove(pointer)
            emitStore(size: size, base: pointer, offset: 0)
        }
    }

    /// A masked index stored to the stack in 1, 2 or 4 bytes, loaded back (zero- or
    /// sign-extending: the mask keeps the top bit clear) and used to read the input memory up to
    /// its last byte.
    mutating func emitNarrowSpill() {
        let width = rng.element(of: [MemorySize.byte, .half, .word])
        let access = randomSize(atMost: max(1, memorySize))
        let mask = rng.element(of: [1, 3, 7, 15, 31, 63, 127])
        guard memorySize >= mask + access.byteCount else { return emitStackStore() }
        let (index, _) = emitIndexSource()
        emit(Self.aluImmediate(.and, dst: index, Int32(mask)))
        // Naturally aligned mostly; sometimes not.
        var offset = -rng.value(in: width.byteCount...Self.frameSize)
        if rng.chance(3, in: 4) { offset = -((-offset + width.byteCount - 1) / width.byteCount * width.byteCount) }
        emit(Instruction(opcode: Self.storeRegisterOpcode(width), dst: Self.framePointer, src: index, offset: Int16(offset)))
        state.stack.insert(from: StackBytes.index(ofOffset: offset), count: width.byteCount)
        let filled = randomWritable()
        emit(Instruction(opcode: Self.loadOpcode(width, signExtending: rng.chance(1, in: 3)), dst: filled,
                         src: Self.framePointer, offset: Int16(offset)))
        define(filled)
        let pointer = scratchPointer(besides: filled)
        guard pointer != filled else { return }
        emit(Self.movRegister(dst: pointer, src: Self.bufferPointer))
        emit(Self.aluRegister(.add, dst: pointer, src: filled))
        let last = memorySize - mask - access.byteCount
        emit(Instruction(opcode: Self.loadOpcode(access, signExtending: false), dst: pointer, src: pointer,
                         offset: Int16(rng.value(in: max(0, last - 2)...last))))
        define(pointer)
    }
}
