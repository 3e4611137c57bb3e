import Foundation
import EBPFCore

/// A minimal assembler for the verifier's tests, in the conformance corpus syntax, driven by
/// the instruction table: one instruction per line (`;` also separates), `#` comments, jump and
/// call targets as labels (`name:` on its own line) or relative offsets (`+3`, `-2`).
///
/// Only what the tests need; the project's assembler lives in EBPFAssembler.
enum TestAssembler {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func assemble(_ source: String) throws -> [Instruction] {
        var lines: [String] = []
        for rawLine in source.split(separator: "\n", omittingEmptySubsequences: false) {
            for part in rawLine.split(separator: ";") {
                let line = part.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first
                    .map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
                if !line.isEmpty { lines.append(line) }
            }
        }
        // First pass: slot index of every label.
        var labels: [String: Int] = [:]
        var slot = 0
        for line in lines {
            if line.hasSuffix(":") {
                labels[String(line.dropLast())] = slot
            } else {
                slot += line.hasPrefix("lddw") ? 2 : 1
            }
        }
        var out: [Instruction] = []
        for line in lines where !line.hasSuffix(":") {
            out.append(contentsOf: try assembleLine(line, at: out.count, labels: labels))
        }
        return out
    }

    private static func assembleLine(_ line: String, at index: Int, labels: [String: Int]) throws -> [Instruction] {
        var mnemonic = line
        var operandText = ""
        let words = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        // Mnemonics can have two words ("call local", "lock fetch add").
        var split = words.count
        while split > 0 {
            let candidate = words[0..<split].joined(separator: " ")
            if InstructionSet.descriptorsByMnemonic[candidate] != nil {
                mnemonic = candidate
                operandText = words[split...].joined(separator: " ")
                break
            }
            split -= 1
        }
        guard let rows = InstructionSet.descriptorsByMnemonic[mnemonic] else { throw Failure(description: "unknown mnemonic in '\(line)'") }
        let operands = operandText.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let usesRegister = operands.count >= 2 && operands[1].hasPrefix("%r") || (operands.count == 1 && operands[0].hasPrefix("%r") && mnemonic == "call")
        let descriptor =
            rows.first { row in
                switch row.shape {
                case .dstSource, .compareRegister, .registerCall: usesRegister
                case .dstImmediate, .compareImmediate, .helperCall: !usesRegister
                default: true
                }
            } ?? rows[0]

        func register(_ text: String) throws -> UInt8 {
            guard text.hasPrefix("%r"), let n = UInt8(text.dropFirst(2)) else { throw Failure(description: "bad register '\(text)' in '\(line)'") }
            return n
        }
        func number(_ text: String) throws -> Int64 {
            var t = text
            var negative = false
            if t.hasPrefix("-") { negative = true; t.removeFirst() } else if t.hasPrefix("+") { t.removeFirst() }
            let value: UInt64?
            if t.hasPrefix("0x") { value = UInt64(t.dropFirst(2), radix: 16) } else { value = UInt64(t) }
            guard let value else { throw Failure(description: "bad number '\(text)' in '\(line)'") }
            return negative ? -Int64(bitPattern: value) : Int64(bitPattern: value)
        }
        func target(_ text: String) throws -> Int64 {
            if let slot = labels[text] { return Int64(slot - index - 1) }
            return try number(text)
        }
        func memory(_ text: String) throws -> (UInt8, Int16) {
            let inner = text.dropFirst().dropLast()
            if let plus = inner.firstIndex(where: { $0 == "+" || $0 == "-" }) {
                let reg = try register(String(inner[..<plus]))
                let off = try number(String(inner[plus...]))
                return (reg, Int16(off))
            }
            return (try register(String(inner)), 0)
        }

        var instruction = Instruction(opcode: descriptor.opcode, offset: descriptor.fixedOffset, immediate: descriptor.fixedImmediate)
        instruction.src = descriptor.fixedSource
        switch descriptor.shape {
        case .dstImmediate:
            instruction.dst = try register(operands[0])
            instruction.immediate = Int32(truncatingIfNeeded: try number(operands[1]))
        case .dstSource:
            instruction.dst = try register(operands[0])
            instruction.src = try register(operands[1])
        case .dstOnly:
            instruction.dst = try register(operands[0])
        case .dstWideImmediate:
            instruction.dst = try register(operands[0])
            var kind: UInt8 = 0
            var valueText = operands[1]
            if valueText.hasPrefix("map:") { kind = 1; valueText = String(valueText.dropFirst(4)) }
            let value = UInt64(bitPattern: try number(valueText))
            instruction.src = kind
            instruction.immediate = Int32(bitPattern: UInt32(truncatingIfNeeded: value))
            return [instruction, Instruction(opcode: 0, immediate: Int32(bitPattern: UInt32(truncatingIfNeeded: value >> 32)))]
        case .loadFromMemory:
            instruction.dst = try register(operands[0])
            (instruction.src, instruction.offset) = try memory(operands[1])
        case .storeRegister:
            (instruction.dst, instruction.offset) = try memory(operands[0])
            instruction.src = try register(operands[1])
        case .storeImmediate:
            (instruction.dst, instruction.offset) = try memory(operands[0])
            instruction.immediate = Int32(truncatingIfNeeded: try number(operands[1]))
        case .jumpOffset:
            instruction.offset = Int16(try target(operands[0]))
        case .jumpImmediateOffset:
            instruction.immediate = Int32(try target(operands[0]))
        case .compareImmediate:
            instruction.dst = try register(operands[0])
            instruction.immediate = Int32(truncatingIfNeeded: try number(operands[1]))
            instruction.offset = Int16(try target(operands[2]))
        case .compareRegister:
            instruction.dst = try register(operands[0])
            instruction.src = try register(operands[1])
            instruction.offset = Int16(try target(operands[2]))
        case .helperCall:
            instruction.immediate = Int32(try number(operands[0]))
        case .localCall:
            instruction.immediate = Int32(try target(operands[0]))
        case .registerCall:
            instruction.dst = try register(operands[0])
        case .none:
            break
        case .packetAbsolute:
            instruction.immediate = Int32(try number(operands[0]))
        case .packetIndirect:
            instruction.src = try register(operands[0])
            instruction.immediate = Int32(try number(operands[1]))
        }
        return [instruction]
    }
}
