import EBPFCore
import X86Encoding

/// Loads, stores, atomics, `lddw` and the legacy packet loads, with the run-time bounds check.
extension Lowering {
    /// `ldx` (`ldxs` sign-extends).
    mutating func lowerLoad(_ size: MemorySize, dst dstNumber: UInt8, base baseNumber: UInt8, offset: Int16, signExtends: Bool, at pc: Int) {
        let width = OperandWidth(byteCount: size.byteCount)!
        let base = r(baseNumber)
        let dst = r(dstNumber)
        emitAccessCheck(base: base, offset: Int32(offset), size: size.byteCount, isWrite: false, at: pc)
        emitLoad(width, dst, .at(base, Int32(offset)), signExtends: signExtends)
    }

    /// `st` (an immediate, blinded when constants are) and `stx` (a register).
    mutating func lowerStore(_ size: MemorySize, base baseNumber: UInt8, offset: Int16, value: Operand, at pc: Int) {
        let width = OperandWidth(byteCount: size.byteCount)!
        let base = r(baseNumber)
        let offset = Int32(offset)
        emitAccessCheck(base: base, offset: offset, size: size.byteCount, isWrite: true, at: pc)
        switch value {
        case .immediate(let immediate) where blindsConstants:
            let constant = blindedImmediateInScratch(immediate, width == .bits64 ? .bits64 : .bits32)
            a.mov(width, .at(base, offset), constant)
        case .immediate(let immediate):
            a.mov(width, .at(base, offset), immediate: immediate)
        case .register(let src):
            a.mov(width, .at(base, offset), r(src))
        }
    }

    /// An atomic read-modify-write, checked like a store.
    mutating func lowerAtomicAccess(_ operation: AtomicOperation, _ size: MemorySize, base baseNumber: UInt8, offset: Int16, src: UInt8, at pc: Int) {
        let base = r(baseNumber)
        emitAccessCheck(base: base, offset: Int32(offset), size: size.byteCount, isWrite: true, at: pc)
        lowerAtomic(operation, OperandWidth(byteCount: size.byteCount)!, base: base, offset: Int32(offset), src: r(src))
    }

    /// The bounds check before an access of `size` bytes at `base + offset`, unless the verifier
    /// proved it safe or ``AddressAnalysis`` proved it inside the current stack frame.
    ///
    /// An address the analysis knows to be input base + c (c ≥ 0) needs one compare:
    /// `cmp [ctx + startCount(size)], c; jbe slow`. Otherwise the fast path (inline) accepts it
    /// inside the stack area (`address - stackBase <u 4096 - size + 1`, the base held in
    /// ``stackBaseRegister``; only when the code can reach the stack) or the input memory (`address - memoryBase <u startCount[size]`). The slow
    /// path (out of line) asks Swift about the stack area, helper regions and extra regions, and
    /// traps if none contains the access.
    mutating func emitAccessCheck(base: X86Register, offset: Int32, size: Int, isWrite: Bool, at pc: Int) {
        if let facts, pc < facts.accessIsSafe.count, facts.accessIsSafe[pc] { return }
        // In a loop's fast copy, the entry check covered it (``LoopVersioning``).
        if fastLoop != nil && versioning.isCovered[pc] { return }
        let scratch = map.scratch
        let ctx = map.context
        let ok = a.newLabel()
        let slow = a.newLabel()
        switch accessChecks.isEmpty ? .generic : accessChecks[pc] {
        case .none:
            return
        case .inputOffset(let constant):
            a.alu(.cmp, .bits64, .at(ctx, RunContextLayout.memoryStartCount(size: size)), immediate: constant)
            a.jcc(.belowOrEqual, slow)
        case .generic, .inputFirst:
            if accessChecks.isEmpty || accessChecks[pc] == .generic, let stackBase = stackBaseRegister {
                a.lea(scratch, .at(base, offset))
                a.alu(.sub, .bits64, scratch, stackBase)
                a.alu(.cmp, .bits64, scratch, immediate: Int32(ExecutionLimits.stackSize - size + 1))
                a.jcc(.below, ok)
            }
            a.lea(scratch, .at(base, offset))
            a.alu(.sub, .bits64, scratch, .at(ctx, RunContextLayout.memoryBase))
            a.alu(.cmp, .bits64, scratch, .at(ctx, RunContextLayout.memoryStartCount(size: size)))
            a.jcc(.aboveOrEqual, slow)
        }
        a.bind(ok)
        coldStubs.append(.memorySlowPath(label: slow, resume: ok, base: base, offset: offset, size: size, isWrite: isWrite, pc: pc))
    }

