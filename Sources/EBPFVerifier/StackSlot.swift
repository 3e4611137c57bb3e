import EBPFCore

/// Eight bytes of a stack frame, aligned on 8: what each byte holds, the register spilled there
/// when the whole slot was written by one 8-byte store of a register, and the scalars kept by
/// narrower stores (``parts``).
struct StackSlot: Hashable, Sendable {
    /// What one stack byte holds.
    enum ByteKind: UInt8 {
        /// Never written: reading it is an error.
        case invalid = 0
        /// Some data (reads as an unknown scalar).
        case misc = 1
        /// Known to be zero.
        case zero = 2
        /// Part of a spilled register (see ``spilled``).
        case spill = 3
        /// Part of a scalar stored by a 1-, 2- or 4-byte store (see ``parts``).
        case part = 4
    }

    /// A scalar written by a store of 1, 2 or 4 bytes that lies inside the slot: the value the
    /// bytes hold, so that a load of the same bytes (or of fewer, from the same start) gets it
    /// back. The value is the stored register's truncated to the store's width; it keeps the
    /// register's id only when the register's value fits the width (then the bytes hold exactly
    /// that value).
    struct Part: Hashable, Sendable {
        /// The first byte within the slot (0...7, in address order).
        var start: Int
        /// 1, 2 or 4.
        var size: Int
        /// Always a scalar below 2^(8·size).
        var value: RegisterValue

        var end: Int { start + size }

        func overlaps(_ bytes: Range<Int>) -> Bool { start < bytes.upperBound && bytes.lowerBound < end }
    }

    /// Byte `i` (in address order) is kind `(kinds >> (8 * i)) & 0xff`.
    var kinds: UInt64 = 0
    /// The spilled register when every byte is `.spill`, otherwise `.uninitialized`.
    var spilled: RegisterValue = .uninitialized
    /// The narrow scalar stores kept in this slot, sorted by start, not overlapping; their bytes
    /// (and only theirs) have kind `.part`.
    var parts: [Part] = []

    static let empty = StackSlot()

    func kind(at byte: Int) -> ByteKind { ByteKind(rawValue: UInt8(truncatingIfNeeded: kinds >> UInt64(8 * byte)))! }

    mutating func setKind(_ kind: ByteKind, at byte: Int) {
        let shift = UInt64(8 * byte)
        kinds = (kinds & ~(0xff << shift)) | (UInt64(kind.rawValue) << shift)
    }

    var isSpill: Bool { kinds == Self.allSpill }
    var isEmpty: Bool { kinds == 0 }

    static let allSpill: UInt64 = 0x0303_0303_0303_0303
    static let allMisc: UInt64 = 0x0101_0101_0101_0101
    static let allZero: UInt64 = 0x0202_0202_0202_0202

    /// The part that starts at `byte`, if any.
    func part(startingAt byte: Int) -> Part? {
        parts.first { $0.start == byte }
    }

    /// Forgets what is known about the bytes `bytes` before they are overwritten: a spilled
    /// register over them turns the whole slot into data, and so does each part they overlap
    /// (its other bytes keep their contents, but no longer as a known value). Byte kinds of
    /// `bytes` themselves are left for the caller to set.
    mutating func scrub(_ bytes: Range<Int>) {
        if isSpill {
            self = StackSlot(kinds: Self.allMisc)
            return
        }
        guard !parts.isEmpty else { return }
        for part in parts where part.overlaps(bytes) {
            for byte in part.start..<part.end { setKind(.misc, at: byte) }
        }
        parts.removeAll { $0.overlaps(bytes) }
    }

    /// Records a narrow store of a scalar at `start..<start + size` (inside the slot), after
    /// scrubbing what it overwrites.
    mutating func store(_ value: RegisterValue, start: Int, size: Int) {
        scrub(start..<start + size)
        for byte in start..<start + size { setKind(.part, at: byte) }
        let index = parts.firstIndex { $0.start > start } ?? parts.count
        parts.insert(Part(start: start, size: size, value: value), at: index)
    }

    /// The value of the `size` bytes at `start`, viewed as the value a part of that extent would
    /// hold: the part itself, or 0 when every byte is known zero. `nil` otherwise.
    func partValue(start: Int, size: Int) -> RegisterValue? {
        if let part = part(startingAt: start), part.size == size { return part.value }
        for byte in start..<start + size where kind(at: byte) != .zero { return nil }
        return .constant(0)
    }

    /// The kernel's rendering of the slot: the spilled register, or one letter per byte
    /// (`m` data, `0` zero, `?` never written, `r` a narrow scalar store), highest address
    /// first, followed by the narrow stores' values (`rrrr????(+4:w=7)`).
    var kernelDescription: String {
        if isSpill { return spilled.kernelDescription }
        var letters = ""
        for byte in (0..<8).reversed() {
            switch kind(at: byte) {
            case .invalid: letters += "?"
            case .misc: letters += "m"
            case .zero: letters += "0"
            case .spill, .part: letters += "r"
            }
        }
        for part in parts {
            let width = [1: "b", 2: "h", 4: "w"][part.size] ?? "\(part.size)"
            letters += "(+\(part.start):\(width)=\(part.value.kernelDescription))"
        }
        return letters
    }
}
