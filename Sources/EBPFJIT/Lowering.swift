import EBPFCore
import X86Encoding

/// Translates one eBPF program into x86-64 machine code: one pass over the decoded slots emits
/// everything with every jump in its rel32 form; ``JIT`` then has the assembler shorten the jumps
/// in place (``X86Encoding/X86Assembler/relaxInPlace()``).
///
/// Code layout (the entries and exits: ``Lowering`` + Entry):
/// ```
/// single entry:  prologue (pushes, context block, stack area, R1, R2, R10); without local
///                calls the body follows it, with local calls: call body; return sequence
/// body:          the instructions in order (`exit` is the return sequence, or a `ret` to the
///                caller when local calls make the body a called function; loop heads start
///                at 16-byte boundaries)
///                trap for falling off the end
/// cold:          out-of-line stubs: trap records, budget back-edges, memory-check slow paths
/// exits:         epilogue, trapExit, returnZero (ldabs/ldind out of range)
/// batch entry:   a loop calling the single entry per input, or (JITOptions.inlinedBatchBody)
///                a loop around its own copy of the body, followed by that copy's stubs
/// ```
struct Lowering {
    let analysis: ProgramAnalysis
    let helpers: HelperRegistry
    let limits: ExecutionLimits
    let facts: VerifiedFacts?
    let options: JITOptions
    let map: RegisterMap
    /// Whether the instruction budget is counted and enforced.
    let budgetEnabled: Bool
    /// The backward jumps that close a loop proven to exit: no budget count or check there.
    let provenLoops: ProvenLoops
    /// Whether local calls check the call depth.
    let depthCheckEnabled: Bool
    /// ``AddressAnalysis/checks``: per slot, or empty when no access needs a check.
    let accessChecks: [AddressAnalysis.AccessCheck]
    /// The loops with a second, unchecked copy (``LoopVersioning``).
    let versioning: LoopVersioning
    /// Holds the stack area's base for the run-time checks that test the stack area (the spare
    /// register), so they read no memory; nil when no check does.
    let stackBaseRegister: X86Register?
    /// x86 registers holding a used eBPF register or JIT state; what must survive clobbers.
    let liveRegisters: X86RegisterSet
    /// Which eBPF registers may still be read after each slot (for the group rewrites), with the
    /// sunk copies read and written at their jumps.
    let liveness: RegisterLiveness
    /// Register copies emitted on one way out of their block (``SunkCopies``).
    let sunkCopies: SunkCopies
    /// Caller-saved live registers a memory-check slow path saves around its call into Swift
    /// (computed once: every slow path needs the same set).
    let slowPathPreserved: X86RegisterSet
    /// Callee-saved x86 registers the prologue saves.
    let savedCalleeRegisters: [X86Register]
    /// Bytes subtracted from rsp after those pushes so that rsp is 16-byte aligned at `call body`.
    let prologuePadding: Int32
    /// x86 registers of R6–R10 that a local call saves, in push order, and the padding that
    /// keeps each call level's frame a multiple of 16 bytes.
    let localCallSaved: [X86Register]
    let localCallPadding: Int32

