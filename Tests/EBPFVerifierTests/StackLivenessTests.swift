import EBPFCore
import Testing
@testable import EBPFVerifier

/// Stack-slot liveness (``StackLiveness``): which bytes of the frame may be read before being
/// written, at the prune points where the bounded walk compares states.
@Suite struct StackLivenessTests {
    static func liveness(_ source: String) throws -> (StackLiveness, Program) {
        let program = try VerifierFixtures.program(source)
        let decoded = program.decoded
        let liveness = StackLiveness(
            decoded, helpers: VerifierFixtures.helpers, maps: [7: VerifierFixtures.map], isPrunePoint: PrunePoints.of(decoded))
        return (liveness, program)
    }

    /// The live-byte mask of the slot holding R10 + `offset`.
    static func mask(_ liveness: StackLiveness, at pc: Int, offset: Int) throws -> UInt8 {
        let bytes = try #require(liveness.liveBytes[pc], "no liveness at \(pc)")
        return bytes.mask(ofSlot: FunctionFrame.position(ofOffset: offset).slot)
    }

    /// A map key written before each lookup is dead at the loop head (the lookup reads only the
    /// key size: 4 bytes); the counter spilled next to it, read each iteration, is live.
    @Test func keyRewrittenEachIterationIsDeadAtTheHead() throws {
        let (liveness, _) = try Self.liveness("""
            stdw [%r10-16], 0
            loop:
            ldxdw %r6, [%r10-16]
            ldxb %r3, [%r1+0]
            stxw [%r10-8], %r3
            mov %r2, %r10
            add %r2, -8
            lddw %r1, map_fd 7
            call 1
            add %r6, 1
            stxdw [%r10-16], %r6
            jlt %r6, 8, loop
            mov %r0, 0
            exit
            """)
        #expect(try Self.mask(liveness, at: 1, offset: -8) == 0)
        #expect(try Self.mask(liveness, at: 1, offset: -16) == 0xff)
    }

    /// Only the bytes a load reads are live; a store kills what it writes.
    @Test func loadsAndStoresAreByteExact() throws {
        let (liveness, _) = try Self.liveness("""
            stdw [%r10-8], 0
            ja next
            next:
            ldxh %r0, [%r10-6]
            stw [%r10-8], 1
            ja last
            last:
            ldxdw %r0, [%r10-8]
            exit
            """)
        // At `next`: bytes 2 and 3 of the slot (fp-6, fp-5) are read before the 4-byte store,
        // bytes 4-7 by the final 8-byte load.
        #expect(try Self.mask(liveness, at: 2, offset: -8) == 0b1111_1100)
        // At `last`: all 8.
        #expect(try Self.mask(liveness, at: 5, offset: -8) == 0xff)
    }

    /// A frame pointer spilled and reloaded is still known to point into the frame; a helper
    /// given a frame pointer as `.anything` and a local call may read any byte.
    @Test func pointersIntoTheFrameKeepBytesLive() throws {
        let (spilled, _) = try Self.liveness("""
            stdw [%r10-64], 0
            mov %r2, %r10
            add %r2, -64
            stxdw [%r10-8], %r2
            ja next
            next:
            ldxdw %r3, [%r10-8]
            ldxb %r0, [%r3+0]
            exit
            """)
        #expect(try Self.mask(spilled, at: 5, offset: -64) == 0b1)

        let (helper, _) = try Self.liveness("""
            stdw [%r10-64], 0
            ja next
            next:
            mov %r1, %r10
            add %r1, -8
            call 5
            exit
            """)
        #expect(try Self.mask(helper, at: 2, offset: -64) == 0xff)

        let (call, _) = try Self.liveness("""
            stdw [%r10-64], 0
            ja next
            next:
            mov %r1, %r10
            call local f
            exit
            f:
            mov %r0, 0
            exit
            """)
        #expect(try Self.mask(call, at: 2, offset: -64) == 0xff)
    }
}
