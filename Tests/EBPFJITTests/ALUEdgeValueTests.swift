import Testing
import EBPFCore
import EBPFJIT

/// Every ALU operation, register and immediate forms, 32 and 64 bits, over edge values and over
/// register pairs that land on rax/rdx/rcx (division and shift clobbers) or are the same
/// register, under several register maps. Expected values come from the Swift reference below,
/// written from the ISA text (isa.md), not from either engine.
@Suite struct ALUEdgeValueTests {
    /// One ALU instruction shape and its meaning.
    struct Operation: Sendable, CustomTestStringConvertible {
        let name: String
        let opcode: UInt8
        let offset: Int16
        let is64: Bool
        /// dst, src → result (both full 64-bit register values).
        let reference: @Sendable (UInt64, UInt64) -> UInt64
        var testDescription: String { name }
    }

    static let values: [UInt64] = [0, 1, ~0, 1 << 63, 0x8000_0000, 0x1_0000_0004, 0xffff_ffff_ffff_fff9, 13, 63, 0xffff_ffff]
    static let immediates: [Int32] = [0, 1, -1, Int32.min, Int32.max, 31, 33, -7, 64]
    /// (dst, src) register pairs; R1 holds the output pointer and is never one of them.
    static let pairs: [(UInt8, UInt8)] = [(0, 3), (3, 0), (4, 3), (3, 4), (2, 2), (6, 9), (5, 4), (4, 0)]

    static func op64(_ name: String, _ code: UInt8, offset: Int16 = 0, _ f: @escaping @Sendable (UInt64, UInt64) -> UInt64) -> Operation {
        Operation(name: name, opcode: 0x07 | code, offset: offset, is64: true, reference: f)
    }
    static func op32(_ name: String, _ code: UInt8, offset: Int16 = 0, _ f: @escaping @Sendable (UInt32, UInt32) -> UInt32) -> Operation {
        Operation(name: name, opcode: 0x04 | code, offset: offset, is64: false) { a, b in
            UInt64(f(UInt32(truncatingIfNeeded: a), UInt32(truncatingIfNeeded: b)))
        }
    }

    static let operations: [Operation] = [
        op64("add", 0x00) { $0 &+ $1 }, op64("sub", 0x10) { $0 &- $1 }, op64("mul", 0x20) { $0 &* $1 },
        op64("div", 0x30) { $1 == 0 ? 0 : $0 / $1 },
        op64("sdiv", 0x30, offset: 1) { a, b in
            let (x, y) = (Int64(bitPattern: a), Int64(bitPattern: b))
            if y == 0 { return 0 }
            if x == .min && y == -1 { return a }
            return UInt64(bitPattern: x / y)
        },
        op64("or", 0x40) { $0 | $1 }, op64("and", 0x50) { $0 & $1 },
        op64("lsh", 0x60) { $0 << ($1 & 63) }, op64("rsh", 0x70) { $0 >> ($1 & 63) },
        op64("mod", 0x90) { $1 == 0 ? $0 : $0 % $1 },
        op64("smod", 0x90, offset: 1) { a, b in
            let (x, y) = (Int64(bitPattern: a), Int64(bitPattern: b))
            if y == 0 { return a }
            if y == -1 { return 0 }
            return UInt64(bitPattern: x % y)
        },
        op64("xor", 0xa0) { $0 ^ $1 }, op64("mov", 0xb0) { $1 },
        op64("arsh", 0xc0) { UInt64(bitPattern: Int64(bitPattern: $0) >> ($1 & 63)) },
        op32("add32", 0x00) { $0 &+ $1 }, op32("sub32", 0x10) { $0 &- $1 }, op32("mul32", 0x20) { $0 &* $1 },
        op32("div32", 0x30) { $1 == 0 ? 0 : $0 / $1 },
        op32("sdiv32", 0x30, offset: 1) { a, b in
            let (x, y) = (Int32(bitPattern: a), Int32(bitPattern: b))
            if y == 0 { return 0 }
            if x == .min && y == -1 { return a }
            return UInt32(bitPattern: x / y)
        },
        op32("or32", 0x40) { $0 | $1 }, op32("and32", 0x50) { $0 & $1 },
        op32("lsh32", 0x60) { $0 << ($1 & 31) }, op32("rsh32", 0x70) { $0 >> ($1 & 31) },
        op32("mod32", 0x90) { $1 == 0 ? $0 : $0 % $1 },
        op32("smod32", 0x90, offset: 1) { a, b in
            let (x, y) = (Int32(bitPattern: a), Int32(bitPattern: b))
            if y == 0 { return a }
            if y == -1 { return 0 }
            return UInt32(bitPattern: x % y)
        },
        op32("xor32", 0xa0) { $0 ^ $1 }, op32("mov32", 0xb0) { $1 },
        op32("arsh32", 0xc0) { UInt32(bitPattern: Int32(bitPattern: $0) >> ($1 & 31)) },
    ]

