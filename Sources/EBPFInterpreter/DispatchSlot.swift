/// One slot as the dispatch loop reads it: a ``DispatchOperation`` and its operands, built from
/// the program's ``DecodedOperation`` (`DispatchSlot+Decoding.swift`). Eight bytes, plain old
/// data, so a program is one contiguous buffer read with a single index.
///
/// The operand fields keep the encoding's layout, which the loop reads without further decoding:
/// registers in two nibbles, a 16-bit offset (memory displacement or conditional-jump
/// displacement), a 32-bit immediate.
struct DispatchSlot: Sendable, BitwiseCopyable {
    var operation: DispatchOperation
    /// `dst` in the low nibble, `src` in the high nibble.
    var registers: UInt8
    /// A memory access's displacement, or a conditional jump's: the target is `pc + 1 + offset`.
    var offset: Int16
    /// The immediate operand; for `ja` and `call local`, the displacement of the target
    /// (`pc + 1 + immediate`); for `call N`, the index of the helper in the interpreter's resolved
    /// helper table (-1: not registered); for the slot after an `lddw`, the constant's high half.
    var immediate: Int32

    init(_ operation: DispatchOperation, dst: UInt8 = 0, src: UInt8 = 0, offset: Int16 = 0, immediate: Int32 = 0) {
        self.operation = operation
        self.registers = dst & 0x0f | src << 4
        self.offset = offset
        self.immediate = immediate
    }

    /// A slot control cannot run: it raises its static trap when reached.
    static let trap = DispatchSlot(.trap)
}
