import EBPFCore
import X86Encoding

/// The two ways into the compiled code and the ways out of it.
///
/// ```
/// single entry (offset 0): entry(input base or 0, input length, stack base or 0) -> (R0, trapped)
///     push used callee-saved registers; the context block below them (rsp, 16-byte aligned)
///     store the context fields this program's code reads (RunContextLayout)
///     stack base 0: put the 4096-byte stack area below the context (zero-filled only when the
///         facts do not prove every stack byte written before it is read)
///     helper-region ring below that (programs calling a helper returning memory)
///     context, R1, R2, R10 into their registers; zero the registers some path reads unwritten
///     without local calls: the body follows, and every `exit` is the return sequence
///     with local calls: call body (every `exit` is a `ret`), then the return sequence
/// return sequence: rsp = context (when the prologue moved it further); rax = R0; rdx = 0
/// epilogue: drop the context block; pop; ret
/// trapExit: rsp = context; TrapStash.stash(context); rdx = 1; jmp epilogue
/// returnZero (ldabs/ldind out of range): rax = 0; rdx = 0; rsp = context; jmp epilogue
/// batch entry: batch(first (start, count) pair, number of pairs, first result) -> (pair, trapped)
///     a loop calling the single entry once per pair and storing R0; on a trap, returns the
///     pair's address with rdx = 1
/// ```
///
/// Swift passes only the call's arguments and reads nothing back but rax and rdx unless rdx
/// is 1, so a run that does not trap pays nothing for trap reporting.
extension Lowering {
    /// What the code of this program needs from its entries, beyond the always-saved rsp.
    struct EntryNeeds {
        /// Bit log2(size) set: an input access of that size is checked at run time, so the
        /// prologue stores the valid start count for that size.
        var startCountSizes: UInt8 = 0
        /// Some access check may call the slow path, which reads the stack base and the
        /// helper-region count.
        var slowPath = false
        /// `memoryBase` is read (generic access checks, legacy packet loads).
        var inputBase = false
        /// `memoryLength` is read (legacy packet loads).
        var inputLength = false
        /// A helper returning memory is called: its regions are recorded in a ring.
        var helperRegionRing = false
        /// The stack area the entry provides must be zero-filled before each run.
        var zeroStack = false
        /// The prologue may move rsp below the saved value (stack area, ring), so the normal
        /// return restores it.
        var allocates = false
    }

    /// What this program's code reads from the context, from one pass over the slots.
    var entryNeeds: EntryNeeds {
        var needs = EntryNeeds()
        for pc in 0..<analysis.slots.count {
            guard case .operation(let operation) = analysis.slots[pc] else { continue }
            switch operation {
            case .load(let size, _, _, _, _), .store(let size, _, _, _), .atomic(_, let size, _, _, _):
                // As emitAccessCheck decides.
                if let facts, pc < facts.accessIsSafe.count, facts.accessIsSafe[pc] { continue }
                switch accessChecks.isEmpty ? .generic : accessChecks[pc] {
                case .none:
                    continue
                case .inputOffset:
                    break
                case .generic, .inputFirst:
                    needs.inputBase = true
                }
                needs.slowPath = true
                needs.startCountSizes |= 1 << UInt8(size.byteCount.trailingZeroBitCount)
            case .packetLoad where !analysis.packetLoadsReadInputRegisters:
                needs.inputBase = true
                needs.inputLength = true
            case .callHelper(let id):
                if let helper = helpers[id], Self.returnsMemory(helper) { needs.helperRegionRing = true }
            case .callRegister:
                if helpers.all.contains(where: Self.returnsMemory) { needs.helperRegionRing = true }
            default:
                break
            }
        }
        needs.zeroStack = analysis.usesStack && !(facts?.stackIsWrittenBeforeRead ?? false)
        needs.allocates = analysis.usesStack || needs.helperRegionRing
        return needs
    }

    /// Whether calls to `helper` record the region it returns (``emitRecordHelperRegion(size:)``).
    static func returnsMemory(_ helper: HelperFunction) -> Bool {
        if case .memoryOrNull(let size) = helper.signature.returns, size > 0 { return true }
        return false
    }

    // MARK: The single entry

