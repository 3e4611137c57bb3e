/// What one instruction does, with typed operands: the form every stage after the decoder works
/// on, so that no stage reads opcode bits again (as PREVAIL's unmarshaller turns bytes into
/// `Bin`/`Un`/`Jmp`/`Mem`/`Call` before its analyses run).
///
/// Registers are numbers 0–10. Jump and local-call targets are absolute slot indexes, worked out
/// once (`pc + 1 + offset`); a target may lie outside the program or on the second slot of an
/// `lddw`, which ``DecodedProgram/staticTraps`` reports.
public enum DecodedOperation: Sendable, Hashable {
    /// `dst = dst OP source` (for `mov`, `dst = source`) at `width`; 32-bit results are
    /// zero-extended.
    case alu(BinaryOperator, ALUWidth, dst: UInt8, source: Operand)
    /// `dst = -dst` at `width`.
    case negate(ALUWidth, dst: UInt8)
    /// `movsx`: `dst = sign-extend(low fromBits of src)` to `width` (zero-extended beyond 32 bits in
    /// the 32-bit form). `fromBits` is 8, 16 or 32 (32 only for the 64-bit form).
    case moveSignExtended(ALUWidth, dst: UInt8, src: UInt8, fromBits: Int)
    /// `le`/`be`/`bswap` on dst.
    case byteSwap(ByteSwap, dst: UInt8)
    /// `lddw`: for ``LoadImmediateKind/constant``, `dst = value`; the other kinds name a map (fd
    /// or index in the low 32 bits, a value offset in the high 32 bits) or an address, which
    /// only a linker or the verifier resolves.
    case loadImmediate64(dst: UInt8, kind: LoadImmediateKind, value: UInt64)
    /// `ldx`: `dst = *(size *)(base + offset)`, zero-extended, or sign-extended for `ldxs`.
    case load(MemorySize, dst: UInt8, base: UInt8, offset: Int16, signExtends: Bool)
    /// `st`/`stx`: `*(size *)(base + offset) = value`.
    case store(MemorySize, base: UInt8, offset: Int16, value: Operand)
    /// An atomic read-modify-write of a word or double word at `base + offset` with `src`.
    case atomic(AtomicOperation, MemorySize, base: UInt8, offset: Int16, src: UInt8)
    /// Legacy packet load (`ldabs`/`ldind`): R0 = the big-endian value at `immediate` (plus
    /// `index` for `ldind`) in the input memory.
    case packetLoad(MemorySize, index: UInt8?, immediate: Int32)
    /// `ja` / `ja32` (gotol): always jump to `target`.
    case jump(target: Int)
    /// A conditional jump to `target` when `dst CONDITION source` holds at `width`; otherwise
    /// fall through.
    case conditionalJump(BranchCondition, ALUWidth, dst: UInt8, source: Operand, target: Int)
    /// `call N`: the helper with this id (`immediate`).
    case callHelper(Int32)
    /// `call local`: a bpf-to-bpf call to the subprogram starting at `target`.
    case callLocal(target: Int)
    /// `callx dst`: the helper whose id is in register `dst`.
    case callRegister(UInt8)
    /// Return R0 (from a subprogram: to the caller).
    case exit

    /// The slot control may transfer to besides the next one: jump and conditional-jump targets,
    /// local-call targets. `nil` for everything else.
    @inlinable public var branchTarget: Int? {
        switch self {
        case .jump(let target), .conditionalJump(_, _, _, _, let target), .callLocal(let target): target
        default: nil
        }
    }

    /// How many slots the instruction takes: 2 for `lddw`, 1 for everything else.
    @inlinable public var slotCount: Int {
        if case .loadImmediate64 = self { 2 } else { 1 }
    }

    /// Whether control can continue at the next instruction (false for `ja`, `exit`).
    @inlinable public var fallsThrough: Bool {
        switch self {
        case .jump, .exit: false
        default: true
        }
    }

    /// Whether the instruction is a jump, call or exit (class JMP or JMP32): the ones that end a
    /// basic block.
    @inlinable public var isControlTransfer: Bool {
        switch self {
        case .jump, .conditionalJump, .callHelper, .callLocal, .callRegister, .exit: true
        default: false
        }
    }

    /// Whether the instruction reads or writes memory through a register (`ldx`, `st`, `stx`,
    /// atomics); the legacy packet loads are not counted.
    @inlinable public var isMemoryAccess: Bool {
        switch self {
        case .load, .store, .atomic: true
        default: false
        }
    }

    /// The registers the instruction reads and writes. Calls follow the calling convention: a
    /// helper reads R1–R5 and writes R0–R5 (R1–R5 become undefined); `exit` reads R0; a local call
    /// reads R1–R5 and writes R0–R5 in the caller's view. (Inlinable: the JIT asks it of every
    /// slot of every program it compiles.)
    @inlinable public var registerEffects: (reads: RegisterMask, writes: RegisterMask) {
        switch self {
        case .alu(let op, _, let dst, let source):
            let sourceRead = source.register.map { RegisterMask.register($0) } ?? []
            return (op == .mov ? sourceRead : sourceRead.union(.register(dst)), .register(dst))
        case .negate(_, let dst), .byteSwap(_, let dst):
            return (.register(dst), .register(dst))
        case .moveSignExtended(_, let dst, let src, _):
            return (.register(src), .register(dst))
        case .loadImmediate64(let dst, _, _):
            return ([], .register(dst))
        case .load(_, let dst, let base, _, _):
            return (.register(base), .register(dst))
        case .store(_, let base, _, let value):
            return (value.register.map { RegisterMask.register($0).union(.register(base)) } ?? .register(base), [])
        case .atomic(let op, _, let base, _, let src):
            switch op {
            case .add, .or, .and, .xor:
                return ([.register(base), .register(src)], [])
            case .fetchAdd, .fetchOr, .fetchAnd, .fetchXor, .xchg:
                return ([.register(base), .register(src)], .register(src))
            case .cmpxchg:
                return ([.register(base), .register(src), .register(0)], .register(0))
            }
        case .packetLoad(_, let index, _):
            // The engines read the input memory through its base, not through a register, and
            // write only R0.
            return (index.map { RegisterMask.register($0) } ?? [], .register(0))
        case .jump:
            return ([], [])
        case .conditionalJump(_, _, let dst, let source, _):
            let sourceRead = source.register.map { RegisterMask.register($0) } ?? []
            return (sourceRead.union(.register(dst)), [])
        case .callHelper, .callLocal:
            return (.arguments, .callerSaved)
        case .callRegister(let dst):
            return (RegisterMask.arguments.union(.register(dst)), .callerSaved)
        case .exit:
            return (.register(0), [])
        }
    }
}
