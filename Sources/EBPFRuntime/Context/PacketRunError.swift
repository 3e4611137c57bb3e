import EBPFCore

/// Why a run on a packet (``LinkedProgram/run(using:xdp:ingressInterface:rxQueue:metadata:trace:)``,
/// ``LinkedProgram/run(using:socketBuffer:trace:)``) did not give a result.
public enum PacketRunError: Error, Sendable, CustomStringConvertible {
    /// The program's type (from its section) is not one this run is for.
    case wrongType(ProgramType, expected: String)
    /// The packet is shorter than an Ethernet header (the kernel's test run refuses it too).
    case packetTooShort(length: Int)
    /// The packet does not fit one frame (the kernel would put the rest in fragments, which the
    /// runtime does not model).
    case packetTooLong(length: Int)
    /// An IPv4 or IPv6 frame whose IP header is cut short, which the kernel's skb test run
    /// refuses (`-EINVAL`).
    case networkHeaderTooShort(length: Int)
    /// Metadata given to an XDP run that the kernel's test run refuses: not a multiple of 4
    /// bytes, or more than ``XDPContext/maxMetadataLength``.
    case invalidMetadata(length: Int)
    /// The program trapped.
    case trap(ExecutionTrap)

    public var description: String {
        switch self {
        case .wrongType(let type, let expected): "not \(expected) (its type is \(type.rawValue))"
        case .packetTooShort(let length):
            "packet of \(length) bytes is shorter than an Ethernet header (\(XDPContext.minPacketLength) bytes)"
        case .packetTooLong(let length): "packet of \(length) bytes does not fit a frame (at most \(XDPContext.maxPacketLength))"
        case .networkHeaderTooShort(let length): "IP frame of \(length) bytes is too short for its IP header"
        case .invalidMetadata(let length):
            "\(length) bytes of metadata: a multiple of 4 up to \(XDPContext.maxMetadataLength) bytes is allowed"
        case .trap(let trap): "\(trap)"
        }
    }
}
