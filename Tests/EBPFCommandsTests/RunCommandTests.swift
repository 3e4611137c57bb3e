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

@Suite("ebpf jit")
struct JITCommandTests {
    @Test("--engine jit gives the interpreter's result", arguments: [
        ["examples/checksum.s", "--mem", "examples/data.bin"], ["examples/fib.s"],
    ])
    func jitMatchesInterpreter(arguments: [String]) throws {
        let interpreted = try ToolProcess.run("ebpf", ["run"] + arguments + ["--engine", "interpreter"])
        let compiled = try ToolProcess.run("ebpf", ["run"] + arguments + ["--engine", "jit"])
        #expect(interpreted.status == 0 && compiled.status == 0, "\(interpreted.standardError)\(compiled.standardError)")
        #expect(compiled.standardOutput == interpreted.standardOutput)
    }

    @Test("--dump lists every eBPF instruction followed by its machine code")
    func dump() throws {
        let result = try ToolProcess.run("ebpf", ["jit", "examples/fib.s", "--dump"])
        #expect(result.status == 0, "stderr: \(result.standardError)")
        let lines = result.standardOutput.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("11 eBPF slots -> ") == true)
        for index in 0..<11 {
            #expect(lines.contains { $0.hasPrefix(DisasmIndex.column(index) + ": ") }, "instruction \(index) missing")
        }
        // The exit instruction's code contains a `ret` (0xc3).
        let exitLine = try #require(lines.firstIndex { $0.hasSuffix(": exit") })
        #expect(lines[(exitLine + 1)...].prefix { !$0.contains("(epilogue") }.contains { $0.contains("c3") })
    }
}

enum DisasmIndex {
    static func column(_ index: Int) -> String {
        String(repeating: " ", count: max(0, 5 - String(index).count)) + String(index)
    }
}

@Suite("ebpf verify and verification in front of run")
struct VerifyCommandTests {
    static let outOfFrame = "ldxdw %r0, [%r10-520]\nexit\n"

    static func writeProgram(_ text: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ebpf-verify-\(UUID()).s")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    @Test("accepted programs print OK with statistics", arguments: [
        ["examples/checksum.s", "--context-size", "16"], ["examples/fib.s"], ["examples/fib.s", "--loops", "bounded"],
    ])
    func accepted(arguments: [String]) throws {
        let result = try ToolProcess.run("ebpf", ["verify"] + arguments)
        #expect(result.status == 0, "stderr: \(result.standardError)")
        #expect(result.standardOutput.hasPrefix("OK: processed "))
        #expect(result.standardOutput.contains("peak_states"))
    }

    @Test("a loop under --loops strict is a back-edge error naming both instructions")
    func strictLoops() throws {
        let result = try ToolProcess.run("ebpf", ["verify", "examples/fib.s", "--loops", "strict"])
        #expect(result.status == 1)
        #expect(result.standardError.contains("back-edge from insn 9 to 3"), "stderr: \(result.standardError)")
    }

    @Test("run refuses what the verifier rejects; --unverified runs it with run-time checks")
    func runVerifiesFirst() throws {
        let source = try Self.writeProgram(Self.outOfFrame)
        defer { try? FileManager.default.removeItem(at: source) }
        let verified = try ToolProcess.run("ebpf", ["run", source.path])
        #expect(verified.status == 1)
        #expect(verified.standardError.contains("invalid stack off=-520 size=8"))
        #expect(verified.standardError.split(separator: "\n").count == 1)
        for engine in ["interpreter", "jit"] {
            // -520 is inside the 4 KiB stack area (eight frames), so the run-time check allows it.
            let unverified = try ToolProcess.run("ebpf", ["run", source.path, "--unverified", "--engine", engine])
            #expect(unverified.status == 0, "stderr: \(unverified.standardError)")
            #expect(unverified.standardOutput == "0x0\n")
        }
    }

    @Test("--log prints the processed instructions before the verdict")
    func log() throws {
        let result = try ToolProcess.run("ebpf", ["verify", "examples/fib.s", "--log"])
        #expect(result.status == 0)
        let lines = result.standardOutput.split(separator: "\n")
        #expect(lines.count > 10)
        #expect(lines.last?.hasPrefix("OK:") == true)
    }
}
