/// Something that can run a program once over a memory buffer: the interpreter or a JIT-compiled
/// program. Differential tests drive both through this protocol.
public protocol ProgramRunner {
    /// Runs the program with R1 = `memory.baseAddress` (0 when empty), R2 = `memory.count` and
    /// R10 = the top of `stack`, and returns R0.
    ///
    /// - Parameter stack: the stack area, exactly ``ExecutionLimits/stackSize`` bytes, used as is
    ///   (the caller initialises it; tests read it back afterwards). When `nil` the runner uses a
    ///   zero-filled ``StackArea`` of its own.
    func run(memory: UnsafeMutableRawBufferPointer, stack: UnsafeMutableRawBufferPointer?) throws(ExecutionTrap) -> UInt64
}

extension ProgramRunner {
    /// Runs the program over a copy of `bytes` that the program may modify, and writes the result
    /// back into `bytes`.
    public func run(_ bytes: inout [UInt8]) throws(ExecutionTrap) -> UInt64 {
        var result: Result<UInt64, ExecutionTrap> = .success(0)
        bytes.withUnsafeMutableBytes { buffer in
            do throws(ExecutionTrap) {
                result = .success(try run(memory: buffer, stack: nil))
            } catch {
                result = .failure(error)
            }
        }
        return try result.get()
    }
}