    /// Whether the body follows the single entry's prologue and every `exit` returns from the
    /// entry itself (no local calls: every `exit` leaves the entry frame), rather than the
    /// prologue calling the body.
    var bodyFollowsEntry: Bool { !analysis.hasLocalCalls }

    /// The single entry at offset 0, `(input base, input length, stack base or 0) -> (R0,
    /// trapped)`: the prologue, followed by the body (without local calls) or by the call of the
    /// body and the return sequence.
    mutating func emitSingleEntry(body: X86Label, needs: EntryNeeds) {
        emitEntryPushes()
        // rdi = input base (0 when empty), rsi = input length, rdx = the caller's stack area or
        // 0; the context block is at rsp (r11 holds it when the prologue moves rsp further
        // down); rax, rcx, r9 are free until the moves below.
        let block: X86Register = needs.allocates ? .r11 : .rsp
        if block != .rsp { a.mov(.bits64, block, .rsp) }
        if needs.inputBase { a.mov(.bits64, .at(block, RunContextLayout.memoryBase), .rdi) }
        if needs.inputLength { a.mov(.bits64, .at(block, RunContextLayout.memoryLength), .rsi) }
        emitStartCounts(needs.startCountSizes, context: block, length: .rsi, temporary: .rax)
        if analysis.usesStack {
            let given = a.newLabel()
            a.test(.bits64, .rdx, .rdx)
            a.jcc(.notEqual, given)
            a.alu(.sub, .bits64, .rsp, immediate: Int32(StackArea.size))
            if needs.zeroStack {
                a.mov(.bits64, .r9, .rdi)
                a.mov(.bits64, .rdi, .rsp)
                a.mov32(.rcx, immediate: UInt32(StackArea.size / 8))
                a.alu(.xor, .bits32, .rax, .rax)
                a.emit([0xf3, 0x48, 0xab])  // rep stosq (the ABI guarantees the direction flag clear)
                a.mov(.bits64, .rdi, .r9)
            }
            a.mov(.bits64, .rdx, .rsp)
            a.bind(given)
            if needs.slowPath { a.mov(.bits64, .at(block, RunContextLayout.stackBase), .rdx) }
            if analysis.usesRegister[10] { a.lea(.rdx, .at(.rdx, Int32(StackArea.size))) }
        } else if needs.slowPath {
            a.mov(.bits64, .at(block, RunContextLayout.stackBase), immediate: 0)
        }
        if needs.slowPath || needs.helperRegionRing {
            a.mov(.bits64, .at(block, RunContextLayout.helperRegionCount), immediate: 0)
        }
        if needs.helperRegionRing {
            a.alu(.sub, .bits64, .rsp, immediate: Int32(RunContextLayout.helperRegionRingSize))
            a.mov(.bits64, .at(block, RunContextLayout.helperRegions), .rsp)
        }
        var moves: [(X86Register, X86Register)] = [(map.context, block)]
        if analysis.usesRegister[1] { moves.append((r(1), .rdi)) }
        if analysis.usesRegister[2] { moves.append((r(2), .rsi)) }
        if analysis.usesRegister[10] { moves.append((r(10), .rdx)) }
        emitParallelMove(moves)
        if let stackBaseRegister { a.mov(.bits64, stackBaseRegister, .at(map.context, RunContextLayout.stackBase)) }
        if depthCheckEnabled {
            // Body rsp at depth d is (rsp - 8) - d*frame; a call from depth >= maxCallDepth - 1 traps.
            let frame = Int32(localCallSaved.count + 1) * 8 + localCallPadding
            let limit = 8 + Int32(ExecutionLimits.maxCallDepth - 1) * frame
            a.lea(map.scratch, .at(.rsp, -limit))
            a.mov(.bits64, .at(map.context, RunContextLayout.callDepthLimit), map.scratch)
        }
        emitRegisterStart()
        entryAllocates = needs.allocates
        if !bodyFollowsEntry {
            a.call(body)
            emitReturnSequence()
        }
    }

