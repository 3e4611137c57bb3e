import EBPFCore
import X86Encoding

/// Array accesses as clang's BPF backend writes them, lowered to one x86 access with a scaled
/// index: eBPF has no indexed addressing, so `a[i]` on a stack array is
/// ```
/// lsh  i, 2            (optional: the element size, 2, 4 or 8 bytes)
/// mov  b, r10
/// add  b, -256         (optional: the array's offset)
/// add  b, i
/// ldxw d, [b + off]    (or stx/st [b + off])
/// ```
/// and becomes `mov d32, [r10 + i*4 - 256 + off]`.
extension Lowering {
    /// The group above starting at `pc`, as one ``Fusion/Code/load`` or ``Fusion/Code/store``,
    /// or nil.
    ///
    /// Conditions: the later slots are in `pc`'s block; all arithmetic is 64-bit (the x86
    /// address is the same sum modulo 2^64), `b` differs from `x` and from `i`, and a shifted
    /// `i` from `x` and from a stored register (which would then read the shifted value); the
    /// access needs no run-time check (the check would need the address in a register); `b`,
    /// and `i` when shifted, are not read after the access unless the load overwrites them (their
    /// registers are left as they were before the group); the array offset plus `off` fits a
    /// displacement; constants are not blinded (the offset would be an immediate in the code).
    ///
    /// Every register the access reads holds its value from before the group (nothing in the
    /// group is written before the access), and `x`, `i` and a stored register are all read by
    /// the group, so none of them shares an x86 register with `b` or another of them.
    mutating func indexedAccess(at pc: Int) -> Fusion? {
        guard case .operation(let first) = analysis.slots[pc] else { return nil }
        switch first {
        case .alu(.lsh, .bits64, _, .immediate), .alu(.mov, .bits64, _, .register): break
        default: return nil
        }
        guard !blindsConstants else { return nil }
        /// The operation at `pc + k` if that slot runs and does not start a block.
        func inBlock(_ k: Int) -> DecodedOperation? {
            guard pc + k < analysis.slots.count, continuesGroup(pc + k),
                  case .operation(let operation) = analysis.slots[pc + k] else { return nil }
            return operation
        }
        var next = 0
        var operation: DecodedOperation? = first
        var shift: (index: UInt8, count: Int32)?
        if case .alu(.lsh, .bits64, let index, .immediate(let count)) = first, (1...3).contains(count) {
            shift = (index, count)
            next += 1
            operation = inBlock(next)
        }
        guard case .alu(.mov, .bits64, let address, .register(let base))? = operation, address != base else { return nil }
        next += 1
        var displacement: Int64 = 0
        if case .alu(.add, .bits64, address, .immediate(let constant))? = inBlock(next) {
            displacement = Int64(constant)
            next += 1
        }
        guard case .alu(.add, .bits64, address, .register(let index))? = inBlock(next), index != address else { return nil }
        if let shift, shift.index != index || base == index { return nil }
        next += 1
        let last = pc + next
        guard let access = inBlock(next), accessNeedsNoCheck(at: last) else { return nil }
        let baseRegister = r(base)
        let indexRegister = r(index)
        let scale = UInt8(1 << (shift?.count ?? 0))
        func memoryFor(_ offset: Int16) -> X86Memory? {
            guard let total = Int32(exactly: displacement + Int64(offset)) else { return nil }
            return X86Memory(base: baseRegister, index: indexRegister, scale: scale, displacement: total)
        }
        /// Whether `register` may be read after the group with the value the group gave it.
        func staleIsRead(_ register: UInt8, overwrittenBy loaded: UInt8?) -> Bool {
            register != loaded && liveness.isLive(register, after: last)
        }
        switch access {
        case .load(let size, let dst, address, let offset, let signExtends):
            guard !staleIsRead(address, overwrittenBy: dst), shift == nil || !staleIsRead(index, overwrittenBy: dst),
                  let memory = memoryFor(offset) else { return nil }
            return Fusion(slots: next + 1, code: .load(OperandWidth(byteCount: size.byteCount)!, r(dst), memory, signExtends: signExtends))
        case .store(let size, address, let offset, let value):
            guard !staleIsRead(address, overwrittenBy: nil), shift == nil || !staleIsRead(index, overwrittenBy: nil),
                  let memory = memoryFor(offset) else { return nil }
            let source: ALUSource
            switch value {
            case .register(let stored):
                guard stored != address, shift == nil || stored != index else { return nil }
                source = .register(r(stored))
            case .immediate(let immediate):
                source = .immediate(immediate)
            }
            return Fusion(slots: next + 1, code: .store(OperandWidth(byteCount: size.byteCount)!, memory, source))
        default:
            return nil
        }
    }

    /// `dst = [memory]` at `width`, zero-extended (sign-extended to 64 bits when `signExtends`).
    mutating func emitLoad(_ width: OperandWidth, _ dst: X86Register, _ memory: X86Memory, signExtends: Bool) {
        if signExtends {
            a.movsx(.bits64, dst, .memory(memory), from: width)
        } else {
            switch width {
            case .bits8, .bits16: a.movzx(dst, .memory(memory), from: width)
            case .bits32, .bits64: a.mov(width, dst, memory)
            }
        }
    }
}
