/// Where a packet program asked for its packet to go with `bpf_redirect`: recorded, since the
/// runtime has no devices (the kernel's test run does not send it either).
public struct PacketRedirect: Sendable, Hashable {
    /// The target interface index.
    public var interface: UInt32
    /// The flags (`BPF_F_INGRESS` for tc).
    public var flags: UInt64

    public init(interface: UInt32, flags: UInt64) {
        self.interface = interface
        self.flags = flags
    }

    /// The redirect recorded at `offset` of a context block, if one was.
    static func recorded(in block: UnsafeRawPointer, at offset: Int) -> PacketRedirect? {
        guard block.load(fromByteOffset: offset + 4, as: UInt32.self) != 0 else { return nil }
        return PacketRedirect(
            interface: block.load(fromByteOffset: offset, as: UInt32.self), flags: block.load(fromByteOffset: offset + 8, as: UInt64.self))
    }
}
