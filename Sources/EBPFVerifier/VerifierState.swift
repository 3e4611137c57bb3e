/// The abstract state on one path: the chain of function frames, the callee last.
struct VerifierState: Hashable, Sendable {
    var frames: [FunctionFrame]

    var depth: Int { frames.count }

    subscript(register number: Int) -> RegisterValue {
        get { frames[frames.count - 1].registers[number] }
        set { frames[frames.count - 1].registers[number] = newValue }
    }

    /// Applies `transform` to every register and spilled register of every frame.
    mutating func updateAllValues(_ transform: (inout RegisterValue) -> Void) {
        for f in frames.indices {
            for r in 0..<11 { transform(&frames[f].registers[r]) }
            for s in 0..<FunctionFrame.slotCount where frames[f].stack[s].isSpill {
                transform(&frames[f].stack[s].spilled)
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
        return parts.joined(separator: " ")
    }
}
