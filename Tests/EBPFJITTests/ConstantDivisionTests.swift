import Testing
import EBPFCore
@testable import EBPFJIT
import EBPFProgramGenerator

/// Unsigned `div`/`mod` by a constant through a multiply-high: the magic numbers checked against
/// `/` over edge dividends for thousands of divisors (every 32-bit and 64-bit shape: small, powers
/// of two and their neighbours, the largest, top bit set), then the emitted code against the
/// interpreter and a Swift reference under every register map, with R0, R3 and R4 as the
/// dividend while the others hold live values, and with no `div` left in the code.
@Suite struct ConstantDivisionTests {
    static func divisors(is32: Bool) -> [UInt64] {
        let top: UInt64 = is32 ? UInt64(UInt32.max) : .max
        var divisors = Set<UInt64>((1...1100).map { UInt64($0) })
        for bit in 0..<(is32 ? 32 : 64) {
            let power = UInt64(1) << UInt64(bit)
            for candidate in [power &- 1, power, power &+ 1, power &+ power / 2, power / 3 * 2 + 1] where candidate != 0 && candidate <= top {
                divisors.insert(candidate)
            }
        }
        for candidate: UInt64 in [0x7fff_ffff, 0xffff_ffff, 0xffff_fffe, 0x8000_0001, 641, 6_700_417, 274_177, 67_280_421_310_721,
                                  0xffff_ffff_8000_0000, 0xffff_ffff_ffff_fff9, 0x8000_0000_0000_0001, 0x5555_5555_5555_5555]
        where candidate <= top {
            divisors.insert(candidate)
        }
        var generator = SplitMix64(seed: is32 ? 32 : 64)
        for _ in 0..<2000 {
            let bits = generator.next() % (is32 ? 32 : 64) + 1
            let value = generator.next() >> (64 - bits)
            if value != 0 { divisors.insert(value) }
        }
        return divisors.sorted()
    }

    static func dividends(_ divisor: UInt64, is32: Bool, _ generator: inout SplitMix64) -> [UInt64] {
        let top: UInt64 = is32 ? UInt64(UInt32.max) : .max
        var values: [UInt64] = [0, 1, 2, top, top - 1, top / 2, top / 2 + 1, 0xffff_ffff, 0x1_0000_0000]
        for k: UInt64 in [1, 2, 3, 1000, top / divisor, top / divisor - 1] {
            let (product, overflow) = divisor.multipliedReportingOverflow(by: k)
            if !overflow { values += [product &- 1, product, product &+ 1] }
        }
        values += (0..<24).map { _ in generator.next() }
        return values.map { $0 & top }
    }

    @Test(arguments: [false, true])
    func magicIsExactOverEdgeDividends(is32: Bool) {
        var generator = SplitMix64(seed: 7)
        var wrong: [(UInt64, UInt64)] = []
        for divisor in Self.divisors(is32: is32) {
            let magic = UnsignedDivisionMagic(divisor: divisor, is32: is32)
            for x in Self.dividends(divisor, is32: is32, &generator) where magic.quotient(x) != x / divisor {
                wrong.append((divisor, x))
            }
        }
        #expect(wrong.isEmpty, "\(wrong.prefix(10))")
    }

    @Test func magicShapes() {
        #expect(UnsignedDivisionMagic(divisor: 1, is32: false) == .identity)
        #expect(UnsignedDivisionMagic(divisor: 1 << 20, is32: false) == .shift(20))
        // 10 fits a 64-bit multiplier with a shift; 7 needs the add form.
        #expect(UnsignedDivisionMagic(divisor: 10, is32: false) == .multiplyShift(multiplier: 0xcccc_cccc_cccc_cccd, shift: 3))
        #expect(UnsignedDivisionMagic(divisor: 7, is32: false) == .multiplyAddShift(multiplier: 0x2492_4924_9249_2493, shift: 2))
        #expect(UnsignedDivisionMagic(divisor: 10, is32: true) == .multiplyHigh(multiplier: 0x1999_9999_9999_999a))
    }

    /// lddw R0, R3, R4, R5 = sentinels; per dividend: lddw RD, x; RD op= imm; R6 = R6 * 31 + RD;
    /// finally R6 ^= every sentinel register but RD; R0 = R6.
    static func program(_ opcode: UInt8, dst: UInt8, immediate: Int32, dividends: [UInt64], signed: Bool = false) -> [Instruction] {
        let sentinels: [UInt8: UInt64] = [0: 0x0123_4567_89ab_cdef, 3: 0x3333_3333_3333_3333, 4: 0x4444_0000_4444_0000, 5: 0x5555_5555_0000_0005]
        var slots = sentinels.keys.sorted().flatMap { Asm.lddw($0, sentinels[$0]!) } + [Asm.mov(6, 0)]
        for x in dividends {
            slots += Asm.lddw(dst, x) + [
                Instruction(opcode: opcode, dst: dst, offset: signed ? 1 : 0, immediate: immediate),
                Instruction(opcode: 0x27, dst: 6, immediate: 31), Instruction(opcode: 0x0f, dst: 6, src: dst),
            ]
        }
        for register in sentinels.keys.sorted() where register != dst {
            slots.append(Instruction(opcode: 0xaf, dst: 6, src: register))
        }
        return slots + [Asm.movReg(0, 6), Asm.exit]
    }

