import EBPFCore
import EBPFInterpreter
import Foundation
import Testing
@testable import EBPFVerifier

/// The zone against the interpreter on random programs over (data, len) with the length only in
/// R2: copies of the length, `len - k`, indices read from the data, pointers `data + i`, the end
/// pointer, comparisons of every kind (64- and 32-bit, signed and unsigned) between all of
/// them, loops over a counter, and reads and writes through the pointers. Whatever the verifier
/// accepts must run without an out-of-bounds access at every length tried (and, under
/// `bounded`, must stop).
@Suite struct ZoneFuzzTests {
    /// Programs per policy; `ZONE_FUZZ_PROGRAMS` runs a longer campaign.
    static let programCount = ProcessInfo.processInfo.environment["ZONE_FUZZ_PROGRAMS"].flatMap { Int($0) } ?? 400
    /// The first seed; `ZONE_FUZZ_SEED` explores other programs.
    static let firstSeed = ProcessInfo.processInfo.environment["ZONE_FUZZ_SEED"].flatMap { UInt64($0) } ?? 1

    struct Generator {
        var state: UInt64

        mutating func next() -> UInt64 {
            state &+= 0x9e37_79b9_7f4a_7c15
            var z = state
            z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
            z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
            return z ^ (z >> 31)
        }

        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
        mutating func pick<T>(_ values: [T]) -> T { values[below(values.count)] }
        mutating func chance(_ percent: Int) -> Bool { below(100) < percent }

        static let scalars = ["%r3", "%r4", "%r5"]
        static let pointers = ["%r7", "%r8"]
        static let conditions = ["jeq", "jne", "jgt", "jge", "jlt", "jle", "jsgt", "jsge", "jslt", "jsle"]

        mutating func condition() -> String { pick(Self.conditions) + (chance(20) ? "32" : "") }

        mutating func scalarStatement(_ lines: inout [String]) {
            let a = pick(Self.scalars)
            let b = pick(Self.scalars + ["%r2"])
            switch below(12) {
            case 0: lines.append("mov \(a), \(below(40))")
            case 1: lines.append("mov \(a), %r2")
            case 2: lines.append("mov \(a), \(b)")
            case 3: lines.append("ldxb \(a), [%r1+\(below(4))]")
            case 4: lines.append("add \(a), \(below(17) - 8)")
            case 5: lines.append("add32 \(a), \(below(17) - 8)")
            case 6: lines.append("add \(a), \(b)")
            case 7: lines.append("sub \(a), \(b)")
            case 8: lines.append("and \(a), \(pick([1, 3, 7, 15, 63, 255]))")
            case 9: lines.append("rsh \(a), \(1 + below(3))")
            case 10: lines.append("mov32 \(a), \(b)")
            default: lines.append("sub \(a), \(below(5))")
            }
        }

        mutating func pointerStatement(_ lines: inout [String]) {
            let p = pick(Self.pointers)
            let s = pick(Self.scalars)
            switch below(5) {
            case 0: lines.append("mov \(p), %r1")
            case 1: lines.append(contentsOf: ["mov \(p), %r1", "add \(p), \(s)"])
            case 2: lines.append("add \(p), \(below(9) - 2)")
            case 3: lines.append("add \(p), \(s)")
            default: lines.append("mov \(p), \(pick(Self.pointers))")
            }
        }

        mutating func check(_ lines: inout [String]) {
            if chance(30) {
                // Pointers against the end or each other.
                let p = pick(Self.pointers)
                let q = pick(Self.pointers + ["%r9"])
                lines.append("\(pick(["jeq", "jne", "jgt", "jge", "jlt", "jle"])) \(p), \(q), out")
            } else {
                let a = pick(Self.scalars + ["%r2"])
                let b = chance(60) ? pick(Self.scalars + ["%r2"]) : String(below(40))
                lines.append("\(condition()) \(a), \(b), out")
            }
        }

