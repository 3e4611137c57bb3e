import EBPFAssembler
import EBPFCore
import EBPFInterpreter
import Testing

@Suite("One interpreter, many runs")
struct SharingTests {
    /// Sums the input bytes with a loop, a helper call and a local call per byte (the callee reads
    /// the running sum from its caller's frame, 512 bytes up).
    static let source = """
        mov %r8, 0
        mov %r6, %r1
        mov %r7, %r1
        add %r7, %r2
        loop:
        jge %r6, %r7, done
        ldxb %r1, [%r6]
        call 5
        stxdw [%r10-8], %r8
        mov %r1, %r0
        call local add_byte
        mov %r8, %r0
        add %r6, 1
        ja loop
        done:
        mov %r0, %r8
        exit
        add_byte:
        ldxdw %r0, [%r10+504]
        add %r0, %r1
        exit
        """

    @Test func concurrentRunsAreIndependent() async throws {
        let interpreter = Interpreter(program: try Assembler.assemble(Self.source), helpers: .conformance)
        let results = await withTaskGroup(of: (Int, UInt64?).self) { group in
            for length in 0..<64 {
                group.addTask {
                    var bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37) }
                    return (length, try? interpreter.run(&bytes))
                }
            }
            var results: [Int: UInt64?] = [:]
            for await (length, result) in group { results[length] = result }
            return results
        }
        for length in 0..<64 {
            let expected = (0..<length).reduce(UInt64(0)) { $0 + UInt64(UInt8(truncatingIfNeeded: $1 &* 37)) }
            #expect(results[length] == .some(expected), "length \(length)")
        }
    }
}
