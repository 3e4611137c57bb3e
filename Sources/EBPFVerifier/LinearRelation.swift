/// A relation the widening loop policy keeps between a pointer and a number: the pointer's
/// address is `base + scale * counter + offset` (mod 2^64), with `base` the start of the
/// pointer's region (for the stack: the frame's R10) and `counter` the 64-bit value of a scalar.
///
/// It is the induction-variable fact of a loop that advances a pointer in step with a counter
/// (`p += 8; i += 1`) and tests only the counter: once the test bounds the counter, the
/// relation bounds the pointer's variable offset. Relations are found at loop heads from two
/// constant points (the state stored and the state arriving), kept exactly by copies, spills,
/// fills and the addition of constants, and dropped by any other write to either side (see
/// `AbstractInterpreter+Relations.swift`).
struct LinearRelation: Hashable, Sendable, Comparable {
    /// A register or a stack slot of one frame of a ``VerifierState``.
    struct Location: Hashable, Sendable, Comparable {
        /// The frame's depth (0 = entry function).
        var frame: Int
        /// 0...10 a register, 11 + n the stack slot n (``FunctionFrame/stack``).
        var index: Int

        static func register(_ number: Int, frame: Int) -> Location { Location(frame: frame, index: number) }
        static func slot(_ slot: Int, frame: Int) -> Location { Location(frame: frame, index: 11 + slot) }

        var isSlot: Bool { index >= 11 }

        static func < (a: Location, b: Location) -> Bool { (a.frame, a.index) < (b.frame, b.index) }
    }

    /// Where the pointer is.
    var pointer: Location
    /// Where the counter is.
    var counter: Location
    /// Bytes the pointer moves per unit of the counter (never 0).
    var scale: Int64
    /// The pointer's offset from its region's start when the counter is 0 (mod 2^64).
    var offset: Int64

    static func < (a: LinearRelation, b: LinearRelation) -> Bool {
        (a.pointer, a.counter, a.scale, a.offset) < (b.pointer, b.counter, b.scale, b.offset)
    }

    func involves(_ location: Location) -> Bool { pointer == location || counter == location }

    /// Whether a pointer at `pointerOffset` from its region's start and a counter `counter`
    /// satisfy the relation.
    func holds(pointerOffset: Int64, counter value: UInt64) -> Bool {
        pointerOffset == scale &* Int64(bitPattern: value) &+ offset
    }
}
