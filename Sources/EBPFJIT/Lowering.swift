import EBPFCore
import X86Encoding

/// Translates one eBPF program into x86-64 machine code. One value emits one pass of the
/// assembler; ``JIT`` runs passes until the short-jump layout settles.
///
/// Code layout (the entries and exits: ``Lowering`` + Entry):
/// ```
/// single entry:  prologue (pushes, context block, stack area, R1, R2, R10); without local
///                calls the body follows it, with local calls: call body; return sequence
/// body:          the instructions in order (`exit` is the return sequence, or a `ret` to the
///                caller when local calls make the body a called function)
///                trap for falling off the end
/// exits:         epilogue, trapExit, returnZero (ldabs/ldind out of range)
/// batch entry:   a loop calling the single entry per input
/// cold:          out-of-line stubs: trap records, memory-check slow paths
/// ```
struct Lowering {
    let analysis: ProgramAnalysis
    let helpers: HelperRegistry
    let limits: ExecutionLimits
    let facts: VerifiedFacts?
    let options: JITOptions
    let map: RegisterAllocation
    /// Whether the instruction budget is counted and enforced.
    let budgetEnabled: Bool
    /// Whether local calls check the call depth.
    let depthCheckEnabled: Bool
    /// ``AddressAnalysis`` per slot, or empty when the verifier proved every access safe.
    let accessChecks: [AddressAnalysis.AccessCheck]
    /// Holds the stack area's base for the run-time checks that test the stack area (the spare
    /// register), so they read no memory; nil when no check does.
    let stackBaseRegister: X86Register?
    /// x86 registers holding a used eBPF register or JIT state; what must survive clobbers.
    let liveRegisters: Set<X86Register>
    /// Caller-saved live registers a memory-check slow path saves around its call into Swift
    /// (computed once: every slow path needs the same set).
    let slowPathPreserved: Set<X86Register>
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
    /// x86 offset of each slot's code, filled in while emitting.
    var slotOffsets: [Int] = []
    /// The random seed of this compilation's blinding keys; nil when constants are not blinded.
    var blindingSeed: UInt64?
    /// Keys drawn so far in this pass.
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

    init(analysis: ProgramAnalysis, helpers: HelperRegistry, limits: ExecutionLimits, facts: VerifiedFacts?,
         options: JITOptions, assembler: X86Assembler) {
        self.analysis = analysis
        self.helpers = helpers
        self.limits = limits
        self.facts = facts
        self.options = options
        let map = options.registerAllocation
        self.map = map
        self.budgetEnabled = !(facts?.terminates ?? false)
        self.depthCheckEnabled = analysis.hasLocalCalls && (facts.map { $0.maxCallDepth > ExecutionLimits.maxCallDepth || $0.maxCallDepth <= 0 } ?? true)

        // Loads, stores and atomics the verifier did not prove safe; only they need the JIT's
        // own address analysis (skipped when there are none).
        var unproven: [Int] = []
        for pc in 0..<analysis.slots.count {
            guard let shape = analysis.shapes[pc], [.loadFromMemory, .storeRegister, .storeImmediate].contains(shape) else { continue }
            if !(facts.map { pc < $0.accessIsSafe.count && $0.accessIsSafe[pc] } ?? false) { unproven.append(pc) }
        }
        let accessChecks = unproven.isEmpty ? [] : AddressAnalysis(analysis).checks
        self.accessChecks = accessChecks
        let checksStack = analysis.usesStack && unproven.contains { accessChecks[$0] == .generic }
        self.stackBaseRegister = checksStack ? map.spare : nil
        var live: Set<X86Register> = [map.context, map.scratch]
        if budgetEnabled { live.insert(map.counter) }
        if let stackBaseRegister { live.insert(stackBaseRegister) }
        for n in 0...10 where analysis.usesRegister[n] { live.insert(map.ebpf[n]) }
        self.liveRegisters = live
        self.slowPathPreserved = live.filter { $0.isCallerSaved && $0 != map.scratch }
        let calleeSaved = X86Register.allCases.filter { !$0.isCallerSaved && $0 != .rsp && live.contains($0) }
        self.savedCalleeRegisters = calleeSaved
        // At entry rsp ≡ 8 (mod 16); after k pushes rsp ≡ 8 + 8k; make it ≡ 0.
        self.prologuePadding = calleeSaved.count % 2 == 0 ? 8 : 0
        let saved = (6...10).filter { analysis.usesRegister[$0] }.map { map.ebpf[$0] }
        self.localCallSaved = saved
        // Frame = pushes + return address; keep it ≡ 0 (mod 16).
        self.localCallPadding = (saved.count + 1) % 2 == 0 ? 0 : 8

        var assembler = assembler
        self.trapExit = assembler.newLabel()
        self.epilogue = assembler.newLabel()
        self.returnZero = assembler.newLabel()
        self.slotLabels = (0..<analysis.slots.count).map { _ in assembler.newLabel() }
        self.a = assembler
    }

    /// The eBPF register's x86 register.
    func r(_ n: UInt8) -> X86Register { map.ebpf[Int(n)] }

