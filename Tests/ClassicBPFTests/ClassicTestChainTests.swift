import Testing
import ClassicBPF
import EBPFCore
import EBPFTestSupport

/// Test chains (docs/classic-bpf.md): runs of tests that reject to `ret #0` are evaluated with
/// one branch (or none when a select or return ends them), implied tests are dropped, `ld [x+k]`
/// after `ldx 4*([k]&0xf)` needs no range check, and `ldx 4*([k]&0xf)` keeps A only when A is
/// read later. Each shape is checked twice: what the translation emits, and that every engine
/// gives the reference interpreter's result on packets of every length.
@Suite struct ClassicTestChainTests {
    typealias Code = [(UInt16, UInt8, UInt8, UInt32)]

    /// Conditional jumps in `program` (legacy loads check their range without one).
    static func conditionalJumps(_ program: Program) -> Int {
        program.instructions.count { instruction in
            guard [InstructionClass.jmp, .jmp32].contains(instruction.instructionClass) else { return false }
            return ![Opcode.exit, Opcode.ja, Opcode.call].contains(instruction.opcode)
        }
    }

    /// Packets that pass and fail each test of the cases below, of every length up to 40 bytes.
    static let packets: [[UInt8]] = {
        var bodies: [[UInt8]] = []
        // An IPv4/TCP-like header: EtherType 0x0800 at 12, protocol 6 at 23, no fragment.
        var ipv4 = [UInt8](repeating: 0, count: 40)
        ipv4[12] = 0x08; ipv4[14] = 0x45; ipv4[23] = 6
        bodies.append(ipv4)
        var ipv6 = ipv4
        ipv6[12] = 0x86; ipv6[13] = 0xdd
        bodies.append(ipv6)
        var udp = ipv4
        udp[23] = 17
        bodies.append(udp)
        var fragment = ipv4
        fragment[21] = 1
        bodies.append(fragment)
        var ports = ipv4
        ports[34] = 0; ports[35] = 80
        bodies.append(ports)
        bodies.append([UInt8](repeating: 0xff, count: 40))
        var packets: [[UInt8]] = []
        for body in bodies {
            for length in 0...body.count { packets.append(Array(body.prefix(length))) }
        }
        return packets
    }()