    /// The exits every path shares: the epilogue, the trap exit and the early return of legacy
    /// packet loads (after the body).
    mutating func emitExits() {
        let ctx = map.context
        a.bind(epilogue)
        a.alu(.add, .bits64, .rsp, immediate: contextFrameSize)
        for register in savedCalleeRegisters.reversed() { a.pop(register) }
        a.ret()
        a.bind(trapExit)
        // rsp back at the context block, then aligned for the call (the context register may
        // be caller-saved, so rsp is restored from the adjustment, not from it).
        a.mov(.bits64, .rsp, ctx)
        if ctx != .rdi { a.mov(.bits64, .rdi, ctx) }
        if contextCallAlignment != 0 { a.alu(.sub, .bits64, .rsp, immediate: contextCallAlignment) }
        a.movabs(.rax, immediate: TrapStash.stashAddress)
        a.call(.rax)
        if contextCallAlignment != 0 { a.alu(.add, .bits64, .rsp, immediate: contextCallAlignment) }
        a.mov32(.rdx, immediate: 1)
        a.jmp(epilogue)
        // ldabs/ldind out of range: as `exit` with R0 = 0, from any depth.
        a.bind(returnZero)
        a.mov(.bits64, .rsp, ctx)  // first: the context register may be rax or rdx
        a.alu(.xor, .bits32, .rax, .rax)
        a.alu(.xor, .bits32, .rdx, .rdx)
        a.jmp(epilogue)
    }

    /// `exit`: a `ret` to the caller when local calls make the body a called function (the
    /// entry frame returns into the entry), otherwise the entry's own return sequence (or, in the
    /// batch entry's copy of the body, the loop's next step).
    mutating func emitExit() {
        if let batchContinue {
            a.jmp(batchContinue)
        } else if bodyFollowsEntry {
            emitReturnSequence()
        } else {
            a.ret()
        }
    }

    /// Returns from the single entry with rax = R0 and rdx = 0.
    mutating func emitReturnSequence() {
        if entryAllocates { a.mov(.bits64, .rsp, map.context) }
        if r(0) != .rax { a.mov(.bits64, .rax, r(0)) }
        a.alu(.xor, .bits32, .rdx, .rdx)
        a.alu(.add, .bits64, .rsp, immediate: contextFrameSize)
        for register in savedCalleeRegisters.reversed() { a.pop(register) }
        a.ret()
    }

    // MARK: The batch entry

    /// The batch entry, `(pairs, pair count, results) -> (pair, trapped)`: a loop calling the
    /// single entry once per (start, count) pair, with start 0 when count is 0 (as the Swift
    /// callers of the single entry pass an empty input), and storing R0 in consecutive result
    /// slots. A trap stops it with rax = the address of the pair whose run trapped and rdx = 1
    /// (the record is in ``TrapStash``).
    ///
    /// Its code is the same for every program but for the call's displacement, so it is
    /// assembled and relaxed once per process (``batchEntryTemplate``) and copied: the bytes
    /// around the call, with the call itself emitted (and relocated) as any other.
    mutating func emitBatchEntry(singleEntry: X86Label) {
        batchEntryOffset = a.offset
        let template = Self.batchEntryTemplate
        a.emit(template.beforeCall)
        a.call(singleEntry)
        a.emit(template.afterCall)
    }

    /// ``emitBatchEntryCode(_:singleEntry:)`` assembled and relaxed on its own, split around the
    /// call of the single entry (whose displacement depends on where the copy lands). Its jumps
    /// stay inside it and no alignment point lies in it, so the bytes are those the program's
    /// own relaxation would give.
    static let batchEntryTemplate: (beforeCall: [UInt8], afterCall: [UInt8]) = {
        var a = X86Assembler()
        let singleEntry = a.newLabel()
        a.bind(singleEntry)
        let call = emitBatchEntryCode(&a, singleEntry: singleEntry)
        do {
            try a.relaxInPlace()
        } catch {
            preconditionFailure("the batch entry does not assemble: \(error)")
        }
        let start = a.relocated(call)
        precondition(a.code[start] == 0xe8, "the batch entry's call moved")
        return (Array(a.code[..<start]), Array(a.code[(start + 5)...]))
    }()

