/// Why ``ClassicChecker`` rejects a program. Every case but the whole-program ones names the
/// instruction index.
public enum ClassicCheckError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The program has no instructions.
    case empty
    /// More than ``ClassicLimits/maxInstructions`` instructions.
    case tooLong(count: Int)
    /// `code` is not a classic BPF opcode.
    case unknownOpcode(index: Int, code: UInt16)
    /// `A / 0` or `A % 0` with a constant divisor.
    case divisionByZero(index: Int)
    /// A constant shift of 32 or more.
    case shiftOutOfRange(index: Int, amount: UInt32)
    /// A scratch index `M[k]` with k ≥ 16.
    case scratchIndexOutOfRange(index: Int, slot: UInt32)
    /// A jump whose target is past the last instruction.
    case jumpOutOfRange(index: Int, target: Int)
    /// The last instruction is not a return, so control could fall off the end.
    case missingReturn(index: Int)
    /// `M[slot]` is read on some path before anything was stored there.
    case scratchReadBeforeWrite(index: Int, slot: Int)
    /// A load from the kernel's ancillary area (k ≥ 0xfffff000, `SKF_AD_OFF`), which this runtime
    /// does not provide.
    case ancillaryLoad(index: Int, offset: UInt32)
    /// An instruction seccomp filters may not use (packet loads other than 32-bit `LD ABS`,
    /// `ldx 4*([k]&0xf)`, `mod`).
    case notAllowedInSeccomp(index: Int, code: UInt16)
    /// A seccomp `LD ABS` that is not an aligned word inside the 64-byte `seccomp_data`.
    case seccompOffset(index: Int, offset: UInt32)

    /// The instruction the error refers to, when there is one.
    public var index: Int? {
        switch self {
        case .empty, .tooLong: nil
        case .unknownOpcode(let index, _), .divisionByZero(let index), .shiftOutOfRange(let index, _),
            .scratchIndexOutOfRange(let index, _), .jumpOutOfRange(let index, _), .missingReturn(let index),
            .scratchReadBeforeWrite(let index, _), .ancillaryLoad(let index, _), .notAllowedInSeccomp(let index, _),
            .seccompOffset(let index, _):
            index
        }
    }

    public var description: String {
        switch self {
        case .empty: "empty classic BPF program"
        case .tooLong(let count): "classic BPF program has \(count) instructions (at most \(ClassicLimits.maxInstructions))"
        case .unknownOpcode(let index, let code): "instruction \(index): unknown classic BPF code 0x\(String(code, radix: 16))"
        case .divisionByZero(let index): "instruction \(index): division by constant zero"
        case .shiftOutOfRange(let index, let amount): "instruction \(index): shift by \(amount) (must be below 32)"
        case .scratchIndexOutOfRange(let index, let slot): "instruction \(index): scratch index M[\(slot)] (must be below \(ClassicLimits.scratchWords))"
        case .jumpOutOfRange(let index, let target): "instruction \(index): jump to \(target) is past the end of the program"
        case .missingReturn(let index): "instruction \(index): the last instruction must be a return"
        case .scratchReadBeforeWrite(let index, let slot): "instruction \(index): M[\(slot)] may be read before it is written"
        case .ancillaryLoad(let index, let offset): "instruction \(index): ancillary load at 0x\(String(offset, radix: 16)) is not supported"
        case .notAllowedInSeccomp(let index, let code): "instruction \(index): code 0x\(String(code, radix: 16)) is not allowed in a seccomp filter"
        case .seccompOffset(let index, let offset): "instruction \(index): seccomp load at offset \(offset) is not an aligned word of seccomp_data"
        }
    }
}