    /// Register-only forms: sign-extending moves (src) — the reference ignores dst.
    static let signExtendingMoves: [Operation] = [
        op64("movsx864", 0xb8, offset: 8) { UInt64(bitPattern: Int64(Int8(truncatingIfNeeded: $1))) },
        op64("movsx1664", 0xb8, offset: 16) { UInt64(bitPattern: Int64(Int16(truncatingIfNeeded: $1))) },
        op64("movsx3264", 0xb8, offset: 32) { UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: $1))) },
        op32("movsx832", 0xb8, offset: 8) { UInt32(bitPattern: Int32(Int8(truncatingIfNeeded: $1))) },
        op32("movsx1632", 0xb8, offset: 16) { UInt32(bitPattern: Int32(Int16(truncatingIfNeeded: $1))) },
    ]

    static let configurations: [JITOptions] = [
        JITOptions(registerMap: .default, useBMI2: CPUFeatures.current.hasBMI2),
        JITOptions(registerMap: .default, useBMI2: false),
        JITOptions(registerMap: .rotated(by: 1), useBMI2: false),
        JITOptions(registerMap: .rotated(by: 4), useBMI2: false),
    ]

    /// Runs `body` (which stores results through R1) under every configuration and returns each
    /// configuration's output memory.
    static func run(_ body: [Instruction], outputs: Int) throws -> [[UInt8]] {
        let program = Program(unchecked: body + [Asm.mov(0, 0), Asm.exit])
        return try configurations.map { options in
            let compiled = try JIT.compile(program, options: options)
            var memory = [UInt8](repeating: 0xee, count: outputs * 8)
            _ = try compiled.run(&memory)
            return memory
        }
    }

    @Test(arguments: operations + signExtendingMoves)
    func registerForm(_ operation: Operation) throws {
        var body: [Instruction] = []
        var expected: [UInt64] = []
        for (dst, src) in Self.pairs {
            for a in Self.values {
                for b in Self.values {
                    body += Asm.lddw(dst, a) + Asm.lddw(src, b)
                    body.append(Instruction(opcode: operation.opcode | 0x08, dst: dst, src: src, offset: operation.offset))
                    body.append(Asm.stxdw(1, Int16(expected.count * 8), dst))
                    // dst == src: both operands are b.
                    expected.append(operation.reference(dst == src ? b : a, b))
                }
            }
        }
        let outputs = try Self.run(body, outputs: expected.count)
        for (configuration, memory) in outputs.enumerated() {
            for index in expected.indices where memory.word(index) != expected[index] {
                Issue.record("\(operation.name) case \(index) config \(configuration): got 0x\(String(memory.word(index), radix: 16)), expected 0x\(String(expected[index], radix: 16))")
                break
            }
        }
    }

    @Test(arguments: operations)
    func immediateForm(_ operation: Operation) throws {
        var body: [Instruction] = []
        var expected: [UInt64] = []
        for dst: UInt8 in [0, 3, 4, 7] {
            for a in Self.values {
                for immediate in Self.immediates {
                    body += Asm.lddw(dst, a)
                    body.append(Instruction(opcode: operation.opcode, dst: dst, offset: operation.offset, immediate: immediate))
                    body.append(Asm.stxdw(1, Int16(expected.count * 8), dst))
                    let b = operation.is64 ? UInt64(bitPattern: Int64(immediate)) : UInt64(UInt32(bitPattern: immediate))
                    expected.append(operation.reference(a, b))
                }
            }
        }
        let outputs = try Self.run(body, outputs: expected.count)
        for (configuration, memory) in outputs.enumerated() {
            for index in expected.indices where memory.word(index) != expected[index] {
                Issue.record("\(operation.name) imm case \(index) config \(configuration): got 0x\(String(memory.word(index), radix: 16)), expected 0x\(String(expected[index], radix: 16))")
                break
            }
        }
    }

    /// neg, le/be/bswap: one-operand forms.
    @Test func unaryOperations() throws {
        let cases: [(String, Instruction, (UInt64) -> UInt64)] = [
            ("neg", Instruction(opcode: 0x87), { 0 &- $0 }),
            ("neg32", Instruction(opcode: 0x84), { UInt64(0 &- UInt32(truncatingIfNeeded: $0)) }),
            ("le16", Instruction(opcode: 0xd4, immediate: 16), { $0 & 0xffff }),
            ("le32", Instruction(opcode: 0xd4, immediate: 32), { $0 & 0xffff_ffff }),
            ("le64", Instruction(opcode: 0xd4, immediate: 64), { $0 }),
            ("be16", Instruction(opcode: 0xdc, immediate: 16), { UInt64(UInt16(truncatingIfNeeded: $0).byteSwapped) }),
            ("be32", Instruction(opcode: 0xdc, immediate: 32), { UInt64(UInt32(truncatingIfNeeded: $0).byteSwapped) }),
            ("be64", Instruction(opcode: 0xdc, immediate: 64), { $0.byteSwapped }),
            ("bswap16", Instruction(opcode: 0xd7, immediate: 16), { UInt64(UInt16(truncatingIfNeeded: $0).byteSwapped) }),
            ("bswap32", Instruction(opcode: 0xd7, immediate: 32), { UInt64(UInt32(truncatingIfNeeded: $0).byteSwapped) }),
            ("bswap64", Instruction(opcode: 0xd7, immediate: 64), { $0.byteSwapped }),
        ]
        let values = Self.values + [0x0102_0304_0506_0708, 0x8899_aabb_ccdd_eeff]
        var body: [Instruction] = []
        var expected: [UInt64] = []
        var names: [String] = []
        for (name, template, reference) in cases {
            for dst: UInt8 in [0, 3, 4, 9] {
                for value in values {
                    var instruction = template
                    instruction.dst = dst
                    body += Asm.lddw(dst, value)
                    body.append(instruction)
                    body.append(Asm.stxdw(1, Int16(expected.count * 8), dst))
                    expected.append(reference(value))
                    names.append("\(name) r\(dst) 0x\(String(value, radix: 16))")
                }
            }
        }
        let outputs = try Self.run(body, outputs: expected.count)
        for (configuration, memory) in outputs.enumerated() {
            for index in expected.indices {
                #expect(memory.word(index) == expected[index], "\(names[index]) config \(configuration)")
            }
        }
    }
}
