import EBPFCore

/// The values widening may push a growing bound to before giving up on it (the type's limits):
/// the program's comparison and `mov` constants (each with its neighbours, since `i < 256`
/// leaves `i <= 255` on one side and `i == 256` after the increment on the other), the input
/// memory's size, and the limits of the 8-, 16- and 32-bit types. Jumping to the next constant
/// instead of straight to the limit is what lets `for (i = 0; i < 256; i++) a[i] = 0;` keep
/// `i` inside the array.
struct WideningThresholds: Sendable {
    /// Ascending.
    let unsigned: [UInt64]
    /// Ascending.
    let signed: [Int64]

    init(_ program: DecodedProgram, contextSize: Int?) {
        var constants: Set<Int64> = [0, 0xff, 0xffff, Int64(Int32.max), Int64(UInt32.max), Int64(Int32.min)]
        if let contextSize { constants.insert(Int64(contextSize)) }
        for slot in program.slots {
            switch slot.operation {
            case .conditionalJump(_, let width, _, .immediate(let immediate), _),
                .alu(.mov, let width, _, .immediate(let immediate)):
                constants.insert(Int64(immediate))
                if width == .bits32 { constants.insert(Int64(UInt32(bitPattern: immediate))) }
            default:
                break
            }
        }
        var values: Set<Int64> = []
        for constant in constants {
            values.insert(constant)
            if constant != .min { values.insert(constant - 1) }
            if constant != .max { values.insert(constant + 1) }
        }
        signed = values.sorted()
        unsigned = Set(values.map { UInt64(bitPattern: $0) }).sorted()
        var differences: Set<Int64> = []
        for value in values where value.magnitude <= UInt64(Zone.limit) {
            differences.insert(value)
            differences.insert(-value)
        }
        self.differences = differences.sorted()
    }

    /// Ascending: the thresholds and their negations, for the zone's bounds on differences
    /// (`i − len ≤ −4` widens through −4 before giving up).
    let differences: [Int64]

    /// The smallest difference threshold at least `value`, or nil (no bound).
    func difference(atLeast value: Int64) -> Int64? {
        let index = Self.firstIndex(in: differences) { $0 >= value }
        return index < differences.count ? differences[index] : nil
    }

    /// The smallest threshold at least `value`, or the type's maximum.
    func unsigned(atLeast value: UInt64) -> UInt64 {
        let index = Self.firstIndex(in: unsigned) { $0 >= value }
        return index < unsigned.count ? unsigned[index] : .max
    }

    /// The largest threshold at most `value`, or 0.
    func unsigned(atMost value: UInt64) -> UInt64 {
        let index = Self.firstIndex(in: unsigned) { $0 > value }
        return index > 0 ? unsigned[index - 1] : 0
    }

    func signed(atLeast value: Int64) -> Int64 {
        let index = Self.firstIndex(in: signed) { $0 >= value }
        return index < signed.count ? signed[index] : .max
    }

    func signed(atMost value: Int64) -> Int64 {
        let index = Self.firstIndex(in: signed) { $0 > value }
        return index > 0 ? signed[index - 1] : .min
    }

    /// Binary search: the first index whose element satisfies `predicate` (monotone over the
    /// sorted array), or `values.count`.
    private static func firstIndex<T>(in values: [T], where predicate: (T) -> Bool) -> Int {
        var low = 0
        var high = values.count
        while low < high {
            let middle = (low + high) / 2
            if predicate(values[middle]) { high = middle } else { low = middle + 1 }
        }
        return low
    }
}
