import EBPFCore
import X86Encoding

/// Calls: helpers (`call N`, `callx`), local functions (`call local`), `exit`, and the System V
/// call sequence shared with the memory-check slow path.
extension Lowering {
    /// What a native call jumps to.
    enum CallTarget {
        /// A function address, loaded into rax (never an argument register) and called.
        case absolute(UInt64)
    }

    /// Emits a System V call:
    /// 1. push `preserving` (caller-saved registers whose values must survive) and pad rsp so it
    ///    is 16-byte aligned at the call (body code runs with rsp ≡ 8 mod 16);
    /// 2. the parallel move `moves` (argument register ← source register), then `constants`;
    /// 3. `movabs rax, target; call rax`; then `afterCall` (flags it sets survive step 4);
    /// 4. undo the padding with `lea` (flags unchanged) and pop.
    mutating func emitNativeCall(
        preserving: X86RegisterSet,
        moves: [(X86Register, X86Register)],
        constants: [(X86Register, UInt64)],
        target: CallTarget,
        afterCall: (inout X86Assembler) -> Void
    ) {
        let saved = Array(preserving)  // in encoding order
        let padding: Int32 = saved.count % 2 == 0 ? 8 : 0
        for register in saved { a.push(register) }
        if padding != 0 { a.lea(.rsp, .at(.rsp, -padding)) }
        emitParallelMove(moves)
        for (register, value) in constants { a.mov64(register, immediate: value) }
        switch target {
        case .absolute(let address):
            a.movabs(.rax, immediate: address)
            a.call(.rax)
        }
        afterCall(&a)
        if padding != 0 { a.lea(.rsp, .at(.rsp, padding)) }
        for register in saved.reversed() { a.pop(register) }
    }

    /// Moves every source into its destination as if all moves happened at once (destinations
    /// distinct). Moves whose destination no pending move still reads go first; what remains
    /// are cycles, each broken with `xchg` (no temporary needed).
    mutating func emitParallelMove(_ moves: [(X86Register, X86Register)]) {
        // The moves still to make, in order, in scratch memory on the stack (a handful at most).
        withUnsafeTemporaryAllocation(of: (X86Register, X86Register).self, capacity: moves.count) { buffer in
            let pending = buffer.baseAddress!
            var count = 0
            for move in moves where move.0 != move.1 {
                (pending + count).initialize(to: move)
                count += 1
            }
            /// Takes the move at `index` out, keeping the others in order.
            func remove(at index: Int) -> (X86Register, X86Register) {
                let move = pending[index]
                for later in index + 1..<count { pending[later - 1] = pending[later] }
                count -= 1
                return move
            }
            while count > 0 {
                // The first move whose destination no pending move still reads.
                var ready: Int?
                candidates: for index in 0..<count {
                    for other in 0..<count where pending[other].1 == pending[index].0 { continue candidates }
                    ready = index
                    break
                }
                if let ready {
                    let (destination, source) = remove(at: ready)
                    a.mov(.bits64, destination, source)
                    continue
                }
                // Every destination is still needed as a source: a cycle. Swap the first pair; its
                // destination now holds the right value and its source holds the destination's old
                // value, which any other move reading the destination must now take from there.
                let (destination, source) = remove(at: 0)
                a.xchg(.bits64, destination, source)
                for index in 0..<count where pending[index].1 == destination {
                    pending[index].1 = source
                }
                // Moves that became a register to itself are done.
                var kept = 0
                for index in 0..<count where pending[index].0 != pending[index].1 {
                    pending[kept] = pending[index]
                    kept += 1
                }
                count = kept
            }
        }
    }

    /// Registers that must survive a helper call: caller-saved ones holding JIT state or one of
    /// R6–R10 that may be read after the call (``RegisterLiveness``; R0 receives the result,
    /// R1–R5 are undefined after a call).
    var helperCallPreserved: X86RegisterSet {
        var keep: X86RegisterSet = [map.context]
        if budgetEnabled { keep.insert(map.counter) }
        if let stackBaseRegister { keep.insert(stackBaseRegister) }
        for n in 6...10 where analysis.usesRegister[n] && liveness.isLive(UInt8(n), after: currentSlot) { keep.insert(map.ebpf[n]) }
        return keep.filter { $0.isCallerSaved }
    }

