import EBPFCore

/// A one-line rendering of an instruction in the conformance corpus syntax, for the log.
enum InstructionText {
    static func render(_ instructions: [Instruction], at index: Int) -> String {
        let instruction = instructions[index]
        guard let descriptor = InstructionSet.descriptor(for: instruction) else {
            return "(\(hex2(instruction.opcode))) ?"
        }
        let name = descriptor.mnemonic
        let dst = "%r\(instruction.dst)"
        let src = "%r\(instruction.src)"
        let offset = instruction.offset >= 0 ? "+\(instruction.offset)" : "\(instruction.offset)"
        let text: String
        switch descriptor.shape {
        case .dstImmediate: text = "\(name) \(dst), \(instruction.immediate)"
        case .dstSource: text = "\(name) \(dst), \(src)"
        case .dstOnly: text = "\(name) \(dst)"
        case .dstWideImmediate:
            let value = index + 1 < instructions.count ? Program(unchecked: instructions).wideImmediate(at: index) : 0
            text = "\(name) \(dst), 0x\(String(value, radix: 16))" + (instruction.src != 0 ? " (src=\(instruction.src))" : "")
        case .loadFromMemory: text = "\(name) \(dst), [\(src)\(offset)]"
        case .storeRegister: text = "\(name) [\(dst)\(offset)], \(src)"
        case .storeImmediate: text = "\(name) [\(dst)\(offset)], \(instruction.immediate)"
        case .jumpOffset: text = "\(name) \(offset)"
        case .jumpImmediateOffset: text = "\(name) \(instruction.immediate >= 0 ? "+" : "")\(instruction.immediate)"
        case .compareImmediate: text = "\(name) \(dst), \(instruction.immediate), \(offset)"
        case .compareRegister: text = "\(name) \(dst), \(src), \(offset)"
        case .helperCall: text = "\(name) \(instruction.immediate)"
        case .localCall: text = "\(name) \(instruction.immediate >= 0 ? "+" : "")\(instruction.immediate)"
        case .registerCall: text = "\(name) \(dst)"
        case .none: text = name
        case .packetAbsolute: text = "\(name) \(instruction.immediate)"
        case .packetIndirect: text = "\(name) \(src), \(instruction.immediate)"
        }
        return "(\(hex2(instruction.opcode))) " + text
    }
}
