import EBPF
@testable import EBPFRuntime

/// The program both map-lookup suites (``InlineArrayLookupTests``, ``DirectLookupTests``) run,
/// and the engines they run it under.
enum TwoLookupProgram {
    /// The first lookup's call slot in ``program(map:secondKey:)``.
    static let callSlot = 6

    /// Looks up the u32 key at the input's start; a hit adds 1 to the value's first byte and
    /// returns (value pointer − `secondKey`'s value pointer) << 8 | the new byte, a miss returns
    /// 0xdead. After a call R1–R5 are undefined, so R6–R8 carry what the second lookup needs.
    static func program(map: Int32, secondKey: UInt32) throws -> Program {
        try Assembler.assemble("""
            ldxw %r6, [%r1]
            stxw [%r10-4], %r6
            mov %r2, %r10
            add %r2, -4
            lddw %r1, map_fd \(map)
            call 1
            mov %r7, %r0
            jeq %r0, 0, miss
            ldxb %r1, [%r0]
            add %r1, 1
            stxb [%r0], %r1
            mov %r8, %r1
            stw [%r10-4], \(secondKey)
            mov %r2, %r10
            add %r2, -4
            lddw %r1, map_fd \(map)
            call 1
            sub %r7, %r0
            lsh %r7, 8
            or %r7, %r8
            mov %r0, %r7
            exit
            miss:
            mov %r0, 0xdead
            exit
            """)
    }

    /// The verified JIT under every rotation of the register map taken as it is (R0, R1, R2, the
    /// preserved registers and the scratch register on every x86 register), the verified JIT
    /// with per-program register allocation, the unverified JIT, and the interpreter.
    static let configurations: [ExecutionConfiguration] =
        (0..<15).map {
            ExecutionConfiguration(engine: .jit, jitOptions: JITOptions(registerMap: .rotated(by: $0), useBMI2: false, allocatesRegisters: false))
        } + [
            ExecutionConfiguration(engine: .jit),
            ExecutionConfiguration(engine: .jit, verify: false),
            ExecutionConfiguration(engine: .interpreter),
        ]

    /// The machine code of the first lookup's call slot.
    static func callSlotCode(_ compiled: CompiledProgram) -> [UInt8] {
        Array(compiled.machineCode[compiled.instructionOffsets[callSlot]..<compiled.instructionOffsets[callSlot + 1]])
    }
}
