import EBPFAssembler
import EBPFCore
@testable import EBPFInterpreter
import EBPFTestSupport
import Foundation
import Testing

/// One conditional-jump form of the decoded program: a ``BranchCondition`` at a width, comparing
/// with a register or the immediate.
struct BranchForm: Sendable, CustomTestStringConvertible {
    let condition: BranchCondition
    let width: ALUWidth
    let usesRegister: Bool

    /// Every condition × 32/64 bits × immediate/register.
    static let all: [BranchForm] = BranchCondition.allCases.flatMap { condition in
        [ALUWidth.bits64, .bits32].flatMap { width in
            [false, true].map { BranchForm(condition: condition, width: width, usesRegister: $0) }
        }
    }

    var mnemonic: String {
        let base = switch condition {
        case .eq: "jeq"
        case .ne: "jne"
        case .set: "jset"
        case .gt: "jgt"
        case .ge: "jge"
        case .lt: "jlt"
        case .le: "jle"
        case .sgt: "jsgt"
        case .sge: "jsge"
        case .slt: "jslt"
        case .sle: "jsle"
        }
        return width == .bits32 ? base + "32" : base
    }

    var testDescription: String { mnemonic + (usesRegister ? " reg" : " imm") }

    /// Slots 0-1 `lddw r1`, 2-3 `lddw r2`, 4 `mov r0, 1`, 5 the jump (`displacement` from slot 6),
    /// 6 `mov r0, 0`, 7 `exit`: R0 = 1 when a jump to slot 7 is taken.
    func program(displacement: Int = 1) throws -> Program {
        let operand = usesRegister ? "%r2" : "0"
        return try Assembler.assemble(
            "lddw %r1, 0\nlddw %r2, 0\nmov %r0, 1\n\(mnemonic) %r1, \(operand), +\(displacement)\nmov %r0, 0\nexit")
    }

    /// The program comparing `lhs` with `rhs` (for the immediate form, `rhs` truncated to 32 bits).
    func program(_ lhs: UInt64, _ rhs: UInt64, displacement: Int = 1) throws -> Program {
        let template = try program(displacement: displacement).settingWideImmediate(at: 0, to: lhs)
        return usesRegister
            ? template.settingWideImmediate(at: 2, to: rhs)
            : template.settingImmediate(at: 5, to: Int32(truncatingIfNeeded: rhs))
    }

    /// Whether the jump is taken, from the independent rules of ``JumpRule`` (isa.md): the
    /// immediate is sign-extended, and the 32-bit forms compare the low halves sign-extended
    /// (which keeps both their unsigned and their signed order).
    func holds(_ lhs: UInt64, _ rhs: UInt64) -> Bool {
        let rule = JumpRule.all.first { $0.mnemonic + (width == .bits32 ? "32" : "") == mnemonic }!
        let right = usesRegister ? rhs : UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: rhs)))
        guard width == .bits32 else { return rule.holds(lhs, right) }
        func low(_ value: UInt64) -> UInt64 { UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: value))) }
        return rule.holds(low(lhs), low(right))
    }
}

/// The interpreter builds its dispatch slots from ``Program/decoded``, never from opcode bits.
/// These check the translation of every conditional-jump form (placement of operands, distinct
/// cases, run-time meaning, the bad-target marker) and that superinstructions are still formed
/// from decoded patterns and compute exactly what the unfused slots compute.
@Suite("Dispatch translation")
struct DispatchTranslationTests {
    /// Operands where unsigned and signed orders disagree and values differ only in the upper half.
    static let operands: [UInt64] = [
        0, 1, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff, 0x1_0000_0000, 0xffff_ffff_0000_0005,
        0x7fff_ffff_ffff_ffff, 0x8000_0000_0000_0000, 0xffff_ffff_ffff_ffff,
    ]

    // MARK: Conditional jumps

    /// The decoded jump becomes a slot with dst in the low nibble, the register or immediate
    /// operand, and the displacement to its target; it then jumps exactly when the condition holds.
    @Test(arguments: BranchForm.all)
    func conditionalJump(_ form: BranchForm) throws {
        let program = try form.program(0x1234, 0xfffe)
        let source: Operand = form.usesRegister ? .register(2) : .immediate(0xfffe)
        #expect(program.decoded[5] == .conditionalJump(form.condition, form.width, dst: 1, source: source, target: 7))

        let slot = Interpreter(program: program).dispatchSlots[5]
        #expect(slot.operation == DispatchOperation.conditionalJump(form.condition, form.width, source: source))
        #expect(slot.registers == (form.usesRegister ? 0x21 : 0x01))
        #expect(slot.offset == 1)
        #expect(slot.immediate == (form.usesRegister ? 0 : 0xfffe))

        for a in Self.operands {
            for b in Self.operands {
                let expected: UInt64 = form.holds(a, b) ? 1 : 0
                #expect(try result(form.program(a, b)) == expected, "0x\(String(a, radix: 16)) 0x\(String(b, radix: 16))")
            }
        }
    }

