import EBPFCore

/// The exact invalid-instruction traps both engines raise, by slot, and the fell-off-the-end
/// trap at index `count` of the program: what trap records index. It shares the decoded
/// program's table (``EBPFCore/DecodedProgram/staticTraps``) instead of copying it, as a
/// compilation would otherwise copy every entry, strings included.
struct StaticTrapTable: Sendable {
    /// The decoded program's traps, one per slot.
    let slots: [ExecutionTrap?]

    /// Entries: one per slot, then the fell-off-the-end trap.
    var count: Int { slots.count + 1 }

    subscript(index: Int) -> ExecutionTrap? {
        index == slots.count ? .fellOffEnd(programCount: slots.count) : slots[index]
    }

    /// The slot entry `index`'s trap names: its trap's `pc`, or `index` where there is none. Built
    /// without the trap itself for the fell-off-the-end entry (whose `pc` is the program's
    /// length), which every compilation asks for: making the trap value (its reason is a string)
    /// and destroying it again cost more than the rest of the question.
    func pc(at index: Int) -> Int {
        index == slots.count ? index : slots[index]?.pc ?? index
    }
}
