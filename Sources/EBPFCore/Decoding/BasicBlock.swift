/// A maximal run of slots that control enters only at the first and leaves only after the last.
public struct BasicBlock: Sendable, Hashable {
    /// The first slot (the leader).
    public let start: Int
    /// One past the last slot (an `lddw` at the end counts both of its slots).
    public let end: Int
    /// The slot of the block's last instruction (not the second half of an `lddw`).
    public let last: Int
    /// Blocks control may enter next inside the same subprogram, in the order the verifier
    /// explores them: the fall-through first, then a jump's target. A `call local` falls through
    /// to the instruction after it (its callee is in ``ControlFlowGraph/callees``); `exit`, a
    /// trapping slot and a fall off the end have none.
    public let successors: [Int]
    /// Blocks with an edge into this one.
    public let predecessors: [Int]

    public init(start: Int, end: Int, last: Int, successors: [Int], predecessors: [Int]) {
        self.start = start
        self.end = end
        self.last = last
        self.successors = successors
        self.predecessors = predecessors
    }

    /// The slots of the block.
    @inlinable public var slots: Range<Int> { start..<end }
}
