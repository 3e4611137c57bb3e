import EBPFCore
import X86Encoding

/// Loads assembled from bytes: clang's BPF backend reads a big-endian packet field byte by byte
/// (`ntohs(*(u16 *)p)` is `ldxb a, [p+1]; ldxb b, [p]; lsh32 b, 8; or32 b, a`), and a load
/// followed by a byte swap (`ldxw r, [p]; be32 r`) is one `movbe`. ``combinedLoad(at:)`` follows
/// the bytes through a short run of slots and, when one register ends up holding 2, 4 or 8
/// consecutive memory bytes in either order, lowers the run as one load (and a swap).
extension Lowering {
    /// Where each byte of a register's value comes from, for ``combinedLoad(at:)``: byte lane p
    /// (bits 8p…8p+7 of the value) is bits 8p…8p+7 of this word, 0 when that lane of the value is
    /// zero, else 128 + (memory offset − the first load's offset). Shifting the value by whole
    /// bytes shifts the word alike, and a 32-bit operation's truncation masks it alike.
    typealias ByteLanes = UInt64

    /// The longest run of slots from `pc` (one basic block, at most 16 slots) that computes one
    /// register's value from memory bytes only, when that value is 2, 4 or 8 consecutive bytes
    /// (little- or big-endian) and every other register the run writes is dead after it:
    /// - the run starts with a zero-extending load and holds only such loads from the same base
    ///   register (not written in the run, each access needing no run-time check), `lsh`/`rsh` by
    ///   whole bytes, `or` and `add` of registers whose bytes do not overlap, `mov` between
    ///   registers, and byte swaps, at either width;
    /// - every register it reads was written in it (except the base);
    /// - it is more than one slot.
    ///
    /// Each byte the combined load reads was read by one of the run's loads, all proven in
    /// bounds, so the wider access touches only memory the program may read; nothing in the run
    /// traps or has an effect but on registers, and those other than the result are not read
    /// again. Also with constant blinding: the run has no immediates but memory offsets and
    /// whole-byte shift counts, which blinding leaves as they are.
    mutating func combinedLoad(at pc: Int) -> Fusion? {
        guard case .operation(.load(_, let firstDst, let base, let firstOffset, false)) = analysis.slots[pc],
              firstDst != base, accessNeedsNoCheck(at: pc),
              pc + 1 < analysis.slots.count, continuesGroup(pc + 1),
              case .operation(let second) = analysis.slots[pc + 1], Self.mayContinueCombining(second) else { return nil }
        var lanes = InlineArray<11, ByteLanes>(repeating: 0)
        var known: UInt16 = 0  // registers whose value the lanes describe
        var written: UInt16 = 0
        var best: Fusion?
        let maxSlots = min(16, analysis.slots.count - pc)
        for k in 0..<maxSlots {
            if k > 0 && !continuesGroup(pc + k) { break }
            guard case .operation(let operation) = analysis.slots[pc + k],
                  let (dst, value) = combiningStep(operation, at: pc + k, base: base, firstOffset: firstOffset, lanes: lanes, known: known)
            else { break }
            lanes[Int(dst)] = value
            known |= 1 << UInt16(dst)
            written |= 1 << UInt16(dst)
            guard k > 0, let (bytes, bigEndian, relative) = Self.consecutiveBytes(value) else { continue }
            // Every other register the run wrote must be dead after it.
            var others = written & ~(1 << UInt16(dst))
            var othersDead = true
            while others != 0 {
                let number = UInt8(others.trailingZeroBitCount)
                others &= others - 1
                if liveness.isLive(number, after: pc + k) { othersDead = false; break }
            }
            guard othersDead else { continue }
            let address = X86Memory.at(r(base), Int32(firstOffset) + Int32(relative))
            best = Fusion(slots: k + 1, code: .combinedLoad(r(dst), address, bytes: bytes, bigEndian: bigEndian))
        }
        return best
    }