    /// The classic programs (R = the `ret #0` a test rejects to) and the conditional jumps their
    /// socket-filter translation has.
    @Test(arguments: [
        // libpcap's `tcp`-like start: jeq #0x86dd (implied by jeq #0x800) is dropped, the other
        // three tests fold into a select's mask: no branch at all.
        ([(0x28, 0, 0, 12), (0x15, 6, 0, 0x86dd), (0x15, 0, 5, 0x800), (0x30, 0, 0, 23), (0x15, 0, 3, 6),
          (0x28, 0, 0, 20), (0x45, 1, 0, 0x1fff), (0x06, 0, 0, 262_144), (0x06, 0, 0, 0)], 0),
        // The same chain followed by a branch that is no test of the chain (jt to a non-zero
        // return): one branch for the chain, one for the test, a select at the end.
        ([(0x28, 0, 0, 12), (0x15, 7, 0, 0x86dd), (0x15, 0, 6, 0x800), (0x30, 0, 0, 23), (0x15, 0, 4, 6),
          (0x30, 0, 0, 14), (0x15, 1, 0, 0x45), (0x15, 0, 1, 0x46), (0x06, 0, 0, 262_144), (0x06, 0, 0, 0)], 2),
        // A different target: jeq #0x86dd goes to `ret #1`, not to `ret #0`; it stays a branch,
        // and the chain after it (one test, then a return) folds.
        ([(0x28, 0, 0, 12), (0x15, 5, 0, 0x86dd), (0x15, 0, 3, 0x800), (0x30, 0, 0, 23), (0x15, 0, 1, 6),
          (0x06, 0, 0, 262_144), (0x06, 0, 0, 0), (0x06, 0, 0, 1)], 1),
        // A modified between the tests: jeq #0x86dd tests another value, so it is not implied;
        // it folds into the mask of the select that ends the chain.
        ([(0x28, 0, 0, 12), (0x15, 3, 0, 0x86dd), (0x28, 0, 0, 12), (0x15, 0, 1, 0x800), (0x06, 0, 0, 262_144),
          (0x06, 0, 0, 0)], 0),
        // Tests of X: folded, never dropped (the operand is not a constant).
        ([(0x01, 0, 0, 0x800), (0x28, 0, 0, 12), (0x1d, 3, 0, 0), (0x1d, 0, 2, 0), (0x3d, 1, 0, 0), (0x06, 0, 0, 9),
          (0x06, 0, 0, 0)], 0),
        // Two tests requiring different values of one A: the chain always rejects; both kept.
        ([(0x28, 0, 0, 12), (0x15, 0, 3, 0x800), (0x15, 0, 2, 0x86dd), (0x30, 0, 0, 23), (0x16, 0, 0, 0), (0x06, 0, 0, 0)], 0),
        // The select at 4 has a second predecessor (the jump at 1): it cannot end the chain,
        // whose one test stays a branch.
        ([(0x28, 0, 0, 12), (0x15, 2, 0, 0x86dd), (0x15, 0, 3, 0x800), (0x30, 0, 0, 23), (0x15, 0, 1, 6),
          (0x06, 0, 0, 262_144), (0x06, 0, 0, 0)], 2),
        // Chains with jgt, jge, jset of both polarities and a load past short packets between
        // them, ending in `ret a`.
        ([(0x28, 0, 0, 12), (0x25, 0, 6, 0x7ff), (0x35, 5, 0, 0x801), (0x30, 0, 0, 23), (0x45, 0, 3, 6),
          (0x45, 2, 0, 0x80), (0x20, 0, 0, 36), (0x16, 0, 0, 0), (0x06, 0, 0, 0)], 0),
        // An indirect load after the chain's tests ends it (for packets that failed them X is
        // arbitrary, and the load's range check would follow the traffic): one branch, then
        // `ldx 4*([14]&0xf); ldh [x+14]` and a select.
        ([(0x28, 0, 0, 12), (0x15, 0, 6, 0x800), (0x30, 0, 0, 23), (0x15, 0, 4, 6), (0xb1, 0, 0, 14), (0x48, 0, 0, 14),
          (0x45, 0, 1, 0x50), (0x06, 0, 0, 262_144), (0x06, 0, 0, 0)], 1),
        // The same load before the chain's first test runs for every packet anyway: it stays in
        // the chain, which the select ends without a branch.
        ([(0xb1, 0, 0, 14), (0x48, 0, 0, 14), (0x15, 0, 3, 80), (0x30, 0, 0, 23), (0x15, 0, 1, 6), (0x06, 0, 0, 262_144),
          (0x06, 0, 0, 0)], 0),
        // One test alone, then a branch to `ret a`: a plain branch, nothing to fold.
        ([(0x28, 0, 0, 12), (0x15, 0, 4, 0x800), (0x30, 0, 0, 23), (0x15, 1, 0, 6), (0x06, 0, 0, 262_144), (0x16, 0, 0, 0),
          (0x06, 0, 0, 0)], 2),
        // One test, then loads and a return: the return's result is masked, no branch.
        ([(0x28, 0, 0, 12), (0x15, 0, 2, 0x800), (0x30, 0, 0, 23), (0x16, 0, 0, 0), (0x06, 0, 0, 0)], 0),
    ] as [(Code, Int)])
    func chainsFoldTheirTests(code: Code, jumps: Int) throws {
        let classic = ClassicProgram(code.map { ClassicInstruction(code: $0.0, jumpIfTrue: $0.1, jumpIfFalse: $0.2, k: $0.3) })
        let engines = try TranslatedEngines(classic, kind: .socketFilter)
        #expect(Self.conditionalJumps(engines.program) == jumps, "\(ClassicDisassembler.text(of: classic))")
        for kind in [ClassicFilterKind.socketFilter, .capturedPacket] {
            let engines = try TranslatedEngines(classic, kind: kind)
            for packet in Self.packets {
                let expected = UInt64(ClassicInterpreter.run(classic, packet: packet, wireLength: UInt32(packet.count) + 7))
                for (name, result) in engines.run(context: engines.context(packet: packet, wireLength: UInt32(packet.count) + 7)) {
                    #expect(result == expected, "\(kind) \(name), \(packet.count) bytes")
                }
            }
        }
    }

