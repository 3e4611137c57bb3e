import EBPFCore

/// Emits the eBPF for one classic program, instruction by instruction, with jumps to labels
/// that ``finish()`` resolves once every instruction's position is known.
struct ClassicEmitter {
    /// Where a jump goes: the first eBPF instruction of a classic instruction, or the shared
    /// `return 0` at the end.
    enum Label: Hashable {
        case classic(Int)
        case returnZero
    }

    // The register map; see ``ClassicTranslator``.
    static let a: UInt8 = 0
    static let context: UInt8 = 1
    static let x: UInt8 = 7
    static let tmp: UInt8 = 8
    /// A test chain's accumulator: non-zero once one of its tests failed (``ClassicTestChains``).
    static let rejected: UInt8 = 6
    static let length: UInt8 = 9
    static let frame: UInt8 = 10

    let kind: ClassicFilterKind
    /// Bytes in the context before the packet's first byte.
    let packetOffset: Int32
    private(set) var slots: [Instruction] = []
    private var fixups: [(slot: Int, label: Label, classicIndex: Int)] = []
    private(set) var classicStarts: [Int] = []
    private var currentClassic = -1
    /// How each instruction takes part in a test chain (all `.plain` unless set).
    var chains: ClassicTestChains?
    /// What is known of A and X at each instruction (nothing unless set).
    var facts: ClassicRegisterFacts?
    /// Where the first classic `ret #0` emitted starts: the shared `return 0`.
    private var returnZeroSlot: Int?

    init(kind: ClassicFilterKind) {
        self.kind = kind
        packetOffset = kind == .capturedPacket ? Int32(CapturedPacketLayout.headerSize) : 0
    }

    // MARK: Encoding helpers, one per eBPF shape used.

    mutating func alu32(_ op: ALUOperation, _ dst: UInt8, imm: UInt32) {
        slots.append(Instruction(opcode: InstructionClass.alu.rawValue | op.rawValue, dst: dst, immediate: Int32(bitPattern: imm)))
    }

    mutating func alu32(_ op: ALUOperation, _ dst: UInt8, src: UInt8) {
        slots.append(Instruction(opcode: InstructionClass.alu.rawValue | op.rawValue | OperandSource.register.rawValue, dst: dst, src: src))
    }

    mutating func alu64(_ op: ALUOperation, _ dst: UInt8, imm: Int32) {
        slots.append(Instruction(opcode: InstructionClass.alu64.rawValue | op.rawValue, dst: dst, immediate: imm))
    }

    mutating func alu64(_ op: ALUOperation, _ dst: UInt8, src: UInt8) {
        slots.append(Instruction(opcode: InstructionClass.alu64.rawValue | op.rawValue | OperandSource.register.rawValue, dst: dst, src: src))
    }

    mutating func loadWord(_ dst: UInt8, base: UInt8, offset: Int16) {
        slots.append(Instruction(opcode: InstructionClass.ldx.rawValue | MemoryMode.mem.rawValue | MemorySize.word.rawValue, dst: dst, src: base, offset: offset))
    }

    mutating func storeWord(base: UInt8, offset: Int16, src: UInt8) {
        slots.append(Instruction(opcode: InstructionClass.stx.rawValue | MemoryMode.mem.rawValue | MemorySize.word.rawValue, dst: base, src: src, offset: offset))
    }

    mutating func legacyLoad(_ mode: MemoryMode, _ size: ClassicSize, src: UInt8 = 0, imm: Int32) {
        let width: MemorySize = switch size {
        case .word: .word
        case .half: .half
        case .byte: .byte
        }
        slots.append(Instruction(opcode: InstructionClass.ld.rawValue | mode.rawValue | width.rawValue, src: src, immediate: imm))
    }

    /// A conditional jump to `label`; `jmp32` compares the low 32 bits, `jmp` all 64.
    mutating func jump(_ op: JumpOperation, wide: Bool = false, _ dst: UInt8, imm: UInt32, to label: Label) {
        let cls: InstructionClass = wide ? .jmp : .jmp32
        fixups.append((slots.count, label, currentClassic))
        slots.append(Instruction(opcode: cls.rawValue | op.rawValue, dst: dst, immediate: Int32(bitPattern: imm)))
    }

    mutating func jump(_ op: JumpOperation, _ dst: UInt8, src: UInt8, to label: Label) {
        fixups.append((slots.count, label, currentClassic))
        slots.append(Instruction(opcode: InstructionClass.jmp32.rawValue | op.rawValue | OperandSource.register.rawValue, dst: dst, src: src))
    }

