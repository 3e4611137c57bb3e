/// The eight classic two-operand ALU operations; the value is the `/digit` of the 80/81/83
/// group and bits 3–5 of the register forms (`op << 3 | 1` is `r/m, r`; `| 3` is `r, r/m`).
public enum X86ALUOperation: UInt8, Sendable, CaseIterable {
    case add = 0, or = 1, adc = 2, sbb = 3, and = 4, sub = 5, xor = 6, cmp = 7
}

/// The F7 group of one-operand operations (`/digit`).
public enum X86UnaryOperation: UInt8, Sendable, CaseIterable {
    case not = 2, neg = 3, mul = 4, imul = 5, div = 6, idiv = 7
}

/// The C1/D1/D3 group of shifts and rotates (`/digit`).
public enum X86ShiftOperation: UInt8, Sendable, CaseIterable {
    case rol = 0, ror = 1, shl = 4, shr = 5, sar = 7
}

/// BMI2 shifts by a register count, with a separate destination (VEX-encoded).
public enum X86ShiftXOperation: UInt8, Sendable, CaseIterable {
    /// The VEX `pp` field: 01 (66) shlx, 10 (F3) sarx, 11 (F2) shrx.
    case shlx = 1, sarx = 2, shrx = 3
}

/// Integer arithmetic, logic, compares and shifts.
extension X86Assembler {
    /// `op dst, src` between registers (`op<<3 | 1` /r). e.g. `48 01 c8    add rax, rcx`.
    public mutating func alu(_ operation: X86ALUOperation, _ width: OperandWidth, _ dst: X86Register, _ src: X86Register) {
        precondition(width == .bits32 || width == .bits64)
        encode(rexW: width == .bits64, opcode: operation.rawValue << 3 | 1, reg: src.rawValue, rm: .register(dst))
    }

    /// `op dst, [mem]` (`op<<3 | 3` /r). e.g. `4c 2b 5f 38    sub r11, qword ptr [rdi + 56]`.
    public mutating func alu(_ operation: X86ALUOperation, _ width: OperandWidth, _ dst: X86Register, _ src: X86Memory) {
        precondition(width == .bits32 || width == .bits64)
        encode(rexW: width == .bits64, opcode: operation.rawValue << 3 | 3, reg: dst.rawValue, rm: .memory(src))
    }

    /// `[lock] op [mem], src` (`op<<3 | 1` /r). e.g. `f0 48 01 08    lock add qword ptr [rax], rcx`.
    public mutating func alu(_ operation: X86ALUOperation, _ width: OperandWidth, _ dst: X86Memory, _ src: X86Register, lock: Bool = false) {
        precondition(width == .bits32 || width == .bits64)
        encode(lock: lock, rexW: width == .bits64, opcode: operation.rawValue << 3 | 1, reg: src.rawValue, rm: .memory(dst))
    }

    /// `op dst, imm`: 83 /op ib when the immediate fits in 8 signed bits, else the accumulator
    /// short form (`op<<3 | 5` id) for rax, else 81 /op id. The 64-bit forms sign-extend the
    /// immediate. e.g. `48 83 c4 08    add rsp, 8`; `48 05 e8 03 00 00    add rax, 1000`.
    public mutating func alu(_ operation: X86ALUOperation, _ width: OperandWidth, _ dst: X86Register, immediate: Int32) {
        precondition(width == .bits32 || width == .bits64)
        if dst == .rax, Int8(exactly: immediate) == nil {
            if width == .bits64 { emit(0x48) }
            emit(operation.rawValue << 3 | 5)
            emit32(UInt32(bitPattern: immediate))
        } else {
            encode(
                rexW: width == .bits64, opcode8: 0x83, opcode32: 0x81, reg: operation.rawValue, rm: .register(dst),
                immediate: immediate)
        }
    }

    /// `op [mem], imm` (83 /op ib or 81 /op id). e.g. `48 83 47 08 01    add qword ptr [rdi + 8], 1`.
    public mutating func alu(_ operation: X86ALUOperation, _ width: OperandWidth, _ dst: X86Memory, immediate: Int32) {
        precondition(width == .bits32 || width == .bits64)
        encode(
            rexW: width == .bits64, opcode8: 0x83, opcode32: 0x81, reg: operation.rawValue, rm: .memory(dst),
            immediate: immediate)
    }

    /// `test a, b` (85 /r). e.g. `48 85 c0    test rax, rax`.
    public mutating func test(_ width: OperandWidth, _ first: X86Register, _ second: X86Register) {
        precondition(width == .bits32 || width == .bits64)
        encode(rexW: width == .bits64, opcode: 0x85, reg: second.rawValue, rm: .register(first))
    }

    /// `test r, imm32` (A9 id for rax, else F7 /0 id; sign-extended for 64 bits).
    /// e.g. `a9 05 00 00 00    test eax, 5`.
    public mutating func test(_ width: OperandWidth, _ register: X86Register, immediate: Int32) {
        precondition(width == .bits32 || width == .bits64)
        if register == .rax {
            if width == .bits64 { emit(0x48) }
            emit(0xa9)
        } else {
            encode(rexW: width == .bits64, opcode: 0xf7, reg: 0, rm: .register(register))
        }
        emit32(UInt32(bitPattern: immediate))
    }

