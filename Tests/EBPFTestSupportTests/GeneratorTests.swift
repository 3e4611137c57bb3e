import EBPFCore
import EBPFTestSupport
import Testing

/// The generator on its own: reproducible, structurally valid, every register written before it
/// is read, every feature reachable, options respected.
@Suite struct GeneratorTests {
    static let configurations: [(name: String, options: RandomProgramGenerator.Options)] = [
        ("default", .default), ("straightLine", .straightLine), ("unsafe", .unsafe),
    ]

    @Test(arguments: configurations.map(\.name))
    func sameSeedGivesSameProgramAndMemory(configuration: String) {
        let generator = RandomProgramGenerator(options: Self.options(configuration))
        for seed in UInt64(0)..<200 {
            let first = generator.generate(seed: seed)
            let second = generator.generate(seed: seed)
            #expect(first.program.bytes == second.program.bytes, "seed \(seed)")
            #expect(first.memory == second.memory, "seed \(seed)")
        }
    }

    @Test(arguments: configurations.map(\.name))
    func differentSeedsGiveDifferentPrograms(configuration: String) {
        let generator = RandomProgramGenerator(options: Self.options(configuration))
        let distinct = Set((UInt64(0)..<300).map { generator.generate(seed: $0).program.bytes })
        #expect(distinct.count == 300)
    }

    @Test(arguments: configurations.map(\.name))
    func everyProgramIsStructurallyValid(configuration: String) throws {
        let generator = RandomProgramGenerator(options: Self.options(configuration))
        for seed in UInt64(0)..<1_000 {
            let generated = generator.generate(seed: seed)
            let slots = generated.program.instructions
            let validated = try Program(validating: slots)
            #expect(validated.bytes == generated.program.bytes)
            // Every jump and call lands on an instruction, and nothing can fall off the end.
            #expect(generated.program.decoded.staticTraps.enumerated().allSatisfy { index, trap in
                trap == nil || (index > 0 && slots[index - 1].opcode == Opcode.lddw)
            }, "seed \(seed)")
            #expect(slots.last?.opcode == Opcode.exit, "seed \(seed)")
            #expect(generated.memorySize <= 128)
        }
    }

    @Test(arguments: configurations.map(\.name))
    func everyReadRegisterWasWrittenAndNoPointerIsUsedAsAScalar(configuration: String) {
        let generator = RandomProgramGenerator(options: Self.options(configuration))
        for seed in UInt64(0)..<1_000 {
            let generated = generator.generate(seed: seed)
            let violations = DefinednessChecker(generated.program).violations()
            #expect(violations.isEmpty, "seed \(seed): \(violations)")
        }
    }

    @Test func definednessCheckerCatchesAReadOfAnUnwrittenRegister() throws {
        // mov r0, r3 (r3 never written); exit
        let program = try Program(validating: [
            Instruction(opcode: 0xbf, dst: 0, src: 3), Instruction(opcode: Opcode.exit),
        ])
        #expect(DefinednessChecker(program).violations().map(\.pc) == [0])
        // mov r1, 7; call 1 (test_mix2 reads r1 and r2, both written); a second call reads the
        // registers the first one clobbered.
        let afterCall = try Program(validating: [
            Instruction(opcode: 0xb7, dst: 1, immediate: 7),
            Instruction(opcode: Opcode.call, immediate: 1), Instruction(opcode: Opcode.call, immediate: 1),
            Instruction(opcode: Opcode.exit),
        ])
        #expect(DefinednessChecker(afterCall).violations().map(\.pc) == [2])
        // mov r2, r1 copies the memory pointer; add r2, 1 then treats it as a scalar.
        let pointerArithmetic = try Program(validating: [
            Instruction(opcode: 0xbf, dst: 2, src: 1), Instruction(opcode: 0x07, dst: 2, immediate: 1),
            Instruction(opcode: 0xb7, dst: 0), Instruction(opcode: Opcode.exit),
        ])
        #expect(DefinednessChecker(pointerArithmetic).violations().map(\.pc) == [1])
    }

    /// Over a few thousand programs the generator emits every row of the instruction table.
    @Test func defaultOptionsCoverTheWholeInstructionTable() {
        let generator = RandomProgramGenerator()
        var seen = Set<OpcodeDescriptor>()
        for seed in UInt64(0)..<3_000 {
            let slots = generator.generate(seed: seed).program.instructions
            var index = 0
            while index < slots.count {
                if let descriptor = InstructionSet.descriptor(for: slots[index]) { seen.insert(descriptor) }
                index += slots[index].opcode == Opcode.lddw ? 2 : 1
            }
        }
        let missing = InstructionSet.descriptors.filter { !seen.contains($0) }.map(\.mnemonic)
        #expect(missing.isEmpty, "never generated: \(missing)")
    }

    @Test func straightLineOptionsHaveNoBackEdgesAndNoCalls() {
        let generator = RandomProgramGenerator(options: .straightLine)
        for seed in UInt64(0)..<500 {
            let program = generator.generate(seed: seed).program
            for (index, slot) in program.instructions.enumerated() {
                if let target = program.decoded[index]?.branchTarget { #expect(target > index, "seed \(seed) at \(index)") }
                #expect(slot.opcode != Opcode.call && slot.opcode != Opcode.callx, "seed \(seed) at \(index)")
            }
        }
    }

    @Test func memorySizeAndFunctionCountFollowTheOptions() {
        var options = RandomProgramGenerator.Options()
        options.memorySize = 40...48
        options.maxLocalFunctions = 2
        let generator = RandomProgramGenerator(options: options)
        var sawLocalFunction = false
        for seed in UInt64(0)..<300 {
            let generated = generator.generate(seed: seed)
            #expect((40...48).contains(generated.memorySize))
            #expect((1...3).contains(generated.functionCount))
            sawLocalFunction = sawLocalFunction || generated.functionCount > 1
            #expect(!generated.containsHazards)
        }
        #expect(sawLocalFunction)
    }

    @Test func kernelCompatibleImmediatesAvoidOversizedShiftsAndZeroDivisors() {
        var options = RandomProgramGenerator.Options()
        options.kernelCompatibleImmediates = true
        let generator = RandomProgramGenerator(options: options)
        for seed in UInt64(0)..<500 {
            for slot in generator.generate(seed: seed).program.instructions {
                let cls = slot.opcode & 0x07
                guard cls == InstructionClass.alu.rawValue || cls == InstructionClass.alu64.rawValue,
                    slot.opcode & 0x08 == 0
                else { continue }
                let operation = slot.opcode & 0xf0
                let width: Int32 = cls == InstructionClass.alu64.rawValue ? 64 : 32
                if [ALUOperation.lsh, .rsh, .arsh].map(\.rawValue).contains(operation) {
                    #expect((0..<width).contains(slot.immediate), "seed \(seed): \(slot)")
                }
                if [ALUOperation.div, .mod].map(\.rawValue).contains(operation) {
                    #expect(slot.immediate != 0, "seed \(seed): \(slot)")
                }
            }
        }
    }

    @Test func unsafeOptionsPlantHazardsAndSafeOptionsDoNot() {
        let unsafe = RandomProgramGenerator(options: .unsafe)
        let hazardous = (UInt64(0)..<200).filter { unsafe.generate(seed: $0).containsHazards }.count
        #expect(hazardous > 100)
        let safe = RandomProgramGenerator()
        #expect((UInt64(0)..<200).allSatisfy { !safe.generate(seed: $0).containsHazards })
    }

    static func options(_ name: String) -> RandomProgramGenerator.Options {
        configurations.first { $0.name == name }!.options
    }
}
