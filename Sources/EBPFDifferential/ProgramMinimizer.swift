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
        let decoded = program.decoded
        guard slots.indices.contains(index), decoded.slots[index] != .wideSecondHalf else { return nil }
        let removedCount = decoded[index]?.slotCount ?? 1
        func newIndex(_ old: Int) -> Int {
            if old < index { return old }
            if old >= index + removedCount { return old - removedCount }
            return index
        }
        var result: [Instruction] = []
        result.reserveCapacity(slots.count - removedCount)
        for old in slots.indices where old < index || old >= index + removedCount {
            var instruction = slots[old]
            if let target = decoded[old]?.branchTarget {
                let distance = newIndex(target) - newIndex(old) - 1
                // Re-encoding: the displacement goes in the field the instruction's table row
                // encodes it in (the offset for `ja` and conditional jumps, the immediate for
                // `ja32` and `call local`).
                if InstructionSet.descriptor(for: instruction)?.shape.usesOffset == true {
                    guard let offset = Int16(exactly: distance) else { return nil }
                    instruction.offset = offset
                } else {
                    guard let immediate = Int32(exactly: distance) else { return nil }
                    instruction.immediate = immediate
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
}