    /// The register `operation` writes and its bytes, if the run can go on through it: see
    /// ``combinedLoad(at:)``.
    func combiningStep(_ operation: DecodedOperation, at pc: Int, base: UInt8, firstOffset: Int16,
                       lanes: InlineArray<11, ByteLanes>, known: UInt16) -> (UInt8, ByteLanes)? {
        func isKnown(_ register: UInt8) -> Bool { known & 1 << UInt16(register) != 0 }
        switch operation {
        case .load(let size, let target, base, let offset, false) where target != base && accessNeedsNoCheck(at: pc):
            let relative = Int(offset) - Int(firstOffset)
            guard relative >= -100, relative <= 100 else { return nil }
            var word: ByteLanes = 0
            for byte in 0..<size.byteCount { word |= ByteLanes(128 + relative + byte) << (8 * UInt64(byte)) }
            return (target, word)
        case .alu(.lsh, let width, let target, .immediate(let count)) where target != base:
            guard isKnown(target), count >= 0, count % 8 == 0, count < (width == .bits32 ? 32 : 64) else { return nil }
            return (target, Self.truncate(lanes[Int(target)] << UInt64(count), width))
        case .alu(.rsh, let width, let target, .immediate(let count)) where target != base:
            guard isKnown(target), count >= 0, count % 8 == 0, count < (width == .bits32 ? 32 : 64) else { return nil }
            return (target, Self.truncate(lanes[Int(target)], width) >> UInt64(count))
        case .alu(let combine, let width, let target, .register(let source))
            where (combine == .or || combine == .add) && target != base:
            guard isKnown(target), isKnown(source), source != target else { return nil }
            let (x, y) = (lanes[Int(target)], lanes[Int(source)])
            // Disjoint lanes: or and add agree, and the result is still bytes of memory.
            guard Self.occupied(x) & Self.occupied(y) == 0 else { return nil }
            return (target, Self.truncate(x | y, width))
        case .alu(.mov, let width, let target, .register(let source)) where target != base:
            guard isKnown(source) else { return nil }
            return (target, Self.truncate(lanes[Int(source)], width))
        case .byteSwap(let swap, let target) where target != base:
            guard isKnown(target) else { return nil }
            let bytes = swap.bits / 8
            let low = bytes == 8 ? lanes[Int(target)] : lanes[Int(target)] & ((1 << (8 * UInt64(bytes))) - 1)
            return (target, swap.reversesBytes ? Self.reversed(low, bytes: bytes) : low)
        default:
            return nil
        }
    }

    /// The value of a 32-bit operation: the low four lanes, the upper ones zero.
    static func truncate(_ lanes: ByteLanes, _ width: ALUWidth) -> ByteLanes {
        width == .bits32 ? lanes & 0xffff_ffff : lanes
    }

    /// 0xff in every nonzero lane.
    static func occupied(_ lanes: ByteLanes) -> ByteLanes {
        var mask: ByteLanes = 0
        for lane in 0..<8 where (lanes >> (8 * UInt64(lane))) & 0xff != 0 { mask |= 0xff << (8 * UInt64(lane)) }
        return mask
    }

    /// The low `bytes` lanes in reverse order.
    static func reversed(_ lanes: ByteLanes, bytes: Int) -> ByteLanes {
        var result: ByteLanes = 0
        for lane in 0..<bytes {
            result |= ((lanes >> (8 * UInt64(lane))) & 0xff) << (8 * UInt64(bytes - 1 - lane))
        }
        return result
    }

    /// When lanes 0..<n (n = 2, 4 or 8) hold n consecutive memory bytes, ascending (little-endian)
    /// or descending (big-endian), and the lanes above are zero: n, the order, and the lowest
    /// byte's offset relative to the run's first load.
    static func consecutiveBytes(_ lanes: ByteLanes) -> (bytes: Int, bigEndian: Bool, relative: Int)? {
        let count = (64 - lanes.leadingZeroBitCount + 7) / 8
        guard count == 2 || count == 4 || count == 8 else { return nil }
        let first = Int(lanes & 0xff)
        let second = Int((lanes >> 8) & 0xff)
        guard first != 0, second == first + 1 || second == first - 1 else { return nil }
        let step = second - first
        for lane in 0..<count where Int((lanes >> (8 * UInt64(lane))) & 0xff) != first + step * lane { return nil }
        let lowest = step == 1 ? first : first - (count - 1)
        return (count, step == -1, lowest - 128)
    }

    /// Whether `operation` can be the second slot of a run (a cheap test before the full walk).
    static func mayContinueCombining(_ operation: DecodedOperation) -> Bool {
        switch operation {
        case .load(_, _, _, _, false), .byteSwap: true
        case .alu(.lsh, _, _, .immediate), .alu(.rsh, _, _, .immediate), .alu(.or, _, _, .register),
             .alu(.add, _, _, .register), .alu(.mov, _, _, .register): true
        default: false
        }
    }
}