    /// A register other than rax, the scratch register and `excluded`, for atomics that need
    /// one more temporary (saved and restored around its use).
    func atomicTemporary(excluding excluded: X86Register) -> X86Register {
        [X86Register.rdx, .rcx, .rsi, .rdi, .r8, .r9].first { $0 != excluded && $0 != map.scratch }!
    }

    /// Atomic read-modify-write on `[base + offset]`.
    mutating func lowerAtomic(_ operation: AtomicOperation, _ width: OperandWidth, base: X86Register, offset: Int32, src: X86Register) {
        let memory = X86Memory.at(base, offset)
        switch operation {
        case .add: a.alu(.add, width, memory, src, lock: true)
        case .or: a.alu(.or, width, memory, src, lock: true)
        case .and: a.alu(.and, width, memory, src, lock: true)
        case .xor: a.alu(.xor, width, memory, src, lock: true)
        case .fetchAdd: a.lockXadd(width, memory, src)
        case .xchg: a.xchg(width, memory, src)
        case .fetchOr: emitFetchLoop(.or, width, memory, src: src)
        case .fetchAnd: emitFetchLoop(.and, width, memory, src: src)
        case .fetchXor: emitFetchLoop(.xor, width, memory, src: src)
        case .cmpxchg: emitCompareExchange(width, memory, src: src)
        }
    }

    /// `lock fetch or/and/xor` as a `cmpxchg` loop. The operand is kept on the machine stack so
    /// the loop works whichever registers hold src and the base:
    /// ```
    /// lea scratch, [base + off]         ; address
    /// push T; push rax; push src        ; [rsp] = operand, [rsp+8] = rax, [rsp+16] = T
    /// mov rax, [scratch]
    /// L: mov T, rax; op T, [rsp]; lock cmpxchg [scratch], T; jne L
    /// mov [rsp], rax                    ; old value
    /// mov rax, [rsp+8]; mov T, [rsp+16]; mov src, [rsp]; lea rsp, [rsp+24]
    /// ```
    mutating func emitFetchLoop(_ operation: X86ALUOperation, _ width: OperandWidth, _ memory: X86Memory, src: X86Register) {
        let scratch = map.scratch
        let temporary = atomicTemporary(excluding: src)
        a.lea(scratch, memory)
        a.push(temporary)
        a.push(.rax)
        a.push(src)
        a.mov(width, .rax, .at(scratch))
        let loop = a.newLabel()
        a.bind(loop)
        a.mov(.bits64, temporary, .rax)
        a.alu(operation, width, temporary, .at(.rsp))
        a.lockCmpxchg(width, .at(scratch), temporary)
        a.jcc(.notEqual, loop)
        a.mov(.bits64, .at(.rsp), .rax)
        a.mov(.bits64, .rax, .at(.rsp, 8))
        a.mov(.bits64, temporary, .at(.rsp, 16))
        a.mov(width, src, .at(.rsp))
        a.lea(.rsp, .at(.rsp, 24))
    }

    /// `lock cmpxchg`: compare `[mem]` with R0, store src if equal; R0 gets the old value
    /// (zero-extended for 32 bits, which x86 does not do on success, hence the `mov eax, eax`).
    mutating func emitCompareExchange(_ width: OperandWidth, _ memory: X86Memory, src: X86Register) {
        let r0 = r(0)
        if r0 == .rax {
            a.lockCmpxchg(width, memory, src)
            if width == .bits32 { zeroExtend32(.rax) }
            return
        }
        let scratch = map.scratch
        let temporary = atomicTemporary(excluding: r0)
        a.lea(scratch, memory)
        a.push(.rax)
        a.push(temporary)
        a.mov(.bits64, temporary, src)
        a.mov(.bits64, .rax, r0)
        a.lockCmpxchg(width, .at(scratch), temporary)
        a.mov(width, r0, .rax)
        a.pop(temporary)
        a.pop(.rax)
    }