    /// `imul dst, src` (0F AF /r): low bits of the product, the same for signed and unsigned.
    /// e.g. `49 0f af c7    imul rax, r15`.
    public mutating func imul(_ width: OperandWidth, _ dst: X86Register, _ src: X86Register) {
        precondition(width == .bits32 || width == .bits64)
        encode(rexW: width == .bits64, escaped: true, opcode: 0xaf, reg: dst.rawValue, rm: .register(src))
    }

    /// `imul dst, src, imm` (6B /r ib or 69 /r id). e.g. `48 6b c1 05    imul rax, rcx, 5`.
    public mutating func imul(_ width: OperandWidth, _ dst: X86Register, _ src: X86Register, immediate: Int32) {
        precondition(width == .bits32 || width == .bits64)
        encode(
            rexW: width == .bits64, opcode8: 0x6b, opcode32: 0x69, reg: dst.rawValue, rm: .register(src),
            immediate: immediate)
    }

    /// An instruction with an immediate operand: `opcode8` with the immediate as one signed byte
    /// when it fits, else `opcode32` with all four bytes (both sign-extended by the processor).
    private mutating func encode(
        rexW: Bool, opcode8: UInt8, opcode32: UInt8, reg: UInt8, rm: RegisterOrMemory, immediate: Int32
    ) {
        if let small = Int8(exactly: immediate) {
            encode(rexW: rexW, opcode: opcode8, reg: reg, rm: rm)
            emit(UInt8(bitPattern: small))
        } else {
            encode(rexW: rexW, opcode: opcode32, reg: reg, rm: rm)
            emit32(UInt32(bitPattern: immediate))
        }
    }

    /// One-operand F7 group: `not`, `neg`, `mul`, `imul`, `div`, `idiv` (F7 /digit).
    /// e.g. `49 f7 f3    div r11`; `f7 d8    neg eax`.
    public mutating func unary(_ operation: X86UnaryOperation, _ width: OperandWidth, _ register: X86Register) {
        precondition(width == .bits32 || width == .bits64)
        encode(rexW: width == .bits64, opcode: 0xf7, reg: operation.rawValue, rm: .register(register))
    }

    /// `cqo` (48 99: rdx = sign of rax) for 64 bits, `cdq` (99: edx = sign of eax) for 32.
    public mutating func signExtendAccumulator(_ width: OperandWidth) {
        precondition(width == .bits32 || width == .bits64)
        if width == .bits64 { emit(0x48) }
        emit(0x99)
    }

    /// Shift or rotate by a constant: D1 /digit for a count of 1, else C1 /digit ib; 16-bit with
    /// the 66 prefix. e.g. `48 c1 e0 04    shl rax, 4`; `66 c1 c6 08    rol si, 8`.
    public mutating func shift(_ operation: X86ShiftOperation, _ width: OperandWidth, _ register: X86Register, count: UInt8) {
        precondition(width != .bits8)
        if count == 1 {
            encode(operandSizePrefix: width == .bits16, rexW: width == .bits64, opcode: 0xd1, reg: operation.rawValue, rm: .register(register))
        } else {
            encode(operandSizePrefix: width == .bits16, rexW: width == .bits64, opcode: 0xc1, reg: operation.rawValue, rm: .register(register))
            emit(count)
        }
    }

    /// Shift or rotate by `cl` (D3 /digit). e.g. `49 d3 e0    shl r8, cl`.
    public mutating func shiftByCL(_ operation: X86ShiftOperation, _ width: OperandWidth, _ register: X86Register) {
        precondition(width == .bits32 || width == .bits64)
        encode(rexW: width == .bits64, opcode: 0xd3, reg: operation.rawValue, rm: .register(register))
    }

    /// BMI2 `shlx/shrx/sarx dst, src, count` (VEX.LZ.pp.0F38.W F7 /r, count in VEX.vvvv): any
    /// registers, flags unchanged, count masked to the width like the legacy shifts.
    /// e.g. `c4 e2 f1 f7 c3    shlx rax, rbx, rcx`.
    public mutating func shiftX(_ operation: X86ShiftXOperation, _ width: OperandWidth, _ dst: X86Register, _ src: X86Register, count: X86Register) {
        precondition(width == .bits32 || width == .bits64)
        emit(0xc4)
        // R̄ X̄ B̄ (inverted extension bits) and map 00010 (0F38).
        let r: UInt8 = dst.isExtended ? 0 : 0x80
        let b: UInt8 = src.isExtended ? 0 : 0x20
        emit(r | 0x40 | b | 0x02)
        // W, inverted vvvv (the count register), L = 0, pp.
        emit((width == .bits64 ? 0x80 : 0) | (~count.rawValue & 0x0f) << 3 | operation.rawValue)
        emit(0xf7)
        emit(0xc0 | dst.low3 << 3 | src.low3)
    }
}
