import Testing
import X86Encoding

/// Labels, fix-ups and short jumps. Expected bytes follow from the opcode tables:
/// `jmp rel8` EB, `jmp rel32` E9, `jcc rel8` 70+cc, `jcc rel32` 0F 80+cc, `call rel32` E8;
/// displacements are relative to the end of the jump.
@Suite struct X86AssemblerLabelTests {
    @Test func jumpsAreEmittedLongThenRelaxed() throws {
        var assembler = X86Assembler()
        let target = assembler.newLabel()
        assembler.jmp(target)
        assembler.jcc(.equal, target)
        assembler.bind(target)
        // Emitted in rel32 form, displacements not yet patched.
        #expect(assembler.code == [0xe9, 0, 0, 0, 0, 0x0f, 0x84, 0, 0, 0, 0])
        #expect(assembler.offset(of: target) == 11)
        try assembler.relaxInPlace()
        // jmp +2 (over the 2-byte je); je +0; the label moved with the code.
        #expect(assembler.code == [0xeb, 0x02, 0x74, 0x00])
        #expect(assembler.offset(of: target) == 4)
    }

    @Test(arguments: [0, 1, 5])
    func labelsMadeTogetherAreDistinctAndUnbound(count: Int) throws {
        var assembler = X86Assembler()
        let before = assembler.newLabel()
        let labels = assembler.newLabels(count)
        let after = assembler.newLabel()
        #expect(labels.count == count)
        #expect(Set(labels + [before, after]).count == count + 2)
        for label in labels { #expect(assembler.offset(of: label) == nil) }
        // Each can be bound and jumped to like any other label.
        for label in labels {
            assembler.jmp(label)
            assembler.bind(label)
        }
        assembler.bind(before)
        assembler.bind(after)
        try assembler.relaxInPlace()
        #expect(assembler.code == Array(repeating: [0xeb, 0x00], count: count).flatMap { $0 })
        for (index, label) in labels.enumerated() { #expect(assembler.offset(of: label) == 2 * (index + 1)) }
        #expect(assembler.offsets(of: labels, then: after) == (0..<count).map { 2 * ($0 + 1) } + [2 * count])
    }

    @Test func relaxationShortensJumpsThatFit() throws {
        let assembler = try X86Assembler.assemble { a in
            let top = a.newLabel()
            let bottom = a.newLabel()
            a.bind(top)
            a.jmp(top)               // eb fe
            a.jcc(.notEqual, bottom) // 75 01
            a.ret()                  // c3
            a.bind(bottom)
            a.jcc(.below, top)       // 72 f9 (back to 0 from 7)
        }
        #expect(assembler.code == [0xeb, 0xfe, 0x75, 0x01, 0xc3, 0x72, 0xf9])
    }

    @Test func farTargetsKeepRel32() throws {
        let assembler = try X86Assembler.assemble { a in
            let far = a.newLabel()
            a.jmp(far)
            for _ in 0..<200 { a.int3() }
            a.bind(far)
            a.jcc(.greater, far)
        }
        // jmp +200 as rel32; jg back over itself (-2) fits rel8.
        #expect(Array(assembler.code.prefix(5)) == [0xe9, 200, 0, 0, 0])
        #expect(Array(assembler.code.suffix(2)) == [0x7f, 0xfe])
        #expect(assembler.code.count == 5 + 200 + 2)
    }

    @Test func boundaryOf127And128Bytes() throws {
        // A forward jump over exactly 127 bytes fits rel8; over 128 it does not.
        for (gap, short) in [(127, true), (128, false)] {
            let assembler = try X86Assembler.assemble { a in
                let end = a.newLabel()
                a.jmp(end)
                for _ in 0..<gap { a.int3() }
                a.bind(end)
            }
            #expect((assembler.code[0] == 0xeb) == short, "gap \(gap)")
            #expect(assembler.code.count == gap + (short ? 2 : 5))
        }
    }

    @Test func callsAreRel32AndLabelOffsetsAreReported() throws {
        var assembler = X86Assembler()
        let function = assembler.newLabel()
        assembler.call(function)
        assembler.ret()
        assembler.bind(function)
        assembler.ret()
        try assembler.relaxInPlace()
        #expect(assembler.code == [0xe8, 0x01, 0, 0, 0, 0xc3, 0xc3])
        #expect(assembler.offset(of: function) == 6)
    }

    @Test func unboundLabelIsReported() {
        var assembler = X86Assembler()
        let nowhere = assembler.newLabel()
        assembler.jmp(nowhere)
        #expect(throws: X86AssemblerError.unboundLabel(id: nowhere.id)) { try assembler.relaxInPlace() }
    }

    @Test func registerNamesFollowIntelSyntax() {
        #expect(X86Register.rsi.name(width: .bits8) == "sil")
        #expect(X86Register.rax.name(width: .bits8) == "al")
        #expect(X86Register.r9.name(width: .bits32) == "r9d")
        #expect(X86Register.rbp.name(width: .bits16) == "bp")
        #expect(X86Condition.below.negated == .aboveOrEqual)
    }
}
