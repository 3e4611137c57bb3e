/// Why a byte buffer is not a well-formed eBPF program. Every case carries the slot index or the
/// byte offset at which decoding stopped.
public enum DecodeError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The byte count is not a multiple of 8; `byteOffset` is where the incomplete slot starts.
    case truncated(byteOffset: Int, byteCount: Int)
    /// No row of the instruction table has this opcode byte.
    case unknownOpcode(index: Int, opcode: UInt8)
    /// The opcode exists but a field that must be zero (or hold a selector value) does not.
    case reservedField(index: Int, opcode: UInt8, field: Field, value: Int64)
    /// A register field names a register above R10.
    case invalidRegister(index: Int, field: Field, register: UInt8)
    /// An `lddw` is the last slot, so its second half is missing.
    case missingWideSecondHalf(index: Int)
    /// The second slot of an `lddw` has a non-zero opcode, register or offset field.
    case malformedWideSecondHalf(index: Int)

    /// An instruction field, for error messages.
    public enum Field: String, Sendable {
        case dst, src, offset, immediate
    }

    /// The slot index the error refers to.
    public var index: Int {
        switch self {
        case .truncated(let byteOffset, _): byteOffset / 8
        case .unknownOpcode(let index, _), .reservedField(let index, _, _, _), .invalidRegister(let index, _, _),
            .missingWideSecondHalf(let index), .malformedWideSecondHalf(let index):
            index
        }
    }

    public var description: String {
        switch self {
        case .truncated(let byteOffset, let byteCount):
            "truncated program: \(byteCount) bytes is not a whole number of 8-byte instructions (incomplete instruction at byte offset \(byteOffset))"
        case .unknownOpcode(let index, let opcode):
            "unknown opcode 0x\(hex2(opcode)) at instruction \(index) (byte offset \(index * 8))"
        case .reservedField(let index, let opcode, let field, let value):
            "instruction \(index) (opcode 0x\(hex2(opcode))): reserved or invalid \(field.rawValue) field \(value)"
        case .invalidRegister(let index, let field, let register):
            "instruction \(index): invalid \(field.rawValue) register r\(register) (registers are r0-r10)"
        case .missingWideSecondHalf(let index):
            "instruction \(index): lddw is missing its second 8-byte slot"
        case .malformedWideSecondHalf(let index):
            "instruction \(index + 1): second slot of lddw must have opcode, registers and offset zero"
        }
    }
}

@inline(never)
func hex2(_ byte: UInt8) -> String {
    let s = String(byte, radix: 16)
    return s.count == 1 ? "0" + s : s
}
