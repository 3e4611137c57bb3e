/// Runs of classic tests that all reject to `ret #0`, which the translation evaluates without a
/// branch per test (docs/classic-bpf.md, "Test chains").
///
/// A tcpdump filter begins with a run such as `ldh [12]; jeq #0x800 jf reject; ldb [23];
/// jeq #6 jf reject; ldh [20]; jset #0x1fff jt reject`: each test either continues with the
/// next instruction or returns 0. On real traffic each of those branches follows the packets
/// and mispredicts whenever its outcome changes. A *chain* is such a run: it starts anywhere,
/// and every instruction after its first is reached only from the one before it. Inside a
/// chain nothing but the tests branches, so the translation runs the chain's loads and
/// arithmetic whatever the tests say, ORs into an accumulator a value that is non-zero when a
/// test fails, and branches once at the end (or, when the chain ends in a select or a return,
/// masks the result with it: no branch at all).
///
/// Why that is exact: classic BPF ends the program with 0 on a load past the packet, a
/// division by X = 0; on a chain's every path a failed test returns 0 too. So when any test
/// fails, whatever the later instructions do (finish, or end the program with 0 early) the
/// result is 0, as in the classic program; when every test passes, the instructions run as
/// the classic program runs them.
///
/// Inside a chain, tests of one value of A are also checked against each other: when one of
/// them passes only for `A == c` (`jeq #c` rejecting otherwise), every other test of that A
/// with a constant operand that passes for `A == c` is implied by it and dropped (libpcap's
/// `jeq #0x86dd jt reject; jeq #0x800 jf reject`).
struct ClassicTestChains {
    /// What the translation does with one classic instruction.
    enum Role: Equatable {
        /// Translated on its own (outside chains, and a chain's loads and arithmetic).
        case plain
        /// A test that another test of the same A implies: nothing is emitted.
        case dropped
        /// A test folded into its chain's accumulator: `first` sets the accumulator, `last`
        /// ends the chain with one branch to `return 0` when the chain has no `terminal`.
        case folded(first: Bool, last: Bool, rejectsWhenTrue: Bool)
        /// A select, `ret #k` or `ret a` that ends a chain: its result is masked to 0 when a
        /// test failed.
        case terminal
    }

    private(set) var roles: [Role]

    /// Finds the chains among the `reachable` instructions of the checked `instructions`
    /// (``ClassicTranslator``'s reachability before chains).
    init(_ instructions: [ClassicInstruction], reachable: [Bool], kind: ClassicFilterKind) {
        roles = [Role](repeating: .plain, count: instructions.count)
        var predecessors = [Int](repeating: 0, count: instructions.count)
        for index in instructions.indices where reachable[index] {
            for successor in Self.originalSuccessors(instructions, at: index, kind: kind) { predecessors[successor] += 1 }
        }
        var start = 0
        while start < instructions.count {
            guard reachable[start] else {
                start += 1
                continue
            }
            start = findChain(instructions, from: start, predecessors: predecessors, kind: kind)
        }
    }

    /// Which way a test rejects (returns 0), or nil when `instruction` at `index` is no test
    /// whose one side is the next instruction and whose other side is `ret #0`.
    static func rejection(_ instructions: [ClassicInstruction], at index: Int) -> Bool? {
        let instruction = instructions[index]
        guard case .jump? = instruction.operation, instruction.jumpIfTrue != instruction.jumpIfFalse,
              ClassicEmitter.returnSelect(instructions, at: index) == nil else { return nil }
        func returnsZero(_ offset: UInt8) -> Bool {
            let target = instructions[index + 1 + Int(offset)]
            return target.operation == .returnK && target.k == 0
        }
        if instruction.jumpIfFalse == 0 && returnsZero(instruction.jumpIfTrue) { return true }
        if instruction.jumpIfTrue == 0 && returnsZero(instruction.jumpIfFalse) { return false }
        return nil
    }

    /// An instruction that always continues with the next one (or ends the program with 0).
    private static func continues(_ instruction: ClassicInstruction, kind: ClassicFilterKind) -> Bool {
        guard let operation = instruction.operation, !ClassicEmitter.alwaysReturnsZero(instruction, kind: kind) else { return false }
        switch operation {
        case .jump, .jumpAlways, .returnK, .returnA: return false
        default: return true
        }
    }

    /// An instruction whose translation branches on X: an indirect load (its range check),
    /// `div x`, `mod x` (X = 0), `lsh x`, `rsh x` (X ≥ 32).
    private static func branchesOnX(_ instruction: ClassicInstruction) -> Bool {
        switch instruction.operation {
        case .loadIndirect?, .alu(.div, .x)?, .alu(.mod, .x)?, .alu(.lsh, .x)?, .alu(.rsh, .x)?: true
        default: false
        }
    }

