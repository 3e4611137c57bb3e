/// The `if_tsresol` option: timestamps count units of 10^-n or 2^-n seconds.
public enum PcapngTimestampResolution: Hashable, Sendable {
    /// Units of 10^-n seconds, n ≤ 19 (so that 10^n fits 64 bits).
    case decimal(UInt8)
    /// Units of 2^-n seconds, n ≤ 63.
    case binary(UInt8)

    /// The default when the option is absent: 10^-6 seconds.
    public static let microseconds = PcapngTimestampResolution.decimal(6)

    /// Decodes the option's byte (high bit set: a power of two); nil when the units per second
    /// would not fit 64 bits.
    public init?(optionByte: UInt8) {
        let exponent = optionByte & 0x7f
        if optionByte & 0x80 != 0 {
            guard exponent <= 63 else { return nil }
            self = .binary(exponent)
        } else {
            guard exponent <= 19 else { return nil }
            self = .decimal(exponent)
        }
    }

    /// How many timestamp units make one second.
    public var unitsPerSecond: UInt64 {
        switch self {
        case .decimal(let exponent): (0..<exponent).reduce(UInt64(1)) { value, _ in value * 10 }
        case .binary(let exponent): UInt64(1) << UInt64(exponent)
        }
    }
}