    /// `call helper`: R1–R5 to rdi, rsi, rdx, rcx, r8; body address baked in (the proven body
    /// when the verifier's facts vouch for the arguments); result to R0; a non-null pointer from
    /// a helper returning memory is recorded as an accessible region.
    mutating func emitHelperCall(_ helper: HelperFunction) {
        let arguments = X86Register.argumentRegisters
        let body = (facts != nil ? helper.provenBody : nil) ?? helper.body
        let address = UInt64(UInt(bitPattern: unsafeBitCast(body, to: UnsafeRawPointer.self)))
        let r0 = r(0)
        emitNativeCall(
            preserving: helperCallPreserved,
            moves: (1...5).map { (arguments[$0 - 1], r(UInt8($0))) },
            constants: [],
            target: .absolute(address),
            afterCall: { a in if r0 != .rax { a.mov(.bits64, r0, .rax) } }
        )
        if case .memoryOrNull(let size) = helper.signature.returns, size > 0 {
            emitRecordHelperRegion(size: size)
        }
    }

    /// Appends (R0, size) to the context's ring of helper regions unless R0 is null.
    mutating func emitRecordHelperRegion(size: Int) {
        let r0 = r(0)
        let ctx = map.context
        let scratch = map.scratch
        let skip = a.newLabel()
        a.test(.bits64, r0, r0)
        a.jcc(.equal, skip)
        a.mov(.bits64, scratch, .at(ctx, RunContextLayout.helperRegionCount))
        a.alu(.and, .bits32, scratch, immediate: Int32(RunContextLayout.helperRegionCapacity - 1))
        a.shift(.shl, .bits64, scratch, count: 4)
        a.alu(.add, .bits64, scratch, .at(ctx, RunContextLayout.helperRegions))
        a.mov(.bits64, .at(scratch), r0)
        a.mov(.bits64, .at(scratch, 8), immediate: Int32(clamping: size))
        a.alu(.add, .bits64, .at(ctx, RunContextLayout.helperRegionCount), immediate: 1)
        a.bind(skip)
    }

    /// `call N` with a static helper id.
    mutating func lowerHelperCall(id: Int32, at pc: Int) {
        guard let helper = helpers[id] else {
            a.jmp(trapStub(.unknownHelper, pc: pc, value: .constant(Int64(id))))
            return
        }
        if helper.intrinsic == .loop {
            lowerLoopCall(at: pc)
            return
        }
        if let lookup = inlinableArrayLookup(helper, at: pc) {
            emitInlineArrayLookup(lookup)
            return
        }
        if let lookup = directMapLookup(helper, at: pc) {
            emitDirectLookupCall(lookup)
            return
        }
        emitHelperCall(helper)
    }

    /// `callx dst`: compare the id in dst against each registered helper (a table of ids in the
    /// code), call the match, or trap with the unknown id.
    mutating func lowerRegisterCall(dst: UInt8, at pc: Int) {
        let idRegister = r(dst)
        let done = a.newLabel()
        // Helpers the engines run themselves (bpf_loop) are not reachable through callx.
        for helper in helpers.all where helper.intrinsic == nil {
            let next = a.newLabel()
            a.alu(.cmp, .bits64, idRegister, immediate: helper.id)
            a.jcc(.notEqual, next)
            emitHelperCall(helper)
            a.jmp(done)
            a.bind(next)
        }
        a.jmp(trapStub(.unknownHelper, pc: pc, value: .register(idRegister)))
        a.bind(done)
    }

    /// `call local`: check the depth, save R6–R10, give the callee the next 512-byte frame, and
    /// `call` its first instruction; its `exit` is a `ret` back here, where R6–R10 are restored.
    mutating func lowerLocalCall(target: Int, at pc: Int) {
        guard analysis.isValidTarget(target) else {
            a.jmp(staticTrap(at: pc))
            return
        }
        // The budget is checked on local calls as on back-edges (the call itself counted), so
        // nested calls cannot outrun it either; the callee continues from the current count.
        if budgetEnabled { emitBudgetCheck(at: pc) }
        if depthCheckEnabled {
            a.alu(.cmp, .bits64, .rsp, .at(map.context, RunContextLayout.callDepthLimit))
            a.jcc(.belowOrEqual, trapStub(.callDepthExceeded, pc: pc, value: .constant(Int64(ExecutionLimits.maxCallDepth))))
        }
        for register in localCallSaved { a.push(register) }
        if localCallPadding != 0 { a.lea(.rsp, .at(.rsp, -localCallPadding)) }
        if analysis.usesRegister[10] {
            a.alu(.sub, .bits64, r(10), immediate: Int32(ExecutionLimits.stackFrameSize))
        }
        a.call(slotLabels[target])
        if localCallPadding != 0 { a.lea(.rsp, .at(.rsp, localCallPadding)) }
        for register in localCallSaved.reversed() { a.pop(register) }
    }
}
