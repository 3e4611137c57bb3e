import EBPFCore
import Testing
@testable import EBPFVerifier

/// One program per rejection reason: the verifier must reject it at the expected instruction
/// with the expected message (the kernel's wording where it has one).
struct Rejection: CustomTestStringConvertible, Sendable {
    var program: VerifierCase
    var index: Int
    var message: String

    var testDescription: String { program.name }

    init(_ name: String, _ source: String, at index: Int, _ message: String, contextSize: Int? = 64,
         loops: VerifierOptions.LoopPolicy = .bounded, license: String? = "GPL", budget: Int = 1_000_000) {
        program = VerifierCase(name: name, source: source, contextSize: contextSize, loops: loops, license: license, budget: budget)
        self.index = index
        self.message = message
    }
}

@Suite struct RejectionTests {
    static let structural: [Rejection] = [
        Rejection("empty program", "", at: 0, "empty program"),
        Rejection("jump out of range", "ja +5\nexit", at: 0, "jump out of range from insn 0 to 6"),
        Rejection("jump backwards out of range", "mov %r0, 0\nja -3\nexit", at: 1, "jump out of range from insn 1 to -1"),
        Rejection("jump into lddw", "ja +1\nlddw %r0, 5\nexit", at: 0, "jump into the middle of ldimm64 insn 1"),
        Rejection("fall off the end", "mov %r0, 0", at: 0, "last insn is not an exit or jmp"),
        Rejection("conditional jump last", "mov %r0, 0\njeq %r0, 0, -2", at: 1, "last insn is not an exit or jmp"),
        Rejection("function falls into the next", "call local f\ncall local g\nexit\nf:\nmov %r0, 1\ng:\nmov %r0, 2\nexit",
                  at: 3, "last insn is not an exit or jmp"),
        Rejection("unreachable instruction", "mov %r0, 0\nexit\nmov %r0, 1\nexit", at: 2, "unreachable insn 2"),
        Rejection("jump between functions", "call local f\nja +1\nexit\nf:\nmov %r0, 0\nexit", at: 1,
                  "jump out of range from insn 1 to 3"),
        Rejection("back-edge under the strict policy", "mov %r0, 0\nloop:\nadd %r0, 1\njlt %r0, 10, loop\nexit",
                  at: 2, "back-edge from insn 2 to 1", loops: .strict),
        Rejection("recursion under the strict policy", "call local f\nexit\nf:\ncall local f\nexit", at: 2,
                  "back-edge from insn 2 to 2", loops: .strict),
        Rejection("unknown helper", "call 99\nexit", at: 0, "invalid func unknown#99"),
        Rejection("GPL-only helper without licence",
                  "stdw [%r10-8], 0\nmov %r1, %r10\nadd %r1, -8\nmov %r2, 8\ncall 2\nexit", at: 4,
                  "cannot call GPL-restricted function from non-GPL compatible program", license: nil),
        Rejection("GPL-only helper under a proprietary licence",
                  "stdw [%r10-8], 0\nmov %r1, %r10\nadd %r1, -8\nmov %r2, 8\ncall 2\nexit", at: 4,
                  "cannot call GPL-restricted function from non-GPL compatible program", license: "Proprietary"),
        Rejection("unknown map", "lddw %r1, map_fd 9\nmov %r0, 0\nexit", at: 0, "fd 9 is not pointing to valid bpf_map"),
        Rejection("local call outside the program", "call local +5\nexit", at: 0, "call to invalid destination (insn 6)"),
    ]

    static let registers: [Rejection] = [
        Rejection("read of an uninitialised register", "mov %r0, %r3\nexit", at: 0, "R3 !read_ok"),
        Rejection("exit without R0", "exit", at: 0, "R0 !read_ok"),
        Rejection("uninitialised on one path only", "ldxb %r3, [%r1+0]\njeq %r3, 0, +1\nmov %r0, 1\nexit", at: 3, "R0 !read_ok"),
        Rejection("write to R10", "mov %r10, 0\nmov %r0, 0\nexit", at: 0, "frame pointer is read only"),
        Rejection("argument register after a helper call", "mov %r1, 1\ncall 5\nmov %r0, %r1\nexit", at: 2, "R1 !read_ok"),
        Rejection("callee reads the caller's R6", "mov %r6, 1\ncall local f\nexit\nf:\nmov %r0, %r6\nexit", at: 3, "R6 !read_ok"),
    ]

