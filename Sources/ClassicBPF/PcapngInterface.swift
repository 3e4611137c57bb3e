/// An Interface Description Block of a pcapng file: the link type and snap length of the
/// packets that name it, and how their timestamps are counted.
public struct PcapngInterface: Hashable, Sendable {
    public var linkType: LinkType
    /// The largest number of bytes captured per packet; 0 means no limit.
    public var snapLength: UInt32
    /// `if_tsresol`: the unit of the packets' 64-bit timestamps (default: microseconds).
    public var timestampResolution: PcapngTimestampResolution
    /// `if_tsoffset`: seconds added to every timestamp (default 0).
    public var timestampOffset: Int64

    public init(
        linkType: LinkType, snapLength: UInt32 = 0, timestampResolution: PcapngTimestampResolution = .microseconds,
        timestampOffset: Int64 = 0
    ) {
        self.linkType = linkType
        self.snapLength = snapLength
        self.timestampResolution = timestampResolution
        self.timestampOffset = timestampOffset
    }

    /// Splits a timestamp counted in this interface's units into seconds (with `if_tsoffset`
    /// applied, truncated to 32 bits as in a classic pcap record) and nanoseconds (rounded down).
    public func time(ofTimestamp timestamp: UInt64) -> (seconds: UInt32, nanoseconds: UInt32) {
        let units = timestampResolution.unitsPerSecond
        let (seconds, remainder) = timestamp.quotientAndRemainder(dividingBy: units)
        // remainder < units, so remainder * 10^9 / units < 10^9 and the 128-bit division cannot overflow.
        let product = remainder.multipliedFullWidth(by: 1_000_000_000)
        let nanoseconds = units.dividingFullWidth((product.high, product.low)).quotient
        let shifted = Int64(bitPattern: seconds) &+ timestampOffset
        return (UInt32(truncatingIfNeeded: shifted), UInt32(truncatingIfNeeded: nanoseconds))
    }
}

/// The `if_tsresol` option: timestamps count units of 10^-n or 2^-n seconds.
public enum PcapngTimestampResolution: Hashable, Sendable {
    /// Units of 10^-n seconds, n ≤ 19 (so that 10^n fits 64 bits).
    case decimal(UInt8)
    /// Units of 2^-n seconds, n ≤ 63.
    case binary(UInt8)

    /// The default when the option is absent: 10^-6 seconds.
    public static let microseconds = PcapngTimestampResolution.decimal(6)

    /// Decodes the option's byte (high bit set: a power of two); nil when the units per second
    /// would not fit 64 bits.
    public init?(optionByte: UInt8) {
        let exponent = optionByte & 0x7f
        if optionByte & 0x80 != 0 {
            guard exponent <= 63 else { return nil }
            self = .binary(exponent)
        } else {
            guard exponent <= 19 else { return nil }
            self = .decimal(exponent)
        }
    }

    /// How many timestamp units make one second.
    public var unitsPerSecond: UInt64 {
        switch self {
        case .decimal(let exponent): (0..<exponent).reduce(UInt64(1)) { value, _ in value * 10 }
        case .binary(let exponent): UInt64(1) << UInt64(exponent)
        }
    }
}
