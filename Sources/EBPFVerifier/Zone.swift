/// A zone: a conjunction of difference constraints `x − y ≤ c` between a few variables, kept
/// as a difference-bound matrix (DBM). It is the verifier's relational numeric domain: what
/// the intervals of ``ScalarBounds`` cannot say, such as `i ≤ len − 1` or `p = data + i`.
///
/// Variables are the constant 0 (``zero``, so `x − 0 ≤ c` is an upper bound), the input
/// length (``length``, with `len >> k` as ``scaledLength(_:)``), and places of the abstract
/// state (registers and stack slots of each frame, ``location(_:)``). A place's variable means
/// its value as a mathematical integer: the unsigned 64-bit value of a scalar, the offset from
/// the input's start of a pointer into the input (its end included). Only variables with at
/// least one constraint are stored, so the matrix stays small (typically under a dozen rows).
///
/// Bounds are `Int64` with ``infinity`` for "no constraint"; every stored finite bound lies in
/// `-limit...limit`, and arithmetic on bounds rounds towards weaker bounds (a sum above `limit`
/// becomes infinity, one below `-limit` becomes `-limit`), so nothing overflows and nothing is
/// made up. The matrix is closed after ``addConstraint(_:_:_:)`` (incremental closure); the
/// other operations keep it sound but not necessarily closed.
///
/// Intervals known from elsewhere (the registers' bounds) are not stored: the operations that
/// need them take a function giving each variable's ``Interval``, and combine one hop through
/// 0 with the stored constraints (``upper(_:_:)``, ``bound(_:_:_:)``).
struct Zone: Hashable, Sendable {
    typealias Variable = UInt16

    /// Lower and upper bounds of a variable (``Zone/infinity`` and `-infinity` when unbounded).
    struct Interval: Hashable, Sendable {
        var low: Int64
        var high: Int64

        static let unbounded = Interval(low: Zone.minusInfinity, high: Zone.infinity)
        static let zero = Interval(low: 0, high: 0)

        /// `low...high` clamped into the zone's range (values outside become unbounded).
        init(low: Int64, high: Int64) {
            self.low = low < -Zone.limit ? Zone.minusInfinity : low
            self.high = high > Zone.limit ? Zone.infinity : high
        }

        /// An unsigned 64-bit range.
        init(unsignedMin: UInt64, unsignedMax: UInt64) {
            self.init(
                low: unsignedMin > UInt64(Zone.limit) ? Zone.limit : Int64(unsignedMin),
                high: unsignedMax > UInt64(Zone.limit) ? Zone.infinity : Int64(unsignedMax))
        }
    }

    static let infinity = Int64.max
    static let minusInfinity = Int64.min
    /// The largest magnitude of a finite bound.
    static let limit: Int64 = 1 << 61

    static let zero: Variable = 0
    static let length: Variable = 1
    /// The largest `k` of ``scaledLength(_:)``.
    static let maxScaleShift = 6
    /// `len >> shift` (`shift` in 1...``maxScaleShift``): `2^shift · v ≤ len`.
    static func scaledLength(_ shift: Int) -> Variable { Variable(1 + shift) }
    /// The shift of a scaled length variable (0 for the length itself), or nil.
    static func lengthShift(_ variable: Variable) -> Int? {
        variable >= length && variable <= scaledLength(maxScaleShift) ? Int(variable - length) : nil
    }
    private static let firstLocation: Variable = 8
    private static let placesPerFrame = 11 + FunctionFrame.slotCount

    /// The variable of a register or stack slot.
    static func location(_ location: LinearRelation.Location) -> Variable {
        firstLocation + Variable(location.frame * placesPerFrame + location.index)
    }

    /// The register or stack slot of a variable, nil for 0 and the lengths.
    static func place(of variable: Variable) -> LinearRelation.Location? {
        guard variable >= firstLocation else { return nil }
        let offset = Int(variable - firstLocation)
        return LinearRelation.Location(frame: offset / placesPerFrame, index: offset % placesPerFrame)
    }

