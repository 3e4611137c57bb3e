import EBPFCore

/// A one-line rendering of an instruction in the conformance corpus syntax, for the log:
/// `(b7) mov %r0, 0`. The mnemonic comes from the instruction table, the operands from the
/// decoded operation.
enum InstructionText {
    static func render(_ program: DecodedProgram, at index: Int) -> String {
        let instruction = program.instructions[index]
        guard let operation = program[index], let descriptor = InstructionSet.descriptor(for: instruction) else {
            return "(\(instruction.opcodeText)) ?"
        }
        let name = descriptor.mnemonic
        func register(_ number: UInt8) -> String { "%r\(number)" }
        func operand(_ operand: Operand) -> String {
            switch operand {
            case .register(let number): register(number)
            case .immediate(let value): "\(value)"
            }
        }
        func signed(_ value: Int) -> String { value >= 0 ? "+\(value)" : "\(value)" }
        func address(_ base: UInt8, _ offset: Int16) -> String { "[\(register(base))\(signed(Int(offset)))]" }
        let displacement = (operation.branchTarget ?? index + 1) - index - 1
        let text: String
        switch operation {
        case .alu(_, _, let dst, let source):
            text = "\(name) \(register(dst)), \(operand(source))"
        case .moveSignExtended(_, let dst, let src, _):
            text = "\(name) \(register(dst)), \(register(src))"
        case .negate(_, let dst), .byteSwap(_, let dst):
            text = "\(name) \(register(dst))"
        case .loadImmediate64(let dst, let kind, let value):
            text = "\(name) \(register(dst)), 0x\(String(value, radix: 16))"
                + (kind != .constant ? " (src=\(kind.rawValue))" : "")
        case .load(_, let dst, let base, let offset, _):
            text = "\(name) \(register(dst)), \(address(base, offset))"
        case .store(_, let base, let offset, let value):
            text = "\(name) \(address(base, offset)), \(operand(value))"
        case .atomic(_, _, let base, let offset, let src):
            text = "\(name) \(address(base, offset)), \(register(src))"
        case .packetLoad(_, let index?, let immediate):
            text = "\(name) \(register(index)), \(immediate)"
        case .packetLoad(_, nil, let immediate):
            text = "\(name) \(immediate)"
        case .jump, .callLocal:
            text = "\(name) \(signed(displacement))"
        case .conditionalJump(_, _, let dst, let source, _):
            text = "\(name) \(register(dst)), \(operand(source)), \(signed(displacement))"
        case .callHelper(let id):
            text = "\(name) \(id)"
        case .callRegister(let dst):
            text = "\(name) \(register(dst))"
        case .exit:
            text = name
        }
        return "(\(instruction.opcodeText)) " + text
    }
}
