/// Which registers of a classic program its translation must set up before the first
/// instruction: A or X when some path reads it before writing it (classic BPF starts them at
/// 0, as `bpf_filter` does), and the packet length when some instruction reads `len`. Most
/// tcpdump filters load A first and never read X or `len`, so their translation starts with
/// the first load, as the classic program does.
struct ClassicRegisterUse {
    /// Some path reads A before writing it.
    var readsAUnwritten = false
    /// Some path reads X before writing it.
    var readsXUnwritten = false
    /// Some instruction reads `len` (`ld len`, `ldx len`).
    var readsLength = false

    private static let a: UInt8 = 1
    private static let x: UInt8 = 2

    /// Forward data flow over the reachable instructions (jumps only go forward, so one pass in
    /// order sees every predecessor first): a register is written at an instruction when every
    /// path reaching it wrote the register. `reachable` is ``ClassicTranslator``'s; a load that
    /// always fails (`ClassicEmitter.alwaysReturnsZero`) ends its path.
    init(_ instructions: [ClassicInstruction], reachable: [Bool], kind: ClassicFilterKind) {
        let unknown: UInt8 = Self.a | Self.x
        // What every path reaching each instruction wrote (unknown until a predecessor says).
        var incoming = [UInt8](repeating: unknown, count: instructions.count)
        if !instructions.isEmpty { incoming[0] = 0 }
        for (index, instruction) in instructions.enumerated() where reachable[index] {
            guard let operation = instruction.operation else { continue }
            var written = incoming[index]
            let (reads, writes) = Self.effect(of: operation)
            if reads & Self.a != 0 && written & Self.a == 0 { readsAUnwritten = true }
            if reads & Self.x != 0 && written & Self.x == 0 { readsXUnwritten = true }
            if operation == .loadLength || operation == .loadXLength { readsLength = true }
            written |= writes
            if ClassicEmitter.alwaysReturnsZero(instruction, kind: kind) { continue }
            switch operation {
            case .returnK, .returnA:
                break
            case .jumpAlways:
                incoming[index + 1 + Int(instruction.k)] &= written
            case .jump:
                incoming[index + 1 + Int(instruction.jumpIfTrue)] &= written
                incoming[index + 1 + Int(instruction.jumpIfFalse)] &= written
            default:
                incoming[index + 1] &= written
            }
        }
    }

    /// The registers `operation` reads and writes, as its translation does (`ldx 4*([k]&0xf)`
    /// keeps A in a temporary around its byte load, so it reads A).
    private static func effect(of operation: ClassicOperation) -> (reads: UInt8, writes: UInt8) {
        switch operation {
        case .loadAbsolute, .loadLength, .loadImmediate, .loadScratch: (0, a)
        case .loadIndirect: (x, a)
        case .loadXImmediate, .loadXScratch, .loadXLength: (0, x)
        case .loadXHeaderLength: (a, x)
        case .negate: (a, a)
        case .store, .returnA: (a, 0)
        case .storeX: (x, 0)
        case .alu(_, .k): (a, a)
        case .alu(_, .x): (a | x, a)
        case .jump(_, .k): (a, 0)
        case .jump(_, .x): (a | x, 0)
        case .jumpAlways, .returnK: (0, 0)
        case .tax: (a, x)
        case .txa: (x, a)
        }
    }
}
