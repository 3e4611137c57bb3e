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
        let saved = [X86Register.rax, .rdx].filter { $0 != dst && mustPreserve($0) }
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

extension Lowering {
    /// Emits `dst = dst s/ divisor` (or `s% divisor`) at `width`, `divisor` the immediate
    /// sign-extended, neither 0 nor -1, following ``SignedDivisionMagic``:
    /// - a power of two 2^k: `mov s, x; sar s, W-1; shr s, W-k; add s, x` (x + bias), then
    ///   `sar s, k` [`neg s`] for the quotient or `and s, -2^k; sub x, s` for the remainder;
    /// - else at 64 bits `mov scratch, x; movabs rax, M; imul scratch` (rdx = the signed high
    ///   half), at 32 bits `movsxd t, x; imul t, t, M; sar t, 32` (t = rax, or rdx when x is in
    ///   rax); then [`add`/`sub` x], `sar` by the shift, add the sign bit, and for the remainder
    ///   `imul q, q, d; sub` (d is an imm32 at both widths). The registers it takes from
    ///   rax/rdx are saved when they hold anything else live.
    mutating func emitSignedDivision(byConstant divisor: Int64, _ width: OperandWidth, _ dst: X86Register, isModulo: Bool) {
        let is32 = width == .bits32
        let bits: UInt8 = is32 ? 32 : 64
        let scratch = map.scratch
        switch SignedDivisionMagic(divisor: divisor, is32: is32) {
        case .identity:
            if isModulo {
                a.alu(.xor, .bits32, dst, dst)
            } else if is32 {
                zeroExtend32(dst)
            }
        case .shift(let shift, let negate):
            a.mov(width, scratch, dst)
            a.shift(.sar, width, scratch, count: bits - 1)
            a.shift(.shr, width, scratch, count: bits - shift)
            a.alu(.add, width, scratch, dst)
            if isModulo {
                a.alu(.and, width, scratch, immediate: Int32(truncatingIfNeeded: -(Int64(1) << Int64(shift))))
                a.alu(.sub, width, dst, scratch)
            } else {
                a.shift(.sar, width, scratch, count: shift)
                if negate { a.unary(.neg, width, scratch) }
                a.mov(width, dst, scratch)
            }
        case .multiply(let multiplier, let shift, let addDividend, let subtractDividend):
            let quotient: X86Register
            let saved: [X86Register]
            if is32 {
                quotient = dst == .rax ? .rdx : .rax
                saved = mustPreserve(quotient) ? [quotient] : []
                for register in saved { a.push(register) }
                a.movsx(.bits64, quotient, .register(dst), from: .bits32)
                a.imul(.bits64, quotient, quotient, immediate: Int32(truncatingIfNeeded: multiplier))
                a.shift(.sar, .bits64, quotient, count: 32)
                if addDividend { a.alu(.add, .bits32, quotient, dst) }
                if subtractDividend { a.alu(.sub, .bits32, quotient, dst) }
            } else {
                quotient = .rdx
                saved = [X86Register.rax, .rdx].filter { $0 != dst && mustPreserve($0) }
                for register in saved { a.push(register) }
                a.mov(.bits64, scratch, dst)
                a.movabs(.rax, immediate: UInt64(bitPattern: multiplier))
                a.unary(.imul, .bits64, scratch)
                if addDividend { a.alu(.add, .bits64, .rdx, scratch) }
                if subtractDividend { a.alu(.sub, .bits64, .rdx, scratch) }
            }
            if shift > 0 { a.shift(.sar, width, quotient, count: shift) }
            // q += q >>> (W-1), through a free register: scratch at 32 bits (x stays in dst), rax
            // at 64 (x is in scratch, rax holds the product's unused low half).
            let temporary = is32 ? scratch : X86Register.rax
            a.mov(width, temporary, quotient)
            a.shift(.shr, width, temporary, count: bits - 1)
            a.alu(.add, width, quotient, temporary)
            if isModulo {
                a.imul(width, quotient, quotient, immediate: Int32(truncatingIfNeeded: divisor))
                if is32 {
                    a.alu(.sub, .bits32, dst, quotient)
                } else {
                    a.alu(.sub, .bits64, scratch, quotient)
                    a.mov(.bits64, dst, scratch)
                }
            } else {
                a.mov(width, dst, quotient)
            }
            for register in saved.reversed() { a.pop(register) }
        }
    }
}
