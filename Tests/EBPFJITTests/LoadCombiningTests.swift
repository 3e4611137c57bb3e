import Testing
import EBPFCore
import EBPFJIT
import EBPFInterpreter

/// `Lowering+LoadCombining`: bytes loaded, shifted and ored into one register, and a load
/// followed by a byte swap, become one load (`movbe`, or `mov` + `bswap`/`rol`). Each shape runs
/// over input bytes with verified facts (every access proven) under every register map, with and
/// without `movbe`, against the interpreter; the machine code is checked to have become the one
/// load (the later slots' code empty), or, for the shapes that must not combine, not.
@Suite struct LoadCombiningTests {
    static func ldx(_ bytes: Int, _ dst: UInt8, _ base: UInt8, _ offset: Int16) -> Instruction {
        let size: UInt8 = [1: 0x10, 2: 0x08, 4: 0x00, 8: 0x18][bytes]!
        return Instruction(opcode: 0x61 | size, dst: dst, src: base, offset: offset)
    }
    static func lsh(_ dst: UInt8, _ count: Int32, is64: Bool = false) -> Instruction {
        Instruction(opcode: is64 ? 0x67 : 0x64, dst: dst, immediate: count)
    }
    static func rsh(_ dst: UInt8, _ count: Int32, is64: Bool = false) -> Instruction {
        Instruction(opcode: is64 ? 0x77 : 0x74, dst: dst, immediate: count)
    }
    static func or(_ dst: UInt8, _ src: UInt8, is64: Bool = false) -> Instruction {
        Instruction(opcode: is64 ? 0x4f : 0x4c, dst: dst, src: src)
    }
    static func add(_ dst: UInt8, _ src: UInt8, is64: Bool = true) -> Instruction {
        Instruction(opcode: is64 ? 0x0f : 0x0c, dst: dst, src: src)
    }
    static func mov32(_ dst: UInt8, _ src: UInt8) -> Instruction { Instruction(opcode: 0xbc, dst: dst, src: src) }
    /// `be16/32/64` (0xdc), `le16/32/64` (0xd4), `bswap16/32/64` (0xd7).
    static func swap(_ opcode: UInt8, _ dst: UInt8, _ bits: Int32) -> Instruction { Instruction(opcode: opcode, dst: dst, immediate: bits) }

    struct Shape: Sendable, CustomTestStringConvertible {
        let name: String
        /// The run under test starts at slot 0 and ends before `tail`; R1 is the input.
        let run: [Instruction]
        /// What follows: R0 from the result (and from the temporaries the shape keeps live).
        let tail: [Instruction]
        /// The combined load the run should become: (bytes, big-endian), or nil when it must not.
        let combined: (bytes: Int, bigEndian: Bool)?
        var testDescription: String { name }
    }

