import EBPFCore
import Glibc

/// A program compiled to x86-64 code, ready to run any number of times from any threads.
///
/// Each run's state (the 4096-byte stack area when none is passed in, the trap record, the
/// helper regions, the saved stack pointer) lives in a per-call context allocated on the
/// calling thread's stack, so runs share nothing and allocate nothing on the heap.
public final class CompiledProgram: ProgramRunner, Sendable {
    private let memory: ExecutableMemory
    /// Offset of each instruction slot's code within ``machineCode`` (the second slot of an
    /// `lddw` gets the offset just after the `lddw`'s code).
    public let instructionOffsets: [Int]
    /// The limits the program was compiled with.
    public let limits: ExecutionLimits
    private let entry: @convention(c) (UnsafeMutableRawPointer) -> UInt64
    /// The invalid-instruction traps by slot (plus falling off the end), as trap records name them.
    private let staticTraps: [ExecutionTrap?]

    init(memory: consuming ExecutableMemory, instructionOffsets: [Int], limits: ExecutionLimits, staticTraps: [ExecutionTrap?]) {
        self.staticTraps = staticTraps
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
        let stackSize = ExecutionLimits.stackSize
        if let stack { precondition(stack.count >= stackSize, "the stack area must hold \(stackSize) bytes") }
        let byteCount = RunContextLayout.size + (stack == nil ? stackSize : 0)
        let entry = self.entry
        let budget = limits.instructionBudget
        let staticTraps = self.staticTraps
        let (result, trap) = withUnsafeTemporaryAllocation(byteCount: byteCount, alignment: 16) { buffer -> (UInt64, ExecutionTrap?) in
            let contextPointer = buffer.baseAddress!
            let stackBase: UnsafeMutableRawPointer
            if let stack {
                stackBase = stack.baseAddress!
            } else {
                stackBase = contextPointer + RunContextLayout.size
                memset(stackBase, 0, stackSize)
            }
            let context = RunContext(contextPointer)
            context.prepare(
                memoryBase: input.isEmpty ? 0 : UInt64(UInt(bitPattern: input.baseAddress)),
                memoryLength: UInt64(input.count),
                stackBase: UInt64(UInt(bitPattern: stackBase)),
                instructionBudget: budget
            )
            let value = entry(contextPointer)
            return (value, context.trap(staticTraps: staticTraps))
        }
        if let trap { throw trap }
        return result
    }
}
