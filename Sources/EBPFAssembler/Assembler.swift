import EBPFCore

/// Turns eBPF assembly text, in the syntax of the bpf_conformance corpus, into a ``Program``.
///
/// ## Syntax
/// - One instruction per line; blank lines are ignored; `#` starts a comment (whole line or
///   trailing).
/// - Labels: `name:` on its own line or before an instruction on the same line. A label names the
///   slot of the next instruction (`lddw` takes two slots).
/// - Registers `%r0` … `%r10`, also written `r0` … `r10`.
/// - Immediates in decimal or hexadecimal (`0x`, any case), optionally signed. A 32-bit
///   immediate accepts -2^31 … 2^32-1; a value above `Int32.max` stands for its 32-bit pattern
///   (`jeq %r1, 0x80000000, +1`). `lddw` accepts any 64-bit value, signed or unsigned.
/// - Memory operands `[%r1+4]`, `[%r1-4]`, `[%r1]`; the offset is a signed 16-bit value.
/// - Jump targets: a label, or `+N`/`-N` counted in slots from the next instruction. `ja32`
///   and `call local` put the distance in the immediate. The label `exit`, unless defined,
///   names the first `exit` instruction (see ``implicitExitLabel``).
/// - Mnemonics are those of ``InstructionSet/descriptors``: `add %r1, 5`, `add32 %r1, %r2`,
///   `neg %r1`, `le16 %r1`, `bswap64 %r1` (also `swap64`), `movsx832 %r0, %r1`,
///   `ldxsb %r0, [%r10-1]`, `stw [%r1+2], 7`, `stxdw [%r10-8], %r1`, `jeq %r1, 5, label`,
///   `ja +3`, `ja32 label`, `call 5` (helper), `call local label`, `call %r2` (callx),
///   `exit`, `lock add [%r10-8], %r1`, `lock fetch and32 [%r10-4], %r1`, `lock xchg …`,
///   `lock cmpxchg32 …`, `ldabsw 12`, `ldindh %r2, 4`.
/// - `lddw %r1, 0x1122334455667788`; references (a non-zero src field) are written with the
///   keyword of their ``LoadImmediateKind``: `lddw %r1, map_fd 3`,
///   `lddw %r1, map_value_fd 3+16` (see ``LoadImmediateKind/assemblyKeyword``).
///
/// The first error stops assembly; it names the line (``AssemblerError``).
public enum Assembler {
    /// Assembles `text` into a structurally valid program.
    ///
    /// - Parameters:
    ///   - text: The assembly source.
    ///   - firstLineNumber: The number reported for the first line of `text` (useful when the
    ///     text is a section of a larger file).
    public static func assemble(_ text: String, firstLineNumber: Int = 1) throws(AssemblerError) -> Program {
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        var slots: [Instruction] = []
        // The line (index into `lines`) each slot came from, to report decode errors.
        var slotLines: [Int] = []
        var labels: [String: (slot: Int, line: Int)] = [:]
        var pendingTargets: [PendingTarget] = []
        // The corpus's implicit label: `exit` names the first `exit` instruction.
        var firstExitSlot: Int?

        func located(_ reason: AssemblerError.Reason, atLine lineIndex: Int) -> AssemblerError {
            AssemblerError(line: firstLineNumber + lineIndex, lineText: String(lines[lineIndex]), reason: reason)
        }

        for (lineIndex, line) in lines.enumerated() {
            do throws(AssemblerError.Reason) {
                var rest = stripComment(line).trimmingBlanks()
                while let (label, afterLabel) = try splitLabel(rest) {
                    if let previous = labels[label] {
                        throw .duplicateLabel(label, firstLine: firstLineNumber + previous.line)
                    }
                    labels[label] = (slots.count, lineIndex)
                    rest = afterLabel.trimmingBlanks()
                }
                guard !rest.isEmpty else { continue }
                let encoded = try encodeStatement(rest, atSlot: slots.count)
                if firstExitSlot == nil, encoded.form == .exit { firstExitSlot = slots.count }
                slots.append(contentsOf: encoded.slots)
                slotLines.append(contentsOf: repeatElement(lineIndex, count: encoded.slots.count))
                if var target = encoded.pendingTarget {
                    target.lineIndex = lineIndex
                    pendingTargets.append(target)
                }
            } catch {
                throw located(error, atLine: lineIndex)
            }
        }

        for target in pendingTargets {
            let implicitExit = target.label == implicitExitLabel ? firstExitSlot : nil
            guard let destination = labels[target.label]?.slot ?? implicitExit else {
                throw located(.undefinedLabel(target.label), atLine: target.lineIndex)
            }
            let distance = Int64(destination - (target.slot + 1))
            do throws(AssemblerError.Reason) {
                try store(distance, written: target.label, into: &slots[target.slot], field: target.field)
            } catch {
                throw located(error, atLine: target.lineIndex)
            }
        }

        do {
            return try Program(validating: slots)
        } catch {
            throw located(.invalidProgram(error), atLine: slotLines[min(error.index, slotLines.count - 1)])
        }
    }

    /// The label that, unless a line defines it, names the first `exit` instruction (a
    /// convention of the conformance corpus: `jeq %r1, 0xb, exit`).
    public static let implicitExitLabel = "exit"

    /// A jump or local call whose label is resolved once every label is known.
    struct PendingTarget {
        var slot: Int
        var label: String
        var field: TargetField
        var lineIndex = 0
    }

    /// Where a jump distance is stored.
    enum TargetField {
        /// The signed 16-bit offset field (conditional jumps and `ja`).
        case offset
        /// The 32-bit immediate (`ja32`, `call local`).
        case immediate
    }

    /// Stores a jump distance in `field`, checking that it fits.
    static func store(
        _ distance: Int64, written: String, into instruction: inout Instruction, field: TargetField
    ) throws(AssemblerError.Reason) {
        switch field {
        case .offset:
            guard let offset = Int16(exactly: distance) else {
                throw .jumpOutOfRange(target: written, distance: distance, bits: 16)
            }
            instruction.offset = offset
        case .immediate:
            guard let immediate = Int32(exactly: distance) else {
                throw .jumpOutOfRange(target: written, distance: distance, bits: 32)
            }
            instruction.immediate = immediate
        }
    }

    /// The line without its `#` comment.
    static func stripComment(_ line: Substring) -> Substring {
        guard let hash = line.firstIndex(of: "#") else { return line }
        return line[..<hash]
    }

    /// Splits a leading `label:` off `text`; `nil` when the text has no label.
    static func splitLabel(_ text: Substring) throws(AssemblerError.Reason) -> (String, Substring)? {
        guard let colon = text.firstIndex(of: ":") else { return nil }
        let name = text[..<colon].trimmingBlanks()
        guard isIdentifier(name) else { throw .invalidLabel(String(name)) }
        return (String(name), text[text.index(after: colon)...])
    }

    /// Whether `text` can name a label: letters, digits, `_`, `.` and `$`, not starting with a
    /// digit.
    static func isIdentifier(_ text: Substring) -> Bool {
        guard let first = text.first, !first.isASCIIDigit else { return false }
        return text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "." || $0 == "$") }
    }
}