    /// The 44 forms are 44 different dispatch cases, none of them a marker.
    @Test func conditionalJumpFormsAreDistinct() {
        let cases = BranchForm.all.map { form in
            DispatchOperation.conditionalJump(
                form.condition, form.width, source: form.usesRegister ? .register(2) : .immediate(0))
        }
        #expect(Set(cases).count == BranchForm.all.count)
        #expect(!cases.contains(.trap) && !cases.contains(.conditionalJumpToBadTarget))
    }

    /// A conditional jump past the end becomes the bad-target marker, which evaluates the decoded
    /// condition on the cold path: the jump's static trap when taken, fall through otherwise.
    @Test(arguments: BranchForm.all)
    func badTargetTrapsOnlyWhenTaken(_ form: BranchForm) throws {
        let template = try form.program(displacement: 100)
        #expect(Interpreter(program: template).dispatchSlots[5].operation == .conditionalJumpToBadTarget)
        let trap = try #require(template.decoded.staticTraps[5])
        for a in Self.operands {
            for b in Self.operands {
                var memory: [UInt8] = []
                let outcome = run(try form.program(a, b, displacement: 100), memory: &memory)
                let expected: RunOutcome = form.holds(a, b) ? .failure(trap) : .success(0)
                #expect(outcome == expected, "0x\(String(a, radix: 16)) 0x\(String(b, radix: 16))")
            }
        }
    }

    // MARK: ALU

    /// Every operator × width × operand kind has a case of its own.
    @Test func aluFormsAreDistinct() {
        let cases = BinaryOperator.allCases.flatMap { op in
            [ALUWidth.bits64, .bits32].flatMap { width in
                [Operand.immediate(0), .register(2)].map { DispatchOperation.alu(op, width, source: $0) }
            }
        }
        #expect(Set(cases).count == BinaryOperator.allCases.count * 4)
        #expect(!cases.contains(.trap))
    }

    // MARK: Superinstructions

    /// A fusable second slot (on r3, operand r2 or an immediate) and the superinstruction it forms
    /// after `mov %r3, %r1`.
    struct FusedPair: Sendable, CustomTestStringConvertible {
        let mnemonic: String
        let usesRegister: Bool
        let fused: DispatchOperation

        var testDescription: String { mnemonic + (usesRegister ? " reg" : " imm") }

        /// Slots 0-1 `lddw r1`, 2-3 `lddw r2`, 4 `mov r3, r1`, 5 the operation on r3, 6 `mov r0, r3`,
        /// 7 `exit`.
        func program(_ a: UInt64, _ b: UInt64) throws -> Program {
            let operand = usesRegister ? "%r2" : "0"
            let template = try Assembler.assemble(
                "lddw %r1, 0\nlddw %r2, 0\nmov %r3, %r1\n\(mnemonic) %r3, \(operand)\nmov %r0, %r3\nexit")
                .settingWideImmediate(at: 0, to: a)
            return usesRegister
                ? template.settingWideImmediate(at: 2, to: b)
                : template.settingImmediate(at: 5, to: Int32(truncatingIfNeeded: b))
        }
    }

    static let fusedPairs: [FusedPair] = [
        FusedPair(mnemonic: "add", usesRegister: false, fused: .movAddImm),
        FusedPair(mnemonic: "add", usesRegister: true, fused: .movAddReg),
        FusedPair(mnemonic: "sub", usesRegister: true, fused: .movSubReg),
        FusedPair(mnemonic: "mul", usesRegister: false, fused: .movMulImm),
        FusedPair(mnemonic: "and", usesRegister: false, fused: .movAndImm),
        FusedPair(mnemonic: "or", usesRegister: true, fused: .movOrReg),
        FusedPair(mnemonic: "xor", usesRegister: true, fused: .movXorReg),
        FusedPair(mnemonic: "lsh", usesRegister: false, fused: .movLshImm),
        FusedPair(mnemonic: "rsh", usesRegister: false, fused: .movRshImm),
        FusedPair(mnemonic: "arsh", usesRegister: false, fused: .movArshImm),
    ]

