import Testing
import ClassicBPF
import EBPFCore
import EBPFTestSupport

/// Translated programs must verify and give the reference interpreter's result, bit for bit, in
/// every engine.
@Suite struct ClassicTranslatorTests {
    /// The translation sets up only what the classic program reads before writing: A = 0 and
    /// X = 0 where some path reads them unwritten, the length where `len` is read; nothing else
    /// comes before the first classic instruction's code (but a captured packet's length check).
    @Test(arguments: [
        // ldh [12]; ret a: A written first, nothing to set up.
        ([(0x28, 0, 0, 12), (0x16, 0, 0, 0)], false, false, false),
        // ret a: A read unwritten.
        ([(0x16, 0, 0, 0)], true, false, false),
        // txa; ret a: X read unwritten, A written by txa.
        ([(0x87, 0, 0, 0), (0x16, 0, 0, 0)], false, true, false),
        // ld len; ret a.
        ([(0x80, 0, 0, 0), (0x16, 0, 0, 0)], false, false, true),
        // jeq #1 before any load: A read unwritten.
        ([(0x15, 0, 1, 1), (0x06, 0, 0, 1), (0x06, 0, 0, 0)], true, false, false),
        // ldh [12]; jeq #1 jt 0 jf 1; ld #5; ret a: A written on both paths to ret a.
        ([(0x28, 0, 0, 12), (0x15, 0, 1, 1), (0x00, 0, 0, 5), (0x16, 0, 0, 0)], false, false, false),
        // ldx #1 on one path only, then ld [x+0]: X read unwritten on the other.
        ([(0x28, 0, 0, 12), (0x15, 0, 1, 1), (0x01, 0, 0, 1), (0x50, 0, 0, 0), (0x16, 0, 0, 0)], false, true, false),
        // ldx 4*([14]&0xf) keeps A around its byte load: A read unwritten.
        ([(0xb1, 0, 0, 14), (0x87, 0, 0, 0), (0x16, 0, 0, 0)], true, false, false),
    ] as [([(UInt16, UInt8, UInt8, UInt32)], Bool, Bool, Bool)])
    func prologueSetsUpOnlyWhatIsRead(code: [(UInt16, UInt8, UInt8, UInt32)], zeroesA: Bool, zeroesX: Bool, readsLength: Bool) throws {
        let classic = ClassicProgram(code.map { ClassicInstruction(code: $0.0, jumpIfTrue: $0.1, jumpIfFalse: $0.2, k: $0.3) })
        for kind: ClassicFilterKind in [.socketFilter, .capturedPacket] {
            let translation = try ClassicTranslator.translation(of: classic, kind: kind)
            var prologue = Array(translation.program.instructions[0..<translation.classicStarts[0]])
            if kind == .capturedPacket {
                // The context's length check: jge r2, 4, +2; mov32 r0, 0; exit.
                #expect(prologue.count >= 3 && prologue[0].opcode == 0x35 && prologue[2].opcode == Opcode.exit)
                prologue.removeFirst(3)
            }
            var expected: [Instruction] = []
            if readsLength {
                expected.append(kind == .socketFilter
                    ? Instruction(opcode: 0xbc, dst: 9, src: 2)             // mov32 r9, r2
                    : Instruction(opcode: 0x61, dst: 9, src: 1))            // ldxw r9, [r1]
            }
            if zeroesA { expected.append(Instruction(opcode: 0xb4, dst: 0)) }  // mov32 r0, 0
            if zeroesX { expected.append(Instruction(opcode: 0xb4, dst: 7)) }  // mov32 r7, 0
            #expect(prologue == expected, "\(kind)")
        }
    }

    static let kinds: [ClassicFilterKind] = [.socketFilter, .capturedPacket, .seccomp]

