/// Control flow: jumps to labels, calls, `ret`, `int3`, and the atomic read-modify-write
/// instructions that need the `lock` prefix.
extension X86Assembler {
    /// `jmp label`: E9 rel32 (``X86Assembler/relaxInPlace()`` makes it EB rel8 where that fits).
    public mutating func jmp(_ label: X86Label) {
        let start = offset
        let number = takeJumpNumber()
        emit(0xe9)
        addFixup(start: start, label: label, jumpNumber: number)
    }

    /// `jcc label`: 0F 80+cc rel32 (``X86Assembler/relaxInPlace()`` makes it 70+cc rel8 where
    /// that fits).
    public mutating func jcc(_ condition: X86Condition, _ label: X86Label) {
        let start = offset
        let number = takeJumpNumber()
        emit(0x0f)
        emit(0x80 | condition.rawValue)
        addFixup(start: start, label: label, jumpNumber: number)
    }

    /// `call label` (E8 rel32).
    public mutating func call(_ label: X86Label) {
        let start = offset
        emit(0xe8)
        addFixup(start: start, label: label, jumpNumber: nil)
    }

    /// `call r64` (FF /2). e.g. `41 ff d3    call r11`.
    public mutating func call(_ register: X86Register) {
        encode(rexW: false, opcode: 0xff, reg: 2, rm: .register(register))
    }

    /// `call qword ptr [mem]` (FF /2). e.g. `ff 54 24 08    call qword ptr [rsp + 8]`.
    public mutating func call(_ memory: X86Memory) {
        encode(rexW: false, opcode: 0xff, reg: 2, rm: .memory(memory))
    }

    /// `ret` (C3).
    public mutating func ret() { emit(0xc3) }

    /// `int3` (CC), the breakpoint trap used as filler.
    public mutating func int3() { emit(0xcc) }

    /// `lock xadd [mem], reg` (F0 0F C1 /r): adds and returns the old value in `reg`.
    /// e.g. `f0 45 0f c1 45 00    lock xadd dword ptr [r13], r8d`.
    public mutating func lockXadd(_ width: OperandWidth, _ memory: X86Memory, _ register: X86Register) {
        precondition(width == .bits32 || width == .bits64)
        encode(lock: true, rexW: width == .bits64, escaped: true, opcode: 0xc1, reg: register.rawValue, rm: .memory(memory))
    }

    /// `lock cmpxchg [mem], reg` (F0 0F B1 /r): compares with rax/eax, stores `reg` if equal,
    /// loads the old value into rax/eax otherwise. e.g. `f0 48 0f b1 0f    lock cmpxchg qword ptr [rdi], rcx`.
    public mutating func lockCmpxchg(_ width: OperandWidth, _ memory: X86Memory, _ register: X86Register) {
        precondition(width == .bits32 || width == .bits64)
        encode(lock: true, rexW: width == .bits64, escaped: true, opcode: 0xb1, reg: register.rawValue, rm: .memory(memory))
    }
}