    static let shapes: [Shape] = [
        // ntohs(*(u16 *)(p + 12)), clang's order: the low byte first.
        Shape(name: "be16 from bytes", run: [ldx(1, 3, 1, 13), ldx(1, 4, 1, 12), lsh(4, 8), or(4, 3)],
              tail: [Asm.movReg(0, 4), Asm.exit], combined: (2, true)),
        // ntohl over four bytes (the packet benchmark's source address), R5 the temporary.
        Shape(name: "be32 from bytes", run: [ldx(1, 5, 1, 16), lsh(5, 24), ldx(1, 4, 1, 17), lsh(4, 16), or(4, 5),
                                             ldx(1, 5, 1, 18), lsh(5, 8), or(4, 5), ldx(1, 5, 1, 19), or(4, 5)],
              tail: [Asm.movReg(0, 4), Asm.exit], combined: (4, true)),
        // The same bytes, little-endian, with 64-bit operations.
        Shape(name: "le32 from bytes", run: [ldx(1, 2, 1, 3), ldx(1, 3, 1, 4), lsh(3, 8, is64: true), or(2, 3, is64: true),
                                             ldx(2, 3, 1, 5), lsh(3, 16, is64: true), or(2, 3, is64: true)],
              tail: [Asm.movReg(0, 2), Asm.exit], combined: (4, false)),
        // Eight bytes, most significant first, through two halves and 64-bit shifts.
        Shape(name: "be64 from halves", run: [ldx(4, 2, 1, 8), swap(0xdc, 2, 32), lsh(2, 32, is64: true), ldx(4, 3, 1, 12),
                                              swap(0xdc, 3, 32), or(2, 3, is64: true)],
              tail: [Asm.movReg(0, 2), Asm.exit], combined: (8, true)),
        Shape(name: "ldxh + be16", run: [ldx(2, 6, 1, 7), swap(0xdc, 6, 16)], tail: [Asm.movReg(0, 6), Asm.exit], combined: (2, true)),
        Shape(name: "ldxw + be32", run: [ldx(4, 0, 1, 5), swap(0xdc, 0, 32)], tail: [Asm.exit], combined: (4, true)),
        Shape(name: "ldxdw + be64", run: [ldx(8, 9, 1, 1), swap(0xdc, 9, 64)], tail: [Asm.movReg(0, 9), Asm.exit], combined: (8, true)),
        Shape(name: "ldxdw + bswap32", run: [ldx(8, 7, 1, 2), swap(0xd7, 7, 32)], tail: [Asm.movReg(0, 7), Asm.exit], combined: (4, true)),
        Shape(name: "ldxw + le16", run: [ldx(4, 7, 1, 2), swap(0xd4, 7, 16)], tail: [Asm.movReg(0, 7), Asm.exit], combined: (2, false)),
        // A copy into the result, the loaded register dead after.
        Shape(name: "be16 into a copy", run: [ldx(1, 3, 1, 0), lsh(3, 8), ldx(1, 4, 1, 1), or(3, 4), mov32(0, 3)],
              tail: [Asm.exit], combined: (2, true)),
        // A right shift by whole bytes leaves bytes 2 and 3 of a word.
        Shape(name: "rsh of a word", run: [ldx(4, 2, 1, 4), rsh(2, 16)], tail: [Asm.movReg(0, 2), Asm.exit], combined: (2, false)),
        // Not combined: the temporary is read later (the same result, the code as before).
        Shape(name: "temporary live", run: [ldx(1, 3, 1, 13), ldx(1, 4, 1, 12), lsh(4, 8), or(4, 3)],
              tail: [Asm.movReg(0, 4), add(0, 3), Asm.exit], combined: nil),
        // Not combined: a gap (bytes 12 and 14).
        Shape(name: "gap", run: [ldx(1, 3, 1, 14), ldx(1, 4, 1, 12), lsh(4, 8), or(4, 3)], tail: [Asm.movReg(0, 4), Asm.exit], combined: nil),
        // Not combined: the same byte twice (an `add` of overlapping lanes carries).
        Shape(name: "overlap", run: [ldx(1, 3, 1, 12), ldx(2, 4, 1, 12), add(4, 3)], tail: [Asm.movReg(0, 4), Asm.exit], combined: nil),
        // Not combined: a 32-bit shift pushes byte 0 out (three bytes left).
        Shape(name: "truncated", run: [ldx(2, 3, 1, 0), lsh(3, 24), ldx(2, 4, 1, 2), or(3, 4)], tail: [Asm.movReg(0, 3), Asm.exit], combined: nil),
    ]

    static let memory: [UInt8] = (0..<32).map { UInt8(truncatingIfNeeded: $0 &* 0x9d &+ 0x80) }

    static func facts(_ count: Int) -> VerifiedFacts {
        VerifiedFacts(accessIsSafe: Array(repeating: true, count: count), divisorIsNonZero: Array(repeating: false, count: count),
                      stackDepth: 0, maxCallDepth: 1, terminates: true)
    }

    static func run(_ runner: some ProgramRunner, _ memory: [UInt8]) throws -> UInt64 {
        var bytes = memory
        return try bytes.withUnsafeMutableBytes { buffer in try runner.run(memory: buffer, stack: nil) }
    }

    @Test(arguments: shapes)
    func combinedLoadMatchesTheInterpreter(_ shape: Shape) throws {
        let slots = shape.run + shape.tail
        let program = Program(unchecked: slots)
        // Each byte of the input in turn 0x00, 0xff and 0x80, so every lane is seen to move.
        var inputs = [Self.memory]
        for byte in [0x00, 0xff, 0x80] as [UInt8] { inputs.append(Self.memory.map { $0 ^ byte }) }
        let reference = try inputs.map { try Self.run(Interpreter(program: program), $0) }
        let movbe = CPUFeatures.current.hasMOVBE
        for base in JITConfigurations.all {
            for useMOVBE in movbe ? [false, true] : [false] {
                var options = base
                options.useMOVBE = useMOVBE
                let compiled = try JIT.compile(program, facts: Self.facts(slots.count), options: options)
                #expect(try inputs.map { try Self.run(compiled, $0) } == reference, "\(options.registerMap) movbe \(useMOVBE)")
                let offsets = compiled.instructionOffsets
                let laterSlotsEmpty = offsets[1] == offsets[shape.run.count]
                #expect(laterSlotsEmpty == (shape.combined != nil), "\(options.registerMap)")
                let code = Array(compiled.machineCode[offsets[0]..<offsets[shape.run.count]])
                let hasMOVBE = (0..<max(0, code.count - 2)).contains { code[$0] == 0x0f && code[$0 + 1] == 0x38 && code[$0 + 2] == 0xf0 }
                if let combined = shape.combined {
                    #expect(hasMOVBE == (useMOVBE && combined.bigEndian && combined.bytes > 2))
                    // One load: movzx/mov/movbe (at most 7 bytes with a prefix or REX), and a
                    // swap when big-endian and not movbe (rol r16: 4-5 bytes; bswap: 2-3).
                    #expect(code.count <= 7 + (combined.bigEndian && !hasMOVBE ? 5 : 0), "\(code)")
                } else {
                    #expect(!hasMOVBE)
                }
            }
        }
    }