    static func reference(_ opcode: UInt8, dst: UInt8, immediate: Int32, dividends: [UInt64], signed: Bool = false) -> UInt64 {
        let is64 = opcode & 0x07 == 0x07
        let isModulo = opcode & 0xf0 == 0x90
        let divisor = is64 ? UInt64(bitPattern: Int64(immediate)) : UInt64(UInt32(bitPattern: immediate))
        var accumulator: UInt64 = 0
        for x in dividends {
            let operand = is64 ? x : x & 0xffff_ffff
            let result = signed
                ? (is64 ? UInt64(bitPattern: signedReference(Int64(bitPattern: x), Int64(immediate), isModulo: isModulo))
                        : UInt64(UInt32(bitPattern: Int32(truncatingIfNeeded: signedReference(Int64(Int32(truncatingIfNeeded: x)), Int64(immediate), isModulo: isModulo)))))
                : (isModulo ? operand % divisor : operand / divisor)
            accumulator = accumulator &* 31 &+ result
        }
        let sentinels: [UInt8: UInt64] = [0: 0x0123_4567_89ab_cdef, 3: 0x3333_3333_3333_3333, 4: 0x4444_0000_4444_0000, 5: 0x5555_5555_0000_0005]
        for register in sentinels.keys.sorted() where register != dst { accumulator ^= sentinels[register]! }
        return accumulator
    }

    /// sdiv/smod from the ISA: x s/ 0 = 0, x s% 0 = x, INT_MIN s/ -1 = INT_MIN, x s% -1 = 0,
    /// else truncating (64 bits, or 32 on sign-extended 32-bit values).
    static func signedReference(_ x: Int64, _ d: Int64, isModulo: Bool) -> Int64 {
        if d == 0 { return isModulo ? x : 0 }
        if d == -1 { return isModulo ? 0 : 0 &- x }
        return isModulo ? x % d : x / d
    }

    static let immediates: [Int32] = [1, 2, 3, 5, 6, 7, 10, 11, 60, 100, 641, 1000, 4096, 65535, 65537, 1_000_000_007,
                                      Int32.max, Int32.max - 1, 1 << 30, (1 << 30) + 1, -2, -3, -7, -10, Int32.min, Int32.min + 1]
    /// div64, mod64, div32, mod32 with an immediate.
    static let opcodes: [UInt8] = [0x37, 0x97, 0x34, 0x94]

