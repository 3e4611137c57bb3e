import EBPFCore

/// Which eBPF registers some path from the entry may read before writing them: the only ones
/// the prologue must zero (R1, R2 and R10 are loaded anyway). A register is read before it is
/// written on some path from the entry exactly when it is live at the entry, so this is a
/// liveness analysis on effects of its own (``effects(of:_:)``), which ``ProgramAnalysis`` solves
/// together with ``RegisterLiveness``'s (``RegisterLiveness/solve(_:successors:_:_:)``): one
/// summary per block and one set of sweeps for both.
///
/// Conservative where it is not exact: a program with local calls zeroes every register it
/// uses (a callee reads what its callers left, whichever they were), a helper call reads R1–R5
/// (and writes R0–R5), `exit` reads R0, an atomic reads and writes R0 and its source whatever its
/// operation, and a conditional jump whose taking traps reads everything; a slot that traps
/// when reached ends every path through it.
struct RegisterDefinedness {
    /// Bit n set: Rn may be read before it is written.
    let needsZero: UInt16

    /// The entry of a slot that traps when reached, in ``effects(of:_:)``'s encoding: it reads
    /// nothing and "writes" every register, so nothing after it counts.
    static let trap: UInt32 = 0xffff

    /// From what is live at the entry under ``effects(of:_:)`` (`liveAtEntry`) and the registers
    /// the program uses (`used`, bit n for Rn); `zeroesEveryUsed` for a program with local calls
    /// (or without blocks), which zeroes every used register but those loaded.
    init(liveAtEntry: UInt16, used: UInt16, zeroesEveryUsed: Bool) {
        let loaded: UInt16 = 1 << 1 | 1 << 2 | 1 << 10
        needsZero = (zeroesEveryUsed ? used : liveAtEntry & RegisterMask.all.rawValue & used) & ~loaded
    }

    /// What one instruction that runs reads (high 16 bits) and writes (low 16 bits), from
    /// `effects` (its ``EBPFCore/DecodedOperation/registerEffects``), except that every atomic
    /// counts as reading and writing R0 and its source.
    static func effects(of operation: DecodedOperation, _ effects: (reads: RegisterMask, writes: RegisterMask)) -> UInt32 {
        if case .atomic(_, _, let base, _, let src) = operation {
            let both = RegisterMask.register(src).union(.register(0))
            return UInt32(both.union(.register(base)).rawValue) << 16 | UInt32(both.rawValue)
        }
        return UInt32(effects.reads.rawValue) << 16 | UInt32(effects.writes.rawValue)
    }
}
