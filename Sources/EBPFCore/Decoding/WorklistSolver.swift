/// The one fixed-point iteration that the verifier's and the JIT's data-flow analyses share: a
/// state per block, a queue of blocks whose entry state changed, and sweeps over the blocks in
/// order (forward analyses) or in reverse order (backward ones) until no block is queued.
///
/// The analysis drives it, with no closures (so no captured mutable state on the hot path):
///
/// ```swift
/// var solver = WorklistSolver<MyState>(blockCount: cfg.blocks.count)
/// solver.merge(entryState, into: 0)
/// while let block = solver.nextBlock() {
///     var state = solver.state(of: block)!
///     // … transfer `state` through the block's slots …
///     for successor in cfg.blocks[block].successors { solver.merge(state, into: successor) }
/// }
/// ```
///
/// Sweeping in slot order is close to reverse post-order for compiled code: a change reaches the
/// blocks after it in the same sweep, so most programs settle in two or three sweeps.
public struct WorklistSolver<State: DataflowState> {
    /// The order blocks are visited in within one sweep.
    public enum Direction: Sendable {
        /// Ascending block index (forward analyses).
        case forward
        /// Descending block index (backward analyses such as liveness).
        case backward
    }

    /// The entry state of each block (the exit state, for a backward analysis); `nil` for blocks
    /// no merge has reached.
    public private(set) var states: [State?]
    private var queued: [Bool]
    private var pending = 0
    private var cursor: Int
    private let direction: Direction

    public init(blockCount: Int, direction: Direction = .forward) {
        states = Array(repeating: nil, count: blockCount)
        queued = Array(repeating: false, count: blockCount)
        self.direction = direction
        cursor = direction == .forward ? 0 : blockCount - 1
    }

    /// The state of `block`, or `nil` if nothing reached it.
    @inlinable public func state(of block: Int) -> State? { states[block] }

    /// Whether some merge reached `block`.
    public func isReached(_ block: Int) -> Bool { states[block] != nil }

    /// Joins `state` into `block`'s state, and queues the block when that changed it (or when it
    /// is reached for the first time).
    public mutating func merge(_ state: State, into block: Int) {
        if states[block] == nil {
            states[block] = state
        } else if !states[block]!.join(state) {
            return
        }
        if !queued[block] {
            queued[block] = true
            pending += 1
        }
    }

    /// Replaces `block`'s state outright and queues it (for analyses that narrow or restart).
    public mutating func set(_ state: State, for block: Int) {
        states[block] = state
        if !queued[block] {
            queued[block] = true
            pending += 1
        }
    }

    /// The next queued block in sweep order, taken off the queue; `nil` at the fixed point.
    public mutating func nextBlock() -> Int? {
        guard pending > 0 else { return nil }
        let count = queued.count
        while true {
            if cursor < 0 || cursor >= count { cursor = direction == .forward ? 0 : count - 1 }
            let block = cursor
            cursor += direction == .forward ? 1 : -1
            if queued[block] {
                queued[block] = false
                pending -= 1
                return block
            }
        }
    }
}
