import EBPFAssembler
import EBPFCore
import EBPFInterpreter
import Testing

@Suite("Loads and stores")
struct MemoryTests {
    static let bytes: [UInt8] = [0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x7f]

    static let loads: [EdgeCase] = [
        EdgeCase("ldxb zero-extends", 0x80, "ldxb %r0, [%r1]"),
        EdgeCase("ldxh little-endian", 0x8180, "ldxh %r0, [%r1]"),
        EdgeCase("ldxw", 0x8382_8180, "ldxw %r0, [%r1]"),
        EdgeCase("ldxdw", 0x8786_8584_8382_8180, "ldxdw %r0, [%r1]"),
        EdgeCase("ldxsb sign-extends", 0xffff_ffff_ffff_ff80, "ldxsb %r0, [%r1]"),
        EdgeCase("ldxsh sign-extends", 0xffff_ffff_ffff_8180, "ldxsh %r0, [%r1]"),
        EdgeCase("ldxsw sign-extends", 0xffff_ffff_8382_8180, "ldxsw %r0, [%r1]"),
        EdgeCase("ldxsb positive", 0x7f, "ldxsb %r0, [%r1+15]"),
        EdgeCase("ldxsh positive", 0x0b0a, "ldxsh %r0, [%r1+10]"),
        EdgeCase("ldxsw positive", 0x0c0b_0a09, "ldxsw %r0, [%r1+9]"),
        EdgeCase("unaligned ldxdw", 0x0908_8786_8584_8382, "ldxdw %r0, [%r1+2]"),
        EdgeCase("unaligned ldxw", 0x0a09_0887, "ldxw %r0, [%r1+7]"),
        EdgeCase("negative offset", 0x7f, "mov %r2, %r1", "add %r2, 16", "ldxb %r0, [%r2-1]"),
        EdgeCase("last byte", 0x7f0e, "ldxh %r0, [%r1+14]"),
        EdgeCase("R2 is the memory length", 16, "mov %r0, %r2"),
    ]

    @Test(arguments: loads)
    func loadReads(_ edge: EdgeCase) throws {
        #expect(try result(edge.source, memory: Self.bytes) == edge.expected)
    }

    /// Stores of every size and form write exactly their bytes, little-endian, at any alignment.
    @Test(arguments: [
        ("stb [%r1+3], 0x1ff", [3: 0xff]),
        ("sth [%r1+3], -2", [3: 0xfe, 4: 0xff]),
        ("stw [%r1+1], 0x11223344", [1: 0x44, 2: 0x33, 3: 0x22, 4: 0x11]),
        ("stdw [%r1+5], -1", [5: 0xff, 6: 0xff, 7: 0xff, 8: 0xff, 9: 0xff, 10: 0xff, 11: 0xff, 12: 0xff]),
        ("stdw [%r1+1], 0x80000000", [1: 0, 2: 0, 3: 0, 4: 0x80, 5: 0xff, 6: 0xff, 7: 0xff, 8: 0xff]),
        ("stxb [%r1+7], %r3", [7: 0x88]),
        ("stxh [%r1+7], %r3", [7: 0x88, 8: 0x77]),
        ("stxw [%r1+9], %r3", [9: 0x88, 10: 0x77, 11: 0x66, 12: 0x55]),
        ("stxdw [%r1+3], %r3", [3: 0x88, 4: 0x77, 5: 0x66, 6: 0x55, 7: 0x44, 8: 0x33, 9: 0x22, 10: 0x11]),
    ] as [(String, [Int: UInt8])])
    func store(_ instruction: String, _ changed: [Int: UInt8]) throws {
        let run = try record("\(lddw("%r3", 0x1122_3344_5566_7788))\n\(instruction)\nmov %r0, 0\nexit", memory: [UInt8](repeating: 0xaa, count: 16))
        #expect(run.outcome == .success(0))
        var expected = [UInt8](repeating: 0xaa, count: 16)
        for (index, byte) in changed { expected[index] = byte }
        #expect(run.memory == expected)
    }

    @Test func stackRoundTripAndLayout() throws {
        let run = try record(
            """
            \(lddw("%r1", 0x0102_0304_0506_0708))
            stxdw [%r10-8], %r1
            stb [%r10-4096], 0x5a
            ldxdw %r0, [%r10-8]
            ldxb %r2, [%r10-4096]
            add %r0, %r2
            exit
            """)
        #expect(run.outcome == .success(0x0102_0304_0506_0708 + 0x5a))
        #expect(Array(run.stack[4088..<4096]) == [0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01])
        #expect(run.stack[0] == 0x5a)
    }

    @Test func callerStackIsUsedAndNilStackIsZeroFilled() throws {
        var stack = [UInt8](repeating: 0, count: ExecutionLimits.stackSize)
        stack[4095] = 0x42
        let given = try record("ldxb %r0, [%r10-1]\nstb [%r10-2], 7\nexit", stack: stack)
        #expect(given.outcome == .success(0x42))
        #expect(given.stack[4094] == 7)

        #expect(try result("ldxdw %r0, [%r10-8]\nldxdw %r1, [%r10-4096]\nor %r0, %r1\nexit") == 0)
    }

    @Test func emptyMemoryGivesNullR1AndZeroLength() throws {
        #expect(try result("mov %r0, %r1\nadd %r0, %r2\nexit") == 0)
    }
}