    /// Emits the whole program.
    mutating func emitProgram() {
        let body = a.newLabel()
        let singleEntry = a.newLabel()
        a.bind(singleEntry)
        emitSingleEntry(body: body, needs: entryNeeds)

        a.bind(body)
        slotOffsets = Array(repeating: 0, count: analysis.slots.count)
        var skip = 0
        for pc in 0..<analysis.slots.count {
            if skip > 0 {
                // A later slot of a fused group: already bound after the group's code.
                skip -= 1
                continue
            }
            // Paths meet here: every one arrives with the counter up to date.
            if analysis.isBranchTarget[pc] { flushCount() }
            if options.alignLoopHeads && analysis.isLoopHead[pc] { a.alignNextInstruction() }
            a.bind(slotLabels[pc])
            slotOffsets[pc] = a.offset
            switch analysis.slots[pc] {
            case .wideSecondHalf:
                break  // the lddw was counted once, at its first slot
            case .trap:
                a.jmp(staticTrap(at: pc))
                pendingCount = 0  // nothing falls through; the count is invisible in this trap
            case .conditionalTrap:
                pendingCount += 1
                lowerConditionalTrap(analysis.instructions[pc], at: pc)
            case .instruction(let descriptor):
                if let fused = fusion(at: pc) {
                    // Several slots as one x86 instruction; the later slots' code is empty.
                    switch fused.code {
                    case .lea(let dst, let address): a.lea(dst, address)
                    case .zeroExtend(let dst, let src): a.mov(.bits32, dst, src)
                    }
                    for later in pc + 1..<pc + fused.slots {
                        a.bind(slotLabels[later])
                        slotOffsets[later] = a.offset
                    }
                    skip = fused.slots - 1
                    pendingCount += fused.slots
                } else {
                    pendingCount += 1
                    lower(analysis.instructions[pc], descriptor: descriptor, at: pc)
                }
            }
        }
        // The end of the body, so listings can tell the last instruction's code from what follows.
        slotOffsets.append(a.offset)
        // Falling off the end.
        a.jmp(staticTrap(at: analysis.slots.count))
        emitExits()
        emitBatchEntry(singleEntry: singleEntry)
        emitColdStubs()
    }

    /// Consecutive slots lowered as one x86 instruction.
    struct Fusion {
        enum Code {
            case lea(X86Register, X86Memory)
            /// `mov dst32, src32` (zero-extends).
            case zeroExtend(X86Register, X86Register)
        }
        let slots: Int
        let code: Code
    }

    /// Idioms of clang's BPF output that one x86 instruction does, within one basic block (no
    /// later slot of the group is a leader: none counts budget or is a jump target):
    /// - `mov64 dst, src` + `add64 dst, imm` / `sub64 dst, imm` / `add64 dst, reg` → `lea dst, [src + imm]` / `[src + reg]`
    ///   (not with constant blinding, which keeps immediates out of the code);
    /// - `[mov64 dst, src] + lsh64 dst, 32 + rsh64 dst, 32` → `mov dst32, src32` (zero-extension).
    func fusion(at pc: Int) -> Fusion? {
        let instructions = analysis.instructions
        /// Slot `pc + k` exists, is a valid instruction, and does not start a block.
        func inBlock(_ k: Int) -> Bool {
            guard pc + k < analysis.slots.count, !analysis.isLeader[pc + k], case .instruction = analysis.slots[pc + k] else { return false }
            return true
        }
        /// `lsh64 dst, 32` at `pc + k` (the caller knows that slot is fine) and `rsh64 dst, 32` after it.
        func isZeroExtension(at k: Int, _ dst: UInt8) -> Bool {
            guard inBlock(k + 1) else { return false }
            let left = instructions[pc + k], right = instructions[pc + k + 1]
            return left.opcode == 0x67 && left.dst == dst && left.immediate == 32
                && right.opcode == 0x77 && right.dst == dst && right.immediate == 32
        }
        let first = instructions[pc]
        if isZeroExtension(at: 0, first.dst) {
            return Fusion(slots: 2, code: .zeroExtend(r(first.dst), r(first.dst)))
        }
        guard first.opcode == 0xbf, first.offset == 0, first.dst != first.src else { return nil }
        let dst = r(first.dst)
        let src = r(first.src)
        if inBlock(1) && isZeroExtension(at: 1, first.dst) {
            return Fusion(slots: 3, code: .zeroExtend(dst, src))
        }
        guard inBlock(1) else { return nil }
        let second = instructions[pc + 1]
        guard second.dst == first.dst else { return nil }
        switch second.opcode {
        case 0x07 where !blindsConstants:
            return Fusion(slots: 2, code: .lea(dst, .at(src, second.immediate)))
        case 0x17 where !blindsConstants && second.immediate != .min:
            return Fusion(slots: 2, code: .lea(dst, .at(src, -second.immediate)))
        case 0x0f where second.src != second.dst:
            return Fusion(slots: 2, code: .lea(dst, X86Memory(base: src, index: r(second.src), scale: 1)))
        default:
            return nil
        }
    }

    /// Dispatches one instruction to the topic-specific lowering.
    mutating func lower(_ instruction: Instruction, descriptor: OpcodeDescriptor, at pc: Int) {
        switch descriptor.instructionClass {
        case .alu, .alu64: lowerALU(instruction, descriptor: descriptor, at: pc)
        case .jmp, .jmp32: lowerJump(instruction, descriptor: descriptor, at: pc)
        case .ld: lowerLoadImmediateOrPacket(instruction, descriptor: descriptor, at: pc)
        case .ldx, .st, .stx: lowerMemory(instruction, descriptor: descriptor, at: pc)
        }
    }
}
