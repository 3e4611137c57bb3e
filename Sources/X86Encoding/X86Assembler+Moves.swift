/// Data movement: `mov`, `movzx`, `movsx`, `lea`, `xchg`, `push`, `pop`, `bswap`, `movbe`.
extension X86Assembler {
    /// `mov dst, src` between registers (89 /r; 88 /r for bytes).
    /// e.g. `48 89 e5    mov rbp, rsp`; `89 c8    mov eax, ecx`.
    public mutating func mov(_ width: OperandWidth, _ dst: X86Register, _ src: X86Register) {
        encode(operandSizePrefix: width == .bits16, rexW: width == .bits64, opcode: width == .bits8 ? 0x88 : 0x89,
               reg: src.rawValue, regIsByte: width == .bits8, rm: .register(dst), rmIsByte: width == .bits8)
    }

    /// Load: `mov dst, [mem]` (8B /r; 8A /r for bytes). e.g. `48 8b 45 f8    mov rax, qword ptr [rbp - 8]`.
    public mutating func mov(_ width: OperandWidth, _ dst: X86Register, _ src: X86Memory) {
        encode(operandSizePrefix: width == .bits16, rexW: width == .bits64, opcode: width == .bits8 ? 0x8a : 0x8b,
               reg: dst.rawValue, regIsByte: width == .bits8, rm: .memory(src))
    }

    /// Store: `mov [mem], src` (89 /r; 88 /r for bytes). e.g. `40 88 30    mov byte ptr [rax], sil`.
    public mutating func mov(_ width: OperandWidth, _ dst: X86Memory, _ src: X86Register) {
        encode(operandSizePrefix: width == .bits16, rexW: width == .bits64, opcode: width == .bits8 ? 0x88 : 0x89,
               reg: src.rawValue, regIsByte: width == .bits8, rm: .memory(dst))
    }

    /// Store an immediate: `mov [mem], imm` (C6 /0 ib, 66 C7 /0 iw, C7 /0 id, REX.W C7 /0 id
    /// sign-extended). Only the low `width` bits of `immediate` are stored.
    /// e.g. `66 c7 45 00 34 12    mov word ptr [rbp], 0x1234`.
    public mutating func mov(_ width: OperandWidth, _ dst: X86Memory, immediate: Int32) {
        encode(operandSizePrefix: width == .bits16, rexW: width == .bits64, opcode: width == .bits8 ? 0xc6 : 0xc7,
               reg: 0, rm: .memory(dst))
        switch width {
        case .bits8: emit(UInt8(truncatingIfNeeded: immediate))
        case .bits16: emit16(UInt16(truncatingIfNeeded: immediate))
        case .bits32, .bits64: emit32(UInt32(bitPattern: immediate))
        }
    }

    /// `mov r32, imm32` (B8+r id): sets the low 32 bits and zeroes the upper 32.
    /// e.g. `b8 05 00 00 00    mov eax, 5`.
    public mutating func mov32(_ dst: X86Register, immediate: UInt32) {
        emitREXForOpcodeRegister(dst, rexW: false)
        emit(0xb8 | dst.low3)
        emit32(immediate)
    }

    /// Loads a 64-bit constant with the shortest form that produces it (flags unchanged):
    /// `mov r32, imm32` (zero-extends) when it fits in 32 unsigned bits, `mov r64, simm32`
    /// (REX.W C7 /0, sign-extends) when it fits in 32 signed bits, else `movabs r64, imm64`
    /// (REX.W B8+r io). e.g. `48 c7 c0 ff ff ff ff    mov rax, -1`.
    public mutating func mov64(_ dst: X86Register, immediate: UInt64) {
        if let value = UInt32(exactly: immediate) {
            mov32(dst, immediate: value)
        } else if let value = Int32(exactly: Int64(bitPattern: immediate)) {
            encode(rexW: true, opcode: 0xc7, reg: 0, rm: .register(dst))
            emit32(UInt32(bitPattern: value))
        } else {
            movabs(dst, immediate: immediate)
        }
    }

    /// `movabs r64, imm64` (REX.W B8+r io), always 10 bytes (used where a patchable or
    /// fixed-size constant is wanted). e.g. `48 b8 88 77 66 55 44 33 22 11    movabs rax, 0x1122334455667788`.
    public mutating func movabs(_ dst: X86Register, immediate: UInt64) {
        emitREXForOpcodeRegister(dst, rexW: true)
        emit(0xb8 | dst.low3)
        emit64(immediate)
    }

