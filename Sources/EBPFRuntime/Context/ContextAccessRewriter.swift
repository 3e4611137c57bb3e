import EBPFCore

/// Rewrites a program's accesses to its context from the kernel's structure to the runtime's
/// block (``ContextLayout``), as the kernel's verifier does once it knows which instructions
/// access the context (`convert_ctx_access`).
///
/// Which registers hold the context pointer is found by a small forward analysis over every
/// path: R1 at entry, copies (`mov`), constant offsets (`add`/`sub` of an immediate), 8-byte
/// spills to the frame's stack through R10 and their fills, and R1–R5 into local calls. Calls
/// clobber R0–R5. A load or store through a register that holds the context on every path
/// reaching it is checked against the layout and rewritten in place (same slot, new size and
/// offset), so instruction indexes, jump offsets and the verifier's facts carry over.
///
/// The analysis decides only what to rewrite: the verifier then checks the rewritten program
/// against the runtime's block (its typed context), so a context pointer the analysis misses
/// (one stored through another pointer, say) makes the program fail verification, never run an
/// access that was not proven.
struct ContextAccessRewriter {
    let layout: ContextLayout

    /// What a register or stack slot holds, as far as the context is concerned.
    private enum Value: Hashable {
        case other
        /// The context pointer plus a constant.
        case context(Int64)
        /// The context on some paths and something else on others.
        case mixed

        func joined(with other: Value) -> Value {
            self == other ? self : .mixed
        }
    }

    private struct State: Hashable {
        var registers: [Value] = Array(repeating: .other, count: 11)
        /// 8-byte stack slots by offset from R10.
        var stack: [Int16: Value] = [:]

        /// Joins `other` into this state; returns whether this state changed.
        mutating func join(_ other: State) -> Bool {
            var changed = false
            for index in 0..<11 {
                let joined = registers[index].joined(with: other.registers[index])
                if joined != registers[index] {
                    registers[index] = joined
                    changed = true
                }
            }
            for (offset, value) in stack where other.stack[offset] != value {
                let joined = value.joined(with: other.stack[offset] ?? .other)
                if joined != value {
                    stack[offset] = joined
                    changed = true
                }
            }
            for (offset, value) in other.stack where stack[offset] == nil && value != .other {
                stack[offset] = .mixed
                changed = true
            }
            return changed
        }
    }

