/// The value a seccomp filter returns: an action in the high 16 bits and data (an errno, a
/// trace message) in the low 16 bits (`SECCOMP_RET_*`).
public struct SeccompAction: Hashable, Sendable, CustomStringConvertible {
    /// The raw 32-bit return value.
    public var rawValue: UInt32

    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let killProcess = SeccompAction(rawValue: 0x8000_0000)
    public static let killThread = SeccompAction(rawValue: 0x0000_0000)
    public static let trap = SeccompAction(rawValue: 0x0003_0000)
    public static let userNotify = SeccompAction(rawValue: 0x7fc0_0000)
    public static let trace = SeccompAction(rawValue: 0x7ff0_0000)
    public static let log = SeccompAction(rawValue: 0x7ffc_0000)
    public static let allow = SeccompAction(rawValue: 0x7fff_0000)

    /// `SECCOMP_RET_ERRNO | errno`.
    public static func errno(_ value: UInt16) -> SeccompAction { SeccompAction(rawValue: 0x0005_0000 | UInt32(value)) }

    /// The action part (`SECCOMP_RET_ACTION_FULL`).
    public var action: UInt32 { rawValue & 0xffff_0000 }
    /// The data part (`SECCOMP_RET_DATA`).
    public var data: UInt16 { UInt16(truncatingIfNeeded: rawValue) }

    public var description: String {
        switch action {
        case Self.killProcess.rawValue: "KILL_PROCESS"
        case Self.killThread.rawValue: "KILL_THREAD"
        case Self.trap.rawValue: "TRAP(\(data))"
        case 0x0005_0000: "ERRNO(\(data))"
        case Self.userNotify.rawValue: "USER_NOTIF"
        case Self.trace.rawValue: "TRACE(\(data))"
        case Self.log.rawValue: "LOG"
        case Self.allow.rawValue: "ALLOW"
        default: "0x" + String(rawValue, radix: 16)
        }
    }
}
