import EBPFCore
import Testing

/// The typed operation of single slots, with the expected values written from RFC 9669's
/// encoding (not derived from the instruction table), one case per instruction form.
@Suite("DecodedOperation of one slot")
struct DecodedOperationTests {
    static let cases: [(String, [Instruction], DecodedOperation)] = [
        ("add r1, 5", [Instruction(opcode: 0x07, dst: 1, immediate: 5)], .alu(.add, .bits64, dst: 1, source: .immediate(5))),
        ("add r1, r2", [Instruction(opcode: 0x0f, dst: 1, src: 2)], .alu(.add, .bits64, dst: 1, source: .register(2))),
        ("sub32 r3, -1", [Instruction(opcode: 0x14, dst: 3, immediate: -1)], .alu(.sub, .bits32, dst: 3, source: .immediate(-1))),
        ("div r1, r2", [Instruction(opcode: 0x3f, dst: 1, src: 2)], .alu(.div, .bits64, dst: 1, source: .register(2))),
        ("sdiv r1, r2", [Instruction(opcode: 0x3f, dst: 1, src: 2, offset: 1)], .alu(.sdiv, .bits64, dst: 1, source: .register(2))),
        ("smod32 r4, 7", [Instruction(opcode: 0x94, dst: 4, offset: 1, immediate: 7)], .alu(.smod, .bits32, dst: 4, source: .immediate(7))),
        ("mod32 r4, r5", [Instruction(opcode: 0x9c, dst: 4, src: 5)], .alu(.mod, .bits32, dst: 4, source: .register(5))),
        ("arsh r9, 63", [Instruction(opcode: 0xc7, dst: 9, immediate: 63)], .alu(.arsh, .bits64, dst: 9, source: .immediate(63))),
        ("mov r0, r10", [Instruction(opcode: 0xbf, dst: 0, src: 10)], .alu(.mov, .bits64, dst: 0, source: .register(10))),
        ("mov32 r0, 1", [Instruction(opcode: 0xb4, immediate: 1)], .alu(.mov, .bits32, dst: 0, source: .immediate(1))),
        ("neg r2", [Instruction(opcode: 0x87, dst: 2)], .negate(.bits64, dst: 2)),
        ("neg32 r2", [Instruction(opcode: 0x84, dst: 2)], .negate(.bits32, dst: 2)),
        ("movsx32 r1, r2 (64-bit target)", [Instruction(opcode: 0xbf, dst: 1, src: 2, offset: 32)], .moveSignExtended(.bits64, dst: 1, src: 2, fromBits: 32)),
        ("movsx8 to 32 r1, r2", [Instruction(opcode: 0xbc, dst: 1, src: 2, offset: 8)], .moveSignExtended(.bits32, dst: 1, src: 2, fromBits: 8)),
        ("le16 r3", [Instruction(opcode: 0xd4, dst: 3, immediate: 16)], .byteSwap(ByteSwap(.toLittleEndian, bits: 16), dst: 3)),
        ("be64 r3", [Instruction(opcode: 0xdc, dst: 3, immediate: 64)], .byteSwap(ByteSwap(.toBigEndian, bits: 64), dst: 3)),
        ("bswap32 r3", [Instruction(opcode: 0xd7, dst: 3, immediate: 32)], .byteSwap(ByteSwap(.unconditional, bits: 32), dst: 3)),
        ("lddw r1, 0x1122334455667788",
         [Instruction(opcode: 0x18, dst: 1, immediate: 0x5566_7788), Instruction(opcode: 0, immediate: 0x1122_3344)],
         .loadImmediate64(dst: 1, kind: .constant, value: 0x1122_3344_5566_7788)),
        ("lddw r1, map_value[fd 3] + 8",
         [Instruction(opcode: 0x18, dst: 1, src: 2, immediate: 3), Instruction(opcode: 0, immediate: 8)],
         .loadImmediate64(dst: 1, kind: .mapValueByFD, value: 8 << 32 | 3)),
        ("ldxw r0, [r1+4]", [Instruction(opcode: 0x61, dst: 0, src: 1, offset: 4)], .load(.word, dst: 0, base: 1, offset: 4, signExtends: false)),
        ("ldxsh r0, [r1-2]", [Instruction(opcode: 0x89, dst: 0, src: 1, offset: -2)], .load(.half, dst: 0, base: 1, offset: -2, signExtends: true)),
        ("stb [r10-1], 7", [Instruction(opcode: 0x72, dst: 10, offset: -1, immediate: 7)], .store(.byte, base: 10, offset: -1, value: .immediate(7))),
        ("stxdw [r10-8], r6", [Instruction(opcode: 0x7b, dst: 10, src: 6, offset: -8)], .store(.double, base: 10, offset: -8, value: .register(6))),
        ("lock add [r1+0], r2", [Instruction(opcode: 0xdb, dst: 1, src: 2, immediate: 0x00)], .atomic(.add, .double, base: 1, offset: 0, src: 2)),
        ("lock fetch xor32 [r1+8], r3", [Instruction(opcode: 0xc3, dst: 1, src: 3, offset: 8, immediate: 0xa1)], .atomic(.fetchXor, .word, base: 1, offset: 8, src: 3)),
        ("lock cmpxchg [r1+0], r2", [Instruction(opcode: 0xdb, dst: 1, src: 2, immediate: 0xf1)], .atomic(.cmpxchg, .double, base: 1, offset: 0, src: 2)),
        ("ldabsh 12", [Instruction(opcode: 0x28, immediate: 12)], .packetLoad(.half, index: nil, immediate: 12)),
        ("ldindb r2, 3", [Instruction(opcode: 0x50, src: 2, immediate: 3)], .packetLoad(.byte, index: 2, immediate: 3)),
        ("ja +2 at 0", [Instruction(opcode: 0x05, offset: 2)], .jump(target: 3)),
        ("ja32 -1 at 0 (gotol)", [Instruction(opcode: 0x06, immediate: -1)], .jump(target: 0)),
        ("jeq r1, 5, +1", [Instruction(opcode: 0x15, dst: 1, offset: 1, immediate: 5)], .conditionalJump(.eq, .bits64, dst: 1, source: .immediate(5), target: 2)),
        ("jsgt r1, r2, -1", [Instruction(opcode: 0x6d, dst: 1, src: 2, offset: -1)], .conditionalJump(.sgt, .bits64, dst: 1, source: .register(2), target: 0)),
        ("jset32 r3, 0x80, +4", [Instruction(opcode: 0x46, dst: 3, offset: 4, immediate: 0x80)], .conditionalJump(.set, .bits32, dst: 3, source: .immediate(0x80), target: 5)),
        ("jle32 r3, r4, +0", [Instruction(opcode: 0xbe, dst: 3, src: 4)], .conditionalJump(.le, .bits32, dst: 3, source: .register(4), target: 1)),
        ("call 1", [Instruction(opcode: 0x85, immediate: 1)], .callHelper(1)),
        ("call local +3", [Instruction(opcode: 0x85, src: 1, immediate: 3)], .callLocal(target: 4)),
        ("callx r2", [Instruction(opcode: 0x8d, dst: 2)], .callRegister(2)),
        ("exit", [Instruction(opcode: 0x95)], .exit),
    ]

