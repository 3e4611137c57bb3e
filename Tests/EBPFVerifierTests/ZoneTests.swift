import Testing
@testable import EBPFVerifier

/// The zone (difference-bound matrix) on its own: closure, assignment, projection, join,
/// widening and entailment on small examples, and a random check that every constraint it
/// keeps holds for concrete values that went through the same operations.
@Suite struct ZoneTests {
    static let x = Zone.location(.register(3, frame: 0))
    static let y = Zone.location(.register(4, frame: 0))
    static let z = Zone.location(.register(5, frame: 0))
    static let w = Zone.location(.slot(7, frame: 1))
    static let len = Zone.length

    /// No intervals beyond the zone's own (0 for the zero variable).
    static func noIntervals(_ variable: Zone.Variable) -> Zone.Interval { variable == Zone.zero ? .zero : .unbounded }

    static func intervals(_ values: [Zone.Variable: Zone.Interval]) -> (Zone.Variable) -> Zone.Interval {
        { values[$0] ?? ($0 == Zone.zero ? .zero : .unbounded) }
    }

    @Test func constraintsCloseTransitively() throws {
        var zone = Zone()
        zone = try #require(zone.adding(Self.x, Self.y, 1, Self.noIntervals))
        zone = try #require(zone.adding(Self.y, Self.z, 2, Self.noIntervals))
        #expect(zone.stored(Self.x, Self.z) == 3)
        #expect(zone.stored(Self.z, Self.x) == Zone.infinity)
    }

    @Test func contradictoryConstraintsAreInfeasible() throws {
        var zone = Zone()
        zone = try #require(zone.adding(Self.x, Self.y, -1, Self.noIntervals))
        #expect(zone.adding(Self.y, Self.x, 0, Self.noIntervals) == nil, "x < y and y <= x")
        var withIntervals = Zone()
        let bounds = Self.intervals([Self.x: Zone.Interval(low: 10, high: 20), Self.y: Zone.Interval(low: 0, high: 5)])
        #expect(withIntervals.adding(Self.x, Self.y, 0, bounds) == nil, "x >= 10 and y <= 5 contradict x <= y")
    }

    @Test func assignmentShiftsTheSourceRelations() throws {
        var zone = Zone()
        zone = try #require(zone.adding(Self.y, Self.len, -5, Self.noIntervals))
        zone.assign(Self.x, Self.y, plus: 2, 2)
        #expect(zone.stored(Self.x, Self.len) == -3)
        #expect(zone.stored(Self.x, Self.y) == 2)
        #expect(zone.stored(Self.y, Self.x) == -2)
        // An increment in place: x := x + 1.
        zone.assign(Self.x, Self.x, plus: 1, 1)
        #expect(zone.stored(Self.x, Self.len) == -2)
        #expect(zone.stored(Self.x, Self.y) == 3)
    }

    @Test func sumRelatesTheResultToBothOperands() throws {
        var zone = Zone()
        zone = try #require(zone.adding(Self.y, Self.len, -20, Self.noIntervals))
        // x := y + z with z in [0, 10] and y in [0, 100].
        zone.assignSum(
            Self.x, Self.y, Zone.Interval(low: 0, high: 100), Self.z, Zone.Interval(low: 0, high: 10))
        #expect(zone.stored(Self.x, Self.len) == -10)
        #expect(zone.stored(Self.x, Self.z) == 100)
        #expect(zone.stored(Self.z, Self.x) == 0)
    }

    @Test func forgettingKeepsWhatTheVariableImplied() throws {
        var zone = Zone()
        zone = try #require(zone.adding(Self.x, Self.y, 1, Self.noIntervals))
        zone = try #require(zone.adding(Self.y, Self.len, -4, Self.noIntervals))
        zone.forget(Self.y)
        #expect(zone.index(of: Self.y) == nil)
        #expect(zone.stored(Self.x, Self.len) == -3)
    }

