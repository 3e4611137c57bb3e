import ClassicBPF
import EBPFAssembler
import EBPFTestSupport
import Foundation
import PcapOracle
import Testing

@Suite("ebpf cbpf translate and disasm")
struct ClassicCommandTests {
    typealias Files = ClassicCLIFiles

    /// Splits `    N: text` lines into indexes and instruction text.
    static func listing(_ output: String) -> [(index: Int, text: String)] {
        output.split(separator: "\n").compactMap { line in
            guard let colon = line.firstIndex(of: ":"), let index = Int(line[..<colon].trimmingCharacters(in: .whitespaces)) else { return nil }
            return (index, String(line[line.index(after: colon)...].dropFirst()))
        }
    }

    /// A few packets of the generated capture: complete, cut short, and the shortest non-empty one.
    static let samplePackets: [PcapPacket] = {
        let packets = Files.packets
        let truncated = packets.filter(\.isTruncated).prefix(2)
        let complete = packets.filter { !$0.isTruncated && $0.data.count > 40 }.prefix(3)
        let shortest = packets.filter { !$0.data.isEmpty }.min { $0.data.count < $1.data.count }!
        return Array(truncated) + Array(complete) + [shortest]
    }()

    static let kinds = ["socket", "packet"]

    /// The printed listing assembles back to the bytes `-o` wrote, and `ebpf run` of those bytes
    /// gives the reference classic interpreter's result: a socket filter sees the captured bytes
    /// as the whole packet, a packet filter the wire length word then the captured bytes.
    @Test(arguments: Files.programs, kinds)
    func translationRoundTripsAndRuns(program: Files.HandProgram, kind: String) throws {
        let files = try Files()
        defer { files.remove() }
        let filter = try files.write(program.fileBytes, to: "filter.\(program.form.rawValue)")
        let output = files.path("out.bin")
        let result = try ToolProcess.run("ebpf", ["cbpf", "translate", "--filter-file", filter, "--kind", kind, "-o", output])
        #expect(result.status == 0, "stderr: \(result.standardError)")
        let lines = Self.listing(result.standardOutput)
        #expect(lines.count == result.standardOutput.split(separator: "\n").count)
        #expect(lines.first?.index == 0)
        #expect(zip(lines, lines.dropFirst()).allSatisfy { $0.index < $1.index })
        let written = Array(try Data(contentsOf: URL(fileURLWithPath: output)))
        let reassembled = try Assembler.assemble(lines.map(\.text).joined(separator: "\n"))
        #expect(reassembled.bytes == written)

        for (number, packet) in Self.samplePackets.enumerated() {
            let memory: [UInt8]
            let expected: UInt32
            if kind == "socket" {
                memory = packet.data
                expected = ClassicInterpreter.run(program.program, packet: packet.data, wireLength: UInt32(packet.data.count))
            } else {
                memory = (0..<4).map { UInt8(truncatingIfNeeded: packet.originalLength >> (8 * $0)) } + packet.data
                expected = ClassicInterpreter.run(program.program, packet: packet.data, wireLength: packet.originalLength)
            }
            let input = try files.write(memory, to: "packet\(number).bin")
            let run = try ToolProcess.run("ebpf", ["run", output, "--mem", input, "--engine", number % 2 == 0 ? "jit" : "interpreter"])
            #expect(run.status == 0, "stderr: \(run.standardError)")
            #expect(run.standardOutput == "0x\(String(expected, radix: 16))\n", "packet \(number)")
        }
    }

    /// A seccomp policy (kill execve, allow the rest) translated and run over hand-built
    /// 64-byte `seccomp_data` records (nr, arch, instruction pointer, six arguments).
    @Test func seccompTranslation() throws {
        let files = try Files()
        defer { files.remove() }
        let policy = "4\n32 0 0 0\n21 0 1 59\n6 0 0 0\n6 0 0 2147418112\n"
        let filter = try files.write(Array(policy.utf8), to: "policy.ddd")
        let output = files.path("policy.bin")
        let translate = try ToolProcess.run("ebpf", ["cbpf", "translate", "--filter-file", filter, "--kind", "seccomp", "-o", output])
        #expect(translate.status == 0, "stderr: \(translate.standardError)")
        for (nr, expected) in [(UInt32(59), "0x0"), (1, "0x7fff0000"), (0x3b00_0000, "0x7fff0000")] {
            let record = (0..<4).map { UInt8(truncatingIfNeeded: nr >> (8 * $0)) } + [0x3e, 0, 0, 0xc0] + [UInt8](repeating: 0, count: 56)
            let input = try files.write(record, to: "data-\(nr).bin")
            let run = try ToolProcess.run("ebpf", ["run", output, "--mem", input])
            #expect(run.standardOutput == expected + "\n", "nr \(nr): \(run.standardError)")
        }
        let rejected = try ToolProcess.run("ebpf", ["cbpf", "translate", "--filter-file", try files.write(Files.programs[0].fileBytes, to: "f.ddd"), "--kind", "seccomp"])
        #expect(rejected.status == 1)
        #expect(rejected.standardError.split(separator: "\n").count == 1)
        #expect(rejected.standardError.contains("instruction 0: code 0x28 is not allowed in a seccomp filter"), "\(rejected.standardError)")
    }