    var a: X86Assembler
    /// One label per slot.
    var slotLabels: [X86Label] = []
    var trapExit: X86Label
    var epilogue: X86Label
    /// Where `ldabs`/`ldind` out of range go: R0 = 0 and leave the program.
    var returnZero: X86Label
    /// Out-of-line code emitted after the body.
    var coldStubs: [ColdStub] = []
    /// The one routine every memory-check slow path calls (bound when the first is emitted).
    var sharedSlowPath: X86Label?
    /// The single entry's body: each slot's label, then a label at the body's end. Their offsets
    /// once the code is relaxed are ``CompiledProgram/instructionOffsets`` (``slotOffsets(_:end:in:)``):
    /// labels move with the code as offsets recorded while emitting would.
    var bodyLabels: [X86Label] = []
    var bodyEnd: X86Label?
    /// The random seed of this compilation's blinding keys; nil when constants are not blinded.
    var blindingSeed: UInt64?
    /// Keys drawn so far.
    var blindingUses: UInt64 = 0
    /// Instructions executed since the budget counter was last brought up to date, at the
    /// current point of the emission (see ``flushCount()``).
    var pendingCount = 0
    /// Where the batch entry starts (as emitted, before relaxation).
    var batchEntryOffset = 0
    /// Whether the single entry's prologue moves rsp below the context block (stack area,
    /// helper-region ring), so its return sequence restores it.
    var entryAllocates = false
    /// The program's extra regions as (start, count) pairs in memory the compiled program
    /// keeps, and their number: constants of the memory-check slow path's call.
    var extraRegionPairs: UInt64 = 0
    var extraRegionCount = 0
    /// While the batch entry's own copy of the body is emitted: where its `exit`s go (the
    /// loop's next step, R0 the result).
    var batchContinue: X86Label?
    /// The slot being lowered (for ``mustPreserve(_:)``).
    var currentSlot = 0
    /// While a versioned loop's fast copy is emitted: its index in ``LoopVersioning/loops``.
    var fastLoop: Int?
    /// Per versioned loop, in the body copy being emitted: its fast copy's head, and its checked
    /// head after the entry check (where the checked copy's back-edge goes).
    var fastHeads: [X86Label] = []
    var checkedHeads: [X86Label] = []
    /// While a fast copy with deferred budget counting is emitted (``LoopVersioning/Counting``):
    /// no counts or budget checks, and each jump out of the loop goes through a stub that adds
    /// the count (the stubs: label, block, target).
    var defersCount = false
    var deferredExits: [(label: X86Label, block: Int, target: Int)] = []
    /// The conditional jump of a chain loop's fast copy whose target is laid out next: emitted
    /// inverted, to its fall-through.
    var invertedBranchSlot: Int?

    init(analysis: ProgramAnalysis, addresses: AddressAnalysis, helpers: HelperRegistry,
         limits: ExecutionLimits, facts: VerifiedFacts?, options: JITOptions, assembler: X86Assembler) {
        self.analysis = analysis
        self.helpers = helpers
        self.limits = limits
        self.facts = facts
        self.options = options
        let budgetEnabled = !(facts?.terminates ?? false)
        self.budgetEnabled = budgetEnabled
        let accessChecks = addresses.checks
        // Only where the budget is counted (the fused jcc + ja is not, which may cross blocks),
        // and not under constant blinding (the entry check holds the program's constants).
        let versioning = budgetEnabled && !options.constantBlinding && options.versionsLoops
            ? LoopVersioning(analysis, checks: accessChecks) : LoopVersioning.none
        self.versioning = versioning
        let sunkCopies: SunkCopies
        var liveness = RegisterLiveness(analysis)
        // Not with versioned loops: their fast copies lay jumps out anew (deferred counts).
        if options.sinksCopies && versioning.loops.isEmpty {
            sunkCopies = SunkCopies(analysis, liveness: liveness) { pc in
                Self.accessNeedsNoCheck(at: pc, facts: facts, accessChecks: accessChecks)
            }
            liveness = sunkCopies.adjusted(liveness, analysis)
        } else {
            sunkCopies = SunkCopies()
        }
        self.sunkCopies = sunkCopies
        self.liveness = liveness
        let map = options.allocatesRegisters
            ? RegisterAllocator(analysis, liveness: liveness, options: options, budgetEnabled: budgetEnabled).map
            : options.registerMap
        self.map = map
        self.provenLoops = ProvenLoops(analysis, facts: budgetEnabled ? facts : nil)
        self.depthCheckEnabled = analysis.hasLocalCalls && (facts.map { $0.maxCallDepth > ExecutionLimits.maxCallDepth || $0.maxCallDepth <= 0 } ?? true)
        self.accessChecks = accessChecks
        let checksStack = analysis.usesStack && addresses.needsGenericCheck
        self.stackBaseRegister = checksStack ? map.spare : nil
        var live: X86RegisterSet = [map.context, map.scratch]
        if budgetEnabled { live.insert(map.counter) }
        if let stackBaseRegister { live.insert(stackBaseRegister) }
        for n in 0...10 where analysis.usesRegister[n] { live.insert(map.ebpf[n]) }
        self.liveRegisters = live
        self.slowPathPreserved = live.filter { $0.isCallerSaved && $0 != map.scratch }
        // (Loops rather than `allCases.filter` and `filter`/`map`: one array each, no
        // intermediate ones.)
        var calleeSaved: [X86Register] = []
        for encoding in UInt8(0)..<16 {
            let register = X86Register(rawValue: encoding)!
            if !register.isCallerSaved && register != .rsp && live.contains(register) { calleeSaved.append(register) }
        }
        self.savedCalleeRegisters = calleeSaved
        // At entry rsp ≡ 8 (mod 16); after k pushes rsp ≡ 8 + 8k; make it ≡ 0.
        self.prologuePadding = calleeSaved.count % 2 == 0 ? 8 : 0
        var saved: [X86Register] = []
        for n in 6...10 where analysis.usesRegister[n] { saved.append(map.ebpf[n]) }
        self.localCallSaved = saved
        // Frame = pushes + return address (+ a bpf_loop's state); keep it ≡ 0 (mod 16).
        let callsLoop = analysis.slots.contains { slot in
            guard case .operation(.callHelper(let id)) = slot else { return false }
            return helpers[id]?.intrinsic == .loop
        }
        let loopState = callsLoop ? Self.loopStateBytes : 0
        self.localCallPadding = loopState + (((saved.count + 1) * 8 + Int(loopState)) % 16 == 0 ? 0 : 8)

        var assembler = assembler
        self.trapExit = assembler.newLabel()
        self.epilogue = assembler.newLabel()
        self.returnZero = assembler.newLabel()
        self.slotLabels = assembler.newLabels(analysis.slots.count)
        self.a = assembler
    }

