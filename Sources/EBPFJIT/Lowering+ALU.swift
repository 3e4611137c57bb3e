import EBPFCore
import X86Encoding

/// ALU (32-bit, results zero-extended by using 32-bit x86 forms) and ALU64.
extension Lowering {
    /// The second operand of a binary ALU instruction.
    enum ALUSource {
        case register(X86Register)
        case immediate(Int32)
    }

    mutating func lowerALU(_ operation: BinaryOperator, _ width: OperandWidth, dst dstNumber: UInt8, source operand: Operand, at pc: Int) {
        let dst = r(dstNumber)
        let source: ALUSource = switch operand {
        case .register(let src): .register(r(src))
        case .immediate(let immediate): .immediate(immediate)
        }
        switch operation {
        case .mov:
            lowerMove(width, dst, source, signExtendFrom: 0)
        case .add: emitBinary(.add, width, dst, source)
        case .sub: emitBinary(.sub, width, dst, source)
        case .or: emitBinary(.or, width, dst, source)
        case .and: emitBinary(.and, width, dst, source)
        case .xor: emitBinary(.xor, width, dst, source)
        case .mul:
            switch source {
            case .register(let src): a.imul(width, dst, src)
            case .immediate(let immediate) where blindsConstants: a.imul(width, dst, blindedImmediateInScratch(immediate, width))
            case .immediate(let immediate): a.imul(width, dst, dst, immediate: immediate)
            }
        case .div, .sdiv, .mod, .smod:
            let divisorKnownNonZero = facts.map { pc < $0.divisorIsNonZero.count && $0.divisorIsNonZero[pc] } ?? false
            lowerDivision(width, dst, source, isModulo: operation == .mod || operation == .smod,
                          signed: operation == .sdiv || operation == .smod, skipZeroTest: divisorKnownNonZero)
        case .lsh: lowerShift(width, dst, source, legacy: .shl, bmi2: .shlx)
        case .rsh: lowerShift(width, dst, source, legacy: .shr, bmi2: .shrx)
        case .arsh: lowerShift(width, dst, source, legacy: .sar, bmi2: .sarx)
        }
    }

    mutating func emitBinary(_ operation: X86ALUOperation, _ width: OperandWidth, _ dst: X86Register, _ source: ALUSource) {
        switch source {
        case .register(let src): a.alu(operation, width, dst, src)
        case .immediate(let immediate):
            if blindsConstants {
                a.alu(operation, width, dst, blindedImmediateInScratch(immediate, width))
            } else {
                a.alu(operation, width, dst, immediate: immediate)
            }
        }
    }

    /// `mov`, `mov32` and `movsx` (`bits` 8, 16 or 32; 0 for a plain move): constants use the
    /// shortest form (zero via `xor`).
    mutating func lowerMove(_ width: OperandWidth, _ dst: X86Register, _ source: ALUSource, signExtendFrom bits: Int) {
        switch source {
        case .immediate(let immediate):
            if immediate == 0 {
                a.alu(.xor, .bits32, dst, dst)
            } else if blindsConstants {
                emitBlindedConstant(UInt64(bitPattern: Int64(immediate)), width, into: dst)
            } else if width == .bits64 {
                a.mov64(dst, immediate: UInt64(bitPattern: Int64(immediate)))
            } else {
                a.mov32(dst, immediate: UInt32(bitPattern: immediate))
            }
        case .register(let src):
            switch bits {
            case 8: a.movsx(width, dst, .register(src), from: .bits8)
            case 16: a.movsx(width, dst, .register(src), from: .bits16)
            case 32: a.movsx(.bits64, dst, .register(src), from: .bits32)
            default:
                // mov32 always emits (it zero-extends even onto itself); mov64 onto itself is a no-op.
                if width == .bits32 || dst != src { a.mov(width, dst, src) }
            }
        }
    }

    /// Zero-extends a 32-bit result in place (`mov r32, r32`), needed only where no 32-bit
    /// instruction wrote the register.
    mutating func zeroExtend32(_ register: X86Register) {
        a.mov(.bits32, register, register)
    }

    /// Shifts: counts are masked (& 63 / & 31) as x86 does. By a register: BMI2 `shlx`-family
    /// when enabled, else through `cl`, saving rcx around it when it holds something live.
    mutating func lowerShift(_ width: OperandWidth, _ dst: X86Register, _ source: ALUSource,
                             legacy: X86ShiftOperation, bmi2: X86ShiftXOperation) {
        switch source {
        case .immediate(let immediate):
            let count = UInt8(truncatingIfNeeded: immediate) & (width == .bits64 ? 63 : 31)
            if count != 0 {
                a.shift(legacy, width, dst, count: count)
            } else if width == .bits32 {
                zeroExtend32(dst)
            }
        case .register(let src):
            if options.useBMI2 {
                a.shiftX(bmi2, width, dst, dst, count: src)
            } else if src == .rcx {
                a.shiftByCL(legacy, width, dst)
            } else if dst == .rcx {
                // Shift a copy in scratch, then put the result back into rcx.
                let scratch = map.scratch
                a.mov(.bits64, scratch, .rcx)
                a.mov(.bits64, .rcx, src)
                a.shiftByCL(legacy, width, scratch)
                a.mov(width, .rcx, scratch)
            } else if mustPreserve(.rcx) {
                let scratch = map.scratch
                a.mov(.bits64, scratch, .rcx)
                a.mov(.bits64, .rcx, src)
                a.shiftByCL(legacy, width, dst)
                a.mov(.bits64, .rcx, scratch)
            } else {
                a.mov(.bits64, .rcx, src)
                a.shiftByCL(legacy, width, dst)
            }
        }
    }

