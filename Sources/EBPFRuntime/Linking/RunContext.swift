#if canImport(Glibc)
import Glibc
#endif
import EBPFCore

/// What the helpers need to know about the run in progress on this thread (not to be confused
/// with the JIT's per-call context block): the input memory and stack (to check pointers programs pass, and to start tail-called programs), the regions of the
/// program's maps, the tail-call chain and where `bpf_trace_printk` writes.
///
/// ``LinkedProgram/run(using:memory:trace:)`` keeps one in its stack frame and installs its
/// address in a thread-local slot for the duration of the run; helpers called outside such a run
/// find none and then refuse every pointer argument and fail tail calls.
struct RunContext {
    let memory: UnsafeMutableRawBufferPointer
    var stack: UnsafeMutableRawBufferPointer
    /// The running program's tables; not retained: the program running keeps them alive.
    unowned(unsafe) var tables: LinkedProgramTables
    /// Not retained: the caller of the run keeps it alive.
    unowned(unsafe) let trace: TraceLog?
    /// Tail calls taken so far in this run (the kernel stops at 33).
    var tailCallCount = 0
    /// R0 of the last tail-called program, read by the linked program's tail-call trampoline.
    var tailCallResult: UInt64 = 0
    /// A trap raised inside a tail-called program, rethrown when the outer run returns.
    var pendingTrap: ExecutionTrap?

    static let maxTailCalls = 33

    init(memory: UnsafeMutableRawBufferPointer, stack: UnsafeMutableRawBufferPointer, program: LinkedProgram, trace: TraceLog?) {
        self.memory = memory
        self.stack = stack
        self.tables = program.tables
        self.trace = trace
    }

    /// Whether a helper may touch `[address, address + size)`: inside the input memory, the stack
    /// area or a region of the program's maps, by the rule the engines' access checks use
    /// (``MemoryRegion/contains(start:count:address:size:)``).
    ///
    /// `mutating` although it changes nothing: called on `context.pointee`, a mutating method
    /// gets the context's address, where a non-mutating one got a copy of the whole context (a
    /// `memcpy` and retains of the program's references) on every helper call, about a third
    /// of a map lookup's time.
    mutating func allows(address: UInt64, size: Int) -> Bool {
        guard size >= 0 else { return false }
        let size = UInt64(size)
        if MemoryRegion(memory).contains(address: address, size: size) { return true }
        if StackArea.region(base: UInt64(UInt(bitPattern: stack.baseAddress))).contains(address: address, size: size) {
            return true
        }
        return tables.regions.contains { $0.contains(address: address, size: size) }
    }

    /// The map a program refers to by `address`: one of the running program's maps, found
    /// without a lock, or else any live map (``LiveMaps``); `nil` for any other value.
    ///
    /// `mutating` for the same reason as ``allows(address:size:)``: no copy of the context.
    mutating func map(at address: UInt64) -> BPFMap? {
        for entry in tables.mapsByAddress where entry.address == address { return entry.map }
        return LiveMaps.map(at: address)
    }

    /// The map at `address` for a helper: through the run context when one is installed.
    static func map(at address: UInt64) -> BPFMap? {
        guard let context = current else { return LiveMaps.map(at: address) }
        return context.pointee.map(at: address)
    }

    // MARK: The thread-local slot

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        let status = pthread_key_create(&key, nil)
        precondition(status == 0, "pthread_key_create failed: \(status)")
        return key
    }()

    /// The context of the run in progress on this thread, if any.
    static var current: UnsafeMutablePointer<RunContext>? {
        pthread_getspecific(key)?.assumingMemoryBound(to: RunContext.self)
    }

    /// Runs `body` with `context` installed as ``current`` (restoring the previous one after).
    static func with<R, E: Error>(_ context: inout RunContext, _ body: () throws(E) -> R) throws(E) -> R {
        try withUnsafeMutablePointer(to: &context) { (pointer) throws(E) -> R in
            let previous = pthread_getspecific(key)
            pthread_setspecific(key, pointer)
            defer { pthread_setspecific(key, previous) }
            return try body()
        }
    }

    /// Whether a pointer argument of `size` bytes is acceptable: only inside memory the run may
    /// touch. Outside a run (a runner called directly instead of through
    /// ``LinkedProgram/run(using:memory:trace:)``) there is nothing to check against, so every
    /// pointer is refused: the helper fails as the kernel's would on a bad address, instead of
    /// reading or writing wherever a program points it.
    static func pointerIsValid(_ address: UInt64, size: Int) -> Bool {
        guard address != 0, let context = current else { return false }
        return context.pointee.allows(address: address, size: size)
    }
}
