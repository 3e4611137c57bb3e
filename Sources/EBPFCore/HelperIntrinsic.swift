/// A helper the engines carry out themselves instead of calling its ``HelperFunction/body``,
/// because it runs code of the program: both engines (and the verifier) recognise it by this tag
/// on the registered ``HelperFunction``, whatever its id.
public enum HelperIntrinsic: Sendable, Hashable {
    /// `long bpf_loop(u32 nr_loops, void *callback_fn, void *callback_ctx, u64 flags)` (the
    /// kernel's helper 181): with `flags` not 0, returns -EINVAL; with `nr_loops` (its low 32 bits)
    /// above ``maxLoops``, -E2BIG; otherwise calls `long callback_fn(u32 index, void *ctx)` with
    /// `index` = 0, 1, ... and `ctx` = `callback_ctx`, in a new stack frame as a `call local`
    /// does, until it has run `nr_loops` times or returns nonzero, and returns the number of
    /// calls made.
    ///
    /// `callback_fn` is a function address: the slot index an `lddw` of
    /// ``LoadImmediateKind/codeAddress`` loads. A value that is not one of the program's
    /// function-address targets (``ControlFlowGraph/functionAddressTargets``) traps with
    /// ``ExecutionTrap/invalidInstruction(pc:reason:)`` at the call, after the checks of
    /// `flags` and `nr_loops`. Each call of the callback counts as a local call: the instruction
    /// budget is checked before it (the trap's pc is the `bpf_loop` call) and a callback that
    /// would be the ninth frame traps with ``ExecutionTrap/callDepthExceeded(pc:depth:)``. At
    /// the callback's entry R0, R3, R4 and R5 are 0 and R6–R9 are the caller's.
    case loop

    /// The largest `nr_loops` `bpf_loop` accepts (the kernel's `BPF_MAX_LOOPS`, 8 Mi).
    public static let maxLoops: UInt64 = 1 << 23
    /// `bpf_loop`'s result for nonzero flags: -EINVAL.
    public static let invalidArgumentResult = UInt64(bitPattern: -22)
    /// `bpf_loop`'s result for `nr_loops` above ``maxLoops``: -E2BIG.
    public static let tooManyLoopsResult = UInt64(bitPattern: -7)

    /// The reason of the trap for a `callback_fn` that is not a function address of the program.
    public static func invalidCallbackReason(_ value: UInt64) -> String {
        "bpf_loop callback \(Int64(bitPattern: value)) is not a function address of the program"
    }
}
