import Testing
import EBPFCore
@testable import EBPFJIT

/// The backward liveness the group rewrites consult: sets written out by hand for small programs,
/// across a loop, at `exit`, around calls.
@Suite struct RegisterLivenessTests {
    static func live(_ liveness: RegisterLiveness, after pc: Int) -> Set<UInt8> {
        Set((0...10).map { UInt8($0) }.filter { liveness.isLive($0, after: pc) })
    }

    @Test func loopCarriesItsCounter() {
        // 0: r0 = 0; 1: r3 = 10; 2: r0 += r3; 3: r3 -= 1; 4: if r3 != 0 goto 2; 5: r4 = 7; 6: exit
        let slots = [Asm.mov(0, 0), Asm.mov(3, 10), Instruction(opcode: 0x0f, dst: 0, src: 3), Instruction(opcode: 0x17, dst: 3, immediate: 1),
                     Instruction(opcode: 0x55, dst: 3, offset: -3, immediate: 0), Asm.mov(4, 7), Asm.exit]
        let liveness = RegisterLiveness(ProgramAnalysis(Program(unchecked: slots)))
        #expect(Self.live(liveness, after: 0) == [0])
        #expect(Self.live(liveness, after: 1) == [0, 3])
        #expect(Self.live(liveness, after: 3) == [0, 3])
        #expect(Self.live(liveness, after: 4) == [0, 3])
        #expect(Self.live(liveness, after: 5) == [0])
        #expect(Self.live(liveness, after: 6) == [])
    }

    @Test func callsAreConservative() {
        // A helper call reads R1–R5 and leaves them live through it; a local call reads everything.
        let helper = [Asm.mov(1, 1), Asm.mov(6, 2), Asm.call(7), Asm.exit]
        let afterHelper = RegisterLiveness(ProgramAnalysis(Program(unchecked: helper)))
        #expect(Self.live(afterHelper, after: 1) == [1, 2, 3, 4, 5])
        #expect(Self.live(afterHelper, after: 2) == [0])
        let local = [Asm.mov(6, 2), Asm.callLocal(1), Asm.exit, Asm.mov(0, 1), Asm.exit]
        let afterLocal = RegisterLiveness(ProgramAnalysis(Program(unchecked: local)))
        #expect(afterLocal.isLive(6, after: 0) && afterLocal.isLive(9, after: 0))
        // With local calls, `exit` may return to a caller that reads anything.
        #expect(afterLocal.isLive(7, after: 3))
    }

    /// `ldabs` reads the input through R1 and R2 in the JIT, so a division before it must not
    /// clobber them (the fuzzer's seed 35003126: R2 in rdx, lost to `div`).
    @Test func packetLoadsReadTheInputRegisters() {
        let slots = [Asm.mov(8, 7), Instruction(opcode: 0x9f, dst: 7, src: 8), Instruction(opcode: 0x30, immediate: 12), Asm.exit]
        let liveness = RegisterLiveness(ProgramAnalysis(Program(unchecked: slots)))
        #expect(liveness.isLive(1, after: 1) && liveness.isLive(2, after: 1))
        #expect(!liveness.isLive(8, after: 1))
    }
}
