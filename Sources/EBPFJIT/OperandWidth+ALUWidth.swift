import EBPFCore
import X86Encoding

extension OperandWidth {
    /// The x86 operand width of an eBPF ALU operation or comparison: 32-bit x86 forms zero-extend
    /// their results, as the 32-bit eBPF forms require.
    init(_ width: ALUWidth) {
        self = width == .bits64 ? .bits64 : .bits32
    }
}
