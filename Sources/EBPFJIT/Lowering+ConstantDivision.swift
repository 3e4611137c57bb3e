import EBPFCore
import X86Encoding

/// Unsigned `div`/`mod` by a constant without `div`: shifts and masks for powers of two, else a
/// multiply-high by ``UnsignedDivisionMagic`` (3–4 cycles instead of `div`'s 10–40).
extension Lowering {
    /// Emits `dst = dst / divisor` (or `% divisor`) at `width`, `divisor` the immediate as the
    /// operation reads it (sign-extended at 64 bits, as u32 at 32), not 0.
    ///
    /// The multiply form: x copied to the scratch register, `movabs rax, m; mul scratch` (rdx =
    /// the high half), the shifts (or the add form's `sub`/`shr`/`add`), then for `mod`
    /// `imul q, q, d; sub scratch, q` (d through the other of rax/rdx when it does not fit an
    /// imm32). rax and rdx are saved around it when they hold anything else live, as for `div`.
    mutating func emitUnsignedDivision(byConstant divisor: UInt64, _ width: OperandWidth, _ dst: X86Register, isModulo: Bool) {
        let is32 = width == .bits32
        let magic = UnsignedDivisionMagic(divisor: divisor, is32: is32)
        switch magic {
        case .identity:
            if isModulo {
                a.alu(.xor, .bits32, dst, dst)
            } else if is32 {
                zeroExtend32(dst)
            }
            return
        case .shift(let shift):
            if isModulo {
                let mask = divisor - 1
                guard mask <= UInt64(Int32.max) else {
                    // Only 2^31 at 32 bits (64-bit immediates are below 2^31 or at least 2^64 - 2^31).
                    a.mov32(map.scratch, immediate: UInt32(mask))
                    a.alu(.and, width, dst, map.scratch)
                    return
                }
                a.alu(.and, width, dst, immediate: Int32(mask))
            } else {
                a.shift(.shr, width, dst, count: shift)
            }
            return
        case .multiplyShift, .multiplyAddShift, .multiplyHigh:
            break
        }
        let scratch = map.scratch
        let saved = [X86Register.rax, .rdx].filter { $0 != dst && liveRegisters.contains($0) }
        for register in saved { a.push(register) }
        a.mov(width, scratch, dst)  // x (32 bits: zero-extended)
        let quotient: X86Register
        switch magic {
        case .multiplyShift(let multiplier, let shift):
            a.movabs(.rax, immediate: multiplier)
            a.unary(.mul, .bits64, scratch)
            if shift > 0 { a.shift(.shr, .bits64, .rdx, count: shift) }
            quotient = .rdx
        case .multiplyAddShift(let multiplier, let shift):
            a.movabs(.rax, immediate: multiplier)
            a.unary(.mul, .bits64, scratch)
            a.mov(.bits64, .rax, scratch)
            a.alu(.sub, .bits64, .rax, .rdx)
            a.shift(.shr, .bits64, .rax, count: 1)
            a.alu(.add, .bits64, .rax, .rdx)
            a.shift(.shr, .bits64, .rax, count: shift)
            quotient = .rax
        case .multiplyHigh(let multiplier):
            a.movabs(.rax, immediate: multiplier)
            a.unary(.mul, .bits64, scratch)
            quotient = .rdx
        case .identity, .shift:
            fatalError("handled above")
        }
        if isModulo {
            if is32 || divisor <= UInt64(Int32.max) {
                a.imul(width, quotient, quotient, immediate: Int32(truncatingIfNeeded: divisor))
            } else {
                // d does not fit an imm32: into the other of rax/rdx, free after the multiply.
                let other: X86Register = quotient == .rdx ? .rax : .rdx
                a.movabs(other, immediate: divisor)
                a.imul(.bits64, quotient, other)
            }
            a.alu(.sub, width, scratch, quotient)
            a.mov(width, dst, scratch)
        } else {
            a.mov(width, dst, quotient)
        }
        for register in saved.reversed() { a.pop(register) }
    }
}
