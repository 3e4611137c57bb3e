import EBPFAssembler
import EBPFCore
import EBPFFuzz
import EBPFInterpreter
import EBPFJIT
import EBPFTestSupport
import Testing

/// `JITOptions.constantBlinding`: no program immediate appears in the machine code, the key is
/// fresh per compilation, and results do not change.
@Suite struct ConstantBlindingTests {
    static let blinded = JITOptions(constantBlinding: true)
    static let plain = JITOptions(constantBlinding: false)

    /// Every instruction form that carries a program immediate into the code, with a marker
    /// constant whose bytes are unlikely to appear by chance.
    static let markerProgram = """
        mov r0, 0x41424344
        mov32 r1, 0x41424344
        add r0, 0x41424344
        sub32 r0, 0x41424344
        and r0, 0x41424344
        or32 r0, 0x41424344
        xor r0, 0x41424344
        mul r0, 0x41424344
        mul32 r0, 0x41424344
        div r0, 0x41424344
        mod32 r0, 0x41424344
        sdiv r0, 0x41424344
        smod32 r0, 0x41424344
        jeq r0, 0x41424344, +0
        jset32 r0, 0x41424344, +0
        jsgt r0, 0x41424344, +0
        stw [r10-8], 0x41424344
        stdw [r10-16], 0x41424344
        stb [r10-17], 0x41424344
        lddw r2, 0x4142434441424344
        add r0, r2
        ldabsw 0x41424344
        exit
        """

    static let marker: [UInt8] = [0x44, 0x43, 0x42, 0x41]

    static func contains(_ code: [UInt8], _ pattern: [UInt8]) -> Bool {
        guard code.count >= pattern.count, let first = pattern.first else { return false }
        return code.withUnsafeBufferPointer { bytes in
            var start = 0
            while start <= bytes.count - pattern.count {
                if bytes[start] == first {
                    var matched = 1
                    while matched < pattern.count && bytes[start + matched] == pattern[matched] { matched += 1 }
                    if matched == pattern.count { return true }
                }
                start += 1
            }
            return false
        }
    }

    @Test func markerConstantIsAbsentOnlyWhenBlinded() throws {
        let program = try Assembler.assemble(Self.markerProgram)
        let plain = try JIT.compile(program, options: Self.plain)
        let blinded = try JIT.compile(program, options: Self.blinded)
        // Without blinding the marker is in the code (so this test can see it); with it, never.
        #expect(Self.contains(plain.machineCode, Self.marker))
        let leaked = Self.contains(blinded.machineCode, Self.marker)
        #expect(!leaked)
    }

    @Test func unknownHelperIDIsBlindedToo() throws {
        let program = try Assembler.assemble("call 0x41424344\nexit")
        let blinded = try JIT.compile(program, options: Self.blinded)
        #expect(!Self.contains(blinded.machineCode, Self.marker))
        var memory: [UInt8] = []
        #expect(throws: ExecutionTrap.unknownHelper(pc: 0, id: 0x41424344)) { try blinded.run(&memory) }
    }

    @Test func keyIsFreshPerCompilation() throws {
        let program = try Assembler.assemble(Self.markerProgram)
        let codes = try (0..<4).map { _ in try JIT.compile(program, options: Self.blinded).machineCode }
        #expect(Set(codes).count == 4, "four compilations should use four different keys")
    }