    /// Tracked variables in increasing order; ``zero`` always first.
    private(set) var variables: [Variable] = [zero]
    /// `bounds[i * stride + j]`: `variables[i] − variables[j] ≤ bounds[i * stride + j]`, for
    /// `i, j < count`; the rest is spare room, so that a variable comes and goes without a new
    /// allocation.
    private var bounds: [Int64]
    /// The row length of `bounds` (at least `count`).
    private var stride: Int

    init() {
        stride = 8
        bounds = [Int64](repeating: Self.infinity, count: 64)
        bounds[0] = 0
    }

    /// A zone tracking `variables` (sorted, ``zero`` first) without constraints.
    private init(variables: [Variable]) {
        self.variables = variables
        stride = max(8, variables.count)
        bounds = [Int64](repeating: Self.infinity, count: stride * stride)
        for i in 0..<variables.count { bounds[i * stride + i] = 0 }
    }

    static func == (a: Zone, b: Zone) -> Bool {
        guard a.variables == b.variables else { return false }
        for i in 0..<a.count {
            for j in 0..<a.count where a.at(i, j) != b.at(i, j) { return false }
        }
        return true
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(variables)
        for i in 0..<count {
            for j in 0..<count { hasher.combine(at(i, j)) }
        }
    }

    var count: Int { variables.count }

    /// Whether no constraint is stored (only 0 is tracked).
    var isTrivial: Bool { variables.count == 1 }

    func index(of variable: Variable) -> Int? {
        var low = 0
        var high = variables.count
        while low < high {
            let middle = (low + high) / 2
            if variables[middle] < variable { low = middle + 1 } else { high = middle }
        }
        return low < variables.count && variables[low] == variable ? low : nil
    }

    @inline(__always) func at(_ i: Int, _ j: Int) -> Int64 { bounds[i * stride + j] }

    /// The stored bound of `x − y` (infinity when either is not tracked).
    func stored(_ x: Variable, _ y: Variable) -> Int64 {
        if x == y { return 0 }
        guard let i = index(of: x), let j = index(of: y) else { return Self.infinity }
        return at(i, j)
    }

    // MARK: - Bound arithmetic (rounding towards weaker bounds)

    /// `a + b` for upper bounds.
    @inline(__always) static func plus(_ a: Int64, _ b: Int64) -> Int64 {
        if a == infinity || b == infinity { return infinity }
        let sum = a + b
        if sum > limit { return infinity }
        return sum < -limit ? -limit : sum
    }

    /// The negation of a lower bound, as an upper bound of the negated value.
    @inline(__always) static func negated(_ low: Int64) -> Int64 { low == minusInfinity ? infinity : -low }

    /// `low − bound` for lower bounds (`y ≥ low` and `y − x ≤ bound` give `x ≥ low − bound`).
    @inline(__always) static func lowerMinus(_ low: Int64, _ bound: Int64) -> Int64 {
        if low == minusInfinity || bound == infinity { return minusInfinity }
        let difference = low - bound
        if difference < -limit { return minusInfinity }
        return difference > limit ? limit : difference
    }

    // MARK: - Variables

    /// Adds `variable` without constraints; returns its index.
    @discardableResult
    mutating func insert(_ variable: Variable) -> Int {
        if let existing = index(of: variable) { return existing }
        var position = 0
        while position < variables.count && variables[position] < variable { position += 1 }
        let n = variables.count
        if n == stride {
            // Twice the room, the constraints copied over.
            let wider = stride * 2
            var grown = [Int64](repeating: Self.infinity, count: wider * wider)
            for i in 0..<n {
                for j in 0..<n { grown[i * wider + j] = bounds[i * stride + j] }
            }
            bounds = grown
            stride = wider
        }
        let s = stride
        bounds.withUnsafeMutableBufferPointer { b in
            // Rows at and after the position move down one, then columns right one.
            var i = n - 1
            while i >= position {
                for j in 0..<n { b[(i + 1) * s + j] = b[i * s + j] }
                i -= 1
            }
            for row in 0...n {
                var j = n - 1
                while j >= position {
                    b[row * s + j + 1] = b[row * s + j]
                    j -= 1
                }
            }
            for k in 0...n {
                b[position * s + k] = Self.infinity
                b[k * s + position] = Self.infinity
            }
            b[position * s + position] = 0
        }
        variables.insert(variable, at: position)
        return position
    }

