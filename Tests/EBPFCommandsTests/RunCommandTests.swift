import Foundation
import Testing

@Suite("ebpf run, asm and disasm")
struct RunCommandTests {
    /// The examples the README names, with results computed independently of the engines:
    /// the byte sum 1+2+…+16 and the 50th Fibonacci number.
    static let examples: [(arguments: [String], expected: String)] = [
        (["run", "examples/checksum.s", "--mem", "examples/data.bin"], "0x\(String((1...16).reduce(0, +), radix: 16))"),
        (["run", "examples/fib.s"], "0x\(String(fibonacci(50), radix: 16))"),
        (["run", "examples/checksum.s", "--mem-hex", "ff ff 01"], "0x\(String(0xff + 0xff + 1, radix: 16))"),
    ]

    static func fibonacci(_ n: Int) -> UInt64 {
        var (a, b): (UInt64, UInt64) = (0, 1)
        for _ in 0..<n { (a, b) = (b, a &+ b) }
        return a
    }

    @Test("examples print R0 and exit 0", arguments: 0..<examples.count)
    func example(index: Int) throws {
        let (arguments, expected) = Self.examples[index]
        let result = try ToolProcess.run("ebpf", arguments)
        #expect(result.status == 0, "stderr: \(result.standardError)")
        #expect(result.standardOutput == expected + "\n")
    }

    @Test("errors print one line on stderr and exit 1", arguments: [
        (["run", "no-such-file.s"], "cannot read file"),
        (["run", "examples/data.bin", "--format", "asm"], "line 1"),
        (["run", "README.md"], "unknown program format"),
        (["run", "examples/checksum.s", "--mem-hex", "zz"], "hex"),
        (["run", "examples/fib.s", "--budget", "20"], "instruction budget exhausted"),
    ])
    func failure(arguments: [String], fragment: String) throws {
        let result = try ToolProcess.run("ebpf", arguments)
        #expect(result.status == 1)
        #expect(result.standardOutput.isEmpty)
        let lines = result.standardError.split(separator: "\n")
        #expect(lines.count == 1, "stderr: \(result.standardError)")
        #expect(result.standardError.contains(fragment), "stderr: \(result.standardError)")
    }

    @Test("asm writes bytecode that disasm lists with indexes")
    func assembleThenDisassemble() throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("ebpf-cli-\(UUID()).bin")
        defer { try? FileManager.default.removeItem(at: output) }
        let asm = try ToolProcess.run("ebpf", ["asm", "examples/fib.s", "-o", output.path])
        #expect(asm.status == 0, "stderr: \(asm.standardError)")
        let bytes = try Data(contentsOf: output)
        #expect(bytes.count == 11 * 8)
        let disasm = try ToolProcess.run("ebpf", ["disasm", output.path])
        let lines = disasm.standardOutput.split(separator: "\n")
        #expect(lines.count == 11)
        #expect(lines.first == "    0: mov %r0, 0")
        #expect(lines.last == "   10: exit")
    }
}
