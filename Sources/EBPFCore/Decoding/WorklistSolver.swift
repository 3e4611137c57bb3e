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
///
/// Every method is inlinable, so each analysis gets the solver specialized for its state (no
/// generic metadata lookups or witness calls per merge).
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
    @inlinable public var states: [State?] { blockStates }
    @usableFromInline var blockStates: [State?]
    @usableFromInline var queued: [Bool]
    @usableFromInline var pending = 0
    @usableFromInline var cursor: Int
    @usableFromInline let direction: Direction

    @inlinable public init(blockCount: Int, direction: Direction = .forward) {
        blockStates = .filled(with: nil, count: blockCount)
        queued = .filled(with: false, count: blockCount)
        self.direction = direction
        cursor = direction == .forward ? 0 : blockCount - 1
    }

    /// The state of `block`, or `nil` if nothing reached it.
    @inlinable public func state(of block: Int) -> State? { blockStates[block] }

    /// Whether some merge reached `block`.
    @inlinable public func isReached(_ block: Int) -> Bool { blockStates[block] != nil }

    /// Joins `state` into `block`'s state, and queues the block when that changed it (or when it
    /// is reached for the first time).
    @inlinable public mutating func merge(_ state: State, into block: Int) {
        if blockStates[block] == nil {
            blockStates[block] = state
        } else if !blockStates[block]!.join(state) {
            return
        }
        queue(block)
    }

    /// Replaces `block`'s state outright and queues it (for analyses that narrow or restart).
    @inlinable public mutating func set(_ state: State, for block: Int) {
        blockStates[block] = state
        queue(block)
    }

    @inlinable mutating func queue(_ block: Int) {
        if !queued[block] {
            queued[block] = true
            pending += 1
        }
    }

    /// The next queued block in sweep order, taken off the queue; `nil` at the fixed point.
    @inlinable public mutating func nextBlock() -> Int? {
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