    /// The eBPF register's x86 register (``RegisterMap`` chosen per program by ``RegisterAllocator``
    /// unless ``JITOptions/allocatesRegisters`` is off).
    func r(_ n: UInt8) -> X86Register { map.ebpf[Int(n)] }

    /// Emits the whole program.
    mutating func emitProgram() {
        let body = a.newLabel()
        let singleEntry = a.newLabel()
        a.bind(singleEntry)
        let needs = entryNeeds
        emitSingleEntry(body: body, needs: needs)

        a.bind(body)
        emitBody()
        bodyLabels = slotLabels
        // The end of the body, so listings can tell the last instruction's code from what follows.
        let end = a.newLabel()
        a.bind(end)
        bodyEnd = end
        // Falling off the end.
        a.jmp(staticTrap(at: analysis.slots.count))
        emitLoopCopies()
        // The body's stubs right after it, so its jumps to them stay short; the body itself
        // jumps to the exits only for an out-of-range legacy load.
        emitColdStubs()
        emitExits()
        if options.inlinedBatchBody && bodyFollowsEntry {
            emitInlinedBatchEntry(needs: needs)
            emitColdStubs()
        } else {
            emitBatchEntry(singleEntry: singleEntry)
        }
    }

    /// Each slot's offset in `assembler` (the code relaxed), then that of `end`: the offsets of
    /// `labels` (``bodyLabels``, ``bodyEnd``), ``CompiledProgram/instructionOffsets``.
    static func slotOffsets(_ labels: [X86Label], end: X86Label, in assembler: X86Assembler) -> [Int] {
        assembler.offsets(of: labels, then: end)
    }

    /// The instructions in order, each at its slot label: once after the single entry, and once
    /// more in the batch entry's loop
    /// when it has its own copy (``JITOptions/inlinedBatchBody``).
    mutating func emitBody() {
        pendingCount = 0
        fastHeads = versioning.loops.map { _ in a.newLabel() }
        checkedHeads = versioning.loops.map { _ in a.newLabel() }
        emitSlots(0..<analysis.slots.count)
    }

