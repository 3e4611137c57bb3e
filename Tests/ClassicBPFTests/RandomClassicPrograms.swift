import ClassicBPF
import EBPFTestSupport

/// Random checked classic programs over every operation, with a fixed seed: forward jumps of
/// any length, packet offsets around the packet's end, scratch words, divisions by X, shifts
/// by X of 32 and more.
struct RandomClassicPrograms {
    private var random: SplitMix64

    init(seed: UInt64) { random = SplitMix64(seed: seed) }

    mutating func next() -> UInt64 { random.next() }

    /// `next() % bound`: the reduction these programs were always drawn with (SplitMix64's own
    /// `below` reduces differently and would draw other programs from the same seeds).
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }

    mutating func constant() -> UInt32 {
        switch below(7) {
        case 0: UInt32(below(4))
        case 6: [31, 32, 33, 63, 64][below(5)]
        case 1: UInt32(below(80))
        case 2: 0xffff_ffff - UInt32(below(3))
        case 3: 0x8000_0000
        default: UInt32(truncatingIfNeeded: next())
        }
    }

    mutating func packetOffset() -> UInt32 {
        below(10) == 0 ? [0x7fff_ffff, 0x8000_0000, 0xffff_efff, 0x7fff_fffc, 0x7fff_fffb][below(5)] : UInt32(below(80))
    }

    /// A program for `kind` that passes ``ClassicChecker``.
    mutating func program(kind: ClassicFilterKind, length: Int) -> ClassicProgram {
        var instructions: [ClassicInstruction] = []
        let count = max(2, length)
        for index in 0..<(count - 1) {
            let remaining = count - index - 1  // instructions after this one
            instructions.append(instruction(kind: kind, remaining: remaining))
        }
        instructions.append(below(2) == 0 ? ClassicInstruction(code: 0x16) : ClassicInstruction(code: 0x06, k: constant()))
        // Replace scratch reads the checker finds uninitialised with constant loads.
        while true {
            do throws(ClassicCheckError) {
                try ClassicChecker.check(ClassicProgram(instructions), kind: kind)
                return ClassicProgram(instructions)
            } catch {
                guard case .scratchReadBeforeWrite(let index, _) = error else { fatalError("generator bug: \(error)") }
                instructions[index] = ClassicInstruction(code: instructions[index].code == 0x60 ? 0x00 : 0x01, k: constant())
            }
        }
    }

    private mutating func instruction(kind: ClassicFilterKind, remaining: Int) -> ClassicInstruction {
        let jumpSpan = { (random: inout RandomClassicPrograms) -> UInt8 in
            UInt8(random.below(min(remaining, 256)))
        }
        switch below(12) {
        case 0, 1:
            if kind == .seccomp {
                return ClassicInstruction(code: 0x20, k: UInt32(4 * below(16)))
            }
            let sizes: [UInt16] = [0x00, 0x08, 0x10]
            let mode: UInt16 = below(2) == 0 ? 0x20 : 0x40
            return ClassicInstruction(code: mode | sizes[below(3)], k: packetOffset())
        case 2:
            if kind == .seccomp { return ClassicInstruction(code: [0x80, 0x81][below(2)]) }
            return ClassicInstruction(code: [0x80, 0x81, 0xb1][below(3)], k: packetOffset())
        case 3:
            return ClassicInstruction(code: [0x00, 0x01][below(2)], k: below(3) == 0 ? UInt32(below(40)) : constant())
        case 4:
            return ClassicInstruction(code: [0x02, 0x03, 0x60, 0x61][below(4)], k: UInt32(below(ClassicLimits.scratchWords)))
        case 5, 6:
            var ops = ClassicALUOperation.allCases.filter { $0 != .neg }
            if kind == .seccomp { ops.removeAll { $0 == .mod } }
            let op = ops[below(ops.count)]
            if below(2) == 0 {
                var k = constant()
                if op == .div || op == .mod, k == 0 { k = 3 }
                if op == .lsh || op == .rsh { k %= 32 }
                return ClassicInstruction(code: 0x04 | op.rawValue, k: k)
            }
            return ClassicInstruction(code: 0x0c | op.rawValue)
        case 7:
            return ClassicInstruction(code: [0x84, 0x07, 0x87][below(3)])
        case 8:
            return ClassicInstruction(code: 0x05, k: UInt32(below(remaining)))
        case 9:
            return ClassicInstruction(code: 0x06, k: constant())
        default:
            let op = [ClassicJumpOperation.jeq, .jgt, .jge, .jset][below(4)]
            let source: UInt16 = below(3) == 0 ? 0x08 : 0
            return ClassicInstruction(code: 0x05 | op.rawValue | source, jumpIfTrue: jumpSpan(&self), jumpIfFalse: jumpSpan(&self), k: constant())
        }
    }

    /// A packet of 0–80 random bytes.
    mutating func packet() -> [UInt8] {
        (0..<below(81)).map { _ in UInt8(truncatingIfNeeded: next()) }
    }
}
