import EBPFCore

/// Shrinks a program while a property (typically "the engines still disagree") holds, by deleting
/// instructions one at a time and retargeting the jumps and local calls around each deletion.
public enum ProgramMinimizer {
    /// `program` without the slot at `index` (both slots when it is an `lddw`), with every jump,
    /// `ja32` and `call local` adjusted to keep its target; a target that was deleted becomes the
    /// instruction after it. `nil` when `index` is the second slot of an `lddw` or a 16-bit jump
    /// offset would no longer fit.
    public static func removing(slotAt index: Int, from program: Program) -> Program? {
        let slots = program.instructions
        guard slots.indices.contains(index), !isSecondHalfOfWide(index, in: slots) else { return nil }
        let removedCount = slots[index].opcode == Opcode.lddw && index + 1 < slots.count ? 2 : 1
        func newIndex(_ old: Int) -> Int {
            if old < index { return old }
            if old >= index + removedCount { return old - removedCount }
            return index
        }
        var result: [Instruction] = []
        result.reserveCapacity(slots.count - removedCount)
        for old in slots.indices where old < index || old >= index + removedCount {
            var instruction = slots[old]
            if !isSecondHalfOfWide(old, in: slots), let target = Program.branchTarget(of: instruction, at: old) {
                let distance = newIndex(target) - newIndex(old) - 1
                if instruction.opcode == Opcode.ja32 || instruction.opcode == Opcode.call {
                    guard let immediate = Int32(exactly: distance) else { return nil }
                    instruction.immediate = immediate
                } else {
                    guard let offset = Int16(exactly: distance) else { return nil }
                    instruction.offset = offset
                }
            }
            result.append(instruction)
        }
        return Program(unchecked: result)
    }

    /// Deletes instructions (last to first, repeatedly until nothing more can go) as long as
    /// `keeps` holds for the smaller program. The entry instruction and the final `exit` are
    /// candidates like any other: `keeps` decides.
    public static func minimize(_ program: Program, keeps: (Program) -> Bool) -> Program {
        var current = program
        var changed = true
        while changed {
            changed = false
            var index = current.count - 1
            while index >= 0 {
                if let smaller = removing(slotAt: index, from: current), keeps(smaller) {
                    current = smaller
                    changed = true
                }
                index -= 1
            }
        }
        return current
    }

    static func isSecondHalfOfWide(_ index: Int, in slots: [Instruction]) -> Bool {
        // Walk from the start: only an lddw that begins a slot pair makes the next slot a half.
        var slot = 0
        while slot < index {
            slot += slots[slot].opcode == Opcode.lddw ? 2 : 1
        }
        return slot != index
    }
}
