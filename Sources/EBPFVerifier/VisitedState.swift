/// A state stored at a prune point, with the bookkeeping that tells whether every path from it
/// has been explored (`branches == 0`), which is when it may prune later paths.
final class VisitedState {
    let state: VerifierState
    /// A cheap summary of the state that equal states share, to skip most exact comparisons.
    let fingerprint: Int
    /// Paths still being explored from this state: the current path or pending branches whose
    /// nearest stored state is this one, plus stored states below it that are not complete.
    var branches = 1
    let parent: VisitedState?
    var hits = 0
    var misses = 0
    /// The path's count of undecided branches when the state was stored
    /// (``AbstractInterpreter/decisions``).
    var decisions = 0
    /// The path's count of callback calls by `bpf_loop` when the state was stored
    /// (``AbstractInterpreter/callbackEntries``).
    var callbackEntries = 0

    init(state: VerifierState, fingerprint: Int, parent: VisitedState?) {
        self.state = state
        self.fingerprint = fingerprint
        self.parent = parent
    }

    /// Counts a comparison in which this state did not cover the new one; returns true when it
    /// has missed so often against its hits (more than three times as often, plus three) that
    /// comparing with it costs more than it prunes, so it should leave the list.
    func recordMissAndShouldEvict() -> Bool {
        misses += 1
        return misses > hits * 3 + 3
    }
}

/// A branch waiting to be explored.
struct PendingPath {
    var state: VerifierState
    var pc: Int
    var parent: VisitedState?
    var decisions: Int
    var callbackEntries: Int
}