    /// `lddw` of a constant.
    mutating func lowerLoadImmediate(dst dstNumber: UInt8, value: UInt64) {
        let dst = r(dstNumber)
        if value == 0 {
            a.alu(.xor, .bits32, dst, dst)
        } else if blindsConstants {
            emitBlindedConstant(value, .bits64, into: dst)
        } else {
            a.mov64(dst, immediate: value)
        }
    }

    /// The legacy packet loads `ldabs` (no `index`) and `ldind`: offset = imm, or low32(index) + imm
    /// as a 32-bit unsigned sum; big-endian load into R0; out of range (offset + size > length)
    /// ends the program with R0 = 0.
    mutating func lowerPacketLoad(_ memorySize: MemorySize, index: UInt8?, immediate: Int32) {
        let size = memorySize.byteCount
        let scratch = map.scratch
        let ctx = map.context
        let r0 = r(0)
        let address: X86Memory
        if analysis.packetLoadsReadInputRegisters {
            // R1 and R2 are the input's base and length for the whole run.
            let base = r(1), length = r(2)
            if index == nil, !blindsConstants, let end = Int32(exactly: Int64(UInt32(bitPattern: immediate)) + Int64(size)) {
                a.alu(.cmp, .bits64, length, immediate: end)
                a.jcc(.below, returnZero)
                address = .at(base, end - Int32(size))
            } else {
                emitPacketOffsetPlusSize(size, index: index, immediate: immediate)
                a.alu(.cmp, .bits64, scratch, length)
                a.jcc(.above, returnZero)
                address = X86Memory(base: base, index: scratch, scale: 1, displacement: -Int32(size))
            }
        } else if index == nil, !blindsConstants, let end = Int32(exactly: Int64(UInt32(bitPattern: immediate)) + Int64(size)) {
            // A constant offset: compare the length with offset + size, then address from the base.
            a.alu(.cmp, .bits64, .at(ctx, RunContextLayout.memoryLength), immediate: end)
            a.jcc(.below, returnZero)
            a.mov(.bits64, scratch, .at(ctx, RunContextLayout.memoryBase))
            address = .at(scratch, end - Int32(size))
        } else {
            emitPacketOffsetPlusSize(size, index: index, immediate: immediate)
            a.alu(.cmp, .bits64, scratch, .at(ctx, RunContextLayout.memoryLength))
            a.jcc(.above, returnZero)
            a.alu(.add, .bits64, scratch, .at(ctx, RunContextLayout.memoryBase))
            address = .at(scratch, -Int32(size))
        }
        switch size {
        case 1:
            a.movzx(r0, .memory(address), from: .bits8)
        case 2:
            a.movzx(r0, .memory(address), from: .bits16)
            a.shift(.rol, .bits16, r0, count: 8)
        default:
            a.mov(.bits32, r0, address)
            a.bswap(.bits32, r0)
        }
    }

    /// The scratch register = a legacy load's offset (the immediate, or low32(index) + imm as a
    /// 32-bit unsigned sum) plus its size: below 2^33, so comparing it with the length cannot wrap.
    mutating func emitPacketOffsetPlusSize(_ size: Int, index: UInt8?, immediate: Int32) {
        let scratch = map.scratch
        if let index {
            a.mov(.bits32, scratch, r(index))
            if immediate != 0 {
                if blindsConstants {
                    // Two adds whose sum is the immediate (32-bit wrapping), neither equal to it.
                    let key = nextBlindingKey()
                    a.alu(.add, .bits32, scratch, immediate: immediate &- key)
                    a.alu(.add, .bits32, scratch, immediate: key)
                } else {
                    a.alu(.add, .bits32, scratch, immediate: immediate)
                }
            }
        } else if blindsConstants {
            emitBlindedConstant(UInt64(UInt32(bitPattern: immediate)), .bits32, into: scratch)
        } else {
            a.mov32(scratch, immediate: UInt32(bitPattern: immediate))
        }
        a.alu(.add, .bits64, scratch, immediate: Int32(size))
    }
}
