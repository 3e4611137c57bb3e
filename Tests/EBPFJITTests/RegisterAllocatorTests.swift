import Testing
import EBPFCore
import X86Encoding
@testable import EBPFJIT

/// The per-program register choice: copies coalesced when their registers never hold live
/// values at once, interfering registers apart, callee-saved registers only for values live
/// across helper calls, JIT state where the given map puts it. (That any choice computes what
/// the interpreter does is the differential tests' job, under every configuration.)
@Suite struct RegisterAllocatorTests {
    static func allocate(_ slots: [Instruction], base: RegisterMap = .default, budgetEnabled: Bool = true) -> RegisterMap {
        let analysis = ProgramAnalysis(Program(unchecked: slots))
        let options = JITOptions(registerMap: base, useBMI2: false)
        return RegisterAllocator(analysis, liveness: RegisterLiveness(analysis), options: options, budgetEnabled: budgetEnabled).map
    }

    static let xor = Instruction(opcode: 0xa7, dst: 0, immediate: 5)
    static let decrementR3 = Instruction(opcode: 0x17, dst: 3, immediate: 1)

    /// The loop: R0 computed from R7 and copied back into R7 at the end of every
    /// iteration. The two never hold different live values, so they share a register (rax,
    /// which `exit` wants) and the copies are `mov rax, rax`, which the lowering leaves out.
    @Test func copiesBetweenRegistersThatNeverOverlapShareOne() throws {
        // 0: r7 = 1; 1: r3 = 10; 2: r0 = r7; 3: r0 ^= 5; 4: r7 = r0; 5: r3 -= 1; 6: if r3 != 0 goto 2;
        // 7: r0 = r7; 8: exit
        let slots = [Asm.mov(7, 1), Asm.mov(3, 10), Asm.movReg(0, 7), Self.xor, Asm.movReg(7, 0), Self.decrementR3,
                     Instruction(opcode: 0x55, dst: 3, offset: -5, immediate: 0), Asm.movReg(0, 7), Asm.exit]
        let map = Self.allocate(slots)
        #expect(map.ebpf[0] == map.ebpf[7])
        #expect(map.ebpf[0] == .rax)
        #expect(map.ebpf[3] != map.ebpf[0])
        // The loop's code has no register move left: without allocation it has two.
        let allocated = try JIT.compile(Program(unchecked: slots), options: JITOptions(useBMI2: false))
        let fixed = try JIT.compile(Program(unchecked: slots), options: JITOptions(useBMI2: false, allocatesRegisters: false))
        var input: [UInt8] = []
        let result = try allocated.run(&input)
        #expect(result == (try fixed.run(&input)))
        #expect(result == 1 ^ 5 ^ 5 ^ 5 ^ 5 ^ 5 ^ 5 ^ 5 ^ 5 ^ 5 ^ 5)
        #expect(allocated.codeSize < fixed.codeSize)
    }

    /// Registers live at the same time never share: R6 and R7 are both read by the add, and the
    /// copy into R0 happens while R7 is still to be read.
    @Test func registersLiveTogetherStayApart() {
        // r6 = 1; r7 = 2; r0 = r6; r0 += r7; exit
        let slots = [Asm.mov(6, 1), Asm.mov(7, 2), Asm.movReg(0, 6), Instruction(opcode: 0x0f, dst: 0, src: 7), Asm.exit]
        let map = Self.allocate(slots)
        #expect(map.ebpf[6] != map.ebpf[7])
        #expect(map.ebpf[0] != map.ebpf[7])
        // R6 dies at the copy: it may share with R0.
        #expect(map.ebpf[0] == map.ebpf[6])
    }

