import EBPFCore

/// Operand values: edge cases that exercise overflow, sign and width handling, mixed with
/// small and uniformly random values.
extension FunctionBuilder {
    static let edgeImmediates: [Int32] = [
        0, 1, -1, 2, -2, 7, 8, 16, 31, 32, 33, 63, 64, 0xff, 0x7fff, -0x8000, 0xffff, 0x1_0000,
        Int32.max, Int32.min, Int32.min + 1, Int32.max - 1,
    ]

    static let edgeConstants: [UInt64] = [
        0, 1, UInt64.max, UInt64.max - 1, 0x8000_0000_0000_0000, 0x7fff_ffff_ffff_ffff,
        0x8000_0000_0000_0001, 0x8000_0000, 0x7fff_ffff, 0xffff_ffff, 0x1_0000_0000, 0x1_0000_0004,
        0xffff_ffff_0000_0000, 0xffff_ffff_8000_0000, 0x0000_0000_ffff_fffe, 31, 32, 63, 64, 0xff, 0xffff,
        0x0123_4567_89ab_cdef, 0x8080_8080_8080_8080,
    ]

    /// An immediate: an edge value, a small value or a random 32-bit pattern.
    mutating func randomImmediate() -> Int32 {
        switch rng.below(8) {
        case 0..<3: rng.element(of: Self.edgeImmediates)
        case 3..<6: Int32(rng.value(in: -16...16))
        default: Int32(truncatingIfNeeded: rng.next())
        }
    }

    /// A 64-bit constant for `lddw`.
    mutating func randomConstant() -> UInt64 {
        switch rng.below(4) {
        case 0, 1: rng.element(of: Self.edgeConstants)
        case 2: UInt64(bitPattern: Int64(rng.value(in: -300...300)))
        default: rng.next()
        }
    }

    /// A shift count immediate: in range, at the width boundaries, or (unless kernel-compatible)
    /// beyond them to exercise masking.
    mutating func shiftImmediate(width: Int32) -> Int32 {
        if options.kernelCompatibleImmediates || rng.chance(1, in: 2) {
            return rng.chance(1, in: 3) ? width - 1 : Int32(rng.below(Int(width)))
        }
        return rng.element(of: [0, 1, 31, 32, 33, 63, 64, 65, 127, -1, Int32.max, Int32.min])
    }

    /// A divisor immediate, including 0 and -1 unless kernel-compatible.
    mutating func divisorImmediate() -> Int32 {
        let value = rng.chance(1, in: 2) ? rng.element(of: [0, 1, -1, 2, 3, -3, 7, Int32.min, Int32.max]) : randomImmediate()
        if options.kernelCompatibleImmediates && value == 0 { return 3 }
        return value
    }

    /// A register whose value (a scalar written on every path) may be read, or `nil`.
    mutating func randomReadable() -> UInt8? {
        readableScalars.randomMember(using: &rng)
    }

    /// A scalar register that may be overwritten (never empty: R0–R5 are never loop counters).
    mutating func randomWritable() -> UInt8 {
        writableScalars.randomMember(using: &rng)!
    }

    /// Writes a fresh value into `register`: a 32- or 64-bit `mov` of an immediate or of a readable
    /// register.
    mutating func emitDefinition(of register: UInt8) {
        let wide = rng.chance(3, in: 4)
        if rng.chance(1, in: 2), let source = randomReadable() {
            emit(Self.movRegister(dst: register, src: source, wide: wide))
        } else {
            emit(Self.movImmediate(dst: register, randomImmediate(), wide: wide))
        }
        define(register)
    }

    /// A readable register, writing one first when none is.
    mutating func readableOrDefine() -> UInt8 {
        if let register = randomReadable() { return register }
        let register = randomWritable()
        emitDefinition(of: register)
        return register
    }
}
