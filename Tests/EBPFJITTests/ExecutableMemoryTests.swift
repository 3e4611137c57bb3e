import Testing
import Foundation
import Synchronization
import EBPFCore
import EBPFJIT

/// The code pages: W^X (checked in /proc/self/maps), int3 filler, contents.
@Suite struct ExecutableMemoryTests {
    /// /proc/self/maps (read through a file handle: the file reports size 0 to stat).
    static func maps() throws -> String {
        let handle = try #require(FileHandle(forReadingAtPath: "/proc/self/maps"))
        defer { try? handle.close() }
        return String(decoding: try handle.readToEnd() ?? Data(), as: UTF8.self)
    }

    /// The permission string ("r-xp", ...) of the mapping containing `address`.
    static func permissions(of address: UnsafeRawPointer) throws -> String? {
        let maps = try Self.maps()
        let value = UInt(bitPattern: address)
        for line in maps.split(separator: "\n") {
            let fields = line.split(separator: " ")
            let range = fields[0].split(separator: "-")
            guard let low = UInt(range[0], radix: 16), let high = UInt(range[1], radix: 16) else { continue }
            if low <= value && value < high { return String(fields[1]) }
        }
        return nil
    }

    @Test func pagesAreReadExecuteAndPaddedWithInt3() throws {
        let memory = try ExecutableMemory(code: [0xb8, 0x2a, 0, 0, 0, 0xc3])  // mov eax, 42; ret
        let permissions = try Self.permissions(of: memory.baseAddress)
        #expect(permissions == "r-xp", "\(String(describing: permissions)) at \(memory.baseAddress)")
        #expect(memory.code == [0xb8, 0x2a, 0, 0, 0, 0xc3])
        #expect(memory.mappedSize % Int(sysconf(Int32(_SC_PAGESIZE))) == 0)
        let filler = UnsafeRawBufferPointer(start: memory.baseAddress + memory.codeSize, count: memory.mappedSize - memory.codeSize)
        #expect(filler.allSatisfy { $0 == 0xcc })
        let function = unsafeBitCast(memory.baseAddress, to: (@convention(c) () -> UInt32).self)
        #expect(function() == 42)
    }

    @Test func compiledProgramsNeverMapWritableAndExecutable() throws {
        let compiled = try JIT.compile(Program(unchecked: [Asm.mov(0, 1), Asm.exit]))
        #expect(try Self.permissions(of: compiled.codeAddress) == "r-xp")
        let maps = try ExecutableMemoryTests.maps()
        let writableExecutable = maps.split(separator: "\n").filter { $0.split(separator: " ")[1].hasPrefix("rwx") }
        #expect(writableExecutable.isEmpty, "\(writableExecutable)")
    }

    @Test func emptyCodeStillMapsOnePage() throws {
        let memory = try ExecutableMemory(code: [])
        #expect(memory.codeSize == 0 && memory.mappedSize > 0)
    }
}

/// The public surface of compiled programs: offsets, facts, threads.
@Suite struct CompiledProgramTests {
    /// Two loads through R1 and a division; all proven safe by hand.
    static let program = Program(unchecked: [
        Asm.ldxdw(2, 1, 0), Asm.ldxdw(3, 1, 8),
        Instruction(opcode: 0x3f, dst: 2, src: 3),  // div r2, r3
        Asm.movReg(0, 2), Asm.exit,
    ])

    @Test func instructionOffsetsAreIncreasingAndInsideTheCode() throws {
        let compiled = try JIT.compile(Self.program)
        #expect(compiled.instructionOffsets.count == Self.program.count + 1)  // one per slot, then the body's end
        #expect(zip(compiled.instructionOffsets, compiled.instructionOffsets.dropFirst()).allSatisfy { $0 < $1 })
        #expect(compiled.instructionOffsets.allSatisfy { $0 > 0 && $0 < compiled.codeSize })
        #expect(compiled.machineCode.count == compiled.codeSize)
    }

