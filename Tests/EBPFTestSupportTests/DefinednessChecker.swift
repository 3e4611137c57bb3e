import EBPFCore
import EBPFTestSupport

/// An independent check of the generator's main promise: on every path, every register an
/// instruction reads was written before (R1, R2, R10 at entry; R1–R5 and R10 in a local function,
/// as far as every call site defined them; R1–R5 undefined after a call or packet load).
///
/// A forward must-analysis over the control-flow graph, iterated to a fixed point across local
/// calls. Written separately from the generator so the two cannot share a mistake.
struct DefinednessChecker {
    typealias Registers = UInt16

    /// An instruction that may read a register not written on some path.
    struct Violation: CustomStringConvertible {
        let pc: Int
        let missing: Registers
        var description: String {
            "instruction \(pc) reads " + (0..<11).filter { missing & (1 << $0) != 0 }.map { "r\($0)" }.joined(separator: ", ")
        }
    }

    static let all: Registers = 0x07ff
    static let arguments: Registers = 0b11_1110

    let slots: [Instruction]

    init(_ program: Program) {
        slots = program.instructions
    }

    static func bit(_ register: UInt8) -> Registers { 1 << Registers(register) }

    /// The violations, empty when every read is of a written register.
    func violations() -> [Violation] {
        var entryStates: [Int: Registers] = [0: Self.bit(1) | Self.bit(2) | Self.bit(10)]
        while true {
            let (violations, callSites) = analyze(entryStates: entryStates)
            var next: [Int: Registers] = [0: entryStates[0]!]
            for (target, state) in callSites {
                next[target] = (next[target] ?? Self.all) & ((state & Self.arguments) | Self.bit(10))
            }
            if next == entryStates { return violations }
            entryStates = next
        }
    }

    /// One pass over all functions with the given entry states; returns the violations and, per
    /// call target, the meet of the states at its call sites.
    private func analyze(entryStates: [Int: Registers]) -> ([Violation], [Int: Registers]) {
        var state = [Registers?](repeating: nil, count: slots.count + 1)
        var pending: [Int] = []
        for (entry, registers) in entryStates {
            state[entry] = registers
            pending.append(entry)
        }
        // Iterate to the fixed point first, then collect violations from the final states.
        while let pc = pending.popLast() {
            guard pc < slots.count, let current = state[pc] else { continue }
            let (_, after, successors, _) = step(pc, current)
            for successor in successors {
                let merged = (state[successor] ?? Self.all) & after
                if state[successor] != merged {
                    state[successor] = merged
                    pending.append(successor)
                }
            }
        }
        var violations: [Violation] = []
        var callSites: [Int: Registers] = [:]
        for pc in slots.indices {
            guard let current = state[pc] else { continue }
            let (reads, _, _, callTarget) = step(pc, current)
            if reads & ~current != 0 { violations.append(Violation(pc: pc, missing: reads & ~current)) }
            if let callTarget { callSites[callTarget] = (callSites[callTarget] ?? Self.all) & current }
        }
        return (violations, callSites)
    }

    /// Reads, state after, successors and local call target of the instruction at `pc`.
    private func step(_ pc: Int, _ before: Registers) -> (Registers, Registers, [Int], Int?) {
        let slot = slots[pc]
        let dst = Self.bit(slot.dst)
        let src = Self.bit(slot.src)
        let usesRegister = slot.opcode & 0x08 != 0
        var reads: Registers = 0
        var after = before
        var successors = [pc + 1]
        var callTarget: Int?
        switch slot.instructionClass {
        case .alu, .alu64:
            let operation = slot.opcode & 0xf0
            if operation == ALUOperation.mov.rawValue {
                reads = usesRegister ? src : 0
            } else if operation == ALUOperation.neg.rawValue || operation == ALUOperation.end.rawValue {
                reads = dst
            } else {
                reads = dst | (usesRegister ? src : 0)
            }
            after |= dst
        case .jmp, .jmp32:
            switch slot.opcode {
            case Opcode.exit:
                reads = Self.bit(0)
                successors = []
            case Opcode.call, Opcode.callx:
                if slot.opcode == Opcode.callx {
                    reads = dst
                } else if slot.src == CallKind.local.rawValue {
                    callTarget = pc + 1 + Int(slot.immediate)
                } else if let helper = TestHelpers.registry[slot.immediate] {
                    for register in stride(from: 1, through: TestHelpers.argumentCount(of: helper), by: 1) {
                        reads |= Self.bit(UInt8(register))
                    }
                }
                after = (after & ~Self.arguments) | Self.bit(0)
            default:
                let target = Program.branchTarget(of: slot, at: pc)!
                if slot.opcode == Opcode.ja || slot.opcode == Opcode.ja32 {
                    successors = [target]
                } else {
                    reads = dst | (usesRegister ? src : 0)
                    successors = [pc + 1, target]
                }
            }
        case .ldx:
            reads = src
            after |= dst
        case .st:
            reads = dst
        case .stx:
            reads = dst | src
            if slot.opcode & 0xe0 == MemoryMode.atomic.rawValue {
                if slot.immediate == AtomicOperation.cmpxchg.rawValue {
                    reads |= Self.bit(0)
                    after |= Self.bit(0)
                } else if slot.immediate & 1 != 0 {
                    after |= src
                }
            }
        case .ld:
            if slot.opcode == Opcode.lddw {
                after |= dst
                successors = [pc + 2]
            } else {
                reads = slot.opcode & 0xe0 == MemoryMode.ind.rawValue ? src : 0
                after = (after & ~Self.arguments) | Self.bit(0)
            }
        }
        return (reads, after, successors, callTarget)
    }
}