    /// `callx` writes R0 (the fuzzer's seed 79029340): R0, a copy of R8, cannot share R8's register
    /// when R8 is read after the call.
    @Test func callxResultDoesNotShareALiveRegister() {
        // r8 = 1; r0 = r8; r6 = 3; callx r6; r0 += r8; exit
        let slots = [Asm.mov(8, 1), Asm.movReg(0, 8), Asm.mov(6, 3), Instruction(opcode: Opcode.callx, dst: 6),
                     Instruction(opcode: 0x0f, dst: 0, src: 8), Asm.exit]
        let map = Self.allocate(slots)
        #expect(map.ebpf[0] != map.ebpf[8])
    }

    /// A value live across a helper call goes to a callee-saved register; without calls every
    /// register is caller-saved, so the prologue saves none of them.
    @Test func calleeSavedRegistersOnlyAcrossCalls() {
        // r6 = 1; r1 = 2; call 1; r0 += r6; exit
        let across = [Asm.mov(6, 1), Asm.mov(1, 2), Asm.call(1), Instruction(opcode: 0x0f, dst: 0, src: 6), Asm.exit]
        #expect(!Self.allocate(across).ebpf[6].isCallerSaved)
        // r6..r9 = 1..4; r0 = r6 + r7 + r8 + r9; exit
        var noCalls = (6...9).map { Asm.mov(UInt8($0), Int32($0)) }
        noCalls.append(Asm.movReg(0, 6))
        noCalls += (7...9).map { Instruction(opcode: 0x0f, dst: 0, src: UInt8($0)) }
        noCalls.append(Asm.exit)
        let map = Self.allocate(noCalls)
        for n in [0, 6, 7, 8, 9] { #expect(map.ebpf[n].isCallerSaved, "R\(n) in \(map.ebpf[n])") }
    }

    /// Without helper calls the context leaves its callee-saved register for a free caller-saved
    /// one (not rax, rcx or rdx), so the prologue pushes nothing for it; with a call it stays.
    @Test func contextMovesToACallerSavedRegisterWithoutCalls() throws {
        let slots = [Asm.mov(0, 7), Asm.exit]
        let map = Self.allocate(slots)
        #expect(map.context.isCallerSaved)
        #expect(![X86Register.rax, .rcx, .rdx].contains(map.context) && map.context != map.ebpf[0])
        #expect(map.counter == RegisterMap.default.counter && map.scratch == RegisterMap.default.scratch)
        let withCall = [Asm.mov(1, 1), Asm.call(1), Asm.exit]
        #expect(Self.allocate(withCall).context == RegisterMap.default.context)
        // Fewer bytes (no push and pop of r12), the same result.
        let allocated = try JIT.compile(Program(unchecked: slots), options: JITOptions(useBMI2: false))
        let fixed = try JIT.compile(Program(unchecked: slots), options: JITOptions(useBMI2: false, allocatesRegisters: false))
        var input: [UInt8] = []
        #expect(try allocated.run(&input) == 7)
        #expect(allocated.codeSize < fixed.codeSize)
    }

    /// JIT state stays where the given map puts it; used eBPF registers never land on it.
    @Test(arguments: [0, 3, 7, 12])
    func rolesStayWhereTheMapPutsThem(rotation: Int) {
        let base = RegisterMap.rotated(by: rotation)
        let slots = [Asm.mov(6, 1), Asm.mov(1, 2), Asm.call(1), Instruction(opcode: 0x0f, dst: 0, src: 6), Asm.exit]
        let map = Self.allocate(slots, base: base)
        #expect(map.context == base.context && map.counter == base.counter && map.scratch == base.scratch)
        // (R7–R10 are unused: they sit on the scratch register, and nothing reads or writes them.)
        for n in 0...6 {
            #expect(![base.context, base.counter, base.scratch, .rsp].contains(map.ebpf[n]), "R\(n) in \(map.ebpf[n])")
        }
    }

    /// A program with local calls keeps the given map (a callee sees its caller's registers).
    @Test func localCallsKeepTheGivenMap() {
        let slots = [Asm.mov(6, 2), Asm.callLocal(1), Asm.exit, Asm.mov(0, 1), Asm.exit]
        #expect(Self.allocate(slots, base: .rotated(by: 5)) == .rotated(by: 5))
    }
}