    /// `le16/32/64` truncate; `be16/32/64` and `bswap16/32/64` swap within the width and zero
    /// the rest.
    mutating func lowerByteSwap(_ dst: X86Register, bits: Int, reversesBytes: Bool) {
        switch (bits, reversesBytes) {
        case (16, false):
            a.movzx(dst, .register(dst), from: .bits16)
        case (32, false):
            zeroExtend32(dst)
        case (16, true):
            a.shift(.rol, .bits16, dst, count: 8)
            a.movzx(dst, .register(dst), from: .bits16)
        case (32, true):
            a.bswap(.bits32, dst)
        case (64, true):
            a.bswap(.bits64, dst)
        default:
            break  // le64: nothing to do on a little-endian machine
        }
    }

    /// div/mod/sdiv/smod without #DE: divisor 0 gives 0 (div) or leaves dst (mod); signed
    /// INT_MIN / -1 gives INT_MIN (via `neg`) and INT_MIN % -1 gives 0, tested before `idiv`.
    /// rax and rdx, which x86 division clobbers, are saved when they hold something else live
    /// (JIT state, or an eBPF register read later: ``mustPreserve(_:)``).
    mutating func lowerDivision(_ width: OperandWidth, _ dst: X86Register, _ source: ALUSource,
                                isModulo: Bool, signed: Bool, skipZeroTest: Bool) {
        let scratch = map.scratch
        let divisor: X86Register
        var testZero = !skipZeroTest
        var testMinusOne = signed
        switch source {
        case .immediate(let immediate):
            // The divisor is known: handle 0 and -1 statically.
            if immediate == 0 {
                emitDivisionByZero(width, dst, isModulo: isModulo)
                return
            }
            if signed && immediate == -1 {
                emitDivisionByMinusOne(width, dst, isModulo: isModulo)
                return
            }
            if !blindsConstants {
                // Without div: a multiply-high, shifts or masks (docs/jit.md, "Division by constants").
                if signed {
                    emitSignedDivision(byConstant: Int64(immediate), width, dst, isModulo: isModulo)
                } else {
                    let divisor = width == .bits64 ? UInt64(bitPattern: Int64(immediate)) : UInt64(UInt32(bitPattern: immediate))
                    emitUnsignedDivision(byConstant: divisor, width, dst, isModulo: isModulo)
                }
                return
            }
            if blindsConstants {
                emitBlindedConstant(UInt64(bitPattern: Int64(immediate)), width, into: scratch)
            } else if width == .bits64 {
                a.mov64(scratch, immediate: UInt64(bitPattern: Int64(immediate)))
            } else {
                a.mov32(scratch, immediate: UInt32(bitPattern: immediate))
            }
            divisor = scratch
            testZero = false
            testMinusOne = false
        case .register(let src):
            if src == .rax || src == .rdx {
                a.mov(.bits64, scratch, src)
                divisor = scratch
            } else {
                divisor = src
            }
        }

        let done = a.newLabel()
        let zeroCase = a.newLabel()
        let minusOneCase = a.newLabel()
        if testZero {
            a.test(width, divisor, divisor)
            a.jcc(.equal, zeroCase)
        }
        if testMinusOne {
            a.alu(.cmp, width, divisor, immediate: -1)
            a.jcc(.equal, minusOneCase)
        }
        let saved = [X86Register.rax, .rdx].filter { $0 != dst && mustPreserve($0) }
        for register in saved { a.push(register) }
        if dst != .rax { a.mov(.bits64, .rax, dst) }
        if signed {
            a.signExtendAccumulator(width)
        } else {
            a.alu(.xor, .bits32, .rdx, .rdx)
        }
        a.unary(signed ? .idiv : .div, width, divisor)
        let result: X86Register = isModulo ? .rdx : .rax
        if dst != result { a.mov(width, dst, result) }
        for register in saved.reversed() { a.pop(register) }
        if testZero || testMinusOne { a.jmp(done) }
        if testZero {
            a.bind(zeroCase)
            emitDivisionByZero(width, dst, isModulo: isModulo)
            if testMinusOne { a.jmp(done) }
        }
        if testMinusOne {
            a.bind(minusOneCase)
            emitDivisionByMinusOne(width, dst, isModulo: isModulo)
        }
        a.bind(done)
    }

    /// x / 0 = 0; x % 0 = x (zero-extended for 32 bits).
    mutating func emitDivisionByZero(_ width: OperandWidth, _ dst: X86Register, isModulo: Bool) {
        if !isModulo {
            a.alu(.xor, .bits32, dst, dst)
        } else if width == .bits32 {
            zeroExtend32(dst)
        }
    }

    /// x s/ -1 = -x (INT_MIN stays INT_MIN); x s% -1 = 0.
    mutating func emitDivisionByMinusOne(_ width: OperandWidth, _ dst: X86Register, isModulo: Bool) {
        if isModulo {
            a.alu(.xor, .bits32, dst, dst)
        } else {
            a.unary(.neg, width, dst)
        }
    }
}
