/// How the Linux verifier names an instruction in its messages, so that stages which report in
/// its words (the verifier) need not read opcode bits themselves.
extension Instruction {
    /// The kernel's name of the instruction class (`BPF_LD`, `BPF_ALU64`, `BPF_JMP32`, …), as in
    /// `BPF_JMP uses reserved fields`.
    public var className: String {
        switch instructionClass {
        case .ld: "BPF_LD"
        case .ldx: "BPF_LDX"
        case .st: "BPF_ST"
        case .stx: "BPF_STX"
        case .alu: "BPF_ALU"
        case .jmp: "BPF_JMP"
        case .jmp32: "BPF_JMP32"
        case .alu64: "BPF_ALU64"
        }
    }

    /// The opcode byte as two lowercase hex digits (`b7`), as the kernel's log and its
    /// `unknown opcode ff` message print it.
    public var opcodeText: String { hex2(opcode) }
}
