/// The text forms that `tcpdump`, `bpf_asm` and iptables' `xt_bpf` use for classic programs.
extension ClassicProgram {
    /// Parses `tcpdump -dd` output (also `bpf_asm -c`): one `{ code, jt, jf, k },` per line,
    /// numbers in decimal or `0x` hex. Blank lines and lines starting with `//` or `#` are skipped.
    public init(tcpdumpDD text: String) throws(ClassicDecodeError) {
        var instructions: [ClassicInstruction] = []
        for (number, rawLine) in Self.lines(of: text) {
            let line = rawLine.trimmingSpaces
            if line.isEmpty || line.hasPrefix("//") || line.hasPrefix("#") { continue }
            var body = Substring(line)
            if body.hasSuffix(",") { body = body.dropLast() }
            body = Substring(String(body).trimmingSpaces)
            guard body.hasPrefix("{"), body.hasSuffix("}") else {
                throw .malformedLine(line: number, text: line, reason: "expected '{ code, jt, jf, k }'")
            }
            let fields = body.dropFirst().dropLast().split(separator: ",", omittingEmptySubsequences: false)
                .map { String($0).trimmingSpaces }
            guard fields.count == 4 else {
                throw .malformedLine(line: number, text: line, reason: "expected 4 fields, found \(fields.count)")
            }
            instructions.append(try Self.instruction(fields: fields, line: number, text: line))
        }
        guard !instructions.isEmpty else { throw .empty }
        self.init(instructions)
    }

    /// Parses `tcpdump -ddd` output: the instruction count, then one `code jt jf k` line per
    /// instruction, in decimal. Records may also be separated by commas, as in iptables'
    /// `--bytecode "4,48 0 0 9,21 0 1 6,6 0 0 1,6 0 0 0"`.
    public init(tcpdumpDDD text: String) throws(ClassicDecodeError) {
        var records: [(line: Int, text: String)] = []
        for (number, rawLine) in Self.lines(of: text) {
            for part in rawLine.split(separator: ",", omittingEmptySubsequences: false) {
                let record = String(part).trimmingSpaces
                if !record.isEmpty { records.append((number, record)) }
            }
        }
        guard let first = records.first else { throw .empty }
        guard let declared = Int(first.text), declared >= 0 else {
            throw .malformedLine(line: first.line, text: first.text, reason: "expected the instruction count")
        }
        var instructions: [ClassicInstruction] = []
        for record in records.dropFirst() {
            let fields = record.text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard fields.count == 4 else {
                throw .malformedLine(line: record.line, text: record.text, reason: "expected 'code jt jf k', found \(fields.count) fields")
            }
            instructions.append(try Self.instruction(fields: fields, line: record.line, text: record.text))
        }
        guard declared == instructions.count else { throw .countMismatch(declared: declared, found: instructions.count) }
        guard !instructions.isEmpty else { throw .empty }
        self.init(instructions)
    }

    /// The program as `tcpdump -dd` prints it.
    public var tcpdumpDD: String {
        instructions.map { instruction in
            "{ 0x\(String(instruction.code, radix: 16)), \(instruction.jumpIfTrue), \(instruction.jumpIfFalse), 0x\(hex(instruction.k, width: 8)) },\n"
        }.joined()
    }

    /// The program as `tcpdump -ddd` prints it.
    public var tcpdumpDDD: String {
        "\(instructions.count)\n" + instructions.map { "\($0.code) \($0.jumpIfTrue) \($0.jumpIfFalse) \($0.k)\n" }.joined()
    }

    private static func lines(of text: String) -> [(Int, String)] {
        text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().map { ($0.offset + 1, String($0.element)) }
    }

    private static func instruction(fields: [String], line: Int, text: String) throws(ClassicDecodeError) -> ClassicInstruction {
        let names = ["code", "jt", "jf", "k"]
        let limits: [UInt64] = [0xffff, 0xff, 0xff, 0xffff_ffff]
        var values: [UInt64] = []
        for (index, field) in fields.enumerated() {
            guard let value = parseNumber(field) else {
                throw .malformedLine(line: line, text: text, reason: "\(names[index]) '\(field)' is not a number")
            }
            guard value <= limits[index] else { throw .fieldOutOfRange(line: line, field: names[index], value: field) }
            values.append(value)
        }
        return ClassicInstruction(
            code: UInt16(values[0]), jumpIfTrue: UInt8(values[1]), jumpIfFalse: UInt8(values[2]), k: UInt32(values[3]))
    }

    /// Decimal, `0x` hex, or a negative decimal (taken as its 32-bit two's complement, as C would).
    private static func parseNumber(_ text: String) -> UInt64? {
        let lower = text.lowercased()
        if lower.hasPrefix("0x") { return UInt64(lower.dropFirst(2), radix: 16) }
        if lower.hasPrefix("-"), let magnitude = UInt64(lower.dropFirst()), magnitude <= 0x8000_0000 {
            return (0x1_0000_0000 - magnitude) & 0xffff_ffff
        }
        return UInt64(lower)
    }
}

func hex(_ value: UInt32, width: Int) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: max(0, width - digits.count)) + digits
}

extension String {
    var trimmingSpaces: String {
        var view = Substring(self)
        while let first = view.first, first.isWhitespace { view = view.dropFirst() }
        while let last = view.last, last.isWhitespace { view = view.dropLast() }
        return String(view)
    }
}