    /// `movzx r32, r/m8` (0F B6 /r) or `movzx r32, r/m16` (0F B7 /r); writing the 32-bit register
    /// zeroes the upper 32 bits. e.g. `41 0f b6 44 24 05    movzx eax, byte ptr [r12 + 5]`.
    public mutating func movzx(_ dst: X86Register, _ src: RegisterOrMemory, from sourceWidth: OperandWidth) {
        precondition(sourceWidth == .bits8 || sourceWidth == .bits16)
        encode(rexW: false, escaped: true, opcode: sourceWidth == .bits8 ? 0xb6 : 0xb7, reg: dst.rawValue, rm: src,
               rmIsByte: sourceWidth == .bits8)
    }

    /// Sign extension into a `width` (32 or 64) register: `movsx r, r/m8` (0F BE /r),
    /// `movsx r, r/m16` (0F BF /r), or `movsxd r64, r/m32` (REX.W 63 /r).
    /// e.g. `48 63 c1    movsxd rax, ecx`; `40 0f be c6    movsx eax, sil`.
    public mutating func movsx(_ width: OperandWidth, _ dst: X86Register, _ src: RegisterOrMemory, from sourceWidth: OperandWidth) {
        switch sourceWidth {
        case .bits8:
            encode(rexW: width == .bits64, escaped: true, opcode: 0xbe, reg: dst.rawValue, rm: src, rmIsByte: true)
        case .bits16:
            encode(rexW: width == .bits64, escaped: true, opcode: 0xbf, reg: dst.rawValue, rm: src)
        case .bits32:
            precondition(width == .bits64, "movsxd needs a 64-bit destination")
            encode(rexW: true, opcode: 0x63, reg: dst.rawValue, rm: src)
        case .bits64:
            preconditionFailure("no sign extension from 64 bits")
        }
    }

    /// `lea r64, [mem]` (REX.W 8D /r). e.g. `4c 8d 5d f0    lea r11, [rbp - 16]`.
    public mutating func lea(_ dst: X86Register, _ src: X86Memory) {
        encode(rexW: true, opcode: 0x8d, reg: dst.rawValue, rm: .memory(src))
    }

    /// `xchg a, b` between registers: `90+r` when one side is rax/eax, else 87 /r.
    /// e.g. `48 91    xchg rax, rcx`; `48 87 ca    xchg rcx, rdx`.
    public mutating func xchg(_ width: OperandWidth, _ first: X86Register, _ second: X86Register) {
        precondition(width == .bits32 || width == .bits64)
        if first == .rax || second == .rax {
            let other = first == .rax ? second : first
            emitREXForOpcodeRegister(other, rexW: width == .bits64)
            emit(0x90 | other.low3)
        } else {
            encode(rexW: width == .bits64, opcode: 0x87, reg: first.rawValue, rm: .register(second))
        }
    }

    /// `xchg [mem], reg` (87 /r), implicitly locked. e.g. `48 87 48 08    xchg qword ptr [rax + 8], rcx`.
    public mutating func xchg(_ width: OperandWidth, _ memory: X86Memory, _ register: X86Register) {
        precondition(width == .bits32 || width == .bits64)
        encode(rexW: width == .bits64, opcode: 0x87, reg: register.rawValue, rm: .memory(memory))
    }

    /// `push r64` (50+r). e.g. `41 54    push r12`.
    public mutating func push(_ register: X86Register) {
        emitREXForOpcodeRegister(register, rexW: false)
        emit(0x50 | register.low3)
    }

    /// `pop r64` (58+r). e.g. `41 5c    pop r12`.
    public mutating func pop(_ register: X86Register) {
        emitREXForOpcodeRegister(register, rexW: false)
        emit(0x58 | register.low3)
    }

    /// `bswap r32` / `bswap r64` (0F C8+r). The 32-bit form zeroes the upper 32 bits.
    /// e.g. `49 0f c9    bswap r9`.
    public mutating func bswap(_ width: OperandWidth, _ register: X86Register) {
        precondition(width == .bits32 || width == .bits64)
        emitREXForOpcodeRegister(register, rexW: width == .bits64)
        emit(0x0f)
        emit(0xc8 | register.low3)
    }

    /// Load with the bytes reversed: `movbe r16/r32/r64, [mem]` (0F 38 F0 /r, 66 for 16 bits,
    /// REX.W for 64). The 32-bit form zeroes the upper 32 bits; the 16-bit form leaves bits 16–63.
    /// e.g. `0f 38 f0 47 0c    movbe eax, dword ptr [rdi + 12]`; `4c 0f 38 f0 07    movbe r8, qword ptr [rdi]`.
    public mutating func movbe(_ width: OperandWidth, _ dst: X86Register, _ src: X86Memory) {
        precondition(width != .bits8)
        encode(operandSizePrefix: width == .bits16, rexW: width == .bits64, escaped38: true, opcode: 0xf0,
               reg: dst.rawValue, rm: .memory(src))
    }
}
