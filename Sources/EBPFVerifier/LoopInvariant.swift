/// The state the widening loop policy keeps at a loop head for one chain of calls: the join of
/// every state that reached it so far. A state it subsumes stops there; any other is joined in
/// (widened once the head has been joined a few times) and the loop is explored again from the
/// result, until nothing new arrives.
final class LoopInvariant {
    /// Which loop head, and in which calling context (the call sites of the frames).
    struct Key: Hashable {
        var pc: Int
        var callSites: [Int]
    }

    var state: VerifierState
    /// How many times a new state was joined in.
    var joins = 0

    init(state: VerifierState) {
        self.state = state
    }
}