    @Test func boundsCombineStoredConstraintsWithIntervals() throws {
        var zone = Zone()
        zone = try #require(zone.adding(Self.x, Self.y, 0, Self.noIntervals))
        let bounds = Self.intervals([Self.y: Zone.Interval(low: 3, high: 9), Self.z: Zone.Interval(low: 12, high: 40)])
        #expect(zone.upper(Self.x, bounds) == 9)
        #expect(zone.bound(Self.x, Self.z, bounds) == -3, "x <= y <= 9 and z >= 12")
    }

    @Test func joinKeepsTheWeakerBoundAndWideningGivesUpAGrowingOne() throws {
        var a = Zone()
        var b = Zone()
        a = try #require(a.adding(Self.x, Self.len, -4, Self.noIntervals))
        b = try #require(b.adding(Self.x, Self.len, -2, Self.noIntervals))
        a = try #require(a.adding(Self.y, Self.x, 0, Self.noIntervals))
        let joined = Zone.join(a, Self.noIntervals, b, Self.noIntervals, joined: Self.noIntervals, widening: .none)
        #expect(joined.stored(Self.x, Self.len) == -2)
        #expect(joined.stored(Self.y, Self.x) == Zone.infinity, "only one side has y <= x")
        let widened = Zone.join(a, Self.noIntervals, b, Self.noIntervals, joined: Self.noIntervals, widening: .limits)
        #expect(widened.stored(Self.x, Self.len) == Zone.infinity)
        let stable = Zone.join(b, Self.noIntervals, a, Self.noIntervals, joined: Self.noIntervals, widening: .limits)
        #expect(stable.stored(Self.x, Self.len) == -2, "a bound that does not grow survives widening")
    }

    @Test func joinFindsARelationTheIntervalsImplyOnBothSides() throws {
        // i = 0 with len >= 4, and i = 4 with len >= 8: both have i <= len - 4.
        var first = Zone()
        var second = Zone()
        first = try #require(first.adding(Zone.zero, Self.len, -4, Self.noIntervals))
        second = try #require(second.adding(Zone.zero, Self.len, -8, Self.noIntervals))
        let joined = Zone.join(
            first, Self.intervals([Self.x: .zero]), second, Self.intervals([Self.x: Zone.Interval(low: 4, high: 4)]),
            joined: Self.intervals([Self.x: Zone.Interval(low: 0, high: 4)]), widening: .none, including: [Self.x])
        #expect(joined.stored(Self.x, Self.len) == -4)
    }

    @Test func entailment() throws {
        var weak = Zone()
        var strong = Zone()
        weak = try #require(weak.adding(Self.x, Self.len, -1, Self.noIntervals))
        strong = try #require(strong.adding(Self.x, Self.y, -1, Self.noIntervals))
        strong = try #require(strong.adding(Self.y, Self.len, 0, Self.noIntervals))
        #expect(weak.isEntailed(by: strong, Self.noIntervals))
        #expect(!strong.isEntailed(by: weak, Self.noIntervals))
        // An interval can entail a stored bound.
        let bounds = Self.intervals([Self.x: Zone.Interval(low: 0, high: 3)])
        var lengthAtLeast = Zone()
        lengthAtLeast = try #require(lengthAtLeast.adding(Zone.zero, Self.len, -10, Self.noIntervals))
        #expect(weak.isEntailed(by: lengthAtLeast, bounds))
    }

    @Test func redundantBoundsAreDroppedButRelationsWithTheLengthStay() throws {
        var zone = Zone()
        let bounds = Self.intervals([
            Self.x: Zone.Interval(low: 5, high: 5), Self.y: Zone.Interval(low: 0, high: 100),
            Self.w: Zone.Interval(low: 0, high: 100),
        ])
        // Implied: x is 5, y at least 0.
        zone = try #require(zone.adding(Self.x, Self.y, 200, bounds))
        // Implied by the intervals, but between two unknowns.
        zone = try #require(zone.adding(Self.y, Self.w, 100, bounds))
        zone = try #require(zone.adding(Self.y, Self.len, -1, bounds))
        zone.dropRedundant(bounds)
        #expect(zone.stored(Self.x, Self.y) == Zone.infinity)
        #expect(zone.stored(Self.y, Self.w) == 100)
        #expect(zone.stored(Self.y, Self.len) == -1)
    }