    /// Builds the chain that starts at `start`, if it has tests worth folding, and returns
    /// where the next one may start.
    private mutating func findChain(_ instructions: [ClassicInstruction], from start: Int, predecessors: [Int], kind: ClassicFilterKind) -> Int {
        var tests: [(index: Int, rejectsWhenTrue: Bool)] = []
        var index = start
        while index < instructions.count, index == start || predecessors[index] == 1 {
            // An indirect load or an operation by X after a test ends the chain: for packets
            // that failed the test, X is whatever their bytes made it, and the load's range
            // check (or X's zero or shift check) would become one more branch that follows
            // the traffic. Before the first test they run for every packet anyway.
            if !tests.isEmpty && Self.branchesOnX(instructions[index]) { break }
            if Self.continues(instructions[index], kind: kind) {
                index += 1
            } else if let rejectsWhenTrue = Self.rejection(instructions, at: index) {
                tests.append((index, rejectsWhenTrue))
                index += 1
            } else {
                break
            }
        }
        guard let lastTest = tests.last?.index else { return max(index, start + 1) }
        // A select or return reached only from the chain ends it.
        var terminal: Int?
        if index < instructions.count, index > start, predecessors[index] == 1 {
            let instruction = instructions[index]
            if ClassicEmitter.returnSelect(instructions, at: index) != nil || instruction.operation == .returnK || instruction.operation == .returnA {
                terminal = index
            }
        }
        let kept = tests.filter { !Self.isImplied($0.index, among: tests, in: instructions, from: start) }
        for test in tests where !kept.contains(where: { $0.index == test.index }) { roles[test.index] = .dropped }
        if kept.count >= 2 || (terminal != nil && !kept.isEmpty) {
            for (position, test) in kept.enumerated() {
                roles[test.index] = .folded(first: position == 0, last: position == kept.count - 1 && terminal == nil, rejectsWhenTrue: test.rejectsWhenTrue)
            }
            if let terminal {
                roles[terminal] = .terminal
                return terminal + 1
            }
        }
        return lastTest + 1
    }

    /// Whether test `index` is implied by an earlier-chosen test of the same A in the chain: the
    /// first test of that A that passes only for `A == c` (a `jeq #c` that rejects otherwise)
    /// anchors the group, and a test with a constant operand that passes for `A == c` adds
    /// nothing to it.
    private static func isImplied(_ index: Int, among tests: [(index: Int, rejectsWhenTrue: Bool)], in instructions: [ClassicInstruction], from start: Int) -> Bool {
        guard case .jump(_, .k)? = instructions[index].operation else { return false }
        // The tests that see the same A as `index`: no instruction between writes A.
        func writesA(_ position: Int) -> Bool {
            switch instructions[position].operation {
            case .loadAbsolute?, .loadIndirect?, .loadLength?, .loadImmediate?, .loadScratch?, .alu?, .negate?, .txa?: true
            default: false
            }
        }
        var first = index
        while first > start && !writesA(first - 1) { first -= 1 }
        var last = index
        while last + 1 < instructions.count && last + 1 <= (tests.last?.index ?? index) && !writesA(last + 1) { last += 1 }
        guard let anchor = tests.first(where: { test in
            guard (first...last).contains(test.index), case .jump(.jeq, .k)? = instructions[test.index].operation else { return false }
            return !test.rejectsWhenTrue
        }), anchor.index != index else { return false }
        let value = instructions[anchor.index].k
        let test = tests.first { $0.index == index }!
        return holds(instructions[index], for: value) != test.rejectsWhenTrue
    }

    /// Whether the condition of the constant test `instruction` holds for `A == value`.
    static func holds(_ instruction: ClassicInstruction, for value: UInt32) -> Bool {
        guard case .jump(let op, .k)? = instruction.operation else { return false }
        let k = instruction.k
        return switch op {
        case .ja, .jeq: value == k
        case .jgt: value > k
        case .jge: value >= k
        case .jset: value & k != 0
        }
    }

    /// The classic successors of `index` as the translation before chains sees them: a select
    /// and a load that always fails end their path.
    static func originalSuccessors(_ instructions: [ClassicInstruction], at index: Int, kind: ClassicFilterKind) -> [Int] {
        let instruction = instructions[index]
        if ClassicEmitter.alwaysReturnsZero(instruction, kind: kind) { return [] }
        if ClassicEmitter.returnSelect(instructions, at: index) != nil { return [] }
        switch instruction.operation {
        case .returnK?, .returnA?: return []
        case .jumpAlways?: return [index + 1 + Int(instruction.k)]
        case .jump?: return [index + 1 + Int(instruction.jumpIfTrue), index + 1 + Int(instruction.jumpIfFalse)]
        default: return [index + 1]
        }
    }

    /// The successors of `index` in the translation: a folded or dropped test only continues
    /// (its rejection is the chain's), a chain's terminal returns.
    func successors(_ instructions: [ClassicInstruction], at index: Int, kind: ClassicFilterKind) -> [Int] {
        switch roles[index] {
        case .dropped, .folded: [index + 1]
        case .terminal: []
        case .plain: Self.originalSuccessors(instructions, at: index, kind: kind)
        }
    }
}
