import EBPFCore

extension DispatchSlot {
    /// The dispatch slots of `program`, one per slot plus a final ``DispatchOperation/trap``
    /// marker (running past the end), before helper resolution and fusion: the immediate of a
    /// `call N` is still the helper id.
    ///
    /// A slot with a static trap (``DecodedProgram/staticTraps``) becomes a marker: a conditional
    /// jump whose target is bad traps only when taken (``DispatchOperation/conditionalJumpToBadTarget``);
    /// anything else (an invalid slot, an unresolved `lddw`, `ja` or `call local` to a bad target)
    /// traps when reached (``DispatchOperation/trap``). The second half of an `lddw` is a marker too,
    /// which carries the constant's high half in its immediate for the `lddw` to read.
    ///
    /// Invariant the loop relies on: control only ever reaches indices `0...program.count`, because
    /// every jump and call whose target is outside `0..<program.count` or in the second half of an
    /// `lddw` is a marker, an `lddw` always has its second slot, and index `program.count` is a
    /// marker that stops the run.
    static func slots(of program: DecodedProgram) -> [DispatchSlot] {
        var slots = [DispatchSlot](repeating: .trap, count: program.count + 1)
        for (index, slot) in program.slots.enumerated() {
            // Second halves and invalid slots stay markers.
            guard case .operation(let operation) = slot else { continue }
            if program.staticTraps[index] != nil {
                if case .conditionalJump = operation { slots[index] = DispatchSlot(.conditionalJumpToBadTarget) }
                continue
            }
            slots[index] = DispatchSlot(operation, at: index)
            if let target = DecodedProgram.functionAddressTarget(of: operation, at: index) {
                // A function address loads its target's slot index (the high half is 0).
                slots[index].immediate = Int32(target)
                slots[index + 1].immediate = 0
            } else if case .loadImmediate64(_, _, let value) = operation {
                slots[index + 1].immediate = Int32(truncatingIfNeeded: value >> 32)
            }
        }
        return slots
    }

    /// The slot for `operation` at index `pc`, which has no static trap (so an `lddw` is a
    /// constant and every branch target is valid). Targets become displacements from `pc + 1`.
    init(_ operation: DecodedOperation, at pc: Int) {
        switch operation {
        case .alu(let op, let width, let dst, let source):
            self.init(.alu(op, width, source: source), dst: dst, source: source)
        case .negate(let width, let dst):
            self.init(.negate(width), dst: dst)
        case .moveSignExtended(let width, let dst, let src, let fromBits):
            self.init(.moveSignExtended(width, fromBits: fromBits), dst: dst, src: src)
        case .byteSwap(let swap, let dst):
            self.init(.byteSwap(swap), dst: dst)
        case .loadImmediate64(let dst, _, let value):
            // The high half is in the next slot's immediate (``slots(of:)``).
            self.init(.lddw, dst: dst, immediate: Int32(truncatingIfNeeded: value))
        case .load(let size, let dst, let base, let offset, let signExtends):
            self.init(.load(size, signExtends: signExtends), dst: dst, src: base, offset: offset)
        case .store(let size, let base, let offset, let value):
            self.init(.store(size, value: value), dst: base, source: value, offset: offset)
        case .atomic(let op, let size, let base, let offset, let src):
            self.init(.atomic(op, size), dst: base, src: src, offset: offset)
        case .packetLoad(let size, let index, let immediate):
            self.init(.packetLoad(size, indirect: index != nil), src: index ?? 0, immediate: immediate)
        case .jump(let target):
            self.init(.ja, immediate: Int32(target - pc - 1))
        case .conditionalJump(let condition, let width, let dst, let source, let target):
            self.init(
                .conditionalJump(condition, width, source: source), dst: dst, source: source,
                offset: Int16(target - pc - 1))
        case .callHelper(let id):
            self.init(.callHelper, immediate: id)
        case .callLocal(let target):
            self.init(.callLocal, immediate: Int32(target - pc - 1))
        case .callRegister(let dst):
            self.init(.callx, dst: dst)
        case .exit:
            self.init(.exit)
        }
    }

    /// A slot whose second operand is `source`: its register in `src`, or its value in the
    /// immediate.
    private init(_ operation: DispatchOperation, dst: UInt8, source: Operand, offset: Int16 = 0) {
        switch source {
        case .register(let src): self.init(operation, dst: dst, src: src, offset: offset)
        case .immediate(let value): self.init(operation, dst: dst, offset: offset, immediate: value)
        }
    }
}
