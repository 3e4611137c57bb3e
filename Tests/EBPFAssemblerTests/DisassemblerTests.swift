import EBPFAssembler
import EBPFCore
import Testing
import EBPFTestSupport

/// Slots for one instruction of `descriptor` with random operand fields.
func randomSlots(for descriptor: OpcodeDescriptor, using rng: inout SplitMix64) -> [Instruction] {
    let shape = descriptor.shape
    // Mix extreme and ordinary values.
    func int32() -> Int32 {
        [Int32.min, Int32.max, -1, 0, 1, 0xffff, -0x10000, Int32.random(in: .min ... .max, using: &rng)].randomElement(using: &rng)!
    }
    func int16() -> Int16 {
        [Int16.min, Int16.max, -1, 0, Int16.random(in: .min ... .max, using: &rng)].randomElement(using: &rng)!
    }
    var instruction = Instruction(
        opcode: descriptor.opcode,
        dst: shape.usesDst ? UInt8.random(in: 0...maxRegisterNumber, using: &rng) : 0,
        src: shape.usesSource ? UInt8.random(in: 0...maxRegisterNumber, using: &rng) : descriptor.fixedSource,
        offset: shape.usesOffset ? int16() : descriptor.fixedOffset,
        immediate: shape.usesImmediate ? int32() : descriptor.fixedImmediate
    )
    guard shape == .dstWideImmediate else { return [instruction] }
    instruction.src = LoadImmediateKind.allCases.randomElement(using: &rng)!.rawValue
    return [instruction, Instruction(opcode: 0, immediate: int32())]
}

@Suite("Disassembler")
struct DisassemblerTests {
    @Test(arguments: InstructionSet.descriptors)
    func everyTableRowRoundTrips(_ descriptor: OpcodeDescriptor) throws {
        var rng = SplitMix64(seed: UInt64(descriptor.opcode) << 32 | UInt64(UInt32(bitPattern: descriptor.fixedImmediate)))
        for _ in 0..<50 {
            let program = try Program(validating: randomSlots(for: descriptor, using: &rng))
            let lines = Disassembler.disassemble(program)
            #expect(lines.count == 1)
            #expect(lines[0].hasPrefix(descriptor.mnemonic))
            let reassembled = try Assembler.assemble(lines[0])
            #expect(reassembled == program, "\(lines[0])")
        }
    }

    @Test func randomProgramsRoundTrip() throws {
        var rng = SplitMix64(seed: 2024)
        for _ in 0..<20 {
            var slots: [Instruction] = []
            for _ in 0..<100 {
                slots += randomSlots(for: InstructionSet.descriptors.randomElement(using: &rng)!, using: &rng)
            }
            let program = try Program(validating: slots)
            let listing = Disassembler.listing(program)
            let reassembled = try Assembler.assemble(listing.map(\.text).joined(separator: "\n"))
            #expect(reassembled == program)
            // Each listed index is the slot its line's instruction starts at.
            for (index, text) in listing {
                #expect(Disassembler.text(of: program.instructions[index], followedBy: index + 1 < program.count ? program.instructions[index + 1] : nil) == text)
            }
        }
    }

    @Test func listingGivesSlotIndices() throws {
        let program = try Assembler.assemble("mov %r0, 1\nlddw %r1, 0x100000000\nadd %r0, %r1\nexit")
        let listing = Disassembler.listing(program)
        #expect(listing.map(\.index) == [0, 1, 3, 4])
        #expect(listing.map(\.text) == ["mov %r0, 1", "lddw %r1, 0x100000000", "add %r0, %r1", "exit"])
    }

    @Test func slotsOutsideTheTableArePrintedAsInvalid() {
        // Opcode 0xff is in no row; an lddw with no second slot cannot be printed as lddw.
        let program = Program(unchecked: [Instruction(rawValue: 0x0000_0000_0000_00ff), Instruction(rawValue: 0x0000_0001_0000_0018)])
        #expect(Disassembler.disassemble(program) == [".invalid 0x00000000000000ff", ".invalid 0x0000000100000018"])
    }
}