    mutating func jumpAlways(to label: Label) {
        fixups.append((slots.count, label, currentClassic))
        slots.append(Instruction(opcode: Opcode.ja))
    }

    /// A jump over the next `count` slots (inside one classic instruction's code).
    mutating func skip(_ op: JumpOperation, wide: Bool = false, _ dst: UInt8, imm: UInt32, over count: Int16) {
        let cls: InstructionClass = wide ? .jmp : .jmp32
        slots.append(Instruction(opcode: cls.rawValue | op.rawValue, dst: dst, offset: count, immediate: Int32(bitPattern: imm)))
    }

    mutating func exit() {
        slots.append(Instruction(opcode: Opcode.exit))
    }

    mutating func returnConstant(_ value: UInt32) {
        alu32(.mov, Self.a, imm: value)
        exit()
    }

    // MARK: Program structure

    /// What the classic program needs before its first instruction, and nothing else: the
    /// length in R9 when it reads `len`, A = 0 and X = 0 when some path reads them unwritten
    /// (``ClassicRegisterUse``). The context stays in R1, which nothing the translation emits
    /// writes (legacy loads write only R0). A captured-packet context too short for its wire
    /// length word holds no packet: the program returns 0.
    mutating func emitPrologue(_ use: ClassicRegisterUse) {
        switch kind {
        case .socketFilter:
            if use.readsLength { alu32(.mov, Self.length, src: 2) }
        case .capturedPacket:
            skip(.jge, wide: true, 2, imm: UInt32(CapturedPacketLayout.headerSize), over: 2)
            returnConstant(0)
            if use.readsLength { loadWord(Self.length, base: Self.context, offset: 0) }
        case .seccomp:
            break
        }
        if use.readsAUnwritten { alu32(.mov, Self.a, imm: 0) }
        if use.readsXUnwritten { alu32(.mov, Self.x, imm: 0) }
    }

    mutating func begin(classicIndex: Int) {
        currentClassic = classicIndex
        classicStarts.append(slots.count)
    }

    /// Resolves every jump and appends the shared `return 0` if anything jumps to it and the
    /// program has no `ret #0` of its own after every such jump.
    mutating func finish() throws(ClassicTranslationError) -> [Instruction] {
        let jumpsToReturnZero = fixups.filter { $0.label == .returnZero }.map(\.slot)
        // Only forward: a jump back would be a back-edge to the verifier.
        var returnZeroIndex = returnZeroSlot.flatMap { slot in jumpsToReturnZero.allSatisfy { $0 < slot } ? slot : nil }
        if returnZeroIndex == nil, !jumpsToReturnZero.isEmpty {
            returnZeroIndex = slots.count
            returnConstant(0)
        }
        for fixup in fixups {
            let target = switch fixup.label {
            case .classic(let index): classicStarts[index]
            case .returnZero: returnZeroIndex!
            }
            let offset = target - (fixup.slot + 1)
            guard let encoded = Int16(exactly: offset) else { throw .jumpTooFar(index: fixup.classicIndex) }
            slots[fixup.slot].offset = encoded
        }
        return slots
    }

    /// `M[slot]`'s offset from R10.
    static func scratchOffset(_ slot: UInt32) -> Int16 {
        Int16(-4 * ClassicLimits.scratchWords) + 4 * Int16(slot)
    }

