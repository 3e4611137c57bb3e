/// Renders classic programs the way `tcpdump -d` (libpcap's `bpf_image`) does:
///
/// ```
/// (000) ldh      [12]
/// (001) jeq      #0x800           jt 2	jf 5
/// ```
///
/// Offsets, scratch indices and decimal constants print as signed 32-bit numbers and jump
/// targets as absolute instruction numbers, as libpcap prints them. One deliberate difference:
/// `ldx #pktlen` (code 0x81, which the kernel accepts) is named, where libpcap prints `unimp`.
public enum ClassicDisassembler {
    /// The whole program, one line per instruction, each ending in a newline.
    public static func text(of program: ClassicProgram) -> String {
        program.instructions.indices.map { line(for: program.instructions[$0], at: $0) + "\n" }.joined()
    }

    /// One instruction at index `index` (the index numbers the line and resolves jump targets).
    public static func line(for instruction: ClassicInstruction, at index: Int) -> String {
        let k = instruction.k
        let signedK = Int32(bitPattern: k)
        let hexK = "#0x" + String(k, radix: 16)
        let (mnemonic, operand): (String, String)
        guard let operation = instruction.operation else {
            let code = "0x" + String(instruction.code, radix: 16)
            // libpcap prints jump targets for any JMP-class code other than `ja`.
            if instruction.code & 0x07 == 0x05 && instruction.code & 0xf0 != 0 {
                return format(index, "unimp", padded(code, 16) + " " + targets(of: instruction, at: index))
            }
            return format(index, "unimp", code)
        }
        switch operation {
        case .loadAbsolute(let size): (mnemonic, operand) = ("ld" + suffix(size), "[\(signedK)]")
        case .loadIndirect(let size): (mnemonic, operand) = ("ld" + suffix(size), "[x + \(signedK)]")
        case .loadLength: (mnemonic, operand) = ("ld", "#pktlen")
        case .loadImmediate: (mnemonic, operand) = ("ld", hexK)
        case .loadScratch: (mnemonic, operand) = ("ld", "M[\(signedK)]")
        case .loadXImmediate: (mnemonic, operand) = ("ldx", hexK)
        case .loadXScratch: (mnemonic, operand) = ("ldx", "M[\(signedK)]")
        case .loadXLength: (mnemonic, operand) = ("ldx", "#pktlen")
        case .loadXHeaderLength: (mnemonic, operand) = ("ldxb", "4*([\(signedK)]&0xf)")
        case .store: (mnemonic, operand) = ("st", "M[\(signedK)]")
        case .storeX: (mnemonic, operand) = ("stx", "M[\(signedK)]")
        case .negate: (mnemonic, operand) = ("neg", "")
        case .jumpAlways: (mnemonic, operand) = ("ja", "\(Int64(index) + 1 + Int64(signedK))")
        case .returnK: (mnemonic, operand) = ("ret", "#\(signedK)")
        case .returnA: (mnemonic, operand) = ("ret", "")
        case .tax: (mnemonic, operand) = ("tax", "")
        case .txa: (mnemonic, operand) = ("txa", "")
        case .alu(let op, let source):
            switch (op, source) {
            case (_, .x): (mnemonic, operand) = (op.mnemonic, "x")
            case (.or, _), (.and, _), (.xor, _): (mnemonic, operand) = (op.mnemonic, hexK)
            default: (mnemonic, operand) = (op.mnemonic, "#\(signedK)")
            }
        case .jump(let op, let source):
            let compared = source == .x ? "x" : hexK
            return format(index, op.mnemonic, padded(compared, 16) + " " + targets(of: instruction, at: index))
        }
        return format(index, mnemonic, operand)
    }

    private static func targets(of instruction: ClassicInstruction, at index: Int) -> String {
        "jt \(index + 1 + Int(instruction.jumpIfTrue))\tjf \(index + 1 + Int(instruction.jumpIfFalse))"
    }

    private static func suffix(_ size: ClassicSize) -> String {
        switch size {
        case .word: ""
        case .half: "h"
        case .byte: "b"
        }
    }

    private static func format(_ index: Int, _ mnemonic: String, _ operand: String) -> String {
        let number = String(index)
        return "(" + String(repeating: "0", count: max(0, 3 - number.count)) + number + ") " + padded(mnemonic, 8) + " " + operand
    }

    private static func padded(_ text: String, _ width: Int) -> String {
        text + String(repeating: " ", count: max(0, width - text.count))
    }
}
