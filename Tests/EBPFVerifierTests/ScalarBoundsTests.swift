import EBPFCore
import Testing
import EBPFTestSupport
@testable import EBPFVerifier

/// Soundness of the abstract domain: for random operands, the abstract result of every ALU
/// operation and every comparison contains the concrete result computed independently.
@Suite struct ScalarBoundsTests {
    static let edges: [UInt64] = [
        0, 1, 2, 3, 7, 8, 31, 32, 63, 64, 255, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff, 0x1_0000_0000,
        UInt64(bitPattern: -1), UInt64(bitPattern: -2), UInt64(bitPattern: Int64.min), UInt64(Int64.max),
    ]

    static func value(_ random: inout SplitMix64) -> UInt64 {
        switch random.next() % 4 {
        case 0: edges[Int(random.next() % UInt64(edges.count))]
        case 1: random.next() % 256
        case 2: random.next() & 0xffff_ffff
        default: random.next()
        }
    }

    /// Bounds containing both `x` and `y` (and so every value between in some view).
    static func bounds(_ x: UInt64, _ y: UInt64) -> ScalarBounds {
        ScalarBounds.constant(x).union(.constant(y))
    }

    static func contains(_ bounds: ScalarBounds, _ x: UInt64) -> Bool {
        bounds.unsignedMin <= x && x <= bounds.unsignedMax
            && bounds.signedMin <= Int64(bitPattern: x) && Int64(bitPattern: x) <= bounds.signedMax
            && bounds.bits.contains(value: x)
    }

    static let operations: [BinaryOperator] = BinaryOperator.allCases.filter { $0 != .mov }

    @Test(arguments: [false, true])
    func binaryOperationsAreSound(is32: Bool) {
        var random = SplitMix64(seed: is32 ? 32 : 64)
        for _ in 0..<3000 {
            let (a1, a2, b1, b2) = (Self.value(&random), Self.value(&random), Self.value(&random), Self.value(&random))
            let a = Self.bounds(a1, a2)
            let b = Self.bounds(b1, b2)
            for operation in Self.operations {
                let abstract = ScalarBounds.binary(operation, is32: is32, a, b)
                for x in [a1, a2] {
                    for y in [b1, b2] {
                        let concrete = ConcreteALU.binary(operation, is32: is32, x, y)
                        #expect(Self.contains(abstract, concrete), "\(operation) \(x) \(y) -> \(concrete) not in \(abstract)")
                    }
                }
            }
        }
    }

    @Test func extensionsAndSwapsAreSound() {
        var random = SplitMix64(seed: 7)
        for _ in 0..<3000 {
            let (x, y) = (Self.value(&random), Self.value(&random))
            let a = Self.bounds(x, y)
            for v in [x, y] {
                for width in [8, 16, 32] {
                    let shift = UInt64(64 - width)
                    #expect(Self.contains(a.truncated(toBits: width), (v << shift) >> shift))
                    let extended = UInt64(bitPattern: Int64(bitPattern: v << shift) >> Int64(shift))
                    #expect(Self.contains(a.signExtended(fromBits: width), extended))
                }
                for width in [16, 32, 64] {
                    #expect(Self.contains(a.byteSwapped(bits: width), v.byteSwapped >> UInt64(64 - width)))
                }
                #expect(Self.contains(ScalarBounds.negate(a, is32: false), 0 &- v))
            }
        }
    }

    static let comparisons: [(ScalarBounds.Comparison, @Sendable (UInt64, UInt64) -> Bool)] = [
        (.equal, { $0 == $1 }), (.notEqual, { $0 != $1 }),
        (.greater, { $0 > $1 }), (.greaterOrEqual, { $0 >= $1 }), (.less, { $0 < $1 }), (.lessOrEqual, { $0 <= $1 }),
        (.signedGreater, { Int64(bitPattern: $0) > Int64(bitPattern: $1) }),
        (.signedGreaterOrEqual, { Int64(bitPattern: $0) >= Int64(bitPattern: $1) }),
        (.signedLess, { Int64(bitPattern: $0) < Int64(bitPattern: $1) }),
        (.signedLessOrEqual, { Int64(bitPattern: $0) <= Int64(bitPattern: $1) }),
        (.bitsSet, { $0 & $1 != 0 }), (.noBitsSet, { $0 & $1 == 0 }),
    ]

    @Test func comparisonsKeepEveryValueThatSatisfiesThem() {
        var random = SplitMix64(seed: 99)
        for _ in 0..<3000 {
            let (a1, a2, b1, b2) = (Self.value(&random), Self.value(&random), Self.value(&random), Self.value(&random))
            // Mix tight operands (constants) with wide ones.
            let a = random.next() % 3 == 0 ? ScalarBounds.constant(a1) : Self.bounds(a1, a2)
            let b = random.next() % 3 == 0 ? ScalarBounds.constant(b1) : Self.bounds(b1, b2)
            let aValues = a.isConstant ? [a1] : [a1, a2]
            let bValues = b.isConstant ? [b1] : [b1, b2]
            for (comparison, holds) in Self.comparisons {
                let refined = ScalarBounds.assuming(a, comparison, b)
                for x in aValues {
                    for y in bValues where holds(x, y) {
                        guard let (ra, rb) = refined else {
                            Issue.record("\(comparison) \(x) \(y) holds but judged impossible for \(a) \(b)")
                            continue
                        }
                        #expect(Self.contains(ra, x) && Self.contains(rb, y), "\(comparison) \(x) \(y): \(ra) \(rb)")
                    }
                }
            }
        }
    }

    @Test func constantsFoldExactly() {
        #expect(ScalarBounds.binary(.div, is32: false, .constant(7), .constant(0)).constantValue == 0)
        #expect(ScalarBounds.binary(.mod, is32: true, .constant(0xffff_ffff_0000_0007), .constant(0)).constantValue == 7)
        #expect(ScalarBounds.binary(.sdiv, is32: false, .constant(UInt64(bitPattern: Int64.min)), .constant(UInt64.max))
            .constantValue == UInt64(bitPattern: Int64.min))
    }

    @Test func rangesAndBitsTightenEachOther() {
        let masked = ScalarBounds.binary(.and, is32: false, .unknown, .constant(0xff))
        #expect(masked.unsignedMax == 0xff && masked.signedMin == 0)
        let range = ScalarBounds.unsigned(16, 31)
        #expect(range.bits == Tnum(value: 16, mask: 15))
    }
}
