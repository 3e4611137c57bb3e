import Testing
import X86Encoding

/// Branch relaxation in place (`assembleOnce`, `relaxInPlace`, `relocated`): hand-checked bytes
/// for small cases, and for generated jump mazes the very bytes the multi-pass `assemble`
/// settles on. Opcodes: `jmp rel8` EB, `jmp rel32` E9, `jcc rel8` 70+cc, `jcc rel32` 0F 80+cc,
/// `call rel32` E8, `int3` CC, `ret` C3.
@Suite struct X86AssemblerRelaxationTests {
    @Test func shortensWhatFitsAndRelocatesOffsets() throws {
        var recorded: [Int] = []
        let assembler = try X86Assembler.assembleOnce { a in
            let top = a.newLabel()
            let bottom = a.newLabel()
            a.bind(top)
            a.jmp(top)               // eb fe
            a.jcc(.notEqual, bottom) // 75 01
            recorded.append(a.offset) // 11 as emitted (5 + 6), 4 after relaxation
            a.ret()                  // c3
            a.bind(bottom)
            a.jcc(.below, top)       // 72 f9
        }
        #expect(assembler.code == [0xeb, 0xfe, 0x75, 0x01, 0xc3, 0x72, 0xf9])
        #expect(recorded == [11])
        #expect(assembler.relocated(11) == 4)
        #expect(assembler.relocated(0) == 0)
    }

    @Test func farJumpsAndCallsKeepRel32() throws {
        let assembler = try X86Assembler.assembleOnce { a in
            let far = a.newLabel()
            let function = a.newLabel()
            a.jmp(far)               // e9 <200 + 5>
            a.call(function)         // e8 <205 - 10 + 200 ... >
            for _ in 0..<200 { a.int3() }
            a.bind(far)
            a.ret()
            a.bind(function)
            a.ret()
        }
        // jmp far: from 5 to 210 = +205; call function: from 10 to 211 = +201.
        #expect(Array(assembler.code.prefix(10)) == [0xe9, 205, 0, 0, 0, 0xe8, 201, 0, 0, 0])
        #expect(assembler.code.count == 212)
    }

    /// A deterministic maze of jumps (forward and backward, short and far) and filler, emitted
    /// through both schemes: the bytes must be identical.
    @Test(arguments: 0..<200)
    func matchesTheMultiPassLayout(seed: UInt64) throws {
        func maze(_ a: inout X86Assembler) {
            var state = seed &* 0x9e37_79b9_7f4a_7c15 &+ 1
            func next(_ bound: UInt64) -> Int {
                state ^= state << 13; state ^= state >> 7; state ^= state << 17
                return Int(state % bound)
            }
            let labels = (0..<12).map { _ in a.newLabel() }
            var bound = Set<Int>()
            for step in 0..<60 {
                switch next(5) {
                case 0: a.jmp(labels[next(12)])
                case 1: a.jcc(.notEqual, labels[next(12)])
                case 2: for _ in 0..<next(90) { a.int3() }
                case 3: a.call(labels[next(12)])
                default:
                    let index = step % 12
                    if !bound.contains(index) { a.bind(labels[index]); bound.insert(index) }
                }
            }
            for index in 0..<12 where !bound.contains(index) { a.bind(labels[index]) }
            a.ret()
        }
        let multiPass = try X86Assembler.assemble { maze(&$0) }
        let once = try X86Assembler.assembleOnce { maze(&$0) }
        #expect(once.code == multiPass.code)
    }
}
