import EBPFCore

/// Small instruction builders for hand-written test programs.
enum Asm {
    static func lddw(_ dst: UInt8, _ value: UInt64) -> [Instruction] {
        [Instruction(opcode: Opcode.lddw, dst: dst, immediate: Int32(truncatingIfNeeded: value)),
         Instruction(opcode: 0, immediate: Int32(truncatingIfNeeded: value >> 32))]
    }
    static func mov(_ dst: UInt8, _ immediate: Int32) -> Instruction { Instruction(opcode: 0xb7, dst: dst, immediate: immediate) }
    static func movReg(_ dst: UInt8, _ src: UInt8) -> Instruction { Instruction(opcode: 0xbf, dst: dst, src: src) }
    static func stxdw(_ base: UInt8, _ offset: Int16, _ src: UInt8) -> Instruction {
        Instruction(opcode: 0x7b, dst: base, src: src, offset: offset)
    }
    static func ldxdw(_ dst: UInt8, _ base: UInt8, _ offset: Int16) -> Instruction {
        Instruction(opcode: 0x79, dst: dst, src: base, offset: offset)
    }
    static let exit = Instruction(opcode: Opcode.exit)
    static func call(_ id: Int32) -> Instruction { Instruction(opcode: Opcode.call, immediate: id) }
    static func callLocal(_ relative: Int32) -> Instruction { Instruction(opcode: Opcode.call, src: 1, immediate: relative) }
    static func ja(_ offset: Int16) -> Instruction { Instruction(opcode: Opcode.ja, offset: offset) }
}

extension Array where Element == UInt8 {
    /// The little-endian 64-bit word at byte `index * 8`.
    func word(_ index: Int) -> UInt64 {
        (0..<8).reduce(0) { $0 | UInt64(self[index * 8 + $1]) << (8 * UInt64($1)) }
    }
}