    @Test(arguments: opcodes, [UInt8(0), 3, 4])
    func emittedCodeMatchesTheReference(opcode: UInt8, dst: UInt8) {
        var generator = SplitMix64(seed: UInt64(opcode) << 8 | UInt64(dst))
        for immediate in Self.immediates {
            let is64 = opcode & 0x07 == 0x07
            let divisor = is64 ? UInt64(bitPattern: Int64(immediate)) : UInt64(UInt32(bitPattern: immediate))
            let dividends = Array(Self.dividends(divisor, is32: false, &generator).shuffled(using: &generator).prefix(14))
            let slots = Self.program(opcode, dst: dst, immediate: immediate, dividends: dividends)
            #expect(TrapTests.outcome(slots) == .success(Self.reference(opcode, dst: dst, immediate: immediate, dividends: dividends)),
                    "immediate \(immediate)")
        }
    }

    /// Whether `code` holds `div` or `idiv` on a register (F7 /6 or /7).
    static func containsDivide(_ code: ArraySlice<UInt8>) -> Bool {
        zip(code, code.dropFirst()).contains { $0 == 0xf7 && $1 >= 0xf0 }
    }

    @Test(arguments: opcodes)
    func noDivideInstructionIsLeft(opcode: UInt8) throws {
        for immediate in Self.immediates {
            let slots = Asm.lddw(0, 12345) + [Instruction(opcode: opcode, dst: 0, immediate: immediate), Asm.exit]
            let compiled = try JIT.compile(Program(unchecked: slots))
            #expect(!Self.containsDivide(compiled.machineCode[compiled.instructionOffsets[2]..<compiled.instructionOffsets[3]]), "\(immediate)")
        }
        // A register divisor still divides.
        let slots = Asm.lddw(0, 12345) + [Asm.mov(3, 7), Instruction(opcode: opcode | 0x08, dst: 0, src: 3), Asm.exit]
        let compiled = try JIT.compile(Program(unchecked: slots))
        #expect(Self.containsDivide(compiled.machineCode[compiled.instructionOffsets[3]..<compiled.instructionOffsets[4]]))
    }

    // MARK: Signed

    static func signedDividends(_ divisor: Int64, is32: Bool, _ generator: inout SplitMix64) -> [Int64] {
        let (low, high): (Int64, Int64) = is32 ? (Int64(Int32.min), Int64(Int32.max)) : (.min, .max)
        var values: [Int64] = [0, 1, -1, 2, -2, low, low + 1, high, high - 1, low / 2, high / 2]
        for k: Int64 in [1, 2, 3, 1000, -1, -2, -3] + (divisor == -1 ? [] : [high / divisor, low / divisor]) {
            let (product, overflow) = divisor.multipliedReportingOverflow(by: k)
            if !overflow && product >= low && product <= high { values += [product &- 1, product, product &+ 1] }
        }
        values += (0..<24).map { _ in Int64(bitPattern: generator.next()) }
        return values.map { is32 ? Int64(Int32(truncatingIfNeeded: $0)) : $0 }
    }

    @Test(arguments: [false, true])
    func signedMagicIsExactOverEdgeDividends(is32: Bool) {
        var generator = SplitMix64(seed: 11)
        var divisors = Set<Int64>(Self.divisors(is32: true).flatMap { d -> [Int64] in
            let value = is32 ? Int64(Int32(truncatingIfNeeded: d)) : Int64(d)
            return [value, 0 &- value]
        })
        if !is32 { for d in Self.divisors(is32: false) { divisors.insert(Int64(bitPattern: d)) } }
        divisors.remove(0)
        divisors.remove(-1)
        var wrong: [(Int64, Int64)] = []
        for divisor in divisors.sorted() where !is32 || Int64(Int32(truncatingIfNeeded: divisor)) == divisor {
            let magic = SignedDivisionMagic(divisor: divisor, is32: is32)
            for x in Self.signedDividends(divisor, is32: is32, &generator) {
                let expected = is32 ? Int64(Int32(truncatingIfNeeded: x) / Int32(truncatingIfNeeded: divisor)) : x / divisor
                if magic.quotient(x, is32: is32) != expected { wrong.append((divisor, x)) }
            }
        }
        #expect(wrong.isEmpty, "\(wrong.prefix(10))")
    }

    @Test func signedMagicShapes() {
        #expect(SignedDivisionMagic(divisor: 1, is32: false) == .identity)
        #expect(SignedDivisionMagic(divisor: -8, is32: false) == .shift(3, negate: true))
        #expect(SignedDivisionMagic(divisor: 7, is32: true) == .multiply(multiplier: Int64(Int32(bitPattern: 0x9249_2493)), shift: 2, addDividend: true, subtractDividend: false))
        #expect(SignedDivisionMagic(divisor: 3, is32: false) == .multiply(multiplier: 0x5555_5555_5555_5556, shift: 0, addDividend: false, subtractDividend: false))
    }

    @Test(arguments: opcodes, [UInt8(0), 3, 4])
    func signedCodeMatchesTheReference(opcode: UInt8, dst: UInt8) {
        var generator = SplitMix64(seed: UInt64(opcode) << 8 | UInt64(dst) | 1 << 20)
        for immediate in Self.immediates + [-1, -8, -(1 << 30), 3, -3, 5, -5, 25, -25, 125] {
            let is32 = opcode & 0x07 == 0x04
            let dividends = Array(Self.signedDividends(Int64(immediate), is32: is32, &generator).shuffled(using: &generator).prefix(14))
                .map { UInt64(bitPattern: $0) }
            let slots = Self.program(opcode, dst: dst, immediate: immediate, dividends: dividends, signed: true)
            #expect(TrapTests.outcome(slots) == .success(Self.reference(opcode, dst: dst, immediate: immediate, dividends: dividends, signed: true)),
                    "immediate \(immediate)")
        }
    }

    @Test(arguments: opcodes)
    func noSignedDivideInstructionIsLeft(opcode: UInt8) throws {
        for immediate in Self.immediates {
            let slots = Asm.lddw(0, 12345) + [Instruction(opcode: opcode, dst: 0, offset: 1, immediate: immediate), Asm.exit]
            let compiled = try JIT.compile(Program(unchecked: slots))
            #expect(!Self.containsDivide(compiled.machineCode[compiled.instructionOffsets[2]..<compiled.instructionOffsets[3]]), "\(immediate)")
        }
    }
}
