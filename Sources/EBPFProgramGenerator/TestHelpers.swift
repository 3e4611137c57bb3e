import EBPFCore

/// Deterministic, pure helpers for generated programs: each result depends only on the arguments
/// its signature declares, so both engines must produce the same R0 whatever they leave in the
/// other argument registers.
///
/// Helper 5 is the conformance corpus's identity helper, so the same registry runs the corpus too.
public enum TestHelpers {
    /// `mix2(a, b)`: a 64-bit hash of two values.
    public static let mix2 = HelperFunction(
        id: 1, name: "test_mix2", signature: scalarSignature(arguments: 2),
        body: { a, b, _, _, _ in testHelperMix(a ^ testHelperRotate(b, 17)) }
    )
    /// `mix5(a, b, c, d, e)`: a 64-bit hash of all five argument registers.
    public static let mix5 = HelperFunction(
        id: 2, name: "test_mix5", signature: scalarSignature(arguments: 5),
        body: { a, b, c, d, e in
            var h = testHelperMix(a)
            h = testHelperMix(h ^ b)
            h = testHelperMix(h &+ c)
            h = testHelperMix(h ^ testHelperRotate(d, 31))
            return testHelperMix(h &- e)
        }
    )
    /// `rotate(a, b)`: `a` rotated left by `b & 63` bits.
    public static let rotate = HelperFunction(
        id: 3, name: "test_rotate", signature: scalarSignature(arguments: 2),
        body: { a, b, _, _, _ in testHelperRotate(a, b) }
    )
    /// `constant()`: always `0x0123_4567_89ab_cdef`; reads no argument.
    public static let constant = HelperFunction(
        id: 4, name: "test_constant", signature: scalarSignature(arguments: 0),
        body: { _, _, _, _, _ in 0x0123_4567_89ab_cdef }
    )
    /// `identity(a)`: returns its first argument (the conformance corpus's helper 5).
    public static let identity = HelperFunction(
        id: 5, name: "identity", signature: scalarSignature(arguments: 1),
        body: { a, _, _, _, _ in a }
    )
    /// `sum3(a, b, c)`: the wrapping sum `a + b + c`.
    public static let sum3 = HelperFunction(
        id: 6, name: "test_sum3", signature: scalarSignature(arguments: 3),
        body: { a, b, c, _, _ in a &+ b &+ c }
    )

    /// Every test helper, by ascending id.
    public static let all: [HelperFunction] = [mix2, mix5, rotate, constant, identity, sum3]

    /// A registry holding ``all``.
    public static let registry = HelperRegistry(all)

    /// How many argument registers (R1 first) `helper` reads.
    public static func argumentCount(of helper: HelperFunction) -> Int {
        helper.signature.arguments.count
    }

    private static func scalarSignature(arguments: Int) -> HelperSignature {
        HelperSignature(arguments: Array(repeating: .scalar, count: arguments), returns: .scalar)
    }
}

// Free functions so the @convention(c) bodies above can call them without capturing anything.

func testHelperMix(_ value: UInt64) -> UInt64 {
    SplitMix64.mix(value)
}

func testHelperRotate(_ value: UInt64, _ count: UInt64) -> UInt64 {
    let shift = count & 63
    return shift == 0 ? value : (value << shift) | (value >> (64 - shift))
}