    /// Removes the variable at `index` and its constraints (no closure through it).
    private mutating func remove(at index: Int) {
        let n = variables.count
        let s = stride
        bounds.withUnsafeMutableBufferPointer { b in
            for i in index..<(n - 1) {
                for j in 0..<n { b[i * s + j] = b[(i + 1) * s + j] }
            }
            for row in 0..<(n - 1) {
                for j in index..<(n - 1) { b[row * s + j] = b[row * s + j + 1] }
            }
        }
        variables.remove(at: index)
    }

    /// Projects `variable` out: what it implied between the others is kept (one closure step
    /// through it), then it is removed. Used when its place is overwritten or dies.
    mutating func forget(_ variable: Variable) {
        guard variable != Self.zero, let k = index(of: variable) else { return }
        let n = variables.count
        for a in 0..<n where a != k {
            let ak = bounds[a * stride + k]
            if ak == Self.infinity { continue }
            for b in 0..<n where b != k {
                let through = Self.plus(ak, bounds[k * stride + b])
                if through < bounds[a * stride + b] { bounds[a * stride + b] = through }
            }
        }
        remove(at: k)
    }

    /// Forgets every variable `predicate` selects.
    mutating func forgetAll(where predicate: (Variable) -> Bool) {
        for variable in variables.reversed() where variable != Self.zero && predicate(variable) { forget(variable) }
    }

    // MARK: - Queries

    /// The best upper bound of `x`: through a stored constraint to some variable and that
    /// variable's interval (`x − a ≤ c`, `a ≤ h` give `x ≤ c + h`), or x's own interval.
    func upper(_ x: Variable, _ interval: (Variable) -> Interval) -> Int64 {
        guard let i = index(of: x) else { return interval(x).high }
        var best = own(i, interval).high
        for a in 0..<variables.count where a != i {
            let c = at(i, a)
            if c == Self.infinity { continue }
            best = min(best, Self.plus(c, own(a, interval).high))
        }
        return best
    }

    /// The best lower bound of `x` (`a − x ≤ c`, `a ≥ l` give `x ≥ l − c`).
    func lower(_ x: Variable, _ interval: (Variable) -> Interval) -> Int64 {
        guard let i = index(of: x) else { return interval(x).low }
        var best = own(i, interval).low
        for a in 0..<variables.count where a != i {
            let c = at(a, i)
            if c == Self.infinity { continue }
            best = max(best, Self.lowerMinus(own(a, interval).low, c))
        }
        return best
    }

    /// The interval of the variable at index `i` on its own: 0 for ``zero``, the bounds stored
    /// through 0 for a length (no register holds them), the given interval for a place.
    @inline(__always) private func own(_ i: Int, _ interval: (Variable) -> Interval) -> Interval {
        let v = variables[i]
        if v == Self.zero { return .zero }
        if Self.lengthShift(v) != nil {
            return Interval(low: Self.lowerMinus(0, at(0, i)), high: at(i, 0))
        }
        return interval(v)
    }

    /// The best bound of `x − y`: the stored one, or x's upper bound minus y's lower bound.
    func bound(_ x: Variable, _ y: Variable, _ interval: (Variable) -> Interval) -> Int64 {
        if x == y { return 0 }
        let direct = stored(x, y)
        let high = x == Self.zero ? 0 : upper(x, interval)
        let low = y == Self.zero ? 0 : lower(y, interval)
        if high == Self.infinity || low == Self.minusInfinity { return direct }
        let difference = high - low
        return min(direct, difference > Self.limit ? Self.infinity : difference)
    }

