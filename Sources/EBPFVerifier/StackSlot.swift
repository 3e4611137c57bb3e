import EBPFCore

/// Eight bytes of a stack frame, aligned on 8: what each byte holds, and the register spilled
/// there when the whole slot was written by one 8-byte store of a register.
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
    }

    /// Byte `i` (in address order) is kind `(kinds >> (8 * i)) & 0xff`.
    var kinds: UInt64 = 0
    /// The spilled register when every byte is `.spill`, otherwise `.uninitialized`.
    var spilled: RegisterValue = .uninitialized

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

    /// The kernel's rendering of the slot: the spilled register, or one letter per byte
    /// (`m` data, `0` zero, `?` never written), highest address first.
    var kernelDescription: String {
        if isSpill { return spilled.kernelDescription }
        var letters = ""
        for byte in (0..<8).reversed() {
            switch kind(at: byte) {
            case .invalid: letters += "?"
            case .misc: letters += "m"
            case .zero: letters += "0"
            case .spill: letters += "r"
            }
        }
        return letters
    }
}
