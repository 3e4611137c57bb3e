/// Something that can run a program once over a memory buffer: the interpreter or a JIT-compiled
/// program. Differential tests drive both through this protocol.
public protocol ProgramRunner {
    /// Runs the program with R1 = `memory.baseAddress` (0 when empty), R2 = `memory.count` and
    /// R10 = the top of `stack`, and returns R0.
    ///
    /// - Parameter stack: the stack area, exactly ``ExecutionLimits/stackSize`` bytes, used as is
    ///   (the caller initialises it; tests read it back afterwards). When `nil` the runner uses an
    ///   area of its own, zero-filled unless the program's verified facts prove that no stack byte
    ///   is read before it is written (``VerifiedFacts/stackIsWrittenBeforeRead``), in which case
    ///   the contents cannot change the result.
    func run(memory: UnsafeMutableRawBufferPointer, stack: UnsafeMutableRawBufferPointer?) throws(ExecutionTrap) -> UInt64

    /// Runs the program once per input, in order, each as ``run(memory:stack:)`` with no stack
    /// area given would (R1 = the input's start, 0 when it is empty; R2 = its length; a stack
    /// area of the runner's own), and writes R0 of run *i* to `results[i]`.
    ///
    /// The shape packet filters and capture tools need: one call for many packets, so the fixed
    /// cost of entering the engine is paid once. Each input must be memory the program may read
    /// and write for the duration of its run.
    ///
    /// - Parameters:
    ///   - inputs: the inputs as (start address, length) pairs; they may lie anywhere (one
    ///     buffer with the packets back to back, or separate buffers).
    ///   - results: at least `inputs.count` slots.
    /// - Throws: ``BatchTrap`` for the first run that traps; the results before it are written,
    ///   the ones from it on are not.
    func run(each inputs: UnsafeBufferPointer<MemoryRegion>, results: UnsafeMutableBufferPointer<UInt64>) throws(BatchTrap)

    /// Whether the runner calls helpers through their ``HelperFunction/provenBody`` (where one
    /// exists): it runs a program the verifier accepted, so every helper argument was proven
    /// and the helpers need not check pointers against the run's memory. A linked program run
    /// by such a runner needs no run context for its map helpers.
    var helperArgumentsProven: Bool { get }
}

extension ProgramRunner {
    /// `false`: helpers check their arguments (the default for runners that take no facts).
    public var helperArgumentsProven: Bool { false }

    /// Runs the program over a copy of `bytes` that the program may modify, and writes the result
    /// back into `bytes`.
    public func run(_ bytes: inout [UInt8]) throws(ExecutionTrap) -> UInt64 {
        var trap: ExecutionTrap?
        let result = bytes.withUnsafeMutableBytes { buffer -> UInt64 in
            do throws(ExecutionTrap) {
                return try run(memory: buffer, stack: nil)
            } catch {
                trap = error
                return 0
            }
        }
        if let trap { throw trap }
        return result
    }

    /// The batch run as a loop of ``run(memory:stack:)`` calls (what runners without a faster
    /// batch path use).
    public func run(each inputs: UnsafeBufferPointer<MemoryRegion>, results: UnsafeMutableBufferPointer<UInt64>) throws(BatchTrap) {
        precondition(results.count >= inputs.count, "results must have a slot for every input")
        for (index, input) in inputs.enumerated() {
            let memory = UnsafeMutableRawBufferPointer(
                start: UnsafeMutableRawPointer(bitPattern: UInt(input.start)), count: Int(input.count))
            do throws(ExecutionTrap) {
                results[index] = try run(memory: memory, stack: nil)
            } catch {
                throw BatchTrap(index: index, trap: error)
            }
        }
    }
}

/// The trap that stopped a batch run (``ProgramRunner/run(each:results:)``): which input's run
/// trapped, and how.
public struct BatchTrap: Error, Equatable, CustomStringConvertible {
    /// Index of the input whose run trapped; results before it were written.
    public let index: Int
    public let trap: ExecutionTrap

    public init(index: Int, trap: ExecutionTrap) {
        self.index = index
        self.trap = trap
    }

    public var description: String { "input \(index): \(trap)" }
}