    @Test(arguments: kinds)
    func randomProgramsAgreeWithTheReferenceInterpreter(kind: ClassicFilterKind) throws {
        var random = RandomClassicPrograms(seed: 0xc1a5_51c0 + UInt64(Self.kinds.firstIndex(of: kind)!))
        var disagreements = 0
        var distinctResults: Set<UInt32> = []
        for round in 0..<250 {
            let classic = random.program(kind: kind, length: 2 + random.below(40))
            let engines = try TranslatedEngines(classic, kind: kind)
            for _ in 0..<6 {
                let context: [UInt8]
                let expected: UInt32
                if kind == .seccomp {
                    let data = SeccompData(
                        systemCallNumber: Int32(random.below(400)), architecture: [SeccompData.auditArchX86_64, SeccompData.auditArchI386][random.below(2)],
                        instructionPointer: random.next(), arguments: (0..<6).map { _ in random.next() >> (random.below(2) * 40) })
                    context = data.bytes
                    expected = ClassicInterpreter.run(classic, seccomp: data)
                } else {
                    let packet = random.packet()
                    let wireLength = kind == .capturedPacket ? UInt32(packet.count + random.below(3) * random.below(100)) : UInt32(packet.count)
                    context = engines.context(packet: packet, wireLength: wireLength)
                    expected = ClassicInterpreter.run(classic, packet: packet, wireLength: wireLength)
                }
                distinctResults.insert(expected)
                for (name, result) in engines.run(context: context) where result != UInt64(expected) {
                    disagreements += 1
                    Issue.record("round \(round) \(name): \(String(describing: result)) != \(expected)\n\(ClassicDisassembler.text(of: classic))")
                }
            }
            if disagreements > 3 { return }
        }
        // The programs compute, not just fail their loads.
        #expect(distinctResults.count > 100)
    }

