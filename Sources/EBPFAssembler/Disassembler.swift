import EBPFCore

/// Turns a ``Program`` back into assembly text that ``Assembler`` reads back to the same bytes.
///
/// Mnemonics come from ``InstructionSet/descriptors``. Jumps are printed as `+N`/`-N` (slots
/// from the next instruction), never as labels. Immediates are decimal when small
/// (-65535 … 65535), else hexadecimal: for operations that sign-extend the immediate to 64 bits
/// (ALU64, 64-bit jumps, `stdw`) as a signed value (`-0x80000000`), for 32-bit ones as the
/// 32-bit pattern (`0x80000000`). An `lddw` constant is printed the same way as a 64-bit value;
/// an `lddw` reference (non-zero src) as `KEYWORD A` or `KEYWORD A+B`
/// (see ``LoadImmediateKind/assemblyKeyword``).
public enum Disassembler {
    /// One line per instruction; `lddw` gives one line for its two slots.
    public static func disassemble(_ program: Program) -> [String] {
        listing(program).map(\.text)
    }

    /// Each line with the index of the slot it starts at, e.g. for printing `   3: add %r1, 5`.
    public static func listing(_ program: Program) -> [(index: Int, text: String)] {
        let decoded = program.decoded
        var lines: [(index: Int, text: String)] = []
        for (index, slot) in decoded.slots.enumerated() {
            switch slot {
            case .operation(let operation):
                lines.append((index, text(of: operation, at: index, slot: program.instructions[index])))
            case .wideSecondHalf:
                continue
            case .invalid:
                lines.append((index, invalid(program.instructions[index])))
            }
        }
        return lines
    }

    /// The assembly text of one instruction. `next` is the following slot, which holds the upper
    /// half of an `lddw` constant.
    ///
    /// A slot the decoder rejects (possible only in a `Program(unchecked:)`) is printed as
    /// `.invalid 0x…` with its 64-bit word; the assembler does not accept that line.
    public static func text(of instruction: Instruction, followedBy next: Instruction? = nil) -> String {
        let decoded = DecodedProgram(next.map { [instruction, $0] } ?? [instruction])
        guard let operation = decoded[0] else { return invalid(instruction) }
        return text(of: operation, at: 0, slot: instruction)
    }

    /// The text of `operation`, decoded from `slot` at index `pc`. The mnemonic is the one of the
    /// table row that selects `slot`; the operands come from the decoded operation.
    private static func text(of operation: DecodedOperation, at pc: Int, slot: Instruction) -> String {
        // The decoder found this row when it decoded the slot.
        guard let mnemonic = InstructionSet.descriptor(for: slot)?.mnemonic else { return invalid(slot) }
        let operands: [String]
        switch operation {
        case .alu(_, let width, let dst, let source):
            operands = [reg(dst), text(of: source, signExtended: width == .bits64)]
        case .negate(_, let dst), .byteSwap(_, let dst), .callRegister(let dst):
            operands = [reg(dst)]
        case .moveSignExtended(_, let dst, let src, _):
            operands = [reg(dst), reg(src)]
        case .loadImmediate64(let dst, let kind, let value):
            operands = [reg(dst), wideImmediate(kind, value)]
        case .load(_, let dst, let base, let offset, _):
            operands = [reg(dst), MemoryOperand(register: base, offset: offset).text]
        case .store(let size, let base, let offset, let value):
            // `stdw` stores the immediate sign-extended to 64 bits.
            operands = [MemoryOperand(register: base, offset: offset).text, text(of: value, signExtended: size == .double)]
        case .atomic(_, _, let base, let offset, let src):
            operands = [MemoryOperand(register: base, offset: offset).text, reg(src)]
        case .packetLoad(_, let index, let immediate):
            operands = (index.map { [reg($0)] } ?? []) + [self.immediate(immediate, signExtended: false)]
        case .jump(let target), .callLocal(let target):
            operands = [distance(from: pc, to: target)]
        case .conditionalJump(_, let width, let dst, let source, let target):
            operands = [reg(dst), text(of: source, signExtended: width == .bits64), distance(from: pc, to: target)]
        case .callHelper(let id):
            operands = [String(id)]
        case .exit:
            operands = []
        }
        return operands.isEmpty ? mnemonic : mnemonic + " " + operands.joined(separator: ", ")
    }

    /// A register, or an immediate (see ``immediate(_:signExtended:)``).
    private static func text(of operand: Operand, signExtended: Bool) -> String {
        switch operand {
        case .register(let number): reg(number)
        case .immediate(let value): immediate(value, signExtended: signExtended)
        }
    }

    private static func reg(_ number: UInt8) -> String { Register.name(number) }

    private static func invalid(_ instruction: Instruction) -> String {
        ".invalid 0x" + hex(instruction.rawValue, digits: 16)
    }

    /// `+N` or `-N`: the slots from the one after `pc` to `target`.
    private static func distance(from pc: Int, to target: Int) -> String {
        let value = target - (pc + 1)
        return value < 0 ? String(value) : "+\(value)"
    }

    /// Numbers up to this magnitude are printed in decimal.
    private static let largestDecimal: Int64 = 0xffff

    /// A 32-bit immediate: decimal when small, else hex (signed if the operation sign-extends it,
    /// else its 32-bit pattern).
    private static func immediate(_ value: Int32, signExtended: Bool) -> String {
        let wide = Int64(value)
        if abs(wide) <= largestDecimal { return String(value) }
        if signExtended {
            return wide < 0 ? "-0x" + hex(wide.magnitude, digits: 1) : "0x" + hex(UInt64(wide), digits: 1)
        }
        return "0x" + hex(UInt64(UInt32(bitPattern: value)), digits: 1)
    }

    /// The `lddw` operand: a constant, or `KEYWORD low[+high]` for a reference.
    private static func wideImmediate(_ kind: LoadImmediateKind, _ value: UInt64) -> String {
        if let keyword = kind.assemblyKeyword {
            let low = UInt32(truncatingIfNeeded: value)
            let high = UInt32(truncatingIfNeeded: value >> 32)
            return high == 0 ? "\(keyword) \(low)" : "\(keyword) \(low)+\(high)"
        }
        let signed = Int64(bitPattern: value)
        if signed.magnitude <= UInt64(largestDecimal) { return String(signed) }
        return "0x" + hex(value, digits: 1)
    }

    private static func hex(_ value: UInt64, digits: Int) -> String {
        let text = String(value, radix: 16)
        return text.count >= digits ? text : String(repeating: "0", count: digits - text.count) + text
    }
}