    static let stack: [Rejection] = [
        Rejection("store below the frame", "stdw [%r10-520], 1\nmov %r0, 0\nexit", at: 0, "invalid stack off=-520 size=8"),
        Rejection("store above the frame", "stw [%r10-2], 1\nmov %r0, 0\nexit", at: 0, "invalid stack off=-2 size=4"),
        Rejection("read of uninitialised stack", "ldxdw %r0, [%r10-8]\nexit", at: 0, "invalid read from stack off -8+0 size 8"),
        Rejection("partly initialised stack", "stw [%r10-8], 1\nldxdw %r0, [%r10-8]\nexit", at: 1,
                  "invalid read from stack off -8+4 size 8"),
        Rejection("pointer spilled in 4 bytes", "stxw [%r10-8], %r1\nmov %r0, 0\nexit", at: 0, "invalid size of register spill"),
        Rejection("variable offset past the frame",
                  "ldxb %r3, [%r1+0]\nmov %r2, %r10\nadd %r2, -8\nadd %r2, %r3\nstb [%r2+0], 1\nmov %r0, 0\nexit", at: 4,
                  "invalid variable-offset write to stack R2"),
        Rejection("callee stack pointer returned", "call local f\nexit\nf:\nmov %r0, %r10\nadd %r0, -8\nexit", at: 4,
                  "cannot return stack pointer to the caller"),
        Rejection("callee stack pointer stored in the caller's frame",
                  "mov %r1, %r10\nadd %r1, -8\ncall local f\nmov %r0, 0\nexit\nf:\nmov %r2, %r10\nstxdw [%r1+0], %r2\nmov %r0, 0\nexit",
                  at: 6, "cannot spill pointers to stack into stack frame of the caller"),
        Rejection("call stack too deep", "call local f\nexit\nf:\ncall local f\nexit", at: 2, "the call stack of 9 frames is too deep !"),
    ]

    static let memory: [Rejection] = [
        Rejection("read past the end of the memory", "ldxw %r0, [%r1+62]\nexit", at: 0, "invalid bpf_context access off=62 size=4"),
        Rejection("read before the memory", "ldxb %r0, [%r1-1]\nexit", at: 0, "invalid bpf_context access off=-1 size=1"),
        Rejection("memory of unknown size without a check", "ldxb %r0, [%r1+0]\nexit", at: 0,
                  "invalid access to packet, off=0 size=1, R1(id=0,off=0,r=0)", contextSize: nil),
        Rejection("check proves too little",
                  "jlt %r2, 4, +2\nldxdw %r0, [%r1+0]\nexit\nmov %r0, 0\nexit", at: 1,
                  "invalid access to packet, off=0 size=8, R1(id=0,off=0,r=4)", contextSize: nil),
        Rejection("check on the wrong branch",
                  "mov %r3, %r1\nadd %r3, 8\nmov %r4, %r1\nadd %r4, %r2\njgt %r3, %r4, +2\nmov %r0, 0\nexit\nldxdw %r0, [%r1+0]\nexit",
                  at: 7, "invalid access to packet, off=0 size=8", contextSize: nil),
        Rejection("dereference of a number", "mov %r1, 0\nldxw %r0, [%r1+0]\nexit", at: 1, "R1 invalid mem access 'scalar'"),
        Rejection("dereference of the memory end",
                  "mov %r3, %r1\nadd %r3, %r2\nldxb %r0, [%r3+0]\nexit", at: 2, "R3 invalid mem access 'pkt_end'", contextSize: nil),
        Rejection("dereference of a map", "lddw %r1, map_fd 7\nldxw %r0, [%r1+0]\nexit", at: 2, "R1 invalid mem access 'map_ptr'"),
        Rejection("map value used before the null check",
                  "stw [%r10-4], 1\nlddw %r1, map_fd 7\nmov %r2, %r10\nadd %r2, -4\ncall 1\nldxw %r0, [%r0+0]\nexit", at: 6,
                  "R0 invalid mem access 'map_value_or_null'"),
        Rejection("map value read past its size",
                  "stw [%r10-4], 1\nlddw %r1, map_fd 7\nmov %r2, %r10\nadd %r2, -4\ncall 1\njeq %r0, 0, +1\nldxdw %r0, [%r0+12]\nexit",
                  at: 7, "invalid access to map value, value_size=16 off=12 size=8"),
        Rejection("helper memory used before the null check", "call 3\nldxb %r0, [%r0+0]\nexit", at: 1,
                  "R0 invalid mem access 'mem_or_null'"),
        Rejection("helper memory read past its size", "call 3\njeq %r0, 0, +1\nldxb %r0, [%r0+32]\nexit", at: 2,
                  "invalid access to memory, mem_size=32 off=32 size=1"),
        Rejection("variable index past the end",
                  "ldxb %r3, [%r1+0]\nadd %r1, %r3\nldxb %r0, [%r1+0]\nexit", at: 2, "invalid bpf_context access off=0 size=1"),
        Rejection("index may be negative",
                  "ldxb %r3, [%r1+0]\nsub %r3, 10\nadd %r1, %r3\nldxb %r0, [%r1+0]\nexit", at: 3, "R1 min value is negative"),
        Rejection("unbounded index",
                  "ldxw %r3, [%r1+0]\nadd %r1, %r3\nldxb %r0, [%r1+0]\nexit", at: 2, "R1 unbounded memory access"),
    ]