    /// Without facts, accesses to the stack frame at constant offsets need no check either
    /// (``AddressAnalysis``), so bytes stored there and read back big-endian combine too.
    @Test func combinesOnTheStackWithoutFacts() throws {
        let slots = Asm.lddw(2, 0x0102_0304_a5b6_c7d8) + [
            Asm.stxdw(10, -8, 2),
            Self.ldx(1, 3, 10, -5), Self.ldx(1, 4, 10, -6), Self.lsh(4, 8), Self.or(4, 3),
            Asm.movReg(0, 4), Asm.exit,
        ]
        #expect(TrapTests.outcome(slots) == .success(0xb6a5))
        let compiled = try JIT.compile(Program(unchecked: slots), options: JITOptions(registerMap: .default, useBMI2: false))
        #expect(compiled.instructionOffsets[4] == compiled.instructionOffsets[7])
    }

    /// An input access without facts keeps its check, so nothing combines, and a load past the
    /// end still traps at the byte the interpreter reports.
    @Test func uncheckedInputLoadsDoNotCombine() throws {
        let slots = [Self.ldx(1, 3, 1, 13), Self.ldx(1, 4, 1, 12), Self.lsh(4, 8), Self.or(4, 3), Asm.movReg(0, 4), Asm.exit]
        #expect(TrapTests.outcome(slots, memory: Array(Self.memory[0..<16])) == .success(UInt64(Self.memory[12]) << 8 | UInt64(Self.memory[13])))
        guard case .failure(.outOfBounds(let pc, _, 1, false)) = TrapTests.outcome(slots, memory: Array(Self.memory[0..<13])) else {
            Issue.record("expected the load of byte 13 to trap")
            return
        }
        #expect(pc == 0)
        let compiled = try JIT.compile(Program(unchecked: slots), options: JITOptions(registerMap: .default, useBMI2: false))
        #expect(compiled.instructionOffsets[1] != compiled.instructionOffsets[3])
    }

    /// A jump into the middle of the run splits it: no combining across a block boundary (a
    /// loop whose second pass enters at the second load).
    @Test func aJumpTargetInsideTheRunStopsIt() throws {
        let slots = [Asm.mov(5, 0), Self.ldx(1, 3, 1, 13), Self.ldx(1, 4, 1, 12), Self.lsh(4, 8), Self.or(4, 3),
                     Instruction(opcode: 0x07, dst: 5, immediate: 1), Instruction(opcode: 0xa5, dst: 5, offset: -5, immediate: 2),
                     Asm.movReg(0, 4), Self.add(0, 5), Asm.exit]
        let program = Program(unchecked: slots)
        let compiled = try JIT.compile(program, facts: Self.facts(slots.count), options: JITOptions(registerMap: .default, useBMI2: false))
        #expect(try Self.run(compiled, Self.memory) == (try Self.run(Interpreter(program: program), Self.memory)))
        #expect(compiled.instructionOffsets[3] != compiled.instructionOffsets[5])
    }

    @Test func movbeOnACPUWithoutItIsRefused() throws {
        let program = Program(unchecked: [Asm.mov(0, 1), Asm.exit])
        if CPUFeatures.current.hasMOVBE {
            #expect(try JIT.compile(program, options: JITOptions(useMOVBE: true)).run(memory: UnsafeMutableRawBufferPointer(start: nil, count: 0), stack: nil) == 1)
        } else {
            #expect(throws: JITError.unsupportedCPUFeature("MOVBE")) { try JIT.compile(program, options: JITOptions(useMOVBE: true)) }
        }
    }
}
