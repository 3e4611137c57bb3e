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
        let slots = program.instructions
        var lines: [(index: Int, text: String)] = []
        var index = 0
        while index < slots.count {
            let instruction = slots[index]
            let next = index + 1 < slots.count ? slots[index + 1] : nil
            lines.append((index, text(of: instruction, followedBy: next)))
            let isWide = InstructionSet.descriptor(for: instruction)?.shape == .dstWideImmediate
            index += isWide && next != nil ? 2 : 1
        }
        return lines
    }

    /// The assembly text of one instruction. `next` is the following slot, which holds the upper
    /// half of an `lddw` constant.
    ///
    /// A slot that matches no table row (possible only in a `Program(unchecked:)`) is printed as
    /// `.invalid 0x…` with its 64-bit word; the assembler does not accept that line.
    public static func text(of instruction: Instruction, followedBy next: Instruction? = nil) -> String {
        guard let descriptor = InstructionSet.descriptor(for: instruction) else { return invalid(instruction) }
        let operands: [String]
        switch descriptor.shape {
        case .dstImmediate:
            let signExtended = descriptor.instructionClass == .alu64
            operands = [reg(instruction.dst), immediate(instruction.immediate, signExtended: signExtended)]
        case .dstSource:
            operands = [reg(instruction.dst), reg(instruction.src)]
        case .dstOnly, .registerCall:
            operands = [reg(instruction.dst)]
        case .dstWideImmediate:
            guard let next else { return invalid(instruction) }
            operands = [reg(instruction.dst), wideImmediate(instruction, next)]
        case .loadFromMemory:
            operands = [reg(instruction.dst), MemoryOperand(register: instruction.src, offset: instruction.offset).text]
        case .storeRegister:
            operands = [MemoryOperand(register: instruction.dst, offset: instruction.offset).text, reg(instruction.src)]
        case .storeImmediate:
            // `stdw` stores the immediate sign-extended to 64 bits.
            let signExtended = instruction.opcode & 0x18 == MemorySize.double.rawValue
            operands = [
                MemoryOperand(register: instruction.dst, offset: instruction.offset).text,
                immediate(instruction.immediate, signExtended: signExtended),
            ]
        case .jumpOffset:
            operands = [distance(Int64(instruction.offset))]
        case .jumpImmediateOffset, .localCall:
            operands = [distance(Int64(instruction.immediate))]
        case .compareImmediate:
            let signExtended = descriptor.instructionClass == .jmp
            operands = [
                reg(instruction.dst), immediate(instruction.immediate, signExtended: signExtended),
                distance(Int64(instruction.offset)),
            ]
        case .compareRegister:
            operands = [reg(instruction.dst), reg(instruction.src), distance(Int64(instruction.offset))]
        case .helperCall:
            operands = [String(instruction.immediate)]
        case .none:
            operands = []
        case .packetAbsolute:
            operands = [immediate(instruction.immediate, signExtended: false)]
        case .packetIndirect:
            operands = [reg(instruction.src), immediate(instruction.immediate, signExtended: false)]
        }
        return operands.isEmpty ? descriptor.mnemonic : descriptor.mnemonic + " " + operands.joined(separator: ", ")
    }

    private static func reg(_ number: UInt8) -> String { Register.name(number) }

    private static func invalid(_ instruction: Instruction) -> String {
        ".invalid 0x" + hex(instruction.rawValue, digits: 16)
    }

    /// `+N` or `-N`.
    private static func distance(_ value: Int64) -> String {
        value < 0 ? String(value) : "+\(value)"
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
    private static func wideImmediate(_ first: Instruction, _ second: Instruction) -> String {
        let low = UInt32(bitPattern: first.immediate)
        let high = UInt32(bitPattern: second.immediate)
        if let kind = LoadImmediateKind(rawValue: first.src), let keyword = kind.assemblyKeyword {
            return high == 0 ? "\(keyword) \(low)" : "\(keyword) \(low)+\(high)"
        }
        let value = UInt64(low) | UInt64(high) << 32
        let signed = Int64(bitPattern: value)
        if signed.magnitude <= UInt64(largestDecimal) { return String(signed) }
        return "0x" + hex(value, digits: 1)
    }

    private static func hex(_ value: UInt64, digits: Int) -> String {
        let text = String(value, radix: 16)
        return text.count >= digits ? text : String(repeating: "0", count: digits - text.count) + text
    }
}
