import EBPFCore
import Glibc

/// A program compiled to x86-64 code, ready to run any number of times from any threads.
///
/// A call costs about what a C function call costs: the run's state (the context block the
/// code addresses, the stack area, the helper-region ring) lives on the calling thread's stack,
/// set up by the code's own prologue from the call's arguments, so runs share nothing and
/// nothing is allocated, reference-counted or zero-filled on the way in (the stack area is
/// zero-filled only when the facts do not prove every stack byte written before it is read).
/// A run that traps returns through the code's trap exit, and only then is the trap record read.
///
/// The entries, fastest first:
/// - ``run(each:results:)``: one filter over many inputs in one call (packet filters, capture
///   tools); the code loops over the inputs itself.
/// - ``run(memory:stack:)`` with `stack: nil`, ``run(_:)-(UnsafeMutableRawBufferPointer)``,
///   ``run(reading:)`` on a buffer or a `RawSpan` (for programs that cannot write their input,
///   ``mayWriteInput``), and
///   ``run(_:)-([UInt8])`` over an array (the same path after `withUnsafeMutableBytes`).
public final class CompiledProgram: ProgramRunner, Sendable {
    /// The single entry: `(input base or 0, input length, stack area base or 0)`. Returns R0 in
    /// rax and, in rdx, 1 if the run left through the trap exit (else 0): the two fields of a
    /// C struct of two 64-bit integers, which the System V ABI returns in rax and rdx; `lldiv_t`
    /// is such a struct. The context block is the code's own (``RunContextLayout``); a trap's
    /// record is in ``TrapStash``.
    @usableFromInline typealias Entry = @convention(c) (UInt64, UInt64, UInt64) -> lldiv_t
    /// The batch entry: `(first (start, length) pair, number of pairs, first result slot)`,
    /// returning the trap flag in rdx as ``Entry`` does.
    typealias BatchEntry = @convention(c) (UnsafeRawPointer?, UInt64, UnsafeMutableRawPointer?) -> lldiv_t

    private let memory: ExecutableMemory
    /// Offset of each instruction slot's code within ``machineCode`` (the second slot of an
    /// `lddw` gets the offset just after the `lddw`'s code), followed by one more entry: the offset
    /// where the body ends and the trap stubs and slow paths begin.
    public let instructionOffsets: [Int]
    /// Offset of the batch entry within ``machineCode`` (the single entry is at 0).
    public let batchEntryOffset: Int
    /// The limits the program was compiled with.
    public let limits: ExecutionLimits
    @usableFromInline let entry: Entry
    private let batchEntry: BatchEntry
    /// The budget counter's start (``RunContextLayout/counterStart(budget:)``), to turn a budget
    /// trap's counter into a count.
    private let counterStart: Int64
    /// The invalid-instruction traps by slot (plus falling off the end), as trap records name them.
    private let staticTraps: StaticTrapTable
    /// Memory besides the input and the stack that the program may access (map storage, for
    /// EBPFRuntime), consulted by the slow path of an access check.
    public let extraRegions: [MemoryRegion]
    /// `extraRegions` as (start, size) pairs at a fixed address, which the code passes to the
    /// slow path as a constant.
    private let extraRegionTable: RegionTable
    /// Whether the code may write memory other than its stack area: a store not at a constant
    /// offset inside R10's frame, R10 changed by the program, or a helper called with a
    /// pointer argument (see ``ProgramAnalysis/mayWriteOutsideStack(helpers:)``). When `false`,
    /// ``run(reading:)`` accepts read-only memory.
    public let mayWriteInput: Bool
    /// Whether the code was compiled with verified facts, so it calls helpers through their
    /// ``EBPFCore/HelperFunction/provenBody``.
    public let helperArgumentsProven: Bool
    /// Whether the batch entry loops around its own copy of the body
    /// (``JITOptions/inlinedBatchBody``) rather than calling the single entry per input.
    let batchHasOwnBody: Bool

    init(memory: consuming ExecutableMemory, instructionOffsets: [Int], batchEntryOffset: Int, limits: ExecutionLimits,
         staticTraps: StaticTrapTable, extraRegions: [MemoryRegion], extraRegionTable: RegionTable, mayWriteInput: Bool,
         helperArgumentsProven: Bool, batchHasOwnBody: Bool) {
        self.helperArgumentsProven = helperArgumentsProven
        self.batchHasOwnBody = batchHasOwnBody
        self.staticTraps = staticTraps
        self.extraRegions = extraRegions
        self.extraRegionTable = extraRegionTable
        self.entry = unsafeBitCast(memory.baseAddress, to: Entry.self)
        self.batchEntry = unsafeBitCast(memory.baseAddress + batchEntryOffset, to: BatchEntry.self)
        self.memory = memory
        self.instructionOffsets = instructionOffsets
        self.batchEntryOffset = batchEntryOffset
        self.limits = limits
        self.counterStart = RunContextLayout.counterStart(budget: limits.instructionBudget)
        self.mayWriteInput = mayWriteInput
    }

