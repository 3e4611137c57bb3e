import Foundation
import Testing
import EBPFTestSupport

/// The decoder in EBPFCore is the only place that reads an eBPF opcode's bits: every other stage
/// works from `Program.decoded` (typed ``DecodedOperation``s and the control-flow graph). This
/// suite scans `Sources/` for the ways code has read opcodes in the past, so a stage that starts
/// decoding again fails here with the file and line.
@Suite("Opcode decoding stays in EBPFCore")
struct OpcodeDecodingBoundaryTests {
    /// Directories under `Sources/` allowed to read opcode bits, and why.
    static let decoderDirectories: [String: String] = [
        "EBPFCore": "the decoder itself: instruction table, validation, DecodedProgram",
        "ClassicBPF": "classic BPF is another instruction set with its own decoder",
        "X86Encoding": "x86-64 opcode bytes, not eBPF",
    ]

    /// Single files outside those directories allowed to mention an opcode, and why.
    static let allowedFiles: [String: String] = [
        "EBPFAssembler/Assembler+Encoding.swift": "encodes: builds an instruction from its table row's opcode",
        "EBPFFuzz/ProgramMutator.swift":
            "mutates encodings on purpose (another width, a neighbouring comparison, 32/64-bit): a fuzzer's mutator, like the byte-level Mutator",
    ]

    /// Each pattern is one way of reading an eBPF opcode outside the decoder.
    static let patterns: [(name: String, regex: String)] = [
        ("reads `.opcode`", #"\.opcode\b"#),
        ("masks an opcode", #"opcode\s*&\s*0x"#),
        ("matches a hex opcode in a switch", #"case\s+0x[0-9a-fA-F]{2}\b"#),
        ("builds ALUOperation from raw bits", #"ALUOperation\(rawValue"#),
        ("builds JumpOperation from raw bits", #"JumpOperation\(rawValue"#),
        ("builds MemoryMode from raw bits", #"MemoryMode\(rawValue"#),
        ("builds InstructionClass from raw bits", #"InstructionClass\(rawValue"#),
        ("reads `.instructionClass`", #"\.instructionClass\b"#),
        ("compares with an `Opcode.` constant", #"==\s*Opcode\."#),
        ("tests the source bit", #"&\s*OperandSource\.\w+\.rawValue"#),
        ("compares the source or call kind with a raw value", #"[=!]=\s*(OperandSource|CallKind)\.\w+\.rawValue"#),
    ]

    struct Finding: CustomStringConvertible {
        let file: String
        let line: Int
        let pattern: String
        let text: String
        var description: String { "\(file):\(line): \(pattern): \(text)" }
    }

    static func swiftSources() throws -> [(relative: String, url: URL)] {
        let sources = RepositoryLayout.url("Sources")
        let enumerator = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)
        var files: [(String, URL)] = []
        while let url = enumerator?.nextObject() as? URL {
            guard url.pathExtension == "swift" else { continue }
            let relative = String(url.standardizedFileURL.path.dropFirst(sources.standardizedFileURL.path.count + 1))
            files.append((relative, url))
        }
        return files.sorted { $0.0 < $1.0 }
    }

    static func findings(in text: String, file: String) throws -> [Finding] {
        let compiled = try patterns.map { ($0.name, try NSRegularExpression(pattern: $0.regex)) }
        var found: [Finding] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let code = String(line.split(separator: "//", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
            let range = NSRange(code.startIndex..., in: code)
            for (name, regex) in compiled where regex.firstMatch(in: code, range: range) != nil {
                found.append(Finding(file: file, line: number + 1, pattern: name,
                                     text: line.trimmingCharacters(in: .whitespaces)))
            }
        }
        return found
    }

    @Test("no source outside the decoder reads opcode bits")
    func noOpcodeReadsOutsideDecoder() throws {
        let files = try Self.swiftSources()
        #expect(files.count > 100, "found only \(files.count) Swift files under Sources/")
        var findings: [Finding] = []
        for (relative, url) in files {
            let top = String(relative.prefix { $0 != "/" })
            if Self.decoderDirectories[top] != nil || Self.allowedFiles[relative] != nil { continue }
            findings += try Self.findings(in: String(contentsOf: url, encoding: .utf8), file: relative)
        }
        if !findings.isEmpty {
            Issue.record("\(findings.count) opcode reads outside EBPFCore:\n\(findings.map(\.description).joined(separator: "\n"))")
        }
    }

    @Test("the allow-list names files that exist")
    func allowListIsCurrent() throws {
        let files = Set(try Self.swiftSources().map(\.relative))
        for file in Self.allowedFiles.keys {
            #expect(files.contains(file), "\(file) is allowed to read opcodes but no longer exists")
        }
        for directory in Self.decoderDirectories.keys {
            #expect(files.contains { $0.hasPrefix(directory + "/") }, "no Swift file under Sources/\(directory)")
        }
    }

    /// The scanner itself finds each pattern (a scanner that finds nothing proves nothing).
    @Test("each pattern catches the shape it is for", arguments: [
        "if slot.opcode == 0x85 {",
        "let op = instruction.opcode & 0xf0",
        "case 0x07: self = .addImm",
        "let alu = ALUOperation(rawValue: code)!",
        "let jump = JumpOperation(rawValue: bits)",
        "let mode = MemoryMode(rawValue: m)",
        "let cls = InstructionClass(rawValue: c)",
        "switch slot.instructionClass {",
        "if code == Opcode.exit {",
        "let usesRegister = bits & OperandSource.register.rawValue != 0",
        "self = slot.src == CallKind.local.rawValue ? .callLocal : .callHelper",
    ])
    func scannerCatches(line: String) throws {
        #expect(try Self.findings(in: line, file: "sample.swift").count >= 1)
    }

    @Test("typed decoded operations, encoding and comments pass")
    func scannerPasses() throws {
        let text = """
            case .alu(let op, .bits64, let dst, .register(let src)):
            // the old code matched case 0x07 here
            emit(Instruction(opcode: opcode | OperandSource.register.rawValue, dst: dst, src: src))
            emit(Instruction(opcode: Opcode.call, src: CallKind.local.rawValue))
            let target = operation.branchTarget
            """
        #expect(try Self.findings(in: text, file: "sample.swift").isEmpty)
    }
}
