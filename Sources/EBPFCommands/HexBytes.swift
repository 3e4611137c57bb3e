/// Hex text ↔ bytes, as the CLI and the conformance plugin exchange them.
enum HexBytes {
    /// Parses hex digits, ignoring whitespace; `nil` for an odd digit count or a non-hex character.
    static func parse(_ text: some StringProtocol) -> [UInt8]? {
        var digits: [UInt8] = []
        for scalar in text.unicodeScalars {
            switch scalar {
            case " ", "\t", "\n", "\r": continue
            case "0"..."9": digits.append(UInt8(scalar.value) - 48)
            case "a"..."f": digits.append(UInt8(scalar.value) - 87)
            case "A"..."F": digits.append(UInt8(scalar.value) - 55)
            default: return nil
            }
        }
        guard digits.count % 2 == 0 else { return nil }
        return stride(from: 0, to: digits.count, by: 2).map { digits[$0] << 4 | digits[$0 + 1] }
    }

    /// Lowercase hex pairs separated by spaces.
    static func format(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { byte in
            let s = String(byte, radix: 16)
            return s.count == 1 ? "0" + s : s
        }.joined(separator: " ")
    }
}