        mutating func access(_ lines: inout [String], through pointer: String? = nil) {
            let p = pointer ?? pick(Self.pointers)
            let (load, store) = pick([("ldxb", "stb"), ("ldxh", "sth"), ("ldxw", "stw"), ("ldxdw", "stdw")])
            let offset = below(10) - 2
            let sign = offset < 0 ? "-" : "+"
            if chance(25) {
                lines.append("\(store) [\(p)\(sign)\(offset.magnitude)], 1")
            } else {
                lines.append("\(load) %r0, [\(p)\(sign)\(offset.magnitude)]")
            }
        }

        mutating func statements(_ lines: inout [String], count: Int) {
            for _ in 0..<count {
                switch below(10) {
                case 0, 1, 2: scalarStatement(&lines)
                case 3, 4: pointerStatement(&lines)
                case 5, 6, 7: check(&lines)
                default: access(&lines)
                }
            }
        }

        mutating func program() -> String {
            var lines = ["mov %r0, 0", "mov %r9, %r1", "add %r9, %r2", "mov %r7, %r1", "mov %r8, %r1"]
            for register in Self.scalars { lines.append(chance(50) ? "mov \(register), %r2" : "mov \(register), \(below(8))") }
            statements(&lines, count: 2 + below(6))
            if chance(60) {
                // A loop over a counter bounded by a scalar (the length, a copy, len - k...).
                let bound = pick(Self.scalars + ["%r2"])
                lines.append(contentsOf: ["mov %r6, \(below(3))", "loop:"])
                if chance(50) { lines.append(contentsOf: ["mov %r7, %r1", "add %r7, %r6"]) }
                statements(&lines, count: 1 + below(4))
                if chance(70) { access(&lines, through: "%r7") }
                lines.append("add %r6, \(pick([1, 1, 1, 2, 4]))")
                lines.append("\(pick(["jlt", "jle", "jne", "jslt"]))\(chance(15) ? "32" : "") %r6, \(bound), loop")
            }
            statements(&lines, count: below(4))
            lines.append(contentsOf: ["out:", "exit"])
            return lines.joined(separator: "\n")
        }
    }

    static let lengths = Array(0...17) + [32, 33, 64, 100]

    @Test(arguments: [VerifierOptions.LoopPolicy.bounded, .widening])
    func acceptedProgramsNeverGoOutOfBounds(loops: VerifierOptions.LoopPolicy) throws {
        var generator = Generator(state: Self.firstSeed &* 2 &+ (loops == .bounded ? 0 : 1))
        var accepted = 0
        var withLoop = 0
        for index in 0..<Self.programCount {
            let source = generator.program()
            let program = try VerifierFixtures.program(source)
            let verifier = Verifier(
                helpers: VerifierFixtures.helpers,
                options: VerifierOptions(loops: loops, processedInstructionBudget: 20_000, contextSize: nil))
            guard (try? verifier.verify(program)) != nil else { continue }
            accepted += 1
            if source.contains("loop:") { withLoop += 1 }
            let interpreter = Interpreter(
                program: program, helpers: VerifierFixtures.helpers, limits: ExecutionLimits(instructionBudget: 20_000))
            for length in Self.lengths {
                for fill in 0..<3 {
                    var memory = (0..<length).map { byte -> UInt8 in
                        switch fill {
                        case 0: UInt8(truncatingIfNeeded: byte &* 7 &+ 1)
                        case 1: 0xff
                        default: UInt8(truncatingIfNeeded: generator.next())
                        }
                    }
                    do throws(ExecutionTrap) {
                        _ = try interpreter.run(&memory)
                    } catch {
                        if case .budgetExhausted = error, loops == .widening { continue }
                        Issue.record("program \(index), length \(length): \(error)\n\(source)")
                        return
                    }
                }
            }
        }
        // Enough accepted programs, loops included, for the check to mean something.
        #expect(accepted >= Self.programCount / 10, "only \(accepted) accepted")
        #expect(withLoop >= 20, "only \(withLoop) accepted programs with a loop")
        print("zone fuzz, \(loops): \(accepted) of \(Self.programCount) accepted, \(withLoop) with a loop")
    }
}
