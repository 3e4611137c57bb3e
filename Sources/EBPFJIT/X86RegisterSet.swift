import X86Encoding

/// A set of x86 registers as 16 bits (bit n: the register whose encoding is n), for the
/// lowering's register sets: building, testing and filtering one allocates nothing, and it
/// iterates in encoding order.
struct X86RegisterSet: Sequence, ExpressibleByArrayLiteral, Equatable {
    private(set) var bits: UInt16 = 0

    init() {}

    init(arrayLiteral registers: X86Register...) {
        for register in registers { insert(register) }
    }

    func contains(_ register: X86Register) -> Bool { bits & (1 << UInt16(register.rawValue)) != 0 }

    mutating func insert(_ register: X86Register) { bits |= 1 << UInt16(register.rawValue) }

    var isEmpty: Bool { bits == 0 }

    var count: Int { bits.nonzeroBitCount }

    /// The registers of the set that satisfy `isIncluded`.
    func filter(_ isIncluded: (X86Register) -> Bool) -> X86RegisterSet {
        var kept = X86RegisterSet()
        for register in self where isIncluded(register) { kept.insert(register) }
        return kept
    }

    /// The registers in encoding order.
    struct Iterator: IteratorProtocol {
        var remaining: UInt16

        mutating func next() -> X86Register? {
            guard remaining != 0 else { return nil }
            let number = UInt8(remaining.trailingZeroBitCount)
            remaining &= remaining - 1
            return X86Register(rawValue: number)
        }
    }

    func makeIterator() -> Iterator { Iterator(remaining: bits) }
}
