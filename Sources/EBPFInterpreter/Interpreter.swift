import EBPFCore

/// The reference interpreter: runs a ``Program`` directly, one instruction at a time, checking
/// every memory access, the call depth and the instruction budget at run time.
///
/// It is the oracle other engines are tested against, so it implements the shared run-time
/// semantics exactly (see ``ProgramRunner``). Building an interpreter does the one-time work
/// (translating the program's decoded form into dispatch slots, resolving helpers);
/// ``run(memory:stack:)`` then allocates nothing on the heap in the common case, and several
/// threads may run the same interpreter at once.
///
/// Aligned atomic instructions are atomic against other threads touching the same memory (for
/// example programs on several threads sharing a map); misaligned ones are plain
/// read-modify-write sequences.
///
/// ```swift
/// let interpreter = Interpreter(program: program, helpers: .conformance)
/// var packet: [UInt8] = [1, 2, 3, 4]
/// let r0 = try interpreter.run(&packet)
/// ```
public struct Interpreter: ProgramRunner, Sendable {
    /// The program as given.
    public let program: Program
    /// The helpers `call N` and `callx` can reach.
    public let helpers: HelperRegistry
    /// The instruction budget (checked on taken backward jumps) and the stack layout.
    public let limits: ExecutionLimits
    /// Memory besides the input and the stack that programs may access, such as map storage
    /// (added for EBPFRuntime's maps; checked on the slow path of an access, like the regions
    /// helpers return).
    public let extraRegions: [MemoryRegion]

    /// The slots as the dispatch loop reads them: ``program``'s decoded operations
    /// (``Program/decoded``) as ``DispatchSlot``s plus one final marker slot, with superinstructions
    /// fused in, and the immediate of each helper `call` an index into `resolvedHelpers` (-1: not
    /// registered). Every slot that cannot run is a marker operation (``DispatchOperation/trap``
    /// or ``DispatchOperation/conditionalJumpToBadTarget``), which raises the slot's static trap;
    /// ``DispatchSlot/slots(of:)`` states the invariant that keeps `pc` inside the buffer.
    let dispatchSlots: [DispatchSlot]
    let resolvedHelpers: [ResolvedHelper]
    /// The program's function addresses (``EBPFCore/ControlFlowGraph/functionAddressTargets``):
    /// the values `bpf_loop` accepts as its callback.
    let callbackTargets: [Int]

    /// Prepares `program` to run. Never fails: a slot that cannot run (possible only with
    /// ``Program/init(unchecked:)``) or a jump to a bad target traps when control reaches it.
    /// Works from ``Program/decoded``, the program's one decoding.
    public init(
        program: Program, helpers: HelperRegistry = HelperRegistry(), limits: ExecutionLimits = ExecutionLimits(),
        extraRegions: [MemoryRegion] = []
    ) {
        self.program = program
        self.helpers = helpers
        self.limits = limits
        self.extraRegions = extraRegions

        let decoded = program.decoded
        var slots = DispatchSlot.slots(of: decoded)
        var resolved: [ResolvedHelper] = []
        var indexByHelperID: [Int32: Int32] = [:]
        for index in 0..<decoded.count where slots[index].operation == .callHelper {
            let id = slots[index].immediate
            if let known = indexByHelperID[id] {
                slots[index].immediate = known
            } else if let helper = helpers[id], helper.intrinsic == .loop {
                slots[index] = DispatchSlot(.callLoop)
            } else if let helper = helpers[id] {
                let newIndex = Int32(resolved.count)
                resolved.append(ResolvedHelper(helper))
                indexByHelperID[id] = newIndex
                slots[index].immediate = newIndex
            } else {
                slots[index].immediate = -1
            }
        }
        DispatchSlot.fusePairs(in: &slots, of: decoded)
        self.dispatchSlots = slots
        self.resolvedHelpers = resolved
        self.callbackTargets = decoded.controlFlow.functionAddressTargets
    }

    /// Runs the program with R1 = `memory.baseAddress` (0 when empty), R2 = `memory.count`,
    /// R10 = the top of the stack area, and returns R0.
    ///
    /// - Parameter stack: at least ``ExecutionLimits/stackSize`` bytes used as the stack area, or
    ///   `nil` for a zero-filled ``StackArea`` of the interpreter's own (in this call's frame).
    public func run(
        memory: UnsafeMutableRawBufferPointer, stack: UnsafeMutableRawBufferPointer?
    ) throws(ExecutionTrap) -> UInt64 {
        try runReportingCount(memory: memory, stack: stack).result
    }

    /// Like ``run(memory:stack:)``, and also returns how many instructions ran (an `lddw` and a
    /// call count once each), the same count the instruction budget is checked against.
    public func runReportingCount(
        memory: UnsafeMutableRawBufferPointer, stack: UnsafeMutableRawBufferPointer?
    ) throws(ExecutionTrap) -> (result: UInt64, executed: UInt64) {
        if let stack {
            StackArea.precondition(holds: stack)
            return try execute(memory: memory, stack: stack)
        }
        return try StackArea.withZeroFilled { (ownStack) throws(ExecutionTrap) in
            try execute(memory: memory, stack: ownStack)
        }
    }

    /// Like ``runReportingCount(memory:stack:)``, over a copy of `bytes` that the program may
    /// modify and that is written back.
    public func runReportingCount(_ bytes: inout [UInt8]) throws(ExecutionTrap) -> (result: UInt64, executed: UInt64) {
        var outcome: Result<(result: UInt64, executed: UInt64), ExecutionTrap> = .success((0, 0))
        bytes.withUnsafeMutableBytes { buffer in
            do throws(ExecutionTrap) {
                outcome = .success(try runReportingCount(memory: buffer, stack: nil))
            } catch {
                outcome = .failure(error)
            }
        }
        return try outcome.get()
    }
}
