extension Instruction {
    /// This load or store (`ldx`, `st`, `stx`, class and mode kept) re-encoded to access `size`
    /// bytes at `offset` from its base register: how a program's access to a kernel context
    /// field is rewritten to the runtime's layout of that context.
    /// - Precondition: the instruction is a memory load or store (class LDX, ST or STX).
    public func reencodedMemoryAccess(size: MemorySize, offset: Int16) -> Instruction {
        var copy = self
        copy.opcode = (opcode & ~0x18) | size.rawValue
        copy.offset = offset
        return copy
    }
}