    /// Random operations on concrete values and on a zone side by side: after each, every
    /// constraint the zone stores holds for the values, and constraints the values satisfy are
    /// never reported infeasible.
    @Test(arguments: 0..<8)
    func randomOperationsStaySound(seed: Int) throws {
        var random = SplitMix(state: UInt64(seed) &* 0x9e37_79b9_7f4a_7c15 &+ 1)
        let places: [Zone.Variable] = [Self.x, Self.y, Self.z, Self.w, Self.len]
        var values: [Zone.Variable: Int64] = [Zone.zero: 0]
        for place in places { values[place] = Int64(random.next() % 200) }
        var zone = Zone()
        let none: (Zone.Variable) -> Zone.Interval = Self.noIntervals
        for _ in 0..<400 {
            let a = places[Int(random.next() % UInt64(places.count))]
            let b = places[Int(random.next() % UInt64(places.count))]
            switch random.next() % 6 {
            case 0:
                // A branch: add a constraint the values satisfy (with some slack).
                let c = values[a]! - values[b]! + Int64(random.next() % 3)
                zone = try #require(zone.adding(a, b, c, none))
            case 1:
                guard a != Self.len else { continue }
                let d = Int64(random.next() % 21) - 10
                zone.assign(a, b, plus: d, d)
                values[a] = values[b]! + d
            case 2:
                guard a != Self.len else { continue }
                let d = Int64(random.next() % 10)
                let low = -Int64(random.next() % 5)
                zone.assign(a, b, plus: low, d)
                values[a] = values[b]! + low + Int64(random.next() % UInt64(d - low + 1))
            case 3:
                guard a != Self.len, a != b else { continue }
                let c = places[Int(random.next() % UInt64(places.count))]
                let yValue = values[b]!
                let zValue = values[c]!
                zone.assignSum(
                    a, b, Zone.Interval(low: yValue, high: yValue + 5), c, Zone.Interval(low: zValue - 3, high: zValue))
                values[a] = yValue + zValue
            case 4:
                guard a != Self.len else { continue }
                zone.forget(a)
                values[a] = Int64(random.next() % 200)
            default:
                // Join with a copy that went through one more assignment.
                guard a != Self.len else { continue }
                var other = zone
                var otherValues = values
                other.assign(a, b, plus: 1, 1)
                otherValues[a] = values[b]! + 1
                let joined = Zone.join(zone, none, other, none, joined: none, widening: .none)
                #expect(Self.holds(joined, otherValues), "join lost the second state")
                #expect(Self.holds(joined, values), "join lost the first state")
                zone = joined
            }
            #expect(Self.holds(zone, values), "a stored constraint fails for the concrete values")
        }
    }

    static func holds(_ zone: Zone, _ values: [Zone.Variable: Int64]) -> Bool {
        for (i, a) in zone.variables.enumerated() {
            for (j, b) in zone.variables.enumerated() where i != j {
                let c = zone.at(i, j)
                if c != Zone.infinity, values[a]! - values[b]! > c { return false }
            }
        }
        return true
    }

    struct SplitMix {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9e37_79b9_7f4a_7c15
            var z = state
            z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
            z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
            return z ^ (z >> 31)
        }
    }
}

extension Zone {
    /// The zone with `x − y ≤ c` added, or nil when that is infeasible (for `#expect`).
    func adding(_ x: Variable, _ y: Variable, _ c: Int64, _ interval: (Variable) -> Interval) -> Zone? {
        var copy = self
        return copy.addConstraint(x, y, c, interval) ? copy : nil
    }
}
