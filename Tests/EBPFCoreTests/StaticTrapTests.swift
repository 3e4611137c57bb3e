import EBPFCore
import Testing

/// The static traps of ``DecodedProgram``: which slots trap, at which pc, with which text.
@Suite("DecodedProgram static traps")
struct StaticTrapTests {
    static let exit = Instruction(opcode: 0x95)

    @Test func validProgramHasNoTraps() throws {
        let program = try Program(validating: [Instruction(opcode: 0xb7, immediate: 1), Self.exit])
        #expect(program.decoded.staticTraps == [nil, nil])
        #expect(program.decoded.decodeError == nil)
        #expect(program.decoded.fellOffEndTrap == .invalidInstruction(pc: 2, reason: "execution ran past the last instruction"))
    }

    @Test func jumpOutsideTheProgramTrapsAtTheJump() {
        let program = Program(unchecked: [Instruction(opcode: 0x05, offset: 5), Self.exit])
        #expect(program.decoded.staticTraps[0] == .invalidInstruction(pc: 0, reason: "jump target 6 is outside the program (2 slots)"))
        #expect(program.decoded.staticTraps[1] == nil)
    }

    @Test func jumpIntoAnLddwSecondHalfTraps() {
        let program = Program(unchecked: [
            Instruction(opcode: 0x15, dst: 1, offset: 1),   // jeq r1, 0, +1 → slot 2
            Instruction(opcode: 0x18, dst: 0, immediate: 1), Instruction(opcode: 0),
            Self.exit,
        ])
        let traps = program.decoded.staticTraps
        #expect(traps[0] == .invalidInstruction(pc: 0, reason: "jump target 2 is the second half of an lddw"))
        #expect(traps[1] == nil)
        #expect(traps[2] == .invalidInstruction(pc: 2, reason: "slot 2 is the second half of the lddw at 1"))
        // The condition may not hold, so the jump keeps its operation and falls through.
        #expect(program.decoded[0] == .conditionalJump(.eq, .bits64, dst: 1, source: .immediate(0), target: 2))
        #expect(program.decoded.controlFlow.blocks[0].successors == [1])
    }

    @Test func mapReferenceTrapsWhereReached() {
        let program = Program(unchecked: [Instruction(opcode: 0x18, dst: 1, src: 1, immediate: 3), Instruction(opcode: 0), Self.exit])
        #expect(program.decoded.staticTraps[0] == .invalidInstruction(
            pc: 0, reason: "lddw with src 1 (a map or address reference) is not supported"))
        #expect(program.isValid)
    }

    @Test func invalidSlotTrapsAndTheNextSlotStandsAlone() {
        // An lddw whose second slot is malformed: the lddw traps, the next slot decodes on its own.
        let program = Program(unchecked: [Instruction(opcode: 0x18, dst: 1, immediate: 1), Self.exit])
        #expect(program.decoded.slots[0] == .invalid)
        #expect(program.decoded.staticTraps[0] == .invalidInstruction(
            pc: 0, reason: "second slot of lddw must have opcode, registers and offset zero"))
        #expect(program.decoded[1] == .exit)
        #expect(program.decoded.decodeError == .malformedWideSecondHalf(index: 0))
        #expect(throws: DecodeError.malformedWideSecondHalf(index: 0)) { try Program(validating: program.instructions) }
    }

    @Test func firstDecodeErrorIsTheOneValidationThrows() {
        let slots = [Self.exit, Instruction(opcode: 0xff), Instruction(opcode: 0x95, dst: 1)]
        let program = Program(unchecked: slots)
        #expect(program.decoded.decodeError == .unknownOpcode(index: 1, opcode: 0xff))
        #expect(program.decoded.staticTraps[1] == .invalidInstruction(pc: 1, reason: "unknown opcode 0xff"))
        #expect(program.decoded.staticTraps[2] == .invalidInstruction(pc: 2, reason: "opcode 0x95: reserved or invalid dst field 1"))
    }
}
