/// Writes classic pcap files in memory; ``write(toFile:)`` saves them.
public struct PcapWriter: Sendable {
    /// The file header written first.
    public let header: PcapHeader
    /// The file so far.
    public private(set) var bytes: [UInt8] = []

    public init(header: PcapHeader = PcapHeader()) {
        self.header = header
        appendWord(header.precision.magic)
        appendHalf(header.versionMajor)
        appendHalf(header.versionMinor)
        appendWord(0)  // thiszone
        appendWord(0)  // sigfigs
        appendWord(header.snapLength)
        appendWord(header.linkType.rawValue)
    }

    /// Appends one record. The timestamp fraction is rounded down to the file's precision.
    public mutating func write(_ packet: PcapPacket) {
        appendWord(packet.seconds)
        appendWord(header.precision == .microseconds ? packet.nanoseconds / 1000 : packet.nanoseconds)
        appendWord(UInt32(truncatingIfNeeded: packet.data.count))
        appendWord(packet.originalLength)
        bytes.append(contentsOf: packet.data)
    }

    /// Appends every packet.
    public mutating func write(contentsOf packets: some Sequence<PcapPacket>) {
        for packet in packets { write(packet) }
    }

    /// Saves the file at `path`, replacing any file there.
    public func write(toFile path: String) throws(PcapError) {
        try FileBytes.write(bytes, to: path)
    }

    private mutating func appendWord(_ value: UInt32) {
        let ordered = header.byteOrder == .littleEndian ? value.littleEndian : value.bigEndian
        withUnsafeBytes(of: ordered) { bytes.append(contentsOf: $0) }
    }

    private mutating func appendHalf(_ value: UInt16) {
        let ordered = header.byteOrder == .littleEndian ? value.littleEndian : value.bigEndian
        withUnsafeBytes(of: ordered) { bytes.append(contentsOf: $0) }
    }
}
