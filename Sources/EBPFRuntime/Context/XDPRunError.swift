import EBPFCore

/// Why an XDP run did not give a verdict.
public enum XDPRunError: Error, Sendable, CustomStringConvertible {
    /// The program is not an XDP program (its type, from its section).
    case notXDP(ProgramType)
    /// The packet is shorter than an Ethernet header (the kernel's test run refuses it too).
    case packetTooShort(length: Int)
    /// The packet does not fit one frame (the kernel would put the rest in fragments, which the
    /// runtime does not model).
    case packetTooLong(length: Int)
    /// The program trapped.
    case trap(ExecutionTrap)

    public var description: String {
        switch self {
        case .notXDP(let type): "not an XDP program (its type is \(type.rawValue))"
        case .packetTooShort(let length):
            "packet of \(length) bytes is shorter than an Ethernet header (\(XDPContext.minPacketLength) bytes)"
        case .packetTooLong(let length): "packet of \(length) bytes does not fit a frame (at most \(XDPContext.maxPacketLength))"
        case .trap(let trap): "\(trap)"
        }
    }
}