    /// Bytes of machine code.
    public var codeSize: Int { memory.codeSize }

    /// A copy of the machine code.
    public var machineCode: [UInt8] { memory.code }

    /// Address of the first byte of code (for tests and debuggers).
    public var codeAddress: UnsafeRawPointer { memory.baseAddress }

    // MARK: Single runs

    /// Runs the program; see ``EBPFCore/ProgramRunner/run(memory:stack:)``.
    ///
    /// - Precondition: `stack`, when given, holds at least ``EBPFCore/ExecutionLimits/stackSize``
    ///   bytes; R10 starts at its base + stackSize. Without one, the code puts its stack area on
    ///   this thread's machine stack.
    @inlinable
    public func run(memory input: UnsafeMutableRawBufferPointer, stack: UnsafeMutableRawBufferPointer?) throws(ExecutionTrap) -> UInt64 {
        var stackBase: UInt64 = 0
        if let stack {
            StackArea.precondition(holds: stack)
            stackBase = UInt64(UInt(bitPattern: stack.baseAddress))
        }
        return try call(base: UnsafeRawPointer(input.baseAddress), count: input.count, stackBase: stackBase)
    }

    /// Runs the program over `input` (R1 = its start, 0 when empty; R2 = its length), which the
    /// program may read and write, with a stack area of its own, and returns R0. The fast entry
    /// for hot loops over packets in memory the caller owns.
    @inlinable @inline(__always)
    public func run(_ input: UnsafeMutableRawBufferPointer) throws(ExecutionTrap) -> UInt64 {
        try call(base: UnsafeRawPointer(input.baseAddress), count: input.count, stackBase: 0)
    }

    /// Runs the program over memory it must not write, such as a received packet or a
    /// memory-mapped file, and returns R0.
    ///
    /// - Precondition: the code cannot write outside its stack area (``mayWriteInput`` is
    ///   `false`): every store is at a constant offset inside R10's frame, R10 is never changed,
    ///   and no helper is called with a pointer. Translated classic filters qualify. For other
    ///   programs, pass memory they may write to ``run(_:)-(UnsafeMutableRawBufferPointer)``.
    @inlinable @inline(__always)
    public func run(reading input: UnsafeRawBufferPointer) throws(ExecutionTrap) -> UInt64 {
        precondition(!mayWriteInput, "run(reading:) needs a program that cannot write its input (mayWriteInput is true)")
        return try call(base: input.baseAddress, count: input.count, stackBase: 0)
    }

    /// Runs the program over the bytes of `input`, which it must not write (``run(reading:)-(UnsafeRawBufferPointer)``
    /// for a span: `array.span.bytes`, a `Data`'s or a `RawSpan` from any other container).
    ///
    /// - Precondition: the code cannot write outside its stack area (``mayWriteInput`` is
    ///   `false`).
    @inlinable @inline(__always)
    public func run(reading input: RawSpan) throws(ExecutionTrap) -> UInt64 {
        precondition(!mayWriteInput, "run(reading:) needs a program that cannot write its input (mayWriteInput is true)")
        return try input.withUnsafeBytes { (bytes) throws(ExecutionTrap) -> UInt64 in
            try call(base: bytes.baseAddress, count: bytes.count, stackBase: 0)
        }
    }

    /// Runs the program over a copy of `bytes` that the program may modify, written back into
    /// `bytes` (the array's own storage when it is uniquely referenced, as usual; a program
    /// that cannot write its input, ``mayWriteInput`` `false`, reads the storage in place
    /// without making it unique).
    @inlinable @inline(__always)
    public func run(_ bytes: inout [UInt8]) throws(ExecutionTrap) -> UInt64 {
        let returned = if mayWriteInput {
            bytes.withUnsafeMutableBytes { enter(base: UnsafeRawPointer($0.baseAddress), count: $0.count, stackBase: 0) }
        } else {
            bytes.withUnsafeBytes { enter(base: $0.baseAddress, count: $0.count, stackBase: 0) }
        }
        if returned.rem != 0 { try throwTrap() }
        return UInt64(bitPattern: returned.quot)
    }

    /// Calls the single entry and returns R0, or throws the trap the run recorded. Inlined into
    /// the caller with the public entries, so a call from a hot loop is one indirect call.
    @inlinable @inline(__always)
    func call(base: UnsafeRawPointer?, count: Int, stackBase: UInt64) throws(ExecutionTrap) -> UInt64 {
        let returned = enter(base: base, count: count, stackBase: stackBase)
        if returned.rem != 0 { try throwTrap() }
        return UInt64(bitPattern: returned.quot)
    }

