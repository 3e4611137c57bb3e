import EBPFCore

/// The trap record of a JIT run context (``RunContextLayout/trapKind`` to
/// ``RunContextLayout/trapDetail``): what the trap stubs (``Lowering/emitTrapRecord(kind:pc:value:detail:)``)
/// and the access slow path (``RuntimeSupport/checkAccess``) write when a run stops, and the one
/// place it becomes an ``ExecutionTrap`` (``trap(counterStart:staticTraps:)``).
///
/// The fields by ``TrapKind``, as written and as read here:
///
/// | kind | value | detail | trap |
/// |---|---|---|---|
/// | ``TrapKind/outOfBounds`` | address | `size << 1 \| isWrite` | `.outOfBounds(pc, address, size, isWrite)` |
/// | ``TrapKind/budgetExhausted`` | the budget counter | — | `.budgetExhausted(pc, counter − counterStart)` |
/// | ``TrapKind/callDepthExceeded`` | the depth limit | — | `.callDepthExceeded(pc, ExecutionLimits.maxCallDepth)` |
/// | ``TrapKind/unknownHelper`` | helper id | — | `.unknownHelper(pc, id)` |
/// | ``TrapKind/invalidInstruction`` | — | index into the static traps | that static trap |
/// | ``TrapKind/invalidCallback`` | `bpf_loop`'s callback | — | `.invalidInstruction(pc, reason)` |
///
/// Until a run traps the record is not initialised except `kind` (0): the other fields are read
/// only when `kind` is non-zero. While an access's slow path runs, `detail` holds the access's
/// ``accessInfo(pc:size:isWrite:)``, which becomes the out-of-bounds record if it traps.
struct TrapRecord: Equatable {
    var kind: UInt64
    var pc: UInt64
    var value: UInt64
    var detail: UInt64

    init(kind: TrapKind, pc: Int, value: UInt64, detail: Int64) {
        self.kind = UInt64(kind.rawValue)
        self.pc = UInt64(bitPattern: Int64(pc))
        self.value = value
        self.detail = UInt64(bitPattern: detail)
    }

    /// A record from its four words as they lie in a context block.
    init(rawKind: UInt64, pc: UInt64, value: UInt64, detail: UInt64) {
        self.kind = rawKind
        self.pc = pc
        self.value = value
        self.detail = detail
    }

    /// The record in `context`.
    init(in context: JITRunContext) {
        kind = context[RunContextLayout.trapKind]
        pc = context[RunContextLayout.trapPC]
        value = context[RunContextLayout.trapValue]
        detail = context[RunContextLayout.trapDetail]
    }

    /// Stores the record into `context`.
    func write(to context: JITRunContext) {
        context[RunContextLayout.trapKind] = kind
        context[RunContextLayout.trapPC] = pc
        context[RunContextLayout.trapValue] = value
        context[RunContextLayout.trapDetail] = detail
    }

    /// What an access's slow path finds in the `detail` field: `pc << 5 | size << 1 | isWrite`
    /// (size 1–8 fits the 4 bits between).
    static func accessInfo(pc: Int, size: Int, isWrite: Bool) -> UInt64 {
        UInt64(pc) << 5 | UInt64(size) << 1 | (isWrite ? 1 : 0)
    }

    /// The access size an ``accessInfo(pc:size:isWrite:)`` holds.
    static func accessSize(info: UInt64) -> UInt64 {
        (info >> 1) & 0xf
    }

    /// The out-of-bounds record for the access `info` describes, at `address`.
    static func outOfBounds(address: UInt64, accessInfo info: UInt64) -> TrapRecord {
        TrapRecord(kind: .outOfBounds, pc: Int(info >> 5), value: address, detail: Int64(info & 0x1f))
    }

    /// The trap the record describes, or `nil` when `kind` is 0 (or not a kind).
    ///
    /// - Parameters:
    ///   - counterStart: the budget counter's value at entry (``RunContextLayout/counterStart``):
    ///     the counter minus it is the number of instructions executed.
    ///   - staticTraps: the invalid-instruction traps by slot (``ProgramAnalysis/staticTraps``).
    func trap(counterStart: UInt64, staticTraps: StaticTrapTable) -> ExecutionTrap? {
        guard let kind = TrapKind(rawValue: Int32(truncatingIfNeeded: kind)) else { return nil }
        let pc = Int(Int64(bitPattern: pc))
        switch kind {
        case .none:
            return nil
        case .outOfBounds:
            return .outOfBounds(pc: pc, address: value, size: Int(detail >> 1), isWrite: detail & 1 != 0)
        case .budgetExhausted:
            return .budgetExhausted(pc: pc, executed: value &- counterStart)
        case .callDepthExceeded:
            return .callDepthExceeded(pc: pc, depth: ExecutionLimits.maxCallDepth)
        case .unknownHelper:
            return .unknownHelper(pc: pc, id: Int64(bitPattern: value))
        case .invalidCallback:
            return .invalidInstruction(pc: pc, reason: HelperIntrinsic.invalidCallbackReason(value))
        case .invalidInstruction:
            let index = Int(Int64(bitPattern: detail))
            if index >= 0, index < staticTraps.count, let trap = staticTraps[index] { return trap }
            return .invalidInstruction(pc: pc, reason: "invalid instruction")
        }
    }
}

/// What the trap record's `trapKind` field holds (see ``TrapRecord`` for the other fields).
enum TrapKind: Int32 {
    case none = 0
    case outOfBounds = 1
    case budgetExhausted = 2
    case callDepthExceeded = 3
    case unknownHelper = 4
    case invalidInstruction = 5
    /// `bpf_loop` given a callback that is not a function address of the program; the value is
    /// the callback.
    case invalidCallback = 6
}