    /// The slots of `range` in order (the body, or a block of a loop's fast copy), each at its
    /// slot label; at a versioned loop's head (outside its fast copy) the entry check follows
    /// the label.
    mutating func emitSlots(_ range: Range<Int>) {
        var skip = 0
        for pc in range {
            if skip > 0 {
                // A later slot of a fused group: already bound after the group's code.
                skip -= 1
                continue
            }
            // Paths meet here: every one arrives with the counter up to date.
            if analysis.controlFlow.isBranchTarget[pc] { flushCount() }
            let versioned = fastLoop == nil ? versionedLoop(headAt: pc) : nil
            // (A fast copy aligns its head only: its other slots are laid out anew.)
            if options.alignLoopHeads && analysis.controlFlow.isBackwardJumpTarget[pc] && versioned == nil && fastLoop == nil {
                a.alignNextInstruction()
            }
            a.bind(slotLabels[pc])
            if let versioned {
                emitVersionCheck(versioned)
                if options.alignLoopHeads { a.alignNextInstruction() }
                a.bind(checkedHeads[versioned])
            }
            if sunkCopies.contains(pc) {
                // Emitted on a way out of the block, after its jump (``SunkCopies``); counted here.
                if !provenLoops.isUncounted[pc] { pendingCount += 1 }
                continue
            }
            switch analysis.slots[pc] {
            case .wideSecondHalf:
                break  // the lddw was counted once, at its first slot
            case .trap:
                a.jmp(staticTrap(at: pc))
                pendingCount = 0  // nothing falls through; the count is invisible in this trap
            case .conditionalTrap(let comparison):
                if !provenLoops.isUncounted[pc] { pendingCount += 1 }
                lowerConditionalTrap(comparison, at: pc)
            case .operation(let operation):
                if Self.mayStartFusion(operation), let fused = fusion(at: pc) {
                    // Several slots as one x86 instruction; the later slots' code is empty.
                    emitFused(fused.code)
                    for later in pc + 1..<pc + fused.slots {
                        a.bind(slotLabels[later])
                    }
                    skip = fused.slots - 1
                    if !provenLoops.isUncounted[pc] { pendingCount += fused.slots }
                } else {
                    if !provenLoops.isUncounted[pc] { pendingCount += 1 }
                    lower(operation, at: pc)
                }
            }
        }
    }

    /// Dispatches one instruction to the topic-specific lowering.
    mutating func lower(_ operation: DecodedOperation, at pc: Int) {
        currentSlot = pc
        switch operation {
        case .alu(let op, let width, let dst, let source):
            lowerALU(op, OperandWidth(width), dst: dst, source: source, at: pc)
        case .negate(let width, let dst):
            a.unary(.neg, OperandWidth(width), r(dst))
        case .moveSignExtended(let width, let dst, let src, let bits):
            lowerMove(OperandWidth(width), r(dst), .register(r(src)), signExtendFrom: bits)
        case .byteSwap(let swap, let dst):
            lowerByteSwap(r(dst), bits: swap.bits, reversesBytes: swap.reversesBytes)
        case .loadImmediate64(let dst, _, let value):
            // Only constants and function addresses (their target's slot index) reach here: an
            // lddw with a map or variable reference is a trap slot.
            let target = DecodedProgram.functionAddressTarget(of: operation, at: pc)
            lowerLoadImmediate(dst: dst, value: target.map { UInt64($0) } ?? value)
        case .load(let size, let dst, let base, let offset, let signExtends):
            lowerLoad(size, dst: dst, base: base, offset: offset, signExtends: signExtends, at: pc)
        case .store(let size, let base, let offset, let value):
            lowerStore(size, base: base, offset: offset, value: value, at: pc)
        case .atomic(let op, let size, let base, let offset, let src):
            lowerAtomicAccess(op, size, base: base, offset: offset, src: src, at: pc)
        case .packetLoad(let size, let index, let immediate):
            lowerPacketLoad(size, index: index, immediate: immediate)
        case .jump(let target):
            emitBranch(nil, from: pc, to: target)
        case .conditionalJump(let condition, let width, let dst, let source, let target):
            emitBranch(Comparison(condition: condition, width: width, dst: dst, source: source), from: pc, to: target)
            for copy in sunkCopies.onFallThrough[pc] ?? [] { lowerSunkCopy(at: copy) }
        case .callHelper(let id):
            lowerHelperCall(id: id, at: pc)
        case .callRegister(let dst):
            lowerRegisterCall(dst: dst, at: pc)
        case .callLocal(let target):
            lowerLocalCall(target: target, at: pc)
        case .exit:
            // From a local function the caller counts on, so the count must be current.
            if analysis.hasLocalCalls { flushCount() }
            pendingCount = 0
            emitExit()
        }
    }

    /// Whether an instruction that clobbers `register` (division's rax/rdx, a shift's rcx) must
    /// save it: when it holds JIT state, or an eBPF register that may be read after the slot
    /// being lowered (``RegisterLiveness``).
    func mustPreserve(_ register: X86Register) -> Bool {
        guard liveRegisters.contains(register) else { return false }
        if register == map.context || register == map.scratch || (budgetEnabled && register == map.counter)
            || register == stackBaseRegister {
            return true
        }
        // eBPF registers only, possibly several (an allocated map shares registers whose values never overlap).
        for n in 0...10 where analysis.usesRegister[n] && map.ebpf[n] == register {
            if liveness.isLive(UInt8(n), after: currentSlot) { return true }
        }
        return false
    }
}