    /// Emits the code for instruction `index` of the checked classic program `instructions`.
    mutating func emit(_ instructions: [ClassicInstruction], at index: Int) {
        let instruction = instructions[index]
        let k = instruction.k
        // Checked programs only hold known codes.
        guard let operation = instruction.operation else { return }
        let role = chains?.roles[index] ?? .plain
        switch operation {
        case .loadAbsolute(let size):
            if kind == .seccomp {
                loadWord(Self.a, base: Self.context, offset: Int16(k))
            } else if let offset = packetImmediate(k) {
                legacyLoad(.abs, size, imm: offset)
            } else {
                returnConstant(0)
            }
        case .loadIndirect(let size):
            emitIndirectLoad(size, k: k, xBound: facts?.xBound[index] ?? nil)
        case .loadLength:
            loadLength(into: Self.a)
        case .loadXLength:
            loadLength(into: Self.x)
        case .loadImmediate:
            alu32(.mov, Self.a, imm: k)
        case .loadXImmediate:
            alu32(.mov, Self.x, imm: k)
        case .loadScratch:
            loadWord(Self.a, base: Self.frame, offset: Self.scratchOffset(k))
        case .loadXScratch:
            loadWord(Self.x, base: Self.frame, offset: Self.scratchOffset(k))
        case .store:
            storeWord(base: Self.frame, offset: Self.scratchOffset(k), src: Self.a)
        case .storeX:
            storeWord(base: Self.frame, offset: Self.scratchOffset(k), src: Self.x)
        case .loadXHeaderLength:
            guard let offset = packetImmediate(k) else { return returnConstant(0) }
            // X = 4 * (P[k] & 0xf), borrowing R0 for the byte load (and keeping A in R8 around
            // it unless no path reads A before writing it).
            let keepsA = facts?.aLiveAfter[index] ?? true
            if keepsA { alu64(.mov, Self.tmp, src: Self.a) }
            legacyLoad(.abs, .byte, imm: offset)
            alu32(.and, Self.a, imm: 0xf)
            alu32(.lsh, Self.a, imm: 2)
            alu32(.mov, Self.x, src: Self.a)
            if keepsA { alu64(.mov, Self.a, src: Self.tmp) }
        case .alu(let op, let source):
            emitALU(op, source, k: k)
        case .negate:
            slots.append(Instruction(opcode: InstructionClass.alu.rawValue | ALUOperation.neg.rawValue, dst: Self.a))
        case .tax:
            alu32(.mov, Self.x, src: Self.a)
        case .txa:
            alu32(.mov, Self.a, src: Self.x)
        case .returnK:
            if role == .terminal {
                alu32(.mov, Self.a, imm: k)
                maskByRejection()
                exit()
            } else {
                if k == 0 && returnZeroSlot == nil { returnZeroSlot = slots.count }
                returnConstant(k)
            }
        case .returnA:
            if role == .terminal { maskByRejection() }
            exit()
        case .jumpAlways:
            jumpAlways(to: .classic(index + 1 + Int(k)))
        case .jump(let op, let source):
            if case .folded(let first, let last, let rejectsWhenTrue) = role {
                emitFoldedTest(op, source, k: k, rejectsWhenTrue: rejectsWhenTrue, first: first, last: last)
            } else if role == .dropped {
                return
            } else if let returns = Self.returnSelect(instructions, at: index) {
                emitSelect(op, source, k: k, whenTrue: returns.whenTrue, whenFalse: returns.whenFalse, masked: role == .terminal)
            } else {
                emitConditional(op, source, instruction, at: index)
            }
        }
    }

    /// The legacy load immediate for packet offset `k`, or nil when no packet can be that long
    /// (the load always fails, so the program returns 0).
    private func packetImmediate(_ k: UInt32) -> Int32? {
        Self.packetImmediate(k, packetOffset: packetOffset)
    }

    private static func packetImmediate(_ k: UInt32, packetOffset: Int32) -> Int32? {
        guard k <= UInt32(Int32.max - packetOffset) else { return nil }
        return Int32(k) + packetOffset
    }

    /// Whether `instruction` is a packet load so far out that it always fails: it is translated
    /// to `return 0`, and what follows it is unreachable.
    static func alwaysReturnsZero(_ instruction: ClassicInstruction, kind: ClassicFilterKind) -> Bool {
        guard kind != .seccomp else { return false }
        let packetOffset = kind == .capturedPacket ? Int32(CapturedPacketLayout.headerSize) : 0
        switch instruction.operation {
        case .loadAbsolute?, .loadXHeaderLength?: return packetImmediate(instruction.k, packetOffset: packetOffset) == nil
        case .loadIndirect?: return instruction.k > UInt32(Int32.max)
        default: return false
        }
    }

    private mutating func loadLength(into register: UInt8) {
        if kind == .seccomp {
            alu32(.mov, register, imm: UInt32(SeccompData.byteCount))
        } else {
            alu32(.mov, register, src: Self.length)
        }
    }

    /// `A = P[X + k]`. The engines add `X + imm` in 32 bits, which could wrap where classic BPF
    /// sees an offset past the packet, so the sum is formed in 64 bits and anything past 2 GiB
    /// (longer than any packet) returns 0 before the load. When X is known to be at most
    /// `xBound` (after `ldx 4*([k]&0xf)`: 60) and the sum cannot pass 2 GiB, the engine's own
    /// 32-bit addition is exact and `ldind` takes X directly.
    private mutating func emitIndirectLoad(_ size: ClassicSize, k: UInt32, xBound: UInt32?) {
        guard k <= UInt32(Int32.max) else { return returnConstant(0) }
        let limit = UInt32(Int32.max) - UInt32(packetOffset) - 4
        if let xBound, UInt64(xBound) + UInt64(k) <= UInt64(limit) {
            legacyLoad(.ind, size, src: Self.x, imm: Int32(k) + packetOffset)
            return
        }
        alu64(.mov, Self.tmp, src: Self.x)
        alu64(.add, Self.tmp, imm: Int32(k))
        jump(.jgt, wide: true, Self.tmp, imm: limit, to: .returnZero)
        legacyLoad(.ind, size, src: Self.tmp, imm: packetOffset)
    }

