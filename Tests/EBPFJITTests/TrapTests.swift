import Testing
import EBPFCore
import EBPFInterpreter
import EBPFJIT

/// Run-time traps: each expected trap is written out by hand from the shared semantics, and
/// the interpreter must raise the very same trap; every register map must agree.
@Suite struct TrapTests {
    /// A static buffer a test helper hands out as a 16-byte region.
    nonisolated(unsafe) static let region = UnsafeMutableRawPointer.allocate(byteCount: 32, alignment: 16)

    static let helpers = HelperRegistry([
        HelperFunction(id: 7, name: "region", signature: HelperSignature(arguments: [], returns: .memoryOrNull(size: 16)),
                       body: { _, _, _, _, _ in UInt64(UInt(bitPattern: TrapTests.region)) }),
        HelperFunction(id: 8, name: "null_region", signature: HelperSignature(arguments: [], returns: .memoryOrNull(size: 16)),
                       body: { _, _, _, _, _ in 0 }),
        HelperFunction(id: 5, name: "identity", body: { a, _, _, _, _ in a }),
    ])

    /// Runs under the JIT (every configuration) and the interpreter over `memory` with `stack`
    /// and returns the JIT's outcome after checking they all agree.
    static func outcome(_ slots: [Instruction], memory: [UInt8] = [], budget: UInt64 = 1_000) -> Result<UInt64, ExecutionTrap> {
        let program = Program(unchecked: slots)
        let limits = ExecutionLimits(instructionBudget: budget)
        // Both engines run over the same memory and stack buffers, so trap addresses compare equal.
        let memoryBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(memory.count, 1), alignment: 16)
        let stackBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: ExecutionLimits.stackSize, alignment: 16)
        defer { memoryBuffer.deallocate(); stackBuffer.deallocate() }
        func observe(_ runner: some ProgramRunner) -> Result<UInt64, ExecutionTrap> {
            memoryBuffer.copyBytes(from: memory)
            stackBuffer.initializeMemory(as: UInt8.self, repeating: 0)
            let view = memory.isEmpty ? UnsafeMutableRawBufferPointer(start: nil, count: 0)
                : UnsafeMutableRawBufferPointer(rebasing: memoryBuffer[0..<memory.count])
            do throws(ExecutionTrap) { return .success(try runner.run(memory: view, stack: stackBuffer)) } catch { return .failure(error) }
        }
        let reference = observe(Interpreter(program: program, helpers: helpers, limits: limits))
        var first: Result<UInt64, ExecutionTrap>?
        for options in JITConfigurations.all {
            let compiled = try! JIT.compile(program, helpers: helpers, limits: limits, options: options)
            let result = observe(compiled)
            #expect(result == reference, "\(options.registerMap)")
            if first == nil { first = result }
        }
        return first!
    }

    @Test func readPastInputMemory() {
        // ldxdw r0, [r1+4] over 8 bytes: bytes 4..<12, four past the end.
        let result = Self.outcome([Instruction(opcode: 0x79, dst: 0, src: 1, offset: 4), Asm.exit], memory: Array(repeating: 1, count: 8))
        guard case .failure(.outOfBounds(let pc, _, let size, let isWrite)) = result else {
            Issue.record("expected out of bounds, got \(result)")
            return
        }
        #expect(pc == 0 && size == 8 && !isWrite)
    }

    @Test func lastBytesOfInputMemoryAreReadable() {
        let memory: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
        #expect(Self.outcome([Instruction(opcode: 0x79, dst: 0, src: 1, offset: 2), Asm.exit], memory: memory) == .success(0x0a09_0807_0605_0403))
    }

    @Test func stackBoundaries() {
        // The whole 4096-byte area below R10 is writable; R10 itself and below the area are not.
        #expect(Self.outcome([Instruction(opcode: 0x7a, dst: 10, offset: -4096, immediate: 7),
                              Instruction(opcode: 0x79, dst: 0, src: 10, offset: -4096), Asm.exit]) == .success(7))
        #expect(Self.outcome([Instruction(opcode: 0x72, dst: 10, offset: -1, immediate: 9),
                              Instruction(opcode: 0x71, dst: 0, src: 10, offset: -1), Asm.exit]) == .success(9))
        let above = Self.outcome([Instruction(opcode: 0x7a, dst: 10, offset: -4, immediate: 1), Asm.exit])
        guard case .failure(.outOfBounds(0, _, 8, true)) = above else { Issue.record("\(above)"); return }
        let below = Self.outcome([Instruction(opcode: 0x61, dst: 0, src: 10, offset: -4097), Asm.exit])
        guard case .failure(.outOfBounds(0, _, 4, false)) = below else { Issue.record("\(below)"); return }
    }

    @Test func atomicOutOfBoundsIsAWrite() {
        let result = Self.outcome([Asm.mov(2, 1), Instruction(opcode: 0xdb, dst: 1, src: 2, offset: 0, immediate: 0x01), Asm.exit])
        guard case .failure(.outOfBounds(1, 0, 8, true)) = result else { Issue.record("\(result)"); return }
    }

    @Test func helperRegionsBecomeAccessible() {
        // call 7 -> R0 = region (16 bytes): write at +8, read back; then +9 (size 8) traps.
        #expect(Self.outcome([Asm.call(7), Instruction(opcode: 0x7a, dst: 0, offset: 8, immediate: 42),
                              Asm.ldxdw(0, 0, 8), Asm.exit]) == .success(42))
        let past = Self.outcome([Asm.call(7), Asm.ldxdw(0, 0, 9), Asm.exit])
        guard case .failure(.outOfBounds(1, let address, 8, false)) = past else { Issue.record("\(past)"); return }
        #expect(address == UInt64(UInt(bitPattern: Self.region)) + 9)
        // A null result records nothing.
        let null = Self.outcome([Asm.call(8), Asm.ldxdw(0, 0, 0), Asm.exit])
        guard case .failure(.outOfBounds(1, 0, 8, false)) = null else { Issue.record("\(null)"); return }
    }

    @Test func budgetIsCheckedOnLocalCalls() {
        // mov, mov, mov, call f, exit | f: mov r0 7, exit. At the call 4 instructions have run.
        let program = [Asm.mov(0, 0), Asm.mov(0, 1), Asm.mov(0, 2), Asm.callLocal(1), Asm.exit, Asm.mov(0, 7), Asm.exit]
        #expect(Self.outcome(program, budget: 3) == .failure(.budgetExhausted(pc: 3, executed: 4)))
        #expect(Self.outcome(program, budget: 4) == .success(7))
        // Eight nested calls in a row with no loop at all still stop at the budget.
        let chain: [Instruction] = (0..<7).map { _ in Asm.callLocal(0) } + [Asm.mov(0, 1), Asm.exit]
        #expect(Self.outcome(chain, budget: 5) == .failure(.budgetExhausted(pc: 5, executed: 6)))
    }

    @Test func budgetCountsExactly() {
        // pc0 mov, pc1 add, pc2 jlt r0, 100, -2 (back-edge to 1). Per iteration 2 instructions;
        // with budget 10: after mov (1), iterations add 2 each: counts 3,5,7,9,11 -> trap at 11.
        let loop: [Instruction] = [Asm.mov(0, 0), Instruction(opcode: 0x07, dst: 0, immediate: 1),
                                   Instruction(opcode: 0xa5, dst: 0, offset: -2, immediate: 100), Asm.exit]
        #expect(Self.outcome(loop, budget: 10) == .failure(.budgetExhausted(pc: 2, executed: 11)))
        // The 99th and last taken back-edge sees 1 + 99 * 2 = 199 executed.
        #expect(Self.outcome(loop, budget: 199) == .success(100))
        #expect(Self.outcome(loop, budget: 198) == .failure(.budgetExhausted(pc: 2, executed: 199)))
        // ja -1 jumps to itself.
        #expect(Self.outcome([Asm.ja(-1)], budget: 5) == .failure(.budgetExhausted(pc: 0, executed: 6)))
        // A large budget that does not fit an imm32 is compared through the context.
        #expect(Self.outcome(loop, budget: 1 << 40) == .success(100))
    }

    /// A loop with a forward if/else and an lddw inside, then a local function with its own loop:
    /// the counter is brought up to date only at jumps, joins and exits, and must still be exact
    /// at every check. Hand count: 2 before the loop; iterations r1 = 0...5 run 7 instructions
    /// (6 when r1 == 3), so the back-edge at pc 10 is taken at 9, 16, 23, 29, 36 and not taken
    /// at 43; the call at pc 11 is checked at 44; f's back-edge at pc 16 is taken at 48 and 51,
    /// not at 54; the program ends at 56 with r0 = 5 + 10 + 6·5 + 300 = 345.
    static let countedProgram: [Instruction] = [
        Asm.mov(0, 0),                                                // 0
        Asm.mov(1, 0),                                                // 1
        Instruction(opcode: 0x15, dst: 1, offset: 2, immediate: 3),   // 2: jeq r1, 3, +2 (loop head)
        Instruction(opcode: 0x07, dst: 0, immediate: 1),              // 3: add r0, 1
        Asm.ja(1),                                                    // 4: ja +1
        Instruction(opcode: 0x07, dst: 0, immediate: 10),             // 5: add r0, 10
    ] + Asm.lddw(2, 5) + [                                            // 6, 7: lddw r2, 5
        Instruction(opcode: 0x0f, dst: 0, src: 2),                    // 8: add r0, r2
        Instruction(opcode: 0x07, dst: 1, immediate: 1),              // 9: add r1, 1
        Instruction(opcode: 0xa5, dst: 1, offset: -9, immediate: 6),  // 10: jlt r1, 6, -9
        Asm.callLocal(1),                                             // 11: call f
        Asm.exit,                                                     // 12
        Asm.mov(3, 0),                                                // 13: f
        Instruction(opcode: 0x07, dst: 0, immediate: 100),            // 14: add r0, 100
        Instruction(opcode: 0x07, dst: 3, immediate: 1),              // 15: add r3, 1
        Instruction(opcode: 0xa5, dst: 3, offset: -3, immediate: 3),  // 16: jlt r3, 3, -3
        Asm.exit,                                                     // 17
    ]

    @Test(arguments: [
        (UInt64(0), ExecutionTrap.budgetExhausted(pc: 10, executed: 9)),
        (8, .budgetExhausted(pc: 10, executed: 9)),
        (9, .budgetExhausted(pc: 10, executed: 16)),
        (28, .budgetExhausted(pc: 10, executed: 29)),
        (35, .budgetExhausted(pc: 10, executed: 36)),
        // Over budget at the last, not taken, back-edge: the run goes on to the call's check.
        (36, .budgetExhausted(pc: 11, executed: 44)),
        (43, .budgetExhausted(pc: 11, executed: 44)),
        (44, .budgetExhausted(pc: 16, executed: 48)),
        (50, .budgetExhausted(pc: 16, executed: 51)),
    ])
    func budgetCountsExactlyAcrossJoinsAndCalls(budget: UInt64, trap: ExecutionTrap) {
        #expect(Self.outcome(Self.countedProgram, budget: budget) == .failure(trap))
    }

    @Test(arguments: [UInt64(51), 56, 1 << 40, 1 << 62, UInt64.max])
    func budgetLargeEnoughRunsToTheEnd(budget: UInt64) {
        #expect(Self.outcome(Self.countedProgram, budget: budget) == .success(345))
    }

    @Test func callDepthLimit() {
        // pc0: call local to pc0 forever: depth 8 is the limit, the 8th call traps.
        #expect(Self.outcome([Asm.callLocal(-1), Asm.exit]) == .failure(.callDepthExceeded(pc: 0, depth: 8)))
        // Seven nested calls (eight frames) are fine: main's call plus six recursive ones.
        let nested: [Instruction] = [
            Asm.mov(6, 6), Asm.callLocal(1), Asm.exit,
            // pc3: function: if r6 == 0 exit; r6 -= 1; call self; r0 += 1 (R6 restored after the call)
            Instruction(opcode: 0x15, dst: 6, offset: 3, immediate: 0),
            Instruction(opcode: 0x17, dst: 6, immediate: 1),
            Asm.callLocal(-3),
            Instruction(opcode: 0x07, dst: 0, immediate: 1),
            Asm.exit,
        ]
        #expect(Self.outcome(nested) == .success(6))
        var deeper = nested
        deeper[0] = Asm.mov(6, 7)
        #expect(Self.outcome(deeper) == .failure(.callDepthExceeded(pc: 5, depth: 8)))
    }

    @Test func localCallsPreserveR6ToR10AndGetTheirOwnFrame() {
        let program: [Instruction] = [
            Asm.mov(6, 11), Asm.mov(9, 99),
            Instruction(opcode: 0x7a, dst: 10, offset: -8, immediate: 5),  // caller frame slot
            Asm.callLocal(3),
            Asm.ldxdw(2, 10, -8),                                             // still 5
            Instruction(opcode: 0x0f, dst: 0, src: 6), Instruction(opcode: 0x0f, dst: 0, src: 2), Asm.exit,
            // pc8: callee clobbers r6, r9 and its own -8 slot
            Asm.mov(6, 1000), Asm.mov(9, 1), Instruction(opcode: 0x7a, dst: 10, offset: -8, immediate: 77),
            Asm.ldxdw(0, 10, -8), Asm.exit,
        ]
        // Oops-proof arithmetic: the callee returns 77; caller adds r6 (11) and r2 (5).
        let fixed = Array(program[0..<3]) + [Asm.callLocal(4)] + Array(program[4...])
        #expect(Self.outcome(fixed) == .success(77 + 11 + 5))
    }

    @Test func unknownHelpers() {
        #expect(Self.outcome([Asm.call(99), Asm.exit]) == .failure(.unknownHelper(pc: 0, id: 99)))
        #expect(Self.outcome(Asm.lddw(3, 0xdead_beef_0000_0001) + [Instruction(opcode: Opcode.callx, dst: 3), Asm.exit])
                == .failure(.unknownHelper(pc: 2, id: Int64(bitPattern: 0xdead_beef_0000_0001))))
        #expect(Self.outcome([Asm.mov(3, 5), Asm.mov(1, 123), Instruction(opcode: Opcode.callx, dst: 3), Asm.exit]) == .success(123))
    }

    @Test func invalidInstructions() {
        #expect(Self.outcome([Asm.mov(0, 1)]) == .failure(.fellOffEnd(programCount: 1)))
        let outOfRange = Self.outcome([Asm.ja(5), Asm.exit])
        guard case .failure(.invalidInstruction(0, _)) = outOfRange else { Issue.record("\(outOfRange)"); return }
        // A conditional jump to a bad target traps only when taken.
        #expect(Self.outcome([Asm.mov(0, 3), Instruction(opcode: 0x15, dst: 0, offset: 40, immediate: 0), Asm.exit]) == .success(3))
        let unknown = Self.outcome([Instruction(opcode: 0xff), Asm.exit])
        guard case .failure(.invalidInstruction(0, _)) = unknown else { Issue.record("\(unknown)"); return }
        let intoWide = Self.outcome([Asm.ja(1)] + Asm.lddw(0, 1) + [Asm.exit])
        guard case .failure(.invalidInstruction(0, _)) = intoWide else { Issue.record("\(intoWide)"); return }
        let mapReference = Self.outcome([Instruction(opcode: Opcode.lddw, dst: 1, src: 1, immediate: 3), Instruction(opcode: 0), Asm.exit])
        guard case .failure(.invalidInstruction(0, _)) = mapReference else { Issue.record("\(mapReference)"); return }
    }

    @Test func packetLoadsOutOfRangeReturnZero() {
        let memory: [UInt8] = [0x11, 0x22, 0x33, 0x44, 0x55]
        // ldabsw 1 -> 0x22334455; ldabsw 2 is past the end -> program returns 0, even from a callee.
        #expect(Self.outcome([Instruction(opcode: 0x20, immediate: 1), Asm.exit], memory: memory) == .success(0x2233_4455))
        #expect(Self.outcome([Asm.mov(0, 9), Instruction(opcode: 0x20, immediate: 2), Asm.exit], memory: memory) == .success(0))
        #expect(Self.outcome([Asm.callLocal(1), Asm.exit, Asm.mov(0, 9), Instruction(opcode: 0x28, immediate: 4), Asm.exit], memory: memory) == .success(0))
        // ldindh: low32(r2) + imm as an unsigned 32-bit sum: 0xffff_ffff + 4 wraps to 3.
        #expect(Self.outcome(Asm.lddw(2, 0x7_ffff_ffff) + [Instruction(opcode: 0x48, src: 2, immediate: 4), Asm.exit], memory: memory) == .success(0x4455))
        #expect(Self.outcome([Asm.mov(2, 4), Instruction(opcode: 0x50, src: 2, immediate: 0), Asm.exit], memory: memory) == .success(0x55))
    }
}