    static let arithmetic: [Rejection] = [
        Rejection("arithmetic on a pointer that may be null",
                  "stw [%r10-4], 1\nlddw %r1, map_fd 7\nmov %r2, %r10\nadd %r2, -4\ncall 1\nadd %r0, 4\nexit", at: 6,
                  "R0 pointer arithmetic on map_value_or_null prohibited, null-check it first"),
        Rejection("pointer plus pointer", "mov %r0, %r1\nadd %r0, %r10\nexit", at: 1, "R0 pointer += pointer prohibited"),
        Rejection("bitwise operation on a pointer", "mov %r0, %r1\nand %r0, 1\nexit", at: 1, "R0 bitwise operator &= on pointer prohibited"),
        Rejection("multiplication of a pointer", "mov %r0, %r1\nmul %r0, 2\nexit", at: 1,
                  "R0 pointer arithmetic with *= operator prohibited"),
        Rejection("32-bit pointer arithmetic", "mov %r0, %r1\nadd32 %r0, 1\nexit", at: 1, "R0 32-bit pointer arithmetic prohibited"),
        Rejection("pointer subtracted from a number", "mov %r0, 1\nsub %r0, %r1\nexit", at: 1, "R0 tried to subtract pointer from scalar"),
        Rejection("arithmetic on the memory end", "mov %r3, %r1\nadd %r3, %r2\nadd %r3, 1\nmov %r0, 0\nexit", at: 2,
                  "R3 pointer arithmetic on pkt_end prohibited", contextSize: nil),
        Rejection("pointer plus an unbounded number", "ldxdw %r3, [%r1+0]\nadd %r1, %r3\nmov %r0, 0\nexit", at: 1,
                  "math between ctx pointer and register with unbounded min value is not allowed"),
        Rejection("pointer plus a huge constant", "lddw %r3, 0x40000000\nadd %r1, %r3\nmov %r0, 0\nexit", at: 2,
                  "math between ctx pointer and 1073741824 is not allowed"),
    ]

