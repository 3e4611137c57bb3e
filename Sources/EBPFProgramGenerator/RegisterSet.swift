/// A set of eBPF registers (R0–R10) as a bit mask, cheap to copy and intersect.
struct RegisterSet: Hashable, Sendable {
    var bits: UInt16

    init(bits: UInt16 = 0) {
        self.bits = bits
    }

    init(_ registers: [UInt8]) {
        bits = 0
        for register in registers { insert(register) }
    }

    /// R0–R8: the registers the generator may treat as scalars (R9 holds the buffer pointer, R10 the frame).
    static let scalars = RegisterSet(bits: 0x01ff)
    /// R1–R5: arguments, clobbered by every call.
    static let arguments = RegisterSet(bits: 0x003e)
    /// R6–R8: callee-saved registers the generator may use for loop counters.
    static let calleeSavedScalars = RegisterSet(bits: 0x01c0)

    func contains(_ register: UInt8) -> Bool { bits & (1 << register) != 0 }
    mutating func insert(_ register: UInt8) { bits |= 1 << register }
    mutating func remove(_ register: UInt8) { bits &= ~(1 << register) }

    func intersection(_ other: RegisterSet) -> RegisterSet { RegisterSet(bits: bits & other.bits) }
    func union(_ other: RegisterSet) -> RegisterSet { RegisterSet(bits: bits | other.bits) }
    func subtracting(_ other: RegisterSet) -> RegisterSet { RegisterSet(bits: bits & ~other.bits) }

    var isEmpty: Bool { bits == 0 }
    var count: Int { bits.nonzeroBitCount }

    /// The members in ascending order.
    var members: [UInt8] {
        (0..<16).compactMap { contains(UInt8($0)) ? UInt8($0) : nil }
    }

    /// A uniformly chosen member, or `nil` when empty.
    func randomMember(using rng: inout SplitMix64) -> UInt8? {
        guard !isEmpty else { return nil }
        var skip = rng.below(count)
        var remaining = bits
        while true {
            let register = UInt8(remaining.trailingZeroBitCount)
            if skip == 0 { return register }
            skip -= 1
            remaining &= remaining - 1
        }
    }
}
