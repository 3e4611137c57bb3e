/// A decimal or hexadecimal integer as written in assembly: an optional sign, then digits or
/// `0x`/`0X` and hex digits. The value is kept as sign and magnitude so each field can apply its
/// own range (a 32-bit immediate accepts -2^31 ... 2^32-1, a 16-bit offset -2^15 ... 2^15-1).
struct IntegerLiteral: Equatable {
    /// The literal as written, for error messages.
    let text: String
    let isNegative: Bool
    /// The absolute value, or `nil` if it exceeds 64 bits.
    let magnitude: UInt64?

    /// Parses `text`, or returns `nil` if it is not an integer literal at all.
    init?(_ text: Substring) {
        var digits = text
        var negative = false
        if let sign = digits.first, sign == "+" || sign == "-" {
            negative = sign == "-"
            digits = digits.dropFirst()
        }
        var radix: UInt64 = 10
        if digits.hasPrefix("0x") || digits.hasPrefix("0X") {
            radix = 16
            digits = digits.dropFirst(2)
        }
        guard !digits.isEmpty,
            digits.allSatisfy({ radix == 16 ? $0.isASCIIHexDigit : $0.isASCIIDigit })
        else { return nil }
        var value: UInt64? = 0
        for digit in digits {
            guard let current = value else { break }
            let (shifted, overflowA) = current.multipliedReportingOverflow(by: radix)
            let (sum, overflowB) = shifted.addingReportingOverflow(UInt64(digit.hexDigitValue!))
            value = overflowA || overflowB ? nil : sum
        }
        self.text = String(text)
        self.isNegative = negative
        self.magnitude = value
    }

    /// The value as a 32-bit field: -2^31 ... 2^32-1, values above `Int32.max` giving their
    /// 32-bit pattern.
    func immediate32() throws(AssemblerError.Reason) -> Int32 {
        guard let magnitude else { throw .immediateOutOfRange(literal: text, bits: 32) }
        if isNegative {
            guard magnitude <= 1 << 31 else { throw .immediateOutOfRange(literal: text, bits: 32) }
            return Int32(truncatingIfNeeded: 0 &- magnitude)
        }
        guard magnitude <= UInt64(UInt32.max) else { throw .immediateOutOfRange(literal: text, bits: 32) }
        return Int32(bitPattern: UInt32(magnitude))
    }

    /// The value as a 64-bit pattern: -2^63 ... 2^64-1.
    func immediate64() throws(AssemblerError.Reason) -> UInt64 {
        guard let magnitude else { throw .immediateOutOfRange(literal: text, bits: 64) }
        if isNegative {
            guard magnitude <= 1 << 63 else { throw .immediateOutOfRange(literal: text, bits: 64) }
            return 0 &- magnitude
        }
        return magnitude
    }

    /// The value as a signed number if it lies within `range`, else `nil`.
    func signedValue(in range: ClosedRange<Int64>) -> Int64? {
        guard let magnitude, magnitude <= 1 << 63 else { return nil }
        let value: Int64
        if isNegative {
            value = Int64(truncatingIfNeeded: 0 &- magnitude)
        } else {
            guard magnitude < 1 << 63 else { return nil }
            value = Int64(magnitude)
        }
        return range.contains(value) ? value : nil
    }
}
