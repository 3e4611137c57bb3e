/// One packet of a capture: when it was seen, the bytes captured and how long it was on the
/// wire (more than the captured bytes when the capture cut it short).
public struct PcapPacket: Hashable, Sendable {
    public var seconds: UInt32
    /// The fraction of the second, always in nanoseconds (microsecond files are scaled).
    public var nanoseconds: UInt32
    public var data: [UInt8]
    public var originalLength: UInt32

    public init(seconds: UInt32 = 0, nanoseconds: UInt32 = 0, data: [UInt8], originalLength: UInt32? = nil) {
        self.seconds = seconds
        self.nanoseconds = nanoseconds
        self.data = data
        self.originalLength = originalLength ?? UInt32(truncatingIfNeeded: data.count)
    }

    /// Whether the capture kept fewer bytes than were on the wire.
    public var isTruncated: Bool { UInt32(truncatingIfNeeded: data.count) < originalLength }

    /// The context a ``ClassicFilterKind/capturedPacket`` filter runs over.
    public var capturedPacketContext: [UInt8] {
        CapturedPacketLayout.context(captured: data, wireLength: originalLength)
    }
}

/// The link-layer header type of a capture (`LINKTYPE_*`).
public struct LinkType: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let null = LinkType(rawValue: 0)
    public static let ethernet = LinkType(rawValue: 1)
    public static let raw = LinkType(rawValue: 101)
    public static let linuxCooked = LinkType(rawValue: 113)
    public static let ipv4 = LinkType(rawValue: 228)
    public static let ipv6 = LinkType(rawValue: 229)
}

/// Resolution of the timestamps in a capture file, given by its magic number.
public enum PcapPrecision: Hashable, Sendable {
    /// Magic `0xa1b2c3d4`.
    case microseconds
    /// Magic `0xa1b23c4d`.
    case nanoseconds

    var magic: UInt32 { self == .microseconds ? 0xa1b2_c3d4 : 0xa1b2_3c4d }
}

/// Byte order of a capture file's header and record headers.
public enum PcapByteOrder: Hashable, Sendable {
    case littleEndian, bigEndian
}

/// The 24-byte header of a classic pcap file.
public struct PcapHeader: Hashable, Sendable {
    public var precision: PcapPrecision
    public var byteOrder: PcapByteOrder
    public var versionMajor: UInt16 = 2
    public var versionMinor: UInt16 = 4
    public var snapLength: UInt32
    public var linkType: LinkType

    public init(linkType: LinkType = .ethernet, snapLength: UInt32 = 262_144, precision: PcapPrecision = .microseconds, byteOrder: PcapByteOrder = .littleEndian) {
        self.linkType = linkType
        self.snapLength = snapLength
        self.precision = precision
        self.byteOrder = byteOrder
    }

    /// Size of the file header in bytes.
    public static let byteCount = 24
    /// Size of each record header in bytes.
    public static let recordHeaderByteCount = 16
}