    /// The 32-bit immediates of `program` that reach the machine code: ALU operands other than
    /// shift counts and byte-swap widths, comparison constants, store values, `lddw` halves and
    /// packet offsets. Only those whose four bytes hold at least three different values: edge
    /// constants such as 0x80000000 or 0x00010000 occur by chance in the JIT's own code (for
    /// example in the `pc << 32 | size << 1` argument of a bounds-check slow path), and values in
    /// the 16-bit range can equal a memory offset, which is emitted (sign-extended) as is.
    static func embeddedImmediates(of program: Program) -> [Int32] {
        var result: [Int32] = []
        var index = 0
        let slots = program.instructions
        while index < slots.count {
            let instruction = slots[index]
            let opcode = instruction.opcode
            let instructionClass = opcode & 0x07
            var candidates: [Int32] = []
            switch instructionClass {
            case 0x04, 0x07:  // ALU, ALU64 with K
                let operation = opcode & 0xf0
                if opcode & 0x08 == 0 && ![0x60, 0x70, 0xc0, 0xd0, 0x80].contains(operation) { candidates.append(instruction.immediate) }
            case 0x05, 0x06:  // JMP, JMP32 conditional with K
                let operation = opcode & 0xf0
                if opcode & 0x08 == 0 && ![0x00, 0x80, 0x90].contains(operation) { candidates.append(instruction.immediate) }
            case 0x02:  // ST
                candidates.append(instruction.immediate)
            case 0x00:  // LD: lddw, ldabs, ldind
                candidates.append(instruction.immediate)
                if opcode == Opcode.lddw && index + 1 < slots.count {
                    candidates.append(slots[index + 1].immediate)
                    index += 1
                }
            default:
                break
            }
            result.append(contentsOf: candidates.filter { immediate in
                Int16(exactly: immediate) == nil && Set(withUnsafeBytes(of: immediate, Array.init)).count >= 3
            })
            index += 1
        }
        return result
    }

    @Test func generatedProgramsCarryNoImmediateIntoTheCode() throws {
        let generator = RandomProgramGenerator(options: .unsafe)
        var checked = 0
        var leakedWithoutBlinding = 0
        for seed in UInt64(0)..<150 {
            let program = generator.generate(seed: seed).program
            let immediates = Self.embeddedImmediates(of: program)
            guard !immediates.isEmpty else { continue }
            let blinded = try JIT.compile(program, helpers: TestHelpers.registry, options: Self.blinded).machineCode
            let plain = try JIT.compile(program, helpers: TestHelpers.registry, options: Self.plain).machineCode
            for immediate in immediates {
                let bytes = withUnsafeBytes(of: immediate.littleEndian, Array.init)
                checked += 1
                if Self.contains(plain, bytes) { leakedWithoutBlinding += 1 }
                let leaked = Self.contains(blinded, bytes)
                #expect(!leaked, "seed \(seed): 0x\(String(UInt32(bitPattern: immediate), radix: 16)) in blinded code")
            }
        }
        #expect(checked > 50)
        // Most immediates are visible in unblinded code: the check above is meaningful.
        #expect(leakedWithoutBlinding * 2 > checked, "\(leakedWithoutBlinding) of \(checked)")
    }

    @Test(.enabled(if: ConformanceCorpus.isAvailable, "conformance corpus not found (set EBPF_CONFORMANCE_DIR)"))
    func corpusResultsAreUnchanged() throws {
        let harness = FuzzEngines.harness(jit: Self.blinded, limits: ExecutionLimits())
        var compared = 0
        for testCase in ConformanceCorpus.cases {
            guard let program = try? testCase.program() else { continue }
            let outcome = harness.compare(program, memory: testCase.memory)
            #expect(outcome.agrees, "\(testCase.name): \(outcome)")
            if let expected = testCase.expectedResult {
                #expect(outcome.candidate.termination == .returned(expected), "\(testCase.name)")
            }
            compared += 1
        }
        #expect(compared >= 300)
    }

    @Test func generatedProgramsAgreeWhenBlinded() {
        for (options, preset) in [(Self.blinded, FuzzPreset.default), (Self.blinded, .unsafe)] {
            let harness = FuzzEngines.harness(jit: options, limits: preset.limits)
            let result = harness.campaign(
                generator: RandomProgramGenerator(options: preset.generatorOptions), seeds: UInt64(40_000)..<40_200)
            #expect(result.failures.isEmpty, "\(result.failures.first.map { "seed \($0.seed): \(harness.minimize($0.outcome))" } ?? "")")
        }
    }
}
