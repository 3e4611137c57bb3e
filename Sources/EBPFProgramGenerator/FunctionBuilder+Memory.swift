import EBPFCore

/// Loads, stores and atomics on the current stack frame and on the input memory.
extension FunctionBuilder {
    static let frameSize = ExecutionLimits.stackFrameSize

    static func loadOpcode(_ size: MemorySize, signExtending: Bool) -> UInt8 {
        InstructionClass.ldx.rawValue | (signExtending ? MemoryMode.memsx : MemoryMode.mem).rawValue | size.rawValue
    }

    static func storeImmediateOpcode(_ size: MemorySize) -> UInt8 {
        InstructionClass.st.rawValue | MemoryMode.mem.rawValue | size.rawValue
    }

    static func storeRegisterOpcode(_ size: MemorySize) -> UInt8 {
        InstructionClass.stx.rawValue | MemoryMode.mem.rawValue | size.rawValue
    }

    mutating func randomSize(atMost limit: Int = 8) -> MemorySize {
        let sizes = MemorySize.allCases.filter { $0.byteCount <= limit }
        return rng.element(of: sizes)
    }

    /// A load of `size` bytes at `base + offset` into a writable register, zero- or sign-extending.
    mutating func emitLoad(size: MemorySize, base: UInt8, offset: Int) {
        let dst = randomWritable()
        let signExtending = size != .double && rng.chance(1, in: 3)
        emit(Instruction(opcode: Self.loadOpcode(size, signExtending: signExtending), dst: dst, src: base, offset: Int16(offset)))
        define(dst)
    }

    /// A store of an immediate or of a readable register to `base + offset`.
    mutating func emitStore(size: MemorySize, base: UInt8, offset: Int) {
        if rng.chance(2, in: 3), let src = randomReadable() {
            emit(Instruction(opcode: Self.storeRegisterOpcode(size), dst: base, src: src, offset: Int16(offset)))
        } else {
            emit(Instruction(opcode: Self.storeImmediateOpcode(size), dst: base, offset: Int16(offset), immediate: randomImmediate()))
        }
    }

    mutating func emitStackStore() {
        let size = randomSize()
        let offset = -rng.value(in: size.byteCount...Self.frameSize)
        emitStore(size: size, base: Self.framePointer, offset: offset)
        state.stack.insert(from: StackBytes.index(ofOffset: offset), count: size.byteCount)
    }

    /// Loads from stack bytes written on every path; stores first when it finds none.
    mutating func emitStackLoad() {
        let size = randomSize()
        for _ in 0..<4 {
            guard let written = state.stack.firstMember(atOrAfter: rng.below(Self.frameSize)) else { break }
            let start = written - rng.below(size.byteCount)
            if state.stack.containsAll(from: start, count: size.byteCount) {
                emitLoad(size: size, base: Self.framePointer, offset: start - Self.frameSize)
                return
            }
        }
        emitStackStore()
    }

    mutating func emitBufferStore() {
        let size = randomSize(atMost: memorySize)
        emitStore(size: size, base: Self.bufferPointer, offset: rng.value(in: 0...(memorySize - size.byteCount)))
    }

    mutating func emitBufferLoad() {
        let size = randomSize(atMost: memorySize)
        emitLoad(size: size, base: Self.bufferPointer, offset: rng.value(in: 0...(memorySize - size.byteCount)))
    }

    /// An atomic operation on an aligned, written stack slot (atomics stay aligned: a split-lock
    /// atomic is legal for the engines but can be throttled by the kernel).
    mutating func emitAtomic() {
        let wide = rng.chance(1, in: 2)
        let width = wide ? 8 : 4
        var start = -1
        for _ in 0..<4 {
            guard let written = state.stack.firstMember(atOrAfter: rng.below(Self.frameSize)) else { break }
            let aligned = written & ~(width - 1)
            if state.stack.containsAll(from: aligned, count: width) {
                start = aligned
                break
            }
        }
        if start < 0 {
            start = rng.below(Self.frameSize / width) * width
            emit(Instruction(opcode: Self.storeImmediateOpcode(wide ? .double : .word), dst: Self.framePointer,
                             offset: Int16(start - Self.frameSize), immediate: randomImmediate()))
            state.stack.insert(from: start, count: width)
        }
        emitAtomicOperation(wide: wide, base: Self.framePointer, offset: start - Self.frameSize)
    }

    /// `lock <op> [base + offset], src` with a random operation; keeps R0 and the source defined as
    /// the operation requires.
    mutating func emitAtomicOperation(wide: Bool, base: UInt8, offset: Int) {
        let operation = rng.element(of: AtomicOperation.allCases)
        let writesSource = operation != .add && operation != .or && operation != .and && operation != .xor && operation != .cmpxchg
        var src: UInt8
        if writesSource {
            src = randomWritable()
            if !state.defined.contains(src) { emitDefinition(of: src) }
        } else {
            src = readableOrDefine()
        }
        if operation == .cmpxchg && !state.defined.contains(0) { emitDefinition(of: 0) }
        emit(Instruction(opcode: wide ? 0xdb : 0xc3, dst: base, src: src, offset: Int16(offset), immediate: operation.rawValue))
        if operation == .cmpxchg { define(0) }
    }

    /// `ldabs`/`ldind`: a big-endian load from the input memory into R0. Mostly in range; an
    /// occasional one past the end ends the program with R0 = 0.
    mutating func emitPacketLoad() {
        let size = rng.element(of: [MemorySize.word, .half, .byte].filter { $0.byteCount <= memorySize })
        let lastInRange = memorySize - size.byteCount
        let target = rng.chance(1, in: 64) ? rng.value(in: (lastInRange + 1)...(lastInRange + 16)) : rng.value(in: 0...lastInRange)
        if rng.chance(1, in: 2) {
            emit(Instruction(opcode: InstructionClass.ld.rawValue | MemoryMode.abs.rawValue | size.rawValue, immediate: Int32(target)))
        } else {
            let index = randomWritable()
            let base = rng.value(in: 0...(memorySize + 8))
            emit(Self.movImmediate(dst: index, Int32(base), wide: rng.chance(1, in: 2)))
            define(index)
            emit(Instruction(opcode: InstructionClass.ld.rawValue | MemoryMode.ind.rawValue | size.rawValue, src: index, immediate: Int32(target - base)))
        }
        // Treated like a call, as the kernel does: R1–R5 are not relied on afterwards.
        clobberAfterCall()
    }
}