    private mutating func emitALU(_ op: ClassicALUOperation, _ source: ClassicSource, k: UInt32) {
        let ebpf: ALUOperation = switch op {
        case .add: .add
        case .sub: .sub
        case .mul: .mul
        case .div: .div
        case .or: .or
        case .and: .and
        case .lsh: .lsh
        case .rsh: .rsh
        case .neg: .neg
        case .mod: .mod
        case .xor: .xor
        }
        if source == .k {
            alu32(ebpf, Self.a, imm: k)
            return
        }
        switch op {
        case .div, .mod:
            // Classic BPF ends the program with 0; eBPF would give 0 or leave A unchanged.
            jump(.jeq, Self.x, imm: 0, to: .returnZero)
            alu32(ebpf, Self.a, src: Self.x)
        case .lsh, .rsh:
            // libpcap gives 0 for a shift by 32 or more; eBPF would mask the count.
            skip(.jlt, Self.x, imm: 32, over: 2)
            alu32(.mov, Self.a, imm: 0)
            slots.append(Instruction(opcode: Opcode.ja, offset: 1))
            alu32(ebpf, Self.a, src: Self.x)
        default:
            alu32(ebpf, Self.a, src: Self.x)
        }
    }

    /// The constants a conditional jump chooses between when both its targets are `ret #k`
    /// (a filter's last decision, such as `jeq #0x800 jt ret #262144 jf ret #0`), or nil. Such
    /// a jump is translated without a branch (``emitSelect(_:_:k:whenTrue:whenFalse:)``): on
    /// real traffic the outcome follows the packets, so a branch there is mispredicted about as
    /// often as the outcome changes, and each misprediction costs more than the whole select.
    /// Its targets are then reached only if some other jump goes there.
    static func returnSelect(_ instructions: [ClassicInstruction], at index: Int) -> (whenTrue: UInt32, whenFalse: UInt32)? {
        let instruction = instructions[index]
        guard case .jump? = instruction.operation, instruction.jumpIfTrue != instruction.jumpIfFalse else { return nil }
        let whenTrue = instructions[index + 1 + Int(instruction.jumpIfTrue)]
        let whenFalse = instructions[index + 1 + Int(instruction.jumpIfFalse)]
        guard case .returnK? = whenTrue.operation, case .returnK? = whenFalse.operation else { return nil }
        return (whenTrue.k, whenFalse.k)
    }

    /// `return (A op k/X) ? whenTrue : whenFalse` without a branch. A (and X) are zero-extended
    /// 32-bit values, so a 64-bit difference or `value - 1` is negative exactly when the
    /// comparison says so; an arithmetic shift by 63 turns that sign into a mask of all ones or
    /// zero, which picks between the constants: `base ^ ((whenTrue ^ whenFalse) & mask)`.
    ///
    /// | jump | R0 before the shift | negative when |
    /// |---|---|---|
    /// | `jeq` | `(A ^ k) - 1` | true |
    /// | `jset` | `(A & k) - 1` | false |
    /// | `jge` | `A - k` | false |
    /// | `jgt` | `A - k - 1` | false |
    /// `masked`: the select ends a test chain, and gives 0 when one of its tests failed.
    private mutating func emitSelect(_ op: ClassicJumpOperation, _ source: ClassicSource, k: UInt32, whenTrue: UInt32, whenFalse: UInt32, masked: Bool = false) {
        let difference = whenTrue ^ whenFalse
        guard difference != 0 else {
            alu32(.mov, Self.a, imm: whenTrue)
            if masked { maskByRejection() }
            return exit()
        }
        let negativeWhenTrue: Bool
        switch op {
        case .ja, .jeq, .jset:
            let combine: ALUOperation = op == .jset ? .and : .xor
            if source == .k { alu32(combine, Self.a, imm: k) } else { alu32(combine, Self.a, src: Self.x) }
            alu64(.add, Self.a, imm: -1)
            negativeWhenTrue = op != .jset
        case .jge, .jgt:
            let subtrahend = UInt64(k) + (op == .jgt ? 1 : 0)
            if source == .x {
                alu64(.sub, Self.a, src: Self.x)
                if op == .jgt { alu64(.add, Self.a, imm: -1) }
            } else if subtrahend <= 0x8000_0000 {
                if subtrahend != 0 { alu64(.add, Self.a, imm: Int32(truncatingIfNeeded: -Int64(subtrahend))) }
            } else {
                alu32(.mov, Self.tmp, imm: k)
                alu64(.sub, Self.a, src: Self.tmp)
                if op == .jgt { alu64(.add, Self.a, imm: -1) }
            }
            negativeWhenTrue = false
        }
        alu64(.arsh, Self.a, imm: 63)
        alu32(.and, Self.a, imm: difference)
        let base = negativeWhenTrue ? whenFalse : whenTrue
        if base != 0 { alu32(.xor, Self.a, imm: base) }
        if masked { maskByRejection() }
        exit()
    }