    /// The batch entry's instructions (see ``emitBatchEntry(singleEntry:)``); returns the offset,
    /// as emitted, of its `call singleEntry`.
    static func emitBatchEntryCode(_ a: inout X86Assembler, singleEntry: X86Label) -> Int {
        // rdi = first pair, rsi = number of pairs, rdx = first result slot. rbx, r12 and r13
        // (callee-saved in the System V ABI, so the single entry keeps them) hold the cursor,
        // the end and the next result slot; the pushes leave rsp 16-byte aligned for the calls.
        let cursor = X86Register.rbx, end = X86Register.r12, result = X86Register.r13
        a.push(cursor)
        a.push(end)
        a.push(result)
        a.mov(.bits64, cursor, .rdi)
        a.shift(.shl, .bits64, .rsi, count: 4)
        a.lea(end, X86Memory(base: .rdi, index: .rsi, scale: 1))
        a.mov(.bits64, result, .rdx)
        let loop = a.newLabel(), done = a.newLabel(), trapped = a.newLabel(), nonEmpty = a.newLabel()
        a.bind(loop)
        a.alu(.cmp, .bits64, cursor, end)
        a.jcc(.aboveOrEqual, done)
        a.mov(.bits64, .rdi, .at(cursor))
        a.mov(.bits64, .rsi, .at(cursor, 8))
        a.test(.bits64, .rsi, .rsi)
        a.jcc(.notEqual, nonEmpty)
        a.alu(.xor, .bits32, .rdi, .rdi)
        a.bind(nonEmpty)
        a.alu(.xor, .bits32, .rdx, .rdx)
        let call = a.offset
        a.call(singleEntry)
        a.test(.bits64, .rdx, .rdx)
        a.jcc(.notEqual, trapped)
        a.mov(.bits64, .at(result), .rax)
        a.alu(.add, .bits64, result, immediate: 8)
        a.alu(.add, .bits64, cursor, immediate: 16)
        a.jmp(loop)
        a.bind(trapped)
        // rax = the address of the pair that trapped (Swift turns it into an index), rdx = 1.
        a.mov(.bits64, .rax, cursor)
        a.bind(done)
        a.pop(result)
        a.pop(end)
        a.pop(cursor)
        a.ret()
        return call
    }

