/// What the verifier proved about a program, in a form the JIT can use to leave run-time checks
/// out. An engine given no facts checks everything at run time.
public struct VerifiedFacts: Sendable, Hashable {
    /// Indexed by instruction slot: `true` where the load, store or atomic at that slot was proven
    /// to stay inside its region on every path.
    public var accessIsSafe: [Bool]
    /// Indexed by instruction slot: `true` where the divisor of a `div`/`mod`/`sdiv`/`smod` with a
    /// register operand was proven non-zero on every path.
    public var divisorIsNonZero: [Bool]
    /// Bytes of stack (below R10) used by the deepest frame.
    public var stackDepth: Int
    /// The deepest chain of local calls, counting the entry frame as 1.
    public var maxCallDepth: Int
    /// Whether every path was proven to reach `exit` (no loops, or only loops the verifier bounded),
    /// so no instruction budget needs enforcing.
    public var terminates: Bool
    /// Whether every stack byte the program reads, itself or through a helper, was written
    /// earlier on every path (the verifier rejects any other read), so the stack area needs no
    /// zero-filling before a run.
    public var stackIsWrittenBeforeRead: Bool

    /// Indexed by instruction slot: `true` at each loop head (``ControlFlowGraph/isLoopHead``)
    /// whose loop was proven to exit. A run that stays inside the loop — the blocks of the head's
    /// function that the graph's depth-first search reached from the head — passes the head only
    /// finitely often, so a budget check on the way back to it may go: an endless run still goes
    /// round some loop whose head is not marked. Empty when nothing was proven; every head when
    /// ``terminates`` is.
    public var loopHeadTerminates: [Bool]

    /// - Parameter stackIsWrittenBeforeRead: `false` unless proven (the verifier proves it for every
    ///   program it accepts): an engine then zero-fills the stack area it provides.
    public init(
        accessIsSafe: [Bool], divisorIsNonZero: [Bool], stackDepth: Int, maxCallDepth: Int, terminates: Bool,
        stackIsWrittenBeforeRead: Bool = false, loopHeadTerminates: [Bool] = []
    ) {
        self.accessIsSafe = accessIsSafe
        self.divisorIsNonZero = divisorIsNonZero
        self.stackDepth = stackDepth
        self.maxCallDepth = maxCallDepth
        self.terminates = terminates
        self.stackIsWrittenBeforeRead = stackIsWrittenBeforeRead
        self.loopHeadTerminates = loopHeadTerminates
    }

    /// These facts for a program of `slotCount` slots whose first slots are the ones the facts
    /// were proven on (a linked program's trailing tail-call slots): nothing is claimed for the
    /// added slots, so every check there stays. Facts that already cover `slotCount` slots are
    /// returned as they are.
    public func padded(toSlotCount slotCount: Int) -> VerifiedFacts {
        var padded = self
        if slotCount > accessIsSafe.count {
            padded.accessIsSafe += Array(repeating: false, count: slotCount - accessIsSafe.count)
        }
        if slotCount > divisorIsNonZero.count {
            padded.divisorIsNonZero += Array(repeating: false, count: slotCount - divisorIsNonZero.count)
        }
        if !loopHeadTerminates.isEmpty && slotCount > loopHeadTerminates.count {
            padded.loopHeadTerminates += Array(repeating: false, count: slotCount - loopHeadTerminates.count)
        }
        return padded
    }
}