    /// A = 0 when the chain's accumulator says a test failed, A unchanged otherwise: the
    /// accumulator is a zero-extended 32-bit value, so `R6 - 1` is negative exactly when it is 0.
    private mutating func maskByRejection() {
        alu64(.add, Self.rejected, imm: -1)
        alu64(.arsh, Self.rejected, imm: 63)
        alu64(.and, Self.a, src: Self.rejected)
    }

    /// One test of a chain (``ClassicTestChains``): ORs into R6 a zero-extended value that is
    /// non-zero exactly when the test rejects; the chain's last test (when no select or return
    /// ends the chain) then branches once to `return 0`. The value is computed in R6 itself for
    /// the chain's first test, in R8 for the others:
    ///
    /// | test | value computed | holds when |
    /// |---|---|---|
    /// | `jeq` | `A ^ k` | 0 |
    /// | `jset` | `A & k` | non-zero |
    /// | `jgt` | `k - A` (64-bit) | negative |
    /// | `jge` | `k - A - 1` (64-bit) | negative |
    ///
    /// and a zero/non-zero or sign condition becomes 0 or 1 with `add -1; rsh 63` (is zero),
    /// `rsh 63` (is negative), `xor32 1` (negated).
    private mutating func emitFoldedTest(_ op: ClassicJumpOperation, _ source: ClassicSource, k: UInt32, rejectsWhenTrue: Bool, first: Bool, last: Bool) {
        let value = first ? Self.rejected : Self.tmp
        switch op {
        case .ja, .jeq, .jset:
            alu32(.mov, value, src: Self.a)
            let combine: ALUOperation = op == .jset ? .and : .xor
            if source == .k { alu32(combine, value, imm: k) } else { alu32(combine, value, src: Self.x) }
            // `A ^ k` is non-zero when jeq fails, `A & k` when jset holds.
            let nonZeroRejects = (op == .jset) == rejectsWhenTrue
            if !nonZeroRejects {
                alu64(.add, value, imm: -1)
                alu64(.rsh, value, imm: 63)
            }
        case .jgt, .jge:
            if source == .k { alu32(.mov, value, imm: k) } else { alu32(.mov, value, src: Self.x) }
            alu64(.sub, value, src: Self.a)
            if op == .jge { alu64(.add, value, imm: -1) }
            alu64(.rsh, value, imm: 63)
            if !rejectsWhenTrue { alu32(.xor, value, imm: 1) }
        }
        if !first { alu32(.or, Self.rejected, src: value) }
        if last { jump(.jne, Self.rejected, imm: 0, to: .returnZero) }
    }

    private mutating func emitConditional(_ op: ClassicJumpOperation, _ source: ClassicSource, _ instruction: ClassicInstruction, at index: Int) {
        let whenTrue = Label.classic(index + 1 + Int(instruction.jumpIfTrue))
        let whenFalse = Label.classic(index + 1 + Int(instruction.jumpIfFalse))
        if instruction.jumpIfTrue == instruction.jumpIfFalse {
            if instruction.jumpIfTrue != 0 { jumpAlways(to: whenTrue) }
            return
        }
        let condition: JumpOperation = switch op {
        case .ja, .jeq: .jeq
        case .jgt: .jgt
        case .jge: .jge
        case .jset: .jset
        }
        let negated: JumpOperation? = switch op {
        case .ja, .jeq: .jne
        case .jgt: .jle
        case .jge: .jlt
        case .jset: nil
        }
        func branch(_ emitter: inout ClassicEmitter, _ cond: JumpOperation, to label: Label) {
            if source == .k {
                emitter.jump(cond, Self.a, imm: instruction.k, to: label)
            } else {
                emitter.jump(cond, Self.a, src: Self.x, to: label)
            }
        }
        if instruction.jumpIfFalse == 0 {
            branch(&self, condition, to: whenTrue)
        } else if instruction.jumpIfTrue == 0, let negated {
            branch(&self, negated, to: whenFalse)
        } else {
            branch(&self, condition, to: whenTrue)
            jumpAlways(to: whenFalse)
        }
    }
}
