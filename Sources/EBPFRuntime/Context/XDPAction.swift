/// An XDP program's verdict: the low 32 bits of R0 (`enum xdp_action`), with a name for the
/// five the kernel defines.
public struct XDPAction: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: UInt32

    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    public static let aborted = XDPAction(rawValue: 0)
    public static let drop = XDPAction(rawValue: 1)
    public static let pass = XDPAction(rawValue: 2)
    public static let transmit = XDPAction(rawValue: 3)
    public static let redirect = XDPAction(rawValue: 4)

    /// `XDP_ABORTED` ... `XDP_REDIRECT`, or `nil` for a value the kernel does not define (which
    /// it treats as `XDP_ABORTED` after a warning).
    public var name: String? {
        switch rawValue {
        case 0: "XDP_ABORTED"
        case 1: "XDP_DROP"
        case 2: "XDP_PASS"
        case 3: "XDP_TX"
        case 4: "XDP_REDIRECT"
        default: nil
        }
    }

    /// The number, then the name: `3 XDP_TX` (`7 unknown` for an undefined value).
    public var description: String { "\(rawValue) \(name ?? "unknown")" }
}
