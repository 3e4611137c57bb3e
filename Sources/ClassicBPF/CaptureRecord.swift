/// One packet read from a capture file, with what the file says about the interface that
/// captured it: the link type decides how a filter reads the bytes, the snap length is what
/// libpcap compiles a filter for.
public struct CaptureRecord: Hashable, Sendable {
    /// The packet: timestamp, captured bytes, wire length.
    public var packet: PcapPacket
    /// The link-layer header type of the packet's interface.
    public var linkType: LinkType
    /// The interface's snap length; 0 in a pcapng file means no limit.
    public var snapLength: UInt32
    /// The interface's index in its pcapng section (always 0 in a classic pcap file).
    public var interface: Int

    public init(packet: PcapPacket, linkType: LinkType, snapLength: UInt32, interface: Int = 0) {
        self.packet = packet
        self.linkType = linkType
        self.snapLength = snapLength
        self.interface = interface
    }
}