    /// Second operands at the edges: shift counts at and past the width (masked), sign bits, the
    /// 32-bit immediate extremes.
    static let secondOperands: [UInt64] = [
        0, 1, 31, 32, 63, 64, 65, 0x6c, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff, 0x8000_0000_0000_0000,
        0xffff_ffff_ffff_ffff,
    ]

    /// The pair is fused on its first slot, the second slot keeps its own operation, and the fused
    /// program returns and counts exactly what the unfused slots do.
    @Test(arguments: fusedPairs)
    func pairIsFusedAndComputesLikeTwoSlots(_ pair: FusedPair) throws {
        for a in Self.operands {
            for b in Self.secondOperands {
                let program = try pair.program(a, b)
                let interpreter = Interpreter(program: program)
                let unfused = DispatchSlot.slots(of: program.decoded)
                #expect(interpreter.dispatchSlots[4].operation == pair.fused)
                #expect(unfused[4].operation == .movReg)
                #expect(sameSlot(interpreter.dispatchSlots[5], unfused[5]))

                let fusedRun = try interpreter.runReportingCount(memory: UnsafeMutableRawBufferPointer(start: nil, count: 0), stack: nil)
                let unfusedRun = try Self.runDispatchLoop(interpreter, slots: unfused)
                #expect(fusedRun.result == unfusedRun.result, "0x\(String(a, radix: 16)) 0x\(String(b, radix: 16))")
                #expect(fusedRun.executed == unfusedRun.executed)
                #expect(fusedRun.executed == 6)
            }
        }
    }

    /// Pairs the decoded patterns exclude keep their slots as translated.
    @Test(arguments: [
        "mov32 %r3, %r1\nadd %r3, 5",  // 32-bit mov
        "mov %r3, 7\nadd %r3, 5",  // mov of an immediate
        "mov %r3, %r1\nadd %r4, 5",  // different destination
        "mov %r3, %r1\nadd32 %r3, 5",  // 32-bit operation
        "mov %r3, %r1\nsub %r3, 5",  // no superinstruction for this operand kind
        "mov %r3, %r1\ndiv %r3, %r2",  // no superinstruction for this operator
        "movsx864 %r3, %r1\nadd %r3, 5",  // sign-extending move
    ])
    func pairIsNotFused(_ pair: String) throws {
        let program = try Assembler.assemble("mov %r1, 9\nmov %r2, 2\n\(pair)\nmov %r0, %r3\nexit")
        let slots = Interpreter(program: program).dispatchSlots
        let unfused = DispatchSlot.slots(of: program.decoded)
        for index in slots.indices {
            #expect(sameSlot(slots[index], unfused[index]), "slot \(index)")
        }
    }

    // MARK: Sources

    /// No interpreter source reads an instruction's encoding: the opcode byte or its class,
    /// operation and source bits, raw values of the encoding enums, hex opcode patterns or the
    /// encoded slots (only the decoded program).
    @Test func interpreterSourcesReadOnlyTheDecodedProgram() throws {
        let folder = RepositoryLayout.url("Sources/EBPFInterpreter")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".swift") }
        #expect(names.count > 5)
        let forbidden = [
            ".opcode", "Opcode.", "rawValue", "instructionClass", "case 0x", "OperandSource", "CallKind",
            ".instructions",
        ]
        for name in names {
            let text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
            for pattern in forbidden {
                #expect(!text.contains(pattern), "\(name) contains \(pattern)")
            }
        }
    }

    /// Runs `slots` (built for `interpreter`'s program, no helper calls) in its dispatch loop with
    /// no input memory.
    static func runDispatchLoop(_ interpreter: Interpreter, slots: [DispatchSlot]) throws(ExecutionTrap) -> (result: UInt64, executed: UInt64) {
        try StackArea.withZeroFilled { (stack) throws(ExecutionTrap) in
            try slots.withUnsafeBufferPointer { (buffer) throws(ExecutionTrap) in
                try interpreter.dispatchLoop(
                    slots: buffer, space: AddressSpace(memory: UnsafeMutableRawBufferPointer(start: nil, count: 0), stack: stack))
            }
        }
    }
}

/// Whether two dispatch slots are the same operation with the same operands.
func sameSlot(_ lhs: DispatchSlot, _ rhs: DispatchSlot) -> Bool {
    lhs.operation == rhs.operation && lhs.registers == rhs.registers && lhs.offset == rhs.offset
        && lhs.immediate == rhs.immediate
}
