import EBPF
import Foundation

/// One of the C benchmark programs: its bytecode (`programs/NAME.bin`) and input (`programs/NAME.mem`).
struct BenchmarkProgram: @unchecked Sendable {
    let name: String
    let program: Program
    let memory: [UInt8]

    /// `Benchmarks/programs`, found from this file's location.
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("programs")

    /// Every program with a `.bin` in `Benchmarks/programs`, by name.
    static func all() -> [BenchmarkProgram] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".bin") }.sorted().compactMap { file in
            let name = String(file.dropLast(4))
            guard let code = FileManager.default.contents(atPath: directory.appendingPathComponent(file).path),
                  let program = try? Program(decoding: Array(code))
            else { return nil }
            let memory = FileManager.default.contents(atPath: directory.appendingPathComponent(name + ".mem").path)
            return BenchmarkProgram(name: name, program: program, memory: memory.map(Array.init) ?? [])
        }
    }

    /// The verifier's result for this program and input (as `ebpf bench --fallback-unverified`
    /// tries it: with the input's size, then as a packet program, whose accesses are proven
    /// against R2), or `nil` when it rejects the program (then the engines run it with every
    /// run-time check).
    func verification() -> VerificationResult? {
        (try? ExecutionPipeline.verify(program, memorySize: memory.count, configuration: ExecutionConfiguration()))
            ?? (try? ExecutionPipeline.verify(program, memorySize: nil, configuration: ExecutionConfiguration())) ?? nil
    }

    /// A straight-line program of about `count` instructions (ALU work on R0–R5, then exit), for
    /// compile time as a function of size.
    static func straightLine(count: Int) -> Program {
        var instructions: [Instruction] = []
        instructions.reserveCapacity(count + 1)
        // mov64 r0, 1 then a rotating mix of add/xor/mul/shift on r0..r5.
        instructions.append(Instruction(opcode: 0xb7, dst: 0, immediate: 1))
        let operations: [UInt8] = [0x0f, 0xaf, 0x2f, 0x77, 0x07, 0x67]  // add x, xor x, mul x, rsh k, add k, lsh k
        while instructions.count < count {
            let index = instructions.count
            let dst = UInt8(index % 6)
            let src = UInt8((index / 6) % 6)
            let opcode = operations[index % operations.count]
            let immediate: Int32 = (opcode == 0x77 || opcode == 0x67) ? Int32(index % 63 + 1) : Int32(truncatingIfNeeded: index &* 2654435761)
            instructions.append(Instruction(opcode: opcode, dst: dst, src: src, immediate: immediate))
        }
        instructions.append(Instruction(opcode: 0x95))
        return Program(unchecked: instructions)
    }
}
