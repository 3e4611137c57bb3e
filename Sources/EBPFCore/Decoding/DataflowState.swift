/// A lattice value of a data-flow analysis over a ``ControlFlowGraph``, as the
/// ``WorklistSolver`` needs it: joining another value in reports whether this one changed.
public protocol DataflowState: Sendable {
    /// Joins `other` into `self` (the least upper bound, or a widening of it); returns whether
    /// `self` changed. The solver stops when no join changes anything, so a lattice with infinite
    /// ascending chains must widen here.
    mutating func join(_ other: Self) -> Bool
}