    /// Calls the single entry: R0 and the trap flag (R1 is 0 for an empty input, as the
    /// protocol promises).
    @inlinable @inline(__always)
    func enter(base: UnsafeRawPointer?, count: Int, stackBase: UInt64) -> lldiv_t {
        entry(count == 0 ? 0 : UInt64(UInt(bitPattern: base)), UInt64(count), stackBase)
    }

    /// Throws the trap of the run that just left through the trap exit. Out of line, so the
    /// normal return keeps no registers for the error.
    @usableFromInline @inline(never)
    func throwTrap() throws(ExecutionTrap) -> Never {
        throw takeTrap()
    }

    /// The trap the last run on this thread that left through the trap exit recorded.
    @usableFromInline @inline(never)
    func takeTrap() -> ExecutionTrap {
        trap(from: TrapStash.take().record)
    }

    /// The trap `record` describes.
    private func trap(from record: TrapRecord) -> ExecutionTrap {
        record.trap(counterStart: UInt64(bitPattern: counterStart), staticTraps: staticTraps)
            ?? .invalidInstruction(pc: 0, reason: "the JIT code reported a trap without a record")
    }

    // MARK: Batches

    /// Runs the program once per input, in the code's own loop; see
    /// ``EBPFCore/ProgramRunner/run(each:results:)``. The stack area (and the helper-region
    /// ring) is set up once for the whole batch, on this thread's stack; it is zero-filled
    /// before every run unless the facts prove every stack byte written before it is read.
    public func run(each inputs: UnsafeBufferPointer<MemoryRegion>, results: UnsafeMutableBufferPointer<UInt64>) throws(BatchTrap) {
        precondition(results.count >= inputs.count, "results must have a slot for every input")
        guard let first = inputs.baseAddress, !inputs.isEmpty else { return }
        // The code reads each element as the start at byte 0 and the length at byte 8.
        assert(MemoryLayout<MemoryRegion>.stride == 16 && MemoryLayout<MemoryRegion>.offset(of: \.count) == 8)
        let returned = batchEntry(UnsafeRawPointer(first), UInt64(inputs.count), UnsafeMutableRawPointer(results.baseAddress))
        if returned.rem != 0 {
            let (record, cursor) = TrapStash.take()
            let trap = trap(from: record)
            let stride = UInt64(MemoryLayout<MemoryRegion>.stride)
            let start = UInt64(UInt(bitPattern: first))
            // With its own loop the entry leaves the cursor one pair past the one whose run
            // trapped; the loop calling the single entry returns that pair's address in rax.
            let index = batchHasOwnBody
                ? Int((cursor &- start) / stride) - 1 : Int((UInt64(bitPattern: returned.quot) &- start) / stride)
            throw BatchTrap(index: index, trap: trap)
        }
    }

    /// Runs the program once per buffer of `inputs`, writing R0 of run *i* to `results[i]`:
    /// ``run(each:results:)`` over buffers instead of (start, length) pairs, converted in
    /// chunks on the stack.
    public func run(each inputs: UnsafeBufferPointer<UnsafeMutableRawBufferPointer>, results: UnsafeMutableBufferPointer<UInt64>) throws(BatchTrap) {
        precondition(results.count >= inputs.count, "results must have a slot for every input")
        let chunk = 64
        var start = 0
        while start < inputs.count {
            let count = min(chunk, inputs.count - start)
            var trap: BatchTrap?
            withUnsafeTemporaryAllocation(of: MemoryRegion.self, capacity: chunk) { regions in
                for index in 0..<count {
                    regions.initializeElement(at: index, to: MemoryRegion(inputs[start + index]))
                }
                do throws(BatchTrap) {
                    try run(each: UnsafeBufferPointer(rebasing: regions[0..<count]),
                            results: UnsafeMutableBufferPointer(rebasing: results[start..<(start + count)]))
                } catch {
                    trap = BatchTrap(index: start + error.index, trap: error.trap)
                }
            }
            if let trap { throw trap }
            start += count
        }
    }
}

/// The (start, count) pairs of a compiled program's extra regions, at an address that stays
/// fixed for the program's life (the code has it as a constant).
final class RegionTable: @unchecked Sendable {
    // @unchecked: the pairs are written once, in init, and only read afterwards.
    let pairs: UnsafeMutableBufferPointer<UInt64>
    var count: Int { pairs.count / 2 }
    /// The pairs' address, 0 when there are none (so code without extra regions does not
    /// depend on where a table was allocated).
    var address: UInt64 { count == 0 ? 0 : UInt64(UInt(bitPattern: pairs.baseAddress)) }

    /// The table of no regions, shared by every program without extra regions.
    static let empty = RegionTable([])

    init(_ regions: [MemoryRegion]) {
        let values = MemoryRegion.pairs(regions)
        let storage = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: max(values.count, 2))
        _ = storage.initialize(from: values)
        pairs = UnsafeMutableBufferPointer(rebasing: storage[0..<values.count])
    }

    deinit { pairs.baseAddress?.deallocate() }
}