    /// The reference interpreter's hand-worked cases, through every engine.
    @Test(arguments: ClassicInterpreterTests.cases.filter { ClassicProgram($0.0).isCheckedSocketFilter })
    func handWorkedCasesInEveryEngine(program: [ClassicInstruction], wireLength: UInt32?, expected: UInt32) throws {
        for kind in [ClassicFilterKind.socketFilter, .capturedPacket] where wireLength == nil || kind == .capturedPacket {
            let engines = try TranslatedEngines(ClassicProgram(program), kind: kind)
            let packet = ClassicInterpreterTests.packet
            let context = engines.context(packet: packet, wireLength: wireLength ?? UInt32(packet.count))
            for (name, result) in engines.run(context: context) { #expect(result == UInt64(expected), "\(kind) \(name)") }
        }
    }

    @Test func shiftsByThirtyTwoOrMoreGiveZero() throws {
        for (code, x) in [(UInt16(0x6c), UInt32(32)), (0x6c, 33), (0x7c, 32), (0x7c, 0xffff_ffff)] {
            let classic = ClassicProgram([
                ClassicInstruction(code: 0x00, k: 0xffff_ffff), ClassicInstruction(code: 0x01, k: x),
                ClassicInstruction(code: code), ClassicInstruction(code: 0x16),
            ])
            let engines = try TranslatedEngines(classic, kind: .socketFilter)
            for (name, result) in engines.run(context: [1]) { #expect(result == 0, "\(name) code \(code) x \(x)") }
        }
    }

    @Test func aShortCapturedPacketContextReturnsZero() throws {
        let classic = ClassicProgram([ClassicInstruction(code: 0x06, k: 1)])
        let engines = try TranslatedEngines(classic, kind: .capturedPacket)
        for context in [[], [1, 0, 0]] as [[UInt8]] {
            for (name, result) in engines.run(context: context) { #expect(result == 0, "\(name)") }
        }
        for (name, result) in engines.run(context: [0, 0, 0, 0]) { #expect(result == 1, "\(name)") }
    }

    @Test func checkerErrorsComeThrough() {
        let classic = ClassicProgram([ClassicInstruction(code: 0x34, k: 0), ClassicInstruction(code: 0x16)])
        #expect(throws: ClassicTranslationError.check(.divisionByZero(index: 0))) {
            try ClassicTranslator.translate(classic, kind: .socketFilter)
        }
    }

    /// Each classic instruction's code starts where the map says, and `ret` ends in `exit`.
    @Test(arguments: Fixtures.names)
    func sourceMapPointsAtEachInstruction(name: String) throws {
        let classic = try ClassicProgram(tcpdumpDD: Fixtures.text(name, "dd"))
        let translation = try ClassicTranslator.translation(of: classic, kind: .socketFilter)
        #expect(translation.classicStarts.count == classic.count)
        #expect(translation.classicStarts == translation.classicStarts.sorted())
        let instructions = translation.program.instructions
        for (index, instruction) in classic.instructions.enumerated() where instruction.operation?.isReturn == true {
            let start = translation.classicStarts[index]
            let end = index + 1 < classic.count ? translation.classicStarts[index + 1] : instructions.count
            // A return only selects reach (a jump between two returns) has no code of its own.
            guard start < end else { continue }
            let slots = instructions[start...]
            #expect(slots.first(where: { $0.opcode == Opcode.exit }) != nil)
        }
    }

    /// A jump between two `ret #k` is a branch-free select: no jump in the translation, and the
    /// same result as the reference interpreter at the edges of every comparison (32-bit
    /// wrap-around, the sign bit, equal values), for constants and X.
    @Test(arguments: [UInt16(0x10), 0x20, 0x30, 0x40], [ClassicSource.k, .x])
    func jumpsBetweenTwoReturnsAreSelects(operation: UInt16, source: ClassicSource) throws {
        let edges: [UInt32] = [0, 1, 2, 0x7fff_ffff, 0x8000_0000, 0x8000_0001, 0xffff_fffe, 0xffff_ffff]
        let returns: [(UInt32, UInt32)] = [(262_144, 0), (0, 1), (0xffff_ffff, 5), (7, 7)]
        for a in edges {
            for k in edges {
                for (whenTrue, whenFalse) in returns {
                    var code = [ClassicInstruction(code: 0x00, k: a)]
                    if source == .x { code.append(ClassicInstruction(code: 0x01, k: k)) }
                    code += [
                        ClassicInstruction(code: 0x05 | operation | source.rawValue, jumpIfTrue: 0, jumpIfFalse: 1, k: source == .x ? 0 : k),
                        ClassicInstruction(code: 0x06, k: whenTrue),
                        ClassicInstruction(code: 0x06, k: whenFalse),
                    ]
                    let classic = ClassicProgram(code)
                    let engines = try TranslatedEngines(classic, kind: .socketFilter)
                    #expect(!engines.program.instructions.contains { [InstructionClass.jmp, .jmp32].contains($0.instructionClass) && $0.opcode != Opcode.exit })
                    let expected = UInt64(ClassicInterpreter.run(classic, packet: [0], wireLength: 1))
                    for (name, result) in engines.run(context: [0]) {
                        #expect(result == expected, "\(name): A \(a) op \(operation) k \(k) -> \(whenTrue)/\(whenFalse)")
                    }
                }
            }
        }
    }

    @Test(arguments: Fixtures.names)
    func tcpdumpProgramsAgreeOnGeneratedTraffic(name: String) throws {
        let classic = try ClassicProgram(tcpdumpDD: Fixtures.text(name, "dd"))
        var generator = CaptureGenerator(seed: 7)
        let packets = generator.packets(count: 2000)
        for kind in [ClassicFilterKind.socketFilter, .capturedPacket] {
            let engines = try TranslatedEngines(classic, kind: kind)
            var matched = 0
            for packet in packets {
                let wireLength = kind == .capturedPacket ? packet.originalLength : UInt32(packet.data.count)
                let expected = ClassicInterpreter.run(classic, packet: packet.data, wireLength: wireLength)
                if expected != 0 { matched += 1 }
                for (engine, result) in engines.run(context: engines.context(packet: packet.data, wireLength: wireLength)) {
                    #expect(result == UInt64(expected), "\(engine)")
                }
            }
            // The generator's pools make a fair share of the traffic match.
            #expect(matched > 5 && matched < packets.count / 2)
        }
    }
}

extension ClassicProgram {
    var isCheckedSocketFilter: Bool { (try? ClassicChecker.check(self, kind: .socketFilter)) != nil }
}