    /// The batch entry with its own copy of the body (``JITOptions/inlinedBatchBody``; no local
    /// calls), `(pairs, pair count, results) -> (_, trapped)`: the single entry's pushes,
    /// context block, stack area and ring once, then per (start, count) pair what the single
    /// entry does per call (R1 = start, 0 when count is 0; R2 = count; the context fields; a
    /// zero-filled stack area unless proven unneeded; zeroed registers; the budget counter), the
    /// body, and R0 stored. The loop state is in the context block; a trap leaves through the
    /// trap exit with the cursor one pair past the one that trapped (``TrapStash`` keeps it).
    mutating func emitInlinedBatchEntry(needs: EntryNeeds) {
        batchEntryOffset = a.offset
        emitEntryPushes()
        // rdi = first pair, rsi = number of pairs, rdx = first result slot; the context block is
        // at rsp (r11 until the move into the context register).
        let block = X86Register.r11
        a.mov(.bits64, block, .rsp)
        a.mov(.bits64, .at(block, RunContextLayout.batchCursor), .rdi)
        a.shift(.shl, .bits64, .rsi, count: 4)
        a.alu(.add, .bits64, .rsi, .rdi)
        a.mov(.bits64, .at(block, RunContextLayout.batchEnd), .rsi)
        a.mov(.bits64, .at(block, RunContextLayout.batchResults), .rdx)
        if analysis.usesStack {
            // The area is [context - 4096, context): R10 starts at the context's address.
            a.alu(.sub, .bits64, .rsp, immediate: Int32(StackArea.size))
            if needs.slowPath { a.mov(.bits64, .at(block, RunContextLayout.stackBase), .rsp) }
        } else if needs.slowPath {
            a.mov(.bits64, .at(block, RunContextLayout.stackBase), immediate: 0)
        }
        if needs.helperRegionRing {
            a.alu(.sub, .bits64, .rsp, immediate: Int32(RunContextLayout.helperRegionRingSize))
            a.mov(.bits64, .at(block, RunContextLayout.helperRegions), .rsp)
        }
        let ctx = map.context
        if ctx != block { a.mov(.bits64, ctx, block) }
        if let stackBaseRegister { a.mov(.bits64, stackBaseRegister, .at(ctx, RunContextLayout.stackBase)) }

        let loop = a.newLabel(), next = a.newLabel(), done = a.newLabel()
        // Nothing of the previous run is live at `loop` but the context; the scratch register
        // and R0's register (saved by the prologue if callee-saved: R0 always counts as used)
        // are free until the body starts. The cursor and the result slot stay in two registers
        // the body never touches when there are any (else in the context block).
        let kept = batchLoopRegisters(needs)
        let cursor = kept?.cursor ?? map.scratch
        let temporary = r(0)
        if let kept {
            a.mov(.bits64, kept.cursor, .at(ctx, RunContextLayout.batchCursor))
            a.mov(.bits64, kept.results, .at(ctx, RunContextLayout.batchResults))
        }
        a.jmp(loop)
        a.bind(next)
        if let kept {
            a.mov(.bits64, .at(kept.results), r(0))
            a.alu(.add, .bits64, kept.results, immediate: 8)
        } else {
            a.mov(.bits64, cursor, .at(ctx, RunContextLayout.batchResults))
            a.mov(.bits64, .at(cursor), r(0))
            a.alu(.add, .bits64, cursor, immediate: 8)
            a.mov(.bits64, .at(ctx, RunContextLayout.batchResults), cursor)
        }
        a.bind(loop)
        if needs.zeroStack {
            // rep stosq over [context - 4096, context), keeping every register (the context may
            // be in rdi, rcx or rax).
            a.push(.rdi)
            a.push(.rcx)
            a.push(.rax)
            a.lea(.rdi, .at(ctx, -Int32(StackArea.size)))
            a.mov32(.rcx, immediate: UInt32(StackArea.size / 8))
            a.alu(.xor, .bits32, .rax, .rax)
            a.emit([0xf3, 0x48, 0xab])  // rep stosq (the ABI guarantees the direction flag clear)
            a.pop(.rax)
            a.pop(.rcx)
            a.pop(.rdi)
        }
        if kept == nil { a.mov(.bits64, cursor, .at(ctx, RunContextLayout.batchCursor)) }
        a.alu(.cmp, .bits64, cursor, .at(ctx, RunContextLayout.batchEnd))
        a.jcc(.aboveOrEqual, done)
        if needs.inputBase {
            a.mov(.bits64, temporary, .at(cursor))
            a.mov(.bits64, .at(ctx, RunContextLayout.memoryBase), temporary)
        }
        if analysis.usesRegister[1] && analysis.inputBaseOnlyBasesPacketLoads {
            // Only the length-checked legacy loads read R1: the start as it is.
            a.mov(.bits64, r(1), .at(cursor))
        } else if analysis.usesRegister[1] {
            // R1 = start, or 0 for an empty input (as the single entry's caller passes it).
            a.mov(.bits64, r(1), .at(cursor))
            a.alu(.cmp, .bits64, .at(cursor, 8), immediate: 1)
            a.alu(.sbb, .bits64, temporary, temporary)
            a.unary(.not, .bits64, temporary)
            a.alu(.and, .bits64, r(1), temporary)
        }
        if analysis.usesRegister[2] { a.mov(.bits64, r(2), .at(cursor, 8)) }
        if needs.inputLength || needs.startCountSizes != 0 {
            a.mov(.bits64, temporary, .at(cursor, 8))
            if needs.inputLength { a.mov(.bits64, .at(ctx, RunContextLayout.memoryLength), temporary) }
        }
        a.alu(.add, .bits64, cursor, immediate: 16)
        // Also in the context, where the trap exit finds it (a store only: no chain through memory).
        a.mov(.bits64, .at(ctx, RunContextLayout.batchCursor), cursor)
        emitStartCounts(needs.startCountSizes, context: ctx, length: temporary, temporary: kept == nil ? cursor : map.scratch)
        if needs.slowPath || needs.helperRegionRing {
            a.mov(.bits64, .at(ctx, RunContextLayout.helperRegionCount), immediate: 0)
        }
        if analysis.usesRegister[10] { a.mov(.bits64, r(10), ctx) }
        emitRegisterStart()

        // The body again, with its own labels; `exit` and legacy loads out of range go to `next`.
        slotLabels = (0..<analysis.slots.count).map { _ in a.newLabel() }
        batchContinue = next
        returnZero = a.newLabel()
        emitBody(recordingOffsets: false)
        a.jmp(staticTrap(at: analysis.slots.count))
        emitLoopCopies()
        a.bind(returnZero)
        a.alu(.xor, .bits32, r(0), r(0))
        a.jmp(next)
        batchContinue = nil

        a.bind(done)
        if needs.allocates { a.mov(.bits64, .rsp, ctx) }
        a.alu(.xor, .bits32, .rax, .rax)
        a.alu(.xor, .bits32, .rdx, .rdx)
        a.jmp(epilogue)
    }

