import EBPFCore
import X86Encoding

/// Constant blinding (``JITOptions/constantBlinding``): no immediate taken from the program is
/// written into the machine code as is. Each one is emitted as `value ^ key` followed by
/// `xor key`, with a fresh key per use derived from a random per-compilation seed, so a program
/// cannot plant chosen byte sequences (JIT spraying) in executable memory.
extension Lowering {
    /// Whether program immediates must be blinded.
    var blindsConstants: Bool { blindingSeed != nil }

    /// The next key: no zero byte, sign-extended to 64 bits by `xor r64, imm32`. A function of
    /// the compilation's random seed and how many keys were drawn before it.
    mutating func nextBlindingKey() -> Int32 {
        blindingUses &+= 1
        var mixed = (blindingSeed ?? 0) &+ blindingUses &* 0x9e37_79b9_7f4a_7c15
        mixed = (mixed ^ (mixed >> 30)) &* 0xbf58_476d_1ce4_e5b9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94d0_49bb_1331_11eb
        mixed ^= mixed >> 31
        let key = Int32(truncatingIfNeeded: mixed)
        // Keys with a zero byte would leave that byte of the constant visible.
        return key | 0x0101_0101
    }

    /// Loads `value` (64-bit) or its low 32 bits zero-extended (32-bit) into `register` without
    /// writing `value` into the code. A 64-bit value that is not a sign-extended 32-bit one (an
    /// `lddw` constant) is built from two blinded halves through the scratch register, so
    /// `register` must not be the scratch register then.
    mutating func emitBlindedConstant(_ value: UInt64, _ width: OperandWidth, into register: X86Register) {
        if width == .bits64 {
            if let small = Int32(exactly: Int64(bitPattern: value)) {
                // sext(imm ^ key) ^ sext(key) == sext(imm): the high half is only sign copies.
                let key = nextBlindingKey()
                a.mov64(register, immediate: UInt64(bitPattern: Int64(small ^ key)))
                a.alu(.xor, .bits64, register, immediate: key)
            } else {
                precondition(register != map.scratch, "a wide blinded constant needs the scratch register")
                emitBlindedConstant(value >> 32, .bits32, into: register)
                a.shift(.shl, .bits64, register, count: 32)
                emitBlindedConstant(value & 0xffff_ffff, .bits32, into: map.scratch)
                a.alu(.or, .bits64, register, map.scratch)
            }
        } else {
            let key = nextBlindingKey()
            a.mov32(register, immediate: UInt32(truncatingIfNeeded: value) ^ UInt32(bitPattern: key))
            a.alu(.xor, .bits32, register, immediate: key)
        }
    }

    /// A 32-bit program immediate sign-extended to `width`, blinded, in the scratch register.
    mutating func blindedImmediateInScratch(_ immediate: Int32, _ width: OperandWidth) -> X86Register {
        emitBlindedConstant(UInt64(bitPattern: Int64(immediate)), width == .bits64 ? .bits64 : .bits32, into: map.scratch)
        return map.scratch
    }
}
