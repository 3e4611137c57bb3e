import EBPFCore
import EBPFTestSupport

/// An independent check of the generator's main promises, on every path:
/// - every register an instruction reads was written before (R1, R2, R10 at entry; in a local
///   function, what every call site defined of R1–R5, and R10; R1–R5 are unwritten after a call
///   or packet load);
/// - no register that may hold a pointer (R1 at entry, R10, and copies of them) is used as a
///   scalar: in arithmetic, a comparison, a stored value, a helper argument or the result.
///
/// A forward analysis over the control-flow graph (written registers: must; pointer registers:
/// may), iterated to a fixed point across local calls. Written separately from the generator so
/// the two cannot share a mistake.
struct DefinednessChecker {
    typealias Registers = UInt16

    /// What is known before an instruction.
    struct State: Equatable {
        var written: Registers
        var pointers: Registers

        func merged(with other: State) -> State {
            State(written: written & other.written, pointers: pointers | other.pointers)
        }
    }

    /// An instruction that reads an unwritten register or uses a pointer as a scalar.
    struct Violation: CustomStringConvertible {
        let pc: Int
        let unwritten: Registers
        let pointersUsedAsScalars: Registers
        var description: String {
            var parts: [String] = []
            if unwritten != 0 { parts.append("reads unwritten " + Self.names(unwritten)) }
            if pointersUsedAsScalars != 0 { parts.append("uses pointer " + Self.names(pointersUsedAsScalars) + " as a scalar") }
            return "instruction \(pc) " + parts.joined(separator: " and ")
        }
        static func names(_ registers: Registers) -> String {
            (0..<11).filter { registers & (1 << $0) != 0 }.map { "r\($0)" }.joined(separator: ", ")
        }
    }

    /// The effect of one instruction.
    struct Step {
        var reads: Registers = 0
        var scalarReads: Registers = 0
        var after: State
        var successors: [Int]
        var callTarget: Int?
    }

    static let arguments: Registers = 0b11_1110
    static let entry = State(written: bit(1) | bit(2) | bit(10), pointers: bit(1) | bit(10))

    let slots: [Instruction]

    init(_ program: Program) {
        slots = program.instructions
    }

    static func bit(_ register: UInt8) -> Registers { 1 << Registers(register) }

    /// The violations, empty when the program keeps both promises.
    func violations() -> [Violation] {
        var entryStates: [Int: State] = [0: Self.entry]
        while true {
            let (violations, callSites) = analyze(entryStates: entryStates)
            var next: [Int: State] = [0: Self.entry]
            for (target, state) in callSites {
                let passed = State(
                    written: (state.written & Self.arguments) | Self.bit(10),
                    pointers: (state.pointers & Self.arguments) | Self.bit(10))
                next[target] = next[target].map { $0.merged(with: passed) } ?? passed
            }
            if next == entryStates { return violations }
            entryStates = next
        }
    }

    /// One pass over all functions with the given entry states; returns the violations and, per
    /// call target, the merged state at its call sites.
    private func analyze(entryStates: [Int: State]) -> ([Violation], [Int: State]) {
        var states = [State?](repeating: nil, count: slots.count + 1)
        var pending: [Int] = []
        for (entry, state) in entryStates {
            states[entry] = states[entry].map { $0.merged(with: state) } ?? state
            pending.append(entry)
        }
        while let pc = pending.popLast() {
            guard pc < slots.count, let current = states[pc] else { continue }
            let effect = step(pc, current)
            for successor in effect.successors {
                let merged = states[successor].map { $0.merged(with: effect.after) } ?? effect.after
                if states[successor] != merged {
                    states[successor] = merged
                    pending.append(successor)
                }
            }
        }
        var violations: [Violation] = []
        var callSites: [Int: State] = [:]
        for pc in slots.indices {
            guard let current = states[pc] else { continue }
            let effect = step(pc, current)
            let unwritten = effect.reads & ~current.written
            let misused = effect.scalarReads & current.pointers
            if unwritten != 0 || misused != 0 {
                violations.append(Violation(pc: pc, unwritten: unwritten, pointersUsedAsScalars: misused))
            }
            if let target = effect.callTarget {
                callSites[target] = callSites[target].map { $0.merged(with: current) } ?? current
            }
        }
        return (violations, callSites)
    }