    static let loopsAndCalls: [Rejection] = [
        Rejection("infinite loop", "mov %r0, 0\nloop:\njeq %r0, 0, loop\nexit", at: 1, "infinite loop detected at insn 1"),
        Rejection("loop the analysis cannot bound",
                  "ldxw %r2, [%r1+0]\nmov %r0, 0\nloop:\nadd %r0, 1\njlt %r0, %r2, loop\nexit", at: 4,
                  "BPF program is too large. Processed 1001 insn", budget: 1000),
        Rejection("helper argument of the wrong type", "mov %r1, 0\nmov %r2, 0\ncall 1\nexit", at: 2,
                  "R1 type=scalar expected=map_ptr"),
        Rejection("map key not initialised", "lddw %r1, map_fd 7\nmov %r2, %r10\nadd %r2, -4\ncall 1\nmov %r0, 0\nexit", at: 4,
                  "invalid indirect read from stack R2 off -4+0 size 4"),
        Rejection("map key outside the frame", "lddw %r1, map_fd 7\nmov %r2, %r10\nadd %r2, -2\ncall 1\nmov %r0, 0\nexit", at: 4,
                  "invalid stack off=-2 size=4"),
        Rejection("helper buffer size may be negative",
                  "ldxdw %r2, [%r1+0]\nstdw [%r10-8], 0\nmov %r1, %r10\nadd %r1, -8\ncall 2\nexit", at: 4,
                  "R2 min value is negative"),
        Rejection("helper buffer larger than the stack data",
                  "stdw [%r10-8], 0\nmov %r1, %r10\nadd %r1, -8\nmov %r2, 16\ncall 2\nexit", at: 4,
                  "invalid stack off=-8 size=16"),
        Rejection("callx with an unknown helper id", "ldxdw %r2, [%r1+0]\ncall %r2\nexit", at: 1,
                  "callx R2: the helper id must be a known constant"),
        Rejection("callx to an unregistered helper", "mov %r2, 42\ncall %r2\nexit", at: 1, "invalid func unknown#42"),
    ]

    @Test(arguments: structural + registers + stack + memory + arithmetic + loopsAndCalls)
    func rejected(_ expected: Rejection) throws {
        let outcome = try expected.program.verify()
        guard case .failure(let error) = outcome else {
            Issue.record("accepted, expected: \(expected.message)")
            return
        }
        #expect(error.message.hasPrefix(expected.message), "got: \(error.message)")
        #expect(error.index == expected.index, "got index \(error.index): \(error.message)")
    }

    @Test func unknownOpcodeInAnUncheckedProgram() {
        let program = Program(unchecked: [Instruction(opcode: 0xff), Instruction(opcode: Opcode.exit)])
        #expect(throws: VerifierError(kind: .malformed, index: 0, message: "unknown opcode ff")) {
            try Verifier().verify(program)
        }
    }

    @Test func reservedFieldInAnUncheckedProgram() throws {
        let program = Program(unchecked: [Instruction(opcode: 0xb7), Instruction(opcode: Opcode.exit, dst: 1)])
        #expect(throws: VerifierError(kind: .malformed, index: 1, message: "BPF_JMP uses reserved fields")) {
            try Verifier().verify(program)
        }
    }

    @Test func programOverTheInstructionLimit() throws {
        let program = try VerifierFixtures.program("mov %r0, 0\nmov %r0, 1\nexit")
        let verifier = Verifier(options: VerifierOptions(maxInstructions: 2))
        #expect(throws: VerifierError(kind: .resourceLimit, index: 2, message: "program too large: 3 instructions, the limit is 2")) {
            try verifier.verify(program)
        }
    }

    @Test func errorCarriesTheRegisterState() throws {
        let program = try VerifierFixtures.program("mov %r2, 7\nstdw [%r10-8], 3\nldxw %r0, [%r1+62]\nexit")
        let verifier = Verifier(options: VerifierOptions(contextSize: 64, collectsLog: true))
        do {
            _ = try verifier.verify(program)
            Issue.record("accepted")
        } catch {
            #expect(error.registerState == "R1=ctx(off=0,sz=64,imm=0) R2=7 R10=fp0 fp-8=3")
            #expect(error.log.count == 2)
            #expect(error.description.hasPrefix("instruction 2: invalid bpf_context access off=62 size=4"))
        }
    }
}
