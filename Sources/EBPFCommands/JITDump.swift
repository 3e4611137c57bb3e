import EBPF

/// Lays out `ebpf jit --dump`: each eBPF instruction followed by the x86-64 bytes generated for it,
/// then the code after the last instruction (epilogue, trap stubs, slow paths).
enum JITDump {
    static func lines(program: Program, compiled: CompiledProgram, disassembler: X86Disassembler?) -> [String] {
        let code = compiled.machineCode
        let offsets = compiled.instructionOffsets
        let listing = Disassembler.listing(program)
        var lines: [String] = []
        if let first = offsets.first, first > 0 {
            lines.append("       (prologue)")
            lines.append(contentsOf: machineLines(code, 0..<first, disassembler))
        }
        for (position, entry) in listing.enumerated() {
            let start = offsets[entry.index]
            let end = position + 1 < listing.count ? offsets[listing[position + 1].index] : bodyEnd(offsets, program, code)
            lines.append(DisasmCommand.indexColumn(entry.index) + ": " + entry.text)
            lines.append(contentsOf: machineLines(code, start..<max(start, end), disassembler))
        }
        let tailStart = bodyEnd(offsets, program, code)
        if tailStart < code.count {
            lines.append("       (epilogue, trap stubs and slow paths)")
            lines.append(contentsOf: machineLines(code, tailStart..<code.count, disassembler))
        }
        return lines
    }

    /// Where the code of the last instruction ends: `instructionOffsets` has one entry per slot plus,
    /// when present, the end of the body.
    private static func bodyEnd(_ offsets: [Int], _ program: Program, _ code: [UInt8]) -> Int {
        offsets.count > program.count ? offsets[program.count] : code.count
    }

    private static func machineLines(_ code: [UInt8], _ range: Range<Int>, _ disassembler: X86Disassembler?) -> [String] {
        guard !range.isEmpty else { return [] }
        let bytes = Array(code[range])
        if let disassembler, let decoded = disassembler.disassemble(bytes) {
            var offset = range.lowerBound
            return decoded.map { entry in
                defer { offset += entry.length }
                return "         \(hexOffset(offset))  \(pad(HexBytes.format(entry.bytes), 30)) \(entry.text)"
            }
        }
        return stride(from: 0, to: bytes.count, by: 16).map { start in
            "         \(hexOffset(range.lowerBound + start))  " + HexBytes.format(bytes[start..<min(start + 16, bytes.count)])
        }
    }

    private static func hexOffset(_ value: Int) -> String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: max(0, 4 - text.count)) + text
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        text + String(repeating: " ", count: max(0, width - text.count))
    }
}