    @Test(arguments: cases)
    func decodesToTheTypedOperation(name: String, slots: [Instruction], expected: DecodedOperation) throws {
        let program = try Program(validating: slots)
        #expect(program.decoded[0] == expected, "\(name)")
        if slots.count == 2 { #expect(program.decoded.slots[1] == .wideSecondHalf) }
    }

    /// Every row of the table decodes, and no two rows decode to the same operation: a row whose
    /// form were wrong (say `sdiv` decoded as `div`) would collide with another.
    @Test func everyRowDecodesToADistinctOperation() throws {
        var seen: [DecodedOperation: String] = [:]
        for descriptor in InstructionSet.descriptors {
            var slot = Instruction(opcode: descriptor.opcode)
            if descriptor.shape.usesDst { slot.dst = 1 }
            if descriptor.shape.usesSource { slot.src = 2 }
            slot.offset = descriptor.shape.usesOffset ? 3 : descriptor.fixedOffset
            slot.immediate = descriptor.shape.usesImmediate ? 4 : descriptor.fixedImmediate
            if !descriptor.shape.usesSource && descriptor.shape != .dstWideImmediate { slot.src = descriptor.fixedSource }
            let slots = descriptor.shape == .dstWideImmediate ? [slot, Instruction(opcode: 0)] : [slot]
            let program = try Program(validating: slots)
            let operation = try #require(program.decoded[0], "\(descriptor.mnemonic)")
            let shapeKey = "\(descriptor.mnemonic) \(descriptor.shape)"
            #expect(seen[operation] == nil, "\(shapeKey) decodes like \(seen[operation] ?? "")")
            seen[operation] = shapeKey
        }
        #expect(seen.count == InstructionSet.descriptors.count)
    }

    @Test(arguments: [
        (DecodedOperation.alu(.add, .bits64, dst: 1, source: .register(2)), RegisterMask([.register(1), .register(2)]), RegisterMask.register(1)),
        (.alu(.mov, .bits32, dst: 1, source: .register(2)), .register(2), .register(1)),
        (.alu(.mov, .bits64, dst: 3, source: .immediate(0)), [], .register(3)),
        (.store(.word, base: 10, offset: -4, value: .register(6)), [.register(10), .register(6)], []),
        (.atomic(.cmpxchg, .double, base: 1, offset: 0, src: 2), [.register(0), .register(1), .register(2)], .register(0)),
        (.atomic(.fetchAdd, .word, base: 1, offset: 0, src: 2), [.register(1), .register(2)], .register(2)),
        (.callHelper(1), .arguments, .callerSaved),
        (.exit, .register(0), []),
        (.packetLoad(.word, index: 4, immediate: 0), .register(4), .register(0)),
    ] as [(DecodedOperation, RegisterMask, RegisterMask)])
    func registerEffects(operation: DecodedOperation, reads: RegisterMask, writes: RegisterMask) {
        let effects = operation.registerEffects
        #expect(effects.reads == reads)
        #expect(effects.writes == writes)
    }

    @Test(arguments: [
        // (condition, width, lhs, rhs, holds)
        (BranchCondition.gt, ALUWidth.bits64, UInt64.max, UInt64(1), true),
        (.sgt, .bits64, UInt64.max, 1, false),               // -1 > 1 is false signed
        (.gt, .bits32, 0x1_0000_0000, 1, false),            // low halves 0 > 1
        (.slt, .bits32, 0x0000_0000_8000_0000, 0, true),     // INT32_MIN < 0
        (.set, .bits32, 0xff00_0000_0000, 0xff00_0000_0000, false),
        (.eq, .bits32, 0xdead_0000_0005, 5, true),
        (.sle, .bits64, 0x8000_0000_0000_0000, 0x7fff_ffff_ffff_ffff, true),
    ] as [(BranchCondition, ALUWidth, UInt64, UInt64, Bool)])
    func branchConditions(condition: BranchCondition, width: ALUWidth, lhs: UInt64, rhs: UInt64, expected: Bool) {
        #expect(condition.holds(lhs, rhs, width: width) == expected)
        if let negated = condition.negated {
            #expect(negated.holds(lhs, rhs, width: width) == !expected)
        }
        #expect(condition.swapped.holds(rhs, lhs, width: width) == expected)
    }
}
