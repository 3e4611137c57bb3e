import EBPFCore

/// The abstract state of one function activation: its registers and its 512-byte stack frame.
struct FunctionFrame: Hashable, Sendable {
    static let slotCount = ExecutionLimits.stackFrameSize / 8

    /// R0–R10.
    var registers: [RegisterValue]
    /// Slot 0 holds the lowest addresses, `[R10-512, R10-504)`; the last slot `[R10-8, R10)`.
    var stack: [StackSlot]
    /// The index of the `call local` that created this frame (-1 for the entry function).
    var callSite: Int
    /// The first instruction of the function (0 for the entry function).
    var functionStart: Int
    /// The depth of this frame, 0 for the entry function.
    var frameNumber: Int
    /// Whether the frame is a callback's, called by the helper call at ``callSite`` (`bpf_loop`)
    /// rather than by a `call local`: its `exit` goes back to that call, which may call it again.
    var isCallback = false
    /// For a callback's frame: which walk of its `bpf_loop` it belongs to (an index into
    /// `AbstractInterpreter.callbackInvariants`), so that its `exit` joins the right invariant.
    var loopInstance = -1

    init(frameNumber: Int, callSite: Int, functionStart: Int) {
        registers = Array(repeating: .uninitialized, count: 11)
        registers[10] = .pointer(PointerValue(region: .stack(frame: frameNumber)))
        stack = Array(repeating: .empty, count: Self.slotCount)
        self.callSite = callSite
        self.functionStart = functionStart
        self.frameNumber = frameNumber
    }

    /// The slot and byte within it of the stack byte at `offset` from R10 (-512...-1).
    @inline(__always)
    static func position(ofOffset offset: Int) -> (slot: Int, byte: Int) {
        let index = ExecutionLimits.stackFrameSize + offset
        return (index / 8, index % 8)
    }

    /// Renders the initialised registers and stack slots the way the kernel logs a state.
    func kernelDescription(prefix: String = "") -> String {
        var parts: [String] = []
        for (number, value) in registers.enumerated() where value.isInitialized {
            parts.append("\(prefix)R\(number)=\(value.kernelDescription)")
        }
        for (index, slot) in stack.enumerated().reversed() where !slot.isEmpty {
            let offset = (index - Self.slotCount) * 8
            parts.append("\(prefix)fp\(offset)=\(slot.kernelDescription)")
        }
        return parts.joined(separator: " ")
    }
}
