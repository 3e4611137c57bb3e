import EBPFCore

/// Translates checked classic programs to eBPF, the way the kernel runs socket and seccomp
/// filters (`bpf_convert_filter`), so they go through the verifier and both engines.
///
/// Register map (one table, every choice explained):
///
/// | classic | eBPF | why |
/// |---|---|---|
/// | A | R0 | legacy packet loads (`ldabs*`/`ldind*`) deliver into R0, and `exit` returns R0, so `ret a` is a bare `exit` |
/// | X | R7 | callee-saved, so nothing an engine does for a legacy load can disturb it |
/// | context | R1 | where it arrives: nothing the translation emits writes R1 (legacy loads write only R0), so no copy |
/// | tmp | R8 | A while `ldxb 4*([k]&0xf)` borrows R0; X + k for an indirect load's range check; k above 2^31 for a select; a chain test's value |
/// | rejected | R6 | a test chain's accumulator (``ClassicTestChains``): non-zero once one of its tests rejected |
/// | len | R9 | R2 on entry (socket filter) or the wire length word (captured packet), set only when the program reads `len` |
/// | M[i] | [R10 - 64 + 4i] | 16 words at the top of the frame |
///
/// Every value is kept zero-extended to 64 bits: classic arithmetic is 32-bit, so ALU ops and
/// comparisons use the 32-bit forms (`add32`, `jgt32` ...), and loads zero-extend.
///
/// Semantics follow ``ClassicInterpreter`` (libpcap's `bpf_filter`): loads past the captured
/// bytes, `div x` / `mod x` with X = 0 end the program returning 0, shifts by X ≥ 32 give 0.
/// Packet loads are the eBPF legacy loads, which stop the program with 0 when out of range;
/// seccomp loads are `ldxw` from the 64-byte context.
///
/// A conditional jump whose two targets are both `ret #k` (every tcpdump filter's last decision)
/// is translated to a branch-free select of the two constants, so the per-packet outcome costs
/// no branch misprediction (``ClassicEmitter/returnSelect(_:at:)``).
///
/// Runs of tests that each return 0 or continue (``ClassicTestChains``) are evaluated without a
/// branch per test: one branch at the end of the run, or none when a select or return ends it.
/// Inside them, tests implied by another test of the same A are dropped. `ld [x+k]` after
/// `ldx 4*([k]&0xf)` skips the 64-bit range check (X ≤ 60), and `ldx 4*([k]&0xf)` keeps A only
/// when A is read later (``ClassicRegisterFacts``).
public enum ClassicTranslator {
    /// Checks `program` with ``ClassicChecker`` for `kind` and translates it.
    public static func translate(_ program: ClassicProgram, kind: ClassicFilterKind) throws(ClassicTranslationError) -> Program {
        try translation(of: program, kind: kind).program
    }

    /// Checks and translates `program`, also returning where each classic instruction starts.
    public static func translation(of program: ClassicProgram, kind: ClassicFilterKind) throws(ClassicTranslationError) -> ClassicTranslation {
        do throws(ClassicCheckError) {
            try ClassicChecker.check(program, kind: kind)
        } catch {
            throw .check(error)
        }
        var emitter = ClassicEmitter(kind: kind)
        let instructions = program.instructions
        // Unreachable instructions are left out: eBPF verifiers reject unreachable code. Test
        // chains take the rejecting edges of their tests, so what is reachable is found again.
        let chains = ClassicTestChains(instructions, reachable: reachableInstructions(instructions, kind: kind), kind: kind)
        let reachable = reachableInstructions(instructions) { chains.successors(instructions, at: $0, kind: kind) }
        emitter.chains = chains
        emitter.facts = ClassicRegisterFacts(instructions, reachable: reachable, chains: chains, kind: kind)
        emitter.emitPrologue(ClassicRegisterUse(program.instructions, reachable: reachable, kind: kind))
        for index in program.instructions.indices {
            emitter.begin(classicIndex: index)
            if reachable[index] { emitter.emit(program.instructions, at: index) }
        }
        let slots = try emitter.finish()
        do throws(DecodeError) {
            return ClassicTranslation(program: try Program(validating: slots), classicStarts: emitter.classicStarts)
        } catch {
            throw .invalidOutput(error)
        }
    }

    /// Which instructions some path from the first reaches (jumps only go forward, so one pass
    /// in order suffices). Expects a checked program.
    /// A load that always fails ends the program like a return.
    static func reachableInstructions(_ instructions: [ClassicInstruction], kind: ClassicFilterKind) -> [Bool] {
        reachableInstructions(instructions) { ClassicTestChains.originalSuccessors(instructions, at: $0, kind: kind) }
    }

    /// Which instructions some path from the first reaches through `successors`.
    static func reachableInstructions(_ instructions: [ClassicInstruction], successors: (Int) -> [Int]) -> [Bool] {
        var reachable = [Bool](repeating: false, count: instructions.count)
        reachable[0] = true
        for index in instructions.indices where reachable[index] {
            for successor in successors(index) { reachable[successor] = true }
        }
        return reachable
    }
}

/// A translated program and where each classic instruction's code starts in it.
public struct ClassicTranslation: Hashable, Sendable {
    /// The eBPF program.
    public let program: Program
    /// `classicStarts[i]` is the eBPF index of the first instruction translated from classic
    /// instruction `i`.
    public let classicStarts: [Int]
}