    /// `ld [x+k]` takes X directly when X comes from `ldx 4*([k]&0xf)` (at most 60) on every
    /// path; otherwise X + k is formed and checked in 64 bits first (a `jgt` on R8).
    @Test(arguments: [
        // ldx 4*([14]&0xf); ldh [x+14]; ret a
        ([(0xb1, 0, 0, 14), (0x48, 0, 0, 14), (0x16, 0, 0, 0)], false),
        // X = len: unknown.
        ([(0x81, 0, 0, 0), (0x48, 0, 0, 14), (0x16, 0, 0, 0)], true),
        // X from ldxb on one path, from `tax` on the other: unknown at the load.
        ([(0x28, 0, 0, 12), (0x15, 0, 2, 0x800), (0xb1, 0, 0, 14), (0x05, 0, 0, 1), (0x07, 0, 0, 0), (0x48, 0, 0, 14),
          (0x16, 0, 0, 0)], true),
        // X from ldxb, then a small ldx #k on another path: at most 60 either way.
        ([(0x28, 0, 0, 12), (0x15, 0, 2, 0x800), (0xb1, 0, 0, 14), (0x05, 0, 0, 1), (0x01, 0, 0, 3), (0x50, 0, 0, 14),
          (0x16, 0, 0, 0)], false),
        // A k so large that X + k could pass 2 GiB: checked.
        ([(0xb1, 0, 0, 14), (0x40, 0, 0, 0x7fff_fff0), (0x16, 0, 0, 0)], true),
    ] as [(Code, Bool)])
    func indirectLoadsAfterAHeaderLengthNeedNoRangeCheck(code: Code, checked: Bool) throws {
        let classic = ClassicProgram(code.map { ClassicInstruction(code: $0.0, jumpIfTrue: $0.1, jumpIfFalse: $0.2, k: $0.3) })
        for kind in [ClassicFilterKind.socketFilter, .capturedPacket] {
            let engines = try TranslatedEngines(classic, kind: kind)
            let rangeChecks = engines.program.instructions.count { $0.opcode == InstructionClass.jmp.rawValue | JumpOperation.jgt.rawValue && $0.dst == 8 }
            #expect(rangeChecks == (checked ? 1 : 0), "\(kind)")
            for packet in Self.packets {
                let expected = UInt64(ClassicInterpreter.run(classic, packet: packet, wireLength: UInt32(packet.count)))
                for (name, result) in engines.run(context: engines.context(packet: packet, wireLength: UInt32(packet.count))) {
                    #expect(result == expected, "\(kind) \(name), \(packet.count) bytes")
                }
            }
        }
    }

    /// `ldx 4*([k]&0xf)` keeps A in R8 around its byte load only when a later instruction reads
    /// A before writing it.
    @Test(arguments: [
        // ldh [12]; ldxb; ldh [x+14]; ret a: A is loaded again, not kept.
        ([(0x28, 0, 0, 12), (0xb1, 0, 0, 14), (0x48, 0, 0, 14), (0x16, 0, 0, 0)], false),
        // ldh [12]; ldxb; add x; ret a: A is read.
        ([(0x28, 0, 0, 12), (0xb1, 0, 0, 14), (0x0c, 0, 0, 0), (0x16, 0, 0, 0)], true),
        // ldh [12]; ldxb; jeq #0x800 ...: a test reads A.
        ([(0x28, 0, 0, 12), (0xb1, 0, 0, 14), (0x15, 0, 1, 0x800), (0x87, 0, 0, 0), (0x16, 0, 0, 0)], true),
        // st M[0] reads A.
        ([(0x28, 0, 0, 12), (0xb1, 0, 0, 14), (0x02, 0, 0, 0), (0x16, 0, 0, 0)], true),
        // ldxb; txa; ret a.
        ([(0x28, 0, 0, 12), (0xb1, 0, 0, 14), (0x87, 0, 0, 0), (0x16, 0, 0, 0)], false),
    ] as [(Code, Bool)])
    func headerLengthLoadsKeepAOnlyWhenRead(code: Code, keepsA: Bool) throws {
        let classic = ClassicProgram(code.map { ClassicInstruction(code: $0.0, jumpIfTrue: $0.1, jumpIfFalse: $0.2, k: $0.3) })
        let engines = try TranslatedEngines(classic, kind: .socketFilter)
        let saves = engines.program.instructions.count { $0 == Instruction(opcode: 0xbf, dst: 8, src: 0) }  // mov r8, r0
        #expect(saves == (keepsA ? 1 : 0))
        for packet in Self.packets {
            let expected = UInt64(ClassicInterpreter.run(classic, packet: packet, wireLength: UInt32(packet.count)))
            for (name, result) in engines.run(context: packet) { #expect(result == expected, "\(name), \(packet.count) bytes") }
        }
    }

    /// Random programs shaped like tcpdump's (tests that reject to `ret #0` or jump elsewhere,
    /// loads around the packet's end, header lengths, indirect loads, divisions by X), on
    /// packets of few distinct bytes so that equality tests pass often.
    @Test(arguments: [ClassicFilterKind.socketFilter, .capturedPacket])
    func randomChainsAgreeWithTheReferenceInterpreter(kind: ClassicFilterKind) throws {
        var random = RandomClassicPrograms(seed: 0x0c4a_1175 + (kind == .socketFilter ? 0 : 1))
        var folded = 0, outcomes: Set<UInt32> = [], disagreements = 0
        for round in 0..<400 {
            let classic = random.chainProgram(kind: kind, length: 3 + random.below(16))
            let engines = try TranslatedEngines(classic, kind: kind)
            let classicJumps = classic.instructions.count { instruction in
                if case .jump? = instruction.operation { true } else { false }
            }
            if Self.conditionalJumps(engines.program) < classicJumps - (kind == .capturedPacket ? 0 : 1) { folded += 1 }
            for _ in 0..<12 {
                let packet = random.chainPacket()
                let wireLength = UInt32(packet.count + random.below(3))
                let expected = ClassicInterpreter.run(classic, packet: packet, wireLength: wireLength)
                outcomes.insert(expected)
                for (name, result) in engines.run(context: engines.context(packet: packet, wireLength: wireLength)) where result != UInt64(expected) {
                    disagreements += 1
                    Issue.record("round \(round) \(name): \(String(describing: result)) != \(expected), \(packet.count) bytes\n\(ClassicDisassembler.text(of: classic))")
                }
            }
            if disagreements > 3 { return }
        }
        // The programs fold tests, and they accept, reject and return A.
        #expect(folded > 100)
        #expect(outcomes.count > 10 && outcomes.contains(0) && outcomes.contains(262_144))
    }
}

extension RandomClassicPrograms {
    /// The bytes chain packets are made of, and the constants their tests compare with.
    static let chainBytes: [UInt8] = [0, 1, 6, 0x08, 0x45, 0x80, 0xff]

