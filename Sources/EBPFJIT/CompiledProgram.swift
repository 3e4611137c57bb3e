import EBPFCore
import Glibc

/// A program compiled to x86-64 code, ready to run any number of times from any threads.
///
/// Each run's state (the 4096-byte stack area when none is passed in and the code uses one, the
/// trap record, the helper regions, the saved stack pointer) lives in a per-call context on the
/// calling thread's stack, so runs share nothing and allocate nothing on the heap.
public final class CompiledProgram: ProgramRunner, Sendable {
    private let memory: ExecutableMemory
    /// Offset of each instruction slot's code within ``machineCode`` (the second slot of an
    /// `lddw` gets the offset just after the `lddw`'s code), followed by one more entry: the offset
    /// where the body ends and the trap stubs and slow paths begin.
    public let instructionOffsets: [Int]
    /// The limits the program was compiled with.
    public let limits: ExecutionLimits
    private let entry: @convention(c) (UnsafeMutableRawPointer) -> UInt64
    /// The invalid-instruction traps by slot (plus falling off the end), as trap records name them.
    private let staticTraps: [ExecutionTrap?]
    /// Memory besides the input and the stack that the program may access (map storage, for
    /// EBPFRuntime), consulted by the slow path of an access check.
    public let extraRegions: [MemoryRegion]
    /// `extraRegions` as (start, size) pairs, the form the slow path reads through the context
    /// (a ``EBPFCore/MemoryRegions`` view).
    private let extraRegionPairs: [UInt64]
    /// Whether the code can reach the stack area (names R10 or makes local calls); when not, a
    /// run without a caller-provided stack uses none.
    private let usesStack: Bool
    /// Whether the code calls helpers, which may record returned regions in a per-run ring.
    private let recordsHelperRegions: Bool

    init(memory: consuming ExecutableMemory, instructionOffsets: [Int], limits: ExecutionLimits, staticTraps: [ExecutionTrap?],
         extraRegions: [MemoryRegion] = [], usesStack: Bool = true, recordsHelperRegions: Bool = true) {
        self.usesStack = usesStack
        self.recordsHelperRegions = recordsHelperRegions
        self.staticTraps = staticTraps
        self.extraRegions = extraRegions
        self.extraRegionPairs = MemoryRegion.pairs(extraRegions)
        self.entry = unsafeBitCast(memory.baseAddress, to: (@convention(c) (UnsafeMutableRawPointer) -> UInt64).self)
        self.memory = memory
        self.instructionOffsets = instructionOffsets
        self.limits = limits
    }

    /// Bytes of machine code.
    public var codeSize: Int { memory.codeSize }

    /// A copy of the machine code.
    public var machineCode: [UInt8] { memory.code }

    /// Address of the first byte of code (for tests and debuggers).
    public var codeAddress: UnsafeRawPointer { memory.baseAddress }

    /// Runs the program; see ``EBPFCore/ProgramRunner/run(memory:stack:)``.
    ///
    /// - Precondition: `stack`, when given, holds at least ``EBPFCore/ExecutionLimits/stackSize``
    ///   bytes; R10 starts at its base + stackSize.
    public func run(memory input: UnsafeMutableRawBufferPointer, stack: UnsafeMutableRawBufferPointer?) throws(ExecutionTrap) -> UInt64 {
        let memoryBase = input.isEmpty ? 0 : UInt64(UInt(bitPattern: input.baseAddress))
        let memoryLength = UInt64(input.count)
        let result: UInt64
        let trap: ExecutionTrap?
        if let stack {
            StackArea.precondition(holds: stack)
            (result, trap) = runCode(memoryBase: memoryBase, memoryLength: memoryLength, stackBase: stack.baseAddress!)
        } else if !usesStack {
            // The code never forms a stack address (no R10, no local calls) and checks no access
            // against the stack area, so there is none.
            (result, trap) = runCode(memoryBase: memoryBase, memoryLength: memoryLength, stackBase: nil)
        } else {
            // In this call's stack frame, zero-filled, as the protocol promises.
            (result, trap) = StackArea.withZeroFilled { stackBytes in
                runCode(memoryBase: memoryBase, memoryLength: memoryLength, stackBase: stackBytes.baseAddress!)
            }
        }
        if let trap { throw trap }
        return result
    }

    /// Builds the context on this thread's stack (uninitialized: ``JITRunContext/prepare`` sets every
    /// field the code reads), calls the code, and reads the trap record.
    @inline(__always)
    private func runCode(memoryBase: UInt64, memoryLength: UInt64, stackBase: UnsafeMutableRawPointer?) -> (UInt64, ExecutionTrap?) {
        // Both blocks are at most 1 KiB, so withUnsafeTemporaryAllocation puts them on the stack.
        withUnsafeTemporaryAllocation(byteCount: RunContextLayout.size, alignment: 16) { contextBytes in
            if recordsHelperRegions {
                withUnsafeTemporaryAllocation(byteCount: RunContextLayout.helperRegionRingSize, alignment: 16) { ring in
                    runCode(context: contextBytes.baseAddress!, memoryBase: memoryBase, memoryLength: memoryLength,
                            stackBase: stackBase, helperRegions: ring.baseAddress!)
                }
            } else {
                runCode(context: contextBytes.baseAddress!, memoryBase: memoryBase, memoryLength: memoryLength,
                        stackBase: stackBase, helperRegions: nil)
            }
        }
    }

    @inline(__always)
    private func runCode(context pointer: UnsafeMutableRawPointer, memoryBase: UInt64, memoryLength: UInt64,
                         stackBase: UnsafeMutableRawPointer?, helperRegions: UnsafeMutableRawPointer?) -> (UInt64, ExecutionTrap?) {
        let context = JITRunContext(pointer)
        let value = extraRegionPairs.withUnsafeBufferPointer { pairs in
            context.prepare(memoryBase: memoryBase, memoryLength: memoryLength,
                            stackBase: UInt64(UInt(bitPattern: stackBase)), instructionBudget: limits.instructionBudget,
                            helperRegions: UInt64(UInt(bitPattern: helperRegions)),
                            extraRegions: UInt64(UInt(bitPattern: pairs.baseAddress)), extraRegionCount: UInt64(extraRegions.count))
            return entry(pointer)
        }
        return (value, context.trap(staticTraps: staticTraps))
    }
}