    /// Reads, state after, successors and local call target of the instruction at `pc`.
    private func step(_ pc: Int, _ before: State) -> Step {
        let slot = slots[pc]
        let dst = Self.bit(slot.dst)
        let src = Self.bit(slot.src)
        let usesRegister = slot.opcode & 0x08 != 0
        var effect = Step(after: before, successors: [pc + 1])
        func writeScalar(_ registers: Registers) {
            effect.after.written |= registers
            effect.after.pointers &= ~registers
        }
        func clobberArguments() {
            effect.after.written &= ~Self.arguments
            effect.after.pointers &= ~Self.arguments
            writeScalar(Self.bit(0))
        }
        switch slot.instructionClass {
        case .alu, .alu64:
            let operation = slot.opcode & 0xf0
            if operation == ALUOperation.mov.rawValue && slot.offset == 0 {
                // A plain move copies a pointer along.
                effect.reads = usesRegister ? src : 0
                effect.after.written |= dst
                if usesRegister && before.pointers & src != 0 && slot.instructionClass == .alu64 {
                    effect.after.pointers |= dst
                } else {
                    effect.after.pointers &= ~dst
                }
            } else {
                if operation == ALUOperation.mov.rawValue {
                    effect.reads = src
                } else if operation == ALUOperation.neg.rawValue || operation == ALUOperation.end.rawValue {
                    effect.reads = dst
                } else {
                    effect.reads = dst | (usesRegister ? src : 0)
                }
                effect.scalarReads = effect.reads
                writeScalar(dst)
            }
        case .jmp, .jmp32:
            switch slot.opcode {
            case Opcode.exit:
                effect.reads = Self.bit(0)
                effect.scalarReads = effect.reads
                effect.successors = []
            case Opcode.call, Opcode.callx:
                if slot.opcode == Opcode.callx {
                    effect.reads = dst
                } else if slot.src == CallKind.local.rawValue {
                    effect.callTarget = pc + 1 + Int(slot.immediate)
                } else if let helper = TestHelpers.registry[slot.immediate] {
                    for register in stride(from: 1, through: TestHelpers.argumentCount(of: helper), by: 1) {
                        effect.reads |= Self.bit(UInt8(register))
                    }
                }
                effect.scalarReads = effect.reads
                clobberArguments()
            default:
                // Worked out here from the encoding, not from the decoder, so the two cannot share
                // a mistake: `ja32` jumps by its immediate, every other jump by its offset.
                let target = pc + 1 + (slot.opcode == Opcode.ja32 ? Int(slot.immediate) : Int(slot.offset))
                if slot.opcode == Opcode.ja || slot.opcode == Opcode.ja32 {
                    effect.successors = [target]
                } else {
                    effect.reads = dst | (usesRegister ? src : 0)
                    effect.scalarReads = effect.reads
                    effect.successors = [pc + 1, target]
                }
            }
        case .ldx:
            effect.reads = src
            writeScalar(dst)
        case .st:
            effect.reads = dst
        case .stx:
            effect.reads = dst | src
            effect.scalarReads = src
            if slot.opcode & 0xe0 == MemoryMode.atomic.rawValue {
                if slot.immediate == AtomicOperation.cmpxchg.rawValue {
                    effect.reads |= Self.bit(0)
                    effect.scalarReads |= Self.bit(0)
                    writeScalar(Self.bit(0))
                } else if slot.immediate & 1 != 0 {
                    writeScalar(src)
                }
            }
        case .ld:
            if slot.opcode == Opcode.lddw {
                writeScalar(dst)
                effect.successors = [pc + 2]
            } else {
                effect.reads = slot.opcode & 0xe0 == MemoryMode.ind.rawValue ? src : 0
                effect.scalarReads = effect.reads
                clobberArguments()
            }
        }
        return effect
    }
}
