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