    // MARK: - Assignment

    /// `x := y + d` with `d` in `low...high` (`low` may be minus infinity, `high` infinity);
    /// `y` may be `x` (an increment). x's old constraints are replaced.
    mutating func assign(_ x: Variable, _ y: Variable, plus low: Int64, _ high: Int64) {
        if low == Self.minusInfinity && high == Self.infinity {
            forget(x)
            return
        }
        // An untracked variable moved by a constant stays untracked.
        if x == y && index(of: x) == nil { return }
        insert(y)
        insert(x)
        let xi = index(of: x)!
        let yi = index(of: y)!
        let n = variables.count
        let s = stride
        let minusLow = Self.negated(low)
        // In place: x's row and column come from y's (the same cells when x is y).
        bounds.withUnsafeMutableBufferPointer { b in
            for w in 0..<n where w != xi {
                if w == yi {
                    b[xi * s + w] = high > Self.limit ? Self.infinity : high
                    b[w * s + xi] = minusLow > Self.limit ? Self.infinity : minusLow
                } else {
                    b[xi * s + w] = Self.plus(b[yi * s + w], high)
                    b[w * s + xi] = Self.plus(b[w * s + yi], minusLow)
                }
            }
        }
    }

    /// `x := y + z` where `y` and `z` have the given bounds (before the assignment); either may
    /// be `x`. Gives `x − y` within z's bounds and `x − z` within y's, and what follows through
    /// their constraints.
    mutating func assignSum(_ x: Variable, _ y: Variable, _ yBounds: Interval, _ z: Variable, _ zBounds: Interval) {
        insert(y)
        insert(z)
        insert(x)
        let xi = index(of: x)!
        let yi = index(of: y)!
        let zi = index(of: z)!
        let n = variables.count
        let s = stride
        bounds.withUnsafeMutableBufferPointer { b in
            for w in 0..<n where w != xi {
                let yw = w == yi ? 0 : b[yi * s + w]
                let zw = w == zi ? 0 : b[zi * s + w]
                let wy = w == yi ? 0 : b[w * s + yi]
                let wz = w == zi ? 0 : b[w * s + zi]
                b[xi * s + w] = min(Self.plus(yw, zBounds.high), Self.plus(zw, yBounds.high))
                b[w * s + xi] = min(Self.plus(wy, Self.negated(zBounds.low)), Self.plus(wz, Self.negated(yBounds.low)))
            }
        }
        if !hasConstraint(at: index(of: x)!) { forget(x) }
    }

    private func hasConstraint(at i: Int) -> Bool {
        let n = variables.count
        for j in 0..<n where j != i {
            if bounds[i * stride + j] != Self.infinity || bounds[j * stride + i] != Self.infinity { return true }
        }
        return false
    }

    // MARK: - Constraints

    /// Adds `x − y ≤ c` and closes the matrix incrementally. Returns false when the constraints
    /// (with the intervals) have no solution: the path that assumed them cannot happen.
    mutating func addConstraint(_ x: Variable, _ y: Variable, _ c: Int64, _ interval: (Variable) -> Interval) -> Bool {
        if x == y { return c >= 0 }
        if c > Self.limit { return true }
        if c < -Self.limit { return true }  // beyond what the zone expresses: keep nothing
        // Infeasible when y − x ≤ d with c + d < 0.
        let reverse = bound(y, x, interval)
        if reverse != Self.infinity && c + reverse < 0 { return false }
        insert(x)
        insert(y)
        let i = index(of: x)!
        let j = index(of: y)!
        let n = variables.count
        if c >= bounds[i * stride + j] { return true }
        for a in 0..<n {
            let ai = a == i ? 0 : bounds[a * stride + i]
            if ai == Self.infinity { continue }
            let aic = Self.plus(ai, c)
            for b in 0..<n {
                let jb = b == j ? 0 : bounds[j * stride + b]
                let through = Self.plus(aic, jb)
                if through < bounds[a * stride + b] { bounds[a * stride + b] = through }
            }
        }
        for a in 0..<n where bounds[a * stride + a] < 0 { return false }
        for a in 0..<n { bounds[a * stride + a] = 0 }
        return true
    }

