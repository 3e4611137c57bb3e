import Foundation

/// Disassembles x86-64 bytes with `llvm-mc --disassemble` (Intel syntax), when it is on the PATH.
/// Used only for display by `ebpf jit --dump`; nothing depends on it being present.
struct X86Disassembler {
    let executable: URL

    struct Entry {
        let bytes: [UInt8]
        let text: String
        var length: Int { bytes.count }
    }

    /// The first `llvm-mc` on the PATH, if any.
    static func find() -> X86Disassembler? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for folder in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(folder)).appendingPathComponent("llvm-mc")
            if FileManager.default.isExecutableFile(atPath: candidate.path) {
                return X86Disassembler(executable: candidate)
            }
        }
        return nil
    }

    /// One entry per decoded instruction, or `nil` when llvm-mc fails or its output does not
    /// account for every byte.
    func disassemble(_ bytes: [UInt8]) -> [Entry]? {
        let process = Process()
        process.executableURL = executable
        process.arguments = ["--disassemble", "-triple=x86_64", "-output-asm-variant=1", "--show-encoding"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = Pipe()
        do { try process.run() } catch { return nil }
        input.fileHandleForWriting.write(Data(bytes.map { "0x" + String($0, radix: 16) }.joined(separator: " ").utf8))
        try? input.fileHandleForWriting.close()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        var entries: [Entry] = []
        var consumed = 0
        for line in text.split(separator: "\n") {
            // "\tmov\trbp, rsp                        # encoding: [0x48,0x89,0xe5]"
            guard let marker = line.range(of: "# encoding: [") else { continue }
            let instruction = line[..<marker.lowerBound].trimmingCharacters(in: .whitespaces)
                .replacingOccurrences(of: "\t", with: " ")
            // One comma-separated item per byte; a relative operand shows as a fix-up letter
            // (`[0x73,A]`), so take the bytes themselves from the input.
            let length = line[marker.upperBound...].prefix { $0 != "]" }.split(separator: ",").count
            guard consumed + length <= bytes.count else { return nil }
            entries.append(Entry(bytes: Array(bytes[consumed..<consumed + length]), text: instruction))
            consumed += length
        }
        guard consumed == bytes.count else { return nil }
        return entries
    }
}