    static let fixtures = ["tcp-port-80-host", "http-payload"]
    static let fixtureDirectory = "Tests/ClassicBPFTests/Fixtures/"

    static func fixture(_ name: String, _ suffix: String) throws -> String {
        try String(contentsOf: RepositoryLayout.root.appendingPathComponent(fixtureDirectory + name + "." + suffix), encoding: .utf8)
    }

    /// tcpdump's own `-d`, `-dd` and `-ddd` output (kept as fixtures) is what `cbpf disasm`
    /// prints for the program, whichever form it was read from.
    @Test(arguments: fixtures, ["dd", "ddd"])
    func disasmPrintsWhatTcpdumpPrints(fixture: String, inputForm: String) throws {
        for style in ["d", "dd", "ddd"] {
            let result = try ToolProcess.run("ebpf", ["cbpf", "disasm", "--filter-file", Self.fixtureDirectory + fixture + "." + inputForm, "--style", style])
            #expect(result.status == 0, "stderr: \(result.standardError)")
            #expect(result.standardOutput == (try Self.fixture(fixture, style)), "\(fixture) -\(style)")
        }
    }

    @Test func errorsAreOneLine() throws {
        for (arguments, fragment) in [
            (["cbpf", "translate"], "give a filter expression or --filter-file"),
            (["cbpf", "disasm", "--filter-file", "no-such.dd"], "no-such.dd: cannot read file"),
            (["cbpf", "translate", "--filter-file", "README.md"], "README.md: line 1: expected the instruction count"),
        ] {
            let result = try ToolProcess.run("ebpf", arguments)
            #expect(result.status == 1)
            #expect(result.standardError.split(separator: "\n").count == 1, "\(result.standardError)")
            #expect(result.standardError.contains(fragment), "\(result.standardError)")
        }
    }

    /// An expression compiled by the command is the program tcpdump printed, and its
    /// translation is the translation of that program; every `-d` line is libpcap's `bpf_image`.
    /// Skipped where the system's libpcap cannot be loaded (the runtime library is not installed).
    @Test(.libpcapLoads, arguments: fixtures)
    func expressionsCompileAsTcpdumpDoes(fixture: String) throws {
        let expression = try Self.fixture(fixture, "expression").trimmingCharacters(in: .whitespacesAndNewlines)
        let disasm = try ToolProcess.run("ebpf", ["cbpf", "disasm", expression])
        #expect(disasm.standardOutput == (try Self.fixture(fixture, "d")), "stderr: \(disasm.standardError)")
        let classic = try PcapCompiler.compile(expression: expression)
        for (index, line) in disasm.standardOutput.split(separator: "\n").enumerated() {
            #expect(try String(line) == LibpcapFilter.image(classic.instructions[index], at: index))
        }
        let files = try Files()
        defer { files.remove() }
        let fromExpression = try ToolProcess.run("ebpf", ["cbpf", "translate", expression, "--kind", "packet"])
        let fromFile = try ToolProcess.run("ebpf", ["cbpf", "translate", "--filter-file", Self.fixtureDirectory + fixture + ".dd", "--kind", "packet"])
        #expect(fromExpression.status == 0 && !fromExpression.standardOutput.isEmpty)
        #expect(fromExpression.standardOutput == fromFile.standardOutput)
    }

    /// `--linktype` changes what libpcap compiles: on raw IP there is no Ethernet header.
    @Test(.libpcapLoads)
    func linkTypes() throws {
        let ethernet = try ToolProcess.run("ebpf", ["cbpf", "disasm", "ip"])
        let raw = try ToolProcess.run("ebpf", ["cbpf", "disasm", "ip", "--linktype", "raw"])
        let numbered = try ToolProcess.run("ebpf", ["cbpf", "disasm", "ip", "--linktype", "101"])
        #expect(ethernet.standardOutput.hasPrefix("(000) ldh      [12]\n"))
        #expect(raw.standardOutput.hasPrefix("(000) ldb      [0]\n"), "\(raw.standardOutput)\(raw.standardError)")
        #expect(numbered.standardOutput == raw.standardOutput)
    }
}
