/// Formats a `bpf_trace_printk` line: the kernel's subset of printf.
///
/// Conversions: `%d %i %u %x %X %c %p %s %%` with length `h`, `hh`, `l` or `ll`, an optional `0` or
/// `-` flag and a width. At most three arguments. `%s` reads a NUL-terminated string (at most 256
/// bytes) only from memory the run may touch, else prints `(invalid)`. Returns `nil` for a format
/// the kernel would reject (unknown conversion, more than three arguments).
enum TraceFormatter {
    static let maxStringLength = 256

    static func format(_ format: [UInt8], arguments: [UInt64]) -> String? {
        var output = ""
        var used = 0
        var index = 0
        while index < format.count {
            let byte = format[index]
            index += 1
            guard byte == UInt8(ascii: "%") else {
                output.unicodeScalars.append(Unicode.Scalar(byte))
                continue
            }
            guard index < format.count else { return nil }
            if format[index] == UInt8(ascii: "%") {
                output += "%"
                index += 1
                continue
            }
            var leftAlign = false
            var zeroPad = false
            while index < format.count, format[index] == UInt8(ascii: "-") || format[index] == UInt8(ascii: "0") {
                if format[index] == UInt8(ascii: "-") { leftAlign = true } else { zeroPad = true }
                index += 1
            }
            var width = 0
            while index < format.count, format[index] >= UInt8(ascii: "0"), format[index] <= UInt8(ascii: "9") {
                width = min(width * 10 + Int(format[index] - UInt8(ascii: "0")), 64)
                index += 1
            }
            var bits = 32
            if index < format.count, format[index] == UInt8(ascii: "h") {
                bits = 16
                index += 1
                if index < format.count, format[index] == UInt8(ascii: "h") { bits = 8; index += 1 }
            } else if index < format.count, format[index] == UInt8(ascii: "l") {
                bits = 64
                index += 1
                if index < format.count, format[index] == UInt8(ascii: "l") { index += 1 }
            }
            guard index < format.count, used < min(arguments.count, 3) else { return nil }
            let conversion = format[index]
            index += 1
            let argument = arguments[used]
            used += 1
            let mask: UInt64 = bits == 64 ? .max : (1 << UInt64(bits)) - 1
            let text: String
            switch conversion {
            case UInt8(ascii: "d"), UInt8(ascii: "i"):
                let shift = UInt64(64 - bits)
                text = String(Int64(bitPattern: argument << shift) >> Int64(shift))
            case UInt8(ascii: "u"):
                text = String(argument & mask)
            case UInt8(ascii: "x"):
                text = String(argument & mask, radix: 16)
            case UInt8(ascii: "X"):
                text = String(argument & mask, radix: 16, uppercase: true)
            case UInt8(ascii: "c"):
                text = String(Unicode.Scalar(UInt8(truncatingIfNeeded: argument)))
            case UInt8(ascii: "p"):
                text = "0x" + String(argument, radix: 16)
            case UInt8(ascii: "s"):
                text = string(at: argument) ?? "(invalid)"
            default:
                return nil
            }
            let padding = max(width - text.count, 0)
            if leftAlign {
                output += text + String(repeating: " ", count: padding)
            } else if zeroPad, conversion != UInt8(ascii: "s"), conversion != UInt8(ascii: "c") {
                if text.hasPrefix("-") {
                    output += "-" + String(repeating: "0", count: padding) + text.dropFirst()
                } else {
                    output += String(repeating: "0", count: padding) + text
                }
            } else {
                output += String(repeating: " ", count: padding) + text
            }
        }
        return output
    }

    /// The NUL-terminated string at `address`, read byte by byte within memory the run may touch.
    private static func string(at address: UInt64) -> String? {
        var bytes: [UInt8] = []
        for offset in 0..<UInt64(maxStringLength) {
            guard RunContext.pointerIsValid(address &+ offset, size: 1),
                let pointer = UnsafePointer<UInt8>(bitPattern: UInt(address &+ offset))
            else { return nil }
            if pointer.pointee == 0 { break }
            bytes.append(pointer.pointee)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
