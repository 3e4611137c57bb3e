import Testing
import EBPFCore
import EBPFJIT
import EBPFInterpreter

/// The group rewrites of `Lowering+Fusion` beyond `lea`: rotations, sign- and zero-extension by
/// a shift pair, and a conditional jump over a `ja`. Each over edge values under every register
/// map against a Swift reference written from the ISA, and with the machine code checked to
/// have changed (the later slots' code empty, the group's code as short as the rewrite makes it).
@Suite struct PeepholeTests {
    static let values: [UInt64] = [
        0, 1, ~0, 1 << 63, 0x8000_0000, 0x7fff_ffff, 0xffff_ffff, 0x80, 0x7f, 0xff, 0x8000, 0x7fff, 0xffff,
        0x0123_4567_89ab_cdef, 0xfedc_ba98_7654_3210, 0xffff_ffff_0000_0080, 0x0000_0001_ffff_ff7f,
    ]

    static func alu(_ code: UInt8, is64: Bool, _ dst: UInt8, _ immediate: Int32) -> Instruction {
        Instruction(opcode: code | (is64 ? 0x07 : 0x04), dst: dst, immediate: immediate)
    }
    static func aluReg(_ code: UInt8, _ dst: UInt8, _ src: UInt8) -> Instruction {
        Instruction(opcode: code | 0x0f, dst: dst, src: src)
    }
    static let lsh: UInt8 = 0x60, rsh: UInt8 = 0x70, arsh: UInt8 = 0xc0, or: UInt8 = 0x40, add: UInt8 = 0x00

    /// Code bytes of slots `range` (with facts when `terminates`, under the default map).
    static func codeBytes(_ slots: [Instruction], _ range: Range<Int>, facts: VerifiedFacts? = nil) throws -> Int {
        let compiled = try JIT.compile(Program(unchecked: slots), facts: facts, options: JITOptions(registerMap: .default, useBMI2: false))
        return compiled.instructionOffsets[range.upperBound] - compiled.instructionOffsets[range.lowerBound]
    }

    // MARK: Rotations

    /// The four clang shapes of `x = rol(x, k)` through a copy: (shifted left, shifted right,
    /// or target) as (copy or original); R2 is the copy, R4 the original.
    struct RotationShape: Sendable, CustomTestStringConvertible {
        let leftIsCopy: Bool
        let leftFirst: Bool
        let targetIsCopy: Bool
        var testDescription: String { "left \(leftIsCopy ? "copy" : "original"), \(leftFirst ? "lsh" : "rsh") first, into \(targetIsCopy ? "copy" : "original")" }

        func slots(_ k: Int32) -> [Instruction] {
            let (copy, original): (UInt8, UInt8) = (2, 4)
            let left = alu(lsh, is64: true, leftIsCopy ? copy : original, k)
            let right = alu(rsh, is64: true, leftIsCopy ? original : copy, 64 - k)
            let target = targetIsCopy ? copy : original
            return [Asm.movReg(copy, original)] + (leftFirst ? [left, right] : [right, left])
                + [aluReg(or, target, targetIsCopy ? original : copy)]
        }
    }
    static let rotationShapes = [true, false].flatMap { l in [true, false].flatMap { f in [true, false].map { t in
        RotationShape(leftIsCopy: l, leftFirst: f, targetIsCopy: t)
    } } }

    @Test(arguments: rotationShapes, [false, true])
    func rotationMatchesTheReference(_ shape: RotationShape, otherIsRead: Bool) throws {
        let (target, other): (UInt8, UInt8) = shape.targetIsCopy ? (2, 4) : (4, 2)
        for k: Int32 in [1, 8, 9, 31, 32, 33, 55, 63] {
            for value in Self.values {
                // R0 = target + other, with other the shifted value (read) or overwritten with 7.
                let tail = (otherIsRead ? [] : [Asm.mov(other, 7)]) + [Asm.movReg(0, target), Self.aluReg(Self.add, 0, other), Asm.exit]
                let slots = Asm.lddw(4, value) + shape.slots(k) + tail
                let rotated = value << UInt64(k) | value >> UInt64(64 - k)
                let shifted = shape.leftIsCopy == shape.targetIsCopy ? value >> UInt64(64 - k) : value << UInt64(k)
                let expected = rotated &+ (otherIsRead ? shifted : 7)
                #expect(TrapTests.outcome(slots) == .success(expected), "k \(k) value \(value)")
            }
        }
        // One rotate (4 bytes) when the other value is dead and the original is the target;
        // a copy (3), a rotate, and the other's shift (4) only when needed.
        let group = try Self.codeBytes(Asm.lddw(4, 1) + shape.slots(9) + [Asm.mov(other, 7), Asm.exit], 2..<6)
        switch (otherIsRead, shape.targetIsCopy) {
        case (false, false): #expect(group == 4)
        case (false, true): #expect(group == 7)
        case (true, _): #expect(try Self.codeBytes(Asm.lddw(4, 1) + shape.slots(9) + [Asm.movReg(0, other), Asm.exit], 2..<6) == 11)
        }
    }

