/// A set of eBPF registers R0–R10 as an 11-bit mask.
public struct RegisterMask: OptionSet, Sendable, Hashable, BitwiseCopyable {
    public var rawValue: UInt16

    @inlinable public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// The set holding only `Rn`.
    @inlinable public static func register(_ number: UInt8) -> RegisterMask {
        RegisterMask(rawValue: 1 << UInt16(number))
    }

    /// Whether `Rn` is in the set.
    @inlinable public func contains(register number: UInt8) -> Bool {
        rawValue & (1 << UInt16(number)) != 0
    }

    /// R0–R10.
    public static let all = RegisterMask(rawValue: 0x7ff)
    /// R1–R5: helper and local-call arguments.
    public static let arguments = RegisterMask(rawValue: 0b11_1110)
    /// R0–R5: written (R1–R5: made undefined) by every call.
    public static let callerSaved = RegisterMask(rawValue: 0b11_1111)
    /// R6–R9: preserved across calls.
    public static let calleeSaved = RegisterMask(rawValue: 0b11_1100_0000)
}
