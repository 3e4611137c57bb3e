/// A program decoded once for every stage: each slot's typed ``DecodedOperation``, the
/// invalid-instruction traps that need no run to find, and the control-flow graph. The
/// interpreter, the verifier and the JIT all work from it; none of them reads opcode bits.
///
/// Every ``Program`` carries its decoded form (``Program/decoded``), computed when the program is
/// built, so a pipeline that verifies, compiles and runs a program decodes it exactly once.
///
/// Static traps, which every engine raises identically and lazily (nothing traps until control
/// gets there):
/// - a slot the decoder rejects (``DecodedSlot/invalid``) traps at its own index when reached;
/// - an `lddw` whose kind is not ``LoadImmediateKind/constant`` (an unresolved map or variable
///   reference) traps at its own index when reached, except a function address
///   (``LoadImmediateKind/codeAddress``), which traps only when its target is bad (below) or its
///   high half is not zero; it loads the target's slot index;
/// - a jump, conditional jump, `call local` or function-address `lddw` whose target is outside the program or is the
///   second slot of an `lddw` traps at its own index when taken (for a conditional jump: only
///   when its condition holds);
/// - running past the last slot traps at index `count` (``fellOffEndTrap``).
public struct DecodedProgram: Sendable {
    /// The slots as encoded.
    public let instructions: [Instruction]
    /// What each slot holds.
    public let slots: [DecodedSlot]
    /// For each slot, the trap raised when control reaches it (for a jump, conditional jump or
    /// `call local`: when it is taken), or `nil`. The second slot of an `lddw` has one too,
    /// although control never reaches it (a jump into it traps at the jump).
    public let staticTraps: [ExecutionTrap?]
    /// The first error in slot order that ``Program/init(validating:)`` reports, or `nil` when
    /// every slot decodes.
    public let decodeError: DecodeError?
    /// Basic blocks, edges, loop heads and subprograms.
    public let controlFlow: ControlFlowGraph

    /// Decodes `instructions`; slots the decoder rejects become ``DecodedSlot/invalid`` with a
    /// static trap, and the first such error is kept in ``decodeError``.
    public init(_ instructions: [Instruction]) {
        let count = instructions.count
        var slots = [DecodedSlot](repeating: .invalid, count: count)
        var traps = [ExecutionTrap?](repeating: nil, count: count)
        var firstError: DecodeError?
        var index = 0
        while index < count {
            let slot = instructions[index]
            do throws(DecodeError) {
                let descriptor = try Program.validate(slot, at: index)
                var next: Instruction?
                if descriptor.shape == .dstWideImmediate {
                    guard index + 1 < count else { throw .missingWideSecondHalf(index: index) }
                    let second = instructions[index + 1]
                    guard second.opcode == 0, second.registers == 0, second.offset == 0 else {
                        throw .malformedWideSecondHalf(index: index)
                    }
                    next = second
                }
                let operation = descriptor.operation(of: slot, at: index, next: next)
                slots[index] = .operation(operation)
                if case .loadImmediate64(_, let kind, let value) = operation {
                    if kind == .codeAddress {
                        // A function's address (the kernel's BPF_PSEUDO_FUNC): the immediate is
                        // relative to the next slot, as a `call local`'s; checked below.
                        if value >> 32 != 0 {
                            traps[index] = .invalidInstruction(
                                pc: index, reason: "lddw of a function address has a nonzero high half")
                        }
                    } else if kind != .constant {
                        traps[index] = .invalidInstruction(
                            pc: index,
                            reason: "lddw with src \(slot.src) (a map or address reference) is not supported")
                    }
                    slots[index + 1] = .wideSecondHalf
                    traps[index + 1] = .invalidInstruction(
                        pc: index + 1, reason: "slot \(index + 1) is the second half of the lddw at \(index)")
                    index += 2
                } else {
                    index += 1
                }
            } catch {
                if firstError == nil { firstError = error }
                traps[index] = .invalidInstruction(pc: index, reason: Self.malformedReason(error))
                index += 1
            }
        }
        // Jump and call targets, and the targets of function addresses.
        for index in 0..<count where traps[index] == nil {
            guard case .operation(let operation) = slots[index],
                let target = operation.branchTarget ?? Self.functionAddressTarget(of: operation, at: index)
            else { continue }
            let what = switch operation {
            case .callLocal: "call"
            case .loadImmediate64: "function address"
            default: "jump"
            }
            if target < 0 || target >= count {
                traps[index] = .invalidInstruction(
                    pc: index, reason: "\(what) target \(target) is outside the program (\(count) slots)")
            } else if slots[target] == .wideSecondHalf {
                traps[index] = .invalidInstruction(
                    pc: index, reason: "\(what) target \(target) is the second half of an lddw")
            }
        }
        self.instructions = instructions
        self.slots = slots
        self.staticTraps = traps
        self.decodeError = firstError
        self.controlFlow = ControlFlowGraph(slots: slots, staticTraps: traps)
    }