    // MARK: - Lattice

    /// Drops what the intervals already say, so the matrix stays small: a bound through 0 of a
    /// place (its interval holds it), and a bound between a place whose value is a constant and
    /// another place, when the intervals imply it. Bounds between two places that are not
    /// constants are kept even when their current intervals imply them (widening may later give
    /// up those intervals, and the relation is what remains), and so are bounds with the lengths
    /// (including their own bounds through 0, which no interval holds). Variables left without
    /// constraints are removed.
    mutating func dropRedundant(_ interval: (Variable) -> Interval) {
        let n = variables.count
        guard n > 1 else { return }
        var intervals = [Interval]()
        intervals.reserveCapacity(n)
        for v in variables {
            intervals.append(v == Self.zero ? .zero : (Self.lengthShift(v) != nil ? .unbounded : interval(v)))
        }
        for i in 0..<n {
            for j in 0..<n where i != j {
                let c = bounds[i * stride + j]
                if c == Self.infinity { continue }
                let x = variables[i]
                let y = variables[j]
                if Self.lengthShift(x) != nil || Self.lengthShift(y) != nil { continue }
                let isUnary = x == Self.zero || y == Self.zero
                let hasConstant =
                    (intervals[i].high == intervals[i].low && intervals[i].high != Self.infinity)
                    || (intervals[j].high == intervals[j].low && intervals[j].high != Self.infinity)
                guard isUnary || hasConstant else { continue }
                let high = intervals[i].high
                let low = intervals[j].low
                if high != Self.infinity && low != Self.minusInfinity && high - low <= c {
                    bounds[i * stride + j] = Self.infinity
                }
            }
        }
        var k = n - 1
        while k > 0 {
            if !hasConstraint(at: k) { remove(at: k) }
            k -= 1
        }
    }

    /// Whether every constraint stored in `self` holds in `other` (with other's intervals):
    /// then every concrete state `other` describes satisfies `self`'s constraints.
    func isEntailed(by other: Zone, _ interval: (Variable) -> Interval) -> Bool {
        let n = variables.count
        for i in 0..<n {
            for j in 0..<n where i != j {
                let c = bounds[i * stride + j]
                if c == Self.infinity { continue }
                if other.bound(variables[i], variables[j], interval) > c { return false }
            }
        }
        return true
    }