    /// A checked program of `length` instructions before its three returns (`ret #262144`,
    /// `ret #0`, `ret a`), most of whose tests reject to `ret #0`.
    mutating func chainProgram(kind: ClassicFilterKind, length: Int) -> ClassicProgram {
        let accept = length, reject = length + 1, returnA = length + 2
        var instructions: [ClassicInstruction] = []
        for index in 0..<length {
            let offset = { (target: Int) in UInt8(target - index - 1) }
            switch below(12) {
            case 0, 1, 2, 3, 4:
                let op = [ClassicJumpOperation.jeq, .jeq, .jgt, .jge, .jset][below(5)]
                let source: UInt16 = below(5) == 0 ? 0x08 : 0
                let byte = UInt32(Self.chainBytes[below(Self.chainBytes.count)])
                let k = [byte, byte << 8 | UInt32(Self.chainBytes[below(Self.chainBytes.count)]), 0x800, 0x86dd, 0x1fff][below(5)]
                let code = 0x05 | op.rawValue | source
                switch below(10) {
                case 0..<4: instructions.append(ClassicInstruction(code: code, jumpIfTrue: 0, jumpIfFalse: offset(reject), k: k))
                case 4..<7: instructions.append(ClassicInstruction(code: code, jumpIfTrue: offset(reject), jumpIfFalse: 0, k: k))
                case 7: instructions.append(ClassicInstruction(code: code, jumpIfTrue: offset(accept), jumpIfFalse: 0, k: k))
                case 8: instructions.append(ClassicInstruction(code: code, jumpIfTrue: offset(reject), jumpIfFalse: offset(returnA), k: k))
                default:
                    let target = index + 1 + below(length - index)
                    instructions.append(ClassicInstruction(code: code, jumpIfTrue: 0, jumpIfFalse: offset(target), k: k))
                }
            case 5, 6:
                if kind == .seccomp {
                    instructions.append(ClassicInstruction(code: 0x20, k: UInt32(4 * below(16))))
                } else {
                    instructions.append(ClassicInstruction(code: [0x20, 0x28, 0x30, 0x30][below(4)], k: UInt32(below(44))))
                }
            case 7:
                instructions.append(below(2) == 0
                    ? ClassicInstruction(code: 0xb1, k: UInt32(below(30)))
                    : ClassicInstruction(code: 0x01, k: UInt32(below(12))))
            case 8:
                instructions.append(ClassicInstruction(code: [0x40, 0x48, 0x50][below(3)], k: UInt32(below(30))))
            case 9:
                let op = [ClassicALUOperation.and, .or, .add, .rsh, .sub][below(5)]
                instructions.append(ClassicInstruction(code: 0x04 | op.rawValue, k: op == .rsh ? UInt32(below(16)) : UInt32(Self.chainBytes[below(7)])))
            case 10:
                instructions.append(ClassicInstruction(code: [0x3c, 0x9c, 0x0c, 0x1c][below(4)]))  // div, mod, add, sub x
            default:
                instructions.append(ClassicInstruction(code: [0x07, 0x87, 0x02, 0x05][below(4)], k: 0))  // tax, txa, st M[0], ja +0
            }
        }
        instructions += [ClassicInstruction(code: 0x06, k: 262_144), ClassicInstruction(code: 0x06, k: 0), ClassicInstruction(code: 0x16)]
        return ClassicProgram(instructions)
    }

    /// 0–48 bytes drawn from ``chainBytes``.
    mutating func chainPacket() -> [UInt8] {
        (0..<below(49)).map { _ in Self.chainBytes[below(Self.chainBytes.count)] }
    }
}