    /// The slot a function-address `lddw` (``LoadImmediateKind/codeAddress``, the kernel's
    /// `BPF_PSEUDO_FUNC`) at `pc` names: `pc + 1 + immediate`, as for a `call local`; `nil` for any
    /// other operation. The target may be invalid (the slot then has a static trap).
    @inlinable
    public static func functionAddressTarget(of operation: DecodedOperation, at pc: Int) -> Int? {
        guard case .loadImmediate64(_, .codeAddress, let value) = operation else { return nil }
        return pc + 1 + Int(Int32(truncatingIfNeeded: value))
    }

    /// The function a function-address `lddw` at `pc` names (see
    /// ``functionAddressTarget(of:at:)``), or `nil` when slot `pc` holds no such `lddw`.
    @inlinable public func functionAddressTarget(at pc: Int) -> Int? {
        guard pc >= 0, pc < slots.count, let operation = slots[pc].operation else { return nil }
        return Self.functionAddressTarget(of: operation, at: pc)
    }

    /// Number of 8-byte slots.
    @inlinable public var count: Int { slots.count }

    /// The operation at `pc`, or `nil` for a second half or an invalid slot.
    @inlinable public subscript(pc: Int) -> DecodedOperation? { slots[pc].operation }

    /// Whether control may be transferred to `target`: inside the program and not the second
    /// slot of an `lddw` (an invalid slot is a valid target; it traps when reached).
    @inlinable public func isValidTarget(_ target: Int) -> Bool {
        target >= 0 && target < slots.count && slots[target] != .wideSecondHalf
    }

    /// The trap for running past the last slot: its `pc` is ``count``.
    public var fellOffEndTrap: ExecutionTrap { .fellOffEnd(programCount: count) }

    /// A trap reason for a slot the decoder rejects; the slot index is the trap's `pc`, so it is not
    /// repeated here.
    static func malformedReason(_ error: DecodeError) -> String {
        switch error {
        case .truncated:
            "truncated instruction"
        case .unknownOpcode(_, let opcode):
            "unknown opcode 0x\(hex2(opcode))"
        case .reservedField(_, let opcode, let field, let value):
            "opcode 0x\(hex2(opcode)): reserved or invalid \(field.rawValue) field \(value)"
        case .invalidRegister(_, let field, let register):
            "invalid \(field.rawValue) register r\(register)"
        case .missingWideSecondHalf:
            "lddw is missing its second slot"
        case .malformedWideSecondHalf:
            "second slot of lddw must have opcode, registers and offset zero"
        }
    }
}

extension ExecutionTrap {
    /// The trap for running past the last slot of a program of `programCount` slots: its `pc` is
    /// `programCount`, the index control would have executed next.
    public static func fellOffEnd(programCount: Int) -> ExecutionTrap {
        .invalidInstruction(pc: programCount, reason: "execution ran past the last instruction")
    }
}
