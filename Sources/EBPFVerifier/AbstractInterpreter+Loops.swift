/// The widening loop policy: loop heads keep a ``LoopInvariant`` instead of a list of states.
extension AbstractInterpreter {
    /// Joins before bounds that keep growing are widened to thresholds.
    static let joinsBeforeWidening = 2
    /// Joins before bounds that keep growing go straight to their limits (guarantees convergence
    /// whatever the thresholds).
    static let joinsBeforeWideningToLimits = 40

    /// At a loop head under the widening policy: returns true when the invariant stored for this
    /// head and call chain already describes the current state (the path stops); otherwise joins
    /// the state into the invariant and continues from the result.
    func joinAtLoopHead() throws(VerifierError) -> Bool {
        let key = LoopInvariant.Key(pc: pc, callSites: state.frames.map(\.callSite))
        guard let invariant = invariants[key] else {
            invariants[key] = LoopInvariant(state: state)
            totalStates += 1
            return false
        }
        return try join(into: invariant)
    }

    /// Joins the current state into `invariant` (see ``joinAtLoopHead()``): true when the
    /// invariant already describes it, else the state becomes the (widened) join.
    func join(into invariant: LoopInvariant) throws(VerifierError) -> Bool {
        let live = liveness.liveIn[pc]
        let callerLive = { (callSite: Int) -> UInt16 in self.callerLiveRegisters(callSite: callSite) }
        if invariant.state.subsumes(state, liveRegisters: live, callerLive: callerLive) { return true }
        invariant.joins += 1
        let widening: ScalarBounds.Widening =
            if invariant.joins > Self.joinsBeforeWideningToLimits {
                .limits
            } else if invariant.joins > Self.joinsBeforeWidening {
                .thresholds(thresholds)
            } else {
                .none
            }
        var join = StateJoin(widening: widening, nextID: nextID)
        let joinedValues: VerifierState
        do {
            joinedValues = try join.join(invariant.state, state, liveRegisters: live, callerLive: callerLive)
        } catch {
            let name = error.frame == state.frames.count - 1 ? "R\(error.register)" : "frame\(error.frame) R\(error.register)"
            throw self.error(
                .safetyViolation,
                "\(name) is \(error.old.kernelDescription) on one path into the loop at insn \(pc) and \(error.new.kernelDescription) on another: no loop invariant keeps its type")
        }
        nextID = join.nextID
        var joined = joinedValues
        joined.relations = Self.joinedRelations(invariant.state, state, joined: joined)
        joined.zone = joinedZone(invariant.state, state, joined: joined, widening: widening)
        appendLog { "\(self.pc): loop head joined (\(invariant.joins)): \(joined.kernelDescription)" }
        invariant.state = joined
        state = joined
        return false
    }

    /// Under the widening policy, at a prune point that is not a loop head: a stored state that
    /// subsumes the current one stops the path, complete or not (its exploration, finished or
    /// still under way, checks every successor); otherwise the state is stored.
    func isSubsumedByVisitedState() -> Bool {
        let live = liveness.liveIn[pc]
        let callerLive = { (callSite: Int) -> UInt16 in self.callerLiveRegisters(callSite: callSite) }
        var list = visited[pc]
        var index = 0
        while index < list.count {
            let old = list[index]
            if old.state.subsumes(state, liveRegisters: live, callerLive: callerLive) {
                old.hits += 1
                visited[pc] = list
                return true
            }
            if old.recordMissAndShouldEvict() {
                list.remove(at: index)
                storedStates -= 1
                continue
            }
            index += 1
        }
        let stored = VisitedState(state: state, fingerprint: 0, parent: parent)
        list.append(stored)
        visited[pc] = list
        parent = stored
        storedStates += 1
        totalStates += 1
        peakStates = max(peakStates, storedStates)
        return false
    }
}