    /// Two caller-saved x86 registers the body never touches, for the batch loop's cursor and
    /// result slot: none of them holds a used eBPF register or JIT state, and no call (helper or
    /// memory-check slow path) or implicit use (rax, rcx, rdx: division, shifts by `cl`) can
    /// change them. `nil` when there are not two.
    func batchLoopRegisters(_ needs: EntryNeeds) -> (cursor: X86Register, results: X86Register)? {
        guard !analysis.hasHelperCalls, !needs.slowPath else { return nil }
        let free = X86Register.allCases.filter {
            $0.isCallerSaved && $0 != .rsp && !liveRegisters.contains($0) && ![.rax, .rcx, .rdx].contains($0)
        }
        guard free.count >= 2 else { return nil }
        return (free[0], free[1])
    }

    // MARK: Pieces both entries share

    /// What every run starts with: the registers some path reads before writing them (other
    /// than R1, R2 and R10, which the entry sets) are zero, and the budget counter is at its start.
    mutating func emitRegisterStart() {
        for n: UInt8 in 0...10 where analysis.usesRegister[Int(n)] && ![1, 2, 10].contains(n) {
            if analysis.registersNeedingZero & (1 << UInt16(n)) != 0 { a.alu(.xor, .bits32, r(n), r(n)) }
        }
        if budgetEnabled {
            a.mov64(map.counter, immediate: UInt64(bitPattern: RunContextLayout.counterStart(budget: limits.instructionBudget)))
        }
    }

    /// Bytes the single entry subtracts from rsp after its pushes: the context block, rounded
    /// so that the body runs with rsp ≡ 8 (mod 16), as after a call (which the helper calls and
    /// slow paths rely on): rsp is 16-byte aligned at `call body`, or 8 more when the body
    /// follows the prologue.
    var contextFrameSize: Int32 {
        let block = Int32((RunContextLayout.size + 15) / 16 * 16)
        return block + (bodyFollowsEntry ? 8 - prologuePadding : prologuePadding)
    }

    /// How far rsp must go below the context block to be 16-byte aligned for a call.
    var contextCallAlignment: Int32 { bodyFollowsEntry ? 8 : 0 }

    /// Pushes the callee-saved registers the code uses and puts the context block below them
    /// (``contextFrameSize``).
    mutating func emitEntryPushes() {
        for register in savedCalleeRegisters { a.push(register) }
        a.alu(.sub, .bits64, .rsp, immediate: contextFrameSize)
    }

    /// Stores `max(0, length - size + 1)` for each size in `sizes` (bit log2(size)).
    mutating func emitStartCounts(_ sizes: UInt8, context: X86Register, length: X86Register, temporary: X86Register) {
        for shift in 0..<4 where sizes & (1 << UInt8(shift)) != 0 {
            let size = 1 << shift
            let field = RunContextLayout.memoryStartCount(size: size)
            if size == 1 {
                a.mov(.bits64, .at(context, field), length)
                continue
            }
            let store = a.newLabel()
            a.mov(.bits64, temporary, length)
            a.alu(.sub, .bits64, temporary, immediate: Int32(size - 1))
            a.jcc(.aboveOrEqual, store)
            a.alu(.xor, .bits32, temporary, temporary)
            a.bind(store)
            a.mov(.bits64, .at(context, field), temporary)
        }
    }

}