    /// The program's slots with every context access rewritten, and the slots of the register
    /// stores to `__sk_buff.queue_mapping`, which the kernel skips for values of 0xffff
    /// (`NO_QUEUE_MAPPING`) or more: the linker guards them in the engines' program
    /// (``ProgramLinker``), since the check needs a jump.
    func rewriteWithGuards(_ program: Program) throws(LinkError) -> (slots: [Instruction], guardedStores: [Int]) {
        var guardedStores: [Int] = []
        let decoded = program.decoded
        var slots = program.instructions
        var states = [State?](repeating: nil, count: decoded.count)
        var entry = State()
        entry.registers[1] = .context(0)
        states[0] = entry
        var worklist = [0]
        var queued = Set([0])

        func propagate(_ state: State, to target: Int) {
            guard target >= 0, target < decoded.count else { return }
            if states[target] == nil {
                states[target] = state
            } else if !states[target]!.join(state) {
                return
            }
            if queued.insert(target).inserted { worklist.append(target) }
        }

        // Context accesses found: slot → the field's offset in the structure (rewritten once the
        // analysis is stable, so a later path that makes a base mixed is still seen).
        while let pc = worklist.popLast() {
            queued.remove(pc)
            guard var state = states[pc], let operation = decoded[pc] else { continue }
            let next = pc + operation.slotCount
            switch operation {
            case .alu(let op, let width, let dst, let source):
                let current = state.registers[Int(dst)]
                switch (op, source) {
                case (.mov, .register(let src)) where width == .bits64:
                    state.registers[Int(dst)] = state.registers[Int(src)]
                case (.add, .immediate(let value)) where width == .bits64:
                    if case .context(let offset) = current { state.registers[Int(dst)] = .context(offset + Int64(value)) }
                case (.sub, .immediate(let value)) where width == .bits64:
                    if case .context(let offset) = current { state.registers[Int(dst)] = .context(offset - Int64(value)) }
                default:
                    state.registers[Int(dst)] = .other
                }
                propagate(state, to: next)
            case .negate(_, let dst), .moveSignExtended(_, let dst, _, _), .byteSwap(_, let dst), .loadImmediate64(let dst, _, _):
                state.registers[Int(dst)] = .other
                propagate(state, to: next)
            case .load(let size, let dst, let base, let offset, _):
                if base == 10, size == .double {
                    state.registers[Int(dst)] = state.stack[offset] ?? .other
                } else {
                    state.registers[Int(dst)] = .other
                }
                propagate(state, to: next)
            case .store(let size, let base, let offset, let value):
                if base == 10 {
                    let start = Int(offset)
                    for slot in state.stack.keys where Int(slot) < start + size.byteCount && start < Int(slot) + 8 {
                        state.stack[slot] = nil
                    }
                    if size == .double, case .register(let src) = value, state.registers[Int(src)] != .other {
                        state.stack[offset] = state.registers[Int(src)]
                    }
                }
                propagate(state, to: next)
            case .atomic(let op, _, let base, let offset, let src):
                if base == 10 {
                    for slot in state.stack.keys where slot > offset - 8 && slot < offset + 8 { state.stack[slot] = nil }
                }
                switch op {
                case .cmpxchg: state.registers[0] = .other
                case .fetchAdd, .fetchOr, .fetchAnd, .fetchXor, .xchg: state.registers[Int(src)] = .other
                case .add, .or, .and, .xor: break
                }
                propagate(state, to: next)
            case .packetLoad(_, let index, let immediate):
                // The engines read these from the run's memory, which starts with the context
                // block: the offset from skb->data becomes one from the memory's start.
                guard let loads = layout.legacyPacketLoads else {
                    throw .invalidContextAccess(index: pc, reason: "BPF_LD_[ABS|IND] instructions not allowed for this program type")
                }
                // An ldind's offset is known at run time only: the linker gives the engines a stub
                // for it (IndirectPacketLoadStubs); the verifier sees it as written.
                if index == nil { slots[pc].immediate = loads.absoluteImmediate(immediate) }
                // The kernel's rewriting calls a helper: R1-R5 are clobbered.
                for register in 0...5 { state.registers[register] = .other }
                propagate(state, to: next)
            case .jump(let target):
                propagate(state, to: target)
            case .conditionalJump(_, _, _, _, let target):
                propagate(state, to: target)
                propagate(state, to: next)
            case .callHelper, .callRegister:
                for register in 0...5 { state.registers[register] = .other }
                propagate(state, to: next)
            case .callLocal(let target):
                var callee = State()
                for register in 1...5 { callee.registers[register] = state.registers[register] }
                propagate(callee, to: target)
                for register in 0...5 { state.registers[register] = .other }
                propagate(state, to: next)
            case .exit:
                break
            }
        }

        for pc in decoded.slots.indices {
            guard let state = states[pc], let operation = decoded[pc] else { continue }
            let access: (base: UInt8, size: MemorySize, offset: Int16, isWrite: Bool, isAtomic: Bool)
            switch operation {
            case .load(let size, _, let base, let offset, _): access = (base, size, offset, false, false)
            case .store(let size, let base, let offset, _): access = (base, size, offset, true, false)
            case .atomic(_, let size, let base, let offset, _): access = (base, size, offset, true, true)
            default: continue
            }
            switch state.registers[Int(access.base)] {
            case .other:
                continue
            case .mixed:
                throw .invalidContextAccess(
                    index: pc, reason: "R\(access.base) is the \(layout.name) pointer on some paths only: the same insn cannot be used with different pointers")
            case .context(let displacement):
                guard displacement == 0 else {
                    throw .invalidContextAccess(index: pc, reason: "dereference of modified ctx ptr R\(access.base) off=\(displacement) disallowed")
                }
                if access.isAtomic {
                    throw .invalidContextAccess(index: pc, reason: "BPF_ATOMIC stores into R\(access.base) ctx is not allowed")
                }
                let field: ContextLayout.Field
                switch layout.field(at: Int64(access.offset), size: access.size.byteCount, isWrite: access.isWrite) {
                case .success(let found): field = found
                case .failure(let refusal): throw .invalidContextAccess(index: pc, reason: refusal.message)
                }
                if case .load(_, _, _, _, true) = operation, field.kind != .scalar {
                    // The kernel sign-extends numbers it loads from a context (BPF_MEMSX) but
                    // never a pointer.
                    throw .invalidContextAccess(index: pc, reason: "sign-extending load of \(layout.name).\(field.name), a pointer, is not allowed")
                }
                let within = Int(access.offset) - field.offset
                if access.isWrite && field.storageSize < field.size {
                    // A field the kernel keeps in fewer bytes keeps only that many of a store.
                    if case .store(_, _, _, .immediate(let value)) = operation, field.name == "queue_mapping", value >= 0xffff {
                        // The kernel drops a store of NO_QUEUE_MAPPING or more (a no-op jump).
                        slots[pc] = Instruction(opcode: Opcode.ja)
                    } else {
                        slots[pc] = slots[pc].reencodedMemoryAccess(
                            size: field.storageSize == 1 ? .byte : .half, offset: Int16(field.runtimeOffset))
                        if field.name == "queue_mapping", case .store(_, _, _, .register) = operation { guardedStores.append(pc) }
                    }
                } else if within == 0 && access.size.byteCount == field.size {
                    let newSize: MemorySize =
                        switch field.runtimeSize {
                        case 1: .byte
                        case 2: .half
                        case 4: .word
                        default: .double
                        }
                    slots[pc] = slots[pc].reencodedMemoryAccess(size: newSize, offset: Int16(field.runtimeOffset))
                } else {
                    // A narrow access (a scalar field, whose runtime bytes are the kernel's
                    // value): the same bytes of the runtime's field.
                    // A load at least as wide as the kernel's storage gives the whole value
                    // (the kernel's narrow-load rewriting shifts only narrower ones).
                    let start = access.size.byteCount >= field.storageSize ? 0 : within
                    slots[pc] = slots[pc].reencodedMemoryAccess(size: access.size, offset: Int16(field.runtimeOffset + start))
                }
            }
        }
        return (slots, guardedStores)
    }
}
