/// What the translation knows about A and X at each classic instruction, so that it can leave
/// out work a general translation needs:
///
/// - `xBound[i]`: the largest value X can hold when instruction `i` starts, on every path (nil:
///   unknown). After `ldx 4*([k]&0xf)` X is at most 60, so `ld [x + k]` cannot wrap 32 bits
///   and needs no 64-bit range check before the engine's `ldind`.
/// - `aLiveAfter[i]`: some path from the end of instruction `i` reads A before writing it. When
///   it does not, `ldx 4*([k]&0xf)` need not keep A in a temporary around its byte load.
///
/// Both are data flows over the translation's successors (``ClassicTestChains``); jumps only go
/// forward, so one pass in order (X) and one in reverse (A) suffice.
struct ClassicRegisterFacts {
    private(set) var xBound: [UInt32?]
    private(set) var aLiveAfter: [Bool]

    init(_ instructions: [ClassicInstruction], reachable: [Bool], chains: ClassicTestChains, kind: ClassicFilterKind) {
        let count = instructions.count
        var successors = [[Int]](repeating: [], count: count)
        for index in instructions.indices where reachable[index] {
            successors[index] = chains.successors(instructions, at: index, kind: kind)
        }
        // X: the prologue zeroes X where some path reads it unwritten; elsewhere its entry value
        // is never read, so 0 is as good a bound as any.
        var incoming = [UInt32??](repeating: .none, count: count)
        if count > 0 { incoming[0] = .some(0) }
        xBound = [UInt32?](repeating: nil, count: count)
        for index in instructions.indices where reachable[index] {
            let entry: UInt32? = incoming[index] ?? nil
            xBound[index] = entry
            let exit: UInt32? = switch instructions[index].operation {
            case .loadXHeaderLength?: 60
            case .loadXImmediate?: instructions[index].k
            case .loadXScratch?, .loadXLength?, .tax?: nil
            default: entry
            }
            for successor in successors[index] {
                switch incoming[successor] {
                case .none: incoming[successor] = .some(exit)
                case .some(let bound):
                    if let bound, let exit { incoming[successor] = .some(max(bound, exit)) } else { incoming[successor] = .some(nil) }
                }
            }
        }
        // A: backward liveness.
        var liveBefore = [Bool](repeating: false, count: count)
        aLiveAfter = [Bool](repeating: false, count: count)
        for index in instructions.indices.reversed() where reachable[index] {
            let after = successors[index].contains { liveBefore[$0] }
            aLiveAfter[index] = after
            guard let operation = instructions[index].operation else { continue }
            let (reads, writes) = Self.aEffect(of: operation, role: chains.roles[index])
            liveBefore[index] = reads || (after && !writes)
        }
    }

    /// Whether `operation` reads and writes A as translated (a dropped test reads nothing; `ldx
    /// 4*([k]&0xf)` is counted as not reading A, which is what the liveness decides).
    private static func aEffect(of operation: ClassicOperation, role: ClassicTestChains.Role) -> (reads: Bool, writes: Bool) {
        if role == .dropped { return (false, false) }
        return switch operation {
        case .loadAbsolute, .loadIndirect, .loadLength, .loadImmediate, .loadScratch, .txa: (false, true)
        case .alu, .negate: (true, true)
        case .store, .returnA, .tax, .jump: (true, false)
        case .loadXImmediate, .loadXScratch, .loadXLength, .loadXHeaderLength, .storeX, .jumpAlways, .returnK: (false, false)
        }
    }
}