    /// The join of two zones (each with its own intervals): for each pair of variables either
    /// tracks (or `extra` names), the weaker of the two bounds, so the result holds wherever either
    /// does. With `widening`, a bound of `new` weaker than `old`'s goes to the next threshold or
    /// is dropped (the widening that makes loop invariants converge). Redundant bounds are dropped against `joined`'s intervals.
    static func join(
        _ old: Zone, _ oldInterval: (Variable) -> Interval, _ new: Zone, _ newInterval: (Variable) -> Interval,
        joined: (Variable) -> Interval, widening: ScalarBounds.Widening, including extra: [Variable] = []
    ) -> Zone {
        var union = old.variables
        for v in new.variables where old.index(of: v) == nil { union.append(v) }
        for v in extra where !union.contains(v) { union.append(v) }
        union.sort()
        let n = union.count
        var result = Zone(variables: union)
        // Upper and lower bounds of every variable in each state, then the pairwise bounds.
        func extremes(_ zone: Zone, _ interval: (Variable) -> Interval) -> ([Int64], [Int64]) {
            var highs = [Int64](repeating: infinity, count: n)
            var lows = [Int64](repeating: minusInfinity, count: n)
            for (k, v) in union.enumerated() {
                if v == zero {
                    highs[k] = 0
                    lows[k] = 0
                } else {
                    highs[k] = zone.upper(v, interval)
                    lows[k] = zone.lower(v, interval)
                }
            }
            return (highs, lows)
        }
        let (oldHighs, oldLows) = extremes(old, oldInterval)
        let (newHighs, newLows) = extremes(new, newInterval)
        func isConstant(_ k: Int, _ highs: [Int64], _ lows: [Int64]) -> Bool {
            highs[k] != infinity && highs[k] == lows[k]
        }
        // A stored bound is used as it is (so a relation stays stable while the intervals around
        // it are widened); a pair the zone does not store gets what the intervals imply.
        func pairBound(_ zone: Zone, _ i: Int, _ j: Int, _ highs: [Int64], _ lows: [Int64]) -> Int64 {
            let direct = zone.stored(union[i], union[j])
            if direct != infinity && union[i] != zero && union[j] != zero { return direct }
            if highs[i] == infinity || lows[j] == minusInfinity { return direct }
            let difference = highs[i] - lows[j]
            return min(direct, difference > limit ? infinity : difference)
        }
        for i in 0..<n {
            for j in 0..<n where i != j {
                // Bounds either zone stores, the lengths' own bounds, a place below a length, and
                // bounds between two places that are constants in both states (`i = p = 0`, then
                // `i = p = 4`: an induction). Not two places whose intervals merely happen to
                // relate them.
                let isLengthBound =
                    (union[i] == zero && lengthShift(union[j]) != nil) || (union[j] == zero && lengthShift(union[i]) != nil)
                let isBelowLength = union[i] != zero && lengthShift(union[j]) != nil
                let related =
                    isLengthBound || isBelowLength || old.stored(union[i], union[j]) != infinity
                    || new.stored(union[i], union[j]) != infinity
                    || (isConstant(i, oldHighs, oldLows) && isConstant(j, oldHighs, oldLows)
                        && isConstant(i, newHighs, newLows) && isConstant(j, newHighs, newLows))
                guard related else { continue }
                let a = pairBound(old, i, j, oldHighs, oldLows)
                let b = pairBound(new, i, j, newHighs, newLows)
                var c = max(a, b)
                if b > a {
                    switch widening {
                    case .none: break
                    case .thresholds(let thresholds): c = thresholds.difference(atLeast: b) ?? infinity
                    case .limits: c = infinity
                    }
                }
                // A place below a length (`i ≤ len − 4`) is what proves accesses; other bounds
                // that only the intervals give are not worth keeping.
                if isBelowLength && c > 0 && old.stored(union[i], union[j]) == infinity
                    && new.stored(union[i], union[j]) == infinity
                {
                    c = infinity
                }
                result.bounds[i * result.stride + j] = c
            }
        }
        result.dropRedundant(joined)
        return result
    }

    // MARK: - Rendering

    /// The constraints, e.g. `R3<=len-1 len>=14`, with `name` naming each variable.
    func description(naming name: (Variable) -> String) -> [String] {
        var parts: [String] = []
        let n = variables.count
        for i in 0..<n {
            for j in 0..<n where i != j {
                let c = bounds[i * stride + j]
                if c == Self.infinity { continue }
                let x = variables[i]
                let y = variables[j]
                // A length known exactly (a fixed input size) is not worth a line.
                if x == Self.zero || y == Self.zero, at(j, i) == -c { continue }
                if y == Self.zero {
                    parts.append("\(name(x))<=\(c)")
                } else if x == Self.zero {
                    parts.append("\(name(y))>=\(-c)")
                } else {
                    parts.append("\(name(x))<=\(name(y))\(c < 0 ? "" : "+")\(c)")
                }
            }
        }
        return parts
    }
}
