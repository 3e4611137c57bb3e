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
///     call body
///     rsp = context; rax = R0; rdx = 0 (no trap)
/// epilogue: drop the context block; pop; ret
/// trapExit: rsp = context; TrapStash.stash(context); rdx = 1; jmp epilogue
/// returnZero (ldabs/ldind out of range): R0 = 0; rsp = the body's entry frame; ret
/// batch entry: batch(first (start, count) pair, number of pairs, first result) -> (_, trapped)
///     the same pushes, context, stack area and ring, once
///     loop: per pair, what the single entry does per call (R1, R2, R10, zeroing, the budget
///     counter), call body, store R0; rdx = 0 at the end
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
        /// Legacy packet loads may end the program early (`returnZero`), which needs the body's
        /// entry frame.
        var returnFrame = false
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
            guard let shape = analysis.shapes[pc] else { continue }
            let instruction = analysis.instructions[pc]
            switch shape {
            case .loadFromMemory, .storeRegister, .storeImmediate:
                if let facts, pc < facts.accessIsSafe.count, facts.accessIsSafe[pc] { continue }
                let size = MemorySize(rawValue: instruction.opcode & 0x18)!.byteCount
                switch accessChecks.isEmpty ? .generic : accessChecks[pc] {
                case .none:
                    continue
                case .inputOffset:
                    break
                case .generic:
                    needs.inputBase = true
                }
                needs.slowPath = true
                needs.startCountSizes |= 1 << UInt8(size.trailingZeroBitCount)
            case .packetAbsolute, .packetIndirect:
                needs.inputBase = true
                needs.inputLength = true
                needs.returnFrame = true
            case .helperCall:
                if let helper = helpers[instruction.immediate], Self.returnsMemory(helper) { needs.helperRegionRing = true }
            case .registerCall:
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

    /// The entry at offset 0, `(input base, input length, stack base or 0) -> (R0, trapped)`,
    /// then the epilogue and the exits every path shares.
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
                emitZeroFillAtRDI()
                a.mov(.bits64, .rdi, .r9)
            }
            a.mov(.bits64, .rdx, .rsp)
            a.bind(given)
            if needs.slowPath { a.mov(.bits64, .at(block, RunContextLayout.stackBase), .rdx) }
            if analysis.usesRegister[10] { a.lea(.rdx, .at(.rdx, Int32(StackArea.size))) }
        } else if needs.slowPath {
            a.mov(.bits64, .at(block, RunContextLayout.stackBase), immediate: 0)
        }
        emitHelperRegionRing(needs, context: block)
        var moves: [(X86Register, X86Register)] = [(map.context, block)]
        if analysis.usesRegister[1] { moves.append((r(1), .rdi)) }
        if analysis.usesRegister[2] { moves.append((r(2), .rsi)) }
        if analysis.usesRegister[10] { moves.append((r(10), .rdx)) }
        emitParallelMove(moves)
        emitRunInvariants(needs)
        emitRunStart()
        a.call(body)
        // The normal return (and `returnZero`, which returns here).
        let ctx = map.context
        if needs.allocates { a.mov(.bits64, .rsp, ctx) }
        if r(0) != .rax { a.mov(.bits64, .rax, r(0)) }
        a.alu(.xor, .bits32, .rdx, .rdx)
        a.bind(epilogue)
        a.alu(.add, .bits64, .rsp, immediate: contextFrameSize)
        for register in savedCalleeRegisters.reversed() { a.pop(register) }
        a.ret()
        a.bind(trapExit)
        // rsp back at the context block (16-byte aligned, as the call needs).
        a.mov(.bits64, .rsp, ctx)
        if ctx != .rdi { a.mov(.bits64, .rdi, ctx) }
        a.movabs(.rax, immediate: TrapStash.stashAddress)
        a.call(.rax)
        a.mov32(.rdx, immediate: 1)
        a.jmp(epilogue)
        if needs.returnFrame {
            // As `exit` from the entry frame with R0 = 0, from any depth: back to the entry.
            a.bind(returnZero)
            a.alu(.xor, .bits32, r(0), r(0))
            a.mov(.bits64, .rsp, .at(ctx, RunContextLayout.returnStackPointer))
            a.ret()
        }
    }

    // MARK: The batch entry

    /// The batch entry, `(pairs, pair count, results) -> (_, trapped)`: runs the body once per
    /// (start, count) pair with R1 = start (0 when count is 0) and R2 = count, writing R0 to
    /// consecutive result slots; on a trap it leaves through the trap exit with the cursor one
    /// pair past the one that trapped (which the stash keeps).
    mutating func emitBatchEntry(body: X86Label, needs: EntryNeeds) {
        batchEntryOffset = a.offset
        emitEntryPushes()
        // rdi = first pair, rsi = number of pairs, rdx = first result slot; the context block
        // is at rsp (r11 until the move into the context register).
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
        emitHelperRegionRing(needs, context: block)
        let ctx = map.context
        if ctx != block { a.mov(.bits64, ctx, block) }
        emitRunInvariants(needs)

        let loop = a.newLabel()
        let done = a.newLabel()
        // Nothing of the previous run is live here but the context; the scratch register and
        // R0's register (saved by the prologue if callee-saved: R0 always counts as used) are
        // free until the body is called.
        let cursor = map.scratch
        let temporary = r(0)
        a.bind(loop)
        if needs.zeroStack { emitZeroFillStackArea() }
        a.mov(.bits64, cursor, .at(ctx, RunContextLayout.batchCursor))
        a.alu(.cmp, .bits64, cursor, .at(ctx, RunContextLayout.batchEnd))
        a.jcc(.aboveOrEqual, done)
        if needs.inputBase {
            a.mov(.bits64, temporary, .at(cursor))
            a.mov(.bits64, .at(ctx, RunContextLayout.memoryBase), temporary)
        }
        if analysis.usesRegister[1] {
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
        a.mov(.bits64, .at(ctx, RunContextLayout.batchCursor), cursor)
        emitStartCounts(needs.startCountSizes, context: ctx, length: temporary, temporary: cursor)
        if needs.slowPath || needs.helperRegionRing {
            a.mov(.bits64, .at(ctx, RunContextLayout.helperRegionCount), immediate: 0)
        }
        if analysis.usesRegister[10] { a.mov(.bits64, r(10), ctx) }
        emitRunStart()
        a.call(body)
        a.mov(.bits64, cursor, .at(ctx, RunContextLayout.batchResults))
        a.mov(.bits64, .at(cursor), r(0))
        a.alu(.add, .bits64, cursor, immediate: 8)
        a.mov(.bits64, .at(ctx, RunContextLayout.batchResults), cursor)
        a.jmp(loop)
        a.bind(done)
        if needs.allocates { a.mov(.bits64, .rsp, ctx) }
        a.alu(.xor, .bits32, .rax, .rax)
        a.alu(.xor, .bits32, .rdx, .rdx)
        a.jmp(epilogue)
    }

    // MARK: Pieces both entries share

    /// Bytes the entries subtract from rsp after their pushes: the context block, rounded so
    /// that rsp is 16-byte aligned at `call body`.
    var contextFrameSize: Int32 {
        Int32((RunContextLayout.size + 15) / 16 * 16) + prologuePadding
    }

    /// Pushes the callee-saved registers the code uses and puts the context block below them,
    /// with rsp 16-byte aligned (both entries leave through the same ``epilogue``).
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

    /// The helper-region bookkeeping: the count starts at 0 (the slow path reads it), and the
    /// ring goes on the machine stack below everything else.
    mutating func emitHelperRegionRing(_ needs: EntryNeeds, context: X86Register) {
        if needs.slowPath || needs.helperRegionRing {
            a.mov(.bits64, .at(context, RunContextLayout.helperRegionCount), immediate: 0)
        }
        if needs.helperRegionRing {
            a.alu(.sub, .bits64, .rsp, immediate: Int32(RunContextLayout.helperRegionRingSize))
            a.mov(.bits64, .at(context, RunContextLayout.helperRegions), .rsp)
        }
    }

    /// What stays the same for every run of one call: the stack base for inline checks, the
    /// call depth limit, and the frame `returnZero` goes back to. rsp is where the body is
    /// called from.
    mutating func emitRunInvariants(_ needs: EntryNeeds) {
        let ctx = map.context
        if let stackBaseRegister { a.mov(.bits64, stackBaseRegister, .at(ctx, RunContextLayout.stackBase)) }
        if depthCheckEnabled {
            // Body rsp at depth d is (rsp - 8) - d*frame; a call from depth >= maxCallDepth - 1 traps.
            let frame = Int32(localCallSaved.count + 1) * 8 + localCallPadding
            let limit = 8 + Int32(ExecutionLimits.maxCallDepth - 1) * frame
            a.lea(map.scratch, .at(.rsp, -limit))
            a.mov(.bits64, .at(ctx, RunContextLayout.callDepthLimit), map.scratch)
        }
        if needs.returnFrame {
            // The body's entry frame: rsp inside the body before its first instruction.
            a.lea(map.scratch, .at(.rsp, -8))
            a.mov(.bits64, .at(ctx, RunContextLayout.returnStackPointer), map.scratch)
        }
    }

    /// What every run starts with: registers some path reads before writing them are zero, and
    /// the budget counter is at its start.
    mutating func emitRunStart() {
        for n: UInt8 in 0...10 where analysis.usesRegister[Int(n)] && ![1, 2, 10].contains(n) {
            // Only registers some path may read before writing them need a defined value.
            if analysis.registersNeedingZero & (1 << UInt16(n)) != 0 { a.alu(.xor, .bits32, r(n), r(n)) }
        }
        if budgetEnabled {
            a.mov64(map.counter, immediate: UInt64(bitPattern: RunContextLayout.counterStart(budget: limits.instructionBudget)))
        }
    }

    /// `rep stosq` of zeros over the 4096 bytes at rdi (rdi, rcx and rax change).
    mutating func emitZeroFillAtRDI() {
        a.mov32(.rcx, immediate: UInt32(StackArea.size / 8))
        a.alu(.xor, .bits32, .rax, .rax)
        a.emit([0xf3, 0x48, 0xab])  // rep stosq (the ABI guarantees the direction flag clear)
    }

    /// Zero-fills the batch entry's stack area, `[context - 4096, context)`, keeping every
    /// register (the context may be in rdi, rcx or rax).
    mutating func emitZeroFillStackArea() {
        a.push(.rdi)
        a.push(.rcx)
        a.push(.rax)
        a.lea(.rdi, .at(map.context, -Int32(StackArea.size)))
        emitZeroFillAtRDI()
        a.pop(.rax)
        a.pop(.rcx)
        a.pop(.rdi)
    }
}