    @Test func factsRemoveChecksButNotMeaning() throws {
        let facts = VerifiedFacts(accessIsSafe: [true, true, false, false, false], divisorIsNonZero: [false, false, true, false, false],
                                  stackDepth: 0, maxCallDepth: 1, terminates: true)
        let checked = try JIT.compile(Self.program)
        let trusted = try JIT.compile(Self.program, facts: facts)
        #expect(trusted.codeSize < checked.codeSize)
        var memory: [UInt8] = [100, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0]
        #expect(try checked.run(&memory) == 14)
        #expect(try trusted.run(&memory) == 14)
        // Without the fact, a zero divisor gives 0 instead of faulting.
        var zero: [UInt8] = [100] + Array(repeating: 0, count: 15)
        #expect(try checked.run(&zero) == 0)
    }

    @Test func runsConcurrentlyFromManyThreads() throws {
        // r0 = sum of the 8 input bytes, using the stack, in a loop (budget counting included).
        let compiled = try JIT.compile(Program(unchecked: [
            Asm.mov(0, 0), Asm.mov(3, 0),
            Instruction(opcode: 0x71, dst: 4, src: 1),                   // pc2: r4 = *(u8 *)r1
            Instruction(opcode: 0x0f, dst: 0, src: 4),
            Asm.stxdw(10, -8, 0), Asm.ldxdw(0, 10, -8),
            Instruction(opcode: 0x07, dst: 1, immediate: 1), Instruction(opcode: 0x07, dst: 3, immediate: 1),
            Instruction(opcode: 0xa5, dst: 3, offset: -7, immediate: 8),  // jlt r3, 8, pc2
            Asm.exit,
        ]))
        let failures = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: 64) { index in
            var bytes = (0..<8).map { UInt8(truncatingIfNeeded: index &+ $0) }
            let expected = bytes.reduce(UInt64(0)) { $0 + UInt64($1) }
            for _ in 0..<200 {
                if (try? compiled.run(&bytes)) != expected { failures.withLock { $0 += 1 } }
            }
        }
        #expect(failures.withLock { $0 } == 0)
    }

    @Test func bmi2RequestOnCPUWithoutItIsRejectedOrHonoured() throws {
        let program = Program(unchecked: [Asm.mov(0, 1), Instruction(opcode: 0x6f, dst: 0, src: 0), Asm.exit])
        if CPUFeatures.current.hasBMI2 {
            var bytes: [UInt8] = []
            #expect(try JIT.compile(program, options: JITOptions(useBMI2: true)).run(&bytes) == 2)
        } else {
            #expect(throws: JITError.unsupportedCPUFeature("BMI2")) { try JIT.compile(program, options: JITOptions(useBMI2: true)) }
        }
    }

    @Test func invalidRegisterMapsAreRejected() {
        let ebpf = RegisterMap.default.ebpf
        #expect(throws: JITError.self) { try RegisterMap(ebpf: ebpf, context: .rsp, counter: .r10, scratch: .r11) }
        #expect(throws: JITError.self) { try RegisterMap(ebpf: ebpf, context: .rax, counter: .r10, scratch: .r11) }
        #expect(throws: JITError.self) { try RegisterMap(ebpf: Array(ebpf.prefix(10)), context: .r12, counter: .r10, scratch: .r11) }
        #expect(throws: JITError.self) {
            try RegisterMap(ebpf: [.rbx, .rdi, .rsi, .r9, .rcx, .r8, .rax, .r13, .r14, .r15, .rbp], context: .r12, counter: .r10, scratch: .rdx)
        }
        // Every rotation and shuffle is valid.
        for steps in 0..<15 { #expect(Set(RegisterMap.rotated(by: steps).roleOrder).count == 15) }
    }
}

/// Where a run's own stack area lives: within the calling thread's stack, not on the heap.
@Suite struct RunStorageTests {
    @Test func ownStackAreaIsOnTheMachineStack() throws {
        // The helper receives R10 (the top of the stack area) and measures its distance from one
        // of its own locals.
        let helpers = HelperRegistry([HelperFunction(id: 1, name: "distance", body: { r10, _, _, _, _ in
            var local: UInt8 = 0
            let here = withUnsafeMutablePointer(to: &local) { UInt64(UInt(bitPattern: $0)) }
            return r10 > here ? r10 - here : here - r10
        })])
        let compiled = try JIT.compile(Program(unchecked: [Asm.movReg(1, 10), Asm.call(1), Asm.exit]), helpers: helpers)
        var bytes: [UInt8] = []
        #expect(try compiled.run(&bytes) < 64 * 1024)
    }
}