    /// `mov a, b; shift a; mov c, b; shift c; or` (large's shape): R2 = a, R5 = c, R3 = b.
    @Test(arguments: [true, false], [true, false])
    func rotationThroughTwoCopies(leftFirst: Bool, intoSecond: Bool) throws {
        for otherIsRead in [false, true] {
            for k: Int32 in [1, 2, 13, 32, 63] {
                for value in Self.values {
                    let firstShift = leftFirst ? Self.alu(Self.lsh, is64: true, 2, k) : Self.alu(Self.rsh, is64: true, 2, 64 - k)
                    let secondShift = leftFirst ? Self.alu(Self.rsh, is64: true, 5, 64 - k) : Self.alu(Self.lsh, is64: true, 5, k)
                    let (target, other): (UInt8, UInt8) = intoSecond ? (5, 2) : (2, 5)
                    let group = [Asm.movReg(2, 3), firstShift, Asm.movReg(5, 3), secondShift, Self.aluReg(Self.or, target, other)]
                    // R0 = target + other (or 7) + b, so b must be unchanged.
                    let tail = (otherIsRead ? [] : [Asm.mov(other, 7)])
                        + [Asm.movReg(0, target), Self.aluReg(Self.add, 0, other), Self.aluReg(Self.add, 0, 3), Asm.exit]
                    let slots = Asm.lddw(3, value) + group + tail
                    let rotated = value << UInt64(k) | value >> UInt64(64 - k)
                    let otherIsLeft = (other == 2) == leftFirst
                    let shifted = otherIsLeft ? value << UInt64(k) : value >> UInt64(64 - k)
                    #expect(TrapTests.outcome(slots) == .success(rotated &+ (otherIsRead ? shifted : 7) &+ value), "k \(k) value \(value)")
                    if value == 1 && k == 13 {
                        // mov + rol (3 + 4 bytes), plus the other's mov + shift when it is read.
                        #expect(try Self.codeBytes(slots, 2..<7) == (otherIsRead ? 14 : 7))
                    }
                }
            }
        }
    }

    @Test func notARotationWhenTheCountsDoNotAddUpTo64() throws {
        let slots = Asm.lddw(4, 0x8000_0000_0000_0001) + [Asm.movReg(2, 4), Self.alu(Self.rsh, is64: true, 2, 55), Self.alu(Self.lsh, is64: true, 4, 8),
                                                          Self.aluReg(Self.or, 4, 2), Asm.movReg(0, 4), Asm.exit]
        #expect(TrapTests.outcome(slots) == .success(0x100 | 0x100))
        #expect(try Self.codeBytes(slots, 2..<6) > 4 + 3)
    }

    // MARK: Extensions by a shift pair

    struct ExtensionShape: Sendable, CustomTestStringConvertible {
        let is64: Bool
        let count: Int32
        let signed: Bool
        let copies: Bool
        var testDescription: String { "\(is64 ? "64" : "32")-bit \(signed ? "arsh" : "rsh") \(count)\(copies ? " of a copy" : "")" }

        func reference(_ value: UInt64) -> UInt64 {
            let width: UInt64 = is64 ? 64 : 32
            let low = is64 ? value : value & 0xffff_ffff
            let kept = width - UInt64(count)
            let bits = low & ((1 << kept) - 1)
            let extended = signed && bits >> (kept - 1) & 1 == 1 ? bits | ~((1 << kept) - 1) : bits
            return is64 ? extended : extended & 0xffff_ffff
        }
    }
    static let extensionShapes: [ExtensionShape] = [true, false].flatMap { signed in [true, false].flatMap { copies in
        [Int32(32), 48, 56].map { ExtensionShape(is64: true, count: $0, signed: signed, copies: copies) }
            + [Int32(16), 24].map { ExtensionShape(is64: false, count: $0, signed: signed, copies: copies) }
    } }

