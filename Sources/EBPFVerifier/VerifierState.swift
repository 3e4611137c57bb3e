/// The abstract state on one path: the chain of function frames, the callee last.
struct VerifierState: Hashable, Sendable {
    var frames: [FunctionFrame]
    /// Pointer–counter relations (widening policy only; sorted, without duplicates).
    var relations: [LinearRelation] = []
    /// Difference constraints between places, the input length and 0 (every policy).
    var zone = Zone()

    var depth: Int { frames.count }

    subscript(register number: Int) -> RegisterValue {
        get { frames[frames.count - 1].registers[number] }
        set { frames[frames.count - 1].registers[number] = newValue }
    }

    /// The value at a relation's location (a register, or the register spilled in a slot).
    func value(at location: LinearRelation.Location) -> RegisterValue {
        guard location.frame < frames.count else { return .uninitialized }
        if location.isSlot {
            let slot = frames[location.frame].stack[location.index - 11]
            return slot.isSpill ? slot.spilled : .uninitialized
        }
        return frames[location.frame].registers[location.index]
    }

    /// Applies `transform` to every register, spilled register and narrow stored scalar
    /// (``StackSlot/Part``, only ever refined by it) of every frame.
    mutating func updateAllValues(_ transform: (inout RegisterValue) -> Void) {
        for f in frames.indices {
            for r in 0..<11 { transform(&frames[f].registers[r]) }
            for s in 0..<FunctionFrame.slotCount {
                if frames[f].stack[s].isSpill {
                    transform(&frames[f].stack[s].spilled)
                } else if !frames[f].stack[s].parts.isEmpty {
                    for p in frames[f].stack[s].parts.indices { transform(&frames[f].stack[s].parts[p].value) }
                }
            }
        }
    }

    /// Every frame, rendered as the kernel logs it (caller frames prefixed with their number).
    var kernelDescription: String {
        var parts: [String] = []
        for (index, frame) in frames.enumerated() {
            let text = frame.kernelDescription()
            parts.append(frames.count > 1 ? "frame\(index): " + text : text)
        }
        if !zone.isTrivial {
            parts.append(contentsOf: zone.description(naming: zoneName))
        }
        for relation in relations {
            parts.append("\(name(relation.pointer))=\(relation.scale)*\(name(relation.counter))\(relation.offset < 0 ? "" : "+")\(relation.offset)")
        }
        return parts.joined(separator: " ")
    }

    /// `len`, `len>>3`, or the place's name.
    private func zoneName(_ variable: Zone.Variable) -> String {
        if let shift = Zone.lengthShift(variable) { return shift == 0 ? "len" : "len>>\(shift)" }
        guard let place = Zone.place(of: variable) else { return "0" }
        return name(place)
    }

    /// `R3`, `fp-264`, prefixed with `frameN:` outside the innermost frame.
    private func name(_ location: LinearRelation.Location) -> String {
        let base = location.isSlot ? "fp\((location.index - 11 - FunctionFrame.slotCount) * 8)" : "R\(location.index)"
        return location.frame == frames.count - 1 ? base : "frame\(location.frame):" + base
    }
}
