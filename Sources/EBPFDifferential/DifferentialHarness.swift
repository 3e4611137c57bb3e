import EBPFCore
import EBPFProgramGenerator

/// Runs a program on two engines over identical input memory and stack, and reports every
/// difference in R0 or trap, final memory and final stack.
///
/// Both runs use the *same* buffers (refilled with the initial contents in between), so addresses
/// are identical: a trap's `address` field, and any pointer a program computes, compare equal
/// across engines.
///
/// ```swift
/// let harness = DifferentialHarness(
///     reference: { Interpreter(program: $0, helpers: TestHelpers.registry) },
///     candidate: { try JITCompiler.compile($0, helpers: TestHelpers.registry) },
///     referenceName: "interpreter", candidateName: "jit")
/// let outcome = harness.compare(RandomProgramGenerator().generate(seed: 42))
/// #expect(outcome.agrees, "\(outcome)")
/// ```
public struct DifferentialHarness {
    /// Builds a runner for a program (a JIT compiles here); a thrown error is recorded as
    /// ``RunTermination/notRun(_:)``.
    public typealias RunnerFactory = (Program) throws -> any ProgramRunner

    public var referenceName: String
    public var candidateName: String
    public var makeReference: RunnerFactory
    public var makeCandidate: RunnerFactory
    /// Whether two ``ExecutionTrap/invalidInstruction(pc:reason:)`` traps must also have the same
    /// reason text (not only the same pc).
    public var comparesInvalidInstructionReasons = true

    public init(
        reference: @escaping RunnerFactory, candidate: @escaping RunnerFactory,
        referenceName: String = "reference", candidateName: String = "candidate"
    ) {
        self.makeReference = reference
        self.makeCandidate = candidate
        self.referenceName = referenceName
        self.candidateName = candidateName
    }

    /// The stack contents runs start from unless told otherwise: a fixed non-zero pattern, so a
    /// store of zero is visible and a read of an unwritten byte is deterministic.
    public static let defaultInitialStack: [UInt8] = (0..<ExecutionLimits.stackSize).map {
        UInt8(truncatingIfNeeded: $0 &* 0x9d &+ 0x5b)
    }

    /// Runs `generated` over its memory.
    public func compare(_ generated: GeneratedProgram) -> DifferentialOutcome {
        compare(generated.program, memory: generated.memory)
    }

    /// Runs `program` on both engines, each over a fresh copy of `memory` and of `stack`
    /// (``defaultInitialStack`` when `nil`; otherwise exactly ``ExecutionLimits/stackSize`` bytes).
    public func compare(_ program: Program, memory: [UInt8], stack: [UInt8]? = nil) -> DifferentialOutcome {
        let initialStack = stack ?? Self.defaultInitialStack
        precondition(initialStack.count == ExecutionLimits.stackSize, "the stack must be ExecutionLimits.stackSize bytes")
        let memoryBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(memory.count, 1), alignment: 16)
        defer { memoryBuffer.deallocate() }
        let stackBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: ExecutionLimits.stackSize, alignment: 16)
        defer { stackBuffer.deallocate() }
        let memoryView = memory.isEmpty
            ? UnsafeMutableRawBufferPointer(start: nil, count: 0)
            : UnsafeMutableRawBufferPointer(rebasing: memoryBuffer[0..<memory.count])

        let reference = Self.observe(makeReference, program, memory, initialStack, memoryView, stackBuffer)
        let candidate = Self.observe(makeCandidate, program, memory, initialStack, memoryView, stackBuffer)

        var differences: [Difference] = []
        if !terminationsMatch(reference.termination, candidate.termination) {
            differences.append(.termination(reference: reference.termination, candidate: candidate.termination))
        }
        if let bytes = ByteDifference(reference: reference.memory, candidate: candidate.memory) {
            differences.append(.memory(bytes))
        }
        if let bytes = ByteDifference(reference: reference.stack, candidate: candidate.stack) {
            differences.append(.stack(bytes))
        }
        return DifferentialOutcome(
            program: program, memory: memory, reference: reference, candidate: candidate,
            differences: differences, referenceName: referenceName, candidateName: candidateName
        )
    }

    /// Whether two terminations count as the same. Two ``RunTermination/notRun(_:)`` match
    /// whatever their texts (both engines refused the program).
    public func terminationsMatch(_ reference: RunTermination, _ candidate: RunTermination) -> Bool {
        switch (reference, candidate) {
        case (.notRun, .notRun):
            return true
        case (.trapped(.invalidInstruction(let referencePC, _)), .trapped(.invalidInstruction(let candidatePC, _)))
        where !comparesInvalidInstructionReasons:
            return referencePC == candidatePC
        default:
            return reference == candidate
        }
    }

    private static func observe(
        _ factory: RunnerFactory, _ program: Program, _ memory: [UInt8], _ stack: [UInt8],
        _ memoryView: UnsafeMutableRawBufferPointer, _ stackBuffer: UnsafeMutableRawBufferPointer
    ) -> RunObservation {
        if !memory.isEmpty { memoryView.copyBytes(from: memory) }
        stackBuffer.copyBytes(from: stack)
        let termination: RunTermination
        do {
            let runner = try factory(program)
            do throws(ExecutionTrap) {
                termination = .returned(try runner.run(memory: memoryView, stack: stackBuffer))
            } catch {
                termination = .trapped(error)
            }
        } catch {
            termination = .notRun(String(describing: error))
        }
        return RunObservation(termination: termination, memory: Array(memoryView), stack: Array(stackBuffer))
    }
}