    @Test(arguments: extensionShapes)
    func extensionMatchesTheReference(_ shape: ExtensionShape) throws {
        let pair = [Self.alu(Self.lsh, is64: shape.is64, 0, shape.count), Self.alu(shape.signed ? Self.arsh : Self.rsh, is64: shape.is64, 0, shape.count)]
        let copy = shape.copies ? [Instruction(opcode: shape.is64 ? 0xbf : 0xbc, dst: 0, src: 3)] : []
        for value in Self.values {
            // R0 starts as garbage when copying, so the copy must overwrite all of it.
            let slots = Asm.lddw(3, value) + Asm.lddw(0, shape.copies ? 0x5555_5555_5555_5555 : value) + copy + pair + [Asm.exit]
            #expect(TrapTests.outcome(slots) == .success(shape.reference(value)), "value \(value)")
        }
        // One instruction: the pair's (and the copy's) later slots have no code.
        let slots = Asm.lddw(3, 1) + Asm.lddw(0, 1) + copy + pair + [Asm.exit]
        let last = slots.count - 2
        let compiled = try JIT.compile(Program(unchecked: slots))
        for slot in 5..<last { #expect(compiled.instructionOffsets[slot] == compiled.instructionOffsets[slot + 1]) }
        #expect(compiled.instructionOffsets[last] == compiled.instructionOffsets[last + 1])
    }

    // MARK: A conditional jump over a ja

    static let conditions: [(name: String, code: UInt8, holds: @Sendable (UInt64, UInt64) -> Bool)] = [
        ("eq", 0x10, { $0 == $1 }), ("gt", 0x20, { $0 > $1 }), ("ge", 0x30, { $0 >= $1 }), ("set", 0x40, { $0 & $1 != 0 }),
        ("ne", 0x50, { $0 != $1 }), ("sgt", 0x60, { Int64(bitPattern: $0) > Int64(bitPattern: $1) }),
        ("sge", 0x70, { Int64(bitPattern: $0) >= Int64(bitPattern: $1) }), ("lt", 0xa0, { $0 < $1 }), ("le", 0xb0, { $0 <= $1 }),
        ("slt", 0xc0, { Int64(bitPattern: $0) < Int64(bitPattern: $1) }), ("sle", 0xd0, { Int64(bitPattern: $0) <= Int64(bitPattern: $1) }),
    ]

    /// `jCC r3, r4, +1; ja +2; r0 = 1; exit; r0 = 2; exit`: 1 when the condition holds.
    static func jumpOverJump(_ code: UInt8, is64: Bool, _ x: UInt64, _ y: UInt64) -> [Instruction] {
        Asm.lddw(3, x) + Asm.lddw(4, y) + [
            Instruction(opcode: code | (is64 ? 0x05 : 0x06) | 0x08, dst: 3, src: 4, offset: 1), Asm.ja(2),
            Asm.mov(0, 1), Asm.exit, Asm.mov(0, 2), Asm.exit,
        ]
    }

    static let terminates = VerifiedFacts(accessIsSafe: Array(repeating: false, count: 10), divisorIsNonZero: Array(repeating: false, count: 10),
                                          stackDepth: 0, maxCallDepth: 1, terminates: true)

    @Test(arguments: [true, false])
    func invertedJumpMatchesTheReference(is64: Bool) throws {
        let interesting: [UInt64] = [0, 1, ~0, 1 << 63, 0x8000_0000, 0x7fff_ffff, 0xffff_ffff, 0x1_0000_0000, 0xffff_ffff_0000_0001]
        for (name, code, holds) in Self.conditions {
            for x in interesting {
                for y in interesting {
                    let program = Program(unchecked: Self.jumpOverJump(code, is64: is64, x, y))
                    let (a, b) = is64 ? (x, y) : (x & 0xffff_ffff, y & 0xffff_ffff)
                    let holdsHere = is64 || !(["sgt", "sge", "slt", "sle"].contains(name))
                        ? holds(a, b)
                        : holds(UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: a))), UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: b))))
                    let expected: UInt64 = holdsHere ? 1 : 2
                    #expect(try Interpreter(program: program).run(memory: UnsafeMutableRawBufferPointer(start: nil, count: 0), stack: nil) == expected)
                    for options in JITConfigurations.all {
                        let compiled = try JIT.compile(program, facts: Self.terminates, options: options)
                        #expect(try compiled.run(memory: UnsafeMutableRawBufferPointer(start: nil, count: 0), stack: nil) == expected,
                                "\(name) \(x) \(y) \(options.registerMap)")
                    }
                }
            }
            // With facts the ja has no code of its own; counting the budget, it keeps it.
            let slots = Self.jumpOverJump(code, is64: is64, 1, 2)
            let fused = try JIT.compile(Program(unchecked: slots), facts: Self.terminates)
            #expect(fused.instructionOffsets[5] == fused.instructionOffsets[6], "\(name)")
            let counted = try JIT.compile(Program(unchecked: slots))
            #expect(counted.instructionOffsets[5] < counted.instructionOffsets[6], "\(name)")
        }
    }

    // MARK: Load, operate, store

    struct ReadModifyWrite: Sendable, CustomTestStringConvertible {
        let name: String
        let code: UInt8
        let reference: @Sendable (UInt64, UInt64) -> UInt64
        var testDescription: String { name }
    }
    static let readModifyWrites: [ReadModifyWrite] = [
        ReadModifyWrite(name: "add", code: 0x00) { $0 &+ $1 }, ReadModifyWrite(name: "sub", code: 0x10) { $0 &- $1 },
        ReadModifyWrite(name: "and", code: 0x50) { $0 & $1 }, ReadModifyWrite(name: "or", code: 0x40) { $0 | $1 },
        ReadModifyWrite(name: "xor", code: 0xa0) { $0 ^ $1 },
    ]

    /// `stdw [r10-8], initial; ldx r3, [r10-8]; op r3, operand; stx [r10-8], r3; <r3 dead or read>;
    /// ldxdw r0, [r10-8]; r0 += r3`: a stack word the AddressAnalysis proves, so no check.
    static func readModifyWrite(_ op: ReadModifyWrite, bytes: Int, aluIs64: Bool, register: Bool, initial: UInt64, operand: UInt64,
                                threeIsRead: Bool) -> [Instruction] {
        let sizeBits: UInt8 = bytes == 8 ? 0x18 : 0x00
        let load = Instruction(opcode: 0x61 | sizeBits, dst: 3, src: 10, offset: -8)
        let store = Instruction(opcode: 0x63 | sizeBits, dst: 10, src: 3, offset: -8)
        let alu = register ? Instruction(opcode: op.code | (aluIs64 ? 0x0f : 0x0c), dst: 3, src: 4)
            : Instruction(opcode: op.code | (aluIs64 ? 0x07 : 0x04), dst: 3, immediate: Int32(truncatingIfNeeded: operand))
        return Asm.lddw(5, initial) + [Asm.stxdw(10, -8, 5)] + Asm.lddw(4, operand)
            + [load, alu, store, threeIsRead ? Asm.mov(0, 0) : Asm.mov(3, 0), Asm.ldxdw(0, 10, -8), Self.aluReg(Self.add, 0, 3), Asm.exit]
    }

    @Test(arguments: readModifyWrites, [4, 8])
    func readModifyWriteMatchesTheReference(_ op: ReadModifyWrite, bytes: Int) throws {
        for aluIs64 in [true, false] {
            for register in [true, false] {
                for threeIsRead in [false, true] {
                    for initial in Self.values {
                        for operand in [UInt64(1), ~0, 0x8000_0000, 0x7fff_ffff, 0xffff_ffff_8000_0000, 0x1234_5678_9abc_def0]
                        where register || Int64(Int32(truncatingIfNeeded: operand)) == Int64(bitPattern: operand) {
                            let slots = Self.readModifyWrite(op, bytes: bytes, aluIs64: aluIs64, register: register, initial: initial,
                                                             operand: operand, threeIsRead: threeIsRead)
                            let mask: UInt64 = bytes == 8 ? ~0 : 0xffff_ffff
                            let loaded = initial & mask
                            let computed = aluIs64 ? op.reference(loaded, operand) : op.reference(loaded, operand) & 0xffff_ffff
                            let stored = initial & ~mask | computed & mask
                            let three = threeIsRead ? computed : 0
                            #expect(TrapTests.outcome(slots) == .success(stored &+ three),
                                    "\(bytes) B, \(aluIs64 ? 64 : 32)-bit, \(register ? "reg" : "imm"), initial \(initial) operand \(operand)")
                        }
                    }
                    // Fused (one instruction, the op's and the store's slots empty) only when R3 is
                    // dead after and an 8-byte access has a 64-bit op.
                    let slots = Self.readModifyWrite(op, bytes: bytes, aluIs64: aluIs64, register: register, initial: 1, operand: 3, threeIsRead: threeIsRead)
                    let compiled = try JIT.compile(Program(unchecked: slots))
                    let fuses = !threeIsRead && (bytes == 4 || aluIs64)
                    #expect((compiled.instructionOffsets[6] == compiled.instructionOffsets[8]) == fuses, "\(aluIs64) \(register) \(threeIsRead)")
                }
            }
        }
    }
}
